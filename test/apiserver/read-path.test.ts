/**
 * GET and LIST as cached bytes: consistent reads come from the watch cache only when it is proven
 * current, else from storage (reusing the cache's bytes for versions it already holds); values
 * that are not objects of the resource are never sent; resourceVersion=0 reads come from the cache.
 */
import request from 'supertest';
import { startHarness, startLive } from './harness';
import type { Harness, LiveServer } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  await request(h.app).post('/api/v1/namespaces').send({ metadata: { name: 'rp' } }).expect(201);
});
afterAll(async () => {
  await h.close();
});

const cms = '/api/v1/namespaces/rp/configmaps';
type Item = { metadata: { name: string; resourceVersion: string }; data?: Record<string, string>; kind?: string; apiVersion?: string };
const names = (body: { items: Item[] }): string[] => body.items.map((i) => i.metadata.name);

test('a consistent list right after a write includes it, whether the cache is current or another resource moved the revision on', async () => {
  await request(h.app).get(`${cms}?resourceVersion=0`).expect(200); // the cache runs from here on
  for (let i = 0; i < 10; i++) {
    const w = await request(h.app).post(cms).send({ metadata: { name: `c-${i}` }, data: { i: String(i) } }).expect(201);
    if (i % 2 === 1) await request(h.app).post('/api/v1/namespaces/rp/secrets').send({ metadata: { name: `s-${i}` } }).expect(201);
    const r = await request(h.app).get(cms).expect(200);
    expect(names(r.body)).toContain(`c-${i}`);
    expect(Number(r.body.metadata.resourceVersion)).toBeGreaterThanOrEqual(Number(w.body.metadata.resourceVersion));
    const item = (r.body.items as Item[]).find((x) => x.metadata.name === `c-${i}`)!;
    expect(item).toMatchObject({ apiVersion: 'v1', kind: 'ConfigMap', data: { i: String(i) }, metadata: { resourceVersion: w.body.metadata.resourceVersion } });
  }
});

test('lists from the cache, from storage and GETs give each object the same bytes', async () => {
  await request(h.app).post(cms).send({ metadata: { name: 'same', labels: { a: 'b' } }, data: { k: 'v' } }).expect(201);
  await request(h.app).post('/api/v1/namespaces/rp/secrets').send({ metadata: { name: 'moves-revision' } }).expect(201);
  const consistent = await request(h.app).get(cms).expect(200);
  const cached = await request(h.app).get(`${cms}?resourceVersion=0`).expect(200);
  const paged = await request(h.app).get(`${cms}?limit=1000`).expect(200);
  const one = await request(h.app).get(`${cms}/same`).expect(200);
  // Same key order too: the items are the very bytes a GET sends.
  const pick = (text: string): string => JSON.stringify((JSON.parse(text) as { items: Item[] }).items.find((i) => i.metadata.name === 'same'));
  expect(pick(consistent.text)).toBe(one.text);
  expect(pick(cached.text)).toBe(one.text);
  expect(pick(paged.text)).toBe(one.text);
  expect(JSON.parse(one.text)).toMatchObject({ metadata: { name: 'same', labels: { a: 'b' } }, data: { k: 'v' } });
});

test('a stored value that is not an object of the resource is left out of every list and logged, not sent', async () => {
  await h.storage.create('/registry/configmaps/rp/garbage', Buffer.from('{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"garbage",'));
  await h.storage.create('/registry/configmaps/rp/not-an-object', Buffer.from('["x"]'));
  await request(h.app).post(cms).send({ metadata: { name: 'after-garbage' } }).expect(201);
  for (const q of ['', '?resourceVersion=0', '?limit=500']) {
    const r = await request(h.app).get(`${cms}${q}`).expect(200);
    expect(names(r.body)).toContain('after-garbage');
    expect(names(r.body)).not.toContain('garbage');
    expect(r.body.items.every((i: Item) => i.metadata && typeof i.metadata.name === 'string')).toBe(true);
  }
  const bad = await request(h.app).get(`${cms}/garbage`).expect(500);
  expect(bad.body).toMatchObject({ kind: 'Status', code: 500 });
});

test('a value written by another tool in another key order is served with apiVersion, kind and the storage resourceVersion', async () => {
  const kv = await h.storage.create(
    '/registry/configmaps/rp/foreign',
    Buffer.from(JSON.stringify({ data: { x: '1' }, metadata: { namespace: 'rp', name: 'foreign', resourceVersion: '3' } })),
  );
  const one = await request(h.app).get(`${cms}/foreign`).expect(200);
  expect(one.body).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: 'rp', name: 'foreign', resourceVersion: String(kv.modRevision) }, data: { x: '1' } });
  expect(one.text.match(/resourceVersion/g)).toHaveLength(1);
  for (const q of ['', '?resourceVersion=0']) {
    const r = await request(h.app).get(`${cms}${q}`).expect(200);
    expect((r.body.items as Item[]).find((i) => i.metadata.name === 'foreign')).toEqual(one.body);
  }
});

test('GET with resourceVersion=0 is answered from the cache and sees this server\'s own writes, deletes too', async () => {
  const w = await request(h.app).post(cms).send({ metadata: { name: 'rv0' }, data: { v: '1' } }).expect(201);
  const got = await request(h.app).get(`${cms}/rv0?resourceVersion=0`).expect(200);
  expect(got.body).toEqual(w.body);
  const u = await request(h.app).put(`${cms}/rv0`).send({ ...w.body, data: { v: '2' } }).expect(200);
  expect((await request(h.app).get(`${cms}/rv0?resourceVersion=0`).expect(200)).body).toEqual(u.body);
  await request(h.app).delete(`${cms}/rv0`).expect(200);
  const gone = await request(h.app).get(`${cms}/rv0?resourceVersion=0`).expect(404);
  expect(gone.body).toMatchObject({ kind: 'Status', reason: 'NotFound', details: { name: 'rv0', kind: 'configmaps' } });
});

