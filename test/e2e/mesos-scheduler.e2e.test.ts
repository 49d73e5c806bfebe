/**
 * Acceptance for issue 8, end to end over loopback: real `km apiserver`, `km controller-manager` and
 * `km scheduler` processes (the seed's command line), the Mesos master simulator with two masters
 * whose leader is elected in a real ZooKeeper, and stock kubectl 1.32. Every call the scheduler makes
 * is checked against the v1 protos by the simulator; no test may leave a schema violation.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Node, Pod } from 'kubernetes-types/core/v1';
import type { KubeObject } from '../../src/api/types';
import { ApiClient, isNotFound } from '../../src/client/api-client';
import type { TaskInfo } from '../../src/scheduler/mesos/types';
import { startMesosSim } from '../mesos-sim';
import type { MesosSim } from '../mesos-sim';
import { startZooKeeper } from '../helpers/zookeeper-process';
import type { ZooKeeperProcess } from '../helpers/zookeeper-process';
import { eventually } from '../helpers/eventually';
import { startKm, tempDir } from '../helpers/km-process';
import type { KmProcess } from '../helpers/km-process';
import { kubectl } from './kubectl-harness';
import type { Kubectl } from './kubectl-harness';

jest.setTimeout(60_000);

type PodObj = Pod & KubeObject;
type NodeObj = Node & KubeObject;

const AGENTS = Array.from({ length: 10 }, (_, i) => ({
  hostname: `agent-${i}.mesos.local`,
  cpus: 4,
  mem: 4096,
  ports: [{ begin: 31000, end: 32000 }],
  ip: `127.0.1.${i + 1}`,
}));
const NGINX = fs.readFileSync(path.join(__dirname, '../fixtures/nginx.json'), 'utf8');

let zk: ZooKeeperProcess;
let sim: MesosSim;
let apiserver: KmProcess;
let cm: KmProcess;
let sched: KmProcess;
let api: ApiClient;
let k: Kubectl;
let data: { dir: string; cleanup: () => void };

/** eventually(), with the scheduler's log tail in the failure message. */
async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 20_000): Promise<T> {
  try {
    return await eventually(what, fn, timeoutMs, 100);
  } catch (err) {
    throw new Error(`${err instanceof Error ? err.message : String(err)}\n--- scheduler log tail ---\n${sched?.output().slice(-3000) ?? ''}`);
  }
}

function startScheduler(): Promise<KmProcess> {
  // The seed's line (etcd_servers is accepted and unused), plus short leases and backoff for the test.
  return startKm('scheduler', {
    args: [
      '--address=127.0.0.1',
      `--mesos_master=zk://${zk.connectString}/mesos`,
      '--etcd_servers=http://127.0.0.1:4001',
      '--mesos_user=root',
      `--api_servers=${apiserver.url.replace('http://', '')}`,
      '--v=2',
      '--leader-elect-lease-duration=2s',
      '--leader-elect-renew-deadline=1500ms',
      '--leader-elect-retry-period=300ms',
      '--node-sync-period=500ms',
      '--scheduler-backoff-initial=200ms',
      '--scheduler-backoff-max=2s',
    ],
  });
}

const getPod = (name: string, ns = 'default'): Promise<PodObj> => api.get<PodObj>({ resource: 'pods', namespace: ns, name });

function launchesOf(uid: string): TaskInfo[] {
  const out: TaskInfo[] = [];
  for (const c of sim.cluster.calls) {
    if (c.type !== 'ACCEPT' || c.status !== 202) continue;
    const body = c.body as { accept: { operations: Array<{ launch?: { task_infos: TaskInfo[] } }> } };
    for (const op of body.accept.operations) for (const t of op.launch?.task_infos ?? []) if (t.task_id.value.includes(uid)) out.push(t);
  }
  return out;
}

function callsOf(type: string): Array<{ masterId: string; body: unknown; status: number }> {
  return sim.cluster.calls.filter((c) => c.type === type);
}

async function gone(name: string, ns = 'default'): Promise<boolean> {
  try {
    await getPod(name, ns);
    return false;
  } catch (e) {
    return isNotFound(e);
  }
}

function podManifest(name: string, cpu: string, mem = '64Mi', extra: Partial<Pod['spec']> = {}): PodObj {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels: { app: name.replace(/-\d+$/, '') } },
    spec: { containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu, memory: mem }, limits: { cpu, memory: mem } } }], ...extra },
  } as PodObj;
}

