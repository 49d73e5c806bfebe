/**
 * The v1beta1 router in front of the real API server app (createApiApp: registry, watch caches,
 * /api/v1) on a real SqliteStorage in a temp dir, served over loopback HTTP. The v1 side is
 * exercised through /api/v1 and through the registry's RESTResources.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import request from 'supertest';
import type { KubeObject } from '../../../src/api/types';
import WebSocket from 'ws';
import { v1beta1Router } from '../../../src/api/v1beta1/router';
import { attachV1beta1WebSocketWatch } from '../../../src/api/v1beta1/watch-target';
import type { ApiApp } from '../../../src/apiserver/server';
import { createApiApp } from '../../../src/apiserver/server';
import type { Registry } from '../../../src/registry/registry';
import type { RESTResource, WriteOptions } from '../../../src/registry/rest';
import { SqliteStorage } from '../../../src/storage/sqlite-storage';

type Obj = Record<string, unknown>;
const W: WriteOptions = { dryRun: false, fieldValidation: 'Ignore' };
const nginx = (): Obj => JSON.parse(readFileSync(path.join(__dirname, '../../fixtures/nginx.json'), 'utf8')) as Obj;

let dir: string;
let storage: SqliteStorage;
let registry: Registry;
let api: ApiApp;
let server: http.Server;
let base: string;

const rest = (r: string): RESTResource => registry.lookup('', 'v1', r)!;
const ns = (namespace: string) => ({ namespace });

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'km-v1beta1-'));
  storage = SqliteStorage.open({ dataDir: dir, synchronous: 'NORMAL' });
  api = createApiApp({ storage, serviceClusterIpRange: '10.10.10.0/24' });
  registry = api.registry;
  await api.bootstrap();
  await rest('namespaces').create(ns(''), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'prod' } }, W);
  // The mount the main server needs: in front of the v1 app's catch-all 404.
  const app = express();
  app.use('/api/v1beta1', v1beta1Router({ resources: (r) => registry.lookup('', 'v1', r) }));
  app.use(api.app);
  server = app.listen(0, '127.0.0.1');
  attachV1beta1WebSocketWatch(server, (r) => registry.lookup('', 'v1', r));
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await api.close();
  await storage.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Open a watch and collect its JSON lines; `next()` waits (bounded) for the next event. */
function openWatch(url: string): Promise<{ next: () => Promise<Obj>; close: () => void }> {
  return new Promise((resolve, reject) => {
    const queue: Obj[] = [];
    const waiters: ((o: Obj) => void)[] = [];
    let buf = '';
    const req = http.get(base + url, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`watch status ${res.statusCode}`));
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        let i: number;
        while ((i = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          if (!line.trim()) continue;
          const ev = JSON.parse(line) as Obj;
          const w = waiters.shift();
          if (w) w(ev);
          else queue.push(ev);
        }
      });
      resolve({
        next: () =>
          new Promise<Obj>((res2, rej2) => {
            const q = queue.shift();
            if (q) return res2(q);
            const t = setTimeout(() => rej2(new Error('no watch event within 10 s')), 10_000);
            waiters.push((o) => {
              clearTimeout(t);
              res2(o);
            });
          }),
        close: () => req.destroy(),
      });
    });
    req.on('error', () => undefined);
  });
}

