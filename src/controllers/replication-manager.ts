/**
 * Replication manager: makes the number of active pods selected by each ReplicationController equal
 * `spec.replicas`, creating pods from `spec.template` (with a controller ownerReference) or deleting
 * the least useful ones, and keeps `status` current.
 *
 * Restart safety: the decision is always recomputed from what the API reports, never from memory.
 * "Expectations" (as kube's) only stop a sync from acting again before the informer has observed the
 * creates/deletes it issued; they expire, so a crash between write and observation can't wedge a
 * controller — and a fresh process has none, so it simply counts what exists.
 */
import type { Pod, ReplicationController, ReplicationControllerStatus } from 'kubernetes-types/core/v1';
import type { OwnerReference } from 'kubernetes-types/meta/v1';
import type { KubeObject } from '../api/types';
import type { ApiClient } from '../client/api-client';
import { isNotFound } from '../client/api-client';
import type { Informer } from '../client/informer';
import { objectKey } from '../client/informer';
import { QueueController, splitKey } from './controller';
import { selectorMatches } from './selectors';
import { isPodReady } from './endpoints-controller';

type PodObj = Pod & KubeObject;
type RcObj = ReplicationController & KubeObject;

interface Expectation {
  adds: number;
  dels: Set<string>;
  at: number;
}

const EXPECTATION_TTL_MS = 60_000;
/** kube's burstReplicas: at most this many creates or deletes per sync. */
const BURST = 500;

export function isActive(p: Pod): boolean {
  return !p.metadata?.deletionTimestamp && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed';
}

function controllerRef(p: Pod): OwnerReference | undefined {
  return (p.metadata?.ownerReferences ?? []).find((r) => r.controller === true);
}

/** Deletion preference, kube's ActivePods ordering: unscheduled, pending, not ready, newest first. */
function deletionRank(p: Pod): number[] {
  const created = Date.parse(p.metadata?.creationTimestamp ?? '') || 0;
  return [p.spec?.nodeName ? 1 : 0, p.status?.phase === 'Pending' ? 0 : 1, isPodReady(p) ? 1 : 0, -created];
}

export class ReplicationManager extends QueueController {
  private readonly expectations = new Map<string, Expectation>();

  constructor(
    private readonly client: ApiClient,
    private readonly rcs: Informer<RcObj>,
    private readonly pods: Informer<PodObj>,
  ) {
    super('replication-manager');
    rcs.addHandlers({
      add: (rc) => this.enqueue(objectKey(rc)),
      update: (_o, rc) => this.enqueue(objectKey(rc)),
      delete: (rc) => {
        this.expectations.delete(objectKey(rc));
        this.enqueue(objectKey(rc));
      },
    });
    pods.addHandlers({
      add: (p) => this.podEvent(p, 'add'),
      update: (o, p) => {
        this.podEvent(o, 'update');
        this.podEvent(p, 'update');
      },
      delete: (p) => this.podEvent(p, 'delete'),
    });
  }

  private podEvent(p: PodObj, kind: 'add' | 'update' | 'delete'): void {
    const ref = controllerRef(p);
    const ns = p.metadata?.namespace ?? '';
    if (ref && ref.kind === 'ReplicationController') {
      const key = `${ns}/${ref.name}`;
      const exp = this.expectations.get(key);
      if (exp) {
        if (kind === 'add' && exp.adds > 0) exp.adds--;
        if (kind === 'delete' || (kind === 'update' && p.metadata?.deletionTimestamp)) exp.dels.delete(p.metadata?.name ?? '');
      }
      this.enqueue(key);
      return;
    }
    // an orphan: any RC selecting it may adopt it
    for (const rc of this.rcs.list()) {
      if (rc.metadata?.namespace === ns && rc.spec?.selector && selectorMatches(rc.spec.selector, p.metadata?.labels)) this.enqueue(objectKey(rc));
    }
  }

  private satisfied(key: string): boolean {
    const e = this.expectations.get(key);
    if (!e) return true;
    if ((e.adds <= 0 && e.dels.size === 0) || Date.now() - e.at > EXPECTATION_TTL_MS) {
      this.expectations.delete(key);
      return true;
    }
    return false;
  }

