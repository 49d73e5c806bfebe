/**
 * v1beta1 Container ⇄ v1 Container. Differences: `command` is v1 `args` and `entrypoint` [0.15+] is v1
 * `command` (v1beta1's command replaced the image's CMD); `privileged`/`capabilities` live in v1's
 * securityContext; legacy `cpu` (millicores) / `memory` (bytes) fold into resources.limits; image pull
 * policy words carry a `Pull` prefix; probe ports may be numeric strings.
 * `toV1` also returns the v1beta1-only bits of the container (for the extras annotation).
 */
import type { Obj } from './common';
import { arr, bool, clone, compact, num, portToV1, put, rec, str } from './common';
import { cpuQuantity, memoryQuantity, parseQuantity, resourceListFromV1, resourceListToV1 } from './quantity';

const PULL_TO_V1: Record<string, string> = { PullAlways: 'Always', PullNever: 'Never', PullIfNotPresent: 'IfNotPresent' };
const PULL_FROM_V1: Record<string, string> = { Always: 'PullAlways', Never: 'PullNever', IfNotPresent: 'PullIfNotPresent' };

/** A handler (probe action or lifecycle hook); numeric-string ports become numbers, remembered in `extras`. */
function handlerToV1(h: Obj, extras: Obj): Obj {
  const out: Obj = {};
  const exec = rec(h.exec);
  if (exec) out.exec = clone(exec);
  for (const k of ['httpGet', 'tcpSocket'] as const) {
    const a = rec(h[k]);
    if (!a) continue;
    const conv = clone(a);
    if (a.port !== undefined) {
      conv.port = portToV1(a.port);
      if (conv.port !== a.port) extras[k] = { port: a.port };
    }
    out[k] = conv;
  }
  return out;
}

function handlerFromV1(h: Obj): Obj {
  const out: Obj = {};
  for (const k of ['exec', 'httpGet', 'tcpSocket'] as const) if (rec(h[k])) out[k] = clone(h[k]);
  return out;
}

function probeToV1(p: unknown, extras: Obj): Obj | undefined {
  const probe = rec(p);
  if (!probe) return undefined;
  const ex: Obj = {};
  const out = handlerToV1(probe, ex);
  put(out, 'initialDelaySeconds', num(probe.initialDelaySeconds));
  put(out, 'timeoutSeconds', num(probe.timeoutSeconds));
  if (Object.keys(ex).length) Object.assign(extras, ex);
  return out;
}

function probeFromV1(p: unknown): Obj | undefined {
  const probe = rec(p);
  if (!probe) return undefined;
  const out = handlerFromV1(probe);
  put(out, 'initialDelaySeconds', num(probe.initialDelaySeconds));
  put(out, 'timeoutSeconds', num(probe.timeoutSeconds));
  return out;
}

function lifecycleToV1(l: unknown, extras: Obj): Obj | undefined {
  const lc = rec(l);
  if (!lc) return undefined;
  const out: Obj = {};
  for (const k of ['postStart', 'preStop'] as const) {
    const h = rec(lc[k]);
    if (!h) continue;
    const ex: Obj = {};
    out[k] = handlerToV1(h, ex);
    if (Object.keys(ex).length) extras[k] = ex;
  }
  return out;
}

function lifecycleFromV1(l: unknown): Obj | undefined {
  const lc = rec(l);
  if (!lc) return undefined;
  const out: Obj = {};
  for (const k of ['postStart', 'preStop'] as const) {
    const h = rec(lc[k]);
    if (h) out[k] = handlerFromV1(h);
  }
  return out;
}

export interface Converted {
  v1: Obj;
  /** v1beta1-only fields of this element (keyed so they can be merged back), or undefined. */
  extras?: Obj;
}