describe('creating the seed pod through v1beta1', () => {
  test('POST /api/v1beta1/pods with nginx.json answers 201 with the v1beta1 object in namespace default', async () => {
    const res = await request(base).post('/api/v1beta1/pods').set('Content-Type', 'application/json').send(JSON.stringify(nginx()));
    expect(res.status).toBe(201);
    const b = res.body as Obj;
    expect(b).toMatchObject({
      kind: 'Pod',
      apiVersion: 'v1beta1',
      id: 'nginx-id-01',
      namespace: 'default',
      labels: { name: 'foo' },
      selfLink: '/api/v1beta1/pods/nginx-id-01?namespace=default',
      metadata: { name: 'nginx-id-01', namespace: 'default' },
    });
    expect(typeof b.resourceVersion).toBe('number');
    expect(typeof b.uid).toBe('string');
    expect((b.currentState as Obj).status).toBe('Waiting');
    const c = ((((b.desiredState as Obj).manifest as Obj).containers as Obj[])[0]!);
    expect(c.livenessProbe).toEqual({ httpGet: { path: '/index.html', port: '8081' }, initialDelaySeconds: 30, timeoutSeconds: 1 });
    expect(c.imagePullPolicy).toBe('PullIfNotPresent');
  });

  test('GET /api/v1/namespaces/default/pods/nginx-id-01 shows the acceptance pod (port 8081 as a number, IfNotPresent kept)', async () => {
    const res = await request(base).get('/api/v1/namespaces/default/pods/nginx-id-01');
    expect(res.status).toBe(200);
    const v = res.body as KubeObject;
    expect(v.metadata?.labels).toEqual({ name: 'foo' });
    const spec = v.spec as Obj;
    const c = (spec.containers as Obj[])[0]!;
    expect(c).toMatchObject({
      name: 'nginx-01',
      image: 'nginx',
      ports: [{ containerPort: 80, hostPort: 31000, protocol: 'TCP' }],
      livenessProbe: { httpGet: { path: '/index.html', port: 8081 }, initialDelaySeconds: 30, timeoutSeconds: 1 },
      imagePullPolicy: 'IfNotPresent',
    });
    expect(spec.restartPolicy).toBe('Always');
    expect((v.status as Obj).phase).toBe('Pending');
    // The integer v1beta1 resourceVersion is the same revision as v1's string.
    const b = (await request(base).get('/api/v1beta1/pods/nginx-id-01')).body as Obj;
    expect(String(b.resourceVersion)).toBe(v.metadata?.resourceVersion);
  });

  test('creating it again is 409 AlreadyExists as a v1beta1 Status', async () => {
    const res = await request(base).post('/api/v1beta1/pods').send(JSON.stringify(nginx()));
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({
      kind: 'Status',
      apiVersion: 'v1beta1',
      status: 'Failure',
      reason: 'AlreadyExists',
      message: 'pods "nginx-id-01" already exists',
      details: { id: 'nginx-id-01', kind: 'pods' },
      code: 409,
    });
  });
});

describe('bad v1beta1 input', () => {
  test.each([
    ['missing id', (b: Obj) => delete b.id, 'id'],
    ['bad container name', (b: Obj) => ((((b.desiredState as Obj).manifest as Obj).containers as Obj[])[0]!.name = 'NGINX_01'), 'desiredState.manifest.containers[0].name'],
    ['unknown manifest version', (b: Obj) => (((b.desiredState as Obj).manifest as Obj).version = 'v3'), 'desiredState.manifest.version'],
  ])('%s → 422 naming %s, nothing stored', async (_name, mutate, field) => {
    const b = nginx();
    b.id = 'bad-pod';
    mutate(b);
    const res = await request(base).post('/api/v1beta1/pods?namespace=prod').send(JSON.stringify(b));
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ kind: 'Status', apiVersion: 'v1beta1', reason: 'Invalid', code: 422 });
    expect(((res.body as Obj).details as { causes: Obj[] }).causes.map((c) => c.field)).toEqual([field]);
    expect((await rest('pods').list(ns('prod'), {})).items).toEqual([]);
  });

  test('a body namespace different from the request namespace is 400', async () => {
    const b = { ...nginx(), id: 'other', namespace: 'prod' };
    const res = await request(base).post('/api/v1beta1/pods?namespace=default').send(JSON.stringify(b));
    expect(res.status).toBe(400);
    expect((res.body as Obj).message).toBe('the namespace of the provided object does not match the namespace sent on the request');
  });

  test('a body that is not JSON is 400', async () => {
    const res = await request(base).post('/api/v1beta1/pods').set('Content-Type', 'text/plain').send('{not json');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ kind: 'Status', apiVersion: 'v1beta1', reason: 'BadRequest' });
  });

  test('a body above the request limit is 413 as a v1beta1 Status', async () => {
    const big = JSON.stringify({ ...nginx(), id: 'big', annotations: { blob: 'x'.repeat(4 * 1024 * 1024) } });
    const res = await request(base).post('/api/v1beta1/pods').set('Content-Type', 'application/json').send(big);
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ kind: 'Status', apiVersion: 'v1beta1', reason: 'RequestEntityTooLarge', code: 413 });
  });

  test('an unknown v1beta1 resource is 404', async () => {
    const res = await request(base).get('/api/v1beta1/widgets');
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ kind: 'Status', reason: 'NotFound', code: 404 });
  });
});

