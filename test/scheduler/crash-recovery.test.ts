/**
 * Scheduler crashes at the two dangerous moments of a launch, against the simulator: after the task
 * id was recorded on the pod but before Mesos heard of it, and after Mesos accepted the launch but
 * before the binding was written. A fresh scheduler instance must end with exactly one task per pod.
 * The pod side is the in-memory API-server stand-in (see in-memory-pods.ts).
 */
import type { PodRef } from '../../src/scheduler/pod-source';
import { InMemoryPods } from './in-memory-pods';
import type { Harness } from './harness';
import { smallPod, startHarness } from './harness';
import { waitFor } from './helpers';

/** The stand-in with a hook that fires the "crash" at a chosen step. */
class CrashingPods extends InMemoryPods {
  crashOnAnnotate: (() => Promise<void>) | null = null;
  crashOnBind: (() => Promise<void>) | null = null;

  override async annotate(ref: PodRef, annotations: Record<string, string>): Promise<void> {
    await super.annotate(ref, annotations);
    const crash = this.crashOnAnnotate;
    this.crashOnAnnotate = null;
    if (crash) await crash();
  }

  override async bind(ref: PodRef, nodeName: string): Promise<void> {
    const crash = this.crashOnBind;
    this.crashOnBind = null;
    if (crash) {
      await crash();
      throw new Error('scheduler died before the binding was written');
    }
    await super.bind(ref, nodeName);
  }
}

let h: Harness | undefined;

afterEach(async () => {
  if (!h) return;
  const violations = h.sim.cluster.violations;
  await h.stop();
  h = undefined;
  expect(violations).toEqual([]);
});

const AGENTS = [{ hostname: 'agent-a.local', cpus: 2, mem: 2048 }];

test('crash after recording the task id but before ACCEPT: the restarted scheduler reconciles, then launches exactly once', async () => {
  const pods = new CrashingPods();
  h = await startHarness({ agents: AGENTS }, {}, pods);
  const dying = h.scheduler;
  pods.crashOnAnnotate = () => dying.stop();
  const created = pods.create(smallPod('p1'));
  await waitFor('annotated', () => !!pods.get('default', 'p1')?.metadata?.annotations?.['k8s.mesosphere.io/taskId']);
  await waitFor('crashed', () => !dying.mesosClient?.connected);
  expect(h.launches()).toHaveLength(0);
  await h.restart();
  await waitFor('running', () => pods.get('default', 'p1')?.status?.phase === 'Running');
  expect(h.launches().map((t) => t.task_id.value)).toEqual([`pod.${created.metadata!.uid}`]);
  const explicit = h.sim.cluster.calls.filter((c) => c.type === 'RECONCILE').map((c) => JSON.stringify(c.body));
  expect(explicit.some((b) => b.includes(`pod.${created.metadata!.uid}`))).toBe(true);
});

test('crash after ACCEPT but before the binding: the restarted scheduler adopts the running task and binds the pod', async () => {
  const pods = new CrashingPods();
  h = await startHarness({ agents: AGENTS }, {}, pods);
  const dying = h.scheduler;
  // Not awaited: stop() waits for in-flight pod work, and this hook runs inside it.
  pods.crashOnBind = async () => void dying.stop();
  pods.create(smallPod('p2'));
  await waitFor('launched', () => h!.launches().length === 1);
  await waitFor('crashed', () => !dying.mesosClient?.connected);
  expect(pods.get('default', 'p2')?.spec?.nodeName).toBeUndefined();
  await h.restart();
  await waitFor('bound and running', () => pods.get('default', 'p2')?.status?.phase === 'Running' && pods.get('default', 'p2')?.spec?.nodeName === 'agent-a.local');
  expect(h.launches()).toHaveLength(1);
  expect(h.sim.cluster.liveTasks()).toHaveLength(1);
  expect(pods.bindings).toEqual([{ pod: 'default/p2', node: 'agent-a.local' }]);
});

test('an agent that goes away fails its bound pods (NodeLost) and they are not relaunched elsewhere', async () => {
  h = await startHarness({ agents: [...AGENTS, { hostname: 'agent-b.local', cpus: 2, mem: 2048 }] });
  h.pods.create(smallPod('p3', '100m', '64Mi', { nodeSelector: { 'kubernetes.io/hostname': 'agent-b.local' } }));
  await waitFor('running', () => h!.pods.get('default', 'p3')?.status?.phase === 'Running');
  const b = [...h.sim.cluster.agents.values()].find((a) => a.hostname === 'agent-b.local')!;
  h.sim.cluster.removeAgent(b.id);
  await waitFor('failed', () => h!.pods.get('default', 'p3')?.status?.phase === 'Failed');
  expect(h.pods.get('default', 'p3')?.status?.reason).toBe('NodeLost');
  expect(h.launches()).toHaveLength(1);
});
