import { negotiateTable, parseIncludeObject, toTable } from '../../../src/api/table';
import type { KubeObject } from '../../../src/api/types';

const now = new Date('2026-11-27T12:00:00Z');
const created = '2026-11-27T11:55:00Z';

function names(t: ReturnType<typeof toTable>, wide = false): string[] {
  return t.columnDefinitions.filter((c) => wide || c.priority === 0).map((c) => c.name.toUpperCase());
}

const runningPod: KubeObject = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web-1', namespace: 'default', labels: { app: 'web' }, creationTimestamp: created },
  spec: { nodeName: 'node-1', containers: [{ name: 'a', image: 'nginx' }, { name: 'b', image: 'redis' }] },
  status: {
    phase: 'Running',
    podIP: '10.1.0.5',
    podIPs: [{ ip: '10.1.0.5' }],
    conditions: [{ type: 'Ready', status: 'True' }],
    containerStatuses: [
      { name: 'a', ready: true, restartCount: 0, image: 'nginx', imageID: '', state: { running: { startedAt: created } } },
      { name: 'b', ready: true, restartCount: 2, image: 'redis', imageID: '', state: { running: { startedAt: created } }, lastState: { terminated: { exitCode: 1, finishedAt: '2026-11-27T11:58:00Z' } } },
    ],
  },
};

