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

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test bodies are edited freely as JSON
type Json = Record<string, any>;

async function create(name: string, extra: Record<string, unknown> = {}): Promise<Json> {
  const r = await request(h.app).post(`${base}/pods`).send(pod(name, extra));
  expect(r.status).toBe(201);
  return r.body;
}

describe('pod defaults', () => {
  test('a new pod gets kube defaults and phase Pending', async () => {
    const p = await create('def-a', {
      spec: {
        containers: [
          { name: 'tagged', image: 'nginx:1.25', ports: [{ containerPort: 80 }] },
          { name: 'latest', image: 'nginx:latest' },
          { name: 'untagged', image: 'registry:5000/nginx' },
          { name: 'digest', image: 'nginx@sha256:abc' },
        ],
      },
    });
    expect(p.spec).toMatchObject({ restartPolicy: 'Always', dnsPolicy: 'ClusterFirst', terminationGracePeriodSeconds: 30, schedulerName: 'default-scheduler' });
    const [tagged, latest, untagged, digest] = p.spec.containers;
    expect(tagged.imagePullPolicy).toBe('IfNotPresent');
    expect(latest.imagePullPolicy).toBe('Always');
    expect(untagged.imagePullPolicy).toBe('Always');
    expect(digest.imagePullPolicy).toBe('IfNotPresent');
    expect(tagged.terminationMessagePath).toBe('/dev/termination-log');
    expect(tagged.terminationMessagePolicy).toBe('File');
    expect(tagged.ports[0].protocol).toBe('TCP');
    expect(p.status.phase).toBe('Pending');
  });
});

