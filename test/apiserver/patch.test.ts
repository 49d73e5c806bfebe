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
const patch = (path: string, type: string, body: unknown) =>
  request(h.app)
    .patch(path)
    .set('Content-Type', type)
    .send(typeof body === 'string' ? body : JSON.stringify(body));

const JSON_PATCH = 'application/json-patch+json';
const MERGE = 'application/merge-patch+json';
const SMP = 'application/strategic-merge-patch+json';
const APPLY = 'application/apply-patch+yaml';

describe('patch', () => {
  test('JSON patch applies operations and bumps resourceVersion', async () => {
    const c = await request(h.app).post(`${base}/configmaps`).send({ metadata: { name: 'jp' }, data: { a: '1' } }).expect(201);
    const r = await patch(`${base}/configmaps/jp`, JSON_PATCH, [
      { op: 'test', path: '/data/a', value: '1' },
      { op: 'add', path: '/data/b', value: '2' },
    ]);
    expect(r.status).toBe(200);
    expect(r.body.data).toEqual({ a: '1', b: '2' });
    expect(Number(r.body.metadata.resourceVersion)).toBeGreaterThan(Number(c.body.metadata.resourceVersion));
  });

  test('a failing JSON patch test op is rejected with 422 and changes nothing', async () => {
    await request(h.app).post(`${base}/configmaps`).send({ metadata: { name: 'jp-fail' }, data: { a: '1' } }).expect(201);
    const r = await patch(`${base}/configmaps/jp-fail`, JSON_PATCH, [
      { op: 'test', path: '/data/a', value: 'nope' },
      { op: 'add', path: '/data/b', value: '2' },
    ]);
    expect(r.status).toBe(422);
    const got = await request(h.app).get(`${base}/configmaps/jp-fail`).expect(200);
    expect(got.body.data).toEqual({ a: '1' });
  });

  test('merge patch sets and removes labels (kubectl label)', async () => {
    await request(h.app).post(`${base}/pods`).send(pod('mp', { metadata: { labels: { a: '1', b: '2' } } })).expect(201);
    const r = await patch(`${base}/pods/mp`, MERGE, { metadata: { labels: { a: 'x', b: null, c: '3' } } }).expect(200);
    expect(r.body.metadata.labels).toEqual({ a: 'x', c: '3' });
  });

  test('strategic merge patch merges containers by name', async () => {
    await request(h.app)
      .post(`${base}/pods`)
      .send(pod('smp', { spec: { containers: [{ name: 'a', image: 'a:1' }, { name: 'b', image: 'b:1' }] } }))
      .expect(201);
    const r = await patch(`${base}/pods/smp`, SMP, { spec: { containers: [{ name: 'b', image: 'b:2' }] } });
    expect(r.status).toBe(200);
    expect(r.body.spec.containers.map((c: { name: string; image: string }) => `${c.name}=${c.image}`)).toEqual(['a=a:1', 'b=b:2']);
  });

  test('a patch that breaks validation is Invalid and changes nothing', async () => {
    await request(h.app).post(`${base}/pods`).send(pod('mp-bad')).expect(201);
    const r = await patch(`${base}/pods/mp-bad`, MERGE, { spec: { restartPolicy: 'Never' } });
    expect(r.status).toBe(422);
    expect(r.body.details.causes[0].field).toBe('spec');
  });

  test('a patch carrying a stale resourceVersion is a Conflict', async () => {
    const c = await request(h.app).post(`${base}/configmaps`).send({ metadata: { name: 'mp-rv' }, data: { a: '1' } }).expect(201);
    await patch(`${base}/configmaps/mp-rv`, MERGE, { data: { a: '2' } }).expect(200);
    const r = await patch(`${base}/configmaps/mp-rv`, MERGE, { metadata: { resourceVersion: c.body.metadata.resourceVersion }, data: { a: '3' } });
    expect(r.status).toBe(409);
    expect(r.body.reason).toBe('Conflict');
  });

  test('patching a missing object is NotFound', async () => {
    const r = await patch(`${base}/configmaps/mp-missing`, MERGE, { data: { a: '1' } });
    expect(r.status).toBe(404);
    expect(r.body.message).toBe('configmaps "mp-missing" not found');
  });

  test('an unsupported patch content type is UnsupportedMediaType', async () => {
    await request(h.app).post(`${base}/configmaps`).send({ metadata: { name: 'mp-415' } }).expect(201);
    const r = await patch(`${base}/configmaps/mp-415`, 'application/json', { data: { a: '1' } });
    expect(r.status).toBe(415);
  });

  test('a malformed patch body is a BadRequest', async () => {
    await request(h.app).post(`${base}/configmaps`).send({ metadata: { name: 'mp-400' } }).expect(201);
    const r = await patch(`${base}/configmaps/mp-400`, MERGE, '{"data":');
    expect(r.status).toBe(400);
  });

  test('patching /status changes status only', async () => {
    await request(h.app).post(`${base}/pods`).send(pod('mp-st')).expect(201);
    const r = await patch(`${base}/pods/mp-st/status`, MERGE, { status: { phase: 'Running' }, spec: { restartPolicy: 'Never' } }).expect(200);
    expect(r.body.status.phase).toBe('Running');
    expect(r.body.spec.restartPolicy).toBe('Always');
  });

  test('patching in an unknown field warns (default) and Strict refuses it', async () => {
    await request(h.app).post(`${base}/configmaps`).send({ metadata: { name: 'mp-unk' } }).expect(201);
    const warn = await patch(`${base}/configmaps/mp-unk`, MERGE, { data: { a: '1' }, bogus: true }).expect(200);
    expect(warn.headers['warning']).toBe('299 - "unknown field \\"bogus\\""');
    expect(warn.body.bogus).toBeUndefined();
    const strict = await patch(`${base}/configmaps/mp-unk?fieldValidation=Strict`, MERGE, { bogus: true });
    expect(strict.status).toBe(400);
    expect(strict.body.message).toContain('strict decoding error: unknown field "bogus"');
  });

  test('dryRun patch answers the patched object but stores nothing', async () => {
    await request(h.app).post(`${base}/configmaps`).send({ metadata: { name: 'mp-dry' }, data: { a: '1' } }).expect(201);
    const r = await patch(`${base}/configmaps/mp-dry?dryRun=All`, MERGE, { data: { a: '2' } }).expect(200);
    expect(r.body.data.a).toBe('2');
    const got = await request(h.app).get(`${base}/configmaps/mp-dry`).expect(200);
    expect(got.body.data.a).toBe('1');
  });
});

