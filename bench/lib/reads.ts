/**
 * Read sandwiches: `inner` timed calls of the raw twin, then of each API variant, then of the raw
 * twin again, `reps` times (benchmarks.md §1). Variants share the twin (e.g. LIST consistent and
 * LIST resourceVersion=0 against one range).
 */
import type { Rep } from './ctx';
import { pct } from './stats';

export interface Timings {
  p50: number;
  p99: number;
  ms: number[];
}

const timings = (ms: number[]): Timings => ({ p50: pct(ms, 50), p99: pct(ms, 99), ms });

async function timeOp(inner: number, op: (i: number) => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < inner; i++) {
    const t = performance.now();
    await op(i);
    out.push(performance.now() - t);
  }
  return out;
}

/** One Rep list per API variant, in the order given. */
export async function readSandwich(
  reps: number,
  inner: number,
  raw: (i: number) => Promise<unknown>,
  apis: Array<(i: number) => Promise<unknown>>,
): Promise<Array<Array<Rep<Timings>>>> {
  const out: Array<Array<Rep<Timings>>> = apis.map(() => []);
  for (let k = 0; k < reps; k++) {
    const raw1 = timings(await timeOp(inner, raw));
    const api: Timings[] = [];
    for (const op of apis) api.push(timings(await timeOp(inner, op)));
    const raw2 = timings(await timeOp(inner, raw));
    api.forEach((a, v) => out[v]!.push({ api: a, raw1, raw2 }));
  }
  return out;
}