beforeAll(async () => {
  zk = await startZooKeeper();
  sim = await startMesosSim({
    masters: 2,
    agents: AGENTS,
    zk: zk.connectString,
    zkPath: '/mesos',
    // Pods named slow-* stay in STAGING until the test moves them on: a launch in flight.
    knobs: { heartbeatSeconds: 1, behaviour: (t) => (t.name.includes('/slow-') ? 'hang-staging' : 'run') },
  });
  data = tempDir('km-mesos-e2e-');
  [apiserver] = await Promise.all([startKm('apiserver', { args: [`--data-dir=${data.dir}`, '--cloud_provider=mesos'], readyPath: '/readyz' })]);
  api = new ApiClient({ servers: [apiserver.url] });
  [cm, sched] = await Promise.all([startKm('controller-manager', { args: [`--master=${apiserver.url}`, '--cloud_provider=mesos'] }), startScheduler()]);
  k = kubectl('1.32', apiserver.url);
}, 120_000);

afterAll(async () => {
  if (process.env.KM_E2E_DUMP) fs.writeFileSync(process.env.KM_E2E_DUMP, (sched?.output() ?? "") + "\n=== CM ===\n" + (cm?.output() ?? "") + "\n=== API ===\n" + (apiserver?.output() ?? ""));
  await Promise.allSettled([sched?.stop(), cm?.stop()]);
  await apiserver?.stop();
  api?.close();
  await sim?.stop();
  await zk?.stop();
  k?.cleanup();
  data?.cleanup();
});

afterEach(() => {
  expect(sim.cluster.violations).toEqual([]);
});

test('a Ready node object with the agent capacity appears for every Mesos agent', async () => {
  const nodes = await waitFor('10 nodes', async () => {
    const l = await api.list<NodeObj>({ resource: 'nodes' });
    return l.items.length >= AGENTS.length && l.items.every((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) ? l.items : undefined;
  });
  expect(nodes.map((n) => n.metadata?.name).sort()).toEqual(AGENTS.map((a) => a.hostname).sort());
  const n0 = nodes.find((n) => n.metadata?.name === AGENTS[0].hostname)!;
  expect(n0.status?.capacity).toMatchObject({ cpu: '4000m', memory: '4096Mi' });
  expect(n0.status?.allocatable).toMatchObject({ cpu: '4000m', memory: '4096Mi' });
  expect(n0.status?.addresses).toEqual(expect.arrayContaining([{ type: 'InternalIP', address: AGENTS[0].ip }]));
  const out = await k('get', 'nodes');
  expect(out.stderr).toBe('');
  expect(out.stdout).toMatch(new RegExp(`${AGENTS[0].hostname.replace(/\./g, '\\.')}\\s+Ready`));
});

test("the seed's nginx pod created with kubectl runs as a Mesos task on port 31000, shows IP and NODE, and deleting it kills the task", async () => {
  const file = path.join(k.dir, 'nginx.json');
  fs.writeFileSync(file, NGINX);
  const created = await k('create', '-f', file);
  expect(created.stderr).toBe('');
  expect(created.stdout).toContain('pod/nginx-id-01 created');
  const running = await waitFor('nginx Running', async () => {
    const p = await getPod('nginx-id-01');
    return p.status?.phase === 'Running' && p.status.podIP ? p : undefined;
  });
  const node = running.spec?.nodeName ?? '';
  expect(AGENTS.map((a) => a.hostname)).toContain(node);
  expect(running.status?.conditions).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'PodScheduled', status: 'True' })]));
  expect(running.status?.conditions).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'Ready', status: 'True' })]));
  expect(running.status?.podIP).toBe(AGENTS.find((a) => a.hostname === node)!.ip);

  const launches = launchesOf(running.metadata!.uid!);
  expect(launches).toHaveLength(1);
  const task = launches[0];
  expect(task.container?.docker?.image ?? task.container?.mesos?.image?.docker?.name).toBe('nginx');
  const ports = task.resources.find((r) => r.name === 'ports');
  expect(ports?.ranges?.range).toEqual([{ begin: 31000, end: 31000 }]);
  const simTask = sim.cluster.liveTasks().find((t) => t.info.task_id.value === task.task_id.value);
  expect(simTask?.state).toBe('TASK_RUNNING');
  expect(sim.cluster.agents.get(simTask!.agentId)?.hostname).toBe(node);

  const wide = await k('get', 'pods', '-o', 'wide');
  expect(wide.stderr).toBe('');
  const line = wide.stdout.split('\n').find((l) => l.startsWith('nginx-id-01'));
  expect(line).toBeDefined();
  expect(line).toContain('Running');
  expect(line).toContain(running.status!.podIP!);
  expect(line).toContain(node);

  const events = await api.list<KubeObject & { reason?: string; involvedObject?: { name?: string } }>({ resource: 'events', namespace: 'default' });
  const reasons = events.items.filter((e) => e.involvedObject?.name === 'nginx-id-01').map((e) => e.reason);
  expect(reasons).toEqual(expect.arrayContaining(['Scheduled', 'Started']));

  const del = await k('delete', 'pod', 'nginx-id-01', '--wait=false');
  expect(del.stderr).toBe('');
  await waitFor('KILL of the nginx task', () => callsOf('KILL').some((c) => JSON.stringify(c.body).includes(task.task_id.value)));
  await waitFor('nginx pod gone', () => gone('nginx-id-01'));
  expect(sim.cluster.tasks.get(`${simTask!.frameworkId}/${task.task_id.value}`)?.state).toBe('TASK_KILLED');
});

