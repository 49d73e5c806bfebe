/**
 * The services the API server maintains for itself in `default`, as the 2015 master did:
 * `kubernetes` (port 443) and the read-only `kubernetes-ro` (port 80), with cluster IPs from the
 * portal net (`.2` and `.1` in the seed's 10.10.10.0/24, as kube's master reserved them) and
 * Endpoints listing every live API server (master leases, as kube's lease reconciler does).
 * Reconciled at start-up and periodically: a deleted or altered one comes back.
 */
import type { KubeObject } from '../api/types';
import type { RESTResource, RequestContext } from '../registry/rest';
import { isApiError } from '../api/errors';
import { intToIp, parseCidr } from '../allocator/service-allocators';
import { log } from '../util/log';
import type { MasterAddress, MasterLeases } from './master-leases';

export interface DefaultServicesOptions {
  services: RESTResource;
  endpoints: RESTResource;
  /** --portal-net; without it the services get whatever the allocator gives. */
  serviceClusterIpRange?: string;
  /** Address and port clients reach this API server on. */
  advertiseAddress: string;
  port: number;
  /** The API servers' leases in shared storage: the endpoints list every server holding one. */
  leases: MasterLeases;
}

interface Wanted {
  name: string;
  port: number;
  portName: string;
  ipOffset: number;
}

const WANTED: Wanted[] = [
  { name: 'kubernetes-ro', port: 80, portName: 'http', ipOffset: 0 },
  { name: 'kubernetes', port: 443, portName: 'https', ipOffset: 1 },
];

const ctx: RequestContext = { namespace: 'default', userAgent: 'km-apiserver' };
const write = { dryRun: false, fieldValidation: 'Ignore' as const, fieldManager: 'km-apiserver' };

function notFound(err: unknown): boolean {
  return isApiError(err) && err.code === 404;
}

function conflictOrExists(err: unknown): boolean {
  return isApiError(err) && err.code === 409;
}

/** Creates or repairs the default services and their endpoints; safe to call repeatedly. */
export async function reconcileDefaultServices(o: DefaultServicesOptions, masters?: readonly MasterAddress[]): Promise<void> {
  masters ??= await liveMasters(o);
  const base = o.serviceClusterIpRange ? parseCidr(o.serviceClusterIpRange).base : undefined;
  for (const w of WANTED) {
    let svc: KubeObject | undefined;
    try {
      svc = await o.services.get(ctx, w.name, {});
    } catch (err) {
      if (!notFound(err)) throw err;
    }
    if (!svc) {
      const spec: Record<string, unknown> = {
        type: 'ClusterIP',
        sessionAffinity: 'None',
        ports: [{ name: w.portName, port: w.port, protocol: 'TCP', targetPort: o.port }],
      };
      if (base !== undefined) spec['clusterIP'] = intToIp(base + w.ipOffset);
      try {
        await o.services.create(ctx, { apiVersion: 'v1', kind: 'Service', metadata: { name: w.name, namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } }, spec }, write);
      } catch (err) {
        if (!conflictOrExists(err)) {
          // The wanted IP may be held by a user's service: fall back to any free one.
          if (isApiError(err) && err.code === 422 && spec['clusterIP']) {
            delete spec['clusterIP'];
            await o.services.create(ctx, { apiVersion: 'v1', kind: 'Service', metadata: { name: w.name, namespace: 'default' }, spec }, write);
          } else throw err;
        }
      }
    }
    const subsets = endpointSubsets(masters, w.portName);
    let ep: KubeObject | undefined;
    try {
      ep = await o.endpoints.get(ctx, w.name, {});
    } catch (err) {
      if (!notFound(err)) throw err;
    }
    if (!ep) {
      try {
        await o.endpoints.create(ctx, { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: w.name, namespace: 'default' }, subsets }, write);
      } catch (err) {
        if (!conflictOrExists(err)) throw err;
      }
    } else if (JSON.stringify(ep['subsets'] ?? []) !== JSON.stringify(subsets)) {
      // Conditional on the version read: if another API server rewrote it meanwhile, its view wins
      // this round and the next pass re-checks.
      try {
        await o.endpoints.update(ctx, w.name, { ...ep, subsets }, write);
      } catch (err) {
        if (!conflictOrExists(err)) throw err;
      }
    }
  }
}

/** One subset per serving port (servers on one host differ by port), addresses sorted. */
export function endpointSubsets(masters: readonly MasterAddress[], portName: string): Array<Record<string, unknown>> {
  const byPort = new Map<number, string[]>();
  for (const m of masters) {
    const ips = byPort.get(m.port) ?? [];
    if (!ips.includes(m.address)) ips.push(m.address);
    byPort.set(m.port, ips);
  }
  return [...byPort.keys()]
    .sort((a, b) => a - b)
    .map((port) => ({ addresses: byPort.get(port)!.sort().map((ip) => ({ ip })), ports: [{ name: portName, port, protocol: 'TCP' }] }));
}

/** Renew this server's lease and list the live servers (this one always included). */
async function liveMasters(o: DefaultServicesOptions): Promise<MasterAddress[]> {
  const self = { address: o.advertiseAddress, port: o.port };
  await o.leases.renew(self);
  const live = await o.leases.live();
  if (!live.some((m) => m.address === self.address && m.port === self.port)) live.push(self);
  return live;
}

/**
 * Reconcile now and every `intervalMs`. Failures are logged and retried. The returned stop
 * function ends the loop and, on a graceful shutdown, drops this server's lease and takes it out
 * of the endpoints (kube's RemoveEndpoints), unless it is the last one: endpoints are never
 * emptied, as kube refuses to erase all of them.
 */
export function maintainDefaultServices(o: DefaultServicesOptions, intervalMs = 10_000): () => Promise<void> {
  let running: Promise<void> = Promise.resolve();
  const run = (): void => {
    running = reconcileDefaultServices(o).catch((err: unknown) => {
      log.warn('default services: reconcile failed; will retry', { error: err instanceof Error ? err.message : String(err) });
    });
  };
  run();
  const t = setInterval(run, intervalMs);
  t.unref();
  return async () => {
    clearInterval(t);
    await running;
    try {
      await o.leases.remove({ address: o.advertiseAddress, port: o.port });
      const others = await o.leases.live();
      if (others.length > 0) await reconcileDefaultServices(o, others);
    } catch (err) {
      log.warn('default services: could not withdraw this server from the endpoints', { error: err instanceof Error ? err.message : String(err) });
    }
  };
}
