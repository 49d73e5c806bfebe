/**
 * A soak watcher process (forked by soak-watchers.ts): `paths.length` reflector-like HTTP watches
 * (test/faults' WatchTracker: resume from the last resourceVersion, re-list after a 410), each
 * asking for a jittered timeoutSeconds in [T, 2T) as client-go does, so streams end and resume all
 * through the run.
 *
 * An hour of events for 250 watchers would not fit in memory, so each watcher keeps digests
 * (digest.ts) instead: one per gap-free segment, from a list's resourceVersion to its last event,
 * and one per list. WatchTracker checks strict resourceVersion order on every event; the parent
 * compares the digests with the storage's own history. ADDED events also give the delivery latency:
 * a soak pod's name ends with its scheduled creation time (µs since the epoch).
 *
 * In:  { start: SoakWorkerConfig }, { clock: t0 } (wall ms at which window 0 starts), { report: true },
 *      { finish: { targets } }, { stop: true }.
 * Out: { ready: true }, { counters }, { summaries, delivery }, { error }.
 */
import { WatchTracker } from '../../test/faults/fault-harness';
import { digestAdd, emptyDigest, eventKey, itemKey, type Digest } from './digest';
import { Histogram } from './histogram';
import { wallMs } from './stats';

export interface SoakWorkerConfig {
  base: string;
  /** Per watcher: its list path and the index of its selection (what the parent checks it against). */
  paths: string[];
  selections: number[];
  /** Each watch request asks for timeoutSeconds in [T, 2T). */
  watchTimeoutSeconds: number;
  /** Delivery latencies are bucketed by the window of the pod's scheduled creation time (the clock comes with `{ clock }`). */
  windowMs: number;
}

export interface Segment {
  from: number;
  to: number;
  d: Digest;
}

export interface WatcherSummary {
  selection: number;
  segments: Segment[];
  /** Every list the watcher made (the first at start, then one per 410): its RV and items' digest. */
  lists: Array<{ rv: number; d: Digest }>;
  /** The watcher's view of the collection at the end. */
  state: Digest;
  lastRv: number;
  caughtUp: boolean;
  orderErrors: string[];
  gone410: number;
  relists: number;
  reconnects: number;
}

export interface SoakCounters {
  events: number;
  reconnects: number;
  relists: number;
  gone410: number;
  orderErrors: number;
}

type Out =
  | { ready: true }
  | { counters: SoakCounters }
  | { summaries: WatcherSummary[]; delivery: Array<[number, Array<[number, number]>]> }
  | { error: string };
const send = (m: Out): void => {
  process.send?.(m);
};

interface Watcher {
  tracker: WatchTracker;
  selection: number;
  segments: Segment[];
  lists: Array<{ rv: number; d: Digest }>;
}

const watchers: Watcher[] = [];
const delivery = new Map<number, Histogram>();
let events = 0;
let cfg: SoakWorkerConfig;
let t0WallMs: number | undefined;

/** The server writes each event's bytes once for every watcher: parse each distinct line once. */
const parsed = new Map<string, unknown>();
function parseOnce(line: string): unknown {
  let v = parsed.get(line);
  if (v === undefined) {
    if (parsed.size >= 4096) parsed.clear();
    v = JSON.parse(line) as unknown;
    parsed.set(line, v);
  }
  return v;
}

function recordDelivery(name: string): void {
  const micros = Number(name.slice(name.lastIndexOf('-') + 1));
  if (!Number.isFinite(micros) || t0WallMs === undefined) return;
  const scheduled = micros / 1000;
  const w = Math.floor((scheduled - t0WallMs) / cfg.windowMs);
  let h = delivery.get(w);
  if (!h) delivery.set(w, (h = new Histogram()));
  h.add(wallMs() - scheduled);
}

function open(path: string, selection: number): Watcher {
  const w: Watcher = { selection, segments: [], lists: [], tracker: undefined as unknown as WatchTracker };
  w.tracker = new WatchTracker(() => [cfg.base], path, {
    keepEvents: false,
    parse: parseOnce,
    listTimeoutMs: 60_000,
    timeoutSeconds: () => cfg.watchTimeoutSeconds + Math.floor(Math.random() * cfg.watchTimeoutSeconds),
    onRelist: (rv, items) => {
      const d = emptyDigest();
      for (const [name, itemRv] of items) digestAdd(d, itemKey(name, itemRv));
      w.lists.push({ rv: Number(rv), d });
      w.segments.push({ from: Number(rv), to: Number(rv), d: emptyDigest() });
    },
    onEvent: (type, name, rv) => {
      events++;
      const seg = w.segments.at(-1)!;
      seg.to = rv;
      digestAdd(seg.d, eventKey(type, name, rv));
      if (type === 'ADDED') recordDelivery(name);
    },
  });
  return w;
}

async function start(c: SoakWorkerConfig): Promise<void> {
  cfg = c;
  // In batches, so 250 lists and watches do not stampede the server's accept queue at once.
  for (let i = 0; i < c.paths.length; i += 25) {
    const batch = c.paths.slice(i, i + 25).map((p, k) => open(p, c.selections[i + k]!));
    await Promise.all(batch.map((w) => w.tracker.start()));
    watchers.push(...batch);
  }
  send({ ready: true });
}

function counters(): SoakCounters {
  const sum = (f: (t: WatchTracker) => number): number => watchers.reduce((a, w) => a + f(w.tracker), 0);
  return {
    events,
    reconnects: sum((t) => t.reconnects),
    relists: sum((t) => t.relists),
    gone410: sum((t) => t.gone410),
    orderErrors: sum((t) => t.orderErrors.length),
  };
}

/** Waits (bounded) for every watcher to reach its selection's last revision, stops them, reports. */
async function finish(targets: number[]): Promise<void> {
  const caught = await Promise.all(watchers.map((w) => w.tracker.waitFor(targets[w.selection] ?? 0, 60_000)));
  await Promise.all(watchers.map((w) => w.tracker.stop()));
  const summaries = watchers.map((w, i): WatcherSummary => {
    const state = emptyDigest();
    for (const [name, rv] of w.tracker.state) digestAdd(state, itemKey(name, rv));
    return {
      selection: w.selection,
      segments: w.segments,
      lists: w.lists,
      state,
      lastRv: Number(w.tracker.resourceVersion),
      caughtUp: caught[i]!,
      orderErrors: w.tracker.orderErrors.slice(0, 3),
      gone410: w.tracker.gone410,
      relists: w.tracker.relists,
      reconnects: w.tracker.reconnects,
    };
  });
  send({ summaries, delivery: [...delivery].map(([win, h]) => [win, h.entries()]) });
}

process.on('message', (m: { start?: SoakWorkerConfig; clock?: number; report?: boolean; finish?: { targets: number[] }; stop?: boolean }) => {
  if (m.start) start(m.start).catch((err: unknown) => send({ error: String(err) }));
  if (m.clock !== undefined) t0WallMs = m.clock;
  if (m.report) send({ counters: counters() });
  if (m.finish) finish(m.finish.targets).catch((err: unknown) => send({ error: String(err) }));
  if (m.stop) {
    for (const w of watchers) void w.tracker.stop();
    process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));
