/** replicationcontrollers/{name}/scale: the autoscaling/v1 Scale view of an RC (kube's rc ScaleREST). */
import request from 'supertest';
import { startHarness } from './harness';
import type { Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

const base = '/api/v1/namespaces/default/replicationcontrollers';
const rc = (name: string, replicas = 1): Record<string, unknown> => ({
  apiVersion: 'v1',
  kind: 'ReplicationController',
  metadata: { name },
  spec: {
    replicas,
    selector: { app: name, tier: 'web' },
    template: { metadata: { labels: { tier: 'web', app: name } }, spec: { containers: [{ name: 'c', image: 'nginx:1' }] } },
  },
});
const create = async (name: string, replicas = 1) => (await request(h.app).post(base).send(rc(name, replicas)).expect(201)).body;

describe('replicationcontrollers/scale', () => {
  test('GET scale answers an autoscaling/v1 Scale built from the RC', async () => {
    const c = await create('sc-get', 2);
    const r = await request(h.app).get(`${base}/sc-get/scale`).expect(200);
    expect(r.body).toEqual({
      apiVersion: 'autoscaling/v1',
      kind: 'Scale',
      metadata: {
        name: 'sc-get',
        namespace: 'default',
        uid: c.metadata.uid,
        resourceVersion: c.metadata.resourceVersion,
        creationTimestamp: c.metadata.creationTimestamp,
      },
      spec: { replicas: 2 },
      status: { replicas: 0, selector: 'app=sc-get,tier=web' },
    });
  });

  test('GET scale of a missing RC is NotFound', async () => {
    const r = await request(h.app).get(`${base}/nope/scale`);
    expect(r.status).toBe(404);
    expect(r.body.reason).toBe('NotFound');
  });

  test('PUT scale changes only spec.replicas of the RC', async () => {
    const c = await create('sc-put');
    const s = await request(h.app).get(`${base}/sc-put/scale`).expect(200);
    const r = await request(h.app)
      .put(`${base}/sc-put/scale`)
      .send({ ...s.body, spec: { replicas: 5 } })
      .expect(200);
    expect(r.body.kind).toBe('Scale');
    expect(r.body.spec.replicas).toBe(5);
    const after = await request(h.app).get(`${base}/sc-put`).expect(200);
    expect(after.body.spec).toEqual({ ...c.spec, replicas: 5 });
    expect(after.body.metadata.labels).toEqual(c.metadata.labels);
    expect(after.body.metadata.generation).toBe(2);
    // The Scale's resourceVersion is the RC's.
    expect(r.body.metadata.resourceVersion).toBe(after.body.metadata.resourceVersion);
  });

  test('PUT scale with a stale resourceVersion is a Conflict and changes nothing', async () => {
    await create('sc-stale');
    const s = await request(h.app).get(`${base}/sc-stale/scale`).expect(200);
    await request(h.app).put(`${base}/sc-stale/scale`).send({ ...s.body, spec: { replicas: 2 } }).expect(200);
    const r = await request(h.app).put(`${base}/sc-stale/scale`).send({ ...s.body, spec: { replicas: 9 } });
    expect(r.status).toBe(409);
    expect(r.body.reason).toBe('Conflict');
    const after = await request(h.app).get(`${base}/sc-stale`).expect(200);
    expect(after.body.spec.replicas).toBe(2);
  });

  test('PUT scale without resourceVersion is unconditional', async () => {
    await create('sc-uncond');
    await request(h.app)
      .put(`${base}/sc-uncond/scale`)
      .send({ apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'sc-uncond' }, spec: { replicas: 4 } })
      .expect(200);
    expect((await request(h.app).get(`${base}/sc-uncond`).expect(200)).body.spec.replicas).toBe(4);
  });

  test('PUT scale with negative replicas is Invalid', async () => {
    const c = await create('sc-neg');
    const r = await request(h.app)
      .put(`${base}/sc-neg/scale`)
      .send({ apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'sc-neg' }, spec: { replicas: -1 } });
    expect(r.status).toBe(422);
    expect(r.body.message).toBe('Scale.autoscaling "sc-neg" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0');
    expect((await request(h.app).get(`${base}/sc-neg`).expect(200)).body.metadata.resourceVersion).toBe(c.metadata.resourceVersion);
  });

  test('PUT scale with another kind is a BadRequest', async () => {
    await create('sc-kind');
    const r = await request(h.app).put(`${base}/sc-kind/scale`).send(rc('sc-kind', 3));
    expect(r.status).toBe(400);
  });

  test('PUT scale of a missing RC is NotFound', async () => {
    const r = await request(h.app)
      .put(`${base}/ghost/scale`)
      .send({ apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'ghost' }, spec: { replicas: 1 } });
    expect(r.status).toBe(404);
  });

  test.each([
    ['application/merge-patch+json', { spec: { replicas: 3 } }],
    ['application/strategic-merge-patch+json', { spec: { replicas: 3 } }],
    ['application/json-patch+json', [{ op: 'replace', path: '/spec/replicas', value: 3 }]],
  ])('PATCH scale (%s) changes only spec.replicas', async (type, patch) => {
    const name = `sc-p-${type.split('/')[1]!.split('-')[0]}`;
    const c = await create(name);
    const r = await request(h.app).patch(`${base}/${name}/scale`).set('Content-Type', type).send(JSON.stringify(patch)).expect(200);
    expect(r.body).toMatchObject({ apiVersion: 'autoscaling/v1', kind: 'Scale', spec: { replicas: 3 } });
    const after = await request(h.app).get(`${base}/${name}`).expect(200);
    expect(after.body.spec).toEqual({ ...c.spec, replicas: 3 });
    expect(after.body.status).toEqual(c.status);
  });

  test('PATCH scale that sets a stale resourceVersion is a Conflict', async () => {
    const c = await create('sc-prv');
    await request(h.app).patch(`${base}/sc-prv/scale`).set('Content-Type', 'application/merge-patch+json').send('{"spec":{"replicas":2}}').expect(200);
    const r = await request(h.app)
      .patch(`${base}/sc-prv/scale`)
      .set('Content-Type', 'application/merge-patch+json')
      .send(JSON.stringify({ metadata: { resourceVersion: c.metadata.resourceVersion }, spec: { replicas: 7 } }));
    expect(r.status).toBe(409);
    expect((await request(h.app).get(`${base}/sc-prv`).expect(200)).body.spec.replicas).toBe(2);
  });

  test('scale is listed in /api/v1 discovery as autoscaling/v1 Scale', async () => {
    const r = await request(h.app).get('/api/v1').expect(200);
    const entry = r.body.resources.find((x: { name: string }) => x.name === 'replicationcontrollers/scale');
    expect(entry).toEqual({ name: 'replicationcontrollers/scale', singularName: '', namespaced: true, group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] });
  });

  test('scale serves no list, create or delete', async () => {
    await create('sc-verbs');
    expect((await request(h.app).delete(`${base}/sc-verbs/scale`)).status).toBe(405);
  });
});
