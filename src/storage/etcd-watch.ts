/**
 * One etcd watch as a {@link WatchStream}: its own gRPC Watch stream (HTTP/2 multiplexes it onto
 * the shared connection), events with prevKv, and resumption strictly at the next revision.
 *
 * etcd3's own Watcher is not used: on reconnect it restarts from the *header* revision of the
 * created response (not from the last event seen), so a second disconnect can skip events, and
 * compaction surfaces only as a generic "Watcher canceled" error. Here the resume point is always
 * (last delivered event revision + 1); if etcd cannot serve it (compacted) the stream ends with
 * `Expired`, and if etcd stays unreachable past the resume window it ends with `Unavailable`.
 */
import type { IDuplexStream, IEvent, IWatchRequest, IWatchResponse } from 'etcd3';
import { expired, StorageError, unavailable } from './errors';
import type { WatchEvent, WatchStream } from './interface';

export type WatchRpcStream = IDuplexStream<IWatchRequest, IWatchResponse>;

export interface EtcdWatchDeps {
  /** Opens one gRPC Watch stream (see EtcdStorage.openWatchStream). */
  openStream(): Promise<WatchRpcStream>;
  /** Called with every compact revision etcd reports, so the storage can track it. */
  onCompacted(revision: number): void;
  /** How long to keep trying to re-establish a broken stream before failing with Unavailable. */
  resumeTimeoutMs: number;
  /** How long to wait for etcd to confirm a watch creation before retrying. */
  createTimeoutMs: number;
  /** The highest revision this client has seen in any response: "now" for a watch from 0. */
  lastSeenRevision(): number;
  /**
   * Events queued for a slow consumer before the gRPC stream is dropped; it is reopened at the next
   * revision once the consumer has drained half of them (memory stays bounded, nothing is skipped).
   */
  queueLimit: number;
  /** Called once when the watch is closed or failed (its resources are released). */
  onDone(): void;
}

const BACKOFF_MIN_MS = 50;
const BACKOFF_MAX_MS = 1000;

/** End of the key range for a prefix (etcd's "prefix end"): the prefix with its last byte +1. */
export function prefixEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i] < 0xff) {
      end[i]++;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]); // all 0xff (or empty): to the end of the keyspace
}

export class EtcdWatch implements WatchStream {
  private readonly events: WatchEvent[] = [];
  private head = 0;
  private failure: StorageError | undefined;
  private closed = false;
  private waiter: (() => void) | undefined;
  /** Revision of the last event handed to the queue; -1 until known (fromRevision 0 before creation). */
  private lastRev: number;
  private stream: WatchRpcStream | undefined;
  private attemptTimer: NodeJS.Timeout | undefined;
  /** Bumped on every open and teardown, so a late-arriving stream of an abandoned attempt is dropped. */
  private attempt = 0;
  private resumeDeadline = 0;
  private backoffMs = BACKOFF_MIN_MS;
  private readonly key: Buffer;
  private readonly rangeEnd: Buffer;
  /** The stream was dropped because the consumer fell behind; reopen when it catches up. */
  private suspended = false;
  /** A watch "from now" whose start was taken from the client's last seen revision, no event yet. */
  private provisionalStart = false;

  constructor(
    private readonly deps: EtcdWatchDeps,
    private readonly prefix: string,
    fromRevision: number,
  ) {
    const p = Buffer.from(prefix);
    this.key = p.length > 0 ? p : Buffer.from([0]); // "" watches everything; etcd wants a non-empty key
    this.rangeEnd = prefixEnd(p);
    if (fromRevision > 0) {
      this.lastRev = fromRevision;
    } else {
      // "Now" must be pinned synchronously, or a write acknowledged right after watch() returns
      // could commit before etcd registers the watch and be missed. Every write this client has
      // seen acknowledged is at or below lastSeenRevision, so starting after it includes all later
      // ones. Before the client has seen anything, fall back to etcd's own "now".
      const seen = deps.lastSeenRevision();
      this.lastRev = seen > 0 ? seen : -1;
      this.provisionalStart = seen > 0;
    }
    this.open();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.teardown();
    this.deps.onDone();
    this.wake();
  }

