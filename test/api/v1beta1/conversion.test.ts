import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { KubeObject } from '../../../src/api/types';
import { applyDefaults, fromV1, toV1, V1BETA1_FIELDS_ANNOTATION } from '../../../src/api/v1beta1';
import { betaObjects, v1Objects } from './fixtures';

type Obj = Record<string, unknown>;
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

describe('v1beta1 → v1 → v1beta1 is the identity for every kind', () => {
  test.each(Object.keys(betaObjects))('%s', (kind) => {
    const b = betaObjects[kind]!;
    const v = toV1(kind, clone(b));
    expect(fromV1(kind, v)).toEqual(b);
  });
});

describe('v1 → v1beta1 → v1 is the identity for every kind', () => {
  test.each(Object.keys(v1Objects))('%s', (kind) => {
    const v = v1Objects[kind]!;
    const b = fromV1(kind, clone(v));
    expect(toV1(kind, b)).toEqual(v);
  });
});

describe('field mapping', () => {
  test('a v1beta1 pod maps id, labels, desiredState.host and the manifest onto v1 metadata and spec', () => {
    const v = toV1('Pod', betaObjects.Pod);
    expect(v.metadata).toMatchObject({ name: 'web-1', namespace: 'prod', uid: 'uid-pod', resourceVersion: '42', labels: { name: 'web' } });
    const spec = v.spec as Obj;
    expect(spec.nodeName).toBe('node-1');
    expect(spec.restartPolicy).toBe('OnFailure');
    expect(spec.volumes).toEqual([
      { name: 'data', hostPath: { path: '/var/data' } },
      { name: 'cache', emptyDir: { medium: 'Memory' } },
      { name: 'tok', secret: { secretName: 'token' } },
    ]);
    const c = (spec.containers as Obj[])[0]!;
    expect(c.command).toEqual(['/bin/sh']);
    expect(c.args).toEqual(['-c', 'run']);
    expect(c.resources).toEqual({ limits: { cpu: '250m', memory: '128Mi' } });
    expect(c.securityContext).toEqual({ privileged: true, capabilities: { add: ['NET_ADMIN'] } });
    expect(c.imagePullPolicy).toBe('IfNotPresent');
    expect((c.readinessProbe as Obj).tcpSocket).toEqual({ port: 8081 });
    expect(v.status).toMatchObject({ phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] });
    expect((v.status as Obj).containerStatuses).toEqual([expect.objectContaining({ name: 'web', lastState: { terminated: expect.objectContaining({ exitCode: 1 }) } })]);
  });

  test('the v1beta1 resourceVersion is an integer of the same revision as v1 string resourceVersion', () => {
    expect(toV1('Pod', { id: 'a', resourceVersion: 17 }).metadata?.resourceVersion).toBe('17');
    expect(fromV1('Pod', { metadata: { name: 'a', resourceVersion: '17' } }).resourceVersion).toBe(17);
    expect(fromV1('Pod', { metadata: { name: 'a' } })).not.toHaveProperty('resourceVersion');
  });

  test('phase words convert both ways (Waiting ↔ Pending, Terminated ↔ Failed)', () => {
    expect((toV1('Pod', { id: 'a', currentState: { status: 'Waiting' } }).status as Obj).phase).toBe('Pending');
    expect((fromV1('Pod', { metadata: { name: 'a' }, status: { phase: 'Failed' } }).currentState as Obj).status).toBe('Terminated');
  });

  test('a single-port v1beta1 service is spec.ports[0] with containerPort as targetPort and portalIP as clusterIP', () => {
    const v = toV1('Service', { id: 's', port: 80, containerPort: 8080, protocol: 'UDP', portalIP: '10.10.10.5', selector: { app: 'x' } });
    expect(v.spec).toEqual({ ports: [{ protocol: 'UDP', port: 80, targetPort: 8080 }], clusterIP: '10.10.10.5', selector: { app: 'x' } });
  });

  test('a v1 service without selector reads as selector null (endpoints not managed)', () => {
    expect(fromV1('Service', { metadata: { name: 'kubernetes' }, spec: { ports: [{ port: 443 }] } }).selector).toBeNull();
  });

  test('legacy endpoints without subsets become one subset per ip:port', () => {
    const v = toV1('Endpoints', { id: 'e', protocol: 'TCP', endpoints: ['10.0.0.1:80', '10.0.0.2:81'] });
    expect(v.subsets).toEqual([
      { addresses: [{ ip: '10.0.0.1' }], ports: [{ port: 80, protocol: 'TCP' }] },
      { addresses: [{ ip: '10.0.0.2' }], ports: [{ port: 81, protocol: 'TCP' }] },
    ]);
  });

  test('an old-style event (only timestamp) becomes first = last = timestamp with count 1', () => {
    const v = toV1('Event', { id: 'e', timestamp: '2015-01-01T00:00:00Z', source: 'kubelet' });
    expect(v).toMatchObject({ firstTimestamp: '2015-01-01T00:00:00Z', lastTimestamp: '2015-01-01T00:00:00Z', count: 1, source: { component: 'kubelet' } });
  });

  test('a v1 node reads as a Minion with hostIP from its InternalIP address', () => {
    const b = fromV1('Node', v1Objects.Node!);
    expect(b.kind).toBe('Minion');
    expect(b.hostIP).toBe('10.0.0.1');
    expect(b.selfLink).toBe('/api/v1beta1/minions/node-1');
    expect(b.resources).toEqual({ capacity: { cpu: '4', memory: 8589934592, pods: '110' } });
  });

  test('a minion with only hostIP gets it as an InternalIP address', () => {
    const v = toV1('Minion', { id: 'n', hostIP: '10.0.0.7' });
    expect((v.status as Obj).addresses).toEqual([{ type: 'InternalIP', address: '10.0.0.7' }]);
  });

  test('a v1beta1 binding names the pod by podID and the node by host', () => {
    expect(toV1('Binding', { podID: 'p', host: 'h', namespace: 'ns' })).toEqual({
      apiVersion: 'v1',
      kind: 'Binding',
      metadata: { name: 'p', namespace: 'ns' },
      target: { kind: 'Node', name: 'h' },
    });
  });
});

