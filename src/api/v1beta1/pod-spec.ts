/**
 * The pod description shared by Pod and ReplicationController templates: v1beta1 `desiredState`
 * (`manifest` + `host`) plus the top-level `nodeSelector` / `serviceAccount` ⇄ v1 PodSpec.
 * The manifest's own `version`/`id`/`uuid` are not kept — 0.14 dropped them and echoed "v1beta2".
 */
import type { Obj } from './common';
import { arr, bool, clone, put, rec, str } from './common';
import { containerFromV1, containerToV1 } from './container';
import { volumeFromV1, volumeToV1 } from './volume';

/** The manifest version the 0.14 server echoed whatever the client sent. */
export const ECHOED_MANIFEST_VERSION = 'v1beta2';
export const SUPPORTED_MANIFEST_VERSIONS = ['v1beta1', 'v1beta2'];

const RESTART_TO_V1: Record<string, string> = { always: 'Always', onFailure: 'OnFailure', never: 'Never' };
const RESTART_FROM_V1: Record<string, string> = { Always: 'always', OnFailure: 'onFailure', Never: 'never' };

export function restartPolicyToV1(p: unknown): string | undefined {
  const r = rec(p);
  if (!r) return undefined;
  const keys = Object.keys(r).filter((k) => RESTART_TO_V1[k]);
  return keys.length === 1 ? RESTART_TO_V1[keys[0]!] : undefined;
}

export interface PodParts {
  desiredState?: unknown;
  nodeSelector?: unknown;
  serviceAccount?: unknown;
}

/** → { spec, extras } where extras is shaped like the v1beta1 object (`{desiredState:{manifest:{containers:[…]}}}`). */
export function podSpecToV1(parts: PodParts): { spec: Obj; extras?: Obj } {
  const ds = rec(parts.desiredState) ?? {};
  const m = rec(ds.manifest) ?? {};
  const spec: Obj = {};
  const containerExtras: Obj[] = [];
  const containers = arr(m.containers);
  if (containers)
    spec.containers = containers.map((c) => {
      if (!rec(c)) return c;
      const conv = containerToV1(rec(c)!);
      if (conv.extras) containerExtras.push(conv.extras);
      return conv.v1;
    });
  const volumes = arr(m.volumes);
  if (volumes) spec.volumes = volumes.map((v) => (rec(v) ? volumeToV1(rec(v)!) : v));
  put(spec, 'restartPolicy', restartPolicyToV1(m.restartPolicy));
  put(spec, 'dnsPolicy', str(m.dnsPolicy));
  put(spec, 'hostNetwork', bool(m.hostNetwork));
  put(spec, 'nodeName', str(ds.host) || undefined);
  put(spec, 'nodeSelector', clone(rec(parts.nodeSelector)));
  put(spec, 'serviceAccountName', str(parts.serviceAccount) || undefined);
  const extras = containerExtras.length ? { desiredState: { manifest: { containers: containerExtras } } } : undefined;
  return { spec, extras };
}

export function podSpecFromV1(spec: Obj | undefined): { desiredState: Obj; nodeSelector?: Obj; serviceAccount?: string } {
  const s = spec ?? {};
  const manifest: Obj = { version: ECHOED_MANIFEST_VERSION, id: '' };
  const volumes = arr(s.volumes);
  manifest.volumes = volumes ? volumes.map((v) => (rec(v) ? volumeFromV1(rec(v)!) : v)) : null;
  const containers = arr(s.containers);
  manifest.containers = containers ? containers.map((c) => (rec(c) ? containerFromV1(rec(c)!) : c)) : null;
  const rp = str(s.restartPolicy);
  manifest.restartPolicy = rp && RESTART_FROM_V1[rp] ? { [RESTART_FROM_V1[rp]!]: {} } : {};
  put(manifest, 'dnsPolicy', str(s.dnsPolicy));
  put(manifest, 'hostNetwork', bool(s.hostNetwork));
  const desiredState: Obj = { manifest };
  put(desiredState, 'host', str(s.nodeName) || undefined);
  return { desiredState, nodeSelector: clone(rec(s.nodeSelector)), serviceAccount: str(s.serviceAccountName) || undefined };
}
