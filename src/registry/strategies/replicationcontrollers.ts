/** ReplicationControllers: the resource only (its controller is another issue). */
import type { FieldError } from '../../api/errors';
import { isRecord } from '../../api/types';
import { baseStrategy, metaFields, resourceInfo } from '../strategy';
import type { Strategy } from '../strategy';
import { clone, deepEqual, getRec, getStr } from '../object-util';
import { invalid, notSupported, required } from '../validation/field';
import { isDns1123Subdomain } from '../validation/names';
import { validateLabels } from '../validation/object-meta';
import { selectorFromMap } from '../selectors/label-selector';
import { defaultPodSpec, validatePodSpec } from './pod-spec';

export const rcInfo = resourceInfo({
  group: '',
  resource: 'replicationcontrollers',
  singularName: 'replicationcontroller',
  kind: 'ReplicationController',
  namespaced: true,
  shortNames: ['rc'],
  categories: ['all'],
});

function validateRcSpec(spec: Record<string, unknown> | undefined): FieldError[] {
  if (!spec) return [required('spec')];
  const errs: FieldError[] = [];
  const selector = getRec(spec, 'selector');
  if (!selector || Object.keys(selector).length === 0) errs.push(required('spec.selector'));
  else errs.push(...validateLabels(selector, 'spec.selector'));
  const replicas = spec['replicas'];
  if (replicas !== undefined && (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0))
    errs.push(invalid('spec.replicas', replicas, 'must be greater than or equal to 0'));
  const mrs = spec['minReadySeconds'];
  if (mrs !== undefined && (typeof mrs !== 'number' || mrs < 0)) errs.push(invalid('spec.minReadySeconds', mrs, 'must be greater than or equal to 0'));
  const template = getRec(spec, 'template');
  if (!template) {
    errs.push(required('spec.template'));
    return errs;
  }
  const labels = getRec(getRec(template, 'metadata'), 'labels') as Record<string, string> | undefined;
  if (selector && Object.keys(selector).length > 0 && !selectorFromMap(selector as Record<string, string>).matches(labels))
    errs.push(invalid('spec.template.metadata.labels', labels ?? {}, '`selector` does not match template `labels`'));
  errs.push(...validateLabels(labels, 'spec.template.metadata.labels'));
  errs.push(...validatePodSpec(template['spec'], 'spec.template.spec'));
  const rp = getStr(getRec(template, 'spec'), 'restartPolicy');
  if (rp !== undefined && rp !== 'Always') errs.push(notSupported('spec.template.spec.restartPolicy', rp, ['Always']));
  return errs;
}

export const rcStrategy: Strategy = {
  ...baseStrategy,
  info: rcInfo,
  validateName: isDns1123Subdomain,
  tracksGeneration: true,
  orphansDependents: true,
  selectableFields: ['metadata.name', 'metadata.namespace', 'status.replicas'],
  fieldsOf: (obj) => ({ ...metaFields(obj, true), 'status.replicas': String(getRec(obj, 'status')?.['replicas'] ?? 0) }),
  defaults(obj) {
    const spec = getRec(obj, 'spec');
    if (!spec) return;
    const template = getRec(spec, 'template');
    const tLabels = getRec(getRec(template, 'metadata'), 'labels');
    // kube v1 defaults: selector and labels come from the template when absent; replicas 1.
    if (tLabels && (!isRecord(spec['selector']) || Object.keys(spec['selector']).length === 0)) spec['selector'] = clone(tLabels);
    const meta = obj.metadata ?? (obj.metadata = {});
    if (tLabels && (!meta.labels || Object.keys(meta.labels).length === 0)) meta.labels = clone(tLabels) as Record<string, string>;
    if (spec['replicas'] === undefined || spec['replicas'] === null) spec['replicas'] = 1;
    if (template && isRecord(template['spec'])) defaultPodSpec(template['spec']);
  },
  prepareForCreate(obj) {
    obj['status'] = { replicas: 0 };
  },
  prepareForUpdate(obj, old) {
    obj['status'] = clone(old['status'] ?? { replicas: 0 });
  },
  validate: (obj) => validateRcSpec(getRec(obj, 'spec')),
  validateUpdate: () => [],
};

export const rcStatusStrategy: Strategy = {
  ...rcStrategy,
  info: { ...rcInfo, resource: 'replicationcontrollers/status', verbs: ['get', 'patch', 'update'] },
  tracksGeneration: false,
  prepareForCreate() {},
  prepareForUpdate(obj, old) {
    obj['spec'] = clone(old['spec']);
  },
  validate(obj) {
    const errs: FieldError[] = [];
    const status = getRec(obj, 'status');
    for (const k of ['replicas', 'fullyLabeledReplicas', 'readyReplicas', 'availableReplicas', 'observedGeneration']) {
      const v = status?.[k];
      if (v !== undefined && (typeof v !== 'number' || v < 0)) errs.push(invalid(`status.${k}`, v, 'must be greater than or equal to 0'));
    }
    return errs;
  },
  validateUpdate: (obj, old) => (deepEqual(obj['spec'], old['spec']) ? [] : []),
};
