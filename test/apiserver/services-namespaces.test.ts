import request from 'supertest';
import { startHarness, pod } from './harness';
import type { Harness } from './harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ serviceClusterIpRange: '10.10.10.0/24' });
});
afterAll(async () => {
  await h.close();
});

const base = '/api/v1/namespaces/default';
const svc = (name: string, spec: Record<string, unknown> = {}): Record<string, unknown> => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name },
  spec: { selector: { app: name }, ports: [{ port: 80 }], ...spec },
});

describe('services', () => {
  test('a new service gets kube defaults and a cluster IP from the range', async () => {
    const r = await request(h.app).post(`${base}/services`).send(svc('web'));
    expect(r.status).toBe(201);
    expect(r.body.spec).toMatchObject({ type: 'ClusterIP', sessionAffinity: 'None', ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack', internalTrafficPolicy: 'Cluster' });
    expect(r.body.spec.ports[0]).toEqual({ port: 80, protocol: 'TCP', targetPort: 80 });
    expect(r.body.spec.clusterIP).toMatch(/^10\.10\.10\.\d+$/);
    expect(r.body.spec.clusterIPs).toEqual([r.body.spec.clusterIP]);
  });

  test('two services never get the same cluster IP', async () => {
    const a = await request(h.app).post(`${base}/services`).send(svc('ip-a')).expect(201);
    const b = await request(h.app).post(`${base}/services`).send(svc('ip-b')).expect(201);
    expect(a.body.spec.clusterIP).not.toBe(b.body.spec.clusterIP);
  });

  test('a requested cluster IP already in use is Invalid', async () => {
    const a = await request(h.app).post(`${base}/services`).send(svc('ip-c')).expect(201);
    const r = await request(h.app).post(`${base}/services`).send(svc('ip-d', { clusterIP: a.body.spec.clusterIP }));
    expect(r.status).toBe(422);
    expect(r.body.details.causes[0].field).toBe('spec.clusterIPs');
  });

  test('a PUT without clusterIP keeps the allocated one; changing it is Invalid', async () => {
    const a = await request(h.app).post(`${base}/services`).send(svc('keep-ip')).expect(201);
    const body = { ...a.body, spec: { ...a.body.spec, clusterIP: undefined, clusterIPs: undefined } };
    const kept = await request(h.app).put(`${base}/services/keep-ip`).send(body).expect(200);
    expect(kept.body.spec.clusterIP).toBe(a.body.spec.clusterIP);
    const changed = await request(h.app)
      .put(`${base}/services/keep-ip`)
      .send({ ...kept.body, spec: { ...kept.body.spec, clusterIP: '10.10.10.250', clusterIPs: ['10.10.10.250'] } });
    expect(changed.status).toBe(422);
    expect(changed.body.details.causes[0].field).toBe('spec.clusterIPs[0]');
  });

  test('service names must be DNS-1035 labels', async () => {
    const r = await request(h.app).post(`${base}/services`).send(svc('1web'));
    expect(r.status).toBe(422);
    expect(r.body.message).toContain('a DNS-1035 label must consist of lower case alphanumeric characters');
  });

  test('ports must be valid, and named when there are several', async () => {
    const r = await request(h.app)
      .post(`${base}/services`)
      .send(svc('badports', { ports: [{ port: 70000 }, { port: 81 }] }));
    expect(r.status).toBe(422);
    const fields = r.body.details.causes.map((c: { field: string }) => c.field);
    expect(fields).toEqual(expect.arrayContaining(['spec.ports[0].name', 'spec.ports[1].name', 'spec.ports[0].port']));
  });

  test('a service without ports is Invalid', async () => {
    const r = await request(h.app).post(`${base}/services`).send(svc('noports', { ports: [] }));
    expect(r.status).toBe(422);
    expect(r.body.message).toBe('Service "noports" is invalid: spec.ports: Required value');
  });

  test('NodePort services get node ports from the range', async () => {
    const r = await request(h.app).post(`${base}/services`).send(svc('np', { type: 'NodePort' }));
    expect(r.status).toBe(201);
    expect(r.body.spec.ports[0].nodePort).toBeGreaterThanOrEqual(30000);
    expect(r.body.spec.externalTrafficPolicy).toBe('Cluster');
  });

  test('deleting a service releases its cluster IP for reuse', async () => {
    const a = await request(h.app).post(`${base}/services`).send(svc('rel-a')).expect(201);
    await request(h.app).delete(`${base}/services/rel-a`).expect(200);
    const b = await request(h.app).post(`${base}/services`).send(svc('rel-b', { clusterIP: a.body.spec.clusterIP }));
    expect(b.status).toBe(201);
  });

  test('the status subresource only changes status', async () => {
    const a = await request(h.app).post(`${base}/services`).send(svc('st')).expect(201);
    const body = { ...a.body, spec: { ...a.body.spec, sessionAffinity: 'ClientIP' }, status: { loadBalancer: { ingress: [{ ip: '1.2.3.4' }] } } };
    const r = await request(h.app).put(`${base}/services/st/status`).send(body).expect(200);
    expect(r.body.status.loadBalancer.ingress[0].ip).toBe('1.2.3.4');
    expect(r.body.spec.sessionAffinity).toBe('None');
  });
});

describe('namespaces', () => {
  test('default, kube-system and kube-public exist at start, Active', async () => {
    const r = await request(h.app).get('/api/v1/namespaces').expect(200);
    const names = r.body.items.map((n: { metadata: { name: string } }) => n.metadata.name);
    expect(names).toEqual(expect.arrayContaining(['default', 'kube-system', 'kube-public']));
    expect(r.body.items[0].status.phase).toBe('Active');
    expect(r.body.items[0].spec.finalizers).toEqual(['kubernetes']);
  });

  test('writing into a missing namespace is NotFound for the namespace', async () => {
    const r = await request(h.app).post('/api/v1/namespaces/nowhere/pods').send(pod('p'));
    expect(r.status).toBe(404);
    expect(r.body.message).toBe('namespaces "nowhere" not found');
    expect(r.body.details).toMatchObject({ name: 'nowhere', kind: 'namespaces' });
  });

  test('namespace names must be DNS labels', async () => {
    const r = await request(h.app).post('/api/v1/namespaces').send({ metadata: { name: 'a.b' } });
    expect(r.status).toBe(422);
  });

  test('deleting a namespace marks it Terminating and it refuses new content', async () => {
    await request(h.app).post('/api/v1/namespaces').send({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'term' } }).expect(201);
    await request(h.app).post('/api/v1/namespaces/term/configmaps').send({ metadata: { name: 'before' } }).expect(201);
    const d = await request(h.app).delete('/api/v1/namespaces/term').expect(200);
    expect(d.body.status.phase).toBe('Terminating');
    expect(d.body.metadata.deletionTimestamp).toBeTruthy();
    const ns = await request(h.app).get('/api/v1/namespaces/term').expect(200);
    expect(ns.body.status.phase).toBe('Terminating');
    const r = await request(h.app).post('/api/v1/namespaces/term/configmaps').send({ metadata: { name: 'after' } });
    expect(r.status).toBe(403);
    expect(r.body.reason).toBe('Forbidden');
    expect(r.body.message).toBe('configmaps "after" is forbidden: unable to create new content in namespace term because it is being terminated');
    const gen = await request(h.app).post('/api/v1/namespaces/term/configmaps').send({ metadata: { generateName: 'g-' } });
    expect(gen.status).toBe(403);
    expect(gen.body.message).toBe('configmaps is forbidden: unable to create new content in namespace term because it is being terminated');
    // Existing content can still be updated and deleted (the namespace controller needs that).
    await request(h.app).delete('/api/v1/namespaces/term/configmaps/before').expect(200);
  });

  test('a Terminating namespace goes once its finalizers are cleared through /finalize', async () => {
    await request(h.app).post('/api/v1/namespaces').send({ metadata: { name: 'fin' } }).expect(201);
    const d = await request(h.app).delete('/api/v1/namespaces/fin').expect(200);
    const body = { ...d.body, spec: { finalizers: [] } };
    const f = await request(h.app).put('/api/v1/namespaces/fin/finalize').send(body).expect(200);
    expect(f.body.spec.finalizers).toEqual([]);
    // The /finalize update itself completes the deletion (kube's ShouldDeleteNamespaceDuringUpdate).
    await request(h.app).get('/api/v1/namespaces/fin').expect(404);
  });

  test('a PUT on the namespace cannot change spec.finalizers', async () => {
    const c = await request(h.app).post('/api/v1/namespaces').send({ metadata: { name: 'keepfin' } }).expect(201);
    const r = await request(h.app).put('/api/v1/namespaces/keepfin').send({ ...c.body, spec: { finalizers: [] } }).expect(200);
    expect(r.body.spec.finalizers).toEqual(['kubernetes']);
  });

  test('the built-in namespaces cannot be deleted', async () => {
    const r = await request(h.app).delete('/api/v1/namespaces/default');
    expect(r.status).toBe(403);
    expect(r.body.message).toBe('namespaces "default" is forbidden: this namespace may not be deleted');
  });
});

describe('other kinds', () => {
  test('nodes are cluster-scoped and keep status on create; status changes later only via /status', async () => {
    const n = await request(h.app)
      .post('/api/v1/nodes')
      .send({ metadata: { name: 'node-1' }, status: { capacity: { cpu: '2' } } })
      .expect(201);
    expect(n.body.metadata.namespace).toBeUndefined();
    expect(n.body.status.capacity.cpu).toBe('2');
    const put = await request(h.app)
      .put('/api/v1/nodes/node-1')
      .send({ ...n.body, spec: { unschedulable: true }, status: { capacity: { cpu: '4' } } })
      .expect(200);
    expect(put.body.spec.unschedulable).toBe(true);
    expect(put.body.status.capacity.cpu).toBe('2');
    const st = await request(h.app)
      .put('/api/v1/nodes/node-1/status')
      .send({ ...put.body, status: { capacity: { cpu: '4' } } })
      .expect(200);
    expect(st.body.status.capacity.cpu).toBe('4');
  });

  test('secrets fold stringData into base64 data and default type Opaque', async () => {
    const r = await request(h.app)
      .post(`${base}/secrets`)
      .send({ metadata: { name: 's1' }, stringData: { password: 'hunter2' } })
      .expect(201);
    expect(r.body.type).toBe('Opaque');
    expect(r.body.data.password).toBe(Buffer.from('hunter2').toString('base64'));
    expect(r.body.stringData).toBeUndefined();
  });

  test('configmap keys must be valid', async () => {
    const r = await request(h.app).post(`${base}/configmaps`).send({ metadata: { name: 'cm-bad' }, data: { 'a b': 'x' } });
    expect(r.status).toBe(422);
    expect(r.body.details.causes[0].field).toBe('data[a b]');
  });

  test('replication controllers default selector, labels and replicas from the template', async () => {
    const r = await request(h.app)
      .post(`${base}/replicationcontrollers`)
      .send({ metadata: { name: 'rc1' }, spec: { template: { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'c', image: 'i:1' }] } } } })
      .expect(201);
    expect(r.body.spec.selector).toEqual({ app: 'x' });
    expect(r.body.metadata.labels).toEqual({ app: 'x' });
    expect(r.body.spec.replicas).toBe(1);
    expect(r.body.status.replicas).toBe(0);
    expect(r.body.spec.template.spec.restartPolicy).toBe('Always');
  });

  test('an RC whose selector does not match its template is Invalid', async () => {
    const r = await request(h.app)
      .post(`${base}/replicationcontrollers`)
      .send({ metadata: { name: 'rc2' }, spec: { selector: { app: 'y' }, template: { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } } });
    expect(r.status).toBe(422);
    expect(r.body.details.causes[0].field).toBe('spec.template.metadata.labels');
  });

  test('events can be created by clients and listed by involvedObject', async () => {
    const ev = (name: string, obj: string) => ({
      metadata: { name },
      involvedObject: { kind: 'Pod', namespace: 'default', name: obj },
      reason: 'Scheduled',
      message: 'ok',
      type: 'Normal',
      source: { component: 'scheduler' },
    });
    await request(h.app).post(`${base}/events`).send(ev('e1', 'p1')).expect(201);
    await request(h.app).post(`${base}/events`).send(ev('e2', 'p2')).expect(201);
    const r = await request(h.app).get(`${base}/events?fieldSelector=involvedObject.name%3Dp1,involvedObject.kind%3DPod`).expect(200);
    expect(r.body.items.map((e: { metadata: { name: string } }) => e.metadata.name)).toEqual(['e1']);
    const bySource = await request(h.app).get(`${base}/events?fieldSelector=source%3Dscheduler`).expect(200);
    expect(bySource.body.items).toHaveLength(2);
  });

  test('leases are served under coordination.k8s.io/v1', async () => {
    const r = await request(h.app)
      .post('/apis/coordination.k8s.io/v1/namespaces/kube-system/leases')
      .send({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'km-scheduler' }, spec: { holderIdentity: 'a', leaseDurationSeconds: 15 } })
      .expect(201);
    expect(r.body.apiVersion).toBe('coordination.k8s.io/v1');
    const bad = await request(h.app)
      .post('/apis/coordination.k8s.io/v1/namespaces/kube-system/leases')
      .send({ metadata: { name: 'bad' }, spec: { leaseDurationSeconds: 0 } });
    expect(bad.status).toBe(422);
    expect(bad.body.message).toBe('Lease.coordination.k8s.io "bad" is invalid: spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0');
  });
});

