import request from 'supertest';
import YAML from 'yaml';
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

describe('encodings', () => {
  test('YAML bodies are accepted and YAML is answered when asked for', async () => {
    const body = YAML.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'yaml-cm' }, data: { k: 'v' } });
    const r = await request(h.app).post(`${base}/configmaps`).set('Content-Type', 'application/yaml').set('Accept', 'application/yaml').send(body);
    expect(r.status).toBe(201);
    expect(r.headers['content-type']).toMatch(/^application\/yaml/);
    const parsed = YAML.parse(r.text) as { data: Record<string, string>; kind: string };
    expect(parsed.kind).toBe('ConfigMap');
    expect(parsed.data).toEqual({ k: 'v' });
  });

  test('a protobuf-first Accept that allows JSON is answered with JSON', async () => {
    const r = await request(h.app).get(`${base}/pods`).set('Accept', 'application/vnd.kubernetes.protobuf, application/json').expect(200);
    expect(r.headers['content-type']).toMatch(/^application\/json/);
    expect(r.body.kind).toBe('PodList');
  });

  test('a protobuf-only Accept is NotAcceptable', async () => {
    const r = await request(h.app).get(`${base}/pods`).set('Accept', 'application/vnd.kubernetes.protobuf');
    expect(r.status).toBe(406);
    expect(JSON.parse(r.text).reason).toBe('NotAcceptable');
  });

  test('a protobuf Namespace body (kubectl create namespace) is decoded and created', async () => {
    const field = (n: number, b: Buffer): Buffer => Buffer.concat([Buffer.from([(n << 3) | 2, b.length]), b]);
    const ns = field(1, field(1, Buffer.from('from-proto')));
    const typeMeta = Buffer.concat([field(1, Buffer.from('v1')), field(2, Buffer.from('Namespace'))]);
    const body = Buffer.concat([Buffer.from([0x6b, 0x38, 0x73, 0x00]), field(1, typeMeta), field(2, ns)]);
    const r = await request(h.app).post('/api/v1/namespaces').set('Content-Type', 'application/vnd.kubernetes.protobuf').send(body);
    expect(r.status).toBe(201);
    expect(r.headers['content-type']).toMatch(/^application\/json/);
    expect(r.body.metadata.name).toBe('from-proto');
    expect(r.body.status.phase).toBe('Active');
  });

  test('a protobuf body that is not a Kubernetes envelope is a BadRequest', async () => {
    const r = await request(h.app).post(`${base}/configmaps`).set('Content-Type', 'application/vnd.kubernetes.protobuf').send(Buffer.from('junk'));
    expect(r.status).toBe(400);
    expect(r.body.reason).toBe('BadRequest');
  });

  test('an unknown body content type is UnsupportedMediaType', async () => {
    const r = await request(h.app).post(`${base}/configmaps`).set('Content-Type', 'text/plain').send('hello');
    expect(r.status).toBe(415);
  });

  test('a body over 3 MiB is RequestEntityTooLarge', async () => {
    const big = JSON.stringify({ metadata: { name: 'big' }, data: { a: 'x'.repeat(3 * 1024 * 1024 + 10) } });
    const r = await request(h.app).post(`${base}/configmaps`).set('Content-Type', 'application/json').send(big);
    expect(r.status).toBe(413);
    expect(r.body.reason).toBe('RequestEntityTooLarge');
  });

  test('an object over the storage value limit is RequestEntityTooLarge and not stored', async () => {
    const big = pod('big2', { spec: { containers: [{ name: 'c', image: 'x:1', env: [{ name: 'E', value: 'y'.repeat(1600 * 1024) }] }] } });
    const r = await request(h.app).post(`${base}/pods`).send(big);
    expect(r.status).toBe(413);
    expect(r.body.reason).toBe('RequestEntityTooLarge');
    await request(h.app).get(`${base}/pods/big2`).expect(404);
  });

  test('a body nested 100000 levels deep is a BadRequest, not a crash', async () => {
    const deep = '{"metadata":{"name":"deep"},"data":{"x":' + '['.repeat(100000) + ']'.repeat(100000) + '}}';
    const r = await request(h.app).post(`${base}/configmaps`).set('Content-Type', 'application/json').send(deep);
    expect(r.status).toBe(400);
    expect(r.body.message).toContain('exceeded max depth');
    await request(h.app).post(`${base}/configmaps`).send({ metadata: { name: 'deep-patch' } }).expect(201);
    const p = await request(h.app)
      .patch(`${base}/configmaps/deep-patch`)
      .set('Content-Type', 'application/merge-patch+json')
      .send('{"data":' + '{"a":'.repeat(100000) + '1' + '}'.repeat(100000) + '}');
    expect(p.status).toBe(400);
  });

  test('a Table Accept is answered with a Table for pods', async () => {
    await request(h.app).post(`${base}/pods`).send(pod('tbl')).expect(201);
    const r = await request(h.app)
      .get(`${base}/pods`)
      .set('Accept', 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json')
      .expect(200);
    expect(r.body.kind).toBe('Table');
    expect(r.body.apiVersion).toBe('meta.k8s.io/v1');
    expect(r.body.columnDefinitions[0].name).toBe('Name');
    expect(r.body.rows[0].cells[0]).toBe('tbl');
    expect(r.body.rows[0].object).toMatchObject({ kind: 'PartialObjectMetadata', metadata: { name: 'tbl' } });
  });

  test('a Table Accept for a single object and with includeObject=Object', async () => {
    const r = await request(h.app)
      .get(`${base}/pods/tbl?includeObject=Object`)
      .set('Accept', 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json')
      .expect(200);
    expect(r.body.kind).toBe('Table');
    expect(r.body.rows).toHaveLength(1);
    expect(r.body.rows[0].object.kind).toBe('Pod');
  });

  test('services are printed with their upstream columns', async () => {
    const r = await request(h.app).get(`${base}/services`).set('Accept', 'application/json;as=Table;v=v1;g=meta.k8s.io').expect(200);
    expect(r.body.columnDefinitions.map((c: { name: string }) => c.name).slice(0, 6)).toEqual(['Name', 'Type', 'Cluster-IP', 'External-IP', 'Port(s)', 'Age']);
  });
});

