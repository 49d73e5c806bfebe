/**
 * The effective in-flight limit of one pool (read-only or mutating), adapted between a floor and
 * the configured flag (--max-requests-inflight / --max-mutating-requests-inflight) once per window.
 *
 * Why adapt: a fixed seat count bounds concurrency, not work. On one event loop, when the admitted
 * requests' CPU exceeds what the loop can do, every turn of the loop gets longer, and libuv accepts
 * one new connection per turn of the loop: new connections then sit in the kernel's accept queue
 * and requests in socket buffers, unseen and unmeasured, and the accepted requests' latency grows
 * to many seconds although every seat is honoured. So a saturated window (event-loop lag over its
 * target, or more than a tenth of the requests served slower than the service target) cuts the
 * limit multiplicatively from the seats in use; while the limit is binding (requests had to wait or
 * were refused) a healthy window raises it additively (AIMD, as TCP does); once demand falls below
 * the limit, it returns to the configured ceiling quickly.
 */

export interface LimitWindow {
  /** How late the window's timer fired: the event loop's delay for new work. */
  lagMs: number;
  /** Some request waited for a seat or was refused in this window. */
  binding: boolean;
  /** The most seats in use at once in the window. */
  peak: number;
  /** Requests of this pool that finished in the window, and how many of them took longer than the service target. */
  completed: number;
  slow: number;
}

/** Event-loop delay beyond which the server counts as saturated. */
export const LAG_TARGET_MS = 50;
/** Service time (seat taken to response finished) beyond which a request counts as slow. */
export const SLOW_SERVICE_MS = 500;
/** The share of slow completions that marks a window saturated. */
const SLOW_SHARE = 0.1;
const DECREASE = 0.8;

const decrease = (lagMs: number): number => Math.max(0.5, Math.min(DECREASE, LAG_TARGET_MS / Math.max(lagMs, 1)));

export function saturated(w: LimitWindow): boolean {
  return w.lagMs > LAG_TARGET_MS || (w.completed > 0 && w.slow / w.completed > SLOW_SHARE);
}

/** The floor: a twentieth of the ceiling, so a saturated server still makes progress. */
export const floorOf = (ceiling: number): number => Math.max(1, Math.ceil(ceiling / 20));

export function nextLimit(limit: number, ceiling: number, w: LimitWindow): number {
  const hot = saturated(w);
  // Cut from what is in use, not from an unused ceiling: requests still in the accept queue or in
  // socket buffers are invisible here, so a saturated loop is a reason to shed even while the
  // limit has not yet been reached.
  // The further over its target the lag, the harder the cut (down to half at once).
  if (hot) return Math.max(floorOf(ceiling), Math.floor(Math.min(limit, w.peak) * decrease(w.lagMs)));
  if (w.binding) return Math.min(ceiling, limit + Math.max(1, Math.ceil(limit * 0.05)));
  return Math.min(ceiling, limit * 2);
}
