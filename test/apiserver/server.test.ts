import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import WebSocket from 'ws';
import { SqliteStorage } from '../../src/storage/sqlite-storage';
import { createApiApp } from '../../src/apiserver/server';
import { startLive } from './harness';

test('/readyz fails while storage is unreachable and /healthz stays ok', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'km-ready-'));
  const storage = SqliteStorage.open({ dataDir });
  const api = createApiApp({ storage });
  await api.bootstrap();
  await request(api.app).get('/readyz').expect(200);
  await storage.close();
  const r = await request(api.app).get('/readyz');
  expect(r.status).toBe(500);
  expect(r.text).toContain('readyz check failed');
  await request(api.app).get('/healthz').expect(200);
  // Requests needing storage answer 503, not a crash.
  const g = await request(api.app).get('/api/v1/namespaces/default/pods/x');
  expect(g.status).toBe(503);
  expect(g.body.reason).toBe('ServiceUnavailable');
  await api.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

test('startApiServer serves on loopback, creates the built-in namespaces and watches over WebSocket', async () => {
  const s = await startLive();
  try {
    const ns = await fetch(`${s.url}/api/v1/namespaces/kube-system`);
    expect(ns.status).toBe(200);
    const ws = new WebSocket(`${s.url.replace('http', 'ws')}/api/v1/namespaces/default/configmaps?watch=1`);
    const events: { type: string; object: { metadata: { name: string } } }[] = [];
    const got = new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no event within 10s')), 10_000);
      ws.on('message', (data) => {
        events.push(JSON.parse(data.toString()));
        clearTimeout(t);
        resolve();
      });
      ws.on('error', reject);
    });
    await new Promise<void>((resolve) => ws.on('open', () => resolve()));
    await fetch(`${s.url}/api/v1/namespaces/default/configmaps`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ metadata: { name: 'via-ws' } }),
    });
    await got;
    ws.close();
    expect(events[0]).toMatchObject({ type: 'ADDED', object: { metadata: { name: 'via-ws' } } });
  } finally {
    await s.close();
  }
});

test('/readyz?verbose lists each check, and names the failing one when storage is unreachable', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'km-readyz-'));
  const storage = SqliteStorage.open({ dataDir: dir });
  const api = createApiApp({ storage });
  await api.bootstrap();
  const ok = await request(api.app).get('/readyz?verbose').expect(200);
  expect(ok.text).toContain('[+]ping ok');
  expect(ok.text).toContain('[+]etcd ok');
  expect(ok.text).toContain('readyz check passed');
  await storage.close();
  const bad = await request(api.app).get('/readyz?verbose').expect(500);
  expect(bad.text).toContain('[-]etcd failed');
  await api.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('the core API served before express is counted in the request metrics like every request, and its errors are Status objects', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'km-core-'));
  const storage = SqliteStorage.open({ dataDir: dir });
  const api = createApiApp({ storage });
  await api.bootstrap();
  try {
    const app = api.listener;
    await request(app).post('/api/v1/namespaces/default/configmaps').send({ metadata: { name: 'c1' } }).expect(201);
    await request(app).get('/api/v1/namespaces/default/configmaps/c1').expect(200);
    const missing = await request(app).get('/api/v1/namespaces/default/configmaps/none').expect(404);
    expect(missing.body).toMatchObject({ kind: 'Status', reason: 'NotFound', code: 404 });
    const badPath = await request(app).get('/api/v1/namespaces/default/configmaps/%E0%A4%A').expect(400);
    expect(badPath.body).toMatchObject({ kind: 'Status', reason: 'BadRequest' });
    // `/api/v1/` itself is discovery (express), not a resource path.
    expect((await request(app).get('/api/v1/').expect(200)).body.kind).toBe('APIResourceList');
    const text = (await request(app).get('/metrics').expect(200)).text;
    expect(text).toContain('apiserver_request_total{verb="create",resource="configmaps",code="201"} 1');
    expect(text).toContain('apiserver_request_total{verb="get",resource="configmaps",code="200"} 1');
    expect(text).toContain('apiserver_request_total{verb="get",resource="configmaps",code="404"} 1');
  } finally {
    await api.close();
    await storage.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
