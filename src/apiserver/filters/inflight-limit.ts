/**
 * The effective in-flight limit of one pool (read-only or mutating), adapted between a floor and
 * the configured flag (--max-requests-inflight / --max-mutating-requests-inflight) once per window.
 *
 * Why adapt: a fixed seat count bounds concurrency, not work. On one event loop, when the admitted
 * requests' CPU exceeds what the loop can do, every turn of the loop gets longer, and libuv accepts
 * one new connection per turn of the loop: new connections then sit in the kernel's accept queue
 * and requests in socket buffers, unseen and unmeasured, and the accepted requests' latency grows
 * to many seconds although every seat is honoured. So a saturated window cuts the limit
 * multiplicatively (see nextLimit for what counts), any other one with requests waiting for seats
 * raises it additively (AIMD, as TCP does), and once demand falls below the limit and the loop
 * keeps up it returns to the configured ceiling quickly.
 */

export interface LimitWindow {
  /** How late the window's timer fired: the event loop's delay for new work. */
  lagMs: number;
  /** Some request waited for a seat or was refused in this window. */
  binding: boolean;
  /**
   * New connections that brought requests in the windows in a row (this one included) that had
   * some: clients opening connections because all theirs are busy. A closed-loop client opens its
   * few once; an open-loop stream of clients that the server does not keep up with, without end.
   */
  arriving: number;
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

/** New connections in a row, as a share of the ceiling, that mark an open-loop stream of clients rather than a few warming up. */
export const arrivingLimit = (ceiling: number): number => Math.ceil(ceiling / 2);

const lagging = (w: LimitWindow): boolean => w.lagMs > LAG_TARGET_MS;
const slowService = (w: LimitWindow): boolean => w.completed > 0 && w.slow / w.completed > SLOW_SHARE;

/** The floor: a twentieth of the ceiling, so a saturated server still makes progress. */
export const floorOf = (ceiling: number): number => Math.max(1, Math.ceil(ceiling / 20));

export function nextLimit(limit: number, ceiling: number, w: LimitWindow): number {
  // What calls for shedding: the loop lagging while new connections keep coming (their requests
  // queue unseen in the accept queue, as libuv takes one connection per turn, and answering sooner
  // frees clients' connections instead), or slow service with requests waiting for seats. A server
  // merely slowed (a busy machine, a GC pause) serving a fixed set of connections keeps its seats,
  // so closed-loop clients don't see 429 for it. The further over its target the lag, the harder
  // the cut (down to half at once), from the seats in use rather than an unused ceiling.
  const shed = (lagging(w) && w.arriving >= arrivingLimit(ceiling)) || (slowService(w) && w.binding);
  if (shed) return Math.max(floorOf(ceiling), Math.floor(Math.min(limit, w.peak) * decrease(w.lagMs)));
  // Probe upwards while demand presses on the limit (a sawtooth, as TCP's window), by one seat a
  // window while the loop lags; with free seats and a loop keeping up, go back to the flag.
  const hot = lagging(w) || slowService(w);
  if (w.binding) return Math.min(ceiling, limit + (hot ? 1 : Math.max(1, Math.ceil(limit * 0.05))));
  if (hot) return limit;
  return Math.min(ceiling, limit * 2);
}
