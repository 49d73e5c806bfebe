/**
 * kill -9 of one API server under load: the other keeps serving without a single failed request,
 * watchers resume at their last resourceVersion on the survivor without losing events, and the
 * restarted server serves exactly the same state (docs/benchmarks.md R3).
 */
import { startKm } from '../helpers/km-process';
import {
  call,
  createNamespace,
  listState,
  sleep,
  startClusterWithServers,
  WatchTracker,
  WriteLoad,
  type Servers,
} from './fault-harness';

jest.setTimeout(120_000);

let env: Servers;

beforeAll(async () => {
  env = await startClusterWithServers(2);
  await createNamespace(env.servers[0]!.url, 'crash');
});

afterAll(async () => {
  await env?.cleanup();
});

test('after kill -9 of server A the survivor B serves every request, and a restarted A serves the same state', async () => {
  const A = env.servers[0]!;
  const B = env.servers[1]!.url;
  const bases = (): string[] => [A.url, B];
  const load = new WriteLoad(bases, 'crash', 'w', 8);
  const onlyB = new WriteLoad(() => [B], 'crash', 'b', 2);
  const watchers = [new WatchTracker(bases, '/api/v1/namespaces/crash/configmaps'), new WatchTracker(() => [B], '/api/v1/namespaces/crash/configmaps')];
  for (const w of watchers) await w.start();
  load.start();
  onlyB.start();
  let restarted: typeof A | undefined;
  try {
    await sleep(1500);
    await A.kill9();
    await sleep(2500);
    restarted = await startKm('apiserver', { args: [...env.args[0]!, `--port=${A.port}`], readyPath: '/readyz' });
    env.servers[0] = restarted;
    await sleep(1500);
  } finally {
    await load.stop();
    await onlyB.stop();
  }
  try {
    // The survivor never failed a request.
    expect(onlyB.failures).toEqual([]);
    // (A create retried on B after A died mid-request may meet its own first attempt: AlreadyExists,
    // resolved by reading it back. Anything else from B is a failure.)
    expect(load.failures.filter((f) => f.server === B && f.reason !== 'AlreadyExists')).toEqual([]);
    expect(load.lost).toEqual([]);
    expect(onlyB.acked.size).toBeGreaterThan(10);

    const fromB = await listState(B, '/api/v1/namespaces/crash/configmaps');
    const fromA = await listState(restarted!.url, '/api/v1/namespaces/crash/configmaps');
    expect(fromA.items).toEqual(fromB.items);
    for (const [name, w] of [...load.acked, ...onlyB.acked]) {
      expect({ name, present: fromB.items.has(name) }).toEqual({ name, present: true });
      expect(fromB.items.get(name)!.data).toEqual(w.data);
    }
    // A GET through the restarted server sees the survivor's latest write.
    const last = [...onlyB.acked].pop()!;
    const g = await call(restarted!.url, 'GET', `/api/v1/namespaces/crash/configmaps/${last[0]}`);
    expect(g.status).toBe(200);
    expect(Number((g.json?.metadata as { resourceVersion: string }).resourceVersion)).toBeGreaterThanOrEqual(Number(last[1].rv));

    const rv = Math.max(fromA.rv, fromB.rv);
    for (const w of watchers) {
      expect(await w.waitFor(rv)).toBe(true);
      expect(w.orderErrors).toEqual([]);
      if (w.gone410 === 0) {
        // It never had to re-list, so every acknowledged create reached it as an ADDED event: no gap.
        const added = new Set(w.events.filter((e) => e.type === 'ADDED').map((e) => e.name));
        expect([...load.acked.keys(), ...onlyB.acked.keys()].filter((n) => !added.has(n))).toEqual([]);
      }
      expect(new Map(w.state)).toEqual(new Map([...fromB.items].map(([n, v]) => [n, v.rv])));
      const keys = w.events.map((e) => `${e.type}/${e.name}/${e.rv}`);
      expect(new Set(keys).size).toBe(keys.length);
    }
    // The watcher that was on A resumed (on B) at its last resourceVersion: no 410 was needed.
    expect(watchers[0]!.reconnects).toBeGreaterThan(0);
    expect(watchers[0]!.gone410).toBe(0);
  } finally {
    for (const w of watchers) await w.stop();
  }
});
