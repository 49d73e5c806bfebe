import fc from 'fast-check';
import { applyMergePatch, applyStrategicMergePatch, corePatchMeta, emptyPatchMeta } from '../../../src/registry/patch';
import { catchStatus } from './expect-api-error';

const podMeta = corePatchMeta('Pod');
const smp = (original: unknown, patch: unknown, meta = podMeta) => applyStrategicMergePatch(original, patch, meta) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const pod = () => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', labels: { app: 'web' }, finalizers: ['a', 'b'] },
  spec: {
    containers: [
      { name: 'web', image: 'nginx:1', ports: [{ containerPort: 80, protocol: 'TCP' }], env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] },
      { name: 'sidecar', image: 'busybox', args: ['sleep', '1'] },
    ],
    volumes: [{ name: 'data', emptyDir: {} }],
    tolerations: [{ key: 'k', operator: 'Exists' }],
  },
});

const names = (list: Array<{ name: string }>) => list.map((c) => c.name);

describe('applyStrategicMergePatch: lists', () => {
  it('merge list by name keeps unspecified containers', () => {
    const r = smp(pod(), { spec: { containers: [{ name: 'web', image: 'nginx:2' }] } });
    expect(names(r.spec.containers)).toEqual(['web', 'sidecar']);
    expect(r.spec.containers[0]).toEqual({ ...pod().spec.containers[0], image: 'nginx:2' });
    expect(r.spec.containers[1]).toEqual(pod().spec.containers[1]);
  });

  it('a new merge-list item goes before the server-only items (kube order)', () => {
    const r = smp(pod(), { spec: { containers: [{ name: 'log', image: 'tail' }] } });
    expect(names(r.spec.containers)).toEqual(['log', 'web', 'sidecar']);
  });

  it('nested merge lists merge too: env by name, ports by containerPort', () => {
    const r = smp(pod(), { spec: { containers: [{ name: 'web', env: [{ name: 'B', value: 'two' }], ports: [{ containerPort: 443 }] }] } });
    expect(r.spec.containers[0].env).toEqual([{ name: 'A', value: '1' }, { name: 'B', value: 'two' }]);
    expect(r.spec.containers[0].ports).toEqual([{ containerPort: 443 }, { containerPort: 80, protocol: 'TCP' }]);
  });

  it('lists without a merge strategy are replaced (tolerations, args)', () => {
    const r = smp(pod(), { spec: { tolerations: [{ key: 'z', operator: 'Exists' }], containers: [{ name: 'sidecar', args: ['x'] }] } });
    expect(r.spec.tolerations).toEqual([{ key: 'z', operator: 'Exists' }]);
    expect(r.spec.containers[1].args).toEqual(['x']);
  });

  it('with no metadata every list is replaced', () => {
    const r = smp(pod(), { spec: { containers: [{ name: 'x' }] } }, emptyPatchMeta);
    expect(r.spec.containers).toEqual([{ name: 'x' }]);
  });

  it('$patch: delete in a list item removes the item with that key', () => {
    const r = smp(pod(), { spec: { containers: [{ name: 'sidecar', $patch: 'delete' }] } });
    expect(names(r.spec.containers)).toEqual(['web']);
  });

  it('$patch: replace in a list replaces the whole list with the other items', () => {
    const r = smp(pod(), { spec: { containers: [{ name: 'only', image: 'x' }, { $patch: 'replace' }] } });
    expect(r.spec.containers).toEqual([{ name: 'only', image: 'x' }]);
  });

  it('$patch: replace on any list item is list-level: the list becomes the plain items (kube)', () => {
    const r = smp(pod(), { spec: { containers: [{ name: 'web', image: 'new', $patch: 'replace' }, { name: 'x' }] } });
    expect(r.spec.containers).toEqual([{ name: 'x' }]);
  });

  it('$patch: replace inside a nested map of an item replaces just that map', () => {
    const r = smp(pod(), { spec: { containers: [{ name: 'web', resources: { $patch: 'replace', limits: { cpu: '1' } } }] } });
    expect(r.spec.containers[0]).toEqual({ ...pod().spec.containers[0], resources: { limits: { cpu: '1' } } });
  });

  it('primitive lists with merge strategy are set-merged (finalizers)', () => {
    const r = smp(pod(), { metadata: { finalizers: ['c', 'a'] } });
    expect(r.metadata.finalizers).toEqual(['c', 'a', 'b']);
  });

  it('$deleteFromPrimitiveList removes values from a primitive list and is not stored', () => {
    const r = smp(pod(), { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] } });
    expect(r.metadata.finalizers).toEqual(['b']);
    expect(JSON.stringify(r)).not.toContain('$');
  });

  it('$deleteFromPrimitiveList against a missing list is a no-op', () => {
    const o = pod() as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    delete o.metadata.finalizers;
    expect(smp(o, { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] } }).metadata.finalizers).toBeUndefined();
  });

  it('$setElementOrder reorders and is not stored', () => {
    const r = smp(pod(), {
      spec: {
        '$setElementOrder/containers': [{ name: 'sidecar' }, { name: 'web' }],
        containers: [{ name: 'web', image: 'nginx:3' }],
      },
    });
    expect(names(r.spec.containers)).toEqual(['sidecar', 'web']);
    expect(r.spec.containers[1].image).toBe('nginx:3');
    expect(JSON.stringify(r)).not.toContain('$setElementOrder');
  });

  it('$setElementOrder places a new item where the order list says (kubectl apply)', () => {
    const r = smp(pod(), {
      spec: { '$setElementOrder/containers': [{ name: 'web' }, { name: 'new' }, { name: 'sidecar' }], containers: [{ name: 'new', image: 'x' }] },
    });
    expect(names(r.spec.containers)).toEqual(['web', 'new', 'sidecar']);
  });

  it('$setElementOrder alone reorders without changing content', () => {
    const r = smp(pod(), { spec: { containers: [{ name: 'web', '$setElementOrder/env': [{ name: 'B' }, { name: 'A' }] }] } });
    expect(r.spec.containers[0].env).toEqual([{ name: 'B', value: '2' }, { name: 'A', value: '1' }]);
  });

  it('$setElementOrder on a primitive list orders its values', () => {
    const r = smp(pod(), { metadata: { '$setElementOrder/finalizers': ['b', 'a', 'c'], finalizers: ['c'] } });
    expect(r.metadata.finalizers).toEqual(['b', 'a', 'c']);
  });

  it('a patch list out of step with $setElementOrder is rejected', () => {
    const s = catchStatus(() =>
      smp(pod(), { spec: { '$setElementOrder/containers': [{ name: 'web' }, { name: 'sidecar' }], containers: [{ name: 'sidecar' }, { name: 'web' }] } }),
    );
    expect(s.code).toBe(500);
    expect(s.message).toContain("doesn't match $setElementOrder list");
  });

  it('a merge-list item without its merge key is rejected', () => {
    const s = catchStatus(() => smp(pod(), { spec: { containers: [{ image: 'x' }] } }));
    expect(s.code).toBe(500);
    expect(s.message).toContain('does not contain declared merge key: name');
  });

  it('lists of lists are 422', () => {
    const meta = { lookup: (p: readonly string[]) => (p.join('.') === 'x' ? { patchStrategy: 'merge' } : undefined) };
    const s = catchStatus(() => smp({ x: [[1]] }, { x: [[2]] }, meta));
    expect(s.code).toBe(422);
  });

  it('a malformed directive key is 400', () => {
    expect(catchStatus(() => smp(pod(), { metadata: { $deleteFromPrimitiveListfinalizers: ['a'] } })).code).toBe(400);
    expect(catchStatus(() => smp(pod(), { spec: { $setElementOrderX: [] } })).code).toBe(400);
  });
});

