import { applyStrategicMergePatch, chainPatchMeta, corePatchMeta, parseStrategy, patchMetaFromSchemas } from '../../../src/registry/patch';

// Trimmed from the shape kube serves at /openapi/v3/api/v1.
const definitions = {
  'io.k8s.api.core.v1.Pod': {
    type: 'object',
    properties: {
      metadata: { allOf: [{ $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' }], default: {} },
      spec: { allOf: [{ $ref: '#/components/schemas/io.k8s.api.core.v1.PodSpec' }] },
    },
  },
  'io.k8s.api.core.v1.PodSpec': {
    type: 'object',
    properties: {
      containers: {
        type: 'array',
        items: { allOf: [{ $ref: '#/components/schemas/io.k8s.api.core.v1.Container' }], default: {} },
        'x-kubernetes-list-map-keys': ['name'],
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-patch-merge-key': 'name',
        'x-kubernetes-patch-strategy': 'merge',
      },
      volumes: {
        type: 'array',
        items: { $ref: '#/definitions/io.k8s.api.core.v1.Volume' },
        'x-kubernetes-patch-merge-key': 'name',
        'x-kubernetes-patch-strategy': 'merge,retainKeys',
      },
      nodeSelector: { type: 'object', additionalProperties: { type: 'string' }, 'x-kubernetes-map-type': 'atomic' },
      tolerations: { type: 'array', items: { $ref: '#/components/schemas/io.k8s.api.core.v1.Toleration' }, 'x-kubernetes-list-type': 'atomic' },
    },
  },
  'io.k8s.api.core.v1.Container': {
    type: 'object',
    properties: {
      name: { type: 'string' },
      ports: {
        type: 'array',
        items: { $ref: '#/components/schemas/io.k8s.api.core.v1.ContainerPort' },
        'x-kubernetes-list-map-keys': ['containerPort', 'protocol'],
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-patch-merge-key': 'containerPort',
        'x-kubernetes-patch-strategy': 'merge',
      },
      args: { type: 'array', items: { type: 'string' } },
    },
  },
  'io.k8s.api.core.v1.ContainerPort': { type: 'object', properties: { containerPort: { type: 'integer' }, protocol: { type: 'string', default: 'TCP' } } },
  'io.k8s.api.core.v1.Volume': { type: 'object', properties: { name: { type: 'string' } } },
  'io.k8s.api.core.v1.Toleration': { type: 'object', properties: { key: { type: 'string' } } },
  'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta': {
    type: 'object',
    properties: {
      finalizers: { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'set', 'x-kubernetes-patch-strategy': 'merge' },
      labels: { type: 'object', additionalProperties: { type: 'string' } },
    },
  },
};

describe('patchMetaFromSchemas', () => {
  const meta = patchMetaFromSchemas(definitions, 'io.k8s.api.core.v1.Pod');
  const cases: Array<[string, string[], unknown]> = [
    ['reads merge key and strategy through allOf refs', ['spec', 'containers'], { patchStrategy: 'merge', patchMergeKey: 'name', listType: 'map', listMapKeys: ['name'] }],
    [
      'steps through list items for nested lists (indices omitted) and reads key defaults',
      ['spec', 'containers', 'ports'],
      { patchStrategy: 'merge', patchMergeKey: 'containerPort', listType: 'map', listMapKeys: ['containerPort', 'protocol'], keyDefaults: { protocol: 'TCP' } },
    ],
    ['accepts #/definitions refs and combined strategies', ['spec', 'volumes'], { patchStrategy: 'merge,retainKeys', patchMergeKey: 'name' }],
    ['reads list-type set for primitive lists', ['metadata', 'finalizers'], { patchStrategy: 'merge', listType: 'set' }],
    ['reads map-type and marks data maps', ['spec', 'nodeSelector'], { mapType: 'atomic', isMap: true }],
    ['marks additionalProperties maps as data maps (labels)', ['metadata', 'labels'], { isMap: true }],
    ['fields without extensions are unknown (so a fallback table can answer)', ['spec', 'containers', 'args'], undefined],
    ['unknown fields are unknown', ['spec', 'nope', 'deeper'], undefined],
  ];
  it.each(cases)('%s', (_n, path, expected) => {
    expect(meta.lookup(path)).toEqual(expected);
  });

  it('an unknown root gives no metadata', () => {
    expect(patchMetaFromSchemas(definitions, 'Nope').lookup(['spec'])).toBeUndefined();
  });

  it('cyclic refs terminate', () => {
    const cyclic = { A: { $ref: '#/components/schemas/B' }, B: { $ref: '#/components/schemas/A' } };
    expect(patchMetaFromSchemas(cyclic, 'A').lookup(['x'])).toBeUndefined();
  });

  it('drives strategic merge like the struct tags do', () => {
    const r = applyStrategicMergePatch(
      { spec: { containers: [{ name: 'a', ports: [{ containerPort: 80 }] }, { name: 'b' }] } },
      { spec: { containers: [{ name: 'a', ports: [{ containerPort: 81 }] }] } },
      meta,
    );
    expect(r).toEqual({ spec: { containers: [{ name: 'a', ports: [{ containerPort: 81 }, { containerPort: 80 }] }, { name: 'b' }] } });
  });
});

describe('corePatchMeta (kube struct tags)', () => {
  const cases: Array<[string, string[], string | undefined, string | undefined]> = [
    ['Pod', ['spec', 'containers'], 'merge', 'name'],
    ['Pod', ['spec', 'initContainers'], 'merge', 'name'],
    ['Pod', ['spec', 'ephemeralContainers'], 'merge', 'name'],
    ['Pod', ['spec', 'containers', 'ports'], 'merge', 'containerPort'],
    ['Pod', ['spec', 'containers', 'env'], 'merge', 'name'],
    ['Pod', ['spec', 'containers', 'volumeMounts'], 'merge', 'mountPath'],
    ['Pod', ['spec', 'containers', 'volumeDevices'], 'merge', 'devicePath'],
    ['Pod', ['spec', 'volumes'], 'merge,retainKeys', 'name'],
    ['Pod', ['spec', 'imagePullSecrets'], 'merge', 'name'],
    ['Pod', ['spec', 'hostAliases'], 'merge', 'ip'],
    ['Pod', ['spec', 'tolerations'], undefined, undefined],
    ['Pod', ['status', 'conditions'], 'merge', 'type'],
    ['Pod', ['metadata', 'ownerReferences'], 'merge', 'uid'],
    ['Pod', ['metadata', 'finalizers'], 'merge', undefined],
    ['Service', ['spec', 'ports'], 'merge', 'port'],
    ['Node', ['status', 'conditions'], 'merge', 'type'],
    ['Node', ['status', 'addresses'], 'merge', 'type'],
    ['Endpoints', ['subsets'], undefined, undefined],
    ['ReplicationController', ['spec', 'template', 'spec', 'containers'], 'merge', 'name'],
    ['ReplicationController', ['spec', 'template', 'spec', 'containers', 'env'], 'merge', 'name'],
    ['ConfigMap', ['metadata', 'ownerReferences'], 'merge', 'uid'],
  ];
  it.each(cases)('%s %j has strategy %s and merge key %s', (kind, path, strategy, key) => {
    const info = corePatchMeta(kind).lookup(path);
    expect(info?.patchStrategy).toBe(strategy);
    expect(info?.patchMergeKey).toBe(key);
  });

  it('chainPatchMeta lets the first table win field by field and fills gaps from the next', () => {
    const first = { lookup: (p: readonly string[]) => (p.join('.') === 'spec.ports' ? { patchStrategy: 'merge', patchMergeKey: 'port', listType: 'atomic' as const } : undefined) };
    const chained = chainPatchMeta(first, corePatchMeta('Service'));
    expect(chained.lookup(['spec', 'ports'])).toEqual({
      patchStrategy: 'merge',
      patchMergeKey: 'port',
      listType: 'atomic',
      listMapKeys: ['port', 'protocol'],
      keyDefaults: { protocol: 'TCP' },
    });
    expect(chained.lookup(['spec', 'selector'])).toEqual({ isMap: true });
    expect(chained.lookup(['spec', 'nope'])).toBeUndefined();
  });

  it('parseStrategy splits retainKeys from the list strategy', () => {
    expect(parseStrategy({ patchStrategy: 'merge,retainKeys' })).toEqual({ strategy: 'merge', retainKeys: true });
    expect(parseStrategy({ patchStrategy: 'retainKeys' })).toEqual({ strategy: '', retainKeys: true });
    expect(parseStrategy(undefined)).toEqual({ strategy: '', retainKeys: false });
  });
});
