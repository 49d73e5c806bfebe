import request from 'supertest';
import { startHarness, pod } from './harness';
import type { Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

const base = '/api/v1/namespaces/default';

describe('create', () => {
  test('create answers 201 with server-set metadata and the namespace from the URL', async () => {
    const r = await request(h.app).post(`${base}/pods`).send(pod('crud-a'));
    expect(r.status).toBe(201);
    expect(r.body.kind).toBe('Pod');
    expect(r.body.apiVersion).toBe('v1');
    expect(r.body.metadata.namespace).toBe('default');
    expect(r.body.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(r.body.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(r.body.metadata.resourceVersion).toMatch(/^\d+$/);
  });

  test('create fails with AlreadyExists when the name is taken', async () => {
    await request(h.app).post(`${base}/pods`).send(pod('crud-dup')).expect(201);
    const r = await request(h.app).post(`${base}/pods`).send(pod('crud-dup'));
    expect(r.status).toBe(409);
    expect(r.body).toMatchObject({
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      reason: 'AlreadyExists',
      message: 'pods "crud-dup" already exists',
      details: { name: 'crud-dup', kind: 'pods' },
      code: 409,
    });
  });

  test('generateName gets a random 5-character suffix', async () => {
    const body = pod('');
    (body['metadata'] as Record<string, unknown>) = { generateName: 'gen-' };
    const a = await request(h.app).post(`${base}/pods`).send(body).expect(201);
    const b = await request(h.app).post(`${base}/pods`).send(body).expect(201);
    expect(a.body.metadata.name).toMatch(/^gen-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(b.body.metadata.name).not.toBe(a.body.metadata.name);
    expect(a.body.metadata.generateName).toBe('gen-');
  });

  test('create without name or generateName is Invalid', async () => {
    const body = pod('');
    (body['metadata'] as Record<string, unknown>) = {};
    const r = await request(h.app).post(`${base}/pods`).send(body);
    expect(r.status).toBe(422);
    expect(r.body.reason).toBe('Invalid');
    expect(r.body.message).toBe('Pod "" is invalid: metadata.name: Required value: name or generateName is required');
  });

  test('a body naming another namespace is a BadRequest', async () => {
    const body = pod('crud-ns');
    (body['metadata'] as Record<string, unknown>)['namespace'] = 'kube-system';
    const r = await request(h.app).post(`${base}/pods`).send(body);
    expect(r.status).toBe(400);
    expect(r.body.message).toBe('the namespace of the provided object does not match the namespace sent on the request');
  });

  test('server-owned fields sent by the client are overwritten (kubectl run sends creationTimestamp: null, status: {})', async () => {
    const body = pod('crud-owned');
    (body['metadata'] as Record<string, unknown>)['creationTimestamp'] = null;
    (body['metadata'] as Record<string, unknown>)['uid'] = 'client-uid';
    body['status'] = { phase: 'Running' };
    const r = await request(h.app).post(`${base}/pods`).send(body).expect(201);
    expect(r.body.metadata.uid).not.toBe('client-uid');
    expect(r.body.metadata.creationTimestamp).toBeTruthy();
    expect(r.body.status.phase).toBe('Pending');
  });

  test('create with a resourceVersion set is a 400 BadRequest, and "0" counts as unset (as kube parses it)', async () => {
    const body = pod('crud-rv');
    (body['metadata'] as Record<string, unknown>)['resourceVersion'] = '5';
    const r = await request(h.app).post(`${base}/pods`).send(body);
    expect(r.status).toBe(400);
    expect(r.body.reason).toBe('BadRequest');
    expect(r.body.message).toContain('resourceVersion should not be set on objects to be created');
    (body['metadata'] as Record<string, unknown>)['resourceVersion'] = '0';
    const ok = await request(h.app).post(`${base}/pods`).send(body);
    expect(ok.status).toBe(201);
    expect(ok.body.metadata.resourceVersion).not.toBe('0');
  });

  test('a body of another kind is a BadRequest', async () => {
    const r = await request(h.app).post(`${base}/pods`).send({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'x' } });
    expect(r.status).toBe(400);
    expect(r.body.reason).toBe('BadRequest');
  });

  test('malformed JSON is a BadRequest Status', async () => {
    const r = await request(h.app).post(`${base}/pods`).set('Content-Type', 'application/json').send('{"metadata": ');
    expect(r.status).toBe(400);
    expect(r.body.kind).toBe('Status');
    expect(r.body.reason).toBe('BadRequest');
  });

  test('a request without Content-Type is decoded as JSON', async () => {
    const r = await request(h.app)
      .post(`${base}/configmaps`)
      .set('Content-Type', '')
      .send(Buffer.from(JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'no-ct' }, data: { a: 'b' } })));
    expect(r.status).toBe(201);
    expect(r.body.data).toEqual({ a: 'b' });
  });
});