describe('dryRun', () => {
  test('dryRun=All validates and defaults a create but stores nothing', async () => {
    const r = await request(h.app).post(`${base}/pods?dryRun=All`).send(pod('dry')).expect(201);
    expect(r.body.spec.restartPolicy).toBe('Always');
    expect(r.body.metadata.uid).toBeTruthy();
    await request(h.app).get(`${base}/pods/dry`).expect(404);
  });

  test('dryRun=All still reports validation errors', async () => {
    const r = await request(h.app).post(`${base}/pods?dryRun=All`).send(pod('dry-bad', { spec: { containers: [{ name: 'c' }] } }));
    expect(r.status).toBe(422);
  });

  test('dryRun=All on update leaves the stored object unchanged', async () => {
    const c = await request(h.app).post(`${base}/configmaps`).send({ metadata: { name: 'dry-upd' }, data: { a: '1' } }).expect(201);
    const r = await request(h.app).put(`${base}/configmaps/dry-upd?dryRun=All`).send({ ...c.body, data: { a: '2' } }).expect(200);
    expect(r.body.data).toEqual({ a: '2' });
    const got = await request(h.app).get(`${base}/configmaps/dry-upd`).expect(200);
    expect(got.body.data).toEqual({ a: '1' });
  });

  test('an unsupported dryRun value is Invalid', async () => {
    const r = await request(h.app).post(`${base}/pods?dryRun=Some`).send(pod('dry-x'));
    expect(r.status).toBe(422);
  });
});

describe('fieldValidation', () => {
  const withUnknown = () => ({ ...pod('fv'), spec: { containers: [{ name: 'c', image: 'x:1', imagePullPolice: 'Always' }], foo: 1 } });

  test('Strict rejects unknown fields, listing every one with kube wording', async () => {
    const r = await request(h.app).post(`${base}/pods?fieldValidation=Strict`).send(withUnknown());
    expect(r.status).toBe(400);
    expect(r.body.reason).toBe('BadRequest');
    expect(r.body.message).toBe(
      'Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.containers[0].imagePullPolice", unknown field "spec.foo"',
    );
  });

  test('Strict rejects duplicate fields', async () => {
    const raw = '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"dupf","name":"dupf"},"data":{}}';
    const r = await request(h.app).post(`${base}/configmaps?fieldValidation=Strict`).set('Content-Type', 'application/json').send(raw);
    expect(r.status).toBe(400);
    expect(r.body.message).toContain('duplicate field "metadata.name"');
  });

  test('Strict rejects duplicate fields in YAML bodies too', async () => {
    const yaml = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dupy\ndata:\n  a: "1"\n  a: "2"\n';
    const r = await request(h.app).post(`${base}/configmaps?fieldValidation=Strict`).set('Content-Type', 'application/yaml').send(yaml);
    expect(r.status).toBe(400);
    expect(r.body.message).toContain('duplicate field "data.a"');
  });

  test('Warn (the default) stores the object and sends one Warning header per field', async () => {
    const r = await request(h.app).post(`${base}/pods`).send({ ...withUnknown(), metadata: { name: 'fv-warn' } });
    expect(r.status).toBe(201);
    expect(r.headers['warning']).toBe('299 - "unknown field \\"spec.containers[0].imagePullPolice\\"", 299 - "unknown field \\"spec.foo\\""');
  });

  test('Ignore stores the object without warnings', async () => {
    const r = await request(h.app).post(`${base}/pods?fieldValidation=Ignore`).send({ ...withUnknown(), metadata: { name: 'fv-ign' } });
    expect(r.status).toBe(201);
    expect(r.headers['warning']).toBeUndefined();
  });
});

describe('server endpoints', () => {
  test('/version reports 1.32', async () => {
    const r = await request(h.app).get('/version').expect(200);
    expect(r.body).toMatchObject({ major: '1', minor: '32' });
    expect(r.body.gitVersion).toMatch(/^v1\.32\.\d+/);
  });

  test('/healthz, /livez and /readyz answer ok', async () => {
    for (const p of ['/healthz', '/livez', '/readyz']) {
      const r = await request(h.app).get(p).expect(200);
      expect(r.text).toBe('ok');
    }
  });

  test('/api and /apis serve discovery, with the legacy v1beta1 as a second core version after v1', async () => {
    const api = await request(h.app).get('/api').set('Accept', 'application/json').expect(200);
    expect(api.body.versions).toEqual(['v1', 'v1beta1']);
    const v1 = await request(h.app).get('/api/v1').set('Accept', 'application/json').expect(200);
    expect(v1.body.resources.map((r: { name: string }) => r.name)).toEqual(expect.arrayContaining(['pods', 'pods/status', 'services', 'namespaces', 'nodes']));
    const apis = await request(h.app).get('/apis').set('Accept', 'application/json').expect(200);
    expect(apis.body.groups.map((g: { name: string }) => g.name)).toContain('coordination.k8s.io');
  });
});