describe('pod validation', () => {
  test('a container without image is Invalid with the field path', async () => {
    const r = await request(h.app)
      .post(`${base}/pods`)
      .send(pod('val-img', { spec: { containers: [{ name: 'c' }] } }));
    expect(r.status).toBe(422);
    expect(r.body.message).toBe('Pod "val-img" is invalid: spec.containers[0].image: Required value');
    expect(r.body.details).toMatchObject({ name: 'val-img', kind: 'Pod', causes: [{ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.containers[0].image' }] });
  });

  test('a pod name that is not a DNS subdomain is Invalid', async () => {
    const r = await request(h.app).post(`${base}/pods`).send(pod('Bad_Name'));
    expect(r.status).toBe(422);
    expect(r.body.details.causes[0].field).toBe('metadata.name');
    expect(r.body.message).toContain('a lowercase RFC 1123 subdomain must consist of');
  });

  test('invalid label keys and values are Invalid', async () => {
    const r = await request(h.app)
      .post(`${base}/pods`)
      .send(pod('val-lbl', { metadata: { labels: { 'bad key': 'v', ok: 'bad value!' } } }));
    expect(r.status).toBe(422);
    const fields = r.body.details.causes.map((c: { field: string }) => c.field);
    expect(fields).toEqual(['metadata.labels', 'metadata.labels']);
  });

  test('a label value over 63 characters is Invalid', async () => {
    const r = await request(h.app)
      .post(`${base}/pods`)
      .send(pod('val-long', { metadata: { labels: { k: 'a'.repeat(64) } } }));
    expect(r.status).toBe(422);
    expect(r.body.message).toContain('must be no more than 63 characters');
  });

  test('unsupported enum values list the supported ones', async () => {
    const r = await request(h.app)
      .post(`${base}/pods`)
      .send(pod('val-rp', { spec: { restartPolicy: 'Sometimes' } }));
    expect(r.status).toBe(422);
    expect(r.body.message).toBe('Pod "val-rp" is invalid: spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"');
  });

  test('duplicate container names are Invalid', async () => {
    const r = await request(h.app)
      .post(`${base}/pods`)
      .send(pod('val-dup', { spec: { containers: [{ name: 'c', image: 'a' }, { name: 'c', image: 'b' }] } }));
    expect(r.status).toBe(422);
    expect(r.body.details.causes[0]).toMatchObject({ reason: 'FieldValueDuplicate', field: 'spec.containers[1].name' });
  });

  test('a wrongly typed field is a BadRequest from decoding', async () => {
    const r = await request(h.app)
      .post(`${base}/pods`)
      .send(pod('val-type', { spec: { containers: [{ name: 'c', image: 'x', ports: [{ containerPort: 'eighty' }] }] } }));
    expect(r.status).toBe(400);
    expect(r.body.message).toContain('spec.containers[0].ports[0].containerPort');
  });
});

describe('pod updates', () => {
  test('changing the image is allowed', async () => {
    const p = await create('upd-img');
    p.spec.containers[0].image = 'nginx:1.26';
    const r = await request(h.app).put(`${base}/pods/upd-img`).send(p);
    expect(r.status).toBe(200);
    expect(r.body.spec.containers[0].image).toBe('nginx:1.26');
  });

  test('changing other spec fields is Invalid with field spec', async () => {
    const p = await create('upd-spec');
    p.spec.restartPolicy = 'Never';
    const r = await request(h.app).put(`${base}/pods/upd-spec`).send(p);
    expect(r.status).toBe(422);
    expect(r.body.details.causes[0]).toMatchObject({ reason: 'FieldValueForbidden', field: 'spec' });
    expect(r.body.message).toContain('pod updates may not change fields other than `spec.containers[*].image`');
  });

  test('tolerations may be added but not removed', async () => {
    const p = await create('upd-tol', { spec: { tolerations: [{ key: 'a', operator: 'Exists' }] } });
    p.spec.tolerations.push({ key: 'b', operator: 'Exists' });
    const added = await request(h.app).put(`${base}/pods/upd-tol`).send(p);
    expect(added.status).toBe(200);
    added.body.spec.tolerations = [];
    const removed = await request(h.app).put(`${base}/pods/upd-tol`).send(added.body);
    expect(removed.status).toBe(422);
    expect(removed.body.details.causes.map((c: { field: string }) => c.field)).toContain('spec.tolerations');
  });

  test('activeDeadlineSeconds may only shrink', async () => {
    const p = await create('upd-ads', { spec: { activeDeadlineSeconds: 100 } });
    p.spec.activeDeadlineSeconds = 50;
    const shorter = await request(h.app).put(`${base}/pods/upd-ads`).send(p);
    expect(shorter.status).toBe(200);
    shorter.body.spec.activeDeadlineSeconds = 200;
    const longer = await request(h.app).put(`${base}/pods/upd-ads`).send(shorter.body);
    expect(longer.status).toBe(422);
    expect(longer.body.details.causes[0].field).toBe('spec.activeDeadlineSeconds');
  });

  test('the main resource ignores status changes', async () => {
    const p = await create('upd-st');
    p.status = { phase: 'Running' };
    p.metadata.labels = { touched: 'yes' };
    const r = await request(h.app).put(`${base}/pods/upd-st`).send(p).expect(200);
    expect(r.body.status.phase).toBe('Pending');
    expect(r.body.metadata.labels).toEqual({ touched: 'yes' });
  });

  test('the status subresource changes status and ignores spec changes', async () => {
    const p = await create('upd-sub');
    p.status = { phase: 'Running', podIP: '10.1.2.3' };
    p.spec.containers[0].image = 'changed:1';
    const r = await request(h.app).put(`${base}/pods/upd-sub/status`).send(p).expect(200);
    expect(r.body.status.phase).toBe('Running');
    expect(r.body.status.podIP).toBe('10.1.2.3');
    expect(r.body.spec.containers[0].image).toBe('nginx:1.25');
    const got = await request(h.app).get(`${base}/pods/upd-sub/status`).expect(200);
    expect(got.body.status.phase).toBe('Running');
  });

  test('status validation rejects an unknown phase', async () => {
    const p = await create('upd-badphase');
    p.status = { phase: 'Dancing' };
    const r = await request(h.app).put(`${base}/pods/upd-badphase/status`).send(p);
    expect(r.status).toBe(422);
    expect(r.body.details.causes[0].field).toBe('status.phase');
  });
});

describe('binding', () => {
  test('binding sets spec.nodeName and answers a 201 Success Status', async () => {
    await create('bind-a');
    const r = await request(h.app)
      .post(`${base}/pods/bind-a/binding`)
      .send({ apiVersion: 'v1', kind: 'Binding', metadata: { name: 'bind-a' }, target: { kind: 'Node', name: 'node-1' } });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ kind: 'Status', status: 'Success', code: 201 });
    const p = await request(h.app).get(`${base}/pods/bind-a`).expect(200);
    expect(p.body.spec.nodeName).toBe('node-1');
    expect(p.body.status.conditions).toEqual([expect.objectContaining({ type: 'PodScheduled', status: 'True' })]);
  });

  test('binding an assigned pod is a Conflict', async () => {
    await create('bind-b', { spec: { nodeName: 'node-1' } });
    const r = await request(h.app)
      .post(`${base}/pods/bind-b/binding`)
      .send({ metadata: { name: 'bind-b' }, target: { name: 'node-2' } });
    expect(r.status).toBe(409);
    expect(r.body.message).toBe('Operation cannot be fulfilled on pods "bind-b": pod bind-b is already assigned to node "node-1"');
  });

  test('the legacy bindings collection binds by the name in the body', async () => {
    await create('bind-c');
    await request(h.app)
      .post(`${base}/bindings`)
      .send({ apiVersion: 'v1', kind: 'Binding', metadata: { name: 'bind-c' }, target: { kind: 'Node', name: 'node-3' } })
      .expect(201);
    const p = await request(h.app).get(`${base}/pods/bind-c`).expect(200);
    expect(p.body.spec.nodeName).toBe('node-3');
  });

  test('binding a missing pod is NotFound', async () => {
    const r = await request(h.app).post(`${base}/pods/bind-missing/binding`).send({ metadata: { name: 'bind-missing' }, target: { name: 'n' } });
    expect(r.status).toBe(404);
  });
});

describe('pod deletion', () => {
  test('a bound pod is deleted gracefully: deletionTimestamp set and the object kept', async () => {
    await create('gd-a', { spec: { nodeName: 'node-1', terminationGracePeriodSeconds: 20 } });
    const d = await request(h.app).delete(`${base}/pods/gd-a`).expect(200);
    expect(d.body.metadata.deletionTimestamp).toBeTruthy();
    expect(d.body.metadata.deletionGracePeriodSeconds).toBe(20);
    const still = await request(h.app).get(`${base}/pods/gd-a`).expect(200);
    expect(still.body.metadata.deletionTimestamp).toBe(d.body.metadata.deletionTimestamp);
  });

  test('gracePeriodSeconds=0 removes a gracefully deleting pod', async () => {
    await create('gd-b', { spec: { nodeName: 'node-1' } });
    await request(h.app).delete(`${base}/pods/gd-b`).expect(200);
    await request(h.app).get(`${base}/pods/gd-b`).expect(200);
    await request(h.app).delete(`${base}/pods/gd-b`).send({ gracePeriodSeconds: 0 }).expect(200);
    await request(h.app).get(`${base}/pods/gd-b`).expect(404);
  });

  test('a bound pod deleted with gracePeriodSeconds=0 (--force) goes at once', async () => {
    await create('gd-c', { spec: { nodeName: 'node-1' } });
    await request(h.app).delete(`${base}/pods/gd-c?gracePeriodSeconds=0`).expect(200);
    await request(h.app).get(`${base}/pods/gd-c`).expect(404);
  });

  test('a finished pod is removed at once even when bound', async () => {
    const p = await create('gd-d', { spec: { nodeName: 'node-1' } });
    p.status = { phase: 'Succeeded' };
    await request(h.app).put(`${base}/pods/gd-d/status`).send(p).expect(200);
    await request(h.app).delete(`${base}/pods/gd-d`).expect(200);
    await request(h.app).get(`${base}/pods/gd-d`).expect(404);
  });
});