  protected async sync(key: string): Promise<void> {
    const rc = this.rcs.get(key);
    if (!rc || rc.metadata?.deletionTimestamp) return;
    const { namespace } = splitKey(key);
    const selector = rc.spec?.selector ?? rc.spec?.template?.metadata?.labels ?? {};
    const uid = rc.metadata?.uid;
    const candidates = this.pods.list().filter((p) => p.metadata?.namespace === namespace && selectorMatches(selector, p.metadata?.labels));
    const owned: PodObj[] = [];
    for (const p of candidates) {
      const ref = controllerRef(p);
      if (ref?.uid === uid) owned.push(p);
      else if (!ref && !p.metadata?.deletionTimestamp && uid) {
        // adopt the orphan (kube's ControllerRefManager), CAS on its resourceVersion
        try {
          const adopted = await this.client.patch<PodObj>(
            { resource: 'pods', namespace, name: p.metadata?.name },
            { metadata: { resourceVersion: p.metadata?.resourceVersion, ownerReferences: [...(p.metadata?.ownerReferences ?? []), this.ownerRef(rc)] } },
            'merge',
          );
          owned.push(adopted);
        } catch (err) {
          if (!isNotFound(err)) this.queue.addRateLimited(key);
        }
      }
    }
    const active = owned.filter(isActive);
    if (this.satisfied(key)) {
      const want = rc.spec?.replicas ?? 1;
      const diff = active.length - want;
      if (diff < 0) await this.createPods(key, rc, Math.min(-diff, BURST));
      else if (diff > 0) await this.deletePods(key, active, Math.min(diff, BURST));
    }
    await this.updateStatus(rc, owned);
  }

  private ownerRef(rc: RcObj): OwnerReference {
    return { apiVersion: 'v1', kind: 'ReplicationController', name: rc.metadata?.name ?? '', uid: rc.metadata?.uid ?? '', controller: true, blockOwnerDeletion: true };
  }

  private async createPods(key: string, rc: RcObj, n: number): Promise<void> {
    const namespace = rc.metadata?.namespace ?? '';
    const template = rc.spec?.template ?? {};
    this.expectations.set(key, { adds: n, dels: new Set(), at: Date.now() });
    const pod: KubeObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        ...(template.metadata ?? {}),
        generateName: `${rc.metadata?.name}-`,
        namespace,
        ownerReferences: [this.ownerRef(rc)],
      },
      spec: template.spec,
    };
    // kube's slow start: batches of 1, 2, 4, … so a failing template doesn't flood the API
    let done = 0;
    let batch = 1;
    let failure: unknown;
    while (done < n && failure === undefined) {
      const size = Math.min(batch, n - done);
      const results = await Promise.allSettled(Array.from({ length: size }, () => this.client.create({ resource: 'pods', namespace }, pod)));
      for (const r of results) if (r.status === 'rejected') failure = r.reason;
      const ok = results.filter((r) => r.status === 'fulfilled').length;
      done += ok;
      batch *= 2;
      if (failure !== undefined) {
        const exp = this.expectations.get(key);
        if (exp) exp.adds -= n - done; // those will never be observed
      }
    }
    if (failure !== undefined) throw failure;
  }

  private async deletePods(key: string, active: PodObj[], n: number): Promise<void> {
    const victims = [...active]
      .sort((a, b) => {
        const ra = deletionRank(a);
        const rb = deletionRank(b);
        for (let i = 0; i < ra.length; i++) if (ra[i] !== rb[i]) return ra[i]! - rb[i]!;
        return 0;
      })
      .slice(0, n);
    this.expectations.set(key, { adds: 0, dels: new Set(victims.map((v) => v.metadata?.name ?? '')), at: Date.now() });
    const results = await Promise.allSettled(
      victims.map((v) => this.client.delete({ resource: 'pods', namespace: v.metadata?.namespace, name: v.metadata?.name })),
    );
    const failed = results.find((r) => r.status === 'rejected' && !isNotFound(r.reason));
    if (failed && failed.status === 'rejected') throw failed.reason;
  }

  private async updateStatus(rc: RcObj, owned: PodObj[]): Promise<void> {
    const active = owned.filter(isActive);
    const templateLabels = rc.spec?.template?.metadata?.labels ?? {};
    const status = {
      replicas: active.length,
      fullyLabeledReplicas: active.filter((p) => Object.entries(templateLabels).every(([k, v]) => p.metadata?.labels?.[k] === v)).length,
      readyReplicas: active.filter(isPodReady).length,
      availableReplicas: active.filter(isPodReady).length,
      observedGeneration: rc.metadata?.generation ?? 0,
    };
    const cur: Partial<ReplicationControllerStatus> = rc.status ?? {};
    if (
      cur.replicas === status.replicas &&
      (cur.fullyLabeledReplicas ?? 0) === status.fullyLabeledReplicas &&
      (cur.readyReplicas ?? 0) === status.readyReplicas &&
      (cur.availableReplicas ?? 0) === status.availableReplicas &&
      (cur.observedGeneration ?? 0) === status.observedGeneration
    ) {
      return;
    }
    try {
      await this.client.update({ resource: 'replicationcontrollers', namespace: rc.metadata?.namespace, name: rc.metadata?.name, subresource: 'status' }, {
        ...rc,
        status: { ...cur, ...status },
      });
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
  }
}
