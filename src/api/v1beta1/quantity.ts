/**
 * Resource amounts. v1beta1 (0.14) wrote resource lists as int-or-string: cpu as decimal cores
 * ("0.25") and memory as integer bytes; the legacy container fields `cpu` (millicores) and `memory`
 * (bytes) are integers. v1 uses Quantity strings ("250m", "128Mi").
 */
import type { Obj } from './common';
import { rec } from './common';
import { QUANTITY_SUFFIX, parseQuantity } from '../quantity';

export { parseQuantity };
const SUFFIX = QUANTITY_SUFFIX;

/** Millicores → v1 cpu quantity ("1", "250m"). */
export function cpuQuantity(milli: number): string {
  const m = Math.round(milli);
  return m % 1000 === 0 ? String(m / 1000) : `${m}m`;
}

/** Bytes → v1 memory quantity, in the largest exact binary or decimal unit ("128Mi", "1G", "500"). */
export function memoryQuantity(bytes: number): string {
  const b = Math.round(bytes);
  if (b === 0) return '0';
  for (const s of ['Ei', 'Pi', 'Ti', 'Gi', 'Mi', 'Ki']) if (b % SUFFIX[s]! === 0) return `${b / SUFFIX[s]!}${s}`;
  for (const s of ['E', 'P', 'T', 'G', 'M', 'k']) if (b % SUFFIX[s]! === 0) return `${b / SUFFIX[s]!}${s}`;
  return String(b);
}

/** Millicores → v1beta1 decimal cores string ("0.25"). */
export function coresString(milli: number): string {
  return String(Math.round(milli) / 1000);
}

/** A v1beta1 resource list → v1 quantities. Values that do not parse are passed through for v1 validation to report. */
export function resourceListToV1(v: unknown): Obj | undefined {
  const r = rec(v);
  if (!r) return undefined;
  const out: Obj = {};
  for (const [k, val] of Object.entries(r)) {
    const n = parseQuantity(val);
    if (n === undefined) out[k] = val;
    else if (k === 'cpu') out[k] = cpuQuantity(n * 1000);
    else if (k === 'memory') out[k] = memoryQuantity(n);
    else out[k] = typeof val === 'number' ? String(val) : val;
  }
  return out;
}

/** v1 quantities → a v1beta1 resource list (cpu decimal cores string, memory integer bytes). */
export function resourceListFromV1(v: unknown): Obj | undefined {
  const r = rec(v);
  if (!r) return undefined;
  const out: Obj = {};
  for (const [k, val] of Object.entries(r)) {
    const n = parseQuantity(val);
    if (n === undefined) out[k] = val;
    else if (k === 'cpu') out[k] = coresString(n * 1000);
    else if (k === 'memory') out[k] = Math.round(n);
    else out[k] = val;
  }
  return out;
}