test('service port names are DNS-1123 labels (kubectl create service names them "80-8080")', async () => {
  const r = await request(h.app)
    .post('/api/v1/namespaces/default/services')
    .send({ metadata: { name: 'portname' }, spec: { ports: [{ name: '80-8080', port: 80, targetPort: 8080 }] } });
  expect(r.status).toBe(201);
  expect(r.body.spec.ports[0].targetPort).toBe(8080);
});

test('verbs a resource does not serve are MethodNotAllowed (namespaces have no deletecollection)', async () => {
  const r = await request(h.app).delete('/api/v1/namespaces');
  expect(r.status).toBe(405);
  const b = await request(h.app).get('/api/v1/namespaces/default/pods/x/binding');
  expect(b.status).toBe(405);
});

test('PUT creates endpoints, events and leases that do not exist (AllowCreateOnUpdate), but not pods', async () => {
  const ep = await request(h.app)
    .put('/api/v1/namespaces/default/endpoints/put-ep')
    .send({ metadata: { name: 'put-ep' }, subsets: [{ addresses: [{ ip: '10.0.0.1' }], ports: [{ port: 80 }] }] });
  expect(ep.status).toBe(201);
  expect(ep.body.subsets[0].ports[0].protocol).toBe('TCP');
  const lease = await request(h.app)
    .put('/apis/coordination.k8s.io/v1/namespaces/default/leases/put-lease')
    .send({ metadata: { name: 'put-lease' }, spec: { holderIdentity: 'x' } });
  expect(lease.status).toBe(201);
  const p = await request(h.app).put('/api/v1/namespaces/default/pods/put-pod').send({ metadata: { name: 'put-pod' }, spec: { containers: [{ name: 'c', image: 'i' }] } });
  expect(p.status).toBe(404);
});
