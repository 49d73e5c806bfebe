/**
 * Periodic history compaction for any {@link Storage}, the way kube-apiserver does it: at every
 * tick, compact to the revision observed at the *previous* tick, so at least one interval of history
 * (default 5 min) always survives for watchers and paginated lists to resume from.
 *
 * Several servers may compact the same store: compacting at or below the current point is a no-op
 * by contract, so no coordination key is needed.
 */
import type { Storage } from './interface';

export const DEFAULT_COMPACTION_INTERVAL_MS = 5 * 60 * 1000;

/** The timer the compactor schedules with; tests inject a fake one. */
export interface CompactorTimer {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface CompactorOptions {
  /** Time between compactions; 0 disables the compactor. Default 5 min. */
  intervalMs?: number;
  timer?: CompactorTimer;
  /** Called after each successful compaction with the revision compacted to. */
  onCompact?: (revision: number) => void;
  /** A failed tick is reported here and retried at the next tick; it never stops the compactor. */
  onError?: (err: unknown) => void;
}

const realTimer: CompactorTimer = {
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref(); // compaction alone must not keep the process alive
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export class Compactor {
  private readonly intervalMs: number;
  private readonly timer: CompactorTimer;
  private handle: unknown;
  private stopped = false;
  /** The revision seen at the previous tick: what the next tick compacts to. */
  private lastSeen = 0;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly storage: Storage,
    private readonly opts: CompactorOptions = {},
  ) {
    this.intervalMs = opts.intervalMs ?? DEFAULT_COMPACTION_INTERVAL_MS;
    this.timer = opts.timer ?? realTimer;
  }

  /** Begin ticking (the first tick only records the revision). Idempotent. */
  start(): this {
    if (this.intervalMs > 0 && this.handle === undefined && !this.stopped) this.schedule();
    return this;
  }

  /** Cancel the next tick; an in-flight tick finishes. */
  stop(): void {
    this.stopped = true;
    if (this.handle !== undefined) this.timer.clearTimeout(this.handle);
    this.handle = undefined;
  }

  /** Resolves when no tick is running (for tests and orderly shutdown). */
  whenIdle(): Promise<void> {
    return this.running;
  }

  /** One compaction step; exposed so callers can force one. */
  async tick(): Promise<void> {
    const current = await this.storage.currentRevision();
    const target = this.lastSeen;
    if (target > 0) {
      await this.storage.compact(target);
      this.opts.onCompact?.(target);
    }
    this.lastSeen = current;
  }

  private schedule(): void {
    this.handle = this.timer.setTimeout(() => {
      this.handle = undefined;
      this.running = this.tick()
        .catch((err: unknown) => this.opts.onError?.(err))
        .finally(() => {
          if (!this.stopped) this.schedule();
        });
    }, this.intervalMs);
  }
}

/** Start a compactor on `storage` (convenience for the server wiring). */
export function startCompactor(storage: Storage, opts: CompactorOptions = {}): Compactor {
  return new Compactor(storage, opts).start();
}
