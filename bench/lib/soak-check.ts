/**
 * The soak's verdicts on docs/benchmarks.md §4's invariants, against the store's own history
 * (soak-truth.ts):
 * - I1: every acknowledged write is in the history under its name and resourceVersion; every pod
 *   whose last acknowledged write is a create or update is stored with that write's content
 *   (its generation label) at that resourceVersion; every acknowledged delete stays deleted.
 * - I3: for every watcher, each gap-free segment (a list's RV to its last event) holds exactly the
 *   history's events of its selection in that range (count and digest), in strictly increasing RV
 *   order (checked as the events arrived); every list equals the history's state at its RV; the
 *   watcher caught up with its selection's last event and its final view equals the store.
 */
import { digestAdd, emptyDigest, eventKey, itemKey, sameDigest, type Digest } from './digest';
import { GEN_LABEL, type Ack } from './soak-load';
import type { StoredPod, TruthEvent } from './soak-truth';
import type { WatcherSummary } from './soak-watch-worker';

export interface Verdict {
  pass: boolean;
  /** A few words for a table cell, and the full account. */
  summary: string;
  detail: string;
  problems: string[];
}

const verdict = (problems: string[], summary: string, detail: string): Verdict => ({ pass: problems.length === 0, summary, detail, problems: problems.slice(0, 10) });

export function checkI1(acks: Map<string, Ack>, ackedRvs: Array<{ name: string; rv: number }>, history: TruthEvent[], stored: Map<string, StoredPod>): Verdict {
  const problems: string[] = [];
  const inHistory = new Map(history.map((e) => [e.rv, e.name]));
  for (const { name, rv } of ackedRvs) if (inHistory.get(rv) !== name) problems.push(`acknowledged write of ${name} at RV ${rv} is not in the store's history`);
  let present = 0;
  let absent = 0;
  let unknown = 0;
  for (const [name, a] of acks) {
    const s = stored.get(name);
    if (a.unknownAfter) {
      // A later write may have committed: the pod is gone (a delete) or at least as new as the ack.
      if (s && s.rv < a.rv) problems.push(`${name}: acknowledged at RV ${a.rv}, stored at older RV ${s.rv}`);
      else unknown++;
    } else if (a.deleted) {
      if (s) problems.push(`${name}: delete acknowledged at RV ${a.rv}, still stored at RV ${s.rv}`);
      else absent++;
    } else if (!s) problems.push(`${name}: acknowledged at RV ${a.rv}, not stored`);
    else if (s.rv < a.rv || s.labels[GEN_LABEL] !== a.gen)
      problems.push(`${name}: acknowledged gen ${a.gen} at RV ${a.rv}, stored gen ${s.labels[GEN_LABEL]} at RV ${s.rv}${a.refused ? `; later writes refused: ${a.refused.join(', ')}` : '; no later write answered'}`);
    else present++;
  }
  const foreign = [...stored.keys()].filter((n) => !acks.has(n));
  return verdict(problems, `${ackedRvs.length} writes`, `${ackedRvs.length} acknowledged writes in the history; ${present} pods stored as last written, ${absent} deletes stay deleted; ${unknown} pods with a later write of unknown outcome, ${foreign.length} stored without an acknowledged create (unknown outcome)`);
}

/** What watchers of one selection should see: its events with prefix digests, and its state at any RV. */
class Selection {
  readonly rvs: number[] = [];
  private readonly prefix: Digest[] = [emptyDigest()];
  /** State digests at the RVs asked for, filled by one sweep over the history. */
  readonly stateAt = new Map<number, Digest>();

  constructor(
    events: TruthEvent[],
    matches: (e: TruthEvent) => boolean,
    stateRvs: number[],
  ) {
    const wanted = [...new Set(stateRvs)].sort((a, b) => a - b);
    const state = emptyDigest();
    const live = new Map<string, number>();
    let k = 0;
    for (const e of events) {
      while (k < wanted.length && wanted[k]! < e.rv) this.stateAt.set(wanted[k++]!, { ...state });
      if (!matches(e)) continue;
      this.rvs.push(e.rv);
      const d = { ...this.prefix.at(-1)! };
      digestAdd(d, eventKey(e.type, e.name, e.rv));
      this.prefix.push(d);
      const old = live.get(e.name);
      if (old !== undefined) digestAdd(state, itemKey(e.name, old), -1);
      if (e.type === 'DELETED') live.delete(e.name);
      else {
        live.set(e.name, e.rv);
        digestAdd(state, itemKey(e.name, e.rv));
      }
    }
    while (k < wanted.length) this.stateAt.set(wanted[k++]!, { ...state });
  }

