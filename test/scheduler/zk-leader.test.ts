/**
 * Leading-master detection through a real ZooKeeper (Debian zookeeperd jars, on a free loopback
 * port) and re-subscription on a leader switch, with the simulator's two masters electing their
 * leader the way Mesos masters do (ephemeral sequential json.info_ znodes).
 */
import zookeeper from 'node-zookeeper-client';
import { ZkDetector, parseZkUrl } from '../../src/scheduler/mesos/master-detector';
import { startZooKeeper } from '../helpers/zookeeper-process';
import type { ZooKeeperProcess } from '../helpers/zookeeper-process';
import type { Harness } from './harness';
import { nginxPod, smallPod, startHarness } from './harness';
import { recordingLogger, waitFor } from './helpers';

let zk: ZooKeeperProcess;
let h: Harness | undefined;

beforeAll(async () => {
  zk = await startZooKeeper();
}, 60_000);

afterAll(async () => {
  await zk?.stop();
});

afterEach(async () => {
  if (!h) return;
  const violations = h.sim.cluster.violations;
  await h.stop();
  h = undefined;
  expect(violations).toEqual([]);
});

function zkCreate(path: string, data: string, mode: number): Promise<string> {
  const client = zookeeper.createClient(zk.connectString);
  return new Promise((resolve, reject) => {
    client.once('connected', () => {
      client.mkdirp(path.slice(0, path.lastIndexOf('/')), (e1) => {
        if (e1) return reject(e1);
        client.create(path, Buffer.from(data), mode, (e2, p) => {
          client.close();
          return e2 ? reject(e2) : resolve(p);
        });
      });
    });
    client.connect();
  });
}

test('zk:// URLs are parsed into hosts and path', () => {
  expect(parseZkUrl('zk://h1:2181,h2:2181/mesos')).toEqual({ connectString: 'h1:2181,h2:2181', path: '/mesos', auth: undefined });
  expect(parseZkUrl('zk://u:p@h1:2181/a/b/')).toEqual({ connectString: 'h1:2181', path: '/a/b', auth: 'u:p' });
});

test('the detector picks the lowest json.info_ znode, ignores other children, and decodes the packed ip', async () => {
  const base = '/detect';
  await zkCreate(`${base}/log_replicas`, '', zookeeper.CreateMode.PERSISTENT);
  await zkCreate(`${base}/info_0000000000`, 'protobuf bytes', zookeeper.CreateMode.PERSISTENT);
  // No address block: the packed ip (127.0.0.2, little-endian in memory) and port must be used.
  const first = await zkCreate(`${base}/json.info_`, JSON.stringify({ id: 'm1', ip: Buffer.from([127, 0, 0, 2]).readUInt32LE(0), port: 5050 }), zookeeper.CreateMode.PERSISTENT_SEQUENTIAL);
  await zkCreate(`${base}/json.info_`, JSON.stringify({ id: 'm2', ip: 0, port: 5051, address: { ip: '127.0.0.3', port: 5051 } }), zookeeper.CreateMode.PERSISTENT_SEQUENTIAL);
  const seen: Array<string | null> = [];
  const d = new ZkDetector(parseZkUrl(`zk://${zk.connectString}${base}`), recordingLogger());
  d.start((l) => seen.push(l));
  try {
    await waitFor('leader', () => seen.includes('127.0.0.2:5050'));
    const client = zookeeper.createClient(zk.connectString);
    await new Promise<void>((resolve, reject) => {
      client.once('connected', () => client.remove(first, (e) => (client.close(), e ? reject(e) : resolve())));
      client.connect();
    });
    await waitFor('next leader', () => d.current() === '127.0.0.3:5051');
  } finally {
    d.stop();
  }
});

test('when the leading master leaves ZooKeeper the scheduler re-subscribes to the new leader as the same framework', async () => {
  const agents = [{ hostname: 'agent-a.local', cpus: 2, mem: 2048 }];
  h = await startHarness({ masters: 2, agents, zk: zk.connectString, zkPath: '/mesos-switch' }, { master: `zk://${zk.connectString}/mesos-switch` });
  const first = h.sim.leader()!;
  h.pods.create(nginxPod());
  await waitFor('running', () => h!.pods.get('default', 'nginx')?.status?.phase === 'Running', 20_000);
  const frameworkId = h.scheduler.frameworkId!;
  expect(h.scheduler.mesosClient!.masterAddress).toBe(first.address);

  h.sim.election!.leave(first);
  const second = h.sim.masters.find((m) => m !== first)!;
  await waitFor('new leader elected', () => h!.sim.cluster.leaderId === second.id, 20_000);
  await waitFor('re-subscribed to new leader', () => h!.scheduler.mesosClient!.masterAddress === second.address && h!.scheduler.mesosClient!.connected, 20_000);
  expect(h.scheduler.frameworkId).toBe(frameworkId);
  const resub = h.sim.cluster.calls.filter((c) => c.type === 'SUBSCRIBE' && c.masterId === second.id && c.status === 200);
  expect(resub[0].body).toMatchObject({ framework_id: { value: frameworkId } });
  await waitFor('reconciled at new leader', () => h!.sim.cluster.calls.some((c) => c.type === 'RECONCILE' && c.masterId === second.id));

  h.pods.create(smallPod('after-switch'));
  await waitFor('new pod running', () => h!.pods.get('default', 'after-switch')?.status?.phase === 'Running', 20_000);
  expect(h.launches().filter((t) => t.name === 'default/nginx')).toHaveLength(1);
  expect(h.pods.get('default', 'nginx')?.status?.phase).toBe('Running');
}, 60_000);
