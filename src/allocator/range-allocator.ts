/**
 * A range of integers [0, size) whose allocation bitmap lives in storage, changed only by
 * compare-and-swap (guaranteedUpdate). Any number of API server processes sharing the storage can
 * allocate concurrently and never hand out the same offset: a lost race is a Conflict, re-read and
 * retried. This is kube's RangeAllocation (registry/core/service/allocator/storage) in miniature.
 */
import type { Storage } from '../storage/interface';
import { guaranteedUpdate } from '../storage/guaranteed-update';
import { isStorageError } from '../storage/errors';

export class RangeFullError extends Error {}
export class AlreadyAllocatedError extends Error {}

interface Stored {
  kind: 'RangeAllocation';
  apiVersion: 'v1';
  /** What the range describes (e.g. the CIDR); a changed range restarts the bitmap (repair refills it). */
  range: string;
  /** Base64 bitmap, bit i set = offset i allocated. */
  data: string;
}

export class RangeAllocator {
  /** Serializes this process's mutations: in-process contention never becomes CAS conflicts. */
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly storage: Storage,
    /** Storage key of the allocation record, e.g. `/registry/ranges/serviceips`. */
    private readonly key: string,
    /** Identifies the range (CIDR or port range) so a changed flag isn't mixed with old data. */
    private readonly rangeName: string,
    readonly size: number,
  ) {}

  /** Allocate `offset` exactly; throws AlreadyAllocatedError when taken. */
  async allocate(offset: number): Promise<void> {
    this.checkOffset(offset);
    await this.mutate((bits) => {
      if (getBit(bits, offset)) throw new AlreadyAllocatedError(`offset ${offset} is already allocated`);
      setBit(bits, offset, true);
    });
  }

  /**
   * Allocate the first free offset at or after `start` (wrapping around), so successive allocations
   * spread out like kube's random scan without needing randomness to be correct.
   */
  async allocateNext(start = 0): Promise<number> {
    let chosen = -1;
    await this.mutate((bits) => {
      chosen = -1;
      for (let i = 0; i < this.size; i++) {
        const o = (start + i) % this.size;
        if (!getBit(bits, o)) {
          chosen = o;
          break;
        }
      }
      if (chosen < 0) throw new RangeFullError(`range ${this.rangeName} is full`);
      setBit(bits, chosen, true);
    });
    return chosen;
  }

  /** Release `offset`; releasing a free offset is a no-op. */
  async release(offset: number): Promise<void> {
    if (offset < 0 || offset >= this.size) return;
    await this.mutate((bits) => {
      if (!getBit(bits, offset)) return false;
      setBit(bits, offset, false);
      return true;
    });
  }

  async isAllocated(offset: number): Promise<boolean> {
    const bits = await this.read();
    return getBit(bits, offset);
  }

  /** Replace the bitmap with exactly `inUse` (the repair pass: what existing objects hold). */
  async reset(inUse: Iterable<number>): Promise<void> {
    await this.mutate((bits) => {
      bits.fill(0);
      for (const o of inUse) if (o >= 0 && o < this.size) setBit(bits, o, true);
    });
  }

  /** Mark `offsets` allocated, keeping every other bit (a repair that never frees). */
  async markAllocated(offsets: Iterable<number>): Promise<void> {
    const wanted = [...offsets].filter((o) => o >= 0 && o < this.size);
    await this.mutate((bits) => {
      let changed = false;
      for (const o of wanted) {
        if (!getBit(bits, o)) {
          setBit(bits, o, true);
          changed = true;
        }
      }
      return changed;
    });
  }

  async allocatedCount(): Promise<number> {
    const bits = await this.read();
    let n = 0;
    for (const b of bits) for (let v = b; v; v >>= 1) n += v & 1;
    return n;
  }

  private checkOffset(offset: number): void {
    if (!Number.isInteger(offset) || offset < 0 || offset >= this.size) throw new RangeError(`offset ${offset} outside [0, ${this.size})`);
  }

  private decode(value: Buffer | undefined): Buffer {
    const bits = Buffer.alloc(Math.ceil(this.size / 8));
    if (!value) return bits;
    const stored = JSON.parse(value.toString('utf8')) as Stored;
    if (stored.range !== this.rangeName) return bits;
    Buffer.from(stored.data, 'base64').copy(bits, 0, 0, bits.length);
    return bits;
  }

  private async read(): Promise<Buffer> {
    try {
      return this.decode((await this.storage.get(this.key)).value);
    } catch (err) {
      if (isStorageError(err, 'NotFound')) return this.decode(undefined);
      throw err;
    }
  }

  /** Read-modify-write; `change` returning false means "nothing to write". */
  private mutate(change: (bits: Buffer) => boolean | void): Promise<void> {
    const run = this.tail.then(() => this.mutateNow(change));
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async mutateNow(change: (bits: Buffer) => boolean | void): Promise<void> {
    await guaranteedUpdate(
      this.storage,
      this.key,
      (current) => {
        const bits = this.decode(current?.value);
        if (change(bits) === false) return current ? null : this.encode(bits);
        return this.encode(bits);
      },
      // Conflicts now come only from other processes (other API servers); keep retrying them.
      { allowCreate: true, maxRetries: 1000 },
    );
  }

  private encode(bits: Buffer): Buffer {
    const stored: Stored = { kind: 'RangeAllocation', apiVersion: 'v1', range: this.rangeName, data: bits.toString('base64') };
    return Buffer.from(JSON.stringify(stored));
  }
}

function getBit(bits: Buffer, i: number): boolean {
  return ((bits[i >> 3] ?? 0) & (1 << (i & 7))) !== 0;
}

function setBit(bits: Buffer, i: number, on: boolean): void {
  const byte = bits[i >> 3] ?? 0;
  bits[i >> 3] = on ? byte | (1 << (i & 7)) : byte & ~(1 << (i & 7));
}