test('a pod asking more cpu than any agent has stays Pending with PodScheduled=False and the reason', async () => {
  await api.create({ resource: 'pods', namespace: 'default' }, podManifest('huge', '64'));
  const p = await waitFor('PodScheduled=False on huge', async () => {
    const pod = await getPod('huge');
    return pod.status?.conditions?.some((c) => c.type === 'PodScheduled' && c.status === 'False') ? pod : undefined;
  });
  expect(p.status?.phase).toBe('Pending');
  expect(p.spec?.nodeName ?? '').toBe('');
  const cond = p.status!.conditions!.find((c) => c.type === 'PodScheduled')!;
  expect(cond.reason).toBe('Unschedulable');
  expect(cond.message).toContain('insufficient cpus');
  expect(launchesOf(p.metadata!.uid!)).toHaveLength(0);
  const events = await api.list<KubeObject & { reason?: string; message?: string; involvedObject?: { name?: string } }>({ resource: 'events', namespace: 'default' });
  expect(events.items.some((e) => e.involvedObject?.name === 'huge' && e.reason === 'FailedScheduling' && /insufficient cpus/.test(e.message ?? ''))).toBe(true);
  const described = await k('describe', 'pod', 'huge');
  expect(described.stderr).toBe('');
  expect(described.stdout).toMatch(/Status:\s+Pending/);
  expect(described.stdout).toMatch(/FailedScheduling.*insufficient cpus/);
  await api.delete({ resource: 'pods', namespace: 'default', name: 'huge' });
  await waitFor('huge gone', () => gone('huge'));
});

test('scheduler kill -9 and restart mid-launch: same framework id, reconciliation, no duplicate task, no lost pod', async () => {
  const fwBefore = [...sim.cluster.frameworks.values()].find((f) => f.stream)!.id;
  await api.create({ resource: 'pods', namespace: 'default' }, podManifest('slow-1', '100m'));
  const uid = (await getPod('slow-1')).metadata!.uid!;
  const staging = await waitFor('slow-1 task in STAGING', () => sim.cluster.liveTasks().find((t) => t.info.task_id.value.includes(uid)));
  expect(staging.state).toBe('TASK_STAGING');

  if (process.env.KM_E2E_DUMP) fs.writeFileSync(process.env.KM_E2E_DUMP + ".first", sched.output());
  await sched.kill9();
  // Created while no scheduler runs: must not be lost either.
  await api.create({ resource: 'pods', namespace: 'default' }, podManifest('while-down', '100m'));
  const subscribesBefore = callsOf('SUBSCRIBE').length;
  const reconcilesBefore = callsOf('RECONCILE').length;
  sched = await startScheduler();

  await waitFor('re-subscription', () => callsOf('SUBSCRIBE').length > subscribesBefore && [...sim.cluster.frameworks.values()].some((f) => f.stream));
  const resub = callsOf('SUBSCRIBE').slice(subscribesBefore);
  expect(resub.some((c) => JSON.stringify(c.body).includes(fwBefore))).toBe(true);
  expect(sim.cluster.frameworks.size).toBe(1);
  const cm = await api.get<KubeObject & { data?: Record<string, string> }>({ resource: 'configmaps', namespace: 'kube-system', name: 'km-scheduler-framework' });
  expect(cm.data?.frameworkId).toBe(fwBefore);
  await waitFor('explicit reconciliation of the in-flight task', () =>
    callsOf('RECONCILE').slice(reconcilesBefore).some((c) => JSON.stringify(c.body).includes(staging.info.task_id.value)),
  );

  // The agent now reports the task running: the recovered pod must follow.
  sim.cluster.transition(staging, 'TASK_RUNNING', { source: 'SOURCE_EXECUTOR', container_status: { network_infos: [{ ip_addresses: [{ protocol: 'IPv4', ip_address: '127.0.1.99' }] }] } }, true);
  const slow = await waitFor('slow-1 Running', async () => {
    const p = await getPod('slow-1');
    return p.status?.phase === 'Running' ? p : undefined;
  });
  expect(slow.spec?.nodeName).toBe(sim.cluster.agents.get(staging.agentId)?.hostname);
  await waitFor('while-down Running', async () => (await getPod('while-down')).status?.phase === 'Running');
  // Give a stray second launch the chance to show up before counting.
  await new Promise((r) => setTimeout(r, 500));
  expect(launchesOf(uid)).toHaveLength(1);
  expect(sim.cluster.liveTasks().filter((t) => t.info.task_id.value.includes(uid))).toHaveLength(1);
  const whileDownUid = (await getPod('while-down')).metadata!.uid!;
  expect(launchesOf(whileDownUid)).toHaveLength(1);

  for (const name of ['slow-1', 'while-down']) await api.delete({ resource: 'pods', namespace: 'default', name });
  await waitFor('pods gone', async () => (await gone('slow-1')) && (await gone('while-down')));
});

