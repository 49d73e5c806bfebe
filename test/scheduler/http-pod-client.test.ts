/**
 * The scheduler's API side against a real `km apiserver` process (SQLite data dir, loopback HTTP):
 * bindings, pods/status writes, graceful deletion, events and the framework-id ConfigMap behave as
 * the scheduler relies on, i.e. as kube-apiserver does.
 */
import type { Pod } from 'kubernetes-types/core/v1';
import type { KubeObject } from '../../src/api/types';
import { ApiClient, ApiStatusError } from '../../src/client/api-client';
import { ConfigMapFrameworkIdStore, HttpPodSink, HttpPodSource } from '../../src/scheduler/http-pod-client';
import type { PodEvent, PodRef } from '../../src/scheduler/pod-source';
import { startKm, tempDir } from '../helpers/km-process';
import type { KmProcess } from '../helpers/km-process';

type PodObj = Pod & KubeObject;

let server: KmProcess;
let data: { dir: string; cleanup: () => void };
let api: ApiClient;
let sink: HttpPodSink;
let seq = 0;

beforeAll(async () => {
  data = tempDir('km-sched-api-');
  server = await startKm('apiserver', { args: [`--data-dir=${data.dir}`], readyPath: '/readyz' });
  api = new ApiClient({ servers: [server.url] });
  sink = new HttpPodSink(api);
}, 60_000);

afterAll(async () => {
  api?.close();
  await server?.stop();
  data?.cleanup();
});

async function newPod(): Promise<{ pod: PodObj; ref: PodRef }> {
  const name = `p-${++seq}`;
  const pod = await api.create<PodObj>({ resource: 'pods', namespace: 'default' }, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: { containers: [{ name: 'c', image: 'nginx' }] },
  } as PodObj);
  return { pod, ref: { namespace: 'default', name, uid: pod.metadata!.uid! } };
}

const get = (ref: PodRef): Promise<PodObj> => api.get<PodObj>({ resource: 'pods', namespace: ref.namespace, name: ref.name });

async function codeOf(p: Promise<unknown>): Promise<number> {
  try {
    await p;
    return 0;
  } catch (e) {
    if (e instanceof ApiStatusError) return e.code;
    throw e;
  }
}

test('binding sets spec.nodeName; binding a bound pod again is a 409 Conflict', async () => {
  const { ref } = await newPod();
  await sink.bind(ref, 'agent-a');
  expect((await get(ref)).spec?.nodeName).toBe('agent-a');
  expect(await codeOf(sink.bind(ref, 'agent-b'))).toBe(409);
  expect((await get(ref)).spec?.nodeName).toBe('agent-a');
});

test('binding with a stale uid is refused with 409 and binds nothing', async () => {
  const { ref } = await newPod();
  expect(await codeOf(sink.bind({ ...ref, uid: '00000000-0000-0000-0000-000000000000' }, 'agent-a'))).toBe(409);
  expect((await get(ref)).spec?.nodeName ?? '').toBe('');
});

test('binding a pod that does not exist is a 404', async () => {
  expect(await codeOf(sink.bind({ namespace: 'default', name: 'nope', uid: '' }, 'agent-a'))).toBe(404);
});

test('updateStatus writes the status subresource, merges conditions by type and keeps the spec', async () => {
  const { ref } = await newPod();
  await sink.bind(ref, 'agent-a');
  await sink.updateStatus(ref, { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'True' }] });
  await sink.updateStatus(ref, { phase: 'Running', podIP: '10.1.2.3', hostIP: '10.0.0.1', conditions: [{ type: 'Ready', status: 'True' }] });
  const p = await get(ref);
  expect(p.status?.phase).toBe('Running');
  expect(p.status?.podIP).toBe('10.1.2.3');
  expect(p.status?.hostIP).toBe('10.0.0.1');
  expect(p.status?.conditions?.map((c) => `${c.type}=${c.status}`).sort()).toEqual(['PodScheduled=True', 'Ready=True']);
  expect(p.spec?.nodeName).toBe('agent-a');
});

