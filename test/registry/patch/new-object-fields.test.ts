import fc from 'fast-check';
import type { KubeObject } from '../../../src/api/types';
import { corePatchMeta, updateManagedFields, type ManagedFieldsOptions } from '../../../src/registry/patch';
import { patchMetaFor } from '../../../src/registry/patch-apply';
import { realisticPod } from '../../../bench/lib/pod';

const NOW = '2026-11-27T06:00:00.456Z';
const podInfo = { group: '', version: 'v1', kind: 'Pod', resource: 'pods', namespaced: true } as const;

const opts = (kind: string, ignoredFields: string[][] = [['status']]): ManagedFieldsOptions => ({
  manager: 'creator',
  now: NOW,
  meta: kind === 'Pod' ? patchMetaFor({ ...podInfo, listKind: 'PodList', verbs: [], shortNames: [] } as never) : corePatchMeta(kind),
  apiVersion: 'v1',
  ignoredFields,
});

/**
 * The general Update bookkeeping for the same write: an existing empty object with no managers
 * (`{}`) compares exactly like "no object", but takes the general path instead of the create one.
 */
const general = (obj: KubeObject, o: ManagedFieldsOptions): KubeObject => updateManagedFields({} as KubeObject, obj, o);
const fast = (obj: KubeObject, o: ManagedFieldsOptions): KubeObject => updateManagedFields(undefined, obj, o);

describe('managedFields of a new object (the create path)', () => {
  it('a realistic pod create records the same managedFields as the general Update bookkeeping', () => {
    const pod = realisticPod('ns-1', 'p1') as unknown as KubeObject;
    const o = opts('Pod');
    const a = fast(structuredClone(pod), o);
    expect(a.metadata?.managedFields).toHaveLength(1);
    // Byte for byte: the fieldsV1 member order is part of what kube writes.
    expect(JSON.stringify(a)).toBe(JSON.stringify(general(structuredClone(pod), o)));
    // status is a reset field on the main resource: the creator does not own it.
    expect(a.metadata?.managedFields?.[0]?.fieldsV1).not.toHaveProperty('f:status');
  });

  it('a create whose every field is unownable records no managedFields at all', () => {
    const o = fast({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'd' } }, opts('ConfigMap'));
    expect(o.metadata?.managedFields).toBeUndefined();
  });

  it('managedFields sent on a create are replaced by the creator entry, as the general path does', () => {
    const sent = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', managedFields: [{}] }, data: { a: '1' } } as unknown as KubeObject;
    expect(fast(structuredClone(sent), opts('ConfigMap'))).toEqual(general(structuredClone(sent), opts('ConfigMap')));
  });

  it('large maps and lists (past the small-member sort) keep kube member order and the first of duplicate list items', () => {
    const pod = realisticPod('ns-1', 'big') as unknown as KubeObject & { spec: { containers: Array<Record<string, unknown>> } };
    pod.metadata!.labels = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${(i * 37) % 50}`, String(i)]));
    const c = pod.spec.containers[0]!;
    // 40 ports in scrambled order, one of them twice (same containerPort and protocol: the same k: element).
    c['ports'] = Array.from({ length: 40 }, (_, i) => ({ containerPort: 1000 + ((i * 7) % 40), protocol: i % 2 === 0 ? 'TCP' : 'UDP' }));
    (c['ports'] as unknown[]).push({ containerPort: 1000, protocol: 'TCP', name: 'dup' });
    pod.metadata!.finalizers = Array.from({ length: 35 }, (_, i) => `f${(i * 11) % 35}`);
    const o = opts('Pod');
    expect(JSON.stringify(fast(structuredClone(pod), o))).toBe(JSON.stringify(general(structuredClone(pod), o)));
  });

  it('any JSON object gets the same managedFields on create as from the general path (property)', () => {
    const key = fc.constantFrom('metadata', 'spec', 'status', 'data', 'labels', 'containers', 'ports', 'name', 'containerPort', 'protocol', 'env', 'value', 'x');
    const leaf = fc.oneof(fc.string({ maxLength: 4 }), fc.integer(), fc.boolean(), fc.constant(null));
    const tree = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('node'), { maxLength: 3 }), fc.dictionary(key, tie('node'), { maxKeys: 4 })),
    })).node;
    fc.assert(
      fc.property(fc.dictionary(key, tree, { maxKeys: 5 }), fc.constantFrom('Pod', 'Service', 'ConfigMap'), (body, kind) => {
        const obj = { apiVersion: 'v1', kind, ...body } as KubeObject;
        const o = opts(kind);
        expect(JSON.stringify(fast(structuredClone(obj), o))).toBe(JSON.stringify(general(structuredClone(obj), o)));
      }),
      { numRuns: 400 },
    );
  });
});