describe('applyStrategicMergePatch: maps and directives', () => {
  it('null deletes a key and plain maps merge', () => {
    const r = smp(pod(), { metadata: { labels: { app: null, env: 'prod' } } });
    expect(r.metadata.labels).toEqual({ env: 'prod' });
  });

  it('$patch: delete on a map empties it', () => {
    const r = smp(pod(), { metadata: { labels: { $patch: 'delete' } } });
    expect(r.metadata.labels).toEqual({});
  });

  it('$patch: replace on a map replaces it', () => {
    const r = smp(pod(), { metadata: { labels: { $patch: 'replace', only: 'x' } } });
    expect(r.metadata.labels).toEqual({ only: 'x' });
  });

  it('$patch: merge on a map is an ordinary merge', () => {
    const r = smp(pod(), { metadata: { labels: { $patch: 'merge', env: 'p' } } });
    expect(r.metadata.labels).toEqual({ app: 'web', env: 'p' });
  });

  it('an unknown $patch value is rejected', () => {
    expect(catchStatus(() => smp(pod(), { metadata: { labels: { $patch: 'explode' } } })).code).toBe(500);
  });

  it('$retainKeys clears fields not listed (volume source switch) and is not stored', () => {
    const r = smp(pod(), { spec: { volumes: [{ name: 'data', hostPath: { path: '/x' }, $retainKeys: ['name', 'hostPath'] }] } });
    expect(r.spec.volumes).toEqual([{ name: 'data', hostPath: { path: '/x' } }]);
  });

  it('$retainKeys must list every field the patch sets (400 otherwise)', () => {
    const s = catchStatus(() => smp(pod(), { spec: { volumes: [{ name: 'data', hostPath: { path: '/x' }, $retainKeys: ['name'] }] } }));
    expect([s.code, s.message]).toEqual([400, 'invalid patch format of retainKeys']);
  });

  it('directives inside a newly added subtree are honoured, never stored', () => {
    const o = pod() as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    delete o.spec.volumes;
    const r = smp(o, {
      spec: {
        volumes: [{ name: 'v', $retainKeys: ['name', 'emptyDir'], emptyDir: {} }, { name: 'gone', $patch: 'delete' }],
        '$setElementOrder/volumes': [{ name: 'v' }],
      },
      status: { '$setElementOrder/conditions': [{ type: 'Ready' }], conditions: [{ type: 'Ready', status: 'True' }] },
    });
    expect(r.spec.volumes).toEqual([{ name: 'v', emptyDir: {} }]);
    expect(r.status).toEqual({ conditions: [{ type: 'Ready', status: 'True' }] });
    expect(JSON.stringify(r)).not.toContain('$');
  });

  it('a value of another type replaces the original', () => {
    expect(smp({ a: { b: 1 } }, { a: 'x' }, emptyPatchMeta)).toEqual({ a: 'x' });
    expect(smp({ a: 'x' }, { a: [1] }, emptyPatchMeta)).toEqual({ a: [1] });
  });

  it('cordon: {"spec":{"unschedulable":true}} on a Node', () => {
    const node = { kind: 'Node', metadata: { name: 'n' }, spec: { podCIDR: '10.0.0.0/24' } };
    expect(applyStrategicMergePatch(node, { spec: { unschedulable: true } }, corePatchMeta('Node'))).toEqual({
      ...node,
      spec: { podCIDR: '10.0.0.0/24', unschedulable: true },
    });
  });

  it('a non-object patch is 400', () => {
    const s = catchStatus(() => smp(pod(), [1]));
    expect([s.code, s.message]).toEqual([400, 'json: cannot unmarshal array into Go value of type map[string]interface {}']);
  });

  it('never mutates the original object or the patch', () => {
    const o = pod();
    const patch = { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] }, spec: { '$setElementOrder/containers': [{ name: 'sidecar' }, { name: 'web' }], containers: [{ name: 'web', image: 'z', $patch: 'replace' }] } };
    const snap = JSON.stringify({ o, patch });
    smp(o, patch);
    expect(JSON.stringify({ o, patch })).toBe(snap);
  });
});