describe('get', () => {
  test('get of a missing object is NotFound with kube wording', async () => {
    const r = await request(h.app).get(`${base}/pods/nope`);
    expect(r.status).toBe(404);
    expect(r.body).toMatchObject({ kind: 'Status', reason: 'NotFound', message: 'pods "nope" not found', details: { name: 'nope', kind: 'pods' }, code: 404 });
  });

  test('an unknown resource path is NotFound', async () => {
    const r = await request(h.app).get('/api/v1/namespaces/default/widgets');
    expect(r.status).toBe(404);
    expect(r.body.message).toBe('the server could not find the requested resource');
  });

  test('a cluster-scoped resource under a namespace path is NotFound', async () => {
    const r = await request(h.app).get('/api/v1/namespaces/default/nodes');
    expect(r.status).toBe(404);
  });
});

describe('update', () => {
  test('PUT with a stale resourceVersion is a Conflict with kube wording', async () => {
    const created = await request(h.app).post(`${base}/pods`).send(pod('upd-stale')).expect(201);
    const first = { ...created.body, metadata: { ...created.body.metadata, labels: { a: '1' } } };
    await request(h.app).put(`${base}/pods/upd-stale`).send(first).expect(200);
    const stale = { ...created.body, metadata: { ...created.body.metadata, labels: { a: '2' } } };
    const r = await request(h.app).put(`${base}/pods/upd-stale`).send(stale);
    expect(r.status).toBe(409);
    expect(r.body.reason).toBe('Conflict');
    expect(r.body.message).toBe(
      'Operation cannot be fulfilled on pods "upd-stale": the object has been modified; please apply your changes to the latest version and try again',
    );
  });

  test('PUT with a name different from the URL is a BadRequest', async () => {
    const created = await request(h.app).post(`${base}/pods`).send(pod('upd-name')).expect(201);
    const r = await request(h.app).put(`${base}/pods/other`).send(created.body);
    expect(r.status).toBe(400);
    expect(r.body.message).toBe('the name of the object (upd-name) does not match the name on the URL (other)');
  });

  test('PUT of a missing object is NotFound', async () => {
    const r = await request(h.app).put(`${base}/pods/upd-missing`).send(pod('upd-missing'));
    expect(r.status).toBe(404);
    expect(r.body.message).toBe('pods "upd-missing" not found');
  });

  test('PUT without resourceVersion updates unconditionally and bumps resourceVersion', async () => {
    const created = await request(h.app).post(`${base}/configmaps`).send({ metadata: { name: 'upd-uncond' }, data: { a: '1' } }).expect(201);
    const r = await request(h.app).put(`${base}/configmaps/upd-uncond`).send({ metadata: { name: 'upd-uncond' }, data: { a: '2' } });
    expect(r.status).toBe(200);
    expect(r.body.data).toEqual({ a: '2' });
    expect(Number(r.body.metadata.resourceVersion)).toBeGreaterThan(Number(created.body.metadata.resourceVersion));
    expect(r.body.metadata.uid).toBe(created.body.metadata.uid);
    expect(r.body.metadata.creationTimestamp).toBe(created.body.metadata.creationTimestamp);
  });

  test('an update that changes nothing keeps the resourceVersion', async () => {
    const created = await request(h.app).post(`${base}/configmaps`).send({ metadata: { name: 'upd-noop' }, data: { a: '1' } }).expect(201);
    const r = await request(h.app).put(`${base}/configmaps/upd-noop`).send(created.body).expect(200);
    expect(r.body.metadata.resourceVersion).toBe(created.body.metadata.resourceVersion);
  });

  test('PUT on a collection is MethodNotAllowed', async () => {
    const r = await request(h.app).put(`${base}/pods`).send(pod('x'));
    expect(r.status).toBe(405);
    expect(r.body.reason).toBe('MethodNotAllowed');
  });

  test('generation starts at 1 and is bumped only by spec changes', async () => {
    const rc = {
      metadata: { name: 'gen-rc' },
      spec: { replicas: 1, selector: { app: 'g' }, template: { metadata: { labels: { app: 'g' } }, spec: { containers: [{ name: 'c', image: 'x:1' }] } } },
    };
    const c = await request(h.app).post(`${base}/replicationcontrollers`).send(rc).expect(201);
    expect(c.body.metadata.generation).toBe(1);
    const labelled = await request(h.app)
      .put(`${base}/replicationcontrollers/gen-rc`)
      .send({ ...c.body, metadata: { ...c.body.metadata, labels: { x: 'y' } } })
      .expect(200);
    expect(labelled.body.metadata.generation).toBe(1);
    const scaled = await request(h.app)
      .put(`${base}/replicationcontrollers/gen-rc`)
      .send({ ...labelled.body, spec: { ...labelled.body.spec, replicas: 3 } })
      .expect(200);
    expect(scaled.body.metadata.generation).toBe(2);
  });
});