  get last(): number {
    return this.rvs.at(-1) ?? 0;
  }

  /** Events in (from, to]: their count and digest. */
  between(from: number, to: number): Digest {
    const lo = upperBound(this.rvs, from);
    const hi = upperBound(this.rvs, to);
    const a = this.prefix[lo]!;
    const b = this.prefix[hi]!;
    return { n: b.n - a.n, a: (b.a - a.a + 0x100000000) % 0x100000000, b: (b.b - a.b + 0x100000000) % 0x100000000 };
  }
}

/** Index of the first element > x. */
function upperBound(xs: number[], x: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The last RV of each selection's history: what each watcher must reach. */
export function selectionTargets(history: TruthEvent[], selectors: Array<(e: TruthEvent) => boolean>): number[] {
  return selectors.map((m) => history.reduce((last, e) => (m(e) ? e.rv : last), 0));
}

/**
 * `history` must start before any watcher's first list (the truth starts before the watchers), so
 * the state at a list's RV is known.
 */
export function checkI3(summaries: WatcherSummary[], history: TruthEvent[], selectors: Array<(e: TruthEvent) => boolean>, expected: number): Verdict {
  const problems: string[] = [];
  const stateRvs = selectors.map(() => [] as number[]);
  for (const w of summaries) stateRvs[w.selection]!.push(...w.lists.map((l) => l.rv), Infinity);
  const sels = selectors.map((m, i) => new Selection(history, m, stateRvs[i]!));
  let events = 0;
  let segments = 0;
  /** Watchers with each kind of problem; the serious kinds' examples are listed first. */
  const kinds = { 'events missing': 0, 'events not in the store': 0, 'out of order or repeated': 0, 'list differs from the store': 0, 'did not catch up': 0, 'final view differs': 0 };
  const serious: string[] = [];
  const other: string[] = [];
  for (const [i, w] of summaries.entries()) {
    const sel = sels[w.selection]!;
    const seen = new Set<keyof typeof kinds>();
    const say = (kind: keyof typeof kinds, p: string): void => {
      seen.add(kind);
      (kind === 'did not catch up' || kind === 'final view differs' ? other : serious).push(`watcher ${i} (selection ${w.selection}): ${kind}: ${p}`);
    };
    for (const e of w.orderErrors) say('out of order or repeated', e);
    if (!w.caughtUp) say('did not catch up', `stopped at RV ${w.lastRv}, its selection's last event is at ${sel.last}`);
    for (const s of w.segments) {
      segments++;
      events += s.d.n;
      const want = sel.between(s.from, s.to);
      if (!sameDigest(want, s.d)) say(s.d.n < want.n ? 'events missing' : 'events not in the store', `in (${s.from}, ${s.to}]: got ${s.d.n}, the store has ${want.n}`);
    }
    for (const l of w.lists) {
      const want = sel.stateAt.get(l.rv);
      if (!want || !sameDigest(want, l.d)) say('list differs from the store', `at RV ${l.rv}: ${l.d.n} items, the store had ${want?.n ?? '?'}`);
    }
    const final = sel.stateAt.get(Infinity)!;
    if (!sameDigest(final, w.state)) say('final view differs', `${w.state.n} pods, the store ${final.n}`);
    for (const k of seen) kinds[k]++;
  }
  if (summaries.length !== expected) serious.unshift(`${summaries.length} watchers reported, ${expected} started`);
  problems.push(...serious, ...other);
  const sum = (f: (w: WatcherSummary) => number): number => summaries.reduce((a, w) => a + f(w), 0);
  const failed = Object.entries(kinds).filter(([, n]) => n > 0).map(([k, n]) => `${k}: ${n}`);
  return verdict(
    problems,
    `${summaries.length} watchers, ${events.toLocaleString('en-US')} events`,
    `${summaries.length} watchers, ${events.toLocaleString('en-US')} events in ${segments} gap-free segments checked; ${sum((w) => w.reconnects)} resumes, ${sum((w) => w.gone410)} 410s (each re-listed and checked); watchers failing: ${failed.length ? failed.join(', ') : 'none'}`,
  );
}
