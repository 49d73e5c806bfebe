/**
 * Two `km apiserver` processes on one 3-member etcd cluster behave as one API: what is written
 * through one is at once readable and watchable through the other, and optimistic concurrency and
 * ClusterIP allocation hold across them.
 */
import { call, configMap, createNamespace, startClusterWithServers, WatchTracker, type Servers } from './fault-harness';

jest.setTimeout(90_000);

let env: Servers;
let A: string;
let B: string;

beforeAll(async () => {
  env = await startClusterWithServers(2);
  A = env.servers[0]!.url;
  B = env.servers[1]!.url;
  await createNamespace(A, 'scale');
});

afterAll(async () => {
  await env?.cleanup();
});

test('a write acknowledged by server A is readable through server B immediately and B watchers see every write in order', async () => {
  const watcher = new WatchTracker(() => [B], '/api/v1/namespaces/scale/configmaps');
  await watcher.start();
  const written: Array<{ name: string; rv: number }> = [];
  try {
    for (let i = 0; i < 40; i++) {
      const name = `ab-${i}`;
      const w = await call(A, 'POST', '/api/v1/namespaces/scale/configmaps', configMap(name, { i: String(i) }));
      expect(w.status).toBe(201);
      const rv = Number((w.json?.metadata as { resourceVersion: string }).resourceVersion);
      written.push({ name, rv });
      // Consistent read through the other server: never older than an acknowledged write.
      const r = await call(B, 'GET', `/api/v1/namespaces/scale/configmaps/${name}`);
      expect(r.status).toBe(200);
      expect(Number((r.json?.metadata as { resourceVersion: string }).resourceVersion)).toBeGreaterThanOrEqual(rv);
    }
    expect(await watcher.waitFor(written[written.length - 1]!.rv)).toBe(true);
  } finally {
    await watcher.stop();
  }
  const seen = watcher.events.filter((e) => e.name.startsWith('ab-'));
  expect(seen.map((e) => [e.type, e.name, e.rv])).toEqual(written.map((w) => ['ADDED', w.name, w.rv]));
  expect(watcher.orderErrors).toEqual([]);
  expect(watcher.reconnects + watcher.gone410).toBe(0);
});

test('an update with a resourceVersion already replaced through the other server fails with 409 Conflict', async () => {
  const c = await call(A, 'POST', '/api/v1/namespaces/scale/configmaps', configMap('occ', { v: '0' }));
  expect(c.status).toBe(201);
  const seenByA = await call(A, 'GET', '/api/v1/namespaces/scale/configmaps/occ');
  const seenByB = await call(B, 'GET', '/api/v1/namespaces/scale/configmaps/occ');
  expect(seenByB.json?.metadata).toEqual(seenByA.json?.metadata);
  const upA = await call(A, 'PUT', '/api/v1/namespaces/scale/configmaps/occ', { ...seenByA.json, data: { v: 'from-a' } });
  expect(upA.status).toBe(200);
  const upB = await call(B, 'PUT', '/api/v1/namespaces/scale/configmaps/occ', { ...seenByB.json, data: { v: 'from-b' } });
  expect(upB.status).toBe(409);
  expect(upB.json).toMatchObject({ kind: 'Status', reason: 'Conflict', code: 409 });
  const final = await call(B, 'GET', '/api/v1/namespaces/scale/configmaps/occ');
  expect(final.json?.data).toEqual({ v: 'from-a' });
});

test('read-modify-write increments racing through both servers lose no update (every 2xx counts once)', async () => {
  expect((await call(A, 'POST', '/api/v1/namespaces/scale/configmaps', configMap('counter', { n: '0' }))).status).toBe(201);
  let successes = 0;
  let conflicts = 0;
  await Promise.all(
    Array.from({ length: 8 }, async (_, w) => {
      const base = w % 2 === 0 ? A : B;
      for (let k = 0; k < 5; k++) {
        // Bounded retries per increment: each 409 means someone else's increment won.
        for (let attempt = 0; attempt < 100; attempt++) {
          const cur = await call(base, 'GET', '/api/v1/namespaces/scale/configmaps/counter');
          const n = Number((cur.json?.data as { n: string }).n);
          const up = await call(base, 'PUT', '/api/v1/namespaces/scale/configmaps/counter', { ...cur.json, data: { n: String(n + 1) } });
          if (up.status === 200) {
            successes++;
            break;
          }
          expect(up.status).toBe(409);
          conflicts++;
        }
      }
    }),
  );
  expect(successes).toBe(40);
  const final = await call(A, 'GET', '/api/v1/namespaces/scale/configmaps/counter');
  expect((final.json?.data as { n: string }).n).toBe('40');
  expect(conflicts).toBeGreaterThan(0); // the race really happened
});

test('services created concurrently through both servers get distinct ClusterIPs', async () => {
  const svc = (name: string) => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name },
    spec: { ports: [{ port: 80, protocol: 'TCP' }], selector: { app: name } },
  });
  const answers = await Promise.all(
    Array.from({ length: 16 }, (_, i) => call(i % 2 === 0 ? A : B, 'POST', '/api/v1/namespaces/scale/services', svc(`svc-${i}`))),
  );
  for (const a of answers) expect(a.status).toBe(201);
  const ips = answers.map((a) => (a.json?.spec as { clusterIP: string }).clusterIP);
  for (const ip of ips) expect(ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
  expect(new Set(ips).size).toBe(ips.length);
});
