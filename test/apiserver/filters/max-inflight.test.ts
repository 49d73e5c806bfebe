/**
 * The in-flight filter over real HTTP on loopback, with a manual clock: seats, the bounded wait for
 * one, 429 with Retry-After and a Status, and what is never shed (watches, health endpoints).
 */
import express from 'express';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { maxInflight, type InflightFilter, type InflightLimits } from '../../../src/apiserver/filters/max-inflight';
import { LAG_TARGET_MS, arrivingLimit, floorOf, nextLimit } from '../../../src/apiserver/filters/inflight-limit';
import { FakeClock } from '../../helpers/fake-clock';
import { eventually } from '../../helpers/eventually';

const PODS = '/api/v1/namespaces/default/pods';

interface Rig {
  base: string;
  filter: InflightFilter;
  clock: FakeClock;
  /** Answers of the requests the handlers hold, oldest first. */
  held: Array<() => void>;
  /** Names of the creates that reached the handler. */
  served: string[];
  close(): Promise<void>;
}

async function rig(limits: Omit<InflightLimits, 'clock'>): Promise<Rig> {
  const clock = new FakeClock();
  const filter = maxInflight({ ...limits, clock });
  const held: Array<() => void> = [];
  const served: string[] = [];
  const app = express();
  app.use(filter.handler);
  app.get(PODS, (req, res) => {
    if (req.query['watch'] === '1') res.json({ watch: true });
    else held.push(() => res.json({ kind: 'PodList' }));
  });
  app.post(PODS, (req, res) => {
    served.push(String(req.query['name']));
    held.push(() => res.status(201).json({ kind: 'Pod' }));
  });
  app.get('/healthz', (_req, res) => res.send('ok'));
  const server = http.createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    filter,
    clock,
    held,
    served,
    async close() {
      filter.stop();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

const create = (r: Rig, name: string): Promise<Response> => fetch(`${r.base}${PODS}?name=${name}`, { method: 'POST', body: '{}' });
/** Advances the manual clock window by window (100 ms), as the real one would tick. */
const elapse = (r: Rig, ms: number): void => {
  for (let t = 0; t < ms; t += 100) r.clock.advance(100);
};

async function expectTooMany(res: Response): Promise<void> {
  expect(res.status).toBe(429);
  expect(res.headers.get('retry-after')).toBe('1');
  expect(await res.json()).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'TooManyRequests', code: 429 });
}