describe('server-side apply', () => {
  const cm = (data: Record<string, string>) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ssa' }, data });

  test('apply creates a missing object (201) and then updates it (200)', async () => {
    const c = await patch(`${base}/configmaps/ssa?fieldManager=test`, APPLY, cm({ a: '1' }));
    expect(c.status).toBe(201);
    expect(c.body.data).toEqual({ a: '1' });
    expect(c.body.metadata.managedFields[0]).toMatchObject({ manager: 'test', operation: 'Apply' });
    const u = await patch(`${base}/configmaps/ssa?fieldManager=test`, APPLY, cm({ a: '2' }));
    expect(u.status).toBe(200);
    expect(u.body.data).toEqual({ a: '2' });
  });

  test('apply requires a fieldManager', async () => {
    const r = await patch(`${base}/configmaps/ssa2`, APPLY, { ...cm({}), metadata: { name: 'ssa2' } });
    expect(r.status).toBe(422);
    expect(r.body.message).toContain('fieldManager: Required value');
  });

  test('apply accepts YAML bodies', async () => {
    const yaml = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa-yaml\ndata:\n  k: v\n';
    const r = await patch(`${base}/configmaps/ssa-yaml?fieldManager=kubectl`, APPLY, yaml);
    expect(r.status).toBe(201);
    expect(r.body.data).toEqual({ k: 'v' });
  });

  test('force is refused on non-apply patches', async () => {
    await request(h.app).post(`${base}/configmaps`).send({ metadata: { name: 'ssa-force' } }).expect(201);
    const r = await patch(`${base}/configmaps/ssa-force?force=true`, MERGE, { data: { a: '1' } });
    expect(r.status).toBe(422);
  });
});

describe('managedFields', () => {
  test('a create records an Update entry for the fieldManager (or the user agent)', async () => {
    const a = await request(h.app).post(`${base}/configmaps?fieldManager=creator`).send({ metadata: { name: 'mf-a' }, data: { k: 'v' } }).expect(201);
    expect(a.body.metadata.managedFields).toEqual([
      expect.objectContaining({ manager: 'creator', operation: 'Update', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { '.': {}, 'f:k': {} } } }),
    ]);
    const b = await request(h.app).post(`${base}/configmaps`).set('User-Agent', 'my-tool/1.0 (linux)').send({ metadata: { name: 'mf-b' }, data: { k: 'v' } }).expect(201);
    expect(b.body.metadata.managedFields[0].manager).toBe('my-tool');
  });

  test('an apply that changes a field another manager owns is a 409 Conflict unless forced', async () => {
    await request(h.app).post(`${base}/configmaps?fieldManager=owner`).send({ metadata: { name: 'mf-c' }, data: { k: 'v' } }).expect(201);
    const cfg = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'mf-c' }, data: { k: 'changed' } };
    const r = await patch(`${base}/configmaps/mf-c?fieldManager=applier`, APPLY, cfg);
    expect(r.status).toBe(409);
    expect(r.body.reason).toBe('Conflict');
    expect(r.body.message).toContain('conflict with "owner"');
    const forced = await patch(`${base}/configmaps/mf-c?fieldManager=applier&force=true`, APPLY, cfg);
    expect(forced.status).toBe(200);
    expect(forced.body.data.k).toBe('changed');
  });

  test('an apply that drops a field it applied before removes it', async () => {
    const cfg = (data: Record<string, string>) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'mf-d' }, data });
    await patch(`${base}/configmaps/mf-d?fieldManager=ap`, APPLY, cfg({ a: '1', b: '2' })).expect(201);
    const r = await patch(`${base}/configmaps/mf-d?fieldManager=ap`, APPLY, cfg({ a: '1' })).expect(200);
    expect(r.body.data).toEqual({ a: '1' });
  });
});