describe('fields only one side has are kept', () => {
  test('v1beta1-only fields (proxyPort, Event.status, numeric-string ports) survive a v1 client update', () => {
    const svc = toV1('Service', betaObjects.Service);
    expect(svc.metadata?.annotations?.[V1BETA1_FIELDS_ANNOTATION]).toBeDefined();
    expect((svc.spec as Obj).ports).toEqual([{ protocol: 'TCP', port: 80, targetPort: 8080 }]);
    // A v1 client edits the selector and writes the object back, annotations untouched.
    const edited = clone(svc);
    (edited.spec as Obj).selector = { name: 'other' };
    const back = fromV1('Service', edited);
    expect(back).toMatchObject({ proxyPort: 8000, containerPort: '8080', selector: { name: 'other' } });
    expect(back.annotations).toBeUndefined();

    const ev = fromV1('Event', toV1('Event', betaObjects.Event));
    expect(ev.status).toBe('running');
  });

  test('a v1 client changing a port that v1beta1 wrote as a string sees its own number win', () => {
    const v = toV1('Service', { id: 's', port: 80, containerPort: '8080' });
    (v.spec as { ports: Obj[] }).ports[0]!.targetPort = 9090;
    expect(fromV1('Service', v).containerPort).toBe(9090);
  });

  test('v1-only fields survive a v1beta1 client updating the object (image change)', () => {
    const stored: KubeObject = clone(v1Objects.Pod!);
    stored.metadata = {
      ...stored.metadata,
      ownerReferences: [{ apiVersion: 'v1', kind: 'ReplicationController', name: 'web', uid: 'rc-uid', controller: true }],
      finalizers: ['example.com/keep'],
      generation: 3,
    };
    const spec = stored.spec as Obj;
    spec.terminationGracePeriodSeconds = 45;
    spec.tolerations = [{ key: 'mesos', operator: 'Exists' }];
    spec.volumes = [...(spec.volumes as Obj[]), { name: 'cfg', configMap: { name: 'settings' } }];
    const c = (spec.containers as Obj[])[0]!;
    Object.assign(c.livenessProbe as Obj, { periodSeconds: 10, successThreshold: 1, failureThreshold: 3 });
    ((c.livenessProbe as Obj).httpGet as Obj).scheme = 'HTTP';
    c.terminationMessagePolicy = 'File';
    (stored.status as Obj).startTime = '2015-06-01T10:00:00Z';

    // Unchanged write-back restores the stored object exactly.
    expect(toV1('Pod', fromV1('Pod', stored), stored)).toEqual(stored);

    // The client changes the image: that change wins, everything v1-only stays.
    const b = fromV1('Pod', stored);
    (((b.desiredState as Obj).manifest as Obj).containers as Obj[])[0]!.image = 'nginx:1.9';
    const updated = toV1('Pod', b, stored);
    const expected = clone(stored);
    ((expected.spec as Obj).containers as Obj[])[0]!.image = 'nginx:1.9';
    expect(updated).toEqual(expected);
  });

  test('a v1beta1 client removing a field it can see removes it even when v1-only detail hangs below it', () => {
    const stored: KubeObject = clone(v1Objects.Pod!);
    const c = ((stored.spec as Obj).containers as Obj[])[0]!;
    Object.assign(c.livenessProbe as Obj, { periodSeconds: 10 });
    const b = fromV1('Pod', stored);
    delete (((b.desiredState as Obj).manifest as Obj).containers as Obj[])[0]!.livenessProbe;
    const updated = toV1('Pod', b, stored);
    expect(((updated.spec as Obj).containers as Obj[])[0]).not.toHaveProperty('livenessProbe');
  });
});

