/**
 * A watch on SqliteStorage: a cursor over the revision log that is fed two ways.
 *
 * - Live: the commit path pushes every committed event into each live watch synchronously, right
 *   after the transaction commits (no polling on the latency path).
 * - Replay: while behind (a past fromRevision, or after its queue overflowed) the watch reads the
 *   log table in revision order, a batch at a time, on demand of the consumer.
 *
 * Switching from replay to live happens in the same synchronous step as the table read that found
 * the log exhausted. Commits notify synchronously after they commit, so nothing can slip between
 * the read and the switch: no gap, no duplicate. A slow consumer costs bounded memory: past
 * `queueLimit` queued events the queue is dropped and the watch falls back to replay from its last
 * delivered revision, which only fails (Expired) if compaction overtook it. It never skips silently.
 */
import type { WatchEvent, WatchStream } from './interface';
import type { StorageError } from './errors';

export interface WatchSource {
  /**
   * Committed events under `prefix` with revision > `after`, in revision order, at most `limit`.
   * Throws Expired when `after` is below the compaction point, Unavailable when closed.
   */
  replay(prefix: string, after: number, limit: number): WatchEvent[];
  unregister(watch: SqliteWatch): void;
}

const REPLAY_BATCH = 1000;

type Waiter = { resolve: (r: IteratorResult<WatchEvent>) => void; reject: (err: unknown) => void };

const DONE: IteratorResult<WatchEvent> = { done: true, value: undefined };

export class SqliteWatch implements WatchStream {
  private queue: WatchEvent[] = [];
  private head = 0;
  /** Highest revision queued or delivered; the replay cursor. */
  private seen: number;
  /** Highest revision handed to the consumer. */
  private delivered: number;
  private live: boolean;
  private closed = false;
  private error: StorageError | undefined;
  private waiter: Waiter | undefined;
  private readonly queueLimit: number;

  constructor(
    private readonly source: WatchSource,
    readonly prefix: string,
    fromRevision: number,
    opts: { live: boolean; queueLimit: number; error?: StorageError },
  ) {
    this.seen = fromRevision;
    this.delivered = fromRevision;
    this.live = opts.live;
    this.queueLimit = opts.queueLimit;
    this.error = opts.error;
  }

  /** Called by the commit path with the events of one committed batch, in revision order. */
  push(events: readonly WatchEvent[]): void {
    if (!this.live || this.closed) return;
    for (const ev of events) {
      if (ev.modRevision <= this.seen || !ev.key.startsWith(this.prefix)) continue;
      this.seen = ev.modRevision;
      if (this.waiter !== undefined) {
        const w = this.waiter;
        this.waiter = undefined;
        this.delivered = ev.modRevision;
        w.resolve({ done: false, value: ev });
        continue;
      }
      this.queue.push(ev);
      if (this.queue.length - this.head > this.queueLimit) {
        // Too far behind: keep memory bounded and catch up from the table instead.
        this.queue = [];
        this.head = 0;
        this.seen = this.delivered;
        this.live = false;
        return;
      }
    }
  }

  /** Ends the stream with an error (backend closed). */
  fail(err: StorageError): void {
    if (this.closed || this.error !== undefined) return;
    this.error = err;
    this.queue = [];
    this.head = 0;
    this.source.unregister(this);
    if (this.waiter !== undefined) {
      const w = this.waiter;
      this.waiter = undefined;
      this.closed = true;
      w.reject(err);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue = [];
    this.head = 0;
    this.source.unregister(this);
    if (this.waiter !== undefined) {
      const w = this.waiter;
      this.waiter = undefined;
      w.resolve(DONE);
    }
  }

  next(): Promise<IteratorResult<WatchEvent>> {
    if (this.closed) return Promise.resolve(DONE);
    if (this.waiter !== undefined) return Promise.reject(new Error('SqliteWatch supports one pending next() at a time'));
    if (this.error !== undefined) {
      const err = this.error;
      this.closed = true;
      this.source.unregister(this);
      return Promise.reject(err);
    }
    if (this.head >= this.queue.length && !this.live) {
      try {
        this.fill();
      } catch (err) {
        this.closed = true;
        this.source.unregister(this);
        return Promise.reject(err);
      }
    }
    if (this.head < this.queue.length) {
      const ev = this.queue[this.head];
      // Release the slot: a drained queue would otherwise keep up to ~1k delivered events (their
      // value and prevValue bytes, several MB of pods) alive until more events arrive.
      this.queue[this.head++] = undefined as unknown as WatchEvent;
      if (this.head === this.queue.length) {
        this.queue = [];
        this.head = 0;
      } else if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
      this.delivered = ev.modRevision;
      return Promise.resolve({ done: false, value: ev });
    }
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  /** Reads the next batch from the log; switches to live once the log is exhausted. */
  private fill(): void {
    const events = this.source.replay(this.prefix, this.seen, REPLAY_BATCH);
    this.queue = events;
    this.head = 0;
    if (events.length > 0) this.seen = events[events.length - 1].modRevision;
    if (events.length < REPLAY_BATCH) this.live = true;
  }

  [Symbol.asyncIterator](): AsyncIterator<WatchEvent> {
    return {
      next: () => this.next(),
      return: () => {
        this.close();
        return Promise.resolve(DONE);
      },
    };
  }
}
