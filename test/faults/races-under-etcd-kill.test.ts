/**
 * R7 and R11 while etcd members die (docs/benchmarks.md R7 and R11 "also under R1 and R2"): on a
 * 3-member etcd cluster, 32 clients race read-modify-write increments on 10 counters, a writer
 * creates, updates and deletes, and 20 watchers opened at different resourceVersions follow it, while
 * the etcd leader is killed -9 and restarted, then a follower.
 *
 * A write whose answer is 503/504 has an unknown outcome, so the checks take the truth from storage
 * and from what every watcher saw, as etcd's robustness tests do:
 * - counters: the applied updates (a watch from before the race) form one chain per object whose
 *   values go up by exactly one (no lost update); every 200 is in it with its resourceVersion; its
 *   length is the final counter, between the number of 200s and 200s plus unknown outcomes;
 * - watch order: every watcher's events, from its start, are exactly the same sequence (a prefix
 *   of it for a watch that ended), and every acknowledged write after its start is in it.
 */
import type { KmProcess } from '../helpers/km-process';
import { eventually } from '../helpers/eventually';
import { call, configMap, createNamespace, sleep, startClusterWithServers, type Servers } from './fault-harness';
import { eventKey, RawWatch, rvOf, Writer } from './history-harness';

jest.setTimeout(180_000);

const RMW = 'rmw-kill';
const ORDER = 'order-kill';
const CM = (ns: string): string => `/api/v1/namespaces/${ns}/configmaps`;
const CLIENTS = 32;
const OBJECTS = 10;
const WATCHERS = 20;

type Outcome = 'won' | 'conflict' | 'unknown';
interface Attempt {
  object: number;
  n: number;
  outcome: Outcome;
  /** The new resourceVersion, for a 200. */
  rv: number;
  status: number;
  reason: string;
}

let env: Servers;
let km: KmProcess;

beforeAll(async () => {
  env = await startClusterWithServers(1);
  km = env.servers[0]!;
  await createNamespace(km.url, RMW);
  await createNamespace(km.url, ORDER);
});

afterAll(async () => {
  await env?.cleanup();
});

/** One read-modify-write client: GET, add one, PUT with the resourceVersion read; until stopped. */
async function racer(c: number, attempts: Attempt[], stopped: () => boolean): Promise<void> {
  for (let i = 0; i < 100_000 && !stopped(); i++) {
    const object = (c + i) % OBJECTS;
    const path = `${CM(RMW)}/counter-${object}`;
    let cur;
    try {
      cur = await call(km.url, 'GET', path, undefined, 10_000);
    } catch {
      await sleep(50);
      continue;
    }
    if (cur.status !== 200) {
      await sleep(50); // storage unavailable for a moment: read again
      continue;
    }
    const n = Number((cur.json?.data as { n: string }).n) + 1;
    let status = 0;
    let reason = '';
    let rv = 0;
    try {
      const up = await call(km.url, 'PUT', path, { ...cur.json, data: { n: String(n) } }, 10_000);
      status = up.status;
      reason = String(up.json?.reason ?? '');
      if (status === 200) rv = rvOf(up);
    } catch {
      status = 0; // no answer: outcome unknown
    }
    const outcome: Outcome = status === 200 ? 'won' : status === 409 ? 'conflict' : 'unknown';
    attempts.push({ object, n, outcome, rv, status, reason });
  }
}

