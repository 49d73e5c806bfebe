/**
 * v1beta1's defaulting, applied to v1beta1 input before conversion, where it differs from v1's or
 * where the 0.14 answer showed it: image pull policy by tag (an untagged image is IfNotPresent in
 * v1beta1, Always in v1 — the difference that must be kept explicit), restart policy `always`,
 * `ClusterFirst` DNS, TCP ports, probe timeout 1 s, the termination message path, emptyDir for a
 * volume without source, service session affinity `None`.
 */
import type { Obj } from './common';
import { arr, clone, num, rec, str } from './common';

function imageTag(image: string): string | undefined {
  const lastSegment = image.slice(image.lastIndexOf('/') + 1).split('@')[0]!;
  const i = lastSegment.indexOf(':');
  return i >= 0 ? lastSegment.slice(i + 1) : undefined;
}

function defaultManifest(m: Obj): void {
  const rp = rec(m.restartPolicy);
  if (!rp || Object.keys(rp).length === 0) m.restartPolicy = { always: {} };
  if (!str(m.dnsPolicy)) m.dnsPolicy = 'ClusterFirst';
  for (const v of arr(m.volumes) ?? []) {
    const vol = rec(v);
    if (vol && (!rec(vol.source) || Object.keys(rec(vol.source)!).length === 0)) vol.source = { emptyDir: {} };
  }
  for (const c of arr(m.containers) ?? []) {
    const ct = rec(c);
    if (!ct) continue;
    if (!str(ct.imagePullPolicy)) {
      const image = str(ct.image);
      if (image !== undefined) ct.imagePullPolicy = imageTag(image) === 'latest' ? 'PullAlways' : 'PullIfNotPresent';
    }
    if (!str(ct.terminationMessagePath)) ct.terminationMessagePath = '/dev/termination-log';
    for (const p of arr(ct.ports) ?? []) {
      const port = rec(p);
      if (port && !str(port.protocol)) port.protocol = 'TCP';
    }
    for (const k of ['livenessProbe', 'readinessProbe']) {
      const probe = rec(ct[k]);
      if (probe && !num(probe.timeoutSeconds)) probe.timeoutSeconds = 1;
    }
  }
}

/** Returns a defaulted copy; `kind` is the v1beta1 or v1 kind. */
export function applyDefaults(kind: string, obj: Obj): Obj {
  const b = clone(obj);
  if (kind === 'Pod') {
    const m = rec(rec(b.desiredState)?.manifest);
    if (m) defaultManifest(m);
  } else if (kind === 'ReplicationController') {
    const m = rec(rec(rec(rec(b.desiredState)?.podTemplate)?.desiredState)?.manifest);
    if (m) defaultManifest(m);
  } else if (kind === 'Service') {
    if (!str(b.protocol) && !arr(b.ports)) b.protocol = 'TCP';
    if (!str(b.sessionAffinity)) b.sessionAffinity = 'None';
  }
  return b;
}
