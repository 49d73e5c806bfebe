/**
 * Garbage collection of pods:
 * - dependents whose controller owner is gone (checked live, not just in the cache) are deleted in
 *   the background, as kube's garbage collector does for propagationPolicy=Background;
 * - an owner deleted with propagationPolicy=Orphan carries the `orphan` finalizer: its dependents
 *   lose their ownerReference to it, then the finalizer is removed so the owner goes away;
 * - an owner deleted with propagationPolicy=Foreground carries `foregroundDeletion`: its dependents
 *   are deleted, and once none with blockOwnerDeletion is left in storage the finalizer is removed
 *   (kube's processDeletingDependentsItem), so the owner goes last;
 * - pod GC: pods bound to a node that does not exist are force-deleted, and terminated pods beyond
 *   `terminatedPodThreshold` are deleted oldest first.
 */
import type { Pod, ReplicationController, Node } from 'kubernetes-types/core/v1';
import type { KubeObject } from '../api/types';
import type { ApiClient } from '../client/api-client';
import { isNotFound } from '../client/api-client';
import type { Informer } from '../client/informer';
import { objectKey } from '../client/informer';
import { QueueController, splitKey } from './controller';

type PodObj = Pod & KubeObject;
type RcObj = ReplicationController & KubeObject;
type NodeObj = Node & KubeObject;

const OWNER_RESOURCES: Record<string, string> = { ReplicationController: 'replicationcontrollers' };
const FOREGROUND = 'foregroundDeletion';

function deletingForeground(o: KubeObject): boolean {
  return !!o.metadata?.deletionTimestamp && (o.metadata.finalizers ?? []).includes(FOREGROUND);
}

export class GarbageCollector extends QueueController {
  constructor(
    private readonly client: ApiClient,
    private readonly pods: Informer<PodObj>,
    private readonly rcs: Informer<RcObj>,
  ) {
    super('garbage-collector');
    const checkPod = (p: PodObj): void => {
      if ((p.metadata?.ownerReferences ?? []).some((r) => OWNER_RESOURCES[r.kind] && !this.ownerCached(p, r.uid, r.name))) this.enqueue(`pod:${objectKey(p)}`);
    };
    pods.addHandlers({ add: checkPod, update: (_o, p) => checkPod(p) });
    rcs.addHandlers({
      add: (rc) => this.ownerChanged(rc),
      update: (_o, rc) => this.ownerChanged(rc),
      delete: (rc) => {
        for (const p of this.pods.list()) if ((p.metadata?.ownerReferences ?? []).some((r) => r.uid === rc.metadata?.uid)) this.enqueue(`pod:${objectKey(p)}`);
      },
    });
    // A dependent going away may be the last one an owner in foreground deletion waits for.
    const ownerWaits = (p: PodObj): void => {
      for (const r of p.metadata?.ownerReferences ?? []) {
        const rc = OWNER_RESOURCES[r.kind] ? this.rcs.get(`${p.metadata?.namespace}/${r.name}`) : undefined;
        if (rc?.metadata?.uid === r.uid && deletingForeground(rc)) this.enqueue(`foreground:${objectKey(rc)}`);
      }
    };
    pods.addHandlers({ delete: ownerWaits, update: (_o, p) => ownerWaits(p) });
  }

  private ownerCached(p: PodObj, uid: string, name: string): boolean {
    const rc = this.rcs.get(`${p.metadata?.namespace}/${name}`);
    return rc?.metadata?.uid === uid;
  }

  private ownerChanged(rc: RcObj): void {
    if (rc.metadata?.deletionTimestamp && (rc.metadata.finalizers ?? []).includes('orphan')) this.enqueue(`orphan:${objectKey(rc)}`);
    if (deletingForeground(rc)) this.enqueue(`foreground:${objectKey(rc)}`);
  }