describe('the seed fixture nginx.json (v1beta1.md §12)', () => {
  const fixture = JSON.parse(readFileSync(path.join(__dirname, '../../fixtures/nginx.json'), 'utf8')) as Obj;

  test('converts to the v1 pod of the acceptance: nginx-01, image nginx, port 80/31000, liveness /index.html:8081 after 30 s, name=foo', () => {
    const v = toV1('Pod', applyDefaults('Pod', fixture));
    expect(v.metadata?.name).toBe('nginx-id-01');
    expect(v.metadata?.labels).toEqual({ name: 'foo' });
    expect(v.spec).toEqual({
      containers: [
        {
          name: 'nginx-01',
          image: 'nginx',
          ports: [{ containerPort: 80, hostPort: 31000, protocol: 'TCP' }],
          livenessProbe: { httpGet: { path: '/index.html', port: 8081 }, initialDelaySeconds: 30, timeoutSeconds: 1 },
          imagePullPolicy: 'IfNotPresent',
          terminationMessagePath: '/dev/termination-log',
        },
      ],
      restartPolicy: 'Always',
      dnsPolicy: 'ClusterFirst',
    });
  });

  test('reads back in v1beta1 as 0.14 answered: manifest version v1beta2, port "8081" as sent, unknown probe fields dropped', () => {
    const v = toV1('Pod', applyDefaults('Pod', fixture));
    v.metadata!.namespace = 'default';
    const b = fromV1('Pod', v);
    expect(b).toMatchObject({ id: 'nginx-id-01', namespace: 'default', labels: { name: 'foo' }, selfLink: '/api/v1beta1/pods/nginx-id-01?namespace=default' });
    expect((b.desiredState as Obj).manifest).toEqual({
      version: 'v1beta2',
      id: '',
      volumes: null,
      containers: [
        {
          name: 'nginx-01',
          image: 'nginx',
          ports: [{ containerPort: 80, hostPort: 31000, protocol: 'TCP' }],
          resources: {},
          livenessProbe: { httpGet: { path: '/index.html', port: '8081' }, initialDelaySeconds: 30, timeoutSeconds: 1 },
          terminationMessagePath: '/dev/termination-log',
          imagePullPolicy: 'PullIfNotPresent',
          capabilities: {},
        },
      ],
      restartPolicy: { always: {} },
      dnsPolicy: 'ClusterFirst',
    });
    expect(b).not.toHaveProperty('annotations');
  });

  test('an image tagged :latest defaults to PullAlways, anything else to PullIfNotPresent', () => {
    const withTag = (image: string): unknown => {
      const d = applyDefaults('Pod', { id: 'x', desiredState: { manifest: { containers: [{ name: 'c', image }] } } });
      return (((d.desiredState as Obj).manifest as Obj).containers as Obj[])[0]!.imagePullPolicy;
    };
    expect(withTag('nginx:latest')).toBe('PullAlways');
    expect(withTag('nginx')).toBe('PullIfNotPresent');
    expect(withTag('registry:5000/nginx')).toBe('PullIfNotPresent');
  });
});
