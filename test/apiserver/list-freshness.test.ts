/**
 * Lists with resourceVersion=N (N > 0, no limit) are served from the watch cache, and must reflect
 * at least revision N: a client listing at the revision its own write returned sees that write.
 */
import request from 'supertest';
import { startHarness } from './harness';
import type { Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
  await request(h.app).post('/api/v1/namespaces').send({ metadata: { name: 'fresh' } }).expect(201);
});
afterAll(async () => {
  await h.close();
});

const cms = '/api/v1/namespaces/fresh/configmaps';
const names = (body: { items: { metadata: { name: string } }[] }): string[] => body.items.map((i) => i.metadata.name);

test('a NotOlderThan list at the revision of a write includes that write', async () => {
  // Warm the cache first, so later lists are answered from it rather than from a first relist.
  await request(h.app).get(`${cms}?resourceVersion=0`).expect(200);
  for (let i = 0; i < 20; i++) {
    const w = await request(h.app).post(cms).send({ metadata: { name: `nt-${i}` }, data: { i: String(i) } }).expect(201);
    const rv = w.body.metadata.resourceVersion as string;
    const r = await request(h.app).get(`${cms}?resourceVersion=${rv}&resourceVersionMatch=NotOlderThan`).expect(200);
    expect(names(r.body)).toContain(`nt-${i}`);
    expect(Number(r.body.metadata.resourceVersion)).toBeGreaterThanOrEqual(Number(rv));
  }
});

test('a plain resourceVersion=N list reflects at least N (updates and deletes too)', async () => {
  await request(h.app).get(`${cms}?resourceVersion=0`).expect(200);
  const c = await request(h.app).post(cms).send({ metadata: { name: 'plain' }, data: { v: '1' } }).expect(201);
  for (let i = 2; i <= 10; i++) {
    const u = await request(h.app)
      .put(`${cms}/plain`)
      .send({ ...c.body, metadata: { ...c.body.metadata, resourceVersion: undefined }, data: { v: String(i) } })
      .expect(200);
    const r = await request(h.app).get(`${cms}?resourceVersion=${u.body.metadata.resourceVersion}`).expect(200);
    const item = r.body.items.find((x: { metadata: { name: string } }) => x.metadata.name === 'plain');
    expect(item.data.v).toBe(String(i));
  }
  await request(h.app).delete(`${cms}/plain`).expect(200);
  // A configmap DELETE answers a Status without the deletion's revision; storage's current one is at least it.
  const after = await request(h.app).get(`${cms}?resourceVersion=${await h.storage.currentRevision()}`).expect(200);
  expect(names(after.body)).not.toContain('plain');
});

test('a NotOlderThan list at a revision written under another resource still answers at least that revision', async () => {
  await request(h.app).get(`${cms}?resourceVersion=0`).expect(200);
  // A write elsewhere moves the global revision past anything this resource's cache has seen.
  const other = await request(h.app).post('/api/v1/namespaces/fresh/secrets').send({ metadata: { name: 'elsewhere' } }).expect(201);
  const rv = Number(other.body.metadata.resourceVersion);
  const r = await request(h.app).get(`${cms}?resourceVersion=${rv}&resourceVersionMatch=NotOlderThan`).expect(200);
  expect(Number(r.body.metadata.resourceVersion)).toBeGreaterThanOrEqual(rv);
});

test('label selectors apply to lists served from the cache', async () => {
  const w = await request(h.app).post(cms).send({ metadata: { name: 'lab', labels: { pick: 'yes' } } }).expect(201);
  const r = await request(h.app).get(`${cms}?resourceVersion=${w.body.metadata.resourceVersion}&labelSelector=pick%3Dyes`).expect(200);
  expect(names(r.body)).toEqual(['lab']);
});
