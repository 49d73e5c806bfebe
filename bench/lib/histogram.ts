/**
 * A latency histogram with 1% wide logarithmic buckets (0.01 ms to ~10 min), so a process can count
 * millions of latencies in constant memory and ship them to another process as a sparse array.
 */
const MIN_MS = 0.01;
const STEP = Math.log(1.01);
const BUCKETS = 1800;

export class Histogram {
  readonly counts = new Map<number, number>();
  total = 0;

  add(ms: number): void {
    const i = ms <= MIN_MS ? 0 : Math.min(BUCKETS, Math.ceil(Math.log(ms / MIN_MS) / STEP));
    this.counts.set(i, (this.counts.get(i) ?? 0) + 1);
    this.total++;
  }

  merge(entries: Iterable<[number, number]>): void {
    for (const [i, c] of entries) {
      this.counts.set(i, (this.counts.get(i) ?? 0) + c);
      this.total += c;
    }
  }

  /** The upper bound of the bucket holding the p-th percentile (NaN when empty). */
  pct(p: number): number {
    if (this.total === 0) return NaN;
    const rank = Math.max(1, Math.ceil((p / 100) * this.total));
    let seen = 0;
    for (const i of [...this.counts.keys()].sort((x, y) => x - y)) {
      seen += this.counts.get(i)!;
      if (seen >= rank) return MIN_MS * Math.exp(i * STEP);
    }
    return NaN;
  }

  entries(): Array<[number, number]> {
    return [...this.counts];
  }
}
