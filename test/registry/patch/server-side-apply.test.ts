import type { KubeObject } from '../../../src/api/types';
import { corePatchMeta, serverSideApply, updateManagedFields, MAX_UPDATE_MANAGERS, LAST_APPLIED_ANNOTATION, type ApplyOptions } from '../../../src/registry/patch';
import { catchStatus } from './expect-api-error';

const meta = corePatchMeta('Pod');
const T0 = '2026-11-27T06:00:00Z';
const T1 = '2026-11-27T07:00:00.123Z';
const applyOpts = (manager: string, extra: Partial<ApplyOptions> = {}): ApplyOptions => ({ manager, force: false, now: T1, meta, apiVersion: 'v1', ...extra });
const updateOpts = (manager: string, now = T0) => ({ manager, now, meta, apiVersion: 'v1' });

type Obj = KubeObject & { spec: { containers: Array<Record<string, unknown>> } };

const pod = (image = 'nginx:1', labels: Record<string, string> = { app: 'web' }): Obj => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'default', labels },
  spec: { containers: [{ name: 'web', image }] },
});

/** The object as kube would store it after `kubectl create` (manager kubectl-create). */
const created = (image = 'nginx:1'): Obj => updateManagedFields(undefined, pod(image), updateOpts('kubectl-create')) as Obj;

const entries = (o: KubeObject) => o.metadata?.managedFields ?? [];
const entry = (o: KubeObject, manager: string) => entries(o).find((e) => e.manager === manager);

describe('updateManagedFields (create/update/patch record an Update entry)', () => {
  it('create records every set field for the creating manager, in kube\'s fieldsV1 form', () => {
    const o = created();
    expect(entries(o)).toEqual([
      {
        manager: 'kubectl-create',
        operation: 'Update',
        apiVersion: 'v1',
        time: T0,
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
          'f:spec': { 'f:containers': { 'k:{"name":"web"}': { '.': {}, 'f:image': {}, 'f:name': {} } } },
        },
      },
    ]);
    expect(o.spec).toEqual(pod().spec);
  });

  it('an update moves changed fields to the writer and keeps the rest with their owners', () => {
    const edited = { ...created(), spec: { containers: [{ name: 'web', image: 'nginx:2' }] } };
    const o = updateManagedFields(created(), edited, updateOpts('kubectl-edit', T1));
    expect(entry(o, 'kubectl-edit')?.fieldsV1).toEqual({ 'f:spec': { 'f:containers': { 'k:{"name":"web"}': { 'f:image': {} } } } });
    expect(entry(o, 'kubectl-edit')?.time).toBe('2026-11-27T07:00:00Z');
    expect(JSON.stringify(entry(o, 'kubectl-create')?.fieldsV1)).not.toContain('f:image');
  });

  it('removed fields leave every manager', () => {
    const base = created();
    const next = { ...base, metadata: { ...base.metadata, labels: {} } };
    const o = updateManagedFields(base, next, updateOpts('kubectl-label'));
    expect(JSON.stringify(entries(o))).not.toContain('f:app');
    expect(entry(o, 'kubectl-label')).toBeUndefined();
  });

  it('a write that changes nothing records nothing new', () => {
    const base = created();
    const o = updateManagedFields(base, base, updateOpts('kubectl-replace', T1));
    expect(entries(o)).toEqual(entries(base));
  });

  it('managedFields: [{}] in the body wipes all managed fields', () => {
    const base = created();
    const wiped = { ...base, metadata: { ...base.metadata, managedFields: [{}] } };
    const o = updateManagedFields(base, wiped, updateOpts('x'));
    expect(o.metadata?.managedFields).toBeUndefined();
  });

  it(`keeps at most ${MAX_UPDATE_MANAGERS} Update managers, folding the oldest into "ancient-changes"`, () => {
    let o: KubeObject = created();
    for (let i = 0; i < 12; i++) {
      const next = { ...o, metadata: { ...o.metadata, labels: { ...o.metadata?.labels, [`l${i}`]: 'x' } } };
      o = updateManagedFields(o, next, updateOpts(`m${i}`, `2026-11-27T06:${String(10 + i).padStart(2, '0')}:00Z`));
    }
    expect(entries(o).length).toBe(MAX_UPDATE_MANAGERS);
    expect(entry(o, 'ancient-changes')).toBeDefined();
    expect(entry(o, 'kubectl-create')).toBeUndefined();
    expect(entry(o, 'm11')).toBeDefined();
  });
});

