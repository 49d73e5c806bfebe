/**
 * Service cluster ("portal") IPs and node ports, each a RangeAllocator kept in storage.
 *
 * IPs: offsets count from the network address + 1; the broadcast address is excluded. The seed's
 * default services take the first two: `kubernetes-ro` (.1) and `kubernetes` (.2).
 */
import type { Storage } from '../storage/interface';
import { AlreadyAllocatedError, RangeAllocator, RangeFullError } from './range-allocator';

export { AlreadyAllocatedError, RangeFullError };

export class NotInRangeError extends Error {}

export function parseCidr(cidr: string): { base: number; size: number } {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr);
  if (!m) throw new Error(`invalid CIDR ${cidr}`);
  const prefix = Number(m[5]);
  const addr = ((Number(m[1]) << 24) >>> 0) + (Number(m[2]) << 16) + (Number(m[3]) << 8) + Number(m[4]);
  const hostBits = 32 - prefix;
  const network = hostBits === 32 ? 0 : ((addr >>> hostBits) << hostBits) >>> 0;
  // usable: network+1 .. broadcast-1
  return { base: network + 1, size: Math.max(0, 2 ** hostBits - 2) };
}

export function ipToInt(ip: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (!m || m.slice(1).some((o) => Number(o) > 255)) return undefined;
  return ((Number(m[1]) << 24) >>> 0) + (Number(m[2]) << 16) + (Number(m[3]) << 8) + Number(m[4]);
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export class ServiceIpAllocator {
  private readonly range: RangeAllocator;
  private readonly base: number;
  private next = 0;

  constructor(storage: Storage, readonly cidr: string, key = '/registry/ranges/serviceips') {
    const { base, size } = parseCidr(cidr);
    this.base = base;
    this.range = new RangeAllocator(storage, key, cidr, size);
  }

  contains(ip: string): boolean {
    const n = ipToInt(ip);
    return n !== undefined && n >= this.base && n < this.base + this.range.size;
  }

  /** Allocate `ip` exactly (NotInRangeError / AlreadyAllocatedError), or the next free one. */
  async allocate(ip?: string): Promise<string> {
    if (ip !== undefined) {
      if (!this.contains(ip)) throw new NotInRangeError(`the provided IP (${ip}) is not in the valid range. The range of valid IPs is ${this.cidr}`);
      await this.range.allocate(ipToInt(ip)! - this.base);
      return ip;
    }
    const offset = await this.range.allocateNext(this.next);
    this.next = (offset + 1) % this.range.size;
    return intToIp(this.base + offset);
  }

  async release(ip: string): Promise<void> {
    if (this.contains(ip)) await this.range.release(ipToInt(ip)! - this.base);
  }

  /** The repair pass: the bitmap becomes exactly the IPs existing services hold. */
  async repair(inUse: string[]): Promise<void> {
    await this.range.reset(inUse.filter((ip) => this.contains(ip)).map((ip) => ipToInt(ip)! - this.base));
  }

  /**
   * The start-up repair: every IP an existing service holds is marked allocated. Nothing is freed
   * here, since another API server may have allocated an IP for a service it has not stored yet.
   */
  async markInUse(ips: string[]): Promise<void> {
    await this.range.markAllocated(ips.filter((ip) => this.contains(ip)).map((ip) => ipToInt(ip)! - this.base));
  }

  async isAllocated(ip: string): Promise<boolean> {
    return this.contains(ip) && this.range.isAllocated(ipToInt(ip)! - this.base);
  }
}

export class NodePortAllocator {
  private readonly range: RangeAllocator;
  private readonly min: number;
  private next = 0;

  constructor(storage: Storage, readonly portRange: string, key = '/registry/ranges/servicenodeports') {
    const m = /^(\d+)-(\d+)$/.exec(portRange);
    if (!m) throw new Error(`invalid port range ${portRange}`);
    this.min = Number(m[1]);
    this.range = new RangeAllocator(storage, key, portRange, Number(m[2]) - this.min + 1);
  }

  contains(port: number): boolean {
    return Number.isInteger(port) && port >= this.min && port < this.min + this.range.size;
  }

  async allocate(port?: number): Promise<number> {
    if (port !== undefined) {
      if (!this.contains(port)) throw new NotInRangeError(`provided port is not in the valid range. The range of valid ports is ${this.portRange}`);
      await this.range.allocate(port - this.min);
      return port;
    }
    const offset = await this.range.allocateNext(this.next);
    this.next = (offset + 1) % this.range.size;
    return this.min + offset;
  }

  async release(port: number): Promise<void> {
    if (this.contains(port)) await this.range.release(port - this.min);
  }

  async repair(inUse: number[]): Promise<void> {
    await this.range.reset(inUse.filter((p) => this.contains(p)).map((p) => p - this.min));
  }

  /** The start-up repair for node ports: mark every port existing services hold; never free. */
  async markInUse(ports: number[]): Promise<void> {
    await this.range.markAllocated(ports.filter((p) => this.contains(p)).map((p) => p - this.min));
  }
}