describe("kubectl's path for v1beta1 documents", () => {
  test('POST /api/v1beta1/namespaces/prod/pods with the injected metadata and fieldValidation=Strict creates the pod; the answer has metadata.name', async () => {
    const body = { ...nginx(), id: 'kubectl-pod', metadata: { namespace: 'prod' } };
    const res = await request(base)
      .post('/api/v1beta1/namespaces/prod/pods?fieldManager=kubectl-create&fieldValidation=Strict')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify(body));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ kind: 'Pod', id: 'kubectl-pod', namespace: 'prod', metadata: { name: 'kubectl-pod', namespace: 'prod' } });
    expect((await rest('pods').get(ns('prod'), 'kubectl-pod', {})).metadata?.name).toBe('kubectl-pod');
  });

  test('errors on this path keep the v1 Status envelope (client-go decodes no other) with v1beta1 field paths', async () => {
    const body = { ...nginx(), id: 'kubectl-pod', metadata: { namespace: 'prod' } };
    const dup = await request(base).post('/api/v1beta1/namespaces/prod/pods').send(JSON.stringify(body));
    expect(dup.status).toBe(409);
    expect(dup.body).toMatchObject({ kind: 'Status', apiVersion: 'v1', reason: 'AlreadyExists', message: 'pods "kubectl-pod" already exists', details: { name: 'kubectl-pod' } });
    const bad = { ...body, id: 'bad-name' } as Obj;
    (((bad.desiredState as Obj).manifest as Obj).version as unknown) = 'v7';
    const invalid = await request(base).post('/api/v1beta1/namespaces/prod/pods').send(JSON.stringify(bad));
    expect(invalid.status).toBe(422);
    expect(invalid.body).toMatchObject({ apiVersion: 'v1', reason: 'Invalid', details: { causes: [expect.objectContaining({ field: 'desiredState.manifest.version' })] } });
  });

  test('dryRun=All answers like a create and stores nothing', async () => {
    const body = { ...nginx(), id: 'dry-pod', metadata: { namespace: 'prod' } };
    const res = await request(base).post('/api/v1beta1/namespaces/prod/pods?dryRun=All').send(JSON.stringify(body));
    expect(res.status).toBe(201);
    expect((res.body as { metadata: Obj }).metadata.name).toBe('dry-pod');
    await expect(rest('pods').get(ns('prod'), 'dry-pod', {})).rejects.toMatchObject({ code: 404 });
  });

  test('a v1beta1 Service document is created under /namespaces/{ns}/services', async () => {
    const svc = { kind: 'Service', apiVersion: 'v1beta1', id: 'nginx-svc', port: 8000, containerPort: 80, selector: { name: 'foo' }, metadata: { namespace: 'default' } };
    const res = await request(base).post('/api/v1beta1/namespaces/default/services').send(JSON.stringify(svc));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ kind: 'Service', id: 'nginx-svc', port: 8000, containerPort: 80, selector: { name: 'foo' }, metadata: { name: 'nginx-svc' } });
    const v = await rest('services').get(ns('default'), 'nginx-svc', {});
    expect((v.spec as Obj).ports).toEqual([expect.objectContaining({ port: 8000, targetPort: 80, protocol: 'TCP' })]);
  });
});

