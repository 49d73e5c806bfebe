import request from 'supertest';
import { startHarness, pod } from './harness';
import type { Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  await request(h.app).post('/api/v1/namespaces').send({ metadata: { name: 'ls' } }).expect(201);
  await request(h.app).post('/api/v1/namespaces').send({ metadata: { name: 'ls2' } }).expect(201);
  const mk = (name: string, labels: Record<string, string>, spec: Record<string, unknown> = {}, ns = 'ls') =>
    request(h.app)
      .post(`/api/v1/namespaces/${ns}/pods`)
      .send(pod(name, { metadata: { labels }, spec }))
      .expect(201);
  await mk('p1', { app: 'web', tier: 'front' }, { nodeName: 'node-a' });
  await mk('p2', { app: 'web', tier: 'back' }, { nodeName: 'node-b' });
  await mk('p3', { app: 'db' }, { restartPolicy: 'Never' });
  await mk('p4', {}, {});
  await mk('q1', { app: 'web' }, {}, 'ls2');
});
afterAll(async () => {
  await h.close();
});

const names = (body: { items: { metadata: { name: string } }[] }): string[] => body.items.map((i) => i.metadata.name);
const list = (qs: string) => request(h.app).get(`/api/v1/namespaces/ls/pods?${qs}`);

describe('label selectors', () => {
  test.each([
    ['app=web', ['p1', 'p2']],
    ['app==web', ['p1', 'p2']],
    ['app!=web', ['p3', 'p4']],
    ['app in (web,db)', ['p1', 'p2', 'p3']],
    ['app notin (web)', ['p3', 'p4']],
    ['tier', ['p1', 'p2']],
    ['!tier', ['p3', 'p4']],
    ['app=web,tier=back', ['p2']],
  ])('labelSelector %s selects %j', async (sel, expected) => {
    const r = await list(`labelSelector=${encodeURIComponent(sel)}`).expect(200);
    expect(names(r.body)).toEqual(expected);
  });

  test('a malformed label selector is a BadRequest', async () => {
    const r = await list(`labelSelector=${encodeURIComponent('app in (web')}`);
    expect(r.status).toBe(400);
    expect(r.body.message).toMatch(/^unable to parse requirement/);
  });
});

describe('field selectors', () => {
  test.each([
    ['metadata.name=p3', ['p3']],
    ['spec.nodeName=node-a', ['p1']],
    ['spec.nodeName=', ['p3', 'p4']],
    ['spec.nodeName!=node-a', ['p2', 'p3', 'p4']],
    ['spec.restartPolicy==Never', ['p3']],
    ['status.phase=Pending,spec.schedulerName=default-scheduler', ['p1', 'p2', 'p3', 'p4']],
    ['metadata.namespace=ls', ['p1', 'p2', 'p3', 'p4']],
  ])('fieldSelector %s selects %j', async (sel, expected) => {
    const r = await list(`fieldSelector=${encodeURIComponent(sel)}`).expect(200);
    expect(names(r.body)).toEqual(expected);
  });

  test('an unknown field selector is a BadRequest naming the field', async () => {
    const r = await list('fieldSelector=spec.foo%3Dx');
    expect(r.status).toBe(400);
    expect(r.body.message).toBe('field label not supported: spec.foo');
  });

  test('field and label selectors combine', async () => {
    const r = await list(`labelSelector=app%3Dweb&fieldSelector=spec.nodeName%3Dnode-b`).expect(200);
    expect(names(r.body)).toEqual(['p2']);
  });
});

