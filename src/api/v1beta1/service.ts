/**
 * v1beta1 Service ⇄ v1 Service. The legacy single port (`port`, `protocol`, `portName`,
 * `containerPort`) is v1's `spec.ports[0]`; [0.15+] `ports` carries the rest and is emitted only for
 * multi-port services. `portalIP` is `clusterIP`, `createExternalLoadBalancer` is `type: LoadBalancer`,
 * `publicIPs` is `externalIPs`. `proxyPort` (never implemented) has no v1 home and is kept as an extra.
 */
import type { KubeObject } from '../types';
import type { Obj } from './common';
import { API_VERSION, arr, bool, clone, compact, mergeExtras, metaFromV1, metaToV1, num, portToV1, put, readExtras, rec, str, writeExtras } from './common';

/** `extras[i]` remembers a numeric-string containerPort of port i (null when there is none). */
function portToV1Entry(p: Obj, extras: (Obj | null)[]): Obj {
  const target = portToV1(p.containerPort);
  extras.push(target !== p.containerPort ? compact({ name: str(p.name) || undefined, containerPort: p.containerPort })! : null);
  return compact({ name: str(p.name) || undefined, protocol: str(p.protocol), port: p.port, targetPort: target }) ?? {};
}

export function serviceToV1(b: Obj): KubeObject {
  const spec: Obj = {};
  const portExtras: (Obj | null)[] = [];
  const ports = arr(b.ports);
  const extras: Obj = {};
  if (ports && ports.length) {
    spec.ports = ports.map((p) => (rec(p) ? portToV1Entry(rec(p)!, portExtras) : p));
    if (portExtras.some((e) => e)) extras.ports = portExtras;
  } else if (b.port !== undefined || b.containerPort !== undefined || b.protocol !== undefined) {
    const single = portToV1Entry({ name: b.portName, protocol: b.protocol, port: b.port, containerPort: b.containerPort }, portExtras);
    spec.ports = [single];
    if (portExtras[0]) extras.containerPort = b.containerPort;
  }
  put(spec, 'selector', clone(rec(b.selector)));
  put(spec, 'clusterIP', str(b.portalIP) || undefined);
  if (bool(b.createExternalLoadBalancer)) spec.type = 'LoadBalancer';
  put(spec, 'externalIPs', clone(arr(b.publicIPs)));
  put(spec, 'sessionAffinity', str(b.sessionAffinity));
  const v: KubeObject = { apiVersion: 'v1', kind: 'Service', metadata: metaToV1(b, true), spec };
  if (num(b.proxyPort) !== undefined) extras.proxyPort = b.proxyPort;
  writeExtras(v, Object.keys(extras).length ? extras : undefined);
  return v;
}

export function serviceFromV1(v: KubeObject): Obj {
  const spec = rec(v.spec) ?? {};
  const b: Obj = { kind: 'Service', apiVersion: API_VERSION, ...metaFromV1(v.metadata, true) };
  const ports = (arr(spec.ports) ?? []).map((p) => rec(p) ?? {});
  const first = ports[0];
  if (first) {
    put(b, 'port', first.port);
    put(b, 'portName', str(first.name) || undefined);
    put(b, 'protocol', str(first.protocol));
    put(b, 'containerPort', first.targetPort);
  }
  // Go's v1beta1 selector had no omitempty: null means "endpoints not managed".
  b.selector = clone(rec(spec.selector)) ?? null;
  put(b, 'portalIP', str(spec.clusterIP));
  if (spec.type === 'LoadBalancer') b.createExternalLoadBalancer = true;
  put(b, 'publicIPs', clone(arr(spec.externalIPs)));
  put(b, 'sessionAffinity', str(spec.sessionAffinity));
  if (ports.length > 1)
    b.ports = ports.map((p) => compact({ name: str(p.name) || undefined, protocol: p.protocol, port: p.port, containerPort: p.targetPort }) ?? {});
  const extras = readExtras(v.metadata);
  if (extras) mergeExtras(b, extras);
  return b;
}
