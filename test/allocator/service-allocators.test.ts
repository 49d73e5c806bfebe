import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SqliteStorage } from '../../src/storage/sqlite-storage';
import type { Storage } from '../../src/storage/interface';
import {
  AlreadyAllocatedError,
  NodePortAllocator,
  NotInRangeError,
  RangeFullError,
  ServiceIpAllocator,
} from '../../src/allocator/service-allocators';

describe('service IP and node port allocation (embedded store)', () => {
  let dir: string;
  let storage: Storage;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'km-alloc-'));
    storage = SqliteStorage.open({ dataDir: dir });
  });
  afterEach(async () => {
    await storage.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('hands out the first portal IPs in order: .1 then .2 (kubernetes-ro, kubernetes)', async () => {
    const a = new ServiceIpAllocator(storage, '10.10.10.0/24');
    expect(await a.allocate()).toBe('10.10.10.1');
    expect(await a.allocate()).toBe('10.10.10.2');
  });

  it('never hands out one IP twice across two allocators (two API servers) under 200 concurrent creates', async () => {
    const a = new ServiceIpAllocator(storage, '10.10.10.0/24');
    const b = new ServiceIpAllocator(storage, '10.10.10.0/24');
    const ips = await Promise.all(Array.from({ length: 200 }, (_, i) => (i % 2 ? a : b).allocate()));
    expect(new Set(ips).size).toBe(200);
    for (const ip of ips) expect(a.contains(ip)).toBe(true);
  });

  it('honours an explicit free IP in range, and refuses one already taken or out of range', async () => {
    const a = new ServiceIpAllocator(storage, '10.10.10.0/24');
    expect(await a.allocate('10.10.10.77')).toBe('10.10.10.77');
    await expect(a.allocate('10.10.10.77')).rejects.toBeInstanceOf(AlreadyAllocatedError);
    await expect(a.allocate('10.10.11.5')).rejects.toBeInstanceOf(NotInRangeError);
    await expect(a.allocate('10.10.10.255')).rejects.toBeInstanceOf(NotInRangeError);
  });

  it('releases an IP on delete so it can be allocated again', async () => {
    const a = new ServiceIpAllocator(storage, '10.10.10.0/24');
    await a.allocate('10.10.10.9');
    await a.release('10.10.10.9');
    expect(await a.isAllocated('10.10.10.9')).toBe(false);
    expect(await a.allocate('10.10.10.9')).toBe('10.10.10.9');
  });

  it('reports a full range instead of reusing an address', async () => {
    const a = new ServiceIpAllocator(storage, '10.0.0.0/30'); // two usable addresses
    await a.allocate();
    await a.allocate();
    await expect(a.allocate()).rejects.toBeInstanceOf(RangeFullError);
  });

  it('repair makes the allocation exactly what existing services hold', async () => {
    const a = new ServiceIpAllocator(storage, '10.10.10.0/24');
    await a.allocate('10.10.10.3');
    await a.allocate('10.10.10.4');
    await a.repair(['10.10.10.4', '10.10.10.50', '192.168.0.1']);
    expect(await a.isAllocated('10.10.10.3')).toBe(false);
    expect(await a.isAllocated('10.10.10.4')).toBe(true);
    expect(await a.isAllocated('10.10.10.50')).toBe(true);
  });

  it('allocates node ports inside --service-node-port-range, without duplicates', async () => {
    const p = new NodePortAllocator(storage, '30000-30099');
    const ports = await Promise.all(Array.from({ length: 100 }, () => p.allocate()));
    expect(new Set(ports).size).toBe(100);
    expect(Math.min(...ports)).toBe(30000);
    expect(Math.max(...ports)).toBe(30099);
    await expect(p.allocate()).rejects.toBeInstanceOf(RangeFullError);
    await expect(p.allocate(8080)).rejects.toBeInstanceOf(NotInRangeError);
  });
});
