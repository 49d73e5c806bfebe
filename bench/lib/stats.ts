/** Percentiles and formatting shared by the API benchmarks. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function pct(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

export const median = (xs: number[]): number => pct(xs, 50);
export const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

export const fmt = (x: number, d = 0): string =>
  Number.isFinite(x) ? x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }) : 'n/a';

/** A wall clock with sub-millisecond resolution that agrees across processes on one machine. */
export const wallMs = (): number => performance.timeOrigin + performance.now();
