/** Load shapes: closed loop (N in flight) for throughput, per-op latency recorded. */
import { pct } from './stats';

export interface Throughput {
  perSec: number;
  p50: number;
  p99: number;
  errors: number;
  /** The first failure's message, when any. */
  firstError?: string;
  /** Indices of the ops that failed. */
  failed: number[];
  elapsedMs: number;
}

/** `concurrency` workers issue `total` ops between them; a failed op counts as an error, not a stop. */
export async function closedLoop(total: number, concurrency: number, op: (i: number) => Promise<unknown>): Promise<Throughput> {
  const lat: number[] = [];
  let next = 0;
  let errors = 0;
  let firstError: unknown;
  const failed: number[] = [];
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(concurrency, total) }, async () => {
      for (;;) {
        const i = next++;
        if (i >= total) return;
        const s = performance.now();
        try {
          await op(i);
          lat.push(performance.now() - s);
        } catch (err) {
          errors++;
          failed.push(i);
          firstError ??= err;
        }
      }
    }),
  );
  const elapsedMs = performance.now() - t0;
  if (errors > total / 10) throw new Error(`${errors}/${total} ops failed; first: ${String(firstError)}`);
  return {
    perSec: (lat.length / elapsedMs) * 1000,
    p50: pct(lat, 50),
    p99: pct(lat, 99),
    errors,
    failed,
    elapsedMs,
    ...(firstError !== undefined ? { firstError: firstError instanceof Error ? firstError.message : String(firstError) } : {}),
  };
}

export interface OpenResult<T> {
  /** Per op: ms from its scheduled send time to completion, and its value or error. */
  done: Array<{ ms: number; value?: T; error?: unknown }>;
  /** Ops scheduled (= sent). */
  sent: number;
  elapsedMs: number;
  /** How late the load generator itself sent (p99 ms): large values mean the generator lagged. */
  sendLagP99: number;
}

/**
 * Open loop: op i is sent at t0 + i / rate whatever happened to earlier ops, and its latency is
 * taken from that scheduled time, so a stall delays the measurement of every op it held back
 * (no coordinated omission). `op` also gets that time (performance.now() clock), for callers that
 * bucket latencies by when an op was due. Resolves once every op has completed.
 */
export async function openLoop<T>(ratePerSec: number, seconds: number, op: (i: number, scheduledMs: number) => Promise<T>): Promise<OpenResult<T>> {
  const total = Math.max(1, Math.round(ratePerSec * seconds));
  const done: OpenResult<T>['done'] = [];
  const lag: number[] = [];
  const pending: Array<Promise<void>> = [];
  const t0 = performance.now() + 20;
  const at = (i: number): number => t0 + (i * 1000) / ratePerSec;
  let i = 0;
  while (i < total) {
    const now = performance.now();
    while (i < total && at(i) <= now) {
      const k = i++;
      const scheduled = at(k);
      lag.push(performance.now() - scheduled);
      pending.push(
        op(k, scheduled).then(
          (value) => void done.push({ ms: performance.now() - scheduled, value }),
          (error: unknown) => void done.push({ ms: performance.now() - scheduled, error }),
        ),
      );
    }
    if (i < total) await new Promise((r) => setTimeout(r, Math.max(0, at(i) - performance.now())));
  }
  await Promise.all(pending);
  return { done, sent: total, elapsedMs: performance.now() - t0, sendLagP99: pct(lag, 99) };
}

/** p50/p99 of the ops that succeeded; throws if more than 10% failed. */
export function openLatency<T>(r: OpenResult<T>): { p50: number; p99: number; errors: number } {
  const ok = r.done.filter((d) => d.error === undefined).map((d) => d.ms);
  const errors = r.done.length - ok.length;
  if (errors > r.sent / 10) throw new Error(`${errors}/${r.sent} ops failed; first: ${String(r.done.find((d) => d.error !== undefined)?.error)}`);
  return { p50: pct(ok, 50), p99: pct(ok, 99), errors };
}