  [Symbol.asyncIterator](): AsyncIterator<WatchEvent> {
    return {
      next: async (): Promise<IteratorResult<WatchEvent>> => {
        for (;;) {
          if (this.head < this.events.length) {
            const ev = this.events[this.head];
            this.events[this.head++] = undefined as unknown as WatchEvent; // release for GC
            if (this.head > 1024 && this.head * 2 > this.events.length) {
              this.events.splice(0, this.head);
              this.head = 0;
            }
            if (this.suspended && this.events.length - this.head <= this.deps.queueLimit / 2) {
              this.suspended = false;
              this.open();
            }
            return { value: ev, done: false };
          }
          if (this.closed) return { value: undefined, done: true };
          if (this.failure !== undefined) {
            const err = this.failure;
            this.closed = true; // throw once; later calls report done
            throw err;
          }
          await new Promise<void>((resolve) => (this.waiter = resolve));
        }
      },
      return: async (): Promise<IteratorResult<WatchEvent>> => {
        this.close();
        return { value: undefined, done: true };
      },
    };
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  private fail(err: StorageError): void {
    if (this.closed || this.failure !== undefined) return;
    this.failure = err;
    this.teardown();
    this.deps.onDone();
    this.wake();
  }

  private teardown(): void {
    this.attempt++;
    clearTimeout(this.attemptTimer);
    this.attemptTimer = undefined;
    const s = this.stream;
    this.stream = undefined;
    if (s !== undefined) {
      // end() first: etcd3 marks the host failed (resetting every channel) when a stream that is
      // still writable errors, and cancel() makes it error with CANCELLED.
      try {
        s.end();
        s.cancel();
      } catch {
        // stream already gone
      }
    }
  }

  private open(): void {
    if (this.closed || this.failure !== undefined) return;
    const attempt = ++this.attempt;
    const startRevision = this.lastRev >= 0 ? this.lastRev + 1 : undefined;
    // Bound each attempt: a stream to an unreachable etcd may sit in CONNECTING.
    this.attemptTimer = setTimeout(() => this.broken(new Error('watch creation timed out')), this.deps.createTimeoutMs);
    this.deps.openStream().then(
      (stream) => {
        if (this.closed || this.failure !== undefined || attempt !== this.attempt) {
          stream.on('error', () => undefined); // the CANCELLED that cancel() causes
          stream.end();
          stream.cancel();
          return;
        }
        this.stream = stream;
        stream.on('data', (res: IWatchResponse) => {
          if (this.stream === stream) this.onResponse(res);
        });
        stream.on('error', (err: Error) => {
          if (this.stream === stream) this.broken(err);
        });
        stream.on('end', () => {
          if (this.stream === stream) this.broken(new Error('watch stream ended'));
        });
        stream.write({
          create_request: {
            key: this.key,
            range_end: this.rangeEnd,
            prev_kv: true,
            ...(startRevision !== undefined ? { start_revision: startRevision } : {}),
          },
        });
      },
      (err: unknown) => {
        if (attempt === this.attempt) this.broken(err);
      },
    );
  }

  /** The stream (or an attempt to create one) failed: resume at the next revision, within bounds. */
  private broken(err: unknown): void {
    if (this.closed || this.failure !== undefined) return;
    this.teardown();
    // (A watch "from now" that never got created has no resume point; retrying it unpinned is
    // still "from now", as nothing was delivered yet.)
    const now = Date.now();
    if (this.resumeDeadline === 0) this.resumeDeadline = now + this.deps.resumeTimeoutMs;
    if (now >= this.resumeDeadline) {
      this.fail(unavailable(this.prefix, err));
      return;
    }
    const delay = Math.min(this.backoffMs, this.resumeDeadline - now);
    this.backoffMs = Math.min(this.backoffMs * 2, BACKOFF_MAX_MS);
    this.attemptTimer = setTimeout(() => {
      this.attemptTimer = undefined;
      this.open();
    }, delay);
  }

  private onResponse(res: IWatchResponse): void {
    const compactRev = Number(res.compact_revision);
    if (compactRev > 0) this.deps.onCompacted(compactRev);
    if (res.canceled) {
      if (compactRev > 0 && this.provisionalStart) {
        // Our idea of "now" was older than the compaction: the caller never asked for that history,
        // so start from etcd's now instead of failing.
        this.provisionalStart = false;
        this.lastRev = -1;
        this.teardown();
        this.open();
        return;
      }
      if (compactRev > 0) {
        const requested = this.lastRev >= 0 ? this.lastRev + 1 : 0;
        this.fail(expired(this.prefix, requested, compactRev));
      } else {
        this.fail(new StorageError('Internal', this.prefix, `etcd watch canceled: ${res.cancel_reason}`));
      }
      return;
    }
    if (res.created) {
      clearTimeout(this.attemptTimer);
      this.attemptTimer = undefined;
      this.resumeDeadline = 0;
      this.backoffMs = BACKOFF_MIN_MS;
      // For "from now", etcd starts right after the revision in the creation header.
      if (this.lastRev < 0) this.lastRev = Number(res.header.revision);
    }
    if (res.events.length === 0) return;
    this.provisionalStart = false;
    const floor = this.lastRev;
    let maxRev = floor;
    for (const ev of res.events) {
      const converted = convertEvent(ev);
      // Never deliver a revision twice (a resumed stream starts after `floor`; this is a guard).
      if (converted.modRevision <= floor) continue;
      this.events.push(converted);
      if (converted.modRevision > maxRev) maxRev = converted.modRevision;
    }
    this.lastRev = maxRev;
    if (this.events.length - this.head > this.deps.queueLimit) {
      this.suspended = true;
      this.teardown();
    }
    this.wake();
  }
}

function convertEvent(ev: IEvent): WatchEvent {
  const kv = ev.kv;
  const prev = ev.prev_kv ?? undefined;
  const key = kv.key.toString();
  const modRevision = Number(kv.mod_revision);
  if (ev.type === 'Delete') {
    return {
      type: 'delete',
      key,
      value: prev?.value ?? Buffer.alloc(0),
      ...(prev !== undefined ? { prevValue: prev.value } : {}),
      modRevision,
      createRevision: prev !== undefined ? Number(prev.create_revision) : 0,
      isCreate: false,
    };
  }
  const createRevision = Number(kv.create_revision);
  return {
    type: 'put',
    key,
    value: kv.value,
    ...(prev !== undefined ? { prevValue: prev.value } : {}),
    modRevision,
    createRevision,
    isCreate: createRevision === modRevision,
  };
}
