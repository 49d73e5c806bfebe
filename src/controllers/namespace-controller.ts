/**
 * Namespace controller: a namespace being deleted (deletionTimestamp set, phase Terminating) is
 * emptied — every namespaced resource in it is deleted — and then the `kubernetes` finalizer is
 * removed through `namespaces/{name}/finalize`, after which the API server deletes the namespace.
 * While objects remain (e.g. pods in graceful deletion), the namespace is re-checked with backoff.
 */
import type { Namespace } from 'kubernetes-types/core/v1';
import type { KubeObject } from '../api/types';
import type { ApiClient, ResourcePath } from '../client/api-client';
import { isNotFound } from '../client/api-client';
import type { Informer } from '../client/informer';
import { objectKey } from '../client/informer';
import { QueueController } from './controller';

type NsObj = Namespace & KubeObject;

/** Namespaced resources the server serves (core, then other groups). */
export const NAMESPACED_RESOURCES: Array<Omit<ResourcePath, 'namespace'>> = [
  { resource: 'pods' },
  { resource: 'services' },
  { resource: 'endpoints' },
  { resource: 'replicationcontrollers' },
  { resource: 'configmaps' },
  { resource: 'secrets' },
  { resource: 'events' },
  { group: 'coordination.k8s.io', version: 'v1', resource: 'leases' },
];

export class StillTerminating extends Error {}

export class NamespaceController extends QueueController {
  constructor(
    private readonly client: ApiClient,
    private readonly namespaces: Informer<NsObj>,
  ) {
    super('namespace-controller');
    namespaces.addHandlers({
      add: (n) => this.maybeEnqueue(n),
      update: (_o, n) => this.maybeEnqueue(n),
    });
  }

  private maybeEnqueue(n: NsObj): void {
    if (n.metadata?.deletionTimestamp) this.enqueue(objectKey(n));
  }

  protected async sync(key: string): Promise<void> {
    const ns = this.namespaces.get(key);
    if (!ns?.metadata?.deletionTimestamp) return;
    let remaining = 0;
    for (const r of NAMESPACED_RESOURCES) {
      const path: ResourcePath = { ...r, namespace: key };
      let list;
      try {
        list = await this.client.list(path);
      } catch (err) {
        if (isNotFound(err)) continue; // resource not served
        throw err;
      }
      if (list.items.length === 0) continue;
      remaining += list.items.length;
      try {
        await this.client.delete(path, undefined, { propagationPolicy: 'Background' });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    if (remaining > 0) throw new StillTerminating(`namespace ${key}: ${remaining} objects still being deleted`);
    try {
      const live = await this.client.get<NsObj>({ resource: 'namespaces', name: key });
      let current = live;
      if ((live.spec?.finalizers ?? []).includes('kubernetes')) {
        current = await this.client.update<NsObj>({ resource: 'namespaces', name: key, subresource: 'finalize' }, {
          ...live,
          spec: { ...live.spec, finalizers: (live.spec?.finalizers ?? []).filter((f) => f !== 'kubernetes') },
        });
      }
      // As kube's namespace deleter: once no finalizer is left, delete again (uid precondition) so
      // the server removes the object for good.
      if ((current.spec?.finalizers ?? []).length === 0 && (current.metadata?.finalizers ?? []).length === 0) {
        await this.client.delete({ resource: 'namespaces', name: key }, { kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { uid: current.metadata?.uid } });
      }
    } catch (err) {
      if (isNotFound(err)) return;
      throw err; // conflicts included: retried with backoff
    }
  }
}
