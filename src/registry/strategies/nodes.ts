/** Nodes: cluster-scoped; status (and everything else) may be set on create, only via /status after. */
import type { FieldError } from '../../api/errors';
import { baseStrategy, resourceInfo } from '../strategy';
import type { Strategy } from '../strategy';
import { clone, getArr, getRec, getStr } from '../object-util';
import { immutable, invalid, notSupported, required } from '../validation/field';
import { isDns1123Subdomain, isQualifiedName } from '../validation/names';
import { isRecord } from '../../api/types';

export const nodeInfo = resourceInfo({ group: '', resource: 'nodes', singularName: 'node', kind: 'Node', namespaced: false, shortNames: ['no'] });

const EFFECTS = ['NoExecute', 'NoSchedule', 'PreferNoSchedule'];

function validateNodeSpec(obj: Record<string, unknown>): FieldError[] {
  const errs: FieldError[] = [];
  getArr(getRec(obj, 'spec'), 'taints').forEach((t, i) => {
    if (!isRecord(t)) return;
    const p = `spec.taints[${i}]`;
    const key = getStr(t, 'key') ?? '';
    if (!key) errs.push(required(`${p}.key`));
    else for (const m of isQualifiedName(key)) errs.push(invalid(`${p}.key`, key, m));
    const e = getStr(t, 'effect') ?? '';
    if (!e) errs.push(required(`${p}.effect`));
    else if (!EFFECTS.includes(e)) errs.push(notSupported(`${p}.effect`, e, EFFECTS));
  });
  return errs;
}

export const nodeStrategy: Strategy = {
  ...baseStrategy,
  info: nodeInfo,
  validateName: isDns1123Subdomain,
  selectableFields: ['metadata.name', 'spec.unschedulable'],
  fieldsOf: (obj) => ({ 'metadata.name': obj.metadata?.name ?? '', 'spec.unschedulable': getRec(obj, 'spec')?.['unschedulable'] === true ? 'true' : 'false' }),
  prepareForUpdate(obj, old) {
    obj['status'] = clone(old['status']);
  },
  validate: (obj) => validateNodeSpec(obj),
  validateUpdate(obj, old) {
    const errs: FieldError[] = [];
    const oldCidr = getStr(getRec(old, 'spec'), 'podCIDR');
    const cidr = getStr(getRec(obj, 'spec'), 'podCIDR');
    if (oldCidr && cidr !== oldCidr) errs.push(immutable('spec.podCIDR', cidr ?? ''));
    return errs;
  },
};

export const nodeStatusStrategy: Strategy = {
  ...nodeStrategy,
  info: { ...nodeInfo, resource: 'nodes/status', verbs: ['get', 'patch', 'update'] },
  prepareForUpdate(obj, old) {
    obj['spec'] = clone(old['spec']);
  },
  validate: () => [],
  validateUpdate: () => [],
};
