/**
 * The services the API server maintains for itself in `default`, as the 2015 master did:
 * `kubernetes` (port 443) and the read-only `kubernetes-ro` (port 80), with cluster IPs from the
 * portal net (`.2` and `.1` in the seed's 10.10.10.0/24, as kube's master reserved them) and
 * Endpoints pointing at the API server's own address and port. Reconciled at start-up and
 * periodically: a deleted or altered one comes back.
 */
import type { KubeObject } from '../api/types';
import type { RESTResource, RequestContext } from '../registry/rest';
import { isApiError } from '../api/errors';
import { intToIp, parseCidr } from '../allocator/service-allocators';
import { log } from '../util/log';

export interface DefaultServicesOptions {
  services: RESTResource;
  endpoints: RESTResource;
  /** --portal-net; without it the services get whatever the allocator gives. */
  serviceClusterIpRange?: string;
  /** Address and port clients reach this API server on. */
  advertiseAddress: string;
  port: number;
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
export async function reconcileDefaultServices(o: DefaultServicesOptions): Promise<void> {
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
    const subsets = [{ addresses: [{ ip: o.advertiseAddress }], ports: [{ name: w.portName, port: o.port, protocol: 'TCP' }] }];
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
    } else if (!JSON.stringify(ep['subsets'] ?? []).includes(`"ip":"${o.advertiseAddress}"`)) {
      // Only when our address is missing: several API servers sharing storage don't flap the
      // object between their addresses (the first one listed stays; kube uses a lease reconciler).
      try {
        await o.endpoints.update(ctx, w.name, { ...ep, subsets }, write);
      } catch (err) {
        if (!conflictOrExists(err)) throw err; // another API server won: next pass re-checks
      }
    }
  }
}

/** Reconcile now and every `intervalMs`; returns a stop function. Failures are logged and retried. */
export function maintainDefaultServices(o: DefaultServicesOptions, intervalMs = 10_000): () => void {
  const run = (): void => {
    reconcileDefaultServices(o).catch((err: unknown) =>
      log.warn('default services: reconcile failed; will retry', { error: err instanceof Error ? err.message : String(err) }),
    );
  };
  run();
  const t = setInterval(run, intervalMs);
  t.unref();
  return () => clearInterval(t);
}