describe('delete', () => {
  test('deleting an unscheduled pod removes it at once and returns the object', async () => {
    await request(h.app).post(`${base}/pods`).send(pod('del-a')).expect(201);
    const r = await request(h.app).delete(`${base}/pods/del-a`);
    expect(r.status).toBe(200);
    expect(r.body.kind).toBe('Pod');
    await request(h.app).get(`${base}/pods/del-a`).expect(404);
  });

  test('deleting a configmap answers a Success Status', async () => {
    await request(h.app).post(`${base}/configmaps`).send({ metadata: { name: 'del-cm' } }).expect(201);
    const r = await request(h.app).delete(`${base}/configmaps/del-cm`).expect(200);
    expect(r.body).toMatchObject({ kind: 'Status', status: 'Success', details: { name: 'del-cm', kind: 'configmaps' } });
  });

  test('deleting a missing object is NotFound', async () => {
    const r = await request(h.app).delete(`${base}/pods/del-missing`);
    expect(r.status).toBe(404);
  });

  test('a uid precondition that does not match is a Conflict', async () => {
    await request(h.app).post(`${base}/configmaps`).send({ metadata: { name: 'del-pre' } }).expect(201);
    const r = await request(h.app).delete(`${base}/configmaps/del-pre`).send({ preconditions: { uid: 'wrong' } });
    expect(r.status).toBe(409);
    expect(r.body.message).toMatch(/^Operation cannot be fulfilled on configmaps "del-pre": Precondition failed: UID in precondition: wrong, UID in object meta: /);
  });

  test('a resourceVersion precondition that does not match is a Conflict', async () => {
    await request(h.app).post(`${base}/configmaps`).send({ metadata: { name: 'del-prerv' } }).expect(201);
    const r = await request(h.app).delete(`${base}/configmaps/del-prerv`).send({ preconditions: { resourceVersion: '1' } });
    expect(r.status).toBe(409);
    await request(h.app).get(`${base}/configmaps/del-prerv`).expect(200);
  });

  test('finalizers hold deletion until they are removed', async () => {
    const c = await request(h.app)
      .post(`${base}/configmaps`)
      .send({ metadata: { name: 'del-fin', finalizers: ['example.com/hold'] } })
      .expect(201);
    const d = await request(h.app).delete(`${base}/configmaps/del-fin`).expect(200);
    expect(d.body.metadata.deletionTimestamp).toBeTruthy();
    const held = await request(h.app).get(`${base}/configmaps/del-fin`).expect(200);
    expect(held.body.metadata.deletionTimestamp).toBeTruthy();
    await request(h.app)
      .put(`${base}/configmaps/del-fin`)
      .send({ ...held.body, metadata: { ...held.body.metadata, finalizers: [] } })
      .expect(200);
    await request(h.app).get(`${base}/configmaps/del-fin`).expect(404);
    expect(c.body.metadata.finalizers).toEqual(['example.com/hold']);
  });

  test('deletecollection deletes only what the selector matches', async () => {
    await request(h.app).post(`${base}/configmaps`).send({ metadata: { name: 'dc-1', labels: { batch: 'x' } } }).expect(201);
    await request(h.app).post(`${base}/configmaps`).send({ metadata: { name: 'dc-2', labels: { batch: 'x' } } }).expect(201);
    await request(h.app).post(`${base}/configmaps`).send({ metadata: { name: 'dc-3', labels: { batch: 'y' } } }).expect(201);
    const r = await request(h.app).delete(`${base}/configmaps?labelSelector=batch%3Dx`).expect(200);
    expect(r.body.kind).toBe('ConfigMapList');
    expect(r.body.items.map((i: { metadata: { name: string } }) => i.metadata.name).sort()).toEqual(['dc-1', 'dc-2']);
    await request(h.app).get(`${base}/configmaps/dc-1`).expect(404);
    await request(h.app).get(`${base}/configmaps/dc-3`).expect(200);
  });

  test('dryRun=All on delete keeps the object', async () => {
    await request(h.app).post(`${base}/configmaps`).send({ metadata: { name: 'del-dry' } }).expect(201);
    await request(h.app).delete(`${base}/configmaps/del-dry?dryRun=All`).expect(200);
    await request(h.app).get(`${base}/configmaps/del-dry`).expect(200);
  });
});

