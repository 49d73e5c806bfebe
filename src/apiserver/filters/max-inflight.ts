/**
 * --max-requests-inflight / --max-mutating-requests-inflight: seats for non-mutating and mutating
 * requests. A request finding no free seat waits in its pool's FIFO queue at most --max-inflight-wait
 * from its arrival (its headers parsed), then is answered 429 with Retry-After: an overloaded server
 * refuses promptly rather than serving late. The effective limits adapt below the flags while the
 * server is saturated (inflight-limit.ts). Shedding happens before the body is read, and costs one
 * precomputed Status. Long-running requests (watches, logs, exec) and the health endpoints are
 * exempt, as in kube-apiserver.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errors } from '../../api/errors';
import { realClock, type Clock } from '../../client/work-queue';
import { requestInfo } from './request-info';
import type { Filter } from './filter';
import { SLOW_SERVICE_MS, nextLimit } from './inflight-limit';

export interface InflightLimits {
  /** Non-mutating requests in flight; 0 = unlimited. */
  readOnly: number;
  /** Mutating requests in flight; 0 = unlimited. */
  mutating: number;
  /** How long a request may wait for a seat, from its arrival; 0 = refused at once when none is free. */
  maxWaitMs?: number;
  /** Lower the effective limits while saturated (default true); false keeps them at the flags. */
  adaptive?: boolean;
  clock?: Clock;
  /** The adaptation window (default 100 ms). */
  windowMs?: number;
}


export interface InflightFilter {
  /** Runs before express in the server (shedding must not pay for routing), or as middleware. */
  handler: Filter;
  /** Effective limits and occupancy, for metrics and tests. */
  state(): { readOnly: PoolState; mutating: PoolState };
  stop(): void;
}

export interface PoolState {
  limit: number;
  inUse: number;
  waiting: number;
}

export const DEFAULT_MAX_WAIT_MS = 250;
const HEALTH = /^\/(healthz|livez|readyz)(\/|\?|$)/;
const RETRY_AFTER_SECONDS = 1;

interface Waiter {
  arrived: number;
  res: ServerResponse;
  admit(): void;
  gone: boolean;
}

class Pool {
  limit: number;
  inUse = 0;
  /** FIFO of waiters; `head` indexes the oldest, so taking one is O(1). */
  private queue: Waiter[] = [];
  private head = 0;
  binding = false;
  /** Requests on connections new in this window, and their sum over the windows in a row that had some. */
  fresh = 0;
  arriving = 0;
  /** Waiters were refused for waiting too long in this window / the last one. */
  expired = false;
  standing = false;
  peak = 0;
  completed = 0;
  slow = 0;

  constructor(
    readonly ceiling: number,
    private readonly clock: Clock,
    private readonly maxWaitMs: number,
    private readonly reject: (res: ServerResponse) => void,
  ) {
    this.limit = ceiling;
  }

  get waiting(): number {
    return this.queue.length - this.head;
  }

  /** A seat now, a place in the queue, or 429 when the queue is full or waiting is off. */
  enter(arrived: number, res: ServerResponse, admit: () => void): void {
    if (this.inUse < this.limit && this.waiting === 0) {
      this.take(res, admit);
      return;
    }
    this.binding = true;
    // The queue holds at most a ceiling's worth: beyond that no one could be served within the wait.
    // It absorbs bursts; a standing queue (waiters refused for waiting too long in the last window)
    // only adds its wait to every request served, so then a request without a seat is refused at once.
    if (this.maxWaitMs <= 0 || this.standing || this.waiting >= this.ceiling) {
      this.reject(res);
      return;
    }
    const w: Waiter = { arrived, res, admit, gone: false };
    this.queue.push(w);
    res.once('close', () => (w.gone = true));
  }

  private take(res: ServerResponse, admit: () => void): void {
    this.inUse++;
    if (this.inUse > this.peak) this.peak = this.inUse;
    const started = this.clock.now();
    let done = false;
    const release = (): void => {
      if (done) return;
      done = true;
      this.inUse--;
      this.completed++;
      if (this.clock.now() - started > SLOW_SERVICE_MS) this.slow++;
      this.drain();
    };
    res.once('finish', release);
    res.once('close', release);
    admit();
  }

