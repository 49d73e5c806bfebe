/** Load shapes: closed loop (N in flight) for throughput, per-op latency recorded. */
import { pct } from './stats';

export interface Throughput {
  perSec: number;
  p50: number;
  p99: number;
  errors: number;
  elapsedMs: number;
}

/** `concurrency` workers issue `total` ops between them; a failed op counts as an error, not a stop. */
export async function closedLoop(total: number, concurrency: number, op: (i: number) => Promise<unknown>): Promise<Throughput> {
  const lat: number[] = [];
  let next = 0;
  let errors = 0;
  let firstError: unknown;
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
          firstError ??= err;
        }
      }
    }),
  );
  const elapsedMs = performance.now() - t0;
  if (errors > total / 10) throw new Error(`${errors}/${total} ops failed; first: ${String(firstError)}`);
  return { perSec: (lat.length / elapsedMs) * 1000, p50: pct(lat, 50), p99: pct(lat, 99), errors, elapsedMs };
}
