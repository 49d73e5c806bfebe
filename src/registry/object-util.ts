/** Small helpers on plain JSON objects used throughout the registry. */
import type { KubeObject, ObjectMeta } from '../api/types';
import { isRecord } from '../api/types';

/**
 * Deep copy of a decoded JSON value (plain objects, arrays, primitives; `undefined` members are
 * kept). Several times faster than structuredClone, which the create path paid on every request.
 */
export function clone<T>(v: T): T {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) {
    const out = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = clone(v[i] as unknown);
    return out as T;
  }
  const out: Record<string, unknown> = {};
  for (const k in v) {
    if (!Object.prototype.hasOwnProperty.call(v, k)) continue;
    const x = clone((v as Record<string, unknown>)[k]);
    // JSON.parse makes "__proto__" an own key; plain assignment would set the prototype instead.
    if (k === '__proto__') Object.defineProperty(out, k, { value: x, enumerable: true, writable: true, configurable: true });
    else out[k] = x;
  }
  return out as T;
}

/** Structural equality of JSON values (key order ignored). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => deepEqual(x, b[i]));
  }
  if (isRecord(a) && isRecord(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    if (ka.length !== kb.length) return false;
    return ka.every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}

export function rec(obj: KubeObject, field: string): Record<string, unknown> {
  const v = obj[field];
  if (isRecord(v)) return v;
  const r: Record<string, unknown> = {};
  obj[field] = r;
  return r;
}

export function getRec(v: unknown, field: string): Record<string, unknown> | undefined {
  if (!isRecord(v)) return undefined;
  const r = v[field];
  return isRecord(r) ? r : undefined;
}

export function getArr(v: unknown, field: string): unknown[] {
  if (!isRecord(v)) return [];
  const r = v[field];
  return Array.isArray(r) ? r : [];
}

export function getStr(v: unknown, field: string): string | undefined {
  if (!isRecord(v)) return undefined;
  const r = v[field];
  return typeof r === 'string' ? r : undefined;
}

/** kube's timestamps: RFC 3339, second precision, UTC. */
export function nowRfc3339(offsetSeconds = 0): string {
  return new Date(Math.floor(Date.now() / 1000) * 1000 + offsetSeconds * 1000).toISOString().replace('.000Z', 'Z');
}

const NAME_CHARS = 'bcdfghjklmnpqrstvwxz2456789';

/** kube's SimpleNameGenerator: base (cut to 58 chars) + 5 random chars from an unambiguous alphabet. */
export function generateName(base: string): string {
  const b = base.length > 58 ? base.slice(0, 58) : base;
  let s = '';
  for (let i = 0; i < 5; i++) s += NAME_CHARS[Math.floor(Math.random() * NAME_CHARS.length)];
  return b + s;
}

/** kubernetes-types marks server-set metadata readonly; the registry is the one place that sets it. */
export type MutableMeta = { -readonly [K in keyof ObjectMeta]: ObjectMeta[K] };

export function metaOf(obj: KubeObject): MutableMeta {
  if (!isRecord(obj.metadata)) obj.metadata = {};
  return obj.metadata as MutableMeta;
}

/** Split a Kubernetes field path (`spec.containers[0].foo`) into keys and indices. */
function pathParts(path: string): (string | number)[] {
  const parts: (string | number)[] = [];
  for (const seg of path.split('.')) {
    const m = /^([^[\]]*)((?:\[\d+\])*)$/.exec(seg);
    if (!m) return [];
    if (m[1]) parts.push(m[1]);
    for (const idx of m[2]!.matchAll(/\[(\d+)\]/g)) parts.push(Number(idx[1]));
  }
  return parts;
}

/**
 * Drop fields the schema does not know (kube's decoder never keeps them: Go structs have no place
 * for them), so Warn / Ignore store the same object kube would.
 */
export function pruneFields(obj: unknown, paths: string[]): void {
  for (const p of paths) {
    const parts = pathParts(p);
    if (parts.length === 0) continue;
    let cur: unknown = obj;
    for (const part of parts.slice(0, -1)) {
      cur = typeof part === 'number' ? (Array.isArray(cur) ? cur[part] : undefined) : isRecord(cur) ? cur[part] : undefined;
    }
    const last = parts[parts.length - 1]!;
    if (typeof last === 'string' && isRecord(cur)) delete cur[last];
  }
}

/** A client-supplied value as text for an error message; never throws (unlike String() on {toString: false}). */
export function describeValue(v: unknown): string {
  if (typeof v === 'string') return v;
  try {
    return JSON.stringify(v) ?? typeof v;
  } catch {
    return typeof v;
  }
}
