/**
 * MesosSchedulerClient against the Mesos master simulator over real HTTP on loopback.
 */
import { MesosSchedulerClient } from '../../src/scheduler/mesos/client';
import type { SchedulerEvent } from '../../src/scheduler/mesos/types';
import { startMesosSim } from '../mesos-sim';
import type { MesosSim } from '../mesos-sim';
import { recordingLogger, waitFor } from './helpers';

const FRAMEWORK = { user: 'root', name: 'Kubernetes', failover_timeout: 3600, checkpoint: true, roles: ['*'], capabilities: [{ type: 'MULTI_ROLE' }] };

let sim: MesosSim;
let client: MesosSchedulerClient | undefined;

afterEach(async () => {
  await client?.stop();
  client = undefined;
  expect(sim.cluster.violations).toEqual([]);
  await sim.stop();
});

function startClient(master: string, events: SchedulerEvent[], extra: Partial<ConstructorParameters<typeof MesosSchedulerClient>[0]> = {}): MesosSchedulerClient {
  const c = new MesosSchedulerClient({
    master,
    frameworkInfo: FRAMEWORK,
    handlers: { event: (e) => events.push(e), disconnected: () => {} },
    logger: recordingLogger(),
    backoffMinMs: 50,
    backoffMaxMs: 500,
    ...extra,
  });
  c.start();
  return c;
}

test('subscribes as framework Kubernetes, gets SUBSCRIBED then offers, and calls are accepted with the stream id', async () => {
  sim = await startMesosSim({ agents: [{ hostname: 'agent-a', cpus: 4, mem: 4096 }] });
  const events: SchedulerEvent[] = [];
  client = startClient(sim.masters[0].address, events);
  await waitFor('offers', () => events.some((e) => e.type === 'OFFERS'));
  expect(events[0].type).toBe('SUBSCRIBED');
  const sub = sim.cluster.calls.find((c) => c.type === 'SUBSCRIBE');
  expect(sub?.body).toMatchObject({ subscribe: { framework_info: { name: 'Kubernetes', user: 'root' } } });
  const offer = events.find((e): e is Extract<SchedulerEvent, { type: 'OFFERS' }> => e.type === 'OFFERS')?.offers.offers?.[0];
  expect(offer?.hostname).toBe('agent-a');
  const res = await client.call({ type: 'DECLINE', decline: { offer_ids: [offer!.id], filters: { refuse_seconds: 30 } } });
  expect(res.status).toBe(202);
  expect(sim.cluster.offers.size).toBe(0);
});

test('re-subscribes with the same framework id when heartbeats stop', async () => {
  sim = await startMesosSim({ knobs: { heartbeatSeconds: 0.1 } });
  const events: SchedulerEvent[] = [];
  const logger = recordingLogger();
  client = startClient(sim.masters[0].address, events, { logger });
  await waitFor('subscribed', () => client!.subscriptions === 1);
  const id = client.frameworkId!;
  await waitFor('heartbeat', () => events.some((e) => e.type === 'HEARTBEAT'));
  sim.cluster.muted.add(id);
  await waitFor('heartbeat timeout noticed', () => logger.lines.some((l) => l.message.startsWith('no heartbeat')));
  sim.cluster.muted.delete(id);
  await waitFor('re-subscribed', () => client!.subscriptions === 2);
  expect(client.frameworkId).toBe(id);
  const second = sim.cluster.calls.filter((c) => c.type === 'SUBSCRIBE').pop()?.body;
  expect(second).toMatchObject({ framework_id: { value: id }, subscribe: { framework_info: { id: { value: id } } } });
});