  /** Seats freed or the limit raised: admit the oldest waiters still within their wait. */
  drain(): void {
    const now = this.clock.now();
    while (this.waiting > 0 && this.inUse < this.limit) {
      const w = this.shift();
      if (w.gone) continue;
      if (now - w.arrived > this.maxWaitMs) this.timeOut(w.res);
      else this.take(w.res, w.admit);
    }
    this.expire(now);
  }

  /** Refuse the waiters whose wait is over (the oldest are at the head). */
  expire(now: number): void {
    while (this.waiting > 0) {
      const w = this.queue[this.head]!;
      if (!w.gone && now - w.arrived <= this.maxWaitMs) break;
      this.shift();
      if (!w.gone) this.timeOut(w.res);
    }
  }

  private timeOut(res: ServerResponse): void {
    this.expired = true;
    this.reject(res);
  }

  private shift(): Waiter {
    const w = this.queue[this.head]!;
    this.head++;
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    return w;
  }
}

/** One Status for every refusal: shedding must stay cheap while the server is overloaded. */
const TOO_MANY = Buffer.from(JSON.stringify(errors.tooManyRequests(RETRY_AFTER_SECONDS).status));

function tooManyRequests(res: ServerResponse): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(429, { 'Content-Type': 'application/json', 'Content-Length': String(TOO_MANY.length), 'Retry-After': String(RETRY_AFTER_SECONDS) });
  res.end(TOO_MANY);
}

export function maxInflight(limits: InflightLimits, onReject?: (mutating: boolean) => void): InflightFilter {
  const clock = limits.clock ?? realClock;
  const maxWaitMs = limits.maxWaitMs ?? DEFAULT_MAX_WAIT_MS;
  const windowMs = limits.windowMs ?? 100;
  const refuse = (mutating: boolean) => (res: ServerResponse) => {
    onReject?.(mutating);
    tooManyRequests(res);
  };
  const pools = {
    readOnly: limits.readOnly > 0 ? new Pool(limits.readOnly, clock, maxWaitMs, refuse(false)) : undefined,
    mutating: limits.mutating > 0 ? new Pool(limits.mutating, clock, maxWaitMs, refuse(true)) : undefined,
  };

  // One timer per window: it measures the event loop's delay (how late it fires), refuses the
  // waiters whose wait is over, and adapts the limits.
  let timer: { cancel(): void } | undefined;
  let due = 0;
  const tick = (): void => {
    const now = clock.now();
    const lagMs = Math.max(0, now - due);
    for (const p of [pools.readOnly, pools.mutating]) {
      if (!p) continue;
      p.arriving = p.fresh > 0 ? p.arriving + p.fresh : 0;
      p.fresh = 0;
      if (limits.adaptive !== false)
        p.limit = nextLimit(p.limit, p.ceiling, { lagMs, binding: p.binding, arriving: p.arriving, peak: p.peak, completed: p.completed, slow: p.slow });
      // A standing queue lasts while requests keep finding no seat.
      p.standing = p.expired || (p.standing && p.binding);
      p.expired = false;
      p.binding = p.waiting > 0;
      p.peak = p.inUse;
      p.completed = 0;
      p.slow = 0;
      p.drain();
    }
    arm();
  };
  const arm = (): void => {
    due = clock.now() + windowMs;
    timer = clock.setTimeout(tick, windowMs);
  };
  if (pools.readOnly || pools.mutating) arm();

  /** Connections that have brought a request before (to count the new ones). */
  const seen = new WeakSet<object>();
  const handler: Filter = (req, res, next) => {
    const arrived = clock.now();
    const info = requestInfo(req);
    if (info.longRunning || exempt(req)) return next();
    const pool = info.mutating ? pools.mutating : pools.readOnly;
    if (!pool) return next();
    if (!seen.has(req.socket)) {
      seen.add(req.socket);
      pool.fresh++;
    }
    pool.enter(arrived, res, () => next());
  };
  const state = (p: Pool | undefined): PoolState => ({ limit: p?.limit ?? 0, inUse: p?.inUse ?? 0, waiting: p?.waiting ?? 0 });
  return {
    handler,
    state: () => ({ readOnly: state(pools.readOnly), mutating: state(pools.mutating) }),
    stop: () => {
      timer?.cancel();
      timer = undefined;
    },
  };
}

/** The health endpoints are never shed: a load balancer must see an overloaded server as alive. */
function exempt(req: IncomingMessage): boolean {
  return HEALTH.test(req.url ?? '');
}
