/**
 * Conflicting writers (docs/benchmarks.md R7): 64 clients do read-modify-write increments on 10
 * objects at once, on etcd and on the embedded store. Each update carries the resourceVersion it
 * read, so optimistic concurrency must let exactly one writer win per resourceVersion and answer
 * the others 409 Conflict. Per object the successful updates must form one chain (each based on
 * the resourceVersion the previous one produced, starting from the create), the counter must equal
 * the number of successful updates (no lost update), and a watcher sees exactly that chain.
 */
import type { KmProcess } from '../helpers/km-process';
import { eventually } from '../helpers/eventually';
import { call, configMap, type SingleServer, startSingleServer } from './fault-harness';
import { RawWatch, rvOf } from './history-harness';

jest.setTimeout(120_000);

const NS = 'rmw';
const CM = `/api/v1/namespaces/${NS}/configmaps`;
const CLIENTS = 64;
const OBJECTS = 10;
const RUN_MS = 5000;

interface Attempt {
  object: number;
  /** The resourceVersion the client read and sent back as its precondition. */
  base: number;
  /** The counter value it tried to write. */
  n: number;
  status: number;
  reason: string;
  /** The new resourceVersion, for a successful update. */
  rv: number;
}

describe.each([
  ['etcd', true],
  ['the embedded store', false],
])('read-modify-write races on %s', (_name, onEtcd) => {
  let server: SingleServer;
  let km: KmProcess;

  beforeAll(async () => {
    server = await startSingleServer({ onEtcd, ns: NS, dirPrefix: 'km-rmw-' });
    km = server.km;
  });

  afterAll(async () => {
    await server?.cleanup();
  });

  test(`${CLIENTS} clients incrementing ${OBJECTS} counters: one winner per resourceVersion, 409 for the rest, no lost update`, async () => {
    const created: number[] = [];
    for (let k = 0; k < OBJECTS; k++) {
      const r = await call(km.url, 'POST', CM, configMap(`counter-${k}`, { n: '0' }));
      expect(r.status).toBe(201);
      created.push(rvOf(r));
    }
    const watch = new RawWatch(km.url, CM, Math.max(...created));
    const attempts: Attempt[] = [];
    const deadline = Date.now() + RUN_MS;
    try {
      await Promise.all(
        Array.from({ length: CLIENTS }, async (_, c) => {
          for (let i = 0; i < 10_000 && Date.now() < deadline; i++) {
            const object = (c + i) % OBJECTS;
            const path = `${CM}/counter-${object}`;
            const cur = await call(km.url, 'GET', path);
            expect(cur.status).toBe(200);
            const base = rvOf(cur);
            const n = Number((cur.json?.data as { n: string }).n) + 1;
            const up = await call(km.url, 'PUT', path, { ...cur.json, data: { n: String(n) } });
            attempts.push({ object, base, n, status: up.status, reason: String(up.json?.reason ?? ''), rv: up.status === 200 ? rvOf(up) : 0 });
          }
        }),
      );
      const wins = attempts.filter((a) => a.status === 200);
      const losses = attempts.filter((a) => a.status !== 200);
      // Every loser was told why: 409 Conflict, nothing else.
      expect(losses.filter((a) => a.status !== 409 || a.reason !== 'Conflict')).toEqual([]);
      expect(losses.length).toBeGreaterThan(0); // the race really happened
      for (let k = 0; k < OBJECTS; k++) {
        const chain = wins.filter((a) => a.object === k).sort((a, b) => a.rv - b.rv);
        // One winner per resourceVersion read, and each win based on the previous win's result.
        expect(new Set(chain.map((a) => a.base)).size).toBe(chain.length);
        expect(chain.map((a) => a.base)).toEqual([created[k]!, ...chain.slice(0, -1).map((a) => a.rv)]);
        expect(chain.map((a) => a.n)).toEqual(chain.map((_, i) => i + 1));
        // The counter equals the number of successful updates.
        const final = await call(km.url, 'GET', `${CM}/counter-${k}`);
        expect({ k, n: (final.json?.data as { n: string }).n }).toEqual({ k, n: String(chain.length) });
      }
      // A watcher saw exactly the winning updates, in order.
      const last = Math.max(...wins.map((a) => a.rv));
      await eventually('the watcher to see the last update', () => watch.lastRv >= last, 20_000);
      expect(watch.outOfOrder).toEqual([]);
      expect(watch.sequence).toEqual([...wins].sort((a, b) => a.rv - b.rv).map((a) => `MODIFIED/counter-${a.object}/${a.rv}`));
      console.log(`${attempts.length} attempts: ${wins.length} won, ${losses.length} got 409`);
    } finally {
      watch.close();
    }
  });
});
