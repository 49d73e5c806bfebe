/**
 * MesosScheduler end to end against the Mesos master simulator over real HTTP on loopback. The pod
 * side is the in-memory stand-in for the API server (see in-memory-pods.ts): the real API server is
 * built separately and the scheduler only sees it through the PodSource/PodSink interfaces.
 */
import { TERMINAL_STATES } from '../../src/scheduler/mesos/types';
import { uidFromTaskId } from '../../src/scheduler/task-builder';
import type { Harness } from './harness';
import { nginxPod, smallPod, startHarness } from './harness';
import { waitFor } from './helpers';

let h: Harness | undefined;

afterEach(async () => {
  if (!h) return;
  const violations = h.sim.cluster.violations;
  await h.stop();
  h = undefined;
  expect(violations).toEqual([]);
});

const AGENTS = [
  { hostname: 'agent-a.local', cpus: 2, mem: 2048, attributes: [{ name: 'rack', type: 'TEXT' as const, text: { value: 'r1' } }] },
  { hostname: 'agent-b.local', cpus: 2, mem: 2048, attributes: [{ name: 'rack', type: 'TEXT' as const, text: { value: 'r2' } }] },
];

test('the seed nginx pod is launched with image nginx and host port 31000, bound, and reported Running with an IP', async () => {
  h = await startHarness({ agents: AGENTS });
  const created = h.pods.create(nginxPod());
  await waitFor('pod running', () => h!.pods.get('default', 'nginx')?.status?.phase === 'Running');
  const pod = h.pods.get('default', 'nginx')!;
  const [task] = h.launches();
  expect(h.launches()).toHaveLength(1);
  expect(task.task_id.value).toBe(`pod.${created.metadata!.uid}`);
  expect(task.name).toBe('default/nginx');
  expect(task.container).toMatchObject({ type: 'DOCKER', docker: { image: 'nginx', network: 'BRIDGE', port_mappings: [{ host_port: 31000, container_port: 80, protocol: 'tcp' }] } });
  expect(task.resources).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ name: 'cpus', scalar: { value: 0.25 } }),
      expect.objectContaining({ name: 'mem', scalar: { value: 64 } }),
      expect.objectContaining({ name: 'ports', ranges: { range: [{ begin: 31000, end: 31000 }] } }),
    ]),
  );
  expect(task.labels?.labels).toEqual(expect.arrayContaining([{ key: 'io.kubernetes.pod.name', value: 'nginx' }]));
  const agent = [...h.sim.cluster.agents.values()].find((a) => a.id === task.agent_id.value)!;
  expect(pod.spec?.nodeName).toBe(agent.hostname);
  expect(pod.status?.podIP).toBe(agent.ip);
  expect(pod.status?.hostIP).toBe(agent.ip);
  expect(pod.status?.conditions).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'Ready', status: 'True' }), expect.objectContaining({ type: 'PodScheduled', status: 'True' })]));
  expect(pod.status?.containerStatuses?.[0].state?.running?.startedAt).toBeDefined();
  expect(h.pods.events.map((e) => e.reason)).toEqual(expect.arrayContaining(['Scheduled', 'Started']));
  // Every status update was acknowledged, and with nothing left to place the framework suppresses offers.
  await waitFor('acks', () => h!.sim.cluster.liveTasks().every((t) => t.unacked.length === 0));
  await waitFor('suppressed', () => h!.sim.cluster.calls.some((c) => c.type === 'SUPPRESS'));
});

test('deleting a running pod kills its task and the pod object goes once the task is KILLED', async () => {
  h = await startHarness({ agents: AGENTS });
  h.pods.create(nginxPod());
  await waitFor('pod running', () => h!.pods.get('default', 'nginx')?.status?.phase === 'Running');
  h.pods.requestDelete('default', 'nginx');
  await waitFor('pod gone', () => h!.pods.get('default', 'nginx') === undefined);
  expect(h.sim.cluster.calls.filter((c) => c.type === 'KILL')).toHaveLength(1);
  expect(h.sim.cluster.liveTasks()).toHaveLength(0);
  expect(h.pods.events.map((e) => e.reason)).toContain('Killing');
});

