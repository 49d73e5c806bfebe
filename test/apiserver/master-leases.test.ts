import { endpointSubsets } from '../../src/apiserver/default-services';
import { MasterLeases } from '../../src/apiserver/master-leases';
import { SqliteStorage } from '../../src/storage/sqlite-storage';
import type { Storage } from '../../src/storage/interface';
import { tempDir } from '../helpers/km-process';

describe('master leases (which API servers the kubernetes service endpoints list)', () => {
  let dir: ReturnType<typeof tempDir>;
  let storage: Storage;
  let now = 1_000_000;
  const clock = (): number => now;

  beforeEach(() => {
    dir = tempDir('km-leases-');
    storage = SqliteStorage.open({ dataDir: dir.dir });
  });
  afterEach(async () => {
    await storage.close();
    dir.cleanup();
  });

  it('every server that renewed within the TTL is live, sorted by address and port', async () => {
    const leases = new MasterLeases({ storage, ttlMs: 10_000, now: clock });
    await leases.renew({ address: '127.0.0.1', port: 9002 });
    await leases.renew({ address: '10.0.0.5', port: 8888 });
    await leases.renew({ address: '127.0.0.1', port: 9001 });
    expect(await leases.live()).toEqual([
      { address: '10.0.0.5', port: 8888 },
      { address: '127.0.0.1', port: 9001 },
      { address: '127.0.0.1', port: 9002 },
    ]);
  });

  it('a server that stopped renewing drops out after the TTL and its lease is deleted; renewing brings it back', async () => {
    const leases = new MasterLeases({ storage, ttlMs: 10_000, now: clock });
    await leases.renew({ address: '127.0.0.1', port: 1 });
    await leases.renew({ address: '127.0.0.1', port: 2 });
    now += 6_000;
    await leases.renew({ address: '127.0.0.1', port: 2 });
    now += 6_000; // port 1 last renewed 12 s ago, port 2 6 s ago
    expect(await leases.live()).toEqual([{ address: '127.0.0.1', port: 2 }]);
    expect((await storage.list('/registry/masterleases/')).items.map((kv) => kv.key)).toEqual(['/registry/masterleases/127.0.0.1:2']);
    await leases.renew({ address: '127.0.0.1', port: 1 });
    expect((await leases.live()).map((m) => m.port)).toEqual([1, 2]);
  });

  it('a removed lease (graceful shutdown) is gone at once', async () => {
    const leases = new MasterLeases({ storage, ttlMs: 10_000, now: clock });
    await leases.renew({ address: '127.0.0.1', port: 1 });
    await leases.remove({ address: '127.0.0.1', port: 1 });
    await leases.remove({ address: '127.0.0.1', port: 1 });
    expect(await leases.live()).toEqual([]);
  });

  it('endpoints get one subset per port with the addresses serving on it', () => {
    expect(
      endpointSubsets(
        [
          { address: '10.0.0.2', port: 443 },
          { address: '10.0.0.1', port: 443 },
          { address: '127.0.0.1', port: 8888 },
        ],
        'https',
      ),
    ).toEqual([
      { addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }], ports: [{ name: 'https', port: 443, protocol: 'TCP' }] },
      { addresses: [{ ip: '127.0.0.1' }], ports: [{ name: 'https', port: 8888, protocol: 'TCP' }] },
    ]);
  });
});