test('a PUT to pods/status ignores spec changes in the body', async () => {
  const { ref } = await newPod();
  const live = await get(ref);
  const body = { ...live, spec: { ...live.spec!, containers: [{ name: 'c', image: 'changed' }] }, status: { ...live.status, phase: 'Running' } } as PodObj;
  await api.update({ resource: 'pods', namespace: 'default', name: ref.name, subresource: 'status' }, body);
  const p = await get(ref);
  expect(p.status?.phase).toBe('Running');
  expect(p.spec?.containers[0].image).toBe('nginx');
});

test('annotate merges annotations into the pod', async () => {
  const { ref } = await newPod();
  await sink.annotate(ref, { 'k8s.mesosphere.io/taskId': 'pod.x' });
  await sink.annotate(ref, { 'k8s.mesosphere.io/agentId': 'a1' });
  expect((await get(ref)).metadata?.annotations).toMatchObject({ 'k8s.mesosphere.io/taskId': 'pod.x', 'k8s.mesosphere.io/agentId': 'a1' });
});

test('deleting a bound pod is graceful (deletionTimestamp, pod kept) until deletePod removes it with grace 0', async () => {
  const { ref } = await newPod();
  await sink.bind(ref, 'agent-a');
  await api.delete({ resource: 'pods', namespace: 'default', name: ref.name });
  const p = await get(ref);
  expect(p.metadata?.deletionTimestamp).toBeTruthy();
  expect(p.metadata?.deletionGracePeriodSeconds).toBe(30);
  // A stale uid precondition must not remove the live pod.
  await sink.deletePod({ ...ref, uid: '00000000-0000-0000-0000-000000000000' });
  expect((await get(ref)).metadata?.uid).toBe(ref.uid);
  await sink.deletePod(ref);
  expect(await codeOf(get(ref))).toBe(404);
});

test('deleting an unbound pod removes it at once', async () => {
  const { ref } = await newPod();
  await api.delete({ resource: 'pods', namespace: 'default', name: ref.name });
  expect(await codeOf(get(ref))).toBe(404);
});

test('recorded events are listed for the pod by involvedObject field selectors, as kubectl describe asks', async () => {
  const { ref } = await newPod();
  await sink.recordEvent(ref, { type: 'Normal', reason: 'Scheduled', message: `Successfully assigned default/${ref.name} to agent-a` });
  await sink.recordEvent(ref, { type: 'Warning', reason: 'FailedScheduling', message: 'no Mesos offer fits the pod: insufficient cpus' });
  const l = await api.list<KubeObject & { reason?: string; type?: string; source?: { component?: string } }>(
    { resource: 'events', namespace: 'default' },
    { fieldSelector: `involvedObject.name=${ref.name},involvedObject.namespace=default,involvedObject.uid=${ref.uid}` },
  );
  expect(l.items.map((e) => e.reason).sort()).toEqual(['FailedScheduling', 'Scheduled']);
  expect(l.items.every((e) => e.source?.component === 'km-scheduler')).toBe(true);
});

test('the framework id survives in a kube-system ConfigMap: save, overwrite, load, clear', async () => {
  const store = new ConfigMapFrameworkIdStore(api);
  expect(await store.load()).toBeUndefined();
  await store.save('fw-1', 60);
  await store.save('fw-2', 60);
  expect(await store.load()).toBe('fw-2');
  await store.clear();
  expect(await store.load()).toBeUndefined();
});

test('the pod source lists, then watches additions, bindings and deletions in order', async () => {
  const source = new HttpPodSource(api);
  const listed = await source.list();
  const events: PodEvent[] = [];
  const errors: Error[] = [];
  const w = source.watch(listed.resourceVersion, (e) => events.push(e), (e) => errors.push(e));
  try {
    const { ref } = await newPod();
    await sink.bind(ref, 'agent-a');
    await api.delete({ resource: 'pods', namespace: 'default', name: ref.name }, { gracePeriodSeconds: 0 });
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && !events.some((e) => e.type === 'DELETED' && e.pod.metadata?.name === ref.name)) await new Promise((r) => setTimeout(r, 50));
    const mine = events.filter((e) => e.pod.metadata?.name === ref.name);
    expect(mine[0]?.type).toBe('ADDED');
    expect(mine.some((e) => e.type === 'MODIFIED' && e.pod.spec?.nodeName === 'agent-a')).toBe(true);
    expect(mine[mine.length - 1]?.type).toBe('DELETED');
    expect(errors).toEqual([]);
  } finally {
    w.stop();
  }
});
