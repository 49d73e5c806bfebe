/**
 * FIFO of pods waiting for an offer, with per-pod backoff: a pod that found no fitting offer waits
 * initial × 2^n (capped) before it is tried again; order among ready pods is arrival order.
 */
export interface BackoffConfig {
  initialMs: number;
  maxMs: number;
}

interface Entry {
  uid: string;
  seq: number;
  notBefore: number;
  delayMs: number;
}

export class PodQueue {
  private entries = new Map<string, Entry>();
  private seq = 0;

  constructor(private readonly cfg: BackoffConfig = { initialMs: 1000, maxMs: 60_000 }) {}

  /** Adds a pod (no-op if queued); a re-added pod keeps its backoff state. */
  add(uid: string): void {
    if (!this.entries.has(uid)) this.entries.set(uid, { uid, seq: this.seq++, notBefore: 0, delayMs: 0 });
  }

  has(uid: string): boolean {
    return this.entries.has(uid);
  }

  remove(uid: string): void {
    this.entries.delete(uid);
  }

  get size(): number {
    return this.entries.size;
  }

  /** Pods whose backoff has expired, oldest first. */
  ready(now: number): string[] {
    return [...this.entries.values()]
      .filter((e) => e.notBefore <= now)
      .sort((a, b) => a.seq - b.seq)
      .map((e) => e.uid);
  }

  /** The pod failed to schedule: double its delay. Returns the delay applied. */
  backoff(uid: string, now: number): number {
    const e = this.entries.get(uid);
    if (!e) return 0;
    e.delayMs = e.delayMs === 0 ? this.cfg.initialMs : Math.min(e.delayMs * 2, this.cfg.maxMs);
    e.notBefore = now + e.delayMs;
    return e.delayMs;
  }

  /** Earliest time a waiting pod becomes ready, or undefined if none waits. */
  nextReadyAt(): number | undefined {
    let min: number | undefined;
    for (const e of this.entries.values()) if (min === undefined || e.notBefore < min) min = e.notBefore;
    return min;
  }
}