test('follows a 307 from a non-leading master to the leader', async () => {
  sim = await startMesosSim({ masters: 2 });
  sim.cluster.setLeader(sim.masters[1].id);
  const events: SchedulerEvent[] = [];
  client = startClient(sim.masters[0].address, events);
  await waitFor('subscribed', () => client!.subscriptions === 1);
  expect(client.masterAddress).toBe(sim.masters[1].address);
  expect(sim.cluster.calls.filter((c) => c.masterId === sim.masters[0].id).map((c) => c.status)).toEqual([307]);
  const res = await client.call({ type: 'REVIVE' });
  expect(res.status).toBe(202);
  expect(sim.cluster.calls[sim.cluster.calls.length - 1].masterId).toBe(sim.masters[1].id);
});

test('a bad RecordIO frame is logged with the bytes received and the client re-subscribes as the same framework', async () => {
  sim = await startMesosSim();
  const events: SchedulerEvent[] = [];
  const logger = recordingLogger();
  client = startClient(sim.masters[0].address, events, { logger });
  await waitFor('subscribed', () => client!.subscriptions === 1);
  const id = client.frameworkId!;
  sim.cluster.sendRaw(id, Buffer.from('12x\n{"type":"HEARTBEAT"}'));
  await waitFor('re-subscribed', () => client!.subscriptions === 2);
  expect(client.frameworkId).toBe(id);
  const line = logger.lines.find((l) => l.message.startsWith('bad RecordIO frame'));
  expect(line?.meta?.received).toContain('12x');
});

test('a frame whose body is not JSON forces a reconnect; unknown or incomplete events are logged and ignored', async () => {
  sim = await startMesosSim();
  const events: SchedulerEvent[] = [];
  const logger = recordingLogger();
  client = startClient(sim.masters[0].address, events, { logger });
  await waitFor('subscribed', () => client!.subscriptions === 1);
  const id = client.frameworkId!;
  const unknown = JSON.stringify({ type: 'INVERSE_OFFERS', inverse_offers: { inverse_offers: [] } });
  const incomplete = JSON.stringify({ type: 'UPDATE', update: { status: { state: 'TASK_RUNNING' } } });
  // Split across writes at awkward places: chunk boundaries must not matter.
  const bytes = Buffer.from(`${unknown.length}\n${unknown}${incomplete.length}\n${incomplete}`);
  sim.cluster.sendRaw(id, bytes.subarray(0, 1));
  sim.cluster.sendRaw(id, bytes.subarray(1, 30));
  sim.cluster.sendRaw(id, bytes.subarray(30));
  await waitFor('both logged', () => logger.lines.filter((l) => l.message === 'ignoring event from Mesos master').length === 2);
  expect(client.subscriptions).toBe(1);
  expect(client.connected).toBe(true);
  expect(logger.lines.find((l) => l.meta?.kind === 'unknown-type')?.meta?.received).toContain('INVERSE_OFFERS');
  sim.cluster.sendRaw(id, Buffer.from('5\nhello'));
  await waitFor('re-subscribed', () => client!.subscriptions === 2);
  expect(client.frameworkId).toBe(id);
});

test('an ERROR event makes the client re-subscribe', async () => {
  sim = await startMesosSim();
  const events: SchedulerEvent[] = [];
  client = startClient(sim.masters[0].address, events);
  await waitFor('subscribed', () => client!.subscriptions === 1);
  const fw = sim.cluster.frameworks.get(client.frameworkId!)!;
  sim.cluster.send(fw, { type: 'ERROR', error: { message: 'simulated error' } });
  await waitFor('re-subscribed', () => client!.subscriptions === 2);
  expect(events.some((e) => e.type === 'ERROR')).toBe(true);
});

test('calls without a subscription are reported as failed, not thrown', async () => {
  sim = await startMesosSim({ masters: 2 });
  sim.cluster.setLeader(null);
  const events: SchedulerEvent[] = [];
  client = startClient(sim.masters[0].address, events);
  const res = await client.call({ type: 'REVIVE' });
  expect(res).toMatchObject({ ok: false, status: 0 });
  await waitFor('503 seen', () => sim.cluster.calls.some((c) => c.status === 503));
  sim.cluster.setLeader(sim.masters[0].id);
  await waitFor('subscribed once a leader exists', () => client!.subscriptions === 1, 15_000);
});