describe('lists and selectors', () => {
  beforeAll(async () => {
    const pod = (name: string, namespace: string, labels: Record<string, string>, nodeName?: string): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace, labels },
      spec: { containers: [{ name: 'c', image: 'busybox' }], ...(nodeName ? { nodeName } : {}) },
    });
    await rest('pods').create(ns('prod'), pod('web-a', 'prod', { tier: 'web' }), W);
    await rest('pods').create(ns('prod'), pod('db-a', 'prod', { tier: 'db' }, 'node-1'), W);
  });

  test('a list without namespace spans all namespaces; with namespace it is one namespace', async () => {
    const all = (await request(base).get('/api/v1beta1/pods')).body as Obj;
    expect(all).toMatchObject({ kind: 'PodList', apiVersion: 'v1beta1', selfLink: '/api/v1beta1/pods?namespace=' });
    expect(typeof all.resourceVersion).toBe('number');
    const names = (all.items as Obj[]).map((i) => `${String(i.namespace)}/${String(i.id)}`);
    expect(names).toEqual(expect.arrayContaining(['default/nginx-id-01', 'prod/web-a', 'prod/db-a']));
    const prod = (await request(base).get('/api/v1beta1/pods?namespace=prod')).body as Obj;
    expect((prod.items as Obj[]).every((i) => i.namespace === 'prod')).toBe(true);
    expect(prod.selfLink).toBe('/api/v1beta1/pods?namespace=prod');
  });

  test('labels= filters by label selector', async () => {
    const res = await request(base).get('/api/v1beta1/pods?namespace=prod&labels=tier%3Dweb');
    expect(((res.body as Obj).items as Obj[]).map((i) => i.id)).toEqual(['web-a']);
  });

  test('fields=DesiredState.Host= lists the unscheduled pods', async () => {
    const res = await request(base).get('/api/v1beta1/pods?namespace=prod&fields=DesiredState.Host%3D');
    expect(res.status).toBe(200);
    const ids = ((res.body as Obj).items as Obj[]).map((i) => i.id);
    expect(ids).toContain('web-a');
    expect(ids).not.toContain('db-a');
    const bound = await request(base).get('/api/v1beta1/pods?namespace=prod&fields=DesiredState.Host%3Dnode-1');
    expect(((bound.body as Obj).items as Obj[]).map((i) => i.id)).toEqual(['db-a']);
  });

  test('an unsupported field label is 400', async () => {
    const res = await request(base).get('/api/v1beta1/pods?fields=spec.foo%3Dx');
    expect(res.status).toBe(400);
    expect((res.body as Obj).message).toBe('field label not supported: spec.foo');
  });
});

describe('one store across versions', () => {
  test('a pod written through v1 is readable through v1beta1, and a v1beta1 update keeps its v1-only fields', async () => {
    const created = await rest('pods').create(
      ns('prod'),
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'mixed', namespace: 'prod', finalizers: ['example.com/hold'] },
        spec: {
          containers: [{ name: 'c', image: 'nginx:1.7', livenessProbe: { tcpSocket: { port: 80 }, periodSeconds: 7, failureThreshold: 5 } }],
          terminationGracePeriodSeconds: 12,
          tolerations: [{ key: 'mesos', operator: 'Exists' }],
        },
      },
      W,
    );
    const got = await request(base).get('/api/v1beta1/pods/mixed?namespace=prod');
    expect(got.status).toBe(200);
    const b = got.body as Obj;
    expect(b.resourceVersion).toBe(Number(created.object.metadata?.resourceVersion));
    (((b.desiredState as Obj).manifest as Obj).containers as Obj[])[0]!.image = 'nginx:1.9';
    const put = await request(base).put('/api/v1beta1/pods/mixed?namespace=prod').send(JSON.stringify(b));
    expect(put.status).toBe(200);
    const v = await rest('pods').get(ns('prod'), 'mixed', {});
    const spec = v.spec as Obj;
    const c = (spec.containers as Obj[])[0]!;
    expect(c.image).toBe('nginx:1.9');
    expect(c.livenessProbe).toMatchObject({ tcpSocket: { port: 80 }, periodSeconds: 7, failureThreshold: 5 });
    expect(spec.terminationGracePeriodSeconds).toBe(12);
    expect(spec.tolerations).toEqual([{ key: 'mesos', operator: 'Exists' }]);
    expect(v.metadata?.finalizers).toEqual(['example.com/hold']);
  });

  test('optimistic concurrency works across versions: a stale integer resourceVersion is 409 Conflict', async () => {
    const b = (await request(base).get('/api/v1beta1/pods/mixed?namespace=prod')).body as Obj;
    const current = await rest('pods').get(ns('prod'), 'mixed', {});
    await rest('pods').update(ns('prod'), 'mixed', { ...current, metadata: { ...current.metadata, labels: { touched: 'v1' } } }, W);
    (((b.desiredState as Obj).manifest as Obj).containers as Obj[])[0]!.image = 'nginx:2.0';
    const res = await request(base).put('/api/v1beta1/pods/mixed?namespace=prod').send(JSON.stringify(b));
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ kind: 'Status', apiVersion: 'v1beta1', reason: 'Conflict' });
  });

  test('PUT with an id different from the URL is 400', async () => {
    const b = (await request(base).get('/api/v1beta1/pods/mixed?namespace=prod')).body as Obj;
    const res = await request(base).put('/api/v1beta1/pods/mixed?namespace=prod').send(JSON.stringify({ ...b, id: 'other' }));
    expect(res.status).toBe(400);
  });

  test('a merge PATCH on the v1beta1 view updates the labels', async () => {
    const res = await request(base).patch('/api/v1beta1/pods/mixed?namespace=prod').set('Content-Type', 'application/merge-patch+json').send(JSON.stringify({ labels: { patched: 'yes' } }));
    expect(res.status).toBe(200);
    expect((await rest('pods').get(ns('prod'), 'mixed', {})).metadata?.labels).toMatchObject({ patched: 'yes' });
  });
});

