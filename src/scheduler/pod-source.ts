/**
 * The pod-facing side of the Mesos scheduler. The scheduler is an API client like any controller: it
 * learns about pods through a PodSource (list + watch, all namespaces) and writes back through a
 * PodSink (binding, status, annotations, final deletion, events). The production implementation is
 * an HTTP client of the km / kube API server; it never touches storage. FrameworkIdStore persists the
 * Mesos framework id (e.g. a ConfigMap in kube-system) so a restarted scheduler keeps its tasks.
 */
import type { Pod, PodStatus } from 'kubernetes-types/core/v1';

export interface PodRef {
  namespace: string;
  name: string;
  uid: string;
}

export interface PodEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  pod: Pod;
}

export interface PodWatch {
  stop(): void;
}

export interface PodSource {
  /** All pods in all namespaces, and the resourceVersion to watch from. */
  list(): Promise<{ pods: Pod[]; resourceVersion: string }>;
  /**
   * Changes after `resourceVersion`, in order. `onError` ends the watch (e.g. 410 Gone or a broken
   * connection); the scheduler then lists again and starts a new watch.
   */
  watch(resourceVersion: string, onEvent: (event: PodEvent) => void, onError: (err: Error) => void): PodWatch;
}

export interface PodEventRecord {
  type: 'Normal' | 'Warning';
  /** Kubernetes event reason: Scheduled, FailedScheduling, Started, Killing, Failed. */
  reason: string;
  message: string;
}

export interface PodSink {
  /** `POST pods/{name}/binding` with target node `nodeName` (uid precondition). */
  bind(pod: PodRef, nodeName: string): Promise<void>;
  /**
   * Writes the status subresource: every top-level field given replaces the pod's, except
   * `conditions`, which are merged by `type` (strategic-merge semantics).
   */
  updateStatus(pod: PodRef, status: PodStatus): Promise<void>;
  /** Merge-patches metadata.annotations (the launch record: task id, agent id, host). */
  annotate(pod: PodRef, annotations: Record<string, string>): Promise<void>;
  /** Final removal once the task is gone: DELETE with gracePeriodSeconds=0 and a uid precondition. */
  deletePod(pod: PodRef): Promise<void>;
  recordEvent(pod: PodRef, event: PodEventRecord): Promise<void>;
}

export interface FrameworkIdStore {
  load(): Promise<string | undefined>;
  save(frameworkId: string, failoverTimeoutSeconds: number): Promise<void>;
  clear(): Promise<void>;
}

/** Annotations the scheduler writes before launching, so a restarted scheduler can reconcile. */
export const ANNOTATION_TASK_ID = 'k8s.mesosphere.io/taskId';
export const ANNOTATION_AGENT_ID = 'k8s.mesosphere.io/agentId';
export const ANNOTATION_BINDING_HOST = 'k8s.mesosphere.io/bindingHost';

export function podRef(pod: Pod): PodRef {
  return { namespace: pod.metadata?.namespace ?? 'default', name: pod.metadata?.name ?? '', uid: pod.metadata?.uid ?? '' };
}