test('label and field selectors apply to consistent lists served from the cache and from storage', async () => {
  await request(h.app).post(cms).send({ metadata: { name: 'sel-a', labels: { tier: 'x' } } }).expect(201);
  await request(h.app).post(cms).send({ metadata: { name: 'sel-b', labels: { tier: 'y' } } }).expect(201);
  expect(names((await request(h.app).get(`${cms}?labelSelector=tier%3Dx`).expect(200)).body)).toEqual(['sel-a']);
  await request(h.app).post('/api/v1/namespaces/rp/secrets').send({ metadata: { name: 'sel-moves' } }).expect(201);
  expect(names((await request(h.app).get(`${cms}?labelSelector=tier%3Dx`).expect(200)).body)).toEqual(['sel-a']);
  expect(names((await request(h.app).get(`${cms}?fieldSelector=metadata.name%3Dsel-b`).expect(200)).body)).toEqual(['sel-b']);
});

test("the cache selects this server's own writes by the labels and fields they were written with, through relabels", async () => {
  const pods = '/api/v1/namespaces/rp/pods';
  const pod = (labels: Record<string, string>): Record<string, unknown> => ({ metadata: { name: 'own', labels }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
  await request(h.app).get(`${pods}?resourceVersion=0`).expect(200); // the cache runs from here on
  const byLabel = async (sel: string): Promise<string[]> => names((await request(h.app).get(`${pods}?resourceVersion=0&labelSelector=${encodeURIComponent(sel)}`).expect(200)).body);
  const byField = async (sel: string): Promise<string[]> => names((await request(h.app).get(`${pods}?resourceVersion=0&fieldSelector=${encodeURIComponent(sel)}`).expect(200)).body);
  const created = await request(h.app).post(pods).send(pod({ app: 'one' })).expect(201);
  expect(await byLabel('app=one')).toEqual(['own']);
  expect(await byField('spec.nodeName=')).toEqual(['own']);
  // The object handed back is the caller's: editing it must not move the cache's attributes.
  created.body.metadata.labels.app = 'edited';
  const put = await request(h.app).put(`${pods}/own`).send({ ...created.body, metadata: { ...created.body.metadata, labels: { app: 'two' } } }).expect(200);
  expect(await byLabel('app=one')).toEqual([]);
  expect(await byLabel('app=two')).toEqual(['own']);
  await request(h.app).post(`${pods}/own/binding`).send({ metadata: { name: 'own' }, target: { kind: 'Node', name: 'n1' } }).expect(201);
  expect(await byField('spec.nodeName=n1')).toEqual(['own']);
  expect(await byField('spec.nodeName=')).toEqual([]);
  await request(h.app).patch(`${pods}/own`).set('content-type', 'application/merge-patch+json').send({ metadata: { labels: { app: 'three' } } }).expect(200);
  expect(await byLabel('app=two')).toEqual([]);
  expect(await byLabel('app=three')).toEqual(['own']);
  expect(Number(put.body.metadata.resourceVersion)).toBeGreaterThan(Number(created.body.metadata.resourceVersion));
});

test('objects handed to in-process callers are their own copies: editing one changes nothing served', async () => {
  await request(h.app).post(cms).send({ metadata: { name: 'edit' }, data: { v: 'orig' } }).expect(201);
  const store = h.api.registry.lookup('', 'v1', 'configmaps')!;
  const a = await store.get({ namespace: 'rp' }, 'edit', {});
  (a['data'] as Record<string, string>)['v'] = 'edited';
  const listed = await store.list({ namespace: 'rp' }, { resourceVersion: '0' });
  (listed.items.find((i) => i.metadata?.name === 'edit')!['data'] as Record<string, string>)['v'] = 'edited';
  expect((await request(h.app).get(`${cms}/edit?resourceVersion=0`).expect(200)).body.data).toEqual({ v: 'orig' });
  expect((await request(h.app).get(`${cms}/edit`).expect(200)).body.data).toEqual({ v: 'orig' });
});

describe('over real HTTP', () => {
  let live: LiveServer;
  beforeAll(async () => {
    live = await startLive();
  });
  afterAll(async () => {
    await live.close();
  });

  test('a list larger than one write chunk arrives whole, with a Content-Length that matches, from the cache and from storage', async () => {
    const ns = await fetch(`${live.url}/api/v1/namespaces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ metadata: { name: 'big' } }) });
    expect(ns.status).toBe(201);
    const blob = 'x'.repeat(2000);
    for (let i = 0; i < 300; i++) {
      const r = await fetch(`${live.url}/api/v1/namespaces/big/configmaps`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ metadata: { name: `cm-${String(i).padStart(3, '0')}` }, data: { blob } }),
      });
      expect(r.status).toBe(201);
    }
    for (const q of ['?resourceVersion=0', '', '?resourceVersion=0', '']) {
      const r = await fetch(`${live.url}/api/v1/namespaces/big/configmaps${q}`);
      const text = await r.text();
      expect(Number(r.headers.get('content-length'))).toBe(Buffer.byteLength(text));
      const body = JSON.parse(text) as { kind: string; items: Item[] };
      expect(body.kind).toBe('ConfigMapList');
      expect(body.items.map((i) => i.metadata.name)).toEqual(Array.from({ length: 300 }, (_, i) => `cm-${String(i).padStart(3, '0')}`));
      expect(body.items.every((i) => i.data?.['blob'] === blob)).toBe(true);
    }
  });
});
