import express from 'express';
import request from 'supertest';
import { requestInfo } from '../../../src/apiserver/filters/request-info';
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
