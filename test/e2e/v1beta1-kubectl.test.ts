/**
 * Acceptance for the legacy v1beta1 API with real clients: the seed's nginx.json POSTed over HTTP
 * (what the 2015 `curl` did) and `kubectl create -f nginx.json` with stock kubectl 1.20, 1.27 and
 * 1.32. The server is createApiApp over SQLite with v1beta1 composed in front of it the way the
 * main server is meant to mount it: discovery and OpenAPI listing v1beta1 as a second core version
 * (kubectl-wire §13.6) and the v1beta1 router at /api/v1beta1.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import request from 'supertest';
import { createApiApp } from '../../src/apiserver/server';
import { discoveryRouter } from '../../src/api/discovery';
import { openapiRouter } from '../../src/api/openapi';
import { defaultPrinters } from '../../src/api/table';
import { decodeProtobufObject } from '../../src/api/protobuf';
import { v1beta1ResourceInfos, v1beta1Router } from '../../src/api/v1beta1';
import { SqliteStorage } from '../../src/storage/sqlite-storage';
import type { Kubectl } from './kubectl-harness';
import { kubectl, KUBECTL, rows, writeFile } from './kubectl-harness';

type Obj = Record<string, unknown>;
const NGINX = fs.readFileSync(path.join(__dirname, '../fixtures/nginx.json'), 'utf8');
const SVC = JSON.stringify({ kind: 'Service', apiVersion: 'v1beta1', id: 'nginx-svc', port: 8000, containerPort: 80, selector: { name: 'foo' } });

let dataDir: string;
let storage: SqliteStorage;
let api: ReturnType<typeof createApiApp>;
let server: http.Server;
let url: string;

beforeAll(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'km-v1beta1-e2e-'));
  storage = SqliteStorage.open({ dataDir, synchronous: 'NORMAL' });
  api = createApiApp({ storage, serviceClusterIpRange: '10.10.10.0/24', printers: { ...defaultPrinters }, protobuf: (body) => decodeProtobufObject(body) });
  await api.bootstrap();
  const infos = [...api.registry.infos(), ...v1beta1ResourceInfos()];
  const app = express();
  app.use(discoveryRouter(infos, { coreVersions: ['v1', 'v1beta1'] }));
  app.use(openapiRouter(infos));
  app.use('/api/v1beta1', v1beta1Router({ resources: (r) => api.registry.lookup('', 'v1', r) }));
  app.use(api.app);
  server = http.createServer(app);
  api.attach(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
});

afterAll(async () => {
  await api.close();
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
  await storage.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('the seed example over plain HTTP', () => {
  test('POST nginx.json to /api/v1beta1/pods → 201 v1beta1 object; GET /api/v1/namespaces/default/pods/nginx-id-01 is the v1 pod', async () => {
    const res = await request(url).post('/api/v1beta1/pods').set('Content-Type', 'application/json').send(NGINX);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ kind: 'Pod', apiVersion: 'v1beta1', id: 'nginx-id-01', labels: { name: 'foo' } });
    const v1 = await request(url).get('/api/v1/namespaces/default/pods/nginx-id-01');
    expect(v1.status).toBe(200);
    const pod = v1.body as { metadata: Obj; spec: { containers: Obj[] } };
    expect(pod.metadata.labels).toEqual({ name: 'foo' });
    expect(pod.spec.containers[0]).toMatchObject({
      name: 'nginx-01',
      image: 'nginx',
      ports: [{ containerPort: 80, hostPort: 31000, protocol: 'TCP' }],
      livenessProbe: { httpGet: { path: '/index.html', port: 8081 }, initialDelaySeconds: 30 },
    });
    await request(url).delete('/api/v1/namespaces/default/pods/nginx-id-01?gracePeriodSeconds=0').expect(200);
  });
});

describe.each(['1.20', '1.27', '1.32'])('stock kubectl %s', (version) => {
  let k: Kubectl;
  const ns = `v1beta1-${version.replace('.', '')}`;

  beforeAll(async () => {
    k = kubectl(version, url);
    const r = await k('create', 'namespace', ns);
    expect(r.stderr).toBe('');
  });
  afterAll(() => k.cleanup());

  test('create -f nginx.json prints pod/nginx-id-01 created, get pods lists it, a second create prints AlreadyExists', async () => {
    expect(fs.existsSync(KUBECTL[version]!)).toBe(true);
    const file = writeFile(k, 'nginx.json', NGINX);
    const created = await k('-n', ns, 'create', '-f', file);
    expect(created.stderr).toBe('');
    expect(created.stdout.trim()).toBe('pod/nginx-id-01 created');
    expect(created.code).toBe(0);

    const got = await k('-n', ns, 'get', 'pods');
    expect(got.code).toBe(0);
    const table = rows(got.stdout);
    expect(table[0]![0]).toBe('NAME');
    expect(table.slice(1).map((r) => r[0])).toEqual(['nginx-id-01']);

    const again = await k('-n', ns, 'create', '-f', file);
    expect(again.code).toBe(1);
    expect(again.stderr.trim()).toBe(`Error from server (AlreadyExists): error when creating "${file}": pods "nginx-id-01" already exists`);
  });

  test('create -f of a v1beta1 Service prints service/nginx-svc created and it gets a portal IP', async () => {
    const file = writeFile(k, 'svc.json', SVC);
    const created = await k('-n', ns, 'create', '-f', file);
    expect(created.stderr).toBe('');
    expect(created.stdout.trim()).toBe('service/nginx-svc created');
    const svc = await request(url).get(`/api/v1beta1/services/nginx-svc?namespace=${ns}`);
    expect(svc.body).toMatchObject({ id: 'nginx-svc', port: 8000, containerPort: 80, portalIP: expect.stringMatching(/^10\.10\.10\./) });
  });
});
