/**
 * The Mesos master simulator itself, driven with raw HTTP: it must behave like a v1 master where the
 * scheduler depends on it, and refuse (and record) what a real master would refuse.
 */
import http from 'node:http';
import { RecordIODecoder } from '../../src/scheduler/mesos/recordio';
import type { SchedulerEvent, TaskInfo } from '../../src/scheduler/mesos/types';
import { startMesosSim } from './index';
import type { MesosSim } from './index';
import { waitFor } from '../scheduler/helpers';

let sim: MesosSim;

afterEach(async () => {
  await sim.stop();
});

interface Stream {
  status: number;
  headers: http.IncomingHttpHeaders;
  events: SchedulerEvent[];
  close(): void;
}

function subscribe(address: string, body: unknown): Promise<Stream> {
  const [host, port] = address.split(':');
  return new Promise((resolve, reject) => {
    const req = http.request({ host, port: Number(port), path: '/api/v1/scheduler', method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' } });
    req.on('error', () => undefined);
    req.on('response', (res) => {
      const events: SchedulerEvent[] = [];
      const dec = new RecordIODecoder();
      res.on('data', (c: Buffer) => {
        for (const r of dec.push(c)) events.push(JSON.parse(r.toString()) as SchedulerEvent);
      });
      res.on('error', () => undefined);
      resolve({ status: res.statusCode ?? 0, headers: res.headers, events, close: () => req.destroy() });
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

function post(address: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
  const [host, port] = address.split(':');
  return new Promise((resolve, reject) => {
    const req = http.request({ host, port: Number(port), path: '/api/v1/scheduler', method: 'POST', headers: { 'Content-Type': 'application/json', ...headers } });
    req.on('response', (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const INFO = { user: 'root', name: 'Kubernetes', failover_timeout: 60, capabilities: [{ type: 'PARTITION_AWARE' }] };

async function subscribed(): Promise<{ s: Stream; fw: string; sid: string }> {
  const s = await subscribe(sim.masters[0].address, { type: 'SUBSCRIBE', subscribe: { framework_info: INFO } });
  await waitFor('SUBSCRIBED', () => s.events.length > 0);
  const first = s.events[0];
  if (first.type !== 'SUBSCRIBED') throw new Error('first event is not SUBSCRIBED');
  return { s, fw: first.subscribed.framework_id.value, sid: String(s.headers['mesos-stream-id']) };
}

function offers(s: Stream): Array<Extract<SchedulerEvent, { type: 'OFFERS' }>['offers']['offers']> {
  return s.events.filter((e): e is Extract<SchedulerEvent, { type: 'OFFERS' }> => e.type === 'OFFERS').map((e) => e.offers.offers);
}

function task(agentId: string, taskId: string, cpus: number, ports?: number[]): TaskInfo {
  const resources: TaskInfo['resources'] = [
    { name: 'cpus', type: 'SCALAR', scalar: { value: cpus } },
    { name: 'mem', type: 'SCALAR', scalar: { value: 32 } },
  ];
  if (ports) resources.push({ name: 'ports', type: 'RANGES', ranges: { range: ports.map((p) => ({ begin: p, end: p })) } });
  return { name: taskId, task_id: { value: taskId }, agent_id: { value: agentId }, resources, command: { value: 'sleep 100', shell: true } };
}

test('SUBSCRIBE answers 200 application/json with a Mesos-Stream-Id and a RecordIO stream opening with SUBSCRIBED, then HEARTBEATs', async () => {
  sim = await startMesosSim({ knobs: { heartbeatSeconds: 0.05 } });
  const { s } = await subscribed();
  expect(s.status).toBe(200);
  expect(s.headers['content-type']).toBe('application/json');
  expect(s.headers['transfer-encoding']).toBe('chunked');
  expect(s.events[0]).toMatchObject({ type: 'SUBSCRIBED', subscribed: { heartbeat_interval_seconds: 0.05, master_info: { port: sim.masters[0].port } } });
  await waitFor('heartbeat', () => s.events.some((e) => e.type === 'HEARTBEAT'));
  s.close();
});

test('calls are refused with 400 without the stream id, with a wrong one, with bad JSON, or when they fail validation', async () => {
  sim = await startMesosSim();
  const { s, fw, sid } = await subscribed();
  const revive = JSON.stringify({ type: 'REVIVE', framework_id: { value: fw } });
  expect((await post(sim.masters[0].address, revive)).status).toBe(400);
  expect((await post(sim.masters[0].address, revive, { 'Mesos-Stream-Id': 'nope' })).status).toBe(400);
  expect((await post(sim.masters[0].address, '{"type":', { 'Mesos-Stream-Id': sid })).status).toBe(400);
  // `offer_id` is the doc-example misspelling of `offer_ids`; and an ACKNOWLEDGE without uuid.
  const typo = JSON.stringify({ type: 'DECLINE', framework_id: { value: fw }, decline: { offer_id: [{ value: 'x' }] } });
  expect((await post(sim.masters[0].address, typo, { 'Mesos-Stream-Id': sid })).status).toBe(400);
  const noUuid = JSON.stringify({ type: 'ACKNOWLEDGE', framework_id: { value: fw }, acknowledge: { agent_id: { value: 'a' }, task_id: { value: 't' } } });
  expect((await post(sim.masters[0].address, noUuid, { 'Mesos-Stream-Id': sid })).status).toBe(400);
  const noFramework = JSON.stringify({ type: 'REVIVE' });
  expect((await post(sim.masters[0].address, noFramework, { 'Mesos-Stream-Id': sid })).status).toBe(400);
  expect((await post(sim.masters[0].address, revive, { 'Mesos-Stream-Id': sid })).status).toBe(202);
  const recorded = sim.cluster.violations.map((v) => v.errors.join(' '));
  expect(recorded).toHaveLength(5);
  expect(recorded[2]).toContain('offer_id');
  expect(recorded[3]).toContain('uuid');
  s.close();
});

test('a non-leading master answers 307 with the leader in Location', async () => {
  sim = await startMesosSim({ masters: 2 });
  const res = await post(sim.masters[1].address, JSON.stringify({ type: 'SUBSCRIBE', subscribe: { framework_info: INFO } }));
  expect(res.status).toBe(307);
  expect(res.headers.location).toBe(`//${sim.masters[0].address}/api/v1/scheduler`);
});

test('launches are checked against the offer: over-use gives TASK_ERROR, a bad offer id TASK_DROPPED, a fitting one runs', async () => {
  sim = await startMesosSim({ agents: [{ hostname: 'a1', cpus: 1, mem: 256 }] });
  const { s, fw, sid } = await subscribed();
  await waitFor('offer', () => offers(s).length > 0);
  const offer = offers(s)[0]![0];
  const agent = offer.agent_id.value;
  const accept = (offerId: string, tasks: TaskInfo[]): string =>
    JSON.stringify({ type: 'ACCEPT', framework_id: { value: fw }, accept: { offer_ids: [{ value: offerId }], operations: [{ type: 'LAUNCH', launch: { task_infos: tasks } }], filters: { refuse_seconds: 0 } } });
  const r = await post(sim.masters[0].address, accept(offer.id.value, [task(agent, 'ok', 0.5, [31000]), task(agent, 'too-big', 0.75), task(agent, 'port-not-offered', 0.1, [80])]), { 'Mesos-Stream-Id': sid });
  expect(r.status).toBe(202);
  await post(sim.masters[0].address, accept('no-such-offer', [task(agent, 'dropped', 0.1)]), { 'Mesos-Stream-Id': sid });
  const states = (): Record<string, string> =>
    Object.fromEntries(s.events.filter((e): e is Extract<SchedulerEvent, { type: 'UPDATE' }> => e.type === 'UPDATE').map((e) => [e.update.status.task_id.value, e.update.status.state]));
  await waitFor('updates', () => Object.keys(states()).length === 4);
  expect(states()).toMatchObject({ 'too-big': 'TASK_ERROR', 'port-not-offered': 'TASK_ERROR', dropped: 'TASK_DROPPED', ok: 'TASK_STAGING' });
  expect(sim.cluster.usedResources(agent).cpus).toBe(0.5);
  expect(sim.cluster.violations).toEqual([]);
  s.close();
});

test('status updates are re-sent until acknowledged, and tasks survive a re-subscription within the failover timeout', async () => {
  sim = await startMesosSim({ agents: [{ hostname: 'a1', cpus: 1, mem: 256 }] });
  const first = await subscribed();
  await waitFor('offer', () => offers(first.s).length > 0);
  const offer = offers(first.s)[0]![0];
  await post(
    sim.masters[0].address,
    JSON.stringify({ type: 'ACCEPT', framework_id: { value: first.fw }, accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [task(offer.agent_id.value, 't1', 0.5)] } }] } }),
    { 'Mesos-Stream-Id': first.sid },
  );
  await waitFor('STAGING', () => first.s.events.some((e) => e.type === 'UPDATE'));
  first.s.close();
  await waitFor('disconnected', () => sim.cluster.frameworks.get(first.fw)?.stream === null);
  const again = await subscribe(sim.masters[0].address, { type: 'SUBSCRIBE', framework_id: { value: first.fw }, subscribe: { framework_info: { ...INFO, id: { value: first.fw } } } });
  await waitFor('re-sent STAGING', () => again.events.some((e) => e.type === 'UPDATE'));
  const update = again.events.find((e): e is Extract<SchedulerEvent, { type: 'UPDATE' }> => e.type === 'UPDATE')!.update.status;
  expect(again.events[0]).toMatchObject({ type: 'SUBSCRIBED', subscribed: { framework_id: { value: first.fw } } });
  expect(update).toMatchObject({ task_id: { value: 't1' }, state: 'TASK_STAGING' });
  const sid = String(again.headers['mesos-stream-id']);
  const ack = await post(sim.masters[0].address, JSON.stringify({ type: 'ACKNOWLEDGE', framework_id: { value: first.fw }, acknowledge: { agent_id: update.agent_id, task_id: update.task_id, uuid: update.uuid } }), { 'Mesos-Stream-Id': sid });
  expect(ack.status).toBe(202);
  await waitFor('next update after ack', () => again.events.some((e) => e.type === 'UPDATE' && e.update.status.state === 'TASK_STARTING'));
  expect(sim.cluster.liveTasks()).toHaveLength(1);
  again.close();
  expect(sim.cluster.violations).toEqual([]);
});

test('after the failover timeout the framework is removed, its tasks killed, and re-subscribing gets ERROR', async () => {
  sim = await startMesosSim({ agents: [{ hostname: 'a1', cpus: 1, mem: 256 }] });
  const s = await subscribe(sim.masters[0].address, { type: 'SUBSCRIBE', subscribe: { framework_info: { ...INFO, failover_timeout: 0.2 } } });
  await waitFor('offer', () => offers(s).length > 0);
  const fw = (s.events[0] as Extract<SchedulerEvent, { type: 'SUBSCRIBED' }>).subscribed.framework_id.value;
  const offer = offers(s)[0]![0];
  await post(sim.masters[0].address, JSON.stringify({ type: 'ACCEPT', framework_id: { value: fw }, accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [task(offer.agent_id.value, 't1', 0.5)] } }] } }), { 'Mesos-Stream-Id': String(s.headers['mesos-stream-id']) });
  await waitFor('task', () => sim.cluster.liveTasks().length === 1);
  s.close();
  await waitFor('removed', () => sim.cluster.removedFrameworks.has(fw));
  expect(sim.cluster.liveTasks()).toHaveLength(0);
  const again = await subscribe(sim.masters[0].address, { type: 'SUBSCRIBE', framework_id: { value: fw }, subscribe: { framework_info: { ...INFO, id: { value: fw } } } });
  await waitFor('error', () => again.events.length > 0);
  expect(again.events[0]).toMatchObject({ type: 'ERROR', error: { message: 'Framework has been removed' } });
});

test('a declined agent is not re-offered within refuse_seconds; REVIVE clears the filter; reconciliation answers for known and unknown tasks', async () => {
  sim = await startMesosSim({ agents: [{ hostname: 'a1', cpus: 1, mem: 256 }] });
  const { s, fw, sid } = await subscribed();
  await waitFor('offer', () => offers(s).length > 0);
  const offer = offers(s)[0]![0];
  await post(sim.masters[0].address, JSON.stringify({ type: 'DECLINE', framework_id: { value: fw }, decline: { offer_ids: [offer.id], filters: { refuse_seconds: 3600 } } }), { 'Mesos-Stream-Id': sid });
  await new Promise((r) => setTimeout(r, 300));
  expect(offers(s)).toHaveLength(1);
  await post(sim.masters[0].address, JSON.stringify({ type: 'REVIVE', framework_id: { value: fw } }), { 'Mesos-Stream-Id': sid });
  await waitFor('re-offered', () => offers(s).length === 2);
  await post(sim.masters[0].address, JSON.stringify({ type: 'RECONCILE', framework_id: { value: fw }, reconcile: { tasks: [{ task_id: { value: 'ghost' } }] } }), { 'Mesos-Stream-Id': sid });
  await waitFor('reconcile answer', () => s.events.some((e) => e.type === 'UPDATE'));
  expect(s.events.find((e) => e.type === 'UPDATE')).toMatchObject({ update: { status: { task_id: { value: 'ghost' }, state: 'TASK_UNKNOWN', reason: 'REASON_RECONCILIATION' } } });
  s.close();
  expect(sim.cluster.violations).toEqual([]);
});

test('TEARDOWN kills every task of the framework and ends its stream; a KILL for an unknown task answers TASK_UNKNOWN', async () => {
  sim = await startMesosSim({ agents: [{ hostname: 'a1', cpus: 1, mem: 256 }] });
  const { s, fw, sid } = await subscribed();
  await waitFor('offer', () => offers(s).length > 0);
  const offer = offers(s)[0]![0];
  await post(sim.masters[0].address, JSON.stringify({ type: 'ACCEPT', framework_id: { value: fw }, accept: { offer_ids: [offer.id], operations: [{ type: 'LAUNCH', launch: { task_infos: [task(offer.agent_id.value, 't1', 0.5)] } }] } }), { 'Mesos-Stream-Id': sid });
  await waitFor('task', () => sim.cluster.liveTasks().length === 1);
  await post(sim.masters[0].address, JSON.stringify({ type: 'KILL', framework_id: { value: fw }, kill: { task_id: { value: 'nobody' } } }), { 'Mesos-Stream-Id': sid });
  await waitFor('kill answer', () => s.events.some((e) => e.type === 'UPDATE' && e.update.status.task_id.value === 'nobody'));
  expect(s.events.find((e) => e.type === 'UPDATE' && e.update.status.task_id.value === 'nobody')).toMatchObject({ update: { status: { state: 'TASK_UNKNOWN', source: 'SOURCE_MASTER' } } });
  const r = await post(sim.masters[0].address, JSON.stringify({ type: 'TEARDOWN', framework_id: { value: fw } }), { 'Mesos-Stream-Id': sid });
  expect(r.status).toBe(202);
  expect(sim.cluster.liveTasks()).toHaveLength(0);
  expect(sim.cluster.removedFrameworks.has(fw)).toBe(true);
  expect(sim.cluster.violations).toEqual([]);
});