describe('binding and status through v1beta1', () => {
  test('POST /pods/{id}/binding binds the pod; it then has desiredState.host and leaves the unscheduled list', async () => {
    const res = await request(base).post('/api/v1beta1/pods/nginx-id-01/binding').send(JSON.stringify({ kind: 'Binding', host: 'agent-1' }));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ kind: 'Status', status: 'Success' });
    const b = (await request(base).get('/api/v1beta1/pods/nginx-id-01')).body as Obj;
    expect((b.desiredState as Obj).host).toBe('agent-1');
    expect((await rest('pods').get(ns('default'), 'nginx-id-01', {})).spec).toMatchObject({ nodeName: 'agent-1' });
    const unscheduled = (await request(base).get('/api/v1beta1/pods?namespace=default&fields=DesiredState.Host%3D')).body as Obj;
    expect((unscheduled.items as Obj[]).map((i) => i.id)).not.toContain('nginx-id-01');
  });

  test('POST /bindings with podID binds too, and binding an already bound pod is 409', async () => {
    const res = await request(base).post('/api/v1beta1/bindings?namespace=prod').send(JSON.stringify({ kind: 'Binding', podID: 'web-a', host: 'agent-2' }));
    expect(res.status).toBe(201);
    expect((await rest('pods').get(ns('prod'), 'web-a', {})).spec).toMatchObject({ nodeName: 'agent-2' });
    const again = await request(base).post('/api/v1beta1/bindings?namespace=prod').send(JSON.stringify({ kind: 'Binding', podID: 'web-a', host: 'agent-3' }));
    expect(again.status).toBe(409);
  });
});

describe('pod status through v1beta1', () => {
  test('PUT /pods/{id}/status stores currentState as the v1 status (Running, podIP, Ready condition)', async () => {
    const b = (await request(base).get('/api/v1beta1/pods/nginx-id-01')).body as Obj;
    b.currentState = { ...(b.currentState as Obj), status: 'Running', podIP: '172.17.6.20', hostIP: '10.22.211.18', Condition: [{ kind: 'Ready', status: 'Full' }] };
    const res = await request(base).put('/api/v1beta1/pods/nginx-id-01/status').send(JSON.stringify(b));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ currentState: { status: 'Running', podIP: '172.17.6.20', Condition: [{ kind: 'Ready', status: 'Full' }] } });
    const v = await rest('pods').get(ns('default'), 'nginx-id-01', {});
    expect(v.status).toMatchObject({ phase: 'Running', podIP: '172.17.6.20', hostIP: '10.22.211.18', conditions: [expect.objectContaining({ type: 'Ready', status: 'True' })] });
  });
});

