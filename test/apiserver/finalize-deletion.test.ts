/**
 * Deletion completes on the update that removes the last finalizer (kube's ShouldDeleteDuringUpdate),
 * for namespaces through /finalize and for any object through its metadata.finalizers.
 */
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

const mkNs = (name: string, metadata: Record<string, unknown> = {}) =>
  request(h.app)
    .post('/api/v1/namespaces')
    .send({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, ...metadata } })
    .expect(201);

describe('namespaces', () => {
  test('a /finalize update that clears spec.finalizers of a Terminating namespace deletes it', async () => {
    await mkNs('fz-a');
    const d = await request(h.app).delete('/api/v1/namespaces/fz-a').expect(200);
    expect(d.body.status.phase).toBe('Terminating');
    const f = await request(h.app)
      .put('/api/v1/namespaces/fz-a/finalize')
      .send({ ...d.body, spec: { finalizers: [] } })
      .expect(200);
    expect(f.body.spec.finalizers).toEqual([]);
    await request(h.app).get('/api/v1/namespaces/fz-a').expect(404);
    const list = await request(h.app).get('/api/v1/namespaces').expect(200);
    expect(list.body.items.map((n: { metadata: { name: string } }) => n.metadata.name)).not.toContain('fz-a');
  });

  test('a /finalize update on a namespace that is not being deleted keeps it', async () => {
    const c = await mkNs('fz-live');
    await request(h.app)
      .put('/api/v1/namespaces/fz-live/finalize')
      .send({ ...c.body, spec: { finalizers: [] } })
      .expect(200);
    const ns = await request(h.app).get('/api/v1/namespaces/fz-live').expect(200);
    expect(ns.body.spec.finalizers).toEqual([]);
    expect(ns.body.status.phase).toBe('Active');
  });

  test('a Terminating namespace with a metadata finalizer stays after /finalize and goes when that finalizer is removed', async () => {
    await mkNs('fz-meta', { finalizers: ['example.com/hold'] });
    const d = await request(h.app).delete('/api/v1/namespaces/fz-meta').expect(200);
    await request(h.app)
      .put('/api/v1/namespaces/fz-meta/finalize')
      .send({ ...d.body, spec: { finalizers: [] } })
      .expect(200);
    const held = await request(h.app).get('/api/v1/namespaces/fz-meta').expect(200);
    expect(held.body.metadata.finalizers).toEqual(['example.com/hold']);
    expect(held.body.status.phase).toBe('Terminating');
    await request(h.app)
      .patch('/api/v1/namespaces/fz-meta')
      .set('Content-Type', 'application/merge-patch+json')
      .send(JSON.stringify({ metadata: { finalizers: null } }))
      .expect(200);
    await request(h.app).get('/api/v1/namespaces/fz-meta').expect(404);
  });

  test('removing a metadata finalizer while spec.finalizers remain keeps a Terminating namespace', async () => {
    await mkNs('fz-spec', { finalizers: ['example.com/hold'] });
    await request(h.app).delete('/api/v1/namespaces/fz-spec').expect(200);
    await request(h.app)
      .patch('/api/v1/namespaces/fz-spec')
      .set('Content-Type', 'application/merge-patch+json')
      .send(JSON.stringify({ metadata: { finalizers: null } }))
      .expect(200);
    const ns = await request(h.app).get('/api/v1/namespaces/fz-spec').expect(200);
    expect(ns.body.spec.finalizers).toEqual(['kubernetes']);
    expect(ns.body.status.phase).toBe('Terminating');
  });

  test('DELETE of a Terminating namespace without finalizers deletes it', async () => {
    // A namespace left in that state (by an older server or a restore) is stored directly.
    const stored = {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'fz-left', uid: 'd2a7f6f4-0000-4000-8000-000000000001', creationTimestamp: '2026-01-01T00:00:00Z', deletionTimestamp: '2026-01-01T00:01:00Z' },
      spec: { finalizers: [] },
      status: { phase: 'Terminating' },
    };
    await h.storage.create('/registry/namespaces/fz-left', Buffer.from(JSON.stringify(stored)));
    await request(h.app).get('/api/v1/namespaces/fz-left').expect(200);
    const d = await request(h.app).delete('/api/v1/namespaces/fz-left').expect(200);
    expect(d.body.metadata.name).toBe('fz-left');
    await request(h.app).get('/api/v1/namespaces/fz-left').expect(404);
  });

  test('DELETE of a Terminating namespace whose spec.finalizers remain keeps it', async () => {
    await mkNs('fz-twice');
    await request(h.app).delete('/api/v1/namespaces/fz-twice').expect(200);
    await request(h.app).delete('/api/v1/namespaces/fz-twice').expect(200);
    const ns = await request(h.app).get('/api/v1/namespaces/fz-twice').expect(200);
    expect(ns.body.status.phase).toBe('Terminating');
  });
});

