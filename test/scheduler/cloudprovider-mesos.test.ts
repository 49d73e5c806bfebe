/** The mesos cloud provider against the simulator's state endpoint, and the node sync plan. */
import type { Node } from 'kubernetes-types/core/v1';
import { parseMesosCloudConfig } from '../../src/cloudprovider/mesos/config';
import { MesosCloudProvider } from '../../src/cloudprovider/mesos/mesos-provider';
import { MANAGED_BY_ANNOTATION, planNodeSync } from '../../src/cloudprovider/node-sync';
import { startMesosSim } from '../mesos-sim';
import type { MesosSim } from '../mesos-sim';

let sim: MesosSim | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

test('the seed cloud config is read from the [mesos-cloud] section', () => {
  const cfg = parseMesosCloudConfig('[mesos-cloud]\n  mesos-master = zk://10.0.0.1:2181/mesos\nhttp-client-timeout = 5s\nstate-cache-ttl = 500ms\n');
  expect(cfg).toEqual({ master: 'zk://10.0.0.1:2181/mesos', httpClientTimeoutMs: 5000, stateCacheTtlMs: 500 });
  expect(() => parseMesosCloudConfig('[mesos-cloud]\nbogus = 1\n')).toThrow('unknown key');
});

test('agents become instances with MB as Mi, fractional cpus as millicores, attributes as labels; a non-leader points to the leader', async () => {
  sim = await startMesosSim({
    masters: 2,
    agents: [{ hostname: 'a1.local', cpus: 2.5, mem: 7680, ip: '127.0.1.9', attributes: [{ name: 'rack', type: 'TEXT', text: { value: 'r1' } }] }],
  });
  // Ask the non-leading master: its state names the leader, which the provider then asks.
  const provider = new MesosCloudProvider({ master: sim.masters[1].address, httpClientTimeoutMs: 2000, stateCacheTtlMs: 0 });
  try {
    const [inst] = await provider.instances();
    expect(inst).toMatchObject({
      name: 'a1.local',
      capacity: { cpu: '2500m', memory: '7680Mi' },
      labels: { 'kubernetes.io/hostname': 'a1.local', 'k8s.mesosphere.io/attribute-rack': 'r1' },
      addresses: [{ type: 'InternalIP', address: '127.0.1.9' }, { type: 'Hostname', address: 'a1.local' }],
    });
    expect(await provider.clusterName()).toBe('km-sim');
    sim.cluster.removeAgent([...sim.cluster.agents.keys()][0]);
    expect(await provider.instances()).toEqual([]);
  } finally {
    provider.stop();
  }
});

test('node sync creates nodes for new agents, marks vanished ones NotReady, and removes them after the grace period', () => {
  const inst = { name: 'a1', providerID: 'mesos:///S1', addresses: [], capacity: { cpu: '2', memory: '1024Mi' }, labels: {} };
  const t0 = new Date('2026-01-01T00:00:00Z');
  const first = planNodeSync([inst], [], 'mesos', t0, 60_000);
  expect(first.create).toHaveLength(1);
  const node: Node = first.create[0];
  expect(node.status?.conditions?.[0]).toMatchObject({ type: 'Ready', status: 'True' });
  const handMade: Node = { metadata: { name: 'manual' }, status: { conditions: [{ type: 'Ready', status: 'True' }] } };
  const gone = planNodeSync([], [node, handMade], 'mesos', new Date(t0.getTime() + 1000), 60_000);
  expect(gone.updateStatus.map((n) => [n.metadata?.name, n.status?.conditions?.find((c) => c.type === 'Ready')?.status])).toEqual([['a1', 'False']]);
  const notReady = gone.updateStatus[0];
  expect(planNodeSync([], [notReady], 'mesos', new Date(t0.getTime() + 30_000), 60_000).remove).toEqual([]);
  expect(planNodeSync([], [notReady], 'mesos', new Date(t0.getTime() + 62_000), 60_000).remove).toEqual(['a1']);
  expect(notReady.metadata?.annotations?.[MANAGED_BY_ANNOTATION]).toBe('mesos');
});