test('a pod asking more cpu than any agent has stays Pending with the reason, while others schedule', async () => {
  h = await startHarness({ agents: AGENTS });
  h.pods.create(smallPod('huge', '64'));
  h.pods.create(smallPod('fits'));
  await waitFor('small pod running', () => h!.pods.get('default', 'fits')?.status?.phase === 'Running');
  await waitFor('huge marked unschedulable', () => !!h!.pods.get('default', 'huge')?.status?.conditions?.some((c) => c.type === 'PodScheduled' && c.status === 'False'));
  const huge = h.pods.get('default', 'huge')!;
  expect(huge.status?.phase).toBe('Pending');
  expect(huge.spec?.nodeName).toBeUndefined();
  const cond = huge.status?.conditions?.find((c) => c.type === 'PodScheduled');
  expect(cond).toMatchObject({ reason: 'Unschedulable' });
  expect(cond?.message).toContain('insufficient cpus');
  expect(h.pods.events).toEqual(expect.arrayContaining([expect.objectContaining({ pod: 'default/huge', reason: 'FailedScheduling' })]));
  expect(h.launches().map((t) => t.name)).toEqual(['default/fits']);
  // Deleting the waiting pod just drops it from the queue: nothing was ever launched for it.
  h.pods.requestDelete('default', 'huge');
  expect(h.pods.get('default', 'huge')).toBeUndefined();
  expect(h.launches().map((t) => t.name)).toEqual(['default/fits']);
});

test('nodeSelector on an agent attribute and on the hostname label picks the matching agent', async () => {
  h = await startHarness({ agents: AGENTS });
  h.pods.create(smallPod('on-r2', '100m', '64Mi', { nodeSelector: { rack: 'r2' } }));
  h.pods.create(smallPod('on-a', '100m', '64Mi', { nodeSelector: { 'kubernetes.io/hostname': 'agent-a.local' } }));
  h.pods.create(smallPod('nowhere', '100m', '64Mi', { nodeSelector: { rack: 'r9' } }));
  await waitFor('both running', () => ['on-r2', 'on-a'].every((n) => h!.pods.get('default', n)?.status?.phase === 'Running'));
  expect(h.pods.get('default', 'on-r2')?.spec?.nodeName).toBe('agent-b.local');
  expect(h.pods.get('default', 'on-a')?.spec?.nodeName).toBe('agent-a.local');
  await waitFor('nowhere unschedulable', () => !!h!.pods.get('default', 'nowhere')?.status?.conditions?.some((c) => c.reason === 'Unschedulable'));
  expect(h.pods.get('default', 'nowhere')?.status?.conditions?.find((c) => c.type === 'PodScheduled')?.message).toContain('node selector');
});

test('a pod that arrives already bound to a hostname is launched on that agent without a new binding', async () => {
  h = await startHarness({ agents: AGENTS });
  h.pods.create(smallPod('pinned', '100m', '64Mi', { nodeName: 'agent-b.local' }));
  await waitFor('running', () => h!.pods.get('default', 'pinned')?.status?.phase === 'Running');
  const agentB = [...h.sim.cluster.agents.values()].find((a) => a.hostname === 'agent-b.local')!;
  expect(h.launches()[0].agent_id.value).toBe(agentB.id);
  expect(h.pods.bindings).toEqual([]);
});

