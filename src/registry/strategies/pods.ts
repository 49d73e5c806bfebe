/** Pods (kube's registry/core/pod/strategy.go): defaults, spec immutability, status split, graceful delete. */
import type { FieldError } from '../../api/errors';
import type { KubeObject } from '../../api/types';
import { isRecord } from '../../api/types';
import { baseStrategy, metaFields, resourceInfo } from '../strategy';
import type { Strategy } from '../strategy';
import { clone, deepEqual, getArr, getRec, getStr } from '../object-util';
import { forbidden, invalid, notSupported, required } from '../validation/field';
import { isDns1123Subdomain, isIP } from '../validation/names';
import { defaultPodSpec, validatePodSpec } from './pod-spec';

export const podInfo = resourceInfo({
  group: '',
  resource: 'pods',
  singularName: 'pod',
  kind: 'Pod',
  namespaced: true,
  shortNames: ['po'],
  categories: ['all'],
});

const POD_FIELDS = [
  'metadata.name',
  'metadata.namespace',
  'spec.nodeName',
  'spec.restartPolicy',
  'spec.schedulerName',
  'spec.serviceAccountName',
  'spec.hostNetwork',
  'status.phase',
  'status.podIP',
  'status.podIPs',
  'status.nominatedNodeName',
] as const;

const PHASES = ['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'];

