/**
 * Endpoints controller: for every service with a selector, an Endpoints object (same name) listing
 * ready pods' IPs in `addresses` and not-ready ones in `notReadyAddresses`, with ports resolved from
 * each service port's `targetPort` (a number, or a container port name looked up per pod). Pods
 * without an IP or being deleted are left out. Services without a selector are not touched (their
 * endpoints are managed by hand); the endpoints of a deleted service are deleted.
 */
import type { Pod, Service, Endpoints, EndpointSubset, EndpointAddress, EndpointPort } from 'kubernetes-types/core/v1';
import type { KubeObject } from '../api/types';
import type { ApiClient } from '../client/api-client';
import { isNotFound, isAlreadyExists } from '../client/api-client';
import type { Informer } from '../client/informer';
import { objectKey } from '../client/informer';
import { QueueController, splitKey } from './controller';
import { selectorMatches } from './selectors';

type PodObj = Pod & KubeObject;
type ServiceObj = Service & KubeObject;

export function isPodReady(pod: Pod): boolean {
  return (pod.status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/** Resolves a service port's targetPort against one pod; undefined when the pod lacks the named port. */
function resolvePort(pod: Pod, sp: NonNullable<NonNullable<Service['spec']>['ports']>[number]): number | undefined {
  const tp = sp.targetPort ?? sp.port;
  if (typeof tp === 'number') return tp;
  if (/^\d+$/.test(tp)) return Number(tp);
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) if (p.name === tp && (p.protocol ?? 'TCP') === (sp.protocol ?? 'TCP')) return p.containerPort;
  }
  return undefined;
}

export function computeSubsets(svc: Service, pods: Pod[]): EndpointSubset[] {
  const groups = new Map<string, { ports: EndpointPort[]; addresses: EndpointAddress[]; notReady: EndpointAddress[] }>();
  const svcPorts = svc.spec?.ports ?? [];
  for (const pod of pods) {
    const ip = pod.status?.podIP;
    if (!ip || pod.metadata?.deletionTimestamp) continue;
    const ports: EndpointPort[] = [];
    for (const sp of svcPorts) {
      const port = resolvePort(pod, sp);
      if (port === undefined) continue;
      const ep: EndpointPort = { port, protocol: sp.protocol ?? 'TCP' };
      if (sp.name) ep.name = sp.name;
      ports.push(ep);
    }
    if (svcPorts.length > 0 && ports.length === 0) continue;
    const sig = JSON.stringify(ports);
    let g = groups.get(sig);
    if (!g) groups.set(sig, (g = { ports, addresses: [], notReady: [] }));
    const addr: EndpointAddress = {
      ip,
      targetRef: { kind: 'Pod', namespace: pod.metadata?.namespace, name: pod.metadata?.name, uid: pod.metadata?.uid },
    };
    if (pod.spec?.nodeName) addr.nodeName = pod.spec.nodeName;
    if (isPodReady(pod) || svc.spec?.publishNotReadyAddresses) g.addresses.push(addr);
    else g.notReady.push(addr);
  }
  const byIp = (a: EndpointAddress, b: EndpointAddress): number => (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0);
  return [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, g]) => {
      const s: EndpointSubset = {};
      if (g.addresses.length) s.addresses = g.addresses.sort(byIp);
      if (g.notReady.length) s.notReadyAddresses = g.notReady.sort(byIp);
      if (g.ports.length) s.ports = g.ports;
      return s;
    });
}

export class EndpointsController extends QueueController {
  constructor(
    private readonly client: ApiClient,
    private readonly services: Informer<ServiceObj>,
    private readonly pods: Informer<PodObj>,
  ) {
    super('endpoints-controller');
    services.addHandlers({
      add: (s) => this.enqueue(objectKey(s)),
      update: (_o, s) => this.enqueue(objectKey(s)),
      delete: (s) => this.enqueue(objectKey(s)),
    });
    const podChanged = (p: PodObj): void => {
      for (const s of this.services.list()) {
        if (s.metadata?.namespace === p.metadata?.namespace && s.spec?.selector && selectorMatches(s.spec.selector, p.metadata?.labels)) {
          this.enqueue(objectKey(s));
        }
      }
    };
    pods.addHandlers({
      add: podChanged,
      update: (o, p) => {
        podChanged(o);
        podChanged(p);
      },
      delete: podChanged,
    });
  }

  protected async sync(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const path = { resource: 'endpoints', namespace, name };
    const svc = this.services.get(key);
    if (!svc) {
      try {
        await this.client.delete(path);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      return;
    }
    const selector = svc.spec?.selector;
    if (!selector || Object.keys(selector).length === 0) return;
    const pods = this.pods.list().filter((p) => p.metadata?.namespace === namespace && selectorMatches(selector, p.metadata?.labels));
    const subsets = computeSubsets(svc, pods);
    let current: (Endpoints & KubeObject) | undefined;
    try {
      current = await this.client.get<Endpoints & KubeObject>(path);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    const labels = svc.metadata?.labels;
    if (!current) {
      try {
        await this.client.create(
          { resource: 'endpoints', namespace },
          { apiVersion: 'v1', kind: 'Endpoints', metadata: { name, namespace, ...(labels ? { labels } : {}) }, subsets },
        );
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
        this.queue.addRateLimited(key);
      }
      return;
    }
    if (JSON.stringify(current.subsets ?? []) === JSON.stringify(subsets) && JSON.stringify(current.metadata?.labels ?? {}) === JSON.stringify(labels ?? {})) return;
    await this.client.update(path, { ...current, metadata: { ...current.metadata, labels }, subsets });
  }
}
