/**
 * What every benchmark family gets: the store under test, its API server, the raw twin, the pods
 * already in place, and the helpers that turn sandwiches (raw, API, raw) into table rows with
 * benchmarks.md §1's verdict.
 */
import type { Etcd3 } from 'etcd3';
import type { EtcdProcess } from '../../test/helpers/etcd-process';
import type { KmServer } from './km-server';
import type { BenchOptions, Sizes, StoreName } from './options';
import type { Row } from './report';
import { fmt, median } from './stats';
import type { RawTwin } from './twins';

export interface Ctx {
  store: StoreName;
  opts: BenchOptions;
  sizes: Sizes;
  /** The API server under test (replaced when P15 restarts it). */
  server: KmServer;
  twin: RawTwin;
  /** The raw etcd client (etcd also runs for the embedded store: its watch rows compare with it). */
  raw: Etcd3;
  etcd: EtcdProcess;
  /** A pod exactly as the server stores it (the twin writes the same bytes). */
  storedPod: Buffer;
  /** Fixture pods pod-0 .. pod-(count-1) exist through the API (fixture.ts). */
  fixture: { count: number };
  /** Embedded store only: rows the raw twin holds under RAW_LIST_PREFIX, the LIST twin's data. */
  rawFixture: { count: number };
  /** Server RSS, V8 heap and ArrayBuffer bytes after GC with no pods (P14's baseline). */
  emptyRss: { rss: number; heap: number | undefined; arrayBuffers?: number };
  rows: Row[];
  notes: string[];
  /** Results one family hands to a later one (e.g. P1's rate for P16), per store. */
  shared: Map<string, number>;
}

let runSeq = 0;
/** A fresh run name, so no two runs share keys. */
export const nextRun = (tag: string): string => `${tag}${++runSeq}`;

export const MiB = 1024 * 1024;

/** The etcd pid when the store is etcd (its CPU is part of the API path only then). */
export const etcdPid = (c: Ctx): number | undefined => (c.store === 'etcd' ? c.etcd.member.pid : undefined);

export interface Goal {
  /** The ratio must be at most this ... */
  max?: number;
  /** ... or at least this. */
  min?: number;
}

/** benchmarks.md §1: the median meets the goal and no single run misses it by more than 15%. */
export function gate(values: number[], goal: Goal): boolean {
  const ok = (v: number, slack: number): boolean =>
    Number.isFinite(v) && (goal.max === undefined || v <= goal.max * (1 + slack)) && (goal.min === undefined || v >= goal.min * (1 - slack));
  return ok(median(values), 0) && values.every((v) => ok(v, 0.15));
}

export const goalText = (g: Goal): string => (g.max !== undefined ? `<= ${g.max}` : g.min !== undefined ? `>= ${g.min}` : '');

/** "median (each run)" */
export const ratioCell = (ratios: number[], d = 2): string =>
  ratios.length === 1 ? fmt(ratios[0]!, d) : `${fmt(median(ratios), d)} (${ratios.map((r) => fmt(r, d)).join('/')})`;

export interface Rep<T> {
  api: T;
  raw1: T;
  raw2: T;
}

/** Raw, API, raw, `reps` times; `between` runs after every run (clear the prefix, compact, defrag). */
export async function sandwich<T>(
  reps: number,
  raw: (rep: number) => Promise<T>,
  api: (rep: number) => Promise<T>,
  between?: () => Promise<void>,
): Promise<Array<Rep<T>>> {
  const out: Array<Rep<T>> = [];
  for (let k = 0; k < reps; k++) {
    const raw1 = await raw(k);
    await between?.();
    const a = await api(k);
    await between?.();
    const raw2 = await raw(k);
    await between?.();
    out.push({ api: a, raw1, raw2 });
  }
  return out;
}

export const rawMean = <T>(r: Rep<T>, f: (t: T) => number): number => (f(r.raw1) + f(r.raw2)) / 2;
export const ratiosOf = <T>(reps: Array<Rep<T>>, f: (t: T) => number): number[] => reps.map((r) => f(r.api) / rawMean(r, f));

/**
 * One row: the API figure over the twin's, per repetition; `goal` (when given) is gated with the
 * 15% rule. Values are medians over repetitions.
 */
export function ratioRow<T>(
  c: Ctx,
  id: string,
  name: string,
  reps: Array<Rep<T>>,
  f: (t: T) => number,
  d: number,
  goal?: Goal,
): number[] {
  const ratios = ratiosOf(reps, f);
  c.rows.push({
    store: c.store,
    id,
    name,
    api: fmt(median(reps.map((r) => f(r.api))), d),
    raw: fmt(median(reps.map((r) => rawMean(r, f))), d),
    ratio: ratioCell(ratios),
    target: goal ? goalText(goal) : '',
    ...(goal ? { pass: gate(ratios, goal) } : {}),
  });
  return ratios;
}

export interface Latency {
  p50: number;
  p99: number;
}

/** A "p50 / p99 ms" row, each ratio gated on its own goal (either may be absent). */
export function latencyRow<T extends Latency>(c: Ctx, id: string, name: string, reps: Array<Rep<T>>, g50?: Goal, g99?: Goal, extraPass?: boolean): void {
  const r50 = ratiosOf(reps, (t) => t.p50);
  const r99 = ratiosOf(reps, (t) => t.p99);
  const med = (f: (t: T) => number, side: 'api' | 'raw'): number => median(reps.map((r) => (side === 'api' ? f(r.api) : rawMean(r, f))));
  const target = [g50 ? `p50 ${goalText(g50)}` : '', g99 ? `p99 ${goalText(g99)}` : ''].filter((x) => x !== '').join(', ');
  const gated = g50 !== undefined || g99 !== undefined;
  c.rows.push({
    store: c.store,
    id,
    name,
    api: `${fmt(med((t) => t.p50, 'api'), 2)} / ${fmt(med((t) => t.p99, 'api'), 2)}`,
    raw: `${fmt(med((t) => t.p50, 'raw'), 2)} / ${fmt(med((t) => t.p99, 'raw'), 2)}`,
    ratio: `${ratioCell(r50)} / ${ratioCell(r99)}`,
    target,
    ...(gated ? { pass: (!g50 || gate(r50, g50)) && (!g99 || gate(r99, g99)) && extraPass !== false } : {}),
  });
}

/**
 * A "CPU us/op" row from /proc/PID/stat: API side server + etcd + load generator, raw side etcd +
 * client (the embedded store's twin runs inside the client, so its store CPU is the client's).
 */
export function cpuRow(c: Ctx, id: string, label: string, reps: Array<Rep<{ cpu: Record<string, number> }>>): void {
  const get = (k: string) => (t: { cpu: Record<string, number> }) => t.cpu[k] ?? 0;
  const m = (k: string, side: 'api' | 'raw'): string => fmt(median(reps.map((r) => (side === 'api' ? get(k)(r.api) : rawMean(r, get(k))))));
  const etcd = c.store === 'etcd';
  c.rows.push({
    store: c.store,
    id,
    name: `  CPU us/op, ${label}: server+${etcd ? 'etcd+' : ''}client`,
    api: etcd ? `${m('server', 'api')}+${m('etcd', 'api')}+${m('client', 'api')}` : `${m('server', 'api')}+${m('client', 'api')}`,
    raw: etcd ? `${m('etcd', 'raw')}+${m('client', 'raw')}` : `${m('client', 'raw')} (store in client)`,
    ratio: '',
    target: '',
  });
}