describe('propagation policy', () => {
  const rc = (name: string) => ({
    metadata: { name },
    spec: { replicas: 0, selector: { app: name }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'x:1' }] } } },
  });

  test('deleting an RC with propagationPolicy=Orphan holds it with the orphan finalizer', async () => {
    await request(h.app).post(`${base}/replicationcontrollers`).send(rc('orph')).expect(201);
    const d = await request(h.app).delete(`${base}/replicationcontrollers/orph`).send({ propagationPolicy: 'Orphan' }).expect(200);
    expect(d.body.metadata.finalizers).toEqual(['orphan']);
    expect(d.body.metadata.deletionTimestamp).toBeTruthy();
    // The garbage collector removes the finalizer once dependents are released; then it is gone.
    await request(h.app)
      .patch(`${base}/replicationcontrollers/orph`)
      .set('Content-Type', 'application/merge-patch+json')
      .send(JSON.stringify({ metadata: { finalizers: null } }))
      .expect(200);
    await request(h.app).get(`${base}/replicationcontrollers/orph`).expect(404);
  });

  test('deleting an RC in the background (default) removes it at once', async () => {
    await request(h.app).post(`${base}/replicationcontrollers`).send(rc('bg')).expect(201);
    await request(h.app).delete(`${base}/replicationcontrollers/bg`).send({ propagationPolicy: 'Background' }).expect(200);
    await request(h.app).get(`${base}/replicationcontrollers/bg`).expect(404);
  });

  test('an unknown propagationPolicy is Invalid', async () => {
    const r = await request(h.app).delete(`${base}/configmaps/whatever`).send({ propagationPolicy: 'Sideways' });
    expect(r.status).toBe(422);
  });
});

test('PUT with a uid that is not the stored object’s is a Conflict (uid precondition)', async () => {
  const c = await request(h.app).post(`${base}/configmaps`).send({ metadata: { name: 'uid-pre' } }).expect(201);
  const r = await request(h.app)
    .put(`${base}/configmaps/uid-pre`)
    .send({ ...c.body, metadata: { ...c.body.metadata, uid: '00000000-0000-0000-0000-000000000000' } });
  expect(r.status).toBe(409);
  expect(r.body.message).toBe(
    `Operation cannot be fulfilled on configmaps "uid-pre": Precondition failed: UID in precondition: 00000000-0000-0000-0000-000000000000, UID in object meta: ${c.body.metadata.uid}`,
  );
});

test('the all-namespaces path only lists and watches (POST there is MethodNotAllowed)', async () => {
  const r = await request(h.app).post('/api/v1/pods').send(pod('nowhere'));
  expect(r.status).toBe(405);
  await request(h.app).get('/api/v1/pods').expect(200);
});