test('scheduler kill -9 in the middle of a burst of launches: after restart every pod runs, each launched exactly once', async () => {
  const names = Array.from({ length: 20 }, (_, i) => `burst-${i}`);
  const pods = await Promise.all(names.map((n) => api.create<PodObj>({ resource: 'pods', namespace: 'default' }, podManifest(n, '100m'))));
  const uids = pods.map((p) => p.metadata!.uid!);
  await waitFor('the first launch of the burst', () => uids.some((u) => launchesOf(u).length > 0), 10_000);
  await sched.kill9();
  sched = await startScheduler();
  await waitFor(
    'every burst pod Running',
    async () => {
      const l = await api.list<PodObj>({ resource: 'pods', namespace: 'default' }, { labelSelector: 'app=burst' });
      return l.items.length === names.length && l.items.every((p) => p.status?.phase === 'Running' && p.spec?.nodeName);
    },
    30_000,
  );
  for (const uid of uids) {
    expect(launchesOf(uid)).toHaveLength(1);
    expect(sim.cluster.liveTasks().filter((t) => t.info.task_id.value.includes(uid))).toHaveLength(1);
  }
  expect(sim.cluster.frameworks.size).toBe(1);
  await Promise.all(names.map((name) => api.delete({ resource: 'pods', namespace: 'default', name })));
  await waitFor('burst pods gone', async () => (await api.list<PodObj>({ resource: 'pods', namespace: 'default' }, { labelSelector: 'app=burst' })).items.length === 0);
});

test('when the leading master leaves ZooKeeper the scheduler re-subscribes to the new leader and keeps scheduling', async () => {
  const old = sim.leader()!;
  const fw = [...sim.cluster.frameworks.values()].find((f) => f.stream)!;
  expect(fw.stream?.masterId).toBe(old.id);
  sim.election!.leave(old);
  const next = await waitFor('a new leading master', () => {
    const l = sim.leader();
    return l && l.id !== old.id ? l : undefined;
  });
  await waitFor('subscription to the new leader', () => fw.stream?.masterId === next.id);
  expect(callsOf('SUBSCRIBE').some((c) => c.masterId === next.id && JSON.stringify(c.body).includes(fw.id))).toBe(true);
  expect(sim.cluster.frameworks.size).toBe(1);

  await api.create({ resource: 'pods', namespace: 'default' }, podManifest('after-switch', '100m'));
  await waitFor('after-switch Running', async () => (await getPod('after-switch')).status?.phase === 'Running');
  await api.delete({ resource: 'pods', namespace: 'default', name: 'after-switch' });
  await waitFor('after-switch gone', () => gone('after-switch'));
});