describe('other kinds', () => {
  test('minions are cluster scoped, read back as Minion with a plain selfLink, and are nodes in v1', async () => {
    const res = await request(base).post('/api/v1beta1/minions').send(JSON.stringify({ kind: 'Minion', id: 'agent-1', hostIP: '10.22.211.18', labels: { zone: 'a' } }));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ kind: 'Minion', id: 'agent-1', selfLink: '/api/v1beta1/minions/agent-1', labels: { zone: 'a' } });
    expect((res.body as Obj).namespace).toBeUndefined();
    const v = await rest('nodes').get(ns(''), 'agent-1', {});
    expect(v.metadata?.labels).toEqual({ zone: 'a' });
    const list = (await request(base).get('/api/v1beta1/minions')).body as Obj;
    expect(list.kind).toBe('MinionList');
    expect((list.items as Obj[]).map((i) => i.id)).toEqual(['agent-1']);
    expect(list.minions).toEqual(list.items);
  });

  test('a replication controller round-trips through v1beta1 and is a v1 RC with the pod template', async () => {
    const rc = {
      kind: 'ReplicationController',
      id: 'nginx-rc',
      labels: { name: 'nginx' },
      desiredState: {
        replicas: 2,
        replicaSelector: { name: 'nginx' },
        podTemplate: { labels: { name: 'nginx' }, desiredState: { manifest: { version: 'v1beta1', containers: [{ name: 'nginx', image: 'nginx', ports: [{ containerPort: 80 }] }] } } },
      },
    };
    const res = await request(base).post('/api/v1beta1/replicationControllers?namespace=prod').send(JSON.stringify(rc));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ kind: 'ReplicationController', id: 'nginx-rc', desiredState: { replicas: 2, replicaSelector: { name: 'nginx' } } });
    const v = await rest('replicationcontrollers').get(ns('prod'), 'nginx-rc', {});
    expect(v.spec).toMatchObject({ replicas: 2, selector: { name: 'nginx' }, template: { metadata: { labels: { name: 'nginx' } }, spec: { containers: [expect.objectContaining({ name: 'nginx', image: 'nginx' })] } } });
    const lower = await request(base).get('/api/v1beta1/replicationcontrollers/nginx-rc?namespace=prod');
    expect(lower.status).toBe(200);
  });

  test('an event posted through v1beta1 is a v1 event, selectable by the v1beta1 field involvedObject.id', async () => {
    const ev = {
      kind: 'Event',
      id: 'nginx-id-01.1',
      involvedObject: { kind: 'Pod', namespace: 'default', name: 'nginx-id-01', apiVersion: 'v1beta1' },
      status: 'running',
      reason: 'started',
      message: 'Started container',
      source: 'kubelet',
      host: 'agent-1',
      timestamp: '2015-06-01T10:00:00Z',
    };
    const res = await request(base).post('/api/v1beta1/events').send(JSON.stringify(ev));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ kind: 'Event', id: 'nginx-id-01.1', source: 'kubelet', host: 'agent-1', status: 'running', count: 1 });
    const v = await rest('events').get(ns('default'), 'nginx-id-01.1', {});
    expect(v).toMatchObject({ source: { component: 'kubelet', host: 'agent-1' }, firstTimestamp: '2015-06-01T10:00:00Z', count: 1 });
    const list = (await request(base).get('/api/v1beta1/events?fields=involvedObject.id%3Dnginx-id-01')).body as Obj;
    expect((list.items as Obj[]).map((i) => i.id)).toEqual(['nginx-id-01.1']);
  });

  test('legacy endpoints posted through v1beta1 become v1 subsets and read back with both forms', async () => {
    const res = await request(base).post('/api/v1beta1/endpoints?namespace=default').send(JSON.stringify({ kind: 'Endpoints', id: 'nginx', endpoints: ['10.22.211.18:31000'] }));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ endpoints: ['10.22.211.18:31000'], protocol: 'TCP', subsets: [{ addresses: [{ IP: '10.22.211.18' }], ports: [{ port: 31000 }] }] });
    const v = await rest('endpoints').get(ns('default'), 'nginx', {});
    expect(v.subsets).toEqual([{ addresses: [{ ip: '10.22.211.18' }], ports: [expect.objectContaining({ port: 31000 })] }]);
  });

  test('deleting a pod answers with the pod; a later GET is 404 with the v1beta1 Status shape', async () => {
    const del = await request(base).delete('/api/v1beta1/pods/web-a?namespace=prod&gracePeriodSeconds=0');
    expect(del.status).toBe(200);
    expect(del.body).toMatchObject({ kind: 'Pod', id: 'web-a' });
    const res = await request(base).get('/api/v1beta1/pods/web-a?namespace=prod');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({
      kind: 'Status',
      creationTimestamp: null,
      apiVersion: 'v1beta1',
      status: 'Failure',
      message: 'pods "web-a" not found',
      reason: 'NotFound',
      details: { id: 'web-a', kind: 'pods' },
      code: 404,
    });
  });

  test('deleting a service answers with a Success Status', async () => {
    const res = await request(base).delete('/api/v1beta1/services/nginx-svc?namespace=default');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ kind: 'Status', apiVersion: 'v1beta1', status: 'Success' });
  });
});

