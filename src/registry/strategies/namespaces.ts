/**
 * Namespaces: created Active with the `kubernetes` finalizer; deletion marks them Terminating
 * (the namespace controller empties them and clears the finalizer through /finalize).
 */
import type { FieldError } from '../../api/errors';
import { isRecord } from '../../api/types';
import { baseStrategy, resourceInfo } from '../strategy';
import type { Strategy } from '../strategy';
import { clone, getArr, getRec, getStr } from '../object-util';
import { invalid } from '../validation/field';
import { isDns1123Label, isQualifiedName } from '../validation/names';

export const namespaceInfo = resourceInfo({
  group: '',
  resource: 'namespaces',
  singularName: 'namespace',
  kind: 'Namespace',
  namespaced: false,
  shortNames: ['ns'],
  // kube serves no deletecollection for namespaces.
  verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
});

/** Namespaces that may never be deleted (kube's immortal namespaces). */
export const IMMORTAL_NAMESPACES = ['default', 'kube-system', 'kube-public'];

function validateSpecFinalizers(obj: Record<string, unknown>): FieldError[] {
  const errs: FieldError[] = [];
  getArr(getRec(obj, 'spec'), 'finalizers').forEach((f, i) => {
    const p = `spec.finalizers[${i}]`;
    if (typeof f !== 'string') errs.push(invalid(p, f, 'must be a string'));
    else if (f !== 'kubernetes' && !f.includes('/')) errs.push(invalid(p, f, 'name is neither a standard finalizer name nor is it fully qualified'));
    else for (const m of isQualifiedName(f)) errs.push(invalid(p, f, m));
  });
  return errs;
}

export const namespaceStrategy: Strategy = {
  ...baseStrategy,
  info: namespaceInfo,
  validateName: isDns1123Label,
  selectableFields: ['metadata.name', 'status.phase'],
  fieldsOf: (obj) => ({ 'metadata.name': obj.metadata?.name ?? '', 'status.phase': getStr(getRec(obj, 'status'), 'phase') ?? '' }),
  defaults(obj) {
    // kube labels every namespace with its own name (immutable label) since 1.21.
    const meta = obj.metadata ?? (obj.metadata = {});
    if (meta.name) meta.labels = { ...(meta.labels ?? {}), 'kubernetes.io/metadata.name': meta.name };
  },
  prepareForCreate(obj) {
    obj['status'] = { phase: 'Active' };
    const spec = isRecord(obj['spec']) ? obj['spec'] : (obj['spec'] = {});
    const fins = getArr(spec, 'finalizers').filter((f) => f !== 'kubernetes');
    spec['finalizers'] = ['kubernetes', ...fins];
  },
  prepareForUpdate(obj, old) {
    obj['status'] = clone(old['status']);
    const spec = isRecord(obj['spec']) ? obj['spec'] : (obj['spec'] = {});
    const oldFins = getArr(getRec(old, 'spec'), 'finalizers');
    spec['finalizers'] = clone(oldFins);
  },
  validate: (obj) => validateSpecFinalizers(obj),
  validateUpdate: () => [],
};

export const namespaceStatusStrategy: Strategy = {
  ...namespaceStrategy,
  info: { ...namespaceInfo, resource: 'namespaces/status', verbs: ['get', 'patch', 'update'] },
  prepareForUpdate(obj, old) {
    obj['spec'] = clone(old['spec']);
  },
  validate: (obj) => {
    const phase = getStr(getRec(obj, 'status'), 'phase');
    return phase !== undefined && phase !== 'Active' && phase !== 'Terminating'
      ? [{ type: 'FieldValueNotSupported', field: 'status.phase', value: phase, detail: 'supported values: "Active", "Terminating"' }]
      : [];
  },
};

/** namespaces/finalize: only spec.finalizers may change. */
export const namespaceFinalizeStrategy: Strategy = {
  ...namespaceStrategy,
  info: { ...namespaceInfo, resource: 'namespaces/finalize', verbs: ['update'] },
  prepareForUpdate(obj, old) {
    const fins = clone(getArr(getRec(obj, 'spec'), 'finalizers'));
    obj['status'] = clone(old['status']);
    obj['spec'] = { ...(clone(getRec(old, 'spec')) ?? {}), finalizers: fins };
  },
};