export function containerToV1(c: Obj): Converted {
  const v: Obj = {};
  const extras: Obj = {};
  put(v, 'name', str(c.name));
  put(v, 'image', str(c.image));
  put(v, 'command', clone(arr(c.entrypoint)));
  put(v, 'args', clone(arr(c.command)));
  put(v, 'workingDir', str(c.workingDir));
  const ports = arr(c.ports);
  if (ports) v.ports = ports.map((p) => (rec(p) ? compact({ ...clone(rec(p)!) }) ?? {} : p));
  const env = arr(c.env);
  if (env)
    v.env = env.map((e) => {
      const r = rec(e);
      if (!r) return e;
      // `key` is the pre-0.5 spelling of `name`.
      return compact({ name: str(r.name) ?? str(r.key), value: r.value, valueFrom: clone(r.valueFrom) }) ?? {};
    });
  const res = rec(c.resources);
  const limits: Obj = { ...(resourceListToV1(res?.limits) ?? {}) };
  const cpu = num(c.cpu);
  const memory = parseQuantity(c.memory);
  if (cpu && limits.cpu === undefined) limits.cpu = cpuQuantity(cpu);
  if (memory && limits.memory === undefined) limits.memory = memoryQuantity(memory);
  const requests = resourceListToV1(res?.requests);
  const resources = compact({
    limits: Object.keys(limits).length ? limits : undefined,
    requests: requests && Object.keys(requests).length ? requests : undefined,
  });
  put(v, 'resources', resources);
  const mounts = arr(c.volumeMounts);
  if (mounts) {
    const mountExtras: Obj[] = [];
    v.volumeMounts = mounts.map((m) => {
      const r = rec(m);
      if (!r) return m;
      if (str(r.mountType)) mountExtras.push({ name: r.name, mountType: r.mountType });
      return compact({ name: r.name, readOnly: bool(r.readOnly), mountPath: str(r.mountPath) ?? str(r.path) }) ?? {};
    });
    if (mountExtras.length) extras.volumeMounts = mountExtras;
  }
  for (const k of ['livenessProbe', 'readinessProbe'] as const) {
    const ex: Obj = {};
    put(v, k, probeToV1(c[k], ex));
    if (Object.keys(ex).length) extras[k] = ex;
  }
  const lcEx: Obj = {};
  put(v, 'lifecycle', lifecycleToV1(c.lifecycle, lcEx));
  if (Object.keys(lcEx).length) extras.lifecycle = lcEx;
  put(v, 'terminationMessagePath', str(c.terminationMessagePath));
  const pull = str(c.imagePullPolicy);
  put(v, 'imagePullPolicy', pull === undefined ? undefined : (PULL_TO_V1[pull] ?? pull));
  const caps = rec(c.capabilities);
  const capsV1 = caps ? compact({ add: clone(arr(caps.add)), drop: clone(arr(caps.drop)) }) : undefined;
  const sc = compact({ privileged: bool(c.privileged) || undefined, capabilities: capsV1 });
  put(v, 'securityContext', sc);
  put(v, 'stdin', bool(c.stdin));
  put(v, 'tty', bool(c.tty));
  if (Object.keys(extras).length) extras.name = v.name;
  return { v1: v, extras: Object.keys(extras).length ? extras : undefined };
}

export function containerFromV1(v: Obj): Obj {
  const c: Obj = {};
  put(c, 'name', str(v.name));
  put(c, 'image', str(v.image));
  put(c, 'entrypoint', clone(arr(v.command)));
  put(c, 'command', clone(arr(v.args)));
  put(c, 'workingDir', str(v.workingDir));
  put(c, 'ports', clone(arr(v.ports)));
  const env = arr(v.env);
  if (env) c.env = env.map((e) => (rec(e) ? (compact({ name: rec(e)!.name, value: rec(e)!.value, valueFrom: clone(rec(e)!.valueFrom) }) ?? {}) : e));
  const res = rec(v.resources);
  const limits = resourceListFromV1(res?.limits);
  const requests = resourceListFromV1(res?.requests);
  // 0.14 emitted `resources: {}` even when empty, and mirrored cpu/memory limits in the legacy fields.
  c.resources = compact({ limits, requests }) ?? {};
  const cpu = parseQuantity(rec(res?.limits)?.cpu);
  if (cpu !== undefined) c.cpu = Math.round(cpu * 1000);
  const mem = parseQuantity(rec(res?.limits)?.memory);
  if (mem !== undefined) c.memory = Math.round(mem);
  const mounts = arr(v.volumeMounts);
  if (mounts) c.volumeMounts = mounts.map((m) => (rec(m) ? (compact({ name: rec(m)!.name, readOnly: rec(m)!.readOnly, mountPath: rec(m)!.mountPath }) ?? {}) : m));
  put(c, 'livenessProbe', probeFromV1(v.livenessProbe));
  put(c, 'readinessProbe', probeFromV1(v.readinessProbe));
  put(c, 'lifecycle', lifecycleFromV1(v.lifecycle));
  put(c, 'terminationMessagePath', str(v.terminationMessagePath));
  const sc = rec(v.securityContext);
  put(c, 'privileged', bool(sc?.privileged) || undefined);
  const pull = str(v.imagePullPolicy);
  put(c, 'imagePullPolicy', pull === undefined ? undefined : (PULL_FROM_V1[pull] ?? pull));
  const caps = rec(sc?.capabilities);
  c.capabilities = caps ? (compact({ add: clone(arr(caps.add)), drop: clone(arr(caps.drop)) }) ?? {}) : {};
  put(c, 'stdin', bool(v.stdin));
  put(c, 'tty', bool(v.tty));
  return c;
}