describe('services and portal IPs', () => {
  test('the default master services written through v1 read through v1beta1 with portalIP and port', async () => {
    for (const [name, ip, port] of [['kubernetes-ro', '10.10.10.1', 80], ['kubernetes', '10.10.10.2', 443]] as const)
      await rest('services').create(
        ns('default'),
        { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } }, spec: { clusterIP: ip, ports: [{ port, protocol: 'TCP' }] } },
        W,
      );
    const list = (await request(base).get('/api/v1beta1/services?namespace=default')).body as Obj;
    const byId = Object.fromEntries((list.items as Obj[]).map((i) => [i.id, i]));
    expect(byId['kubernetes']).toMatchObject({ port: 443, portalIP: '10.10.10.2', protocol: 'TCP', selector: null, labels: { component: 'apiserver', provider: 'kubernetes' } });
    expect(byId['kubernetes-ro']).toMatchObject({ port: 80, portalIP: '10.10.10.1', selector: null });
  });

  test('a v1beta1 service with a selector gets its portalIP from the same allocator as v1 services', async () => {
    const res = await request(base).post('/api/v1beta1/services?namespace=prod').send(JSON.stringify({ id: 'frontend', port: 80, containerPort: 8080, selector: { name: 'frontend' } }));
    expect(res.status).toBe(201);
    const ip = (res.body as Obj).portalIP as string;
    expect(ip).toMatch(/^10\.10\.10\.([0-9]+)$/);
    expect(['10.10.10.0', '10.10.10.1', '10.10.10.2', '10.10.10.255']).not.toContain(ip);
    const v1 = await rest('services').create(ns('prod'), { apiVersion: 'v1', kind: 'Service', metadata: { name: 'backend', namespace: 'prod' }, spec: { ports: [{ port: 81 }] } }, W);
    const v1ip = (v1.object.spec as Obj).clusterIP as string;
    expect(v1ip).toMatch(/^10\.10\.10\./);
    expect(v1ip).not.toBe(ip);
    expect(((await rest('services').get(ns('prod'), 'frontend', {})).spec as Obj).clusterIP).toBe(ip);
  });

  test('a v1beta1 service asking for a portal IP already taken is 422 at portalIP', async () => {
    const res = await request(base).post('/api/v1beta1/services?namespace=prod').send(JSON.stringify({ id: 'dup', port: 80, portalIP: '10.10.10.2' }));
    expect(res.status).toBe(422);
    const causes = ((res.body as Obj).details as { causes: Obj[] }).causes;
    expect(causes.map((c) => c.field)).toEqual(['portalIP']);
  });
});

