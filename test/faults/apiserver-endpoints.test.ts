/**
 * Several API servers on one etcd: the `kubernetes` service's endpoints list every live server
 * (kube's lease endpoint reconciler). A server killed with -9 drops out once its lease expires; one
 * stopped gracefully drops out at once; a restarted one comes back.
 */
import { Etcd3 } from 'etcd3';
import { startEtcd, type EtcdProcess } from '../helpers/etcd-process';
import { eventually } from '../helpers/eventually';
import { startKm, tempDir, type KmProcess } from '../helpers/km-process';

jest.setTimeout(90_000);

let etcd: EtcdProcess;
const servers: KmProcess[] = [];
const dirs: Array<{ cleanup: () => void }> = [];

async function startServer(): Promise<KmProcess> {
  const d = tempDir('km-eps-');
  dirs.push(d);
  const km = await startKm('apiserver', {
    args: [`--etcd-servers=${etcd.endpoint}`, `--data-dir=${d.dir}`, '--compaction-interval=0', '--master-lease-ttl=3s'],
    readyPath: '/readyz',
  });
  servers.push(km);
  return km;
}

/** The ports the `kubernetes` endpoints list (one subset per port, all on 127.0.0.1 here). */
async function endpointPorts(via: KmProcess): Promise<number[]> {
  const r = await fetch(`${via.url}/api/v1/namespaces/default/endpoints/kubernetes`);
  if (r.status !== 200) throw new Error(`GET endpoints: ${r.status}`);
  const ep = (await r.json()) as { subsets?: Array<{ addresses: Array<{ ip: string }>; ports: Array<{ port: number }> }> };
  return (ep.subsets ?? []).flatMap((s) => (s.addresses.some((a) => a.ip === '127.0.0.1') ? s.ports.map((p) => p.port) : [])).sort((a, b) => a - b);
}

const same = (a: number[], b: number[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

beforeAll(async () => {
  etcd = await startEtcd();
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.kill9()));
  await etcd?.cleanup();
  for (const d of dirs) d.cleanup();
});

test('the kubernetes endpoints list every running API server, and not one that was killed -9 once its lease expired', async () => {
  const a = await startServer();
  const b = await startServer();
  const both = [a.port, b.port].sort((x, y) => x - y);
  await eventually('both servers in the endpoints', async () => same(await endpointPorts(a), both) && same(await endpointPorts(b), both));

  await b.kill9();
  await eventually('the killed server dropped from the endpoints', async () => same(await endpointPorts(a), [a.port]), 20_000);

  const c = await startServer();
  const again = [a.port, c.port].sort((x, y) => x - y);
  await eventually('the new server added', async () => same(await endpointPorts(a), again));
});

test('a server stopped gracefully withdraws from the endpoints at once; the last one is never withdrawn', async () => {
  const d = await startServer();
  const live = servers.filter((s) => s.proc.exitCode === null && s.proc.signalCode === null);
  await eventually('all live servers listed', async () => same(await endpointPorts(d), live.map((s) => s.port).sort((x, y) => x - y)));
  const others = live.filter((s) => s !== d);
  expect(await d.stop()).toBe(0);
  // Well inside the 3 s lease: the stopping server removed itself, nobody had to wait for expiry.
  const remaining = others.map((s) => s.port).sort((x, y) => x - y);
  expect(await endpointPorts(others[0]!)).toEqual(remaining);

  // Stop the rest one by one: the last server leaves its own address rather than an empty object.
  for (const s of others) expect(await s.stop()).toBe(0);
  const raw = new Etcd3({ hosts: [etcd.endpoint] });
  try {
    const stored = JSON.parse((await raw.get('/registry/endpoints/default/kubernetes').string()) ?? '{}') as { subsets?: Array<{ ports: Array<{ port: number }> }> };
    expect(stored.subsets?.flatMap((x) => x.ports.map((p) => p.port))).toEqual([others[others.length - 1]!.port]);
  } finally {
    raw.close();
  }
});
