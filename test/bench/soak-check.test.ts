/**
 * The soak's checker (bench/lib/soak-check.ts) must fail on exactly what it claims to catch: a
 * watcher that skipped an event, one that saw an event the store never had, a list that differs
 * from the store's state at its resourceVersion, and an acknowledged write the store lost.
 */
import { digestAdd, emptyDigest, eventKey, itemKey, type Digest } from '../../bench/lib/digest';
import { checkI1, checkI3 } from '../../bench/lib/soak-check';
import type { Ack } from '../../bench/lib/soak-load';
import type { StoredPod, TruthEvent } from '../../bench/lib/soak-truth';
import type { WatcherSummary } from '../../bench/lib/soak-watch-worker';

const history: TruthEvent[] = [
  { rv: 11, type: 'ADDED', ns: 'a', name: 'p1' },
  { rv: 12, type: 'ADDED', ns: 'b', name: 'p2' },
  { rv: 13, type: 'MODIFIED', ns: 'a', name: 'p1' },
  { rv: 14, type: 'DELETED', ns: 'b', name: 'p2' },
  { rv: 15, type: 'ADDED', ns: 'a', name: 'p3' },
];
const selectors = [(): boolean => true, (e: TruthEvent): boolean => e.ns === 'a'];

const digestOf = (keys: string[]): Digest => {
  const d = emptyDigest();
  for (const k of keys) digestAdd(d, k);
  return d;
};
const events = (es: TruthEvent[]): Digest => digestOf(es.map((e) => eventKey(e.type, e.name, e.rv)));

/** A watcher of `selection` that listed at RV 10 (empty) and received `got`. */
function watcher(selection: number, got: TruthEvent[], extra: Partial<WatcherSummary> = {}): WatcherSummary {
  const state = new Map<string, number>();
  for (const e of got) if (e.type === 'DELETED') state.delete(e.name); else state.set(e.name, e.rv);
  return {
    selection,
    segments: [{ from: 10, to: got.at(-1)?.rv ?? 10, d: events(got) }],
    lists: [{ rv: 10, d: emptyDigest() }],
    state: digestOf([...state].map(([n, rv]) => itemKey(n, rv))),
    lastRv: 15,
    caughtUp: true,
    orderErrors: [],
    gone410: 0,
    relists: 1,
    reconnects: 0,
    ...extra,
  };
}

test('I3 passes watchers that saw exactly their selection, and fails a gap, a foreign event and a stale list', () => {
  const inA = history.filter((e) => e.ns === 'a');
  expect(checkI3([watcher(0, history), watcher(1, inA)], history, selectors, 2).pass).toBe(true);

  const gap = checkI3([watcher(0, history.filter((e) => e.rv !== 13))], history, selectors, 1);
  expect(gap.pass).toBe(false);
  expect(gap.detail).toMatch(/events missing: 1/);

  const foreign = checkI3([watcher(1, [...inA.slice(0, 2), { rv: 14, type: 'DELETED', ns: 'b', name: 'p2' }, inA[2]!])], history, selectors, 1);
  expect(foreign.pass).toBe(false);
  expect(foreign.detail).toMatch(/events not in the store: 1/);

  // A re-list after a 410 at RV 13 that still shows p1 at its first version.
  const relisted = watcher(0, history, {
    segments: [
      { from: 10, to: 11, d: events(history.slice(0, 1)) },
      { from: 13, to: 15, d: events(history.slice(3)) },
    ],
    lists: [{ rv: 10, d: emptyDigest() }, { rv: 13, d: digestOf([itemKey('p1', 11), itemKey('p2', 12)]) }],
    gone410: 1,
  });
  const stale = checkI3([relisted], history, selectors, 1);
  expect(stale.pass).toBe(false);
  expect(stale.detail).toMatch(/list differs from the store: 1/);
  const fresh = { ...relisted, lists: [relisted.lists[0]!, { rv: 13, d: digestOf([itemKey('p1', 13), itemKey('p2', 12)]) }] };
  expect(checkI3([fresh], history, selectors, 1).pass).toBe(true);
});

test('I1 fails a lost write, a resurrected delete and stale content, and tolerates a later write of unknown outcome', () => {
  const stored = new Map<string, StoredPod>([['p1', { ns: 'a', rv: 13, labels: { 'soak-gen': '1' } }], ['p3', { ns: 'a', rv: 15, labels: { 'soak-gen': '0' } }]]);
  const acks = new Map<string, Ack>([
    ['p1', { ns: 'a', rv: 13, gen: '1', deleted: false }],
    ['p2', { ns: 'b', rv: 14, gen: '0', deleted: true }],
    ['p3', { ns: 'a', rv: 15, gen: '0', deleted: false }],
  ]);
  const ackedRvs = history.map((e) => ({ name: e.name, rv: e.rv }));
  expect(checkI1(acks, ackedRvs, history, stored).pass).toBe(true);

  expect(checkI1(acks, ackedRvs, history, new Map([...stored].filter(([n]) => n !== 'p3'))).problems).toEqual(['p3: acknowledged at RV 15, not stored']);
  expect(checkI1(acks, ackedRvs, history, new Map([...stored, ['p2', { ns: 'b', rv: 12, labels: {} }]])).pass).toBe(false);
  expect(checkI1(new Map([...acks, ['p1', { ns: 'a', rv: 13, gen: '2', deleted: false }]]), ackedRvs, history, stored).pass).toBe(false);
  expect(checkI1(acks, [...ackedRvs, { name: 'p9', rv: 16 }], history, stored).pass).toBe(false);
  // p3's later delete timed out: gone is as acceptable as stored.
  const unknown = new Map([...acks, ['p3', { ns: 'a', rv: 15, gen: '0', deleted: false, unknownAfter: true }]]);
  expect(checkI1(unknown, ackedRvs, history, new Map([...stored].filter(([n]) => n !== 'p3'))).pass).toBe(true);
});