describe('applyStrategicMergePatch: kubectl apply 3-way patches', () => {
  it('a typical `kubectl apply` body updates image, adds env and keeps order', () => {
    const live = pod();
    const patch = {
      metadata: { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"x":1}\n' } },
      spec: {
        '$setElementOrder/containers': [{ name: 'web' }, { name: 'sidecar' }],
        containers: [{ '$setElementOrder/env': [{ name: 'A' }, { name: 'B' }, { name: 'C' }], env: [{ name: 'C', value: '3' }], image: 'nginx:2', name: 'web' }],
      },
    };
    const r = smp(live, patch);
    expect(names(r.spec.containers)).toEqual(['web', 'sidecar']);
    expect(r.spec.containers[0].image).toBe('nginx:2');
    expect(names(r.spec.containers[0].env)).toEqual(['A', 'B', 'C']);
    expect(r.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']).toBe('{"x":1}\n');
    expect(JSON.stringify(r)).not.toContain('$setElementOrder');
  });

  it('apply removing a container sends $patch: delete with the order list', () => {
    const r = smp(pod(), { spec: { '$setElementOrder/containers': [{ name: 'web' }], containers: [{ name: 'sidecar', $patch: 'delete' }] } });
    expect(names(r.spec.containers)).toEqual(['web']);
  });
});

describe('applyStrategicMergePatch: relation to JSON merge patch', () => {
  const scalar = fc.oneof(fc.string({ maxLength: 3 }), fc.integer(), fc.boolean());
  const { doc } = fc.letrec((tie) => ({
    value: fc.oneof({ depthSize: 'small' }, scalar, fc.array(tie('value'), { maxLength: 3 }), tie('doc')),
    doc: fc.dictionary(fc.constantFrom('a', 'b', 'c'), tie('value'), { maxKeys: 3 }),
  }));
  const patchDoc = fc.dictionary(fc.constantFrom('a', 'b', 'c'), fc.oneof(fc.constant(null), doc, scalar), { maxKeys: 3 });

  it('property: without patch metadata or directives, strategic merge equals RFC 7386 merge patch', () => {
    fc.assert(
      fc.property(doc, patchDoc, (original, patch) => {
        expect(applyStrategicMergePatch(original, patch, emptyPatchMeta)).toEqual(applyMergePatch(original, patch));
      }),
      { numRuns: 300 },
    );
  });
});
