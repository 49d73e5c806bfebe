/** Services and Endpoints: kube's printService / printEndpoints. */
import type { Endpoints, LoadBalancerStatus, Service, ServicePort } from 'kubernetes-types/core/v1';
import type { KubeObject } from '../types';
import { formatLabels, timestampSince } from './human-duration';
import { ageColumn, col, nameColumn } from './types';
import type { Printer } from './types';

export const servicePrinter: Printer = {
  columns: [
    nameColumn(),
    col('Type', 'string', 'type determines how the Service is exposed. Defaults to ClusterIP.'),
    col('Cluster-IP', 'string', 'clusterIP is the IP address of the service and is usually assigned randomly.'),
    col('External-IP', 'string', 'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.'),
    col('Port(s)', 'string', 'The list of ports that are exposed by this service.'),
    ageColumn(),
    col('Selector', 'string', 'Route service traffic to pods with label keys and values matching this selector.', 1),
  ],
  cells(obj: KubeObject, now: Date): unknown[] {
    const svc = obj as Service;
    const spec = svc.spec ?? {};
    const internalIP = spec.clusterIPs?.[0] || spec.clusterIP || '<none>';
    const ports = makePortString(spec.ports ?? []);
    return [
      svc.metadata?.name ?? '',
      spec.type ?? '',
      internalIP,
      externalIP(svc),
      ports || '<none>',
      timestampSince(svc.metadata?.creationTimestamp, now),
      formatLabels(spec.selector),
    ];
  },
};

function makePortString(ports: ServicePort[]): string {
  return ports.map((p) => (p.nodePort ? `${p.port}:${p.nodePort}/${p.protocol ?? 'TCP'}` : `${p.port}/${p.protocol ?? 'TCP'}`)).join(',');
}

function loadBalancerIPs(lb: LoadBalancerStatus | undefined): string {
  return (lb?.ingress ?? []).flatMap((i) => (i.ip ? [i.ip] : i.hostname ? [i.hostname] : [])).join(',');
}

function externalIP(svc: Service): string {
  const spec = svc.spec ?? {};
  const ext = spec.externalIPs ?? [];
  switch (spec.type ?? 'ClusterIP') {
    case 'ClusterIP':
    case 'NodePort':
      return ext.length > 0 ? ext.join(',') : '<none>';
    case 'LoadBalancer': {
      const lb = loadBalancerIPs(svc.status?.loadBalancer);
      if (ext.length > 0) return [...(lb ? lb.split(',') : []), ...ext].join(',');
      return lb || '<pending>';
    }
    case 'ExternalName':
      return spec.externalName ?? '';
    default:
      return '<unknown>';
  }
}

export const endpointsPrinter: Printer = {
  columns: [nameColumn(), col('Endpoints', 'string', 'Endpoints of the service'), ageColumn()],
  cells(obj: KubeObject, now: Date): unknown[] {
    const ep = obj as Endpoints;
    return [ep.metadata?.name ?? '', formatEndpoints(ep), timestampSince(ep.metadata?.creationTimestamp, now)];
  },
};

/** At most three `ip:port` entries, then ` + N more...` (kube's formatEndpoints). */
export function formatEndpoints(ep: Endpoints): string {
  const subsets = ep.subsets ?? [];
  if (subsets.length === 0) return '<none>';
  const max = 3;
  const list: string[] = [];
  let more = false;
  let count = 0;
  const add = (s: string): void => {
    if (list.length === max) more = true;
    else list.push(s);
  };
  for (const ss of subsets) {
    const addrs = ss.addresses ?? [];
    if (!ss.ports || ss.ports.length === 0) {
      for (const a of addrs) add(a.ip);
      count += addrs.length;
    } else {
      for (const p of ss.ports) {
        for (const a of addrs) add(a.ip.includes(':') ? `[${a.ip}]:${p.port}` : `${a.ip}:${p.port}`);
        count += addrs.length;
      }
    }
  }
  const ret = list.join(',');
  return more ? `${ret} + ${count - max} more...` : ret;
}