describe('toTable: pods', () => {
  it('has kube-apiserver columns: NAME READY STATUS RESTARTS AGE, then IP NODE NOMINATED NODE READINESS GATES for -o wide', () => {
    const t = toTable('pods', [runningPod], { includeObject: 'Metadata', now });
    expect(t.kind).toBe('Table');
    expect(t.apiVersion).toBe('meta.k8s.io/v1');
    expect(names(t)).toEqual(['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
    expect(names(t, true)).toEqual(['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES']);
    expect(t.columnDefinitions[0]).toMatchObject({ name: 'Name', type: 'string', format: 'name', priority: 0 });
    expect(t.rows[0]!.cells).toEqual(['web-1', '2/2', 'Running', '2 (2m ago)', '5m', '10.1.0.5', 'node-1', '<none>', '<none>']);
  });

  it('shows Pending pods without IP or node as <none>', () => {
    const pending = { kind: 'Pod', metadata: { name: 'p', creationTimestamp: created }, spec: { containers: [{ name: 'c' }] }, status: { phase: 'Pending' } };
    expect(toTable('pods', [pending], { includeObject: 'None', now }).rows[0]!.cells).toEqual(['p', '0/1', 'Pending', '0', '5m', '<none>', '<none>', '<none>', '<none>']);
  });

  it('shows waiting reasons, init progress, Completed and Terminating like kubectl against kube', () => {
    const base = { kind: 'Pod', metadata: { name: 'p', creationTimestamp: created }, spec: { containers: [{ name: 'c' }] } };
    const status = (pod: KubeObject): unknown => toTable('pods', [pod], { includeObject: 'None', now }).rows[0]!.cells[2];
    expect(status({ ...base, status: { phase: 'Pending', containerStatuses: [{ name: 'c', ready: false, restartCount: 0, state: { waiting: { reason: 'ImagePullBackOff' } } }] } })).toBe('ImagePullBackOff');
    expect(
      status({
        ...base,
        spec: { containers: [{ name: 'c' }], initContainers: [{ name: 'i1' }, { name: 'i2' }] },
        status: { phase: 'Pending', initContainerStatuses: [{ name: 'i1', ready: true, restartCount: 0, state: { terminated: { exitCode: 0 } } }, { name: 'i2', ready: false, restartCount: 0, state: { running: {} } }] },
      }),
    ).toBe('Init:1/2');
    expect(status({ ...base, status: { phase: 'Succeeded', containerStatuses: [{ name: 'c', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } }] } })).toBe('Completed');
    expect(status({ ...base, status: { phase: 'Failed', containerStatuses: [{ name: 'c', ready: false, restartCount: 0, state: { terminated: { exitCode: 137 } } }] } })).toBe('ExitCode:137');
    expect(status({ ...base, metadata: { ...base.metadata, deletionTimestamp: created }, status: { phase: 'Running' } })).toBe('Terminating');
  });

  it('counts readiness gates that are true', () => {
    const pod = { ...runningPod, spec: { ...(runningPod.spec as object), readinessGates: [{ conditionType: 'x' }, { conditionType: 'y' }] }, status: { ...(runningPod.status as object), conditions: [{ type: 'x', status: 'True' }] } };
    expect(toTable('pods', [pod], { includeObject: 'None', now }).rows[0]!.cells[8]).toBe('1/2');
  });
});

describe('toTable: row objects', () => {
  it('carries PartialObjectMetadata by default so kubectl can print NAMESPACE and LABELS', () => {
    const t = toTable('pods', [runningPod], { includeObject: 'Metadata', now });
    expect(t.rows[0]!.object).toEqual({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: runningPod.metadata });
  });

  it('carries the full object for includeObject=Object (kubectl --sort-by) and nothing for None', () => {
    expect(toTable('pods', [runningPod], { includeObject: 'Object', now }).rows[0]!.object).toBe(runningPod);
    expect(toTable('pods', [runningPod], { includeObject: 'None', now }).rows[0]).not.toHaveProperty('object');
  });

  it('uses the v1beta1 apiVersion when asked and keeps list metadata', () => {
    const t = toTable('pods', [runningPod], { includeObject: 'Metadata', version: 'v1beta1', listMeta: { resourceVersion: '42', continue: 'tok' }, now });
    expect(t.apiVersion).toBe('meta.k8s.io/v1beta1');
    expect(t.rows[0]!.object!.apiVersion).toBe('meta.k8s.io/v1beta1');
    expect(t.metadata).toEqual({ resourceVersion: '42', continue: 'tok' });
  });

  it('omits column definitions for later watch events', () => {
    expect(toTable('pods', [runningPod], { includeObject: 'None', includeColumnDefinitions: false, now }).columnDefinitions).toEqual([]);
  });

  it('parses includeObject with Metadata as the default', () => {
    expect(parseIncludeObject('Object')).toBe('Object');
    expect(parseIncludeObject(undefined)).toBe('Metadata');
    expect(parseIncludeObject('bogus')).toBe('Metadata');
  });
});

describe('toTable: other resources', () => {
  const meta = (name: string, extra: object = {}) => ({ name, namespace: 'default', creationTimestamp: created, ...extra });

  it('services: NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE | SELECTOR', () => {
    const svc = { kind: 'Service', metadata: meta('web'), spec: { type: 'NodePort', clusterIP: '10.0.0.10', clusterIPs: ['10.0.0.10'], ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }, { port: 53, protocol: 'UDP' }], selector: { app: 'web' } } };
    const t = toTable('services', [svc], { includeObject: 'None', now });
    expect(names(t, true)).toEqual(['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE', 'SELECTOR']);
    expect(t.rows[0]!.cells).toEqual(['web', 'NodePort', '10.0.0.10', '<none>', '80:30080/TCP,53/UDP', '5m', 'app=web']);
    const lb = { kind: 'Service', metadata: meta('lb'), spec: { type: 'LoadBalancer', clusterIP: '10.0.0.11', ports: [{ port: 443, protocol: 'TCP' }] }, status: {} };
    expect(toTable('services', [lb], { includeObject: 'None', now }).rows[0]!.cells.slice(1, 5)).toEqual(['LoadBalancer', '10.0.0.11', '<pending>', '443/TCP']);
  });

  it('endpoints: NAME ENDPOINTS AGE with at most three addresses', () => {
    const ep = { kind: 'Endpoints', metadata: meta('web'), subsets: [{ addresses: ['1', '2', '3', '4'].map((n) => ({ ip: `10.1.0.${n}` })), ports: [{ port: 80 }] }] };
    const t = toTable('endpoints', [ep, { kind: 'Endpoints', metadata: meta('empty') }], { includeObject: 'None', now });
    expect(names(t)).toEqual(['NAME', 'ENDPOINTS', 'AGE']);
    expect(t.rows[0]!.cells).toEqual(['web', '10.1.0.1:80,10.1.0.2:80,10.1.0.3:80 + 1 more...', '5m']);
    expect(t.rows[1]!.cells[1]).toBe('<none>');
  });

  it('nodes: NAME STATUS ROLES AGE VERSION | INTERNAL-IP EXTERNAL-IP OS-IMAGE KERNEL-VERSION CONTAINER-RUNTIME', () => {
    const node = {
      kind: 'Node',
      metadata: { name: 'n1', creationTimestamp: created, labels: { 'node-role.kubernetes.io/control-plane': '' } },
      spec: { unschedulable: true },
      status: { conditions: [{ type: 'Ready', status: 'True' }], addresses: [{ type: 'InternalIP', address: '10.0.0.1' }], nodeInfo: { kubeletVersion: 'v1.32.4', osImage: 'Debian' } },
    };
    const t = toTable('nodes', [node], { includeObject: 'None', now });
    expect(names(t, true)).toEqual(['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION', 'INTERNAL-IP', 'EXTERNAL-IP', 'OS-IMAGE', 'KERNEL-VERSION', 'CONTAINER-RUNTIME']);
    expect(t.rows[0]!.cells).toEqual(['n1', 'Ready,SchedulingDisabled', 'control-plane', '5m', 'v1.32.4', '10.0.0.1', '<none>', 'Debian', '<unknown>', '<unknown>']);
    const notReady = { kind: 'Node', metadata: { name: 'n2' }, status: { conditions: [{ type: 'Ready', status: 'Unknown' }] } };
    expect(toTable('nodes', [notReady, { kind: 'Node', metadata: { name: 'n3' } }], { includeObject: 'None', now }).rows.map((r) => r.cells[1])).toEqual(['NotReady', 'Unknown']);
  });

  it('namespaces: NAME STATUS AGE', () => {
    const t = toTable('namespaces', [{ kind: 'Namespace', metadata: meta('dev'), status: { phase: 'Active' } }], { includeObject: 'None', now });
    expect(names(t)).toEqual(['NAME', 'STATUS', 'AGE']);
    expect(t.rows[0]!.cells).toEqual(['dev', 'Active', '5m']);
  });

  it('events: LAST SEEN TYPE REASON OBJECT MESSAGE (+ wide SUBOBJECT SOURCE FIRST SEEN COUNT NAME)', () => {
    const ev = {
      kind: 'Event',
      metadata: meta('web-1.abc'),
      involvedObject: { kind: 'Pod', name: 'web-1', fieldPath: 'spec.containers{a}' },
      reason: 'Scheduled',
      type: 'Normal',
      message: 'Successfully assigned default/web-1 to node-1 ',
      source: { component: 'default-scheduler' },
      firstTimestamp: '2026-11-27T11:50:00Z',
      lastTimestamp: '2026-11-27T11:59:00Z',
      count: 3,
    };
    const t = toTable('events', [ev], { includeObject: 'None', now });
    expect(names(t)).toEqual(['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE']);
    expect(names(t, true)).toEqual(['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'SUBOBJECT', 'SOURCE', 'MESSAGE', 'FIRST SEEN', 'COUNT', 'NAME']);
    expect(t.rows[0]!.cells).toEqual(['60s', 'Normal', 'Scheduled', 'pod/web-1', 'spec.containers{a}', 'default-scheduler', 'Successfully assigned default/web-1 to node-1', '10m', 3, 'web-1.abc']);
  });

  it('replicationcontrollers: NAME DESIRED CURRENT READY AGE | CONTAINERS IMAGES SELECTOR', () => {
    const rc = { kind: 'ReplicationController', metadata: meta('web'), spec: { replicas: 3, selector: { app: 'web' }, template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1' }] } } }, status: { replicas: 2, readyReplicas: 1 } };
    const t = toTable('replicationcontrollers', [rc], { includeObject: 'None', now });
    expect(names(t, true)).toEqual(['NAME', 'DESIRED', 'CURRENT', 'READY', 'AGE', 'CONTAINERS', 'IMAGES', 'SELECTOR']);
    expect(t.rows[0]!.cells).toEqual(['web', 3, 2, 1, '5m', 'nginx', 'nginx:1', 'app=web']);
  });

  it('configmaps, secrets and leases', () => {
    expect(toTable('configmaps', [{ kind: 'ConfigMap', metadata: meta('c'), data: { a: '1', b: '2' }, binaryData: { c: 'AA==' } }], { includeObject: 'None', now }).rows[0]!.cells).toEqual(['c', 3, '5m']);
    const st = toTable('secrets', [{ kind: 'Secret', metadata: meta('s'), type: 'Opaque', data: { a: 'MQ==' } }], { includeObject: 'None', now });
    expect(names(st)).toEqual(['NAME', 'TYPE', 'DATA', 'AGE']);
    expect(st.rows[0]!.cells).toEqual(['s', 'Opaque', 1, '5m']);
    expect(toTable('leases', [{ kind: 'Lease', metadata: meta('l'), spec: { holderIdentity: 'km-1' } }], { includeObject: 'None', now }).rows[0]!.cells).toEqual(['l', 'km-1', '5m']);
  });

  it('other resources get kube\'s default Name / Created At table', () => {
    const t = toTable('bindings', [{ kind: 'Binding', metadata: meta('b') }], { includeObject: 'None', now });
    expect(t.columnDefinitions.map((c) => [c.name, c.type])).toEqual([['Name', 'string'], ['Created At', 'date']]);
    expect(t.rows[0]!.cells).toEqual(['b', created]);
  });
});

describe('negotiateTable', () => {
  it('picks Table v1 from kubectl get\'s Accept header, v1beta1 when only that is offered', () => {
    expect(negotiateTable('application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json')).toEqual({ as: 'Table', version: 'v1' });
    expect(negotiateTable('application/json;as=Table;v=v1beta1;g=meta.k8s.io, application/json')).toEqual({ as: 'Table', version: 'v1beta1' });
  });

  it('answers plain objects for JSON, protobuf-first and wildcard Accept headers', () => {
    expect(negotiateTable('application/json')).toEqual({ as: 'Object' });
    expect(negotiateTable('application/vnd.kubernetes.protobuf,application/json')).toEqual({ as: 'Object' });
    expect(negotiateTable(undefined)).toEqual({ as: 'Object' });
    expect(negotiateTable('application/json;as=Table;v=v2;g=meta.k8s.io,application/json')).toEqual({ as: 'Object' });
  });

  it('skips protobuf Table ranges in favour of the JSON Table', () => {
    expect(negotiateTable('application/vnd.kubernetes.protobuf;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1;g=meta.k8s.io')).toEqual({ as: 'Table', version: 'v1' });
  });
});