test('under etcd leader and follower kills: no lost update among racing writers, and all watchers see one event order', async () => {
  const created: number[] = [];
  for (let k = 0; k < OBJECTS; k++) {
    const r = await call(km.url, 'POST', CM(RMW), configMap(`counter-${k}`, { n: '0' }));
    expect(r.status).toBe(201);
    created.push(rvOf(r));
  }
  const counterWatch = new RawWatch(km.url, CM(RMW), Math.max(...created));
  const writer = new Writer(km.url, ORDER, 2);
  const watches: RawWatch[] = [];
  const attempts: Attempt[] = [];
  let stop = false;
  let racers: Promise<void[]> | undefined;
  try {
    for (let i = 0; i < 5; i++) await writer.step();
    writer.start();
    racers = Promise.all(Array.from({ length: CLIENTS }, (_, c) => racer(c, attempts, () => stop)));
    // Watchers open at different resourceVersions, before, during and after the kills.
    const openWatchers = (async () => {
      let from = 0;
      for (let i = 0; i < WATCHERS; i++) {
        const seen = from;
        from = await eventually('a new acknowledged write', () => (writer.head > seen ? writer.head : undefined), 20_000, 5);
        watches.push(new RawWatch(km.url, CM(ORDER), from));
        await sleep(250);
      }
    })();
    await sleep(1500);
    const leader = await env.cluster.leaderIndex();
    expect(leader).toBeGreaterThanOrEqual(0);
    await env.cluster.members[leader]!.kill9();
    await sleep(1000);
    await env.cluster.members[leader]!.start();
    await sleep(1000);
    const follower = ((await env.cluster.leaderIndex()) + 1) % 3;
    await env.cluster.members[follower]!.kill9();
    await sleep(1000);
    await env.cluster.members[follower]!.start();
    await openWatchers;
    await sleep(1000);
  } finally {
    stop = true;
    await racers;
    await writer.stop();
  }
  try {
    const byStatus = new Map<number, number>();
    for (const a of attempts) byStatus.set(a.status, (byStatus.get(a.status) ?? 0) + 1);
    console.log(`${attempts.length} read-modify-write attempts by status ${JSON.stringify([...byStatus])}; writer: ${writer.history.length} acked, ${writer.failures.length} failed`);

    // The writer's failed writes are storage-unavailable Statuses or no answer, nothing else.
    expect(writer.failures.filter((f) => !/: (503|504) |: no answer/.test(f))).toEqual([]);

    // --- R7: every loser was told Conflict; other failures are Status 503/504 or no answer.
    const conflicts = attempts.filter((a) => a.outcome === 'conflict');
    expect(conflicts.filter((a) => a.reason !== 'Conflict')).toEqual([]);
    expect(conflicts.length).toBeGreaterThan(0); // the race really happened
    expect(attempts.filter((a) => a.outcome === 'unknown' && ![0, 500, 503, 504].includes(a.status))).toEqual([]);
    const finals: number[] = [];
    for (let k = 0; k < OBJECTS; k++) {
      const final = await eventually(`counter-${k} readable`, async () => {
        const r = await call(km.url, 'GET', `${CM(RMW)}/counter-${k}`);
        return r.status === 200 ? r : undefined;
      }, 30_000);
      finals.push(Number((final.json?.data as { n: string }).n));
    }
    const lastRv = Math.max(...attempts.filter((a) => a.outcome === 'won').map((a) => a.rv));
    await eventually('the counter watch to reach the last acknowledged update', () => counterWatch.lastRv >= lastRv || counterWatch.ended, 30_000);
    expect(counterWatch.ended).toBe(false); // km's watch survives member kills: no reason to end it
    expect(counterWatch.outOfOrder).toEqual([]);
    for (let k = 0; k < OBJECTS; k++) {
      const name = `counter-${k}`;
      await eventually(`the watch to show counter-${k} at ${finals[k]}`, () => counterWatch.events.filter((e) => e.name === name && e.type === 'MODIFIED').length >= finals[k]!, 30_000);
      const chain = counterWatch.events.filter((e) => e.name === name && e.type === 'MODIFIED');
      expect(chain.length).toBe(finals[k]);
      const mine = attempts.filter((a) => a.object === k);
      const won = mine.filter((a) => a.outcome === 'won');
      const unknown = mine.filter((a) => a.outcome === 'unknown');
      // Every 200 is in the chain with its resourceVersion and the value it wrote.
      const chainRvs = new Map(chain.map((e, i) => [e.rv, i + 1]));
      expect(won.filter((a) => chainRvs.get(a.rv) !== a.n)).toEqual([]);
      // No lost update: each applied write is one more than the one before (values 1..K in order).
      expect(finals[k]).toBeGreaterThanOrEqual(won.length);
      expect(finals[k]).toBeLessThanOrEqual(won.length + unknown.length);
    }

    // --- R11: all watchers see the same sequence from their start; acknowledged writes included.
    const reference = watches[0]!;
    const writerLast = writer.head;
    for (const w of watches) await eventually(`watch from ${w.from} to reach ${writerLast}`, () => w.lastRv >= writerLast || w.ended, 30_000);
    const ended = watches.filter((w) => w.ended).map((w) => w.from);
    expect(ended).toEqual([]);
    const acked = new Set(writer.history.filter((h) => h.resource === 'configmaps').map((h) => eventKey(h.type, h.name, h.rv)));
    for (const w of watches) {
      expect(w.outOfOrder).toEqual([]);
      expect(w.events.filter((e) => e.type === 'ERROR')).toEqual([]);
      const refAfter = reference.events.filter((e) => e.type !== 'BOOKMARK' && e.rv > w.from && e.rv <= writerLast).map((e) => eventKey(e.type, e.name, e.rv));
      const seen = w.events.filter((e) => e.type !== 'BOOKMARK' && e.rv <= writerLast).map((e) => eventKey(e.type, e.name, e.rv));
      expect({ from: w.from, seen }).toEqual({ from: w.from, seen: refAfter });
      // Acknowledged writes after the start are all there (deletes carry their own revision).
      const missing = writer.history
        .filter((h) => h.resource === 'configmaps' && h.type !== 'DELETED' && h.rv > w.from)
        .map((h) => eventKey(h.type, h.name, h.rv))
        .filter((key) => !seen.includes(key));
      expect({ from: w.from, missing }).toEqual({ from: w.from, missing: [] });
    }
    expect(acked.size).toBeGreaterThan(20);
  } finally {
    counterWatch.close();
    for (const w of watches) w.close();
  }
});