function qosClass(spec: Record<string, unknown> | undefined): string {
  const containers = [...getArr(spec, 'containers'), ...getArr(spec, 'initContainers')];
  let any = false;
  let guaranteed = containers.length > 0;
  for (const c of containers) {
    const res = getRec(c, 'resources');
    const req = getRec(res, 'requests') ?? {};
    const lim = getRec(res, 'limits') ?? {};
    if (Object.keys(req).length > 0 || Object.keys(lim).length > 0) any = true;
    for (const r of ['cpu', 'memory']) {
      if (lim[r] === undefined) guaranteed = false;
      else if (req[r] !== undefined && String(req[r]) !== String(lim[r])) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

function podFields(obj: KubeObject): Record<string, string> {
  const spec = getRec(obj, 'spec');
  const status = getRec(obj, 'status');
  const ips = getArr(status, 'podIPs')
    .map((p) => getStr(p, 'ip'))
    .filter((s): s is string => s !== undefined);
  return {
    ...metaFields(obj, true),
    'spec.nodeName': getStr(spec, 'nodeName') ?? '',
    'spec.restartPolicy': getStr(spec, 'restartPolicy') ?? '',
    'spec.schedulerName': getStr(spec, 'schedulerName') ?? '',
    'spec.serviceAccountName': getStr(spec, 'serviceAccountName') ?? '',
    'spec.hostNetwork': spec?.['hostNetwork'] === true ? 'true' : 'false',
    'status.phase': getStr(status, 'phase') ?? '',
    'status.podIP': getStr(status, 'podIP') ?? '',
    'status.podIPs': ips.join(','),
    'status.nominatedNodeName': getStr(status, 'nominatedNodeName') ?? '',
  };
}

const IMMUTABLE_MSG =
  'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

/** kube's ValidatePodUpdate: the spec is fixed except images, a shorter deadline and added tolerations. */
function validatePodSpecUpdate(spec: unknown, oldSpec: unknown): FieldError[] {
  const errs: FieldError[] = [];
  if (!isRecord(spec) || !isRecord(oldSpec)) return errs;
  const ad = spec['activeDeadlineSeconds'];
  const oldAd = oldSpec['activeDeadlineSeconds'];
  if (typeof oldAd === 'number') {
    if (ad === undefined || ad === null) errs.push(invalid('spec.activeDeadlineSeconds', null, 'must not update from a positive integer to nil value'));
    else if (typeof ad === 'number' && ad > oldAd) errs.push(invalid('spec.activeDeadlineSeconds', ad, 'must be less than or equal to previous value'));
  }
  const oldTol = getArr(oldSpec, 'tolerations');
  const newTol = getArr(spec, 'tolerations');
  if (!oldTol.every((t) => newTol.some((n) => deepEqual(t, n))))
    errs.push(forbidden('spec.tolerations', 'existing toleration can not be modified except its tolerationSeconds'));
  // Compare everything else with the mutable parts copied over from the new spec.
  const mutated = clone(oldSpec);
  for (const list of ['containers', 'initContainers']) {
    const oc = mutated[list];
    const nc = spec[list];
    if (Array.isArray(oc) && Array.isArray(nc) && oc.length === nc.length) {
      oc.forEach((c, i) => {
        if (isRecord(c) && isRecord(nc[i])) c['image'] = (nc[i] as Record<string, unknown>)['image'];
      });
    }
  }
  mutated['activeDeadlineSeconds'] = spec['activeDeadlineSeconds'];
  mutated['tolerations'] = spec['tolerations'];
  if (oldSpec['terminationGracePeriodSeconds'] !== undefined && Number(oldSpec['terminationGracePeriodSeconds']) < 0 && spec['terminationGracePeriodSeconds'] === 1)
    mutated['terminationGracePeriodSeconds'] = 1;
  if (!deepEqual(mutated, spec)) errs.push(forbidden('spec', IMMUTABLE_MSG));
  return errs;
}

function validatePodStatus(status: unknown): FieldError[] {
  const errs: FieldError[] = [];
  if (!isRecord(status)) return errs;
  const phase = status['phase'];
  if (phase !== undefined && phase !== '' && !PHASES.includes(String(phase))) errs.push(notSupported('status.phase', phase, PHASES));
  const ip = status['podIP'];
  if (typeof ip === 'string' && ip !== '' && !isIP(ip)) errs.push(invalid('status.podIP', ip, 'must be a valid IP address'));
  const hostIP = status['hostIP'];
  if (typeof hostIP === 'string' && hostIP !== '' && !isIP(hostIP)) errs.push(invalid('status.hostIP', hostIP, 'must be a valid IP address'));
  return errs;
}

export const podStrategy: Strategy = {
  ...baseStrategy,
  info: podInfo,
  validateName: isDns1123Subdomain,
  selectableFields: POD_FIELDS,
  fieldsOf: podFields,
  defaults(obj) {
    if (isRecord(obj['spec'])) defaultPodSpec(obj['spec']);
  },
  prepareForCreate(obj) {
    const spec = isRecord(obj['spec']) ? obj['spec'] : undefined;
    obj['status'] = { phase: 'Pending', qosClass: qosClass(spec) };
  },
  prepareForUpdate(obj, old) {
    if (old['status'] === undefined) delete obj['status'];
    else obj['status'] = clone(old['status']);
  },
  validate(obj) {
    const errs = validatePodSpec(obj['spec'], 'spec');
    const spec = getRec(obj, 'spec');
    const sa = getStr(spec, 'serviceAccountName');
    if (sa) for (const m of isDns1123Subdomain(sa)) errs.push(invalid('spec.serviceAccountName', sa, m));
    return errs;
  },
  validateUpdate(obj, old) {
    return validatePodSpecUpdate(obj['spec'], old['spec']);
  },
  gracePeriod(obj, requested) {
    const spec = getRec(obj, 'spec');
    let period = requested ?? (typeof spec?.['terminationGracePeriodSeconds'] === 'number' ? spec['terminationGracePeriodSeconds'] : 30);
    if (period < 0) period = 1;
    // An unscheduled pod has no kubelet to wait for, and a finished one has nothing left to stop.
    if (!getStr(spec, 'nodeName')) period = 0;
    const phase = getStr(getRec(obj, 'status'), 'phase');
    if (phase === 'Failed' || phase === 'Succeeded') period = 0;
    return period;
  },
};

/** pods/status: only status (and metadata) may change; the spec is kept from the stored pod. */
export const podStatusStrategy: Strategy = {
  ...podStrategy,
  info: { ...podInfo, resource: 'pods/status', verbs: ['get', 'patch', 'update'] },
  prepareForCreate() {},
  prepareForUpdate(obj, old) {
    obj['spec'] = clone(old['spec']);
    const meta = obj.metadata ?? (obj.metadata = {});
    if (old.metadata?.ownerReferences) meta.ownerReferences = clone(old.metadata.ownerReferences);
    else delete meta.ownerReferences;
  },
  validate(obj) {
    return validatePodStatus(obj['status']);
  },
  validateUpdate(obj, old) {
    const errs = validatePodStatus(obj['status']);
    const oldNode = getStr(getRec(old, 'spec'), 'nodeName');
    if (!oldNode && getStr(getRec(obj, 'status'), 'phase') === 'Running') {
      // kube allows it (kubelet only reports for bound pods); nothing to add.
    }
    return errs;
  },
};

/** Apply a binding (pods/binding or POST bindings): set nodeName on an unassigned pod, add PodScheduled. */
export function applyBinding(pod: KubeObject, nodeName: string): FieldError[] | 'already-assigned' | undefined {
  const spec = getRec(pod, 'spec');
  if (!spec) return [required('spec')];
  if (pod.metadata?.deletionTimestamp) return undefined;
  const existing = getStr(spec, 'nodeName');
  if (existing) return 'already-assigned';
  spec['nodeName'] = nodeName;
  const status = isRecord(pod['status']) ? pod['status'] : (pod['status'] = {});
  const conds = Array.isArray(status['conditions']) ? (status['conditions'] as unknown[]) : [];
  const now = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
  const scheduled = { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: now };
  const idx = conds.findIndex((c) => getStr(c, 'type') === 'PodScheduled');
  if (idx >= 0) conds[idx] = scheduled;
  else conds.push(scheduled);
  status['conditions'] = conds;
  return undefined;
}

/** pods/binding: the binding itself was checked by BindingREST; only nodeName and conditions change. */
export const podBindingStrategy: Strategy = {
  ...podStrategy,
  info: { ...podInfo, resource: 'pods/binding', kind: 'Binding', verbs: ['create'] },
  prepareForUpdate() {},
  validate: () => [],
  validateUpdate: () => [],
};
