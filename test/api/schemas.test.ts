import { loadSchemaSet, toFieldPath } from '../../src/api/schemas';
import type { JSONSchema } from '../../src/api/schemas';

const set = loadSchemaSet();

const pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', namespace: 'default', labels: { app: 'web' }, creationTimestamp: null, annotations: { a: 'b' } },
  spec: {
    containers: [
      {
        name: 'nginx',
        image: 'nginx:1.25',
        ports: [{ containerPort: 80, protocol: 'TCP', name: 'http' }],
        env: [{ name: 'A', value: '1' }, { name: 'B', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
        resources: { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: 1 } },
        livenessProbe: { httpGet: { path: '/', port: 'http' }, initialDelaySeconds: 3 },
        readinessProbe: { tcpSocket: { port: 80 } },
        volumeMounts: [{ name: 'data', mountPath: '/data' }],
      },
    ],
    volumes: [{ name: 'data', emptyDir: {} }],
    restartPolicy: 'Always',
    nodeSelector: { disk: 'ssd' },
    tolerations: [{ key: 'k', operator: 'Exists', effect: 'NoSchedule' }],
  },
  status: {},
};

describe('schema set', () => {
  it('maps every served kind to its kube definition name', () => {
    const kinds: Array<[string, string, string, string]> = [
      ['', 'v1', 'Pod', 'io.k8s.api.core.v1.Pod'],
      ['', 'v1', 'PodList', 'io.k8s.api.core.v1.PodList'],
      ['', 'v1', 'Service', 'io.k8s.api.core.v1.Service'],
      ['', 'v1', 'Endpoints', 'io.k8s.api.core.v1.Endpoints'],
      ['', 'v1', 'Event', 'io.k8s.api.core.v1.Event'],
      ['', 'v1', 'ReplicationController', 'io.k8s.api.core.v1.ReplicationController'],
      ['', 'v1', 'ConfigMap', 'io.k8s.api.core.v1.ConfigMap'],
      ['', 'v1', 'Secret', 'io.k8s.api.core.v1.Secret'],
      ['', 'v1', 'Namespace', 'io.k8s.api.core.v1.Namespace'],
      ['', 'v1', 'Node', 'io.k8s.api.core.v1.Node'],
      ['', 'v1', 'Binding', 'io.k8s.api.core.v1.Binding'],
      ['', 'v1', 'Status', 'io.k8s.apimachinery.pkg.apis.meta.v1.Status'],
      ['', 'v1', 'DeleteOptions', 'io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions'],
      ['autoscaling', 'v1', 'Scale', 'io.k8s.api.autoscaling.v1.Scale'],
      ['coordination.k8s.io', 'v1', 'Lease', 'io.k8s.api.coordination.v1.Lease'],
    ];
    for (const [g, v, k, name] of kinds) {
      expect(set.definitionFor(g, v, k)).toBe(name);
      expect(set.definitions[name]).toBeDefined();
    }
    expect(set.definitionFor('', 'v1', 'Nope')).toBeUndefined();
  });

  it('every $ref points at a definition that exists', () => {
    const missing: string[] = [];
    const walk = (s: unknown): void => {
      if (Array.isArray(s)) return s.forEach(walk);
      if (typeof s !== 'object' || s === null) return;
      for (const [k, v] of Object.entries(s)) {
        if (k === '$ref' && typeof v === 'string' && !set.definitions[v.replace('#/components/schemas/', '')]) missing.push(v);
        walk(v);
      }
    };
    walk(set.definitions);
    expect(missing).toEqual([]);
  });

  it('accepts a realistic pod manifest under strict validation (no spurious unknown fields)', () => {
    const r = set.validate('', 'v1', 'Pod', pod)!;
    expect(r).toEqual({ unknownFields: [], typeErrors: [], missingRequired: [] });
  });

  it('accepts services with int-or-string targetPort and nodes with quantity capacity', () => {
    const svc = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 's' },
      spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 'http' }, { port: 81, targetPort: 8081 }], type: 'ClusterIP' },
    };
    expect(set.validate('', 'v1', 'Service', svc)).toEqual({ unknownFields: [], typeErrors: [], missingRequired: [] });
    const node = { kind: 'Node', metadata: { name: 'n1' }, status: { capacity: { cpu: 4, memory: '8Gi' }, addresses: [{ type: 'InternalIP', address: '10.0.0.1' }] } };
    expect(set.validate('', 'v1', 'Node', node)?.typeErrors).toEqual([]);
  });

  it('reports unknown fields with kube field paths', () => {
    const bad = structuredClone(pod) as typeof pod & { spec: { foo?: number } };
    bad.spec.foo = 1;
    (bad.spec.containers[0] as Record<string, unknown>).imagePullPolcy = 'Always';
    (bad.metadata as Record<string, unknown>).lables = { a: 'b' };
    const r = set.validate('', 'v1', 'Pod', bad)!;
    expect(r.unknownFields.sort()).toEqual(['metadata.lables', 'spec.containers[0].imagePullPolcy', 'spec.foo']);
  });

  it('keeps maps and preserve-unknown-fields objects open', () => {
    const cm = { kind: 'ConfigMap', metadata: { name: 'c', labels: { anything: 'goes' } }, data: { 'x.y': 'z' } };
    expect(set.validate('', 'v1', 'ConfigMap', cm)?.unknownFields).toEqual([]);
    const withManaged = { kind: 'ConfigMap', metadata: { name: 'c', managedFields: [{ manager: 'm', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:a': {} } } }] } };
    expect(set.validate('', 'v1', 'ConfigMap', withManaged)?.unknownFields).toEqual([]);
  });

  it('reports wrong JSON types but treats null as absent', () => {
    const bad = structuredClone(pod);
    (bad.spec.containers[0]!.ports[0] as Record<string, unknown>).containerPort = 'eighty';
    (bad.spec as Record<string, unknown>).hostNetwork = null;
    const r = set.validate('', 'v1', 'Pod', bad)!;
    expect(r.typeErrors).toEqual([{ field: 'spec.containers[0].ports[0].containerPort', message: 'expected integer, got string' }]);
  });

  it('reports an int-or-string given as an object once', () => {
    const svc = { kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 80, targetPort: { x: 1 } }] } };
    expect(set.validate('', 'v1', 'Service', svc)?.typeErrors).toEqual([
      { field: 'spec.ports[0].targetPort', message: 'expected integer or string, got object' },
    ]);
  });

  it('reports missing required fields', () => {
    const r = set.validate('', 'v1', 'Pod', { kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ image: 'x' }] } })!;
    expect(r.missingRequired).toEqual(['spec.containers[0].name']);
  });

  it('carries the patch strategy extensions strategic merge relies on', () => {
    const podSpec = set.fieldSchema(set.definitions['io.k8s.api.core.v1.Pod']!, 'spec')!;
    const containers = set.fieldSchema(podSpec, 'containers') as JSONSchema;
    expect(containers['x-kubernetes-patch-merge-key']).toBe('name');
    expect(containers['x-kubernetes-patch-strategy']).toBe('merge');
    const ports = set.fieldSchema(containers.items!, 'ports')!;
    expect(ports['x-kubernetes-patch-merge-key']).toBe('containerPort');
    expect(ports['x-kubernetes-list-map-keys']).toEqual(['containerPort', 'protocol']);
    const volumes = set.fieldSchema(podSpec, 'volumes')!;
    expect(volumes['x-kubernetes-patch-strategy']).toBe('merge,retainKeys');
    const svcPorts = set.fieldSchema(set.definitions['io.k8s.api.core.v1.ServiceSpec']!, 'ports')!;
    expect(svcPorts['x-kubernetes-patch-merge-key']).toBe('port');
    const tolerations = set.fieldSchema(podSpec, 'tolerations')!;
    expect(tolerations['x-kubernetes-patch-strategy']).toBeUndefined();
  });

  it('describes fields for kubectl explain', () => {
    const c = set.definitions['io.k8s.api.core.v1.Container']!;
    expect(c.description).toMatch(/container/i);
    expect(c.properties?.image?.description).toMatch(/image name/i);
    expect(c.required).toEqual(['name']);
  });

  it('converts instance paths to kube field paths', () => {
    expect(toFieldPath('/spec/containers/0/ports/1', 'x')).toBe('spec.containers[0].ports[1].x');
    expect(toFieldPath('', 'foo')).toBe('foo');
    expect(toFieldPath('/metadata/labels/a~1b')).toBe('metadata.labels.a/b');
  });

  it('compiles each validator once', () => {
    expect(set.compileValidator('', 'v1', 'Pod')).toBe(set.compileValidator('', 'v1', 'Pod'));
    expect(loadSchemaSet()).toBe(set);
  });
});
