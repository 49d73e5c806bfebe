import express from 'express';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { requestInfo } from '../../../src/apiserver/filters/request-info';
import { maxInflight } from '../../../src/apiserver/filters/max-inflight';
import { createApiMetrics } from '../../../src/apiserver/filters/metrics';

describe('request info (verb and resource, as kube labels them)', () => {
  it.each([
    ['GET', '/api/v1/namespaces/default/pods', 'list', 'pods'],
    ['GET', '/api/v1/namespaces/default/pods/x', 'get', 'pods'],
    ['GET', '/api/v1/namespaces/default/pods?watch=1', 'watch', 'pods'],
    ['GET', '/api/v1/watch/namespaces/default/pods', 'watch', 'pods'],
    ['GET', '/api/v1/pods', 'list', 'pods'],
    ['GET', '/api/v1/namespaces', 'list', 'namespaces'],
    ['GET', '/api/v1/namespaces/kube-system', 'get', 'namespaces'],
    ['PUT', '/api/v1/namespaces/default/pods/x/status', 'update', 'pods/status'],
    ['POST', '/api/v1/namespaces/default/pods', 'create', 'pods'],
    ['DELETE', '/api/v1/namespaces/default/pods', 'deletecollection', 'pods'],
    ['PATCH', '/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/l', 'patch', 'leases'],
  ])('%s %s is verb %s on %s', (method, url, verb, resource) => {
    const info = requestInfo({ method, url });
    expect(info.verb).toBe(verb);
    expect(info.resource).toBe(resource);
  });
});

describe('max in-flight requests', () => {
  it('answers 429 with Retry-After and a Status beyond the limit, and watches do not count', async () => {
    const app = express();
    app.use(maxInflight({ readOnly: 2, mutating: 1 }));
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    app.get('/api/v1/namespaces/default/pods', (req, res) => {
      if (req.query['watch'] === '1') {
        res.json({ watch: true });
        return;
      }
      void gate.then(() => res.json({ ok: true }));
    });
    const server = http.createServer(app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const base = `http://127.0.0.1:${port}`;
    try {
      const slow = [fetch(`${base}/api/v1/namespaces/default/pods`), fetch(`${base}/api/v1/namespaces/default/pods`)];
      // wait until both are in flight
      await new Promise((r) => setTimeout(r, 100));
      const third = await fetch(`${base}/api/v1/namespaces/default/pods`);
      expect(third.status).toBe(429);
      expect(third.headers.get('retry-after')).toBe('1');
      const body = (await third.json()) as { kind: string; reason: string; code: number };
      expect(body).toMatchObject({ kind: 'Status', reason: 'TooManyRequests', code: 429 });
      // a watch is long-running: not limited
      const watch = await fetch(`${base}/api/v1/namespaces/default/pods?watch=1`);
      expect(watch.status).toBe(200);
      release();
      const results = await Promise.all(slow);
      expect(results.map((r) => r.status)).toEqual([200, 200]);
      // capacity is given back after completion
      const again = await fetch(`${base}/api/v1/namespaces/default/pods`);
      expect(again.status).toBe(200);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});

describe('metrics', () => {
  it('counts requests by verb, resource and code in Prometheus text format', async () => {
    const m = createApiMetrics({ defaultMetrics: false });
    const app = express();
    app.use(m.middleware);
    app.get('/metrics', m.handler);
    app.get('/api/v1/namespaces/:ns/pods', (_req, res) => res.json({}));
    m.watchersOf('pods', () => 3);
    await request(app).get('/api/v1/namespaces/default/pods').expect(200);
    await request(app).get('/api/v1/namespaces/default/pods').expect(200);
    const text = (await request(app).get('/metrics').expect(200)).text;
    expect(text).toContain('apiserver_request_total{verb="list",resource="pods",code="200"} 2');
    expect(text).toMatch(/apiserver_request_duration_seconds_bucket\{le="[^"]+",verb="list",resource="pods"\}/);
    expect(text).toContain('apiserver_registered_watchers{resource="pods"} 3');
  });
});