describe('any object', () => {
  const cms = '/api/v1/namespaces/default/configmaps';

  test('an update removing the last finalizer of an object being deleted deletes it', async () => {
    await request(h.app).post(cms).send({ metadata: { name: 'fz-cm', finalizers: ['example.com/a', 'example.com/b'] } }).expect(201);
    await request(h.app).delete(`${cms}/fz-cm`).expect(200);
    const one = await request(h.app)
      .patch(`${cms}/fz-cm`)
      .set('Content-Type', 'application/json-patch+json')
      .send(JSON.stringify([{ op: 'remove', path: '/metadata/finalizers/0' }]))
      .expect(200);
    expect(one.body.metadata.finalizers).toEqual(['example.com/b']);
    await request(h.app).get(`${cms}/fz-cm`).expect(200);
    await request(h.app)
      .patch(`${cms}/fz-cm`)
      .set('Content-Type', 'application/json-patch+json')
      .send(JSON.stringify([{ op: 'remove', path: '/metadata/finalizers' }]))
      .expect(200);
    await request(h.app).get(`${cms}/fz-cm`).expect(404);
  });

  test('a watcher sees DELETED when the last finalizer is removed', async () => {
    const c = await request(h.app).post(cms).send({ metadata: { name: 'fz-watch', finalizers: ['example.com/a'] } }).expect(201);
    await request(h.app).delete(`${cms}/fz-watch`).expect(200);
    const up = await request(h.app)
      .patch(`${cms}/fz-watch`)
      .set('Content-Type', 'application/merge-patch+json')
      .send(JSON.stringify({ metadata: { finalizers: null } }))
      .expect(200);
    const w = await request(h.app)
      .get(`${cms}?watch=true&fieldSelector=metadata.name%3Dfz-watch&resourceVersion=${c.body.metadata.resourceVersion}&timeoutSeconds=1`)
      .buffer(true)
      .parse((res, done) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => done(null, text));
      })
      .expect(200);
    const events = String(w.body)
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; object: { metadata: { resourceVersion: string } } });
    expect(events.map((e) => e.type)).toEqual(['MODIFIED', 'DELETED']);
    expect(events[1]!.object.metadata.resourceVersion).toBe(up.body.metadata.resourceVersion);
  });

  test('removing the last finalizer of a pod still in its grace period keeps the pod', async () => {
    const pods = '/api/v1/namespaces/default/pods';
    await request(h.app)
      .post(pods)
      .send(pod('fz-pod', { metadata: { finalizers: ['example.com/a'] }, spec: { nodeName: 'node-1' } }))
      .expect(201);
    const d = await request(h.app).delete(`${pods}/fz-pod`).send({ gracePeriodSeconds: 30 }).expect(200);
    expect(d.body.metadata.deletionGracePeriodSeconds).toBe(30);
    await request(h.app)
      .patch(`${pods}/fz-pod`)
      .set('Content-Type', 'application/merge-patch+json')
      .send(JSON.stringify({ metadata: { finalizers: null } }))
      .expect(200);
    const p = await request(h.app).get(`${pods}/fz-pod`).expect(200);
    expect(p.body.metadata.deletionTimestamp).toBeTruthy();
    // The grace period ends with a delete at 0 (what the kubelet sends), which now removes it.
    await request(h.app).delete(`${pods}/fz-pod`).send({ gracePeriodSeconds: 0 }).expect(200);
    await request(h.app).get(`${pods}/fz-pod`).expect(404);
  });
});
