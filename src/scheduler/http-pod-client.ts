/**
 * The production PodSource / PodSink / FrameworkIdStore: an HTTP client of the API server (km's or
 * kube-apiserver's) — list + watch pods, bindings, pods/status, events, and a ConfigMap in
 * kube-system holding the framework id. Nothing here touches storage.
 */
import type { Pod, PodStatus, PodCondition } from 'kubernetes-types/core/v1';
import type { KubeObject } from '../api/types';
import type { ApiClient } from '../client/api-client';
import { ApiStatusError, isNotFound, isConflict, isAlreadyExists } from '../client/api-client';
import type { FrameworkIdStore, PodEvent, PodEventRecord, PodRef, PodSink, PodSource, PodWatch } from './pod-source';

type PodObj = Pod & KubeObject;

export class HttpPodSource implements PodSource {
  constructor(private readonly api: ApiClient) {}

  async list(): Promise<{ pods: Pod[]; resourceVersion: string }> {
    const l = await this.api.list<PodObj>({ resource: 'pods' });
    return { pods: l.items, resourceVersion: l.metadata.resourceVersion ?? '0' };
  }

  watch(resourceVersion: string, onEvent: (event: PodEvent) => void, onError: (err: Error) => void): PodWatch {
    const abort = new AbortController();
    let rv = resourceVersion;
    void (async () => {
      try {
        // Re-open after clean server-side timeouts, resuming from the last RV seen.
        while (!abort.signal.aborted) {
          for await (const ev of this.api.watch<PodObj>({ resource: 'pods' }, { resourceVersion: rv, allowWatchBookmarks: true }, abort.signal)) {
            if (ev.type === 'ERROR') {
              const status = ev.object as unknown as { code?: number; message?: string };
              throw new ApiStatusError(status.code ?? 500, status as never);
            }
            rv = ev.object.metadata?.resourceVersion ?? rv;
            if (ev.type === 'BOOKMARK') continue;
            onEvent({ type: ev.type, pod: ev.object });
          }
        }
      } catch (err) {
        if (!abort.signal.aborted) onError(err instanceof Error ? err : new Error(String(err)));
      }
    })();
    return { stop: () => abort.abort() };
  }
}

export class HttpPodSink implements PodSink {
  constructor(
    private readonly api: ApiClient,
    private readonly component = 'km-scheduler',
  ) {}

  async bind(pod: PodRef, nodeName: string): Promise<void> {
    await this.api.create({ resource: 'pods', namespace: pod.namespace, name: pod.name, subresource: 'binding' }, {
      apiVersion: 'v1',
      kind: 'Binding',
      metadata: { name: pod.name, namespace: pod.namespace, uid: pod.uid },
      target: { apiVersion: 'v1', kind: 'Node', name: nodeName },
    });
  }

  async updateStatus(pod: PodRef, status: PodStatus): Promise<void> {
    // read-modify-write on pods/status with the resourceVersion as precondition; retry conflicts
    for (let attempt = 0; attempt < 10; attempt++) {
      const live = await this.api.get<PodObj>({ resource: 'pods', namespace: pod.namespace, name: pod.name });
      if (pod.uid && live.metadata?.uid !== pod.uid) return; // a different pod with the same name
      const merged: PodStatus = { ...(live.status ?? {}), ...status };
      if (status.conditions) merged.conditions = mergeConditions(live.status?.conditions ?? [], status.conditions);
      try {
        await this.api.update({ resource: 'pods', namespace: pod.namespace, name: pod.name, subresource: 'status' }, { ...live, status: merged });
        return;
      } catch (err) {
        if (!isConflict(err) || attempt === 9) throw err;
      }
    }
  }

  async annotate(pod: PodRef, annotations: Record<string, string>): Promise<void> {
    await this.api.patch({ resource: 'pods', namespace: pod.namespace, name: pod.name }, { metadata: { annotations } }, 'merge');
  }

  async deletePod(pod: PodRef): Promise<void> {
    try {
      await this.api.delete(
        { resource: 'pods', namespace: pod.namespace, name: pod.name },
        { kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: 0, ...(pod.uid ? { preconditions: { uid: pod.uid } } : {}) },
      );
    } catch (err) {
      if (isNotFound(err) || isConflict(err)) return; // already gone, or replaced by a new pod
      throw err;
    }
  }

  async recordEvent(pod: PodRef, e: PodEventRecord): Promise<void> {
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    await this.api.create({ resource: 'events', namespace: pod.namespace }, {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { generateName: `${pod.name}.`, namespace: pod.namespace },
      involvedObject: { kind: 'Pod', apiVersion: 'v1', namespace: pod.namespace, name: pod.name, uid: pod.uid },
      reason: e.reason,
      message: e.message,
      type: e.type,
      source: { component: this.component },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
      reportingComponent: this.component,
    });
  }
}

function mergeConditions(old: PodCondition[], updates: PodCondition[]): PodCondition[] {
  const out = [...old];
  for (const u of updates) {
    const i = out.findIndex((c) => c.type === u.type);
    if (i >= 0) out[i] = { ...out[i], ...u };
    else out.push(u);
  }
  return out;
}

/** The framework id in a ConfigMap (kube-system/km-scheduler-framework by default). */
export class ConfigMapFrameworkIdStore implements FrameworkIdStore {
  constructor(
    private readonly api: ApiClient,
    private readonly namespace = 'kube-system',
    private readonly name = 'km-scheduler-framework',
  ) {}

  private path(): { resource: string; namespace: string; name: string } {
    return { resource: 'configmaps', namespace: this.namespace, name: this.name };
  }

  async load(): Promise<string | undefined> {
    try {
      const cm = await this.api.get<KubeObject & { data?: Record<string, string> }>(this.path());
      return cm.data?.['frameworkId'] || undefined;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async save(frameworkId: string, failoverTimeoutSeconds: number): Promise<void> {
    const body = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: this.name, namespace: this.namespace },
      data: { frameworkId, failoverTimeoutSeconds: String(failoverTimeoutSeconds) },
    };
    try {
      await this.api.create({ resource: 'configmaps', namespace: this.namespace }, body);
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      await this.api.patch(this.path(), { data: body.data }, 'merge');
    }
  }

  async clear(): Promise<void> {
    try {
      await this.api.delete(this.path());
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