  protected async sync(key: string): Promise<void> {
    if (key.startsWith('orphan:')) return this.orphan(key.slice('orphan:'.length));
    if (key.startsWith('foreground:')) return this.deleteDependentsFirst(key.slice('foreground:'.length));
    const { namespace, name } = splitKey(key.slice('pod:'.length));
    let pod: PodObj;
    try {
      pod = await this.client.get<PodObj>({ resource: 'pods', namespace, name });
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    for (const ref of pod.metadata?.ownerReferences ?? []) {
      const resource = OWNER_RESOURCES[ref.kind];
      if (!resource) continue;
      let owner: KubeObject | undefined;
      try {
        owner = await this.client.get({ resource, namespace, name: ref.name });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      if (owner && owner.metadata?.uid === ref.uid) {
        if (owner.metadata?.deletionTimestamp && (owner.metadata.finalizers ?? []).includes('orphan')) continue;
        return; // owner alive: keep
      }
      // absent, or the same name with another uid (a new object): the owner we point at is gone
      await this.deletePod(pod);
      return;
    }
  }

  /** The owner as storage has it now, or undefined when it is gone. */
  private async liveOwner(namespace: string, name: string): Promise<RcObj | undefined> {
    try {
      return await this.client.get<RcObj>({ resource: 'replicationcontrollers', namespace, name });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** Delete this very pod (uid precondition); already gone or replaced is fine. */
  private async deletePod(p: PodObj): Promise<void> {
    try {
      await this.client.delete(
        { resource: 'pods', namespace: p.metadata?.namespace, name: p.metadata?.name },
        { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background', preconditions: { uid: p.metadata?.uid } },
      );
    } catch (err) {
      if (!isNotFound(err) && !(err instanceof Error && /precondition|Conflict/i.test(err.message))) throw err;
    }
  }

  /** Foreground deletion of an owner: delete its dependents; drop the finalizer once no blocking one is left. */
  private async deleteDependentsFirst(rcKey: string): Promise<void> {
    const { namespace, name } = splitKey(rcKey);
    const rc = await this.liveOwner(namespace, name);
    if (!rc) return;
    if (!deletingForeground(rc)) return;
    const uid = rc.metadata?.uid;
    // A live list, not the informer: the finalizer may only go once storage has no blocking dependent.
    const dependents = (await this.client.list<PodObj>({ resource: 'pods', namespace })).items.filter((p) =>
      (p.metadata?.ownerReferences ?? []).some((r) => r.uid === uid),
    );
    for (const p of dependents) {
      if (p.metadata?.deletionTimestamp) continue;
      await this.deletePod(p);
    }
    const blocking = dependents.filter((p) => (p.metadata?.ownerReferences ?? []).some((r) => r.uid === uid && r.blockOwnerDeletion === true));
    // Pods still terminating re-trigger this through the pod informer when they go.
    if (blocking.length > 0) return;
    await this.client.patch(
      { resource: 'replicationcontrollers', namespace, name },
      { metadata: { resourceVersion: rc.metadata?.resourceVersion, finalizers: (rc.metadata?.finalizers ?? []).filter((f) => f !== FOREGROUND) } },
      'merge',
    );
  }

  private async orphan(rcKey: string): Promise<void> {
    const { namespace, name } = splitKey(rcKey);
    const rc = await this.liveOwner(namespace, name);
    if (!rc) return;
    const uid = rc.metadata?.uid;
    const dependents = await this.client.list<PodObj>({ resource: 'pods', namespace });
    for (const p of dependents.items) {
      const refs = p.metadata?.ownerReferences ?? [];
      if (!refs.some((r) => r.uid === uid)) continue;
      await this.client.patch(
        { resource: 'pods', namespace, name: p.metadata?.name },
        { metadata: { resourceVersion: p.metadata?.resourceVersion, ownerReferences: refs.filter((r) => r.uid !== uid) } },
        'merge',
      );
    }
    await this.client.patch(
      { resource: 'replicationcontrollers', namespace, name },
      { metadata: { resourceVersion: rc.metadata?.resourceVersion, finalizers: (rc.metadata?.finalizers ?? []).filter((f) => f !== 'orphan') } },
      'merge',
    );
  }
}

export class PodGarbageCollector {
  private timer?: NodeJS.Timeout;
  constructor(
    private readonly client: ApiClient,
    private readonly pods: Informer<PodObj>,
    private readonly nodes: Informer<NodeObj>,
    private readonly terminatedPodThreshold: number,
    private readonly intervalMs = 20_000,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.gc().catch(() => undefined), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** One pass; returns the names deleted (for tests and logs). */
  async gc(): Promise<string[]> {
    const deleted: string[] = [];
    const pods = this.pods.list();
    for (const p of pods) {
      const node = p.spec?.nodeName;
      if (!node || this.nodes.get(node)) continue;
      // confirm live: the node may be newer than our cache
      try {
        await this.client.get({ resource: 'nodes', name: node });
        continue;
      } catch (err) {
        if (!isNotFound(err)) continue;
      }
      if (await this.forceDelete(p)) deleted.push(objectKey(p));
    }
    if (this.terminatedPodThreshold > 0) {
      const terminated = pods
        .filter((p) => p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed')
        .sort((a, b) => (Date.parse(a.metadata?.creationTimestamp ?? '') || 0) - (Date.parse(b.metadata?.creationTimestamp ?? '') || 0));
      const excess = terminated.length - this.terminatedPodThreshold;
      for (const p of terminated.slice(0, Math.max(0, excess))) if (await this.forceDelete(p)) deleted.push(objectKey(p));
    }
    return deleted;
  }

  private async forceDelete(p: PodObj): Promise<boolean> {
    try {
      await this.client.delete({ resource: 'pods', namespace: p.metadata?.namespace, name: p.metadata?.name }, { kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: 0 });
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }
}

/** Exposed for the scheduler and tests: the key of a pod's controller owner. */
export function ownerKey(p: Pod): string | undefined {
  const ref = (p.metadata?.ownerReferences ?? []).find((r) => r.controller);
  return ref ? `${p.metadata?.namespace}/${ref.name}` : undefined;
}
