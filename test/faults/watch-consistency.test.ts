/**
 * Watch consistency at scale (docs/benchmarks.md R11; the conformance test "should receive events
 * on concurrent watches in same order", with 50 watchers): while one writer creates, updates and
 * deletes, 50 watchers are opened one after another, each at the resourceVersion the writer last
 * observed. Every watcher must receive exactly the writer's history after its start — so all of
 * them see the same events in the same order from their start onward — on etcd and on the
 * embedded store.
 */
import type { KmProcess } from '../helpers/km-process';
import { eventually } from '../helpers/eventually';
import { type SingleServer, sleep, startSingleServer } from './fault-harness';
import { expectedAfter, RawWatch, Writer } from './history-harness';

jest.setTimeout(120_000);

const NS = 'same-order';
const CM = `/api/v1/namespaces/${NS}/configmaps`;
const WATCHERS = 50;

describe.each([
  ['etcd', true],
  ['the embedded store', false],
])('watch consistency on %s', (_name, onEtcd) => {
  let server: SingleServer;
  let km: KmProcess;

  beforeAll(async () => {
    server = await startSingleServer({ onEtcd, ns: NS, dirPrefix: 'km-same-order-' });
    km = server.km;
  });

  afterAll(async () => {
    await server?.cleanup();
  });

  test(`${WATCHERS} watchers opened at different resourceVersions during writes all see the same events in the same order`, async () => {
    const writer = new Writer(km.url, NS, 1);
    const watches: RawWatch[] = [];
    try {
      for (let i = 0; i < 5; i++) await writer.step();
      writer.start();
      let from = 0;
      for (let i = 0; i < WATCHERS; i++) {
        // Each at the newest resourceVersion the writer has seen, a different one every time.
        const seen = from;
        from = await eventually('a new write', () => (writer.head > seen ? writer.head : undefined), 10_000, 5);
        watches.push(new RawWatch(km.url, CM, from));
        await sleep(40);
      }
      await sleep(3000); // all 50 watching while the writes go on
    } finally {
      await writer.stop();
    }
    try {
      expect(writer.failures).toEqual([]);
      for (const w of watches) {
        const want = expectedAfter(writer.history, 'configmaps', w.from).length;
        await eventually(`the watch from ${w.from} to deliver ${want} events`, () => w.sequence.length >= want || w.ended, 30_000);
      }
      const first = watches[0]!;
      expect(new Set(watches.map((w) => w.from)).size).toBe(WATCHERS);
      expect(first.sequence.length).toBeGreaterThan(WATCHERS / 2); // writes really ran under the watchers
      for (const w of watches) {
        expect(w.status).toBe(200);
        expect(w.outOfOrder).toEqual([]);
        // Exactly the history after its start...
        expect({ from: w.from, events: w.sequence }).toEqual({ from: w.from, events: expectedAfter(writer.history, 'configmaps', w.from) });
        // ...which makes it the first watcher's sequence from that point on.
        const offset = first.events.findIndex((e) => e.rv > w.from);
        expect(w.sequence).toEqual(first.sequence.slice(offset));
      }
      console.log(`${writer.history.length} writes; ${WATCHERS} watchers from ${first.from} to ${watches.at(-1)!.from}, ${first.sequence.length} events for the first`);
    } finally {
      for (const w of watches) w.close();
    }
  });
});