describe('lists', () => {
  test('a list has the List kind and the snapshot resourceVersion', async () => {
    const r = await list('').expect(200);
    expect(r.body.kind).toBe('PodList');
    expect(r.body.apiVersion).toBe('v1');
    expect(r.body.metadata.resourceVersion).toMatch(/^\d+$/);
  });

  test('the all-namespaces list spans namespaces', async () => {
    const r = await request(h.app).get('/api/v1/pods?labelSelector=app%3Dweb').expect(200);
    expect(r.body.items.map((p: { metadata: { namespace: string; name: string } }) => `${p.metadata.namespace}/${p.metadata.name}`)).toEqual([
      'ls/p1',
      'ls/p2',
      'ls2/q1',
    ]);
  });

  test('limit and continue page through one consistent snapshot', async () => {
    const first = await list('limit=2').expect(200);
    expect(names(first.body)).toEqual(['p1', 'p2']);
    expect(first.body.metadata.continue).toBeTruthy();
    // Writes between pages are not seen by the continued list.
    await request(h.app).post('/api/v1/namespaces/ls/pods').send(pod('p5')).expect(201);
    await request(h.app).delete('/api/v1/namespaces/ls/pods/p3').expect(200);
    const second = await list(`limit=2&continue=${encodeURIComponent(first.body.metadata.continue)}`).expect(200);
    expect(names(second.body)).toEqual(['p3', 'p4']);
    expect(second.body.metadata.continue).toBeUndefined();
    expect(second.body.metadata.resourceVersion).toBe(first.body.metadata.resourceVersion);
    const now = await list('').expect(200);
    expect(names(now.body)).toEqual(['p1', 'p2', 'p4', 'p5']);
    // restore
    await request(h.app).delete('/api/v1/namespaces/ls/pods/p5').expect(200);
    await request(h.app).post('/api/v1/namespaces/ls/pods').send(pod('p3', { metadata: { labels: { app: 'db' } }, spec: { restartPolicy: 'Never' } })).expect(201);
  });

  test('limit with a selector returns up to limit matches and continues after them', async () => {
    const first = await list('limit=1&labelSelector=app%3Dweb').expect(200);
    expect(names(first.body)).toEqual(['p1']);
    const second = await list(`limit=1&labelSelector=app%3Dweb&continue=${encodeURIComponent(first.body.metadata.continue)}`).expect(200);
    expect(names(second.body)).toEqual(['p2']);
  });

  test('a malformed timeoutSeconds on a LIST, or resourceVersion on a GET, is a BadRequest Status', async () => {
    const l = await list('timeoutSeconds=abc');
    expect(l.status).toBe(400);
    expect(l.body).toMatchObject({ kind: 'Status', reason: 'BadRequest' });
    const g = await request(h.app).get('/api/v1/namespaces/ls/pods/p1?resourceVersion=abc');
    expect(g.status).toBe(400);
    expect(g.body).toMatchObject({ kind: 'Status', reason: 'BadRequest', message: 'invalid resource version: abc' });
    await request(h.app).get('/api/v1/namespaces/ls/pods/p1?resourceVersion=0').expect(200);
    await request(h.app).get('/api/v1/namespaces/ls/pods/p1?resourceVersion=').expect(200);
  });

  test('a malformed continue token is a BadRequest', async () => {
    const r = await list('continue=notatoken');
    expect(r.status).toBe(400);
  });

  test('a continue token whose snapshot was compacted is Expired (410)', async () => {
    const first = await list('limit=1').expect(200);
    await request(h.app).post('/api/v1/namespaces/ls/configmaps').send({ metadata: { name: 'bump' } }).expect(201);
    const rev = await h.storage.currentRevision();
    await h.storage.compact(rev);
    const r = await list(`limit=1&continue=${encodeURIComponent(first.body.metadata.continue)}`);
    expect(r.status).toBe(410);
    expect(r.body.reason).toBe('Expired');
    expect(r.body.message).toMatch(/^The provided continue parameter is too old to display a consistent list result/);
    // As kube: the 410 carries the token its message offers, continuing after the same key at the
    // latest revision (an inconsistent but complete remainder).
    expect(r.body.metadata.continue).toBeTruthy();
    const rest = await list(`continue=${encodeURIComponent(r.body.metadata.continue)}`).expect(200);
    expect(names(rest.body)).toEqual(['p2', 'p3', 'p4']);
    expect(Number(rest.body.metadata.resourceVersion)).toBeGreaterThanOrEqual(rev);
  });

  test('resourceVersionMatch=Exact reads the state at that revision', async () => {
    const before = await list('').expect(200);
    const rv = before.body.metadata.resourceVersion;
    await request(h.app).post('/api/v1/namespaces/ls/pods').send(pod('p6')).expect(201);
    const exact = await list(`resourceVersion=${rv}&resourceVersionMatch=Exact`).expect(200);
    expect(names(exact.body)).toEqual(names(before.body));
    expect(exact.body.metadata.resourceVersion).toBe(rv);
    const latest = await list(`resourceVersion=${rv}&resourceVersionMatch=NotOlderThan`).expect(200);
    expect(names(latest.body)).toContain('p6');
    await request(h.app).delete('/api/v1/namespaces/ls/pods/p6').expect(200);
  });

  test('resourceVersion=0 is served (possibly from the watch cache) and includes existing objects', async () => {
    const r = await list('resourceVersion=0').expect(200);
    expect(names(r.body)).toEqual(expect.arrayContaining(['p1', 'p2', 'p4']));
  });

  test('resourceVersionMatch without resourceVersion is Invalid', async () => {
    const r = await list('resourceVersionMatch=Exact');
    expect(r.status).toBe(422);
  });

  test('a NotOlderThan resourceVersion in the future times out with 504', async () => {
    const r = await list('resourceVersion=99999999&resourceVersionMatch=NotOlderThan');
    expect(r.status).toBe(504);
    expect(r.body.details.causes[0].reason).toBe('ResourceVersionTooLarge');
  });

  test('an Exact resourceVersion below the compaction point is Expired', async () => {
    const rev = await h.storage.currentRevision();
    await h.storage.compact(rev);
    const r = await list(`resourceVersion=1&resourceVersionMatch=Exact`);
    expect(r.status).toBe(410);
    expect(r.body.message).toBe('The resourceVersion for the provided list is too old.');
  });
});

test('list items written from stored text are the same objects a GET returns', async () => {
  const l = await list('').expect(200);
  for (const item of l.body.items as { metadata: { name: string } }[]) {
    const one = await request(h.app).get(`/api/v1/namespaces/ls/pods/${item.metadata.name}`).expect(200);
    expect(item).toEqual(one.body);
  }
});
