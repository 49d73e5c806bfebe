/**
 * Write -> watch-event latency under a load shape (benchmarks.md P10/P11/P12): open loop (fixed
 * rate, latency from each write's scheduled send time) or closed loop (N writes in flight for a
 * duration, latency from each write's send time). Times are wall-clock (wallMs) so watchers in
 * other processes can report them.
 */
import { pct, sleep, wallMs } from './stats';

export type Load = { kind: 'open'; rate: number; count: number } | { kind: 'closed'; concurrency: number; seconds: number };

export interface WatchLatencyResult {
  p50: number;
  p99: number;
  delivered: number;
  /** Writes that succeeded (each should be delivered). */
  expected: number;
  /** Writes that failed. */
  failed: number;
  /** The writes' own latency (same clock origin): P10's "create p50" for the embedded store's S6 goal. */
  write: { p50: number; p99: number };
  elapsedMs: number;
}

/** Starts the watcher(s); `onDelivered(name, t)` once per object, when the last watcher has it. Resolves a stop function. */
export type Subscribe = (onDelivered: (name: string, t: number) => void) => Promise<() => Promise<void>>;

const DRAIN_MS = 15_000;

export async function watchLatency(
  subscribe: Subscribe,
  load: Load,
  nameOf: (i: number) => string,
  write: (name: string) => Promise<unknown>,
  /** Runs before the clock starts (e.g. opening the client's connections). */
  warm?: () => Promise<void>,
  /** Runs when the last event arrived (or the drain timed out), before the watchers are closed. */
  drained?: () => void,
): Promise<WatchLatencyResult> {
  const scheduled = new Map<string, number>();
  const lat: number[] = [];
  const writeLat: number[] = [];
  let expected: number | undefined;
  let resolveAll: () => void = () => undefined;
  const all = new Promise<void>((r) => (resolveAll = r));
  const stop = await subscribe((name, t) => {
    const s = scheduled.get(name);
    if (s === undefined) return;
    scheduled.delete(name);
    lat.push(t - s);
    if (expected !== undefined && lat.length >= expected) resolveAll();
  });
  try {
    await sleep(300);
    await warm?.();
    const t0 = wallMs();
    let sent = 0;
    const failures: unknown[] = [];
    const timedWrite = async (name: string, at: number): Promise<void> => {
      scheduled.set(name, at);
      try {
        await write(name);
        writeLat.push(wallMs() - at);
      } catch (err) {
        // Not delivered either: counted as a failed write, not as a lost event.
        scheduled.delete(name);
        failures.push(err);
      }
    };
    if (load.kind === 'open') {
      const start = t0 + 20;
      const writes: Promise<void>[] = [];
      for (let i = 0; i < load.count; i++) {
        const at = start + (i * 1000) / load.rate;
        const wait = at - wallMs();
        if (wait > 1) await sleep(wait);
        writes.push(timedWrite(nameOf(i), at));
        sent++;
      }
      await Promise.all(writes);
    } else {
      const end = t0 + load.seconds * 1000;
      await Promise.all(
        Array.from({ length: load.concurrency }, async () => {
          while (wallMs() < end) await timedWrite(nameOf(sent++), wallMs());
        }),
      );
    }
    if (failures.length > sent / 10) throw new Error(`${failures.length}/${sent} writes failed; first: ${String(failures[0])}`);
    expected = sent - failures.length;
    if (lat.length >= expected) resolveAll();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([all, new Promise<void>((r) => (timer = setTimeout(r, DRAIN_MS)))]);
    clearTimeout(timer);
    drained?.();
    return {
      p50: pct(lat, 50),
      p99: pct(lat, 99),
      delivered: lat.length,
      expected,
      failed: failures.length,
      write: { p50: pct(writeLat, 50), p99: pct(writeLat, 99) },
      elapsedMs: wallMs() - t0,
    };
  } finally {
    await stop();
  }
}
