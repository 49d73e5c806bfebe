/** Mesos task state → pod status (issue #8's table). */
import type { Pod } from 'kubernetes-types/core/v1';
import { mapTaskStatus } from '../../src/scheduler/status-mapping';
import type { TaskState, TaskStatus } from '../../src/scheduler/mesos/types';

const pod = (restartPolicy: 'Always' | 'Never' = 'Always', nodeName = 'h1'): Pod => ({
  metadata: { name: 'p', namespace: 'default', uid: 'u' },
  spec: { containers: [{ name: 'c', image: 'nginx' }], restartPolicy, nodeName },
});
const status = (state: TaskState, extra: Partial<TaskStatus> = {}): TaskStatus => ({ task_id: { value: 'pod.u' }, state, timestamp: 1_700_000_000, ...extra });

test('STAGING and STARTING keep the pod Pending with the container creating', () => {
  for (const s of ['TASK_STAGING', 'TASK_STARTING'] as const) {
    const out = mapTaskStatus(status(s), { pod: pod(), hostIP: '10.0.0.1', deleting: false });
    expect(out).toMatchObject({ kind: 'status', status: { phase: 'Pending', hostIP: '10.0.0.1', containerStatuses: [{ state: { waiting: { reason: 'ContainerCreating' } } }] } });
  }
});

test('RUNNING gives Running, Ready, the container IP as podIP, and startedAt from the update', () => {
  const out = mapTaskStatus(status('TASK_RUNNING', { container_status: { network_infos: [{ ip_addresses: [{ ip_address: '172.17.0.5' }] }] } }), { pod: pod(), hostIP: '10.0.0.1', deleting: false });
  expect(out).toMatchObject({
    kind: 'status',
    status: { phase: 'Running', podIP: '172.17.0.5', hostIP: '10.0.0.1', containerStatuses: [{ ready: true, state: { running: { startedAt: new Date(1_700_000_000_000).toISOString() } } }] },
  });
  if (out.kind === 'status') expect(out.status.conditions).toContainEqual(expect.objectContaining({ type: 'Ready', status: 'True' }));
});

test('RUNNING without container network info uses the agent address; unhealthy is not Ready', () => {
  const out = mapTaskStatus(status('TASK_RUNNING', { healthy: false }), { pod: pod(), hostIP: '10.0.0.1', deleting: false });
  expect(out).toMatchObject({ kind: 'status', status: { podIP: '10.0.0.1' } });
  if (out.kind === 'status') expect(out.status.conditions).toContainEqual(expect.objectContaining({ type: 'Ready', status: 'False' }));
});

test('FINISHED is Succeeded; FAILED and ERROR are Failed with the message', () => {
  expect(mapTaskStatus(status('TASK_FINISHED'), { pod: pod(), deleting: false })).toMatchObject({ status: { phase: 'Succeeded' } });
  expect(mapTaskStatus(status('TASK_FAILED', { message: 'boom' }), { pod: pod(), deleting: false })).toMatchObject({ status: { phase: 'Failed', message: 'boom' } });
  expect(mapTaskStatus(status('TASK_ERROR', { message: 'bad task' }), { pod: pod(), deleting: false })).toMatchObject({ status: { phase: 'Failed', reason: 'TaskError' } });
});

test('KILLED removes a deleting pod, and fails one nobody deleted', () => {
  expect(mapTaskStatus(status('TASK_KILLED'), { pod: pod(), deleting: true })).toEqual({ kind: 'delete' });
  expect(mapTaskStatus(status('TASK_KILLED'), { pod: pod(), deleting: false })).toMatchObject({ status: { phase: 'Failed' } });
});

test('GONE fails a bound pod whatever its restartPolicy: its agent will not come back', () => {
  expect(mapTaskStatus(status('TASK_GONE'), { pod: pod('Always'), deleting: false })).toMatchObject({ status: { phase: 'Failed', reason: 'NodeLost' } });
  expect(mapTaskStatus(status('TASK_GONE'), { pod: pod('Always', ''), deleting: false }).kind).toBe('relaunch');
});

test('LOST and UNKNOWN relaunch unless restartPolicy is Never; DROPPED always relaunches; UNREACHABLE waits as Unknown', () => {
  for (const s of ['TASK_LOST', 'TASK_UNKNOWN'] as const) {
    expect(mapTaskStatus(status(s), { pod: pod('Always'), deleting: false }).kind).toBe('relaunch');
    expect(mapTaskStatus(status(s), { pod: pod('Never'), deleting: false })).toMatchObject({ status: { phase: 'Failed', reason: 'NodeLost' } });
  }
  expect(mapTaskStatus(status('TASK_DROPPED'), { pod: pod('Never'), deleting: false }).kind).toBe('relaunch');
  expect(mapTaskStatus(status('TASK_UNREACHABLE'), { pod: pod(), deleting: false })).toMatchObject({ status: { phase: 'Unknown' } });
});