test('200 pods across 10 agents are all scheduled and running without over-committing any agent', async () => {
  const N = 200;
  // 150m each: 26 fit on a 4-cpu agent (260 on ten), so 200 pods need at least 8 of the agents.
  const names = Array.from({ length: N }, (_, i) => `bulk-${i}`);
  for (let i = 0; i < N; i += 20) {
    await Promise.all(names.slice(i, i + 20).map((n) => api.create({ resource: 'pods', namespace: 'default' }, podManifest(n, '150m', '128Mi'))));
  }
  const pods = await waitFor(
    '200 pods Running',
    async () => {
      const l = await api.list<PodObj>({ resource: 'pods', namespace: 'default' }, { labelSelector: 'app=bulk' });
      return l.items.length === N && l.items.every((p) => p.status?.phase === 'Running' && p.spec?.nodeName) ? l.items : undefined;
    },
    60_000,
  );
  const perNode = new Map<string, number>();
  for (const p of pods) perNode.set(p.spec!.nodeName!, (perNode.get(p.spec!.nodeName!) ?? 0) + 1);
  expect(perNode.size).toBeGreaterThanOrEqual(8); // 200 × 150m needs at least 8 agents
  for (const [, count] of perNode) expect(count * 0.15).toBeLessThanOrEqual(4 + 1e-9);
  // Mesos's own accounting: what live tasks hold on each agent never exceeds the agent.
  for (const agent of sim.cluster.agents.values()) {
    const used = sim.cluster.usedResources(agent.id);
    expect(used.cpus).toBeLessThanOrEqual(agent.total.cpus + 1e-9);
    expect(used.mem).toBeLessThanOrEqual(agent.total.mem + 1e-9);
  }
  expect(sim.cluster.portCollisions()).toBe(0);
  // One task per pod.
  const bulkTasks = sim.cluster.liveTasks().filter((t) => t.info.name.startsWith('default/bulk-'));
  expect(bulkTasks).toHaveLength(N);
  expect(new Set(bulkTasks.map((t) => t.info.name)).size).toBe(N);
  const metrics = await (await fetch(`${sched.url}/metrics`)).text();
  expect(metrics).toMatch(/km_scheduler_tasks_launched_total \d+/);
  expect(metrics).toMatch(/km_scheduler_offers_total\{outcome="accepted"\} [1-9]/);
  expect(metrics).toContain('km_scheduler_scheduling_duration_seconds_bucket');
  if (process.env.KM_E2E_DUMP) fs.writeFileSync(`${process.env.KM_E2E_DUMP}.metrics`, `${JSON.stringify([...perNode])}\n${metrics}`);
}, 90_000);

test('a second scheduler replica stands by; SIGTERM on the leader exits 0 and the standby takes over as the same framework', async () => {
  const fwId = [...sim.cluster.frameworks.values()].find((f) => f.stream)!.id;
  const subscribesBefore = callsOf('SUBSCRIBE').length;
  const standby = await startScheduler();
  try {
    const leaderGauge = async (p: KmProcess): Promise<string | undefined> =>
      /leader_election_master_status\{name="km-scheduler"\} (\d)/.exec(await (await fetch(`${p.url}/metrics`)).text())?.[1];
    expect(await leaderGauge(sched)).toBe('1');
    // Give the standby several retry periods: it must campaign without ever subscribing.
    await new Promise((r) => setTimeout(r, 1500));
    expect(await leaderGauge(standby)).toBe('0');
    expect(callsOf('SUBSCRIBE').length).toBe(subscribesBefore);

    expect(await sched.stop()).toBe(0);
    sched = standby;
    await waitFor('the standby subscribed', () => callsOf('SUBSCRIBE').length > subscribesBefore && [...sim.cluster.frameworks.values()].some((f) => f.stream));
    expect(callsOf('SUBSCRIBE').slice(subscribesBefore).every((c) => JSON.stringify(c.body).includes(fwId))).toBe(true);
    expect(await leaderGauge(standby)).toBe('1');
    // A graceful stop is not a TEARDOWN: the tasks of the 200 pods kept running through the handover.
    expect(sim.cluster.liveTasks().filter((t) => t.info.name.startsWith('default/bulk-'))).toHaveLength(200);
    expect(callsOf('TEARDOWN')).toHaveLength(0);
    await api.create({ resource: 'pods', namespace: 'default' }, podManifest('after-handover', '100m'));
    await waitFor('after-handover Running', async () => (await getPod('after-handover')).status?.phase === 'Running');
  } catch (e) {
    if (sched !== standby) await standby.stop();
    throw e;
  }
});

test('a Mesos agent that goes away turns its node NotReady', async () => {
  const extra = sim.cluster.addAgent({ hostname: 'agent-extra.mesos.local', cpus: 1, mem: 512, ip: '127.0.1.50' });
  await waitFor('node for the new agent', async () => {
    const n = await api.get<NodeObj>({ resource: 'nodes', name: 'agent-extra.mesos.local' });
    return n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
  });
  sim.cluster.removeAgent(extra.id);
  await waitFor('node NotReady', async () => {
    const n = await api.get<NodeObj>({ resource: 'nodes', name: 'agent-extra.mesos.local' });
    return n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'False');
  });
});
