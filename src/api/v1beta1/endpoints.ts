/**
 * v1beta1 Endpoints ⇄ v1 Endpoints. `subsets` are the same except the address key is `IP`
 * (capitalised) in v1beta1. The legacy flat fields (`protocol`, `endpoints: ["ip:port"]`,
 * `targetRefs`) are derived from subsets on the way out, and on the way in are used only when
 * `subsets` is absent (each entry becoming its own one-address subset), as 0.14 did.
 */
import type { KubeObject } from '../types';
import type { Obj } from './common';
import { API_VERSION, arr, clone, compact, metaFromV1, metaToV1, put, rec, str } from './common';

function subsetsToV1(subsets: unknown[]): unknown[] {
  return subsets.map((s) => {
    const r = rec(s);
    if (!r) return s;
    const out: Obj = {};
    for (const key of ['addresses', 'notReadyAddresses'] as const) {
      const list = arr(r[key]);
      if (list)
        out[key] = list.map((a) => {
          const ar = rec(a);
          if (!ar) return a;
          const { IP, ...rest } = ar;
          return { ...(IP !== undefined ? { ip: IP } : {}), ...clone(rest) };
        });
    }
    put(out, 'ports', clone(arr(r.ports)));
    return out;
  });
}

function legacyToSubsets(b: Obj): unknown[] {
  const refs = new Map<string, unknown>();
  for (const t of arr(b.targetRefs) ?? []) {
    const r = rec(t);
    if (r && str(r.endpoint)) refs.set(r.endpoint as string, r.targetRef);
  }
  const protocol = str(b.protocol);
  return (arr(b.endpoints) ?? []).flatMap((e) => {
    if (typeof e !== 'string') return [];
    const idx = e.lastIndexOf(':');
    const ip = idx >= 0 ? e.slice(0, idx) : e;
    const port = idx >= 0 ? Number(e.slice(idx + 1)) : NaN;
    const address: Obj = { ip };
    if (refs.has(e)) address.targetRef = clone(refs.get(e));
    return [{ addresses: [address], ports: [compact({ port: Number.isFinite(port) ? port : undefined, protocol }) ?? {}] }];
  });
}

export function endpointsToV1(b: Obj): KubeObject {
  const subsets = arr(b.subsets) ?? legacyToSubsets(b);
  const v: KubeObject = { apiVersion: 'v1', kind: 'Endpoints', metadata: metaToV1(b, false) };
  v.subsets = arr(b.subsets) ? subsetsToV1(subsets) : subsets;
  return v;
}

export function endpointsFromV1(v: KubeObject): Obj {
  const b: Obj = { kind: 'Endpoints', apiVersion: API_VERSION, ...metaFromV1(v.metadata, false) };
  const subsets = (arr(v.subsets) ?? []).map((s) => rec(s) ?? {});
  const firstPort = rec(arr(subsets[0]?.ports)?.[0]);
  const endpoints: string[] = [];
  const targetRefs: Obj[] = [];
  // Only ports named like the first port can be flattened into "ip:port" (0.14's rule).
  for (const s of subsets)
    for (const p of (arr(s.ports) ?? []).map((x) => rec(x) ?? {})) {
      if ((str(p.name) ?? '') !== (str(firstPort?.name) ?? '')) continue;
      for (const a of (arr(s.addresses) ?? []).map((x) => rec(x) ?? {})) {
        const ep = `${str(a.ip) ?? ''}:${String(p.port)}`;
        endpoints.push(ep);
        if (rec(a.targetRef)) targetRefs.push({ endpoint: ep, targetRef: clone(a.targetRef) });
      }
    }
  b.protocol = str(firstPort?.protocol) ?? 'TCP';
  b.endpoints = endpoints;
  if (targetRefs.length) b.targetRefs = targetRefs;
  b.subsets = subsets.map((s) => {
    const out: Obj = {};
    for (const key of ['addresses', 'notReadyAddresses'] as const) {
      const list = arr(s[key]);
      if (list)
        out[key] = list.map((a) => {
          const ar = rec(a);
          if (!ar) return a;
          const { ip, ...rest } = ar;
          return { ...(ip !== undefined ? { IP: ip } : {}), ...clone(rest) };
        });
    }
    put(out, 'ports', clone(arr(s.ports)));
    return out;
  });
  return b;
}