describe('serverSideApply', () => {
  it('apply to a missing object creates it and records an Apply entry for the applier', () => {
    const o = serverSideApply(undefined, pod(), applyOpts('kubectl'));
    expect(o.spec).toEqual(pod().spec);
    expect(entries(o)).toEqual([
      {
        manager: 'kubectl',
        operation: 'Apply',
        apiVersion: 'v1',
        time: '2026-11-27T07:00:00Z',
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:metadata': { 'f:labels': { 'f:app': {} } },
          'f:spec': { 'f:containers': { 'k:{"name":"web"}': { '.': {}, 'f:image': {}, 'f:name': {} } } },
        },
      },
    ]);
  });

  it('apply conflict without force is 409 naming the field and the other manager', () => {
    const s = catchStatus(() => serverSideApply(created('nginx:1'), pod('nginx:2'), applyOpts('kubectl')));
    expect(s).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Apply failed with 1 conflict: conflict with "kubectl-create" using v1: .spec.containers[name="web"].image',
      reason: 'Conflict',
      details: {
        causes: [{ reason: 'FieldManagerConflict', message: 'conflict with "kubectl-create" using v1', field: '.spec.containers[name="web"].image' }],
      },
      code: 409,
    });
  });

  it('kubectl apply --server-side over a client-side-applied object conflicts with kubectl-client-side-apply', () => {
    const csa = updateManagedFields(undefined, pod('nginx:1'), updateOpts('kubectl-client-side-apply'));
    const s = catchStatus(() => serverSideApply(csa, pod('nginx:2'), applyOpts('kubectl')));
    expect(s.code).toBe(409);
    expect(s.message).toBe('Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using v1: .spec.containers[name="web"].image');
  });

  it('conflicts name the subresource of a status writer', () => {
    const base = serverSideApply(undefined, { ...pod(), status: { phase: 'Pending' } }, applyOpts('kubectl'));
    const running = updateManagedFields(base, { ...base, status: { phase: 'Running' } }, { ...updateOpts('kubelet'), subresource: 'status' });
    const s = catchStatus(() => serverSideApply(running, { ...pod(), status: { phase: 'Pending' } }, applyOpts('kubectl')));
    expect(s.message).toBe('Apply failed with 1 conflict: conflict with "kubelet" with subresource "status" using v1: .status.phase');
  });

  it('several conflicts are listed per manager', () => {
    const s = catchStatus(() => serverSideApply(created('nginx:1'), pod('nginx:2', { app: 'db' }), applyOpts('kubectl')));
    expect(s.message).toBe(
      'Apply failed with 2 conflicts: conflicts with "kubectl-create" using v1:\n- .metadata.labels.app\n- .spec.containers[name="web"].image',
    );
    expect(s.details?.causes?.map((c) => c.field)).toEqual(['.metadata.labels.app', '.spec.containers[name="web"].image']);
  });

  it('applying the value a field already has shares ownership instead of conflicting', () => {
    const o = serverSideApply(created('nginx:1'), pod('nginx:1'), applyOpts('kubectl'));
    expect(JSON.stringify(entry(o, 'kubectl')?.fieldsV1)).toContain('f:image');
    expect(JSON.stringify(entry(o, 'kubectl-create')?.fieldsV1)).toContain('f:image');
  });

  it('force apply takes ownership of the conflicting field', () => {
    const o = serverSideApply(created('nginx:1'), pod('nginx:2'), applyOpts('kubectl', { force: true })) as Obj;
    expect(o.spec.containers[0]!.image).toBe('nginx:2');
    expect(JSON.stringify(entry(o, 'kubectl')?.fieldsV1)).toContain('f:image');
    expect(JSON.stringify(entry(o, 'kubectl-create')?.fieldsV1)).not.toContain('f:image');
    expect(JSON.stringify(entry(o, 'kubectl-create')?.fieldsV1)).toContain('f:app');
  });

  it('re-applying with a change to fields it owns is not a conflict', () => {
    const first = serverSideApply(undefined, pod('nginx:1'), applyOpts('kubectl'));
    const o = serverSideApply(first, pod('nginx:2'), applyOpts('kubectl')) as Obj;
    expect(o.spec.containers[0]!.image).toBe('nginx:2');
  });

  it('field removed from apply config is pruned when owned only by that manager', () => {
    const first = serverSideApply(undefined, pod('nginx:1', { app: 'web', tier: 'fe' }), applyOpts('kubectl'));
    const o = serverSideApply(first, pod('nginx:1', { app: 'web' }), applyOpts('kubectl'));
    expect(o.metadata?.labels).toEqual({ app: 'web' });
    expect(JSON.stringify(entry(o, 'kubectl')?.fieldsV1)).not.toContain('f:tier');
  });

  it('field removed from apply config stays when another manager also owns it', () => {
    const first = serverSideApply(undefined, pod('nginx:1', { app: 'web', tier: 'fe' }), applyOpts('kubectl'));
    const other = serverSideApply(first, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', labels: { tier: 'fe' } } }, applyOpts('helper'));
    const o = serverSideApply(other, pod('nginx:1', { app: 'web' }), applyOpts('kubectl'));
    expect(o.metadata?.labels).toEqual({ app: 'web', tier: 'fe' });
  });

  it('a container dropped from the apply config is removed with all its fields', () => {
    const two = { ...pod(), spec: { containers: [{ name: 'web', image: 'nginx:1' }, { name: 'log', image: 'tail' }] } };
    const first = serverSideApply(undefined, two, applyOpts('kubectl'));
    const o = serverSideApply(first, pod(), applyOpts('kubectl')) as Obj;
    expect(o.spec.containers).toEqual([{ name: 'web', image: 'nginx:1' }]);
  });

  it('fields set by others but never applied are not pruned', () => {
    const first = serverSideApply(undefined, pod(), applyOpts('kubectl'));
    const withNode = { ...first, spec: { ...(first as Obj).spec, nodeName: 'n1' } };
    const scheduled = updateManagedFields(first, withNode, updateOpts('scheduler'));
    const o = serverSideApply(scheduled, pod(), applyOpts('kubectl')) as Obj & { spec: { nodeName?: string } };
    expect(o.spec.nodeName).toBe('n1');
  });

  it('after `kubectl edit` changes an applied field, re-applying the old value conflicts with kubectl-edit', () => {
    const applied = serverSideApply(undefined, pod('nginx:1'), applyOpts('kubectl'));
    const edited = updateManagedFields(applied, { ...applied, spec: { containers: [{ name: 'web', image: 'nginx:9' }] } }, updateOpts('kubectl-edit'));
    const s = catchStatus(() => serverSideApply(edited, pod('nginx:1'), applyOpts('kubectl')));
    expect(s.message).toBe('Apply failed with 1 conflict: conflict with "kubectl-edit" using v1: .spec.containers[name="web"].image');
  });

  it('merges associative lists by key: live-only containers stay, new ones follow the config', () => {
    const live = updateManagedFields(
      undefined,
      { ...pod(), spec: { containers: [{ name: 'a', image: 'x' }, { name: 'web', image: 'nginx:1' }] } },
      updateOpts('kubectl-create'),
    );
    const config = { ...pod(), spec: { containers: [{ name: 'web', image: 'nginx:1' }, { name: 'c', image: 'y' }] } };
    const o = serverSideApply(live, config, applyOpts('kubectl')) as Obj;
    expect(o.spec.containers.map((c) => c.name)).toEqual(['a', 'web', 'c']);
  });

  it('container ports are keyed by containerPort and the defaulted protocol', () => {
    const cfg = { ...pod(), spec: { containers: [{ name: 'web', image: 'nginx:1', ports: [{ containerPort: 80 }] }] } };
    const o = serverSideApply(undefined, cfg, applyOpts('kubectl'));
    expect(entry(o, 'kubectl')?.fieldsV1).toMatchObject({
      'f:spec': { 'f:containers': { 'k:{"name":"web"}': { 'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } } } } },
    });
  });

  it('an apply that changes nothing leaves the object and the applier\'s time unchanged', () => {
    const first = serverSideApply(undefined, pod(), applyOpts('kubectl', { now: T0 }));
    const again = serverSideApply(first, pod(), applyOpts('kubectl', { now: T1 }));
    expect(again).toEqual(first);
  });

  it('metadata.managedFields in the apply configuration is 400', () => {
    const cfg = { ...pod(), metadata: { ...pod().metadata, managedFields: [] } };
    const s = catchStatus(() => serverSideApply(undefined, cfg, applyOpts('kubectl')));
    expect([s.code, s.message]).toEqual([400, 'metadata.managedFields must be nil']);
  });

  it('an apply configuration of another version is 400', () => {
    const s = catchStatus(() => serverSideApply(undefined, { ...pod(), apiVersion: 'v2' }, applyOpts('kubectl')));
    expect([s.code, s.message]).toEqual([400, 'Incorrect version specified in apply patch. Specified patch version: v2, expected: v1']);
  });

  it('fields of an object that has no managedFields belong to before-first-apply', () => {
    const s = catchStatus(() => serverSideApply(pod('nginx:1'), pod('nginx:2'), applyOpts('kubectl')));
    expect(s.message).toBe('Apply failed with 1 conflict: conflict with "before-first-apply" using v1: .spec.containers[name="web"].image');
  });

  it('ignored fields (status on the main resource) are never owned', () => {
    const cfg = { ...pod(), status: { phase: 'Running' } };
    const o = serverSideApply(undefined, cfg, applyOpts('kubectl', { ignoredFields: [['status']] }));
    expect(JSON.stringify(entry(o, 'kubectl')?.fieldsV1)).not.toContain('f:status');
  });

  it('never mutates the live object or the configuration', () => {
    const live = created();
    const cfg = pod('nginx:2');
    const snap = JSON.stringify({ live, cfg });
    serverSideApply(live, cfg, applyOpts('kubectl', { force: true }));
    expect(JSON.stringify({ live, cfg })).toBe(snap);
  });
});

describe('serverSideApply: upgrading from client-side apply (manager "kubectl")', () => {
  /** What `kubectl apply` (client-side) leaves behind: the annotation plus a kubectl-client-side-apply entry. */
  const csaPod = (image: string): Obj => {
    const cfg = pod(image);
    const annotated = { ...cfg, metadata: { ...cfg.metadata, annotations: { [LAST_APPLIED_ANNOTATION]: JSON.stringify(cfg) + '\n' } } };
    return updateManagedFields(undefined, annotated, updateOpts('kubectl-client-side-apply')) as Obj;
  };

  it('fields still as last applied by client-side apply do not conflict for kubectl', () => {
    const o = serverSideApply(csaPod('nginx:1'), pod('nginx:2'), applyOpts('kubectl')) as Obj;
    expect(o.spec.containers[0]!.image).toBe('nginx:2');
    expect(JSON.stringify(entry(o, 'kubectl')?.fieldsV1)).toContain('f:image');
  });

  it('the last-applied annotation is rewritten to the applied configuration (sorted keys, trailing newline)', () => {
    const o = serverSideApply(csaPod('nginx:1'), pod('nginx:2'), applyOpts('kubectl'));
    const text = o.metadata?.annotations?.[LAST_APPLIED_ANNOTATION];
    expect(text).toBe(
      '{"apiVersion":"v1","kind":"Pod","metadata":{"labels":{"app":"web"},"name":"p","namespace":"default"},"spec":{"containers":[{"image":"nginx:2","name":"web"}]}}\n',
    );
  });

  it('a field changed since the last client-side apply still conflicts', () => {
    const base = csaPod('nginx:1');
    const edited = updateManagedFields(base, { ...base, spec: { containers: [{ name: 'web', image: 'nginx:9' }] } }, updateOpts('kubectl-edit'));
    const s = catchStatus(() => serverSideApply(edited, pod('nginx:2'), applyOpts('kubectl')));
    expect(s.message).toBe('Apply failed with 1 conflict: conflict with "kubectl-edit" using v1: .spec.containers[name="web"].image');
  });

  it('other managers get no such allowance', () => {
    const s = catchStatus(() => serverSideApply(csaPod('nginx:1'), pod('nginx:2'), applyOpts('helm')));
    expect(s.code).toBe(409);
  });
});
