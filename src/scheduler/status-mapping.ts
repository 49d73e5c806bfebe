/**
 * Mesos task state → what happens to the pod (issue #8's table). The scheduler has no kubelet, so it
 * derives pod phase, conditions, IPs and container statuses from task status updates.
 */
import type { ContainerStatus, Pod, PodCondition, PodStatus } from 'kubernetes-types/core/v1';
import type { TaskStatus } from './mesos/types';

export type StatusOutcome =
  /** Write this status. */
  | { kind: 'status'; status: PodStatus; event?: { type: 'Normal' | 'Warning'; reason: string; message: string } }
  /** The task is gone and so should the (deleting) pod be. */
  | { kind: 'delete' }
  /** The launch is void (never started, or lost with a restart policy that allows another try). */
  | { kind: 'relaunch'; why: string }
  /** Nothing to write. */
  | { kind: 'none' };

export interface MappingContext {
  pod: Pod;
  /** The agent's address: hostIP, and podIP when the container reports none. */
  hostIP?: string;
  /** A deletion was requested (deletionTimestamp set or the pod object is already gone). */
  deleting: boolean;
}

function iso(ts: number | undefined): string {
  return new Date(ts !== undefined ? ts * 1000 : Date.now()).toISOString();
}

function cond(type: string, status: 'True' | 'False' | 'Unknown', now: string, reason?: string, message?: string): PodCondition {
  const c: PodCondition = { type, status, lastTransitionTime: now };
  if (reason) c.reason = reason;
  if (message) c.message = message;
  return c;
}

function containerStatus(pod: Pod, state: ContainerStatus['state'], ready: boolean, taskId: string): ContainerStatus[] {
  const c = pod.spec?.containers?.[0];
  if (!c) return [];
  return [{ name: c.name, image: c.image ?? '', imageID: '', ready, restartCount: 0, started: ready, state, containerID: `mesos://${taskId}` }];
}

export function mapTaskStatus(s: TaskStatus, ctx: MappingContext): StatusOutcome {
  const now = iso(s.timestamp);
  const pod = ctx.pod;
  const taskId = s.task_id.value;
  const scheduled = cond('PodScheduled', 'True', now);
  const message = s.message ?? '';
  const restart = pod.spec?.restartPolicy ?? 'Always';
  switch (s.state) {
    case 'TASK_STAGING':
    case 'TASK_STARTING':
      return {
        kind: 'status',
        status: {
          phase: 'Pending',
          hostIP: ctx.hostIP,
          conditions: [scheduled, cond('Ready', 'False', now, 'ContainersNotReady')],
          containerStatuses: containerStatus(pod, { waiting: { reason: 'ContainerCreating', message: s.state } }, false, taskId),
        },
      };
    case 'TASK_RUNNING': {
      const ip = s.container_status?.network_infos?.flatMap((n) => n.ip_addresses ?? []).find((a) => a.ip_address)?.ip_address ?? ctx.hostIP;
      const ready = s.healthy !== false;
      const status: PodStatus = {
        phase: 'Running',
        hostIP: ctx.hostIP,
        startTime: pod.status?.startTime ?? now,
        conditions: [scheduled, cond('Initialized', 'True', now), cond('ContainersReady', ready ? 'True' : 'False', now), cond('Ready', ready ? 'True' : 'False', now)],
        containerStatuses: containerStatus(pod, { running: { startedAt: now } }, ready, taskId),
      };
      if (ip) {
        status.podIP = ip;
        status.podIPs = [{ ip }];
      }
      return { kind: 'status', status, event: { type: 'Normal', reason: 'Started', message: `Mesos task ${taskId} is running` } };
    }
    case 'TASK_KILLING':
      return { kind: 'status', status: { phase: 'Running', conditions: [cond('Ready', 'False', now, 'Killing')] } };
    case 'TASK_FINISHED':
      return {
        kind: 'status',
        status: {
          phase: 'Succeeded',
          conditions: [cond('Ready', 'False', now, 'PodCompleted')],
          containerStatuses: containerStatus(pod, { terminated: { exitCode: 0, reason: 'Completed', finishedAt: now } }, false, taskId),
        },
      };
    case 'TASK_FAILED':
    case 'TASK_ERROR': {
      if (ctx.deleting) return { kind: 'delete' };
      const reason = s.state === 'TASK_ERROR' ? 'TaskError' : 'TaskFailed';
      return {
        kind: 'status',
        status: {
          phase: 'Failed',
          reason,
          message: message || s.reason || s.state,
          conditions: [cond('Ready', 'False', now, reason, message)],
          containerStatuses: containerStatus(pod, { terminated: { exitCode: 1, reason: 'Error', message, finishedAt: now } }, false, taskId),
        },
        event: { type: 'Warning', reason: 'Failed', message: `Mesos task ${taskId} ${s.state}: ${message}` },
      };
    }
    case 'TASK_KILLED':
      if (ctx.deleting) return { kind: 'delete' };
      return {
        kind: 'status',
        status: { phase: 'Failed', reason: 'Killed', message: message || 'task killed', conditions: [cond('Ready', 'False', now, 'Killed')] },
        event: { type: 'Warning', reason: 'Failed', message: `Mesos task ${taskId} was killed: ${message}` },
      };
    case 'TASK_UNREACHABLE':
      // A partitioned agent may come back with the task still running: keep the task, report Unknown.
      return { kind: 'status', status: { phase: 'Unknown', reason: 'NodeUnreachable', message, conditions: [cond('Ready', 'Unknown', now, 'NodeUnreachable')] } };
    case 'TASK_DROPPED':
    case 'TASK_LOST':
    case 'TASK_GONE':
    case 'TASK_GONE_BY_OPERATOR':
    case 'TASK_UNKNOWN':
      if (ctx.deleting) return { kind: 'delete' };
      // GONE means the agent is gone for good: a pod bound to it can never run there again.
      if (s.state === 'TASK_DROPPED' || !pod.spec?.nodeName || (restart !== 'Never' && s.state !== 'TASK_GONE' && s.state !== 'TASK_GONE_BY_OPERATOR')) {
        return { kind: 'relaunch', why: `${s.state}${message ? `: ${message}` : ''}` };
      }
      return {
        kind: 'status',
        status: { phase: 'Failed', reason: 'NodeLost', message: `${s.state}: ${message}`, conditions: [cond('Ready', 'False', now, 'NodeLost')] },
        event: { type: 'Warning', reason: 'Failed', message: `Mesos task ${taskId} ${s.state}: ${message}` },
      };
    default:
      return { kind: 'none' };
  }
}