test('200 pods over 10 agents are all placed without over-committing any agent', async () => {
  const agents = Array.from({ length: 10 }, (_, i) => ({ hostname: `agent-${i}.local`, cpus: 2, mem: 1536 }));
  h = await startHarness({ agents }, { offerTtlMs: 1000 });
  // 20 pods of 0.1 cpu fill an agent's 2 cpus exactly: one extra pod anywhere would over-commit.
  for (let i = 0; i < 200; i++) h.pods.create(smallPod(`p${i}`));
  for (let i = 0; i < 5; i++) h.pods.create(smallPod(`extra${i}`));
  await waitFor('200 running', () => [...h!.pods.pods.values()].filter((p) => p.status?.phase === 'Running').length === 200, 60_000);
  for (const a of h.sim.cluster.agents.values()) {
    const used = h.sim.cluster.usedResources(a.id);
    expect(used.cpus).toBeLessThanOrEqual(a.total.cpus + 1e-6);
    expect(used.mem).toBeLessThanOrEqual(a.total.mem);
  }
  const ids = h.launches().map((t) => t.task_id.value);
  expect(new Set(ids).size).toBe(ids.length);
  expect(h.sim.cluster.liveTasks()).toHaveLength(200);
  // The five extra pods found no room; they wait as Unschedulable instead of being launched.
  await waitFor('extras unschedulable', () =>
    [0, 1, 2, 3, 4].every((i) => h!.pods.get('default', `extra${i}`)?.status?.conditions?.some((c) => c.reason === 'Unschedulable')),
  );
  expect([...h.pods.pods.values()].filter((p) => p.status?.phase === 'Running')).toHaveLength(200);
}, 90_000);

test('two pods asking the same host port never share an agent', async () => {
  h = await startHarness({ agents: AGENTS });
  for (const n of ['web1', 'web2', 'web3']) h.pods.create(nginxPod(n));
  await waitFor('two running', () => ['web1', 'web2', 'web3'].filter((n) => h!.pods.get('default', n)?.status?.phase === 'Running').length === 2);
  await waitFor('third unschedulable', () =>
    ['web1', 'web2', 'web3'].some((n) => h!.pods.get('default', n)?.status?.conditions?.some((c) => c.reason === 'Unschedulable' && (c.message ?? '').includes('31000'))),
  );
  expect(h.sim.cluster.portCollisions()).toBe(0);
  const hosts = ['web1', 'web2', 'web3'].map((n) => h!.pods.get('default', n)?.spec?.nodeName).filter(Boolean);
  expect(new Set(hosts).size).toBe(2);
});

test('a failing container makes the pod Failed with the Mesos message', async () => {
  h = await startHarness({ agents: AGENTS, knobs: { behaviour: (t) => (t.name === 'default/bad' ? 'fail' : 'run') } });
  h.pods.create(smallPod('bad', '100m', '64Mi', { restartPolicy: 'Never' }));
  await waitFor('failed', () => h!.pods.get('default', 'bad')?.status?.phase === 'Failed');
  expect(h.pods.get('default', 'bad')?.status?.message).toContain('exited with status 1');
  expect(h.launches()).toHaveLength(1);
});

test('a lost task is relaunched under a new task id when restartPolicy allows, and fails the pod when it is Never', async () => {
  let lost = 0;
  h = await startHarness({
    agents: AGENTS,
    knobs: { behaviour: (t) => (t.name === 'default/flaky' && lost++ === 0 ? 'lose' : t.name === 'default/once' ? 'lose' : 'run') },
  });
  const flaky = h.pods.create(smallPod('flaky'));
  h.pods.create(smallPod('once', '100m', '64Mi', { restartPolicy: 'Never' }));
  await waitFor('flaky running', () => h!.pods.get('default', 'flaky')?.status?.phase === 'Running');
  const ids = h.launches().filter((t) => t.name === 'default/flaky').map((t) => t.task_id.value);
  expect(ids).toEqual([`pod.${flaky.metadata!.uid}`, `pod.${flaky.metadata!.uid}.1`]);
  await waitFor('once failed', () => h!.pods.get('default', 'once')?.status?.phase === 'Failed');
  expect(h.pods.get('default', 'once')?.status?.reason).toBe('NodeLost');
});

