/**
 * Building blocks shared by the per-kind v1beta1 ⇄ v1 converters: the flattened v1beta1 envelope
 * (`id`, `namespace`, integer `resourceVersion`, …) versus v1 `metadata`, small typed readers for
 * untyped JSON, and the annotation that keeps v1beta1-only fields inside the stored v1 object.
 */
import type { ObjectMeta } from 'kubernetes-types/meta/v1';
import { isRecord } from '../types';

export type Obj = Record<string, unknown>;

export const API_VERSION = 'v1beta1';

/** Holds (as JSON) the fields of a v1beta1 object that v1 cannot express, so v1 clients do not lose them. */
export const V1BETA1_FIELDS_ANNOTATION = 'km.k8s.io/v1beta1-fields';

export const rec = (v: unknown): Obj | undefined => (isRecord(v) ? v : undefined);
export const arr = (v: unknown): unknown[] | undefined => (Array.isArray(v) ? v : undefined);
export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
export const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
export const bool = (v: unknown): boolean | undefined => (typeof v === 'boolean' ? v : undefined);
export const strMap = (v: unknown): Record<string, string> | undefined => {
  const r = rec(v);
  if (!r) return undefined;
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(r)) if (typeof val === 'string') out[k] = val;
  return out;
};

/** Copy `value` into `target[key]` unless it is undefined (keeps converted objects free of noise keys). */
export function put(target: Obj, key: string, value: unknown): void {
  if (value !== undefined) target[key] = value;
}

/** Drop keys whose value is undefined, and return undefined for an object that ends up empty. */
export function compact(o: Obj): Obj | undefined {
  const out: Obj = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return Object.keys(out).length ? out : undefined;
}

export const clone = <T>(v: T): T => (v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T));

/**
 * An int-or-string port: v1beta1 accepted numbers written as strings ("8081") and the 0.14 kubelet
 * parsed them; modern v1 validation rejects an all-digit port *name*, so such strings become numbers.
 */
export function portToV1(v: unknown): unknown {
  if (typeof v === 'string' && /^[0-9]+$/.test(v)) return Number(v);
  return v;
}

/** The v1beta1 `resourceVersion` is an integer; v1's is an opaque decimal string of the same revision. */
export function rvToV1(v: unknown): string | undefined {
  if (typeof v === 'number' && Number.isInteger(v) && v > 0) return String(v);
  if (typeof v === 'string' && /^[1-9][0-9]*$/.test(v)) return v;
  return undefined;
}

export function rvFromV1(v: unknown): number | undefined {
  if (typeof v !== 'string' || !/^[0-9]+$/.test(v)) return undefined;
  const n = Number(v);
  return n > 0 ? n : undefined;
}

/**
 * v1beta1 envelope → v1 metadata. `selfLink` is dropped (v1 no longer stores it; responses get a
 * v1beta1 one computed from the URL layout). `labels` only exists on some kinds, hence the flag.
 */
export function metaToV1(b: Obj, withLabels: boolean): ObjectMeta {
  const m: ObjectMeta = {};
  put(m as Obj, 'name', str(b.id));
  put(m as Obj, 'generateName', str(b.generateName));
  put(m as Obj, 'namespace', str(b.namespace));
  put(m as Obj, 'uid', str(b.uid));
  put(m as Obj, 'resourceVersion', rvToV1(b.resourceVersion));
  put(m as Obj, 'creationTimestamp', str(b.creationTimestamp));
  put(m as Obj, 'deletionTimestamp', str(b.deletionTimestamp));
  if (withLabels) put(m as Obj, 'labels', clone(strMap(b.labels)));
  const ann = strMap(b.annotations);
  if (ann && Object.keys(ann).length) m.annotations = { ...ann };
  return m;
}

/** v1 metadata → the v1beta1 envelope fields (in 0.14's key order), without kind/apiVersion/selfLink. */
export function metaFromV1(meta: ObjectMeta | undefined, withLabels: boolean): Obj {
  const m: Obj = (meta ?? {}) as Obj;
  const b: Obj = {};
  put(b, 'id', str(m.name));
  put(b, 'uid', str(m.uid));
  put(b, 'creationTimestamp', str(m.creationTimestamp));
  put(b, 'resourceVersion', rvFromV1(m.resourceVersion));
  put(b, 'namespace', str(m.namespace) || undefined);
  put(b, 'generateName', str(m.generateName));
  put(b, 'deletionTimestamp', str(m.deletionTimestamp));
  const ann = { ...(strMap(m.annotations) ?? {}) };
  delete ann[V1BETA1_FIELDS_ANNOTATION];
  if (Object.keys(ann).length) b.annotations = ann;
  if (withLabels) put(b, 'labels', clone(strMap(m.labels)));
  return b;
}

/** Read the v1beta1-only fields kept in a v1 object's annotation (malformed JSON counts as none). */
export function readExtras(meta: ObjectMeta | undefined): Obj | undefined {
  const raw = meta?.annotations?.[V1BETA1_FIELDS_ANNOTATION];
  if (!raw) return undefined;
  try {
    return rec(JSON.parse(raw));
  } catch {
    return undefined;
  }
}

/** Store v1beta1-only fields on the v1 object (or remove a stale annotation when there are none). */
export function writeExtras(v: { metadata?: ObjectMeta }, extras: Obj | undefined): void {
  const meta = (v.metadata ??= {});
  const ann = { ...(meta.annotations ?? {}) };
  if (extras && Object.keys(extras).length) ann[V1BETA1_FIELDS_ANNOTATION] = stableStringify(extras);
  else delete ann[V1BETA1_FIELDS_ANNOTATION];
  if (Object.keys(ann).length) meta.annotations = ann;
  else delete meta.annotations;
}

/** JSON with sorted object keys, so the same extras always produce the same annotation text. */
export function stableStringify(v: unknown): string {
  const sort = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(sort);
    if (isRecord(x)) {
      const out: Obj = {};
      for (const k of Object.keys(x).sort()) out[k] = sort(x[k]);
      return out;
    }
    return x;
  };
  return JSON.stringify(sort(v));
}

/**
 * Merge kept v1beta1-only fields back into a converted v1beta1 object. Only fills in where the
 * structure still exists (a v1 client may have removed the container a field belonged to), matches
 * array elements by `name` when they have one, and lets a v1 edit win: a kept leaf only replaces an
 * existing value when it is the same number spelled as a string (the "8081" port case).
 */
export function mergeExtras(target: Obj, extras: Obj): void {
  for (const [k, ev] of Object.entries(extras)) {
    const tv = target[k];
    if (isRecord(ev)) {
      if (isRecord(tv)) mergeExtras(tv, ev);
      else if (tv === undefined) target[k] = clone(ev);
    } else if (Array.isArray(ev)) {
      if (!Array.isArray(tv)) continue;
      ev.forEach((e, i) => {
        if (!isRecord(e)) return;
        const name = str(e.name);
        const t = name !== undefined ? tv.find((x) => isRecord(x) && x.name === name) : tv[i];
        if (isRecord(t)) mergeExtras(t, e);
      });
    } else if (tv === undefined) {
      target[k] = ev;
    } else if (typeof ev === 'string' && typeof tv === 'number' && String(tv) === ev) {
      target[k] = ev;
    }
  }
}

/** Deep structural equality of JSON values (key order ignored). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  if (isRecord(a) && isRecord(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => jsonEqual(a[k], b[k]));
  }
  return false;
}
