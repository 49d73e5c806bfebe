/**
 * IN-MEMORY STAND-IN FOR THE API SERVER, for scheduler tests only.
 *
 * The scheduler talks to pods through the PodSource/PodSink/FrameworkIdStore interfaces; in
 * production those are implemented by an HTTP client of the km API server (not built yet when these
 * tests were written). This class plays the API server's part so the Mesos side can be tested end to
 * end against the simulator: it is not storage and nothing outside test/ uses it. It keeps the API
 * rules the scheduler relies on: bindings conflict when a pod is already bound or its uid differs,
 * deleting a bound pod is graceful (deletionTimestamp, object stays until a grace-0 delete), deleting
 * an unbound pod removes it at once, and every change is delivered to watchers in order.
 */
import { randomUUID } from 'node:crypto';
import type { Pod, PodCondition, PodStatus } from 'kubernetes-types/core/v1';
import type { FrameworkIdStore, PodEvent, PodEventRecord, PodRef, PodSink, PodSource, PodWatch } from '../../src/scheduler/pod-source';

interface Watcher {
  onEvent: (e: PodEvent) => void;
  onError: (err: Error) => void;
  stopped: boolean;
}

export class InMemoryPods implements PodSource, PodSink, FrameworkIdStore {
  readonly pods = new Map<string, Pod>();
  readonly events: Array<{ pod: string } & PodEventRecord> = [];
  readonly bindings: Array<{ pod: string; node: string }> = [];
  frameworkId: string | undefined;
  private rv = 0;
  private watchers: Watcher[] = [];

  private key(ns: string, name: string): string {
    return `${ns}/${name}`;
  }

  private emit(type: PodEvent['type'], pod: Pod): void {
    const copy = structuredClone(pod);
    for (const w of this.watchers) {
      // Delivered asynchronously, as over a real watch connection.
      setImmediate(() => {
        if (!w.stopped) w.onEvent({ type, pod: structuredClone(copy) });
      });
    }
  }

  private find(ref: PodRef): Pod {
    const pod = this.pods.get(this.key(ref.namespace, ref.name));
    if (!pod) throw new Error(`pods "${ref.name}" not found`);
    if (pod.metadata?.uid !== ref.uid) throw new Error(`Precondition failed: UID in precondition: ${ref.uid}, UID in object meta: ${pod.metadata?.uid}`);
    return pod;
  }

  private touch(pod: Pod): void {
    Object.assign(pod.metadata!, { resourceVersion: String(++this.rv) });
  }

  // ------------------------------------------------------------- client-side actions (kubectl)

  create(pod: Pod): Pod {
    const p = structuredClone(pod);
    p.metadata = { namespace: 'default', ...p.metadata, uid: randomUUID(), creationTimestamp: new Date().toISOString() };
    Object.assign(p, { status: { phase: 'Pending', ...p.status } });
    this.touch(p);
    const k = this.key(p.metadata.namespace!, p.metadata.name!);
    if (this.pods.has(k)) throw new Error(`pods "${p.metadata.name}" already exists`);
    this.pods.set(k, p);
    this.emit('ADDED', p);
    return structuredClone(p);
  }

  /** DELETE with the default grace period. */
  requestDelete(namespace: string, name: string): void {
    const pod = this.pods.get(this.key(namespace, name));
    if (!pod) throw new Error('not found');
    if (!pod.spec?.nodeName) {
      this.pods.delete(this.key(namespace, name));
      this.touch(pod);
      this.emit('DELETED', pod);
      return;
    }
    Object.assign(pod.metadata!, { deletionTimestamp: new Date(Date.now() + 30_000).toISOString(), deletionGracePeriodSeconds: 30 });
    this.touch(pod);
    this.emit('MODIFIED', pod);
  }

  get(namespace: string, name: string): Pod | undefined {
    const p = this.pods.get(this.key(namespace, name));
    return p ? structuredClone(p) : undefined;
  }

  // ------------------------------------------------------------- PodSource

  async list(): Promise<{ pods: Pod[]; resourceVersion: string }> {
    return { pods: [...this.pods.values()].map((p) => structuredClone(p)), resourceVersion: String(this.rv) };
  }

  watch(_resourceVersion: string, onEvent: (e: PodEvent) => void, onError: (err: Error) => void): PodWatch {
    const w: Watcher = { onEvent, onError, stopped: false };
    this.watchers.push(w);
    return {
      stop: () => {
        w.stopped = true;
        this.watchers = this.watchers.filter((x) => x !== w);
      },
    };
  }

  // ------------------------------------------------------------- PodSink

  async bind(ref: PodRef, nodeName: string): Promise<void> {
    const pod = this.find(ref);
    if (pod.spec?.nodeName) throw new Error(`Operation cannot be fulfilled on pods/binding "${ref.name}": pod ${ref.name} is already assigned to node "${pod.spec.nodeName}"`);
    pod.spec = { ...pod.spec!, nodeName };
    mergeConditions(pod, [{ type: 'PodScheduled', status: 'True', lastTransitionTime: new Date().toISOString() }]);
    this.bindings.push({ pod: this.key(ref.namespace, ref.name), node: nodeName });
    this.touch(pod);
    this.emit('MODIFIED', pod);
  }

  async updateStatus(ref: PodRef, status: PodStatus): Promise<void> {
    const pod = this.find(ref);
    const { conditions, ...rest } = structuredClone(status);
    Object.assign(pod, { status: { ...pod.status, ...rest } });
    if (conditions) mergeConditions(pod, conditions);
    this.touch(pod);
    this.emit('MODIFIED', pod);
  }

  async annotate(ref: PodRef, annotations: Record<string, string>): Promise<void> {
    const pod = this.find(ref);
    pod.metadata!.annotations = { ...pod.metadata!.annotations, ...annotations };
    this.touch(pod);
    this.emit('MODIFIED', pod);
  }

  async deletePod(ref: PodRef): Promise<void> {
    const pod = this.find(ref);
    this.pods.delete(this.key(ref.namespace, ref.name));
    this.touch(pod);
    this.emit('DELETED', pod);
  }

  async recordEvent(ref: PodRef, event: PodEventRecord): Promise<void> {
    this.events.push({ pod: this.key(ref.namespace, ref.name), ...event });
  }

  // ------------------------------------------------------------- FrameworkIdStore

  async load(): Promise<string | undefined> {
    return this.frameworkId;
  }
  async save(id: string): Promise<void> {
    this.frameworkId = id;
  }
  async clear(): Promise<void> {
    this.frameworkId = undefined;
  }
}

function mergeConditions(pod: Pod, conditions: PodCondition[]): void {
  const list = [...(pod.status?.conditions ?? [])];
  for (const c of conditions) {
    const i = list.findIndex((x) => x.type === c.type);
    if (i >= 0) list[i] = { ...c, lastTransitionTime: list[i].status === c.status ? list[i].lastTransitionTime : c.lastTransitionTime };
    else list.push(c);
  }
  Object.assign(pod, { status: { ...pod.status, conditions: list } });
}