test('a restarted scheduler keeps its framework id, reconciles, and launches nothing twice', async () => {
  h = await startHarness({ agents: AGENTS, knobs: { runningDelayMs: 1500 } });
  for (let i = 0; i < 4; i++) h.pods.create(smallPod(`r${i}`));
  await waitFor('all launched', () => h!.launches().length === 4);
  const frameworkId = h.scheduler.frameworkId;
  expect(h.pods.frameworkId).toBe(frameworkId);
  // Crash mid-launch: tasks are STARTING, not yet RUNNING.
  await h.restart();
  await waitFor('all running', () => [0, 1, 2, 3].every((i) => h!.pods.get('default', `r${i}`)?.status?.phase === 'Running'), 20_000);
  expect(h.scheduler.frameworkId).toBe(frameworkId);
  const reconcile = h.sim.cluster.calls.filter((c) => c.type === 'RECONCILE' && c.status === 202).map((c) => c.body as { reconcile: { tasks: Array<{ task_id: { value: string } }> } });
  const explicit = reconcile.flatMap((r) => r.reconcile.tasks.map((t) => t.task_id.value));
  for (const t of h.launches()) expect(explicit).toContain(t.task_id.value);
  expect(h.launches()).toHaveLength(4);
  expect(h.sim.cluster.liveTasks()).toHaveLength(4);
});

test('after a restart, a pod recorded as launched but unknown to Mesos is launched once; a task whose pod vanished is killed', async () => {
  h = await startHarness({ agents: AGENTS });
  h.pods.create(smallPod('keep'));
  h.pods.create(smallPod('doomed'));
  await waitFor('both running', () => ['keep', 'doomed'].every((n) => h!.pods.get('default', n)?.status?.phase === 'Running'));
  await h.scheduler.stop();
  // While no scheduler runs: 'doomed' disappears from the API, and 'ghost' claims a launch Mesos never saw.
  const doomed = h.pods.get('default', 'doomed')!;
  await h.pods.deletePod({ namespace: 'default', name: 'doomed', uid: doomed.metadata!.uid! });
  const ghost = h.pods.create(smallPod('ghost'));
  await h.pods.annotate({ namespace: 'default', name: 'ghost', uid: ghost.metadata!.uid! }, { 'k8s.mesosphere.io/taskId': `pod.${ghost.metadata!.uid}` });
  await h.restart();
  await waitFor('ghost running', () => h!.pods.get('default', 'ghost')?.status?.phase === 'Running');
  await waitFor('doomed task killed', () => h!.sim.cluster.liveTasks().every((t) => uidFromTaskId(t.info.task_id.value) !== doomed.metadata!.uid));
  expect(h.launches().filter((t) => t.name === 'default/ghost')).toHaveLength(1);
  expect(h.launches().filter((t) => t.name === 'default/keep')).toHaveLength(1);
  expect([...h.sim.cluster.tasks.values()].filter((t) => !TERMINAL_STATES.has(t.state)).map((t) => t.info.name).sort()).toEqual(['default/ghost', 'default/keep']);
});

test('malformed frames and unknown events from the master are survived without a duplicate launch', async () => {
  h = await startHarness({ agents: AGENTS });
  h.pods.create(nginxPod());
  await waitFor('running', () => h!.pods.get('default', 'nginx')?.status?.phase === 'Running');
  const fw = h.scheduler.frameworkId!;
  const unknown = JSON.stringify({ type: 'UPDATE_OPERATION_STATUS', update_operation_status: {} });
  h.sim.cluster.sendRaw(fw, Buffer.from(`${unknown.length}\n${unknown}`));
  const bogus = JSON.stringify({ type: 'UPDATE', update: { status: { task_id: { value: 'not-ours' }, state: 'TASK_FINISHED', agent_id: { value: 'x' } } } });
  h.sim.cluster.sendRaw(fw, Buffer.from(`${bogus.length}\n${bogus}`));
  h.sim.cluster.sendRaw(fw, Buffer.from('-1\n{}'));
  await waitFor('re-subscribed', () => h!.scheduler.mesosClient!.subscriptions === 2);
  h.pods.create(smallPod('after'));
  await waitFor('after running', () => h!.pods.get('default', 'after')?.status?.phase === 'Running');
  expect(h.launches().filter((t) => t.name === 'default/nginx')).toHaveLength(1);
  expect(h.logger.lines.some((l) => l.message.startsWith('bad RecordIO frame'))).toBe(true);
  expect(h.pods.get('default', 'nginx')?.status?.phase).toBe('Running');
});
