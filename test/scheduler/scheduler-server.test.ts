/**
 * The `km scheduler` process core (startSchedulerServer) against a real `km apiserver` and the Mesos
 * simulator: only the Lease holder subscribes, and a leader whose lease is taken away stops its
 * framework and reports the loss (the CLI then exits) instead of acting on stale leadership.
 */
import type { KubeObject } from '../../src/api/types';
import { ApiClient } from '../../src/client/api-client';
import type { Lease } from '../../src/client/leader-election';
import { startSchedulerServer } from '../../src/scheduler/scheduler-server';
import type { RunningSchedulerServer } from '../../src/scheduler/scheduler-server';
import { startMesosSim } from '../mesos-sim';
import type { MesosSim } from '../mesos-sim';
import { startKm, tempDir } from '../helpers/km-process';
import type { KmProcess } from '../helpers/km-process';
import { recordingLogger, waitFor } from './helpers';

let apiserver: KmProcess;
let data: { dir: string; cleanup: () => void };
let api: ApiClient;
let sim: MesosSim;
const running: RunningSchedulerServer[] = [];

beforeAll(async () => {
  data = tempDir('km-sched-server-');
  apiserver = await startKm('apiserver', { args: [`--data-dir=${data.dir}`], readyPath: '/readyz' });
  api = new ApiClient({ servers: [apiserver.url] });
  sim = await startMesosSim({ agents: [{ hostname: 'agent-a.local', cpus: 2, mem: 2048, ports: [{ begin: 31000, end: 31100 }] }] });
}, 60_000);

afterAll(async () => {
  for (const r of running) await r.stop();
  await sim?.stop();
  api?.close();
  await apiserver?.stop();
  data?.cleanup();
  expect(sim.cluster.violations).toEqual([]);
});

function start(identity: string, onLost: () => void): Promise<RunningSchedulerServer> {
  return startSchedulerServer({
    servers: [apiserver.url],
    address: '127.0.0.1',
    port: 0,
    mesosMaster: sim.masters[0].address,
    mesosUser: 'root',
    mesosRole: '*',
    failoverTimeoutSeconds: 3600,
    leaderElect: true,
    identity,
    leaseDurationMs: 2000,
    renewDeadlineMs: 1500,
    retryPeriodMs: 200,
    nodeSyncIntervalMs: 500,
    onLostLeadership: onLost,
    scheduler: { logger: recordingLogger() },
  }).then((r) => {
    running.push(r);
    return r;
  });
}

const subscribes = (): number => sim.cluster.calls.filter((c) => c.type === 'SUBSCRIBE').length;

test('only the lease holder subscribes; a leader whose lease is taken stops its framework and reports the loss', async () => {
  let lostA = 0;
  const a = await start('replica-a', () => lostA++);
  await waitFor('replica-a leads and subscribes', () => a.isLeader() && subscribes() === 1);
  const b = await start('replica-b', () => undefined);
  // Several retry periods pass: the standby keeps campaigning but never subscribes.
  await new Promise((r) => setTimeout(r, 800));
  expect(b.isLeader()).toBe(false);
  expect(b.scheduler()).toBeNull();
  expect(subscribes()).toBe(1);
  const health = await fetch(`${b.url}/healthz`);
  expect(health.status).toBe(200);

  // Someone else takes the lease (e.g. a replica that saw it expire during a partition).
  const path = { group: 'coordination.k8s.io', version: 'v1', resource: 'leases', namespace: 'kube-system', name: 'km-scheduler' };
  // The leader keeps renewing, so the takeover may lose a race (409) and tries again, as an intruder would.
  for (let attempt = 0; ; attempt++) {
    const lease = await api.get<Lease>(path);
    const now = new Date().toISOString().replace('Z', '000Z');
    try {
      await api.update(path, { ...lease, spec: { ...lease.spec, holderIdentity: 'intruder', renewTime: now, acquireTime: now, leaseDurationSeconds: 3600 } } as Lease & KubeObject);
      break;
    } catch (err) {
      if (attempt >= 20 || !(err instanceof Error && /the object has been modified/.test(err.message))) throw err;
    }
  }

  await waitFor('replica-a notices the loss', () => lostA === 1, 10_000);
  expect(a.isLeader()).toBe(false);
  expect(a.scheduler()).toBeNull();
  // Its subscription is closed; the framework stays registered for a successor (failover timeout).
  await waitFor('no live subscription', () => [...sim.cluster.frameworks.values()].every((f) => !f.stream));
  expect(sim.cluster.frameworks.size).toBe(1);
  expect(b.isLeader()).toBe(false);
  expect(subscribes()).toBe(1);
});

test('the node sync of the leader creates a Ready node per agent and /metrics exposes the scheduler series', async () => {
  // The intruder from the previous test holds the lease for an hour: hand it to a fresh replica.
  const path = { group: 'coordination.k8s.io', version: 'v1', resource: 'leases', namespace: 'kube-system', name: 'km-scheduler' };
  const lease = await api.get<Lease>(path);
  await api.update(path, { ...lease, spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1 } } as Lease & KubeObject);
  const leaders = (): RunningSchedulerServer[] => running.filter((r) => r.isLeader());
  await start('replica-c', () => undefined);
  await waitFor('one replica leads again', () => leaders().length === 1, 10_000);
  const leader = leaders()[0];
  type NodeLike = KubeObject & { status?: { conditions?: Array<{ type: string; status: string }>; capacity?: Record<string, string> } };
  let node: NodeLike | undefined;
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && !node?.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True')) {
    node = await api.get<NodeLike>({ resource: 'nodes', name: 'agent-a.local' }).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(node?.status?.conditions).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'Ready', status: 'True' })]));
  expect(node?.status?.capacity).toMatchObject({ cpu: '2000m', memory: '2048Mi' });
  const text = await (await fetch(`${leader.url}/metrics`)).text();
  for (const series of ['km_scheduler_pending_pods', 'km_scheduler_mesos_subscribed', 'km_scheduler_offers_total', 'km_scheduler_tasks_launched_total', 'km_scheduler_scheduling_duration_seconds']) {
    expect(text).toContain(series);
  }
  expect(text).toMatch(/leader_election_master_status\{name="km-scheduler"\} 1/);
});