describe('watch', () => {
  test('a v1beta1 watcher sees writes made through v1, converted, and ends on close', async () => {
    const w = await openWatch('/api/v1beta1/watch/pods?namespace=prod&resourceVersion=' + (await storage.currentRevision()));
    try {
      await rest('pods').create(ns('prod'), { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'watched', namespace: 'prod', labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } }, W);
      const added = await w.next();
      expect(added.type).toBe('ADDED');
      expect(added.object).toMatchObject({ kind: 'Pod', apiVersion: 'v1beta1', id: 'watched', namespace: 'prod', labels: { a: 'b' } });
      expect(typeof (added.object as Obj).resourceVersion).toBe('number');
      await rest('pods').delete(ns('prod'), 'watched', { dryRun: false, gracePeriodSeconds: 0 });
      let ev = await w.next();
      // Graceful deletion may show a MODIFIED (deletionTimestamp) before the DELETED.
      for (let i = 0; i < 3 && ev.type !== 'DELETED'; i++) ev = await w.next();
      expect(ev.type).toBe('DELETED');
      expect((ev.object as Obj).id).toBe('watched');
    } finally {
      w.close();
    }
  });

  test('a watch without resourceVersion first sends ADDED for each existing object (0.14 semantics)', async () => {
    await rest('pods').create(ns('prod'), { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'pre-existing', namespace: 'prod', labels: { watch: 'initial' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } }, W);
    const w = await openWatch('/api/v1beta1/watch/pods?namespace=prod&labels=watch%3Dinitial');
    try {
      expect(await w.next()).toMatchObject({ type: 'ADDED', object: { id: 'pre-existing', labels: { watch: 'initial' } } });
    } finally {
      w.close();
    }
  });

  test('/watch/pods/{id} sees only that pod', async () => {
    const w = await openWatch('/api/v1beta1/watch/pods/solo?namespace=prod&resourceVersion=' + (await storage.currentRevision()));
    try {
      const mk = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'prod' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
      await rest('pods').create(ns('prod'), mk('not-solo'), W);
      await rest('pods').create(ns('prod'), mk('solo'), W);
      const ev = await w.next();
      expect(ev).toMatchObject({ type: 'ADDED', object: { id: 'solo' } });
    } finally {
      w.close();
    }
  });

  test('a v1 watcher sees a write made through v1beta1 as a v1 object', async () => {
    const w = await openWatch('/api/v1/namespaces/prod/pods?watch=1&resourceVersion=' + (await storage.currentRevision()));
    try {
      const res = await request(base).post('/api/v1beta1/pods?namespace=prod').send(JSON.stringify({ ...nginx(), id: 'for-v1' }));
      expect(res.status).toBe(201);
      const ev = await w.next();
      expect(ev.type).toBe('ADDED');
      expect(ev.object).toMatchObject({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'for-v1' }, spec: { containers: [expect.objectContaining({ name: 'nginx-01' })] } });
    } finally {
      w.close();
    }
  });

  test('a WebSocket upgrade on a v1beta1 watch URL sends the same v1beta1 events as frames', async () => {
    const rv = await storage.currentRevision();
    const ws = new WebSocket(`${base.replace('http', 'ws')}/api/v1beta1/watch/pods?namespace=prod&resourceVersion=${rv}`);
    try {
      const frames: Obj[] = [];
      const first = new Promise<Obj>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('no frame within 10 s')), 10_000);
        ws.on('message', (data) => {
          frames.push(JSON.parse(String(data)) as Obj);
          clearTimeout(t);
          resolve(frames[0]!);
        });
        ws.on('error', reject);
      });
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
      });
      await rest('pods').create(ns('prod'), { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'ws-pod', namespace: 'prod' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } }, W);
      expect(await first).toMatchObject({ type: 'ADDED', object: { kind: 'Pod', apiVersion: 'v1beta1', id: 'ws-pod' } });
    } finally {
      ws.close();
    }
  });

  test('a v1beta1 list with watch=true and fields=DesiredState.Host= sees only unscheduled pods; a v1 watcher-free write through v1beta1 arrives too', async () => {
    const rv = await storage.currentRevision();
    const w = await openWatch(`/api/v1beta1/pods?namespace=prod&watch=true&resourceVersion=${rv}&fields=DesiredState.Host%3D`);
    try {
      await rest('pods').create(ns('prod'), { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'bound', namespace: 'prod' }, spec: { nodeName: 'agent-9', containers: [{ name: 'c', image: 'busybox' }] } }, W);
      const res = await request(base).post('/api/v1beta1/pods?namespace=prod').send(JSON.stringify({ ...nginx(), id: 'via-beta' }));
      expect(res.status).toBe(201);
      const ev = await w.next();
      expect(ev.type).toBe('ADDED');
      expect((ev.object as Obj).id).toBe('via-beta');
    } finally {
      w.close();
    }
  });
});