describe('max in-flight requests', () => {
  it('answers 429 with Retry-After and a Status beyond the limit when waiting is off, and gives seats back', async () => {
    const r = await rig({ readOnly: 1, mutating: 1, maxWaitMs: 0 });
    try {
      const first = create(r, 'a');
      await eventually('a create holding the seat', () => r.filter.state().mutating.inUse === 1);
      await expectTooMany(await create(r, 'b'));
      expect(r.served).toEqual(['a']);
      r.held.shift()!();
      expect((await first).status).toBe(201);
      await eventually('the seat given back', () => r.filter.state().mutating.inUse === 0);
      const again = create(r, 'c');
      await eventually('c served', () => r.held.length === 1);
      r.held.shift()!();
      expect((await again).status).toBe(201);
    } finally {
      await r.close();
    }
  });

  it('lets a request wait for a seat within its budget, and sheds one that waited past it unserved', async () => {
    const r = await rig({ readOnly: 1, mutating: 1, maxWaitMs: 250 });
    try {
      const a = create(r, 'a');
      await eventually('a holding the seat', () => r.filter.state().mutating.inUse === 1);
      const b = create(r, 'b');
      await eventually('b waiting', () => r.filter.state().mutating.waiting === 1);
      elapse(r, 200);
      // Within its wait: b gets a's seat when a is done.
      r.held.shift()!();
      expect((await a).status).toBe(201);
      await eventually('b served', () => r.served.includes('b'));
      const c = create(r, 'c');
      await eventually('c waiting', () => r.filter.state().mutating.waiting === 1);
      elapse(r, 300);
      await expectTooMany(await c);
      // A standing queue: while requests keep finding no seat, the next one is refused at once.
      elapse(r, 100);
      await expectTooMany(await create(r, 'd'));
      r.held.shift()!();
      expect((await b).status).toBe(201);
      expect(r.served).toEqual(['a', 'b']);
    } finally {
      await r.close();
    }
  });

  it('never sheds watches or health checks, even with every seat taken', async () => {
    const r = await rig({ readOnly: 1, mutating: 1, maxWaitMs: 0 });
    try {
      const list = fetch(`${r.base}${PODS}`);
      await eventually('a list holding the read seat', () => r.filter.state().readOnly.inUse === 1);
      await expectTooMany(await fetch(`${r.base}${PODS}`));
      expect((await fetch(`${r.base}${PODS}?watch=1`)).status).toBe(200);
      expect((await fetch(`${r.base}/healthz`)).status).toBe(200);
      r.held.shift()!();
      expect((await list).status).toBe(200);
    } finally {
      await r.close();
    }
  });

  it('lowers the effective limit while the event loop lags and new connections keep coming, and returns to the flag once healthy', async () => {
    const r = await rig({ readOnly: 4, mutating: 2, maxWaitMs: 10_000 });
    try {
      // Each fetch below comes on a new connection (the held ones keep theirs busy), one per window:
      // with a ceiling of 2, one new connection in each of two windows in a row is a stream.
      const calls = [create(r, 'a'), create(r, 'b')];
      await eventually('two creates in their seats', () => r.filter.state().mutating.inUse === 2);
      for (let i = 0; i < 2; i++) {
        if (i > 0) {
          calls.push(create(r, `w${i}`));
          await eventually('another create waiting', () => r.filter.state().mutating.waiting === i);
        }
        // The window's timer fires 300 ms late: the loop is saturated.
        r.clock.t += 400;
        r.clock.advance(0);
      }
      expect(r.filter.state().mutating).toMatchObject({ limit: 1, inUse: 2 });
      // Healthy windows: the limit climbs back while demand presses on it.
      elapse(r, 100);
      expect(r.filter.state().mutating.limit).toBe(2);
      while (r.served.length < calls.length || r.held.length > 0) {
        await eventually('a held create', () => r.held.length > 0);
        r.held.shift()!();
      }
      expect((await Promise.all(calls)).map((x) => x.status)).toEqual(calls.map(() => 201));
    } finally {
      await r.close();
    }
  });
});

describe('the adaptive limit (AIMD)', () => {
  const quiet = { lagMs: 0, binding: false, arriving: 0, peak: 0, completed: 0, slow: 0 };
  it.each([
    ['a lagging loop while new connections keep coming cuts from the seats in use, harder the worse the lag', 200, { ...quiet, lagMs: 4 * LAG_TARGET_MS, peak: 64, arriving: arrivingLimit(200) }, 32],
    ['a lag just over target cuts by a fifth', 100, { ...quiet, lagMs: LAG_TARGET_MS + 1, peak: 100, binding: true, arriving: arrivingLimit(200) }, 80],
    ['a lagging loop serving the same connections (a closed loop) keeps its limit', 200, { ...quiet, lagMs: 4 * LAG_TARGET_MS, peak: 64, binding: true }, 200],
    ['and raises a lowered one by a seat while requests wait for seats', 100, { ...quiet, lagMs: 4 * LAG_TARGET_MS, peak: 100, binding: true }, 101],
    ['a lagging loop with free seats holds a lowered limit', 100, { ...quiet, lagMs: 4 * LAG_TARGET_MS, peak: 50 }, 100],
    ['so does one whose few clients just opened their connections', 200, { ...quiet, lagMs: 4 * LAG_TARGET_MS, peak: 64, arriving: arrivingLimit(200) - 1 }, 200],
    ['slow service (over a tenth) with requests waiting for seats cuts', 100, { ...quiet, binding: true, peak: 100, completed: 10, slow: 2 }, 80],
    ['slow service without them does not', 100, { ...quiet, peak: 100, completed: 10, slow: 2 }, 100],
    ['never below the floor', 12, { ...quiet, lagMs: 1000, peak: 12, arriving: arrivingLimit(200) }, floorOf(200)],
    ['a binding, healthy window raises it additively', 100, { ...quiet, binding: true, peak: 100, completed: 10, slow: 1 }, 105],
    ['without demand at the limit it returns quickly', 60, quiet, 120],
    ['but never above the flag', 150, quiet, 200],
  ])('%s', (_what, limit, window, want) => {
    expect(nextLimit(limit, 200, window)).toBe(want);
  });
});
