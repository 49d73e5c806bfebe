/**
 * v1beta1 list/watch selectors → v1. `labels=` has the same syntax as v1's labelSelector. `fields=`
 * uses v1beta1 field names (`name`, the scheduler's `DesiredState.Host=`, `DesiredState.Status=` with
 * a v1beta1 status word, …) which map to v1 field labels; anything else is a 400 as in 0.14.
 */
import { errors } from '../errors';
import { PHASE_TO_V1 } from './pod';

type FieldMap = Record<string, { v1: string; value?: (v: string) => string }>;

const NAME: FieldMap = { name: { v1: 'metadata.name' }, id: { v1: 'metadata.name' } };

const FIELDS: Record<string, FieldMap> = {
  Pod: {
    ...NAME,
    'DesiredState.Host': { v1: 'spec.nodeName' },
    'DesiredState.Status': { v1: 'status.phase', value: (v) => PHASE_TO_V1[v] ?? v },
  },
  ReplicationController: { ...NAME, 'currentState.replicas': { v1: 'status.replicas' } },
  Event: {
    'involvedObject.kind': { v1: 'involvedObject.kind' },
    'involvedObject.namespace': { v1: 'involvedObject.namespace' },
    'involvedObject.uid': { v1: 'involvedObject.uid' },
    'involvedObject.apiVersion': { v1: 'involvedObject.apiVersion' },
    'involvedObject.resourceVersion': { v1: 'involvedObject.resourceVersion' },
    'involvedObject.fieldPath': { v1: 'involvedObject.fieldPath' },
    'involvedObject.id': { v1: 'involvedObject.name' },
    'involvedObject.name': { v1: 'involvedObject.name' },
    reason: { v1: 'reason' },
    source: { v1: 'source' },
  },
  Service: NAME,
  Endpoints: NAME,
  Node: NAME,
};

/** `kind` is the v1 kind. Returns the v1 fieldSelector, or undefined for an empty one. */
export function fieldSelectorToV1(kind: string, fields: string | undefined): string | undefined {
  if (!fields) return undefined;
  const map = FIELDS[kind] ?? NAME;
  const terms = fields.split(',').filter((t) => t.trim() !== '');
  const out = terms.map((term) => {
    const m = /^\s*([^!=\s]+)\s*(!=|==|=)(.*)$/.exec(term);
    if (!m) throw errors.badRequest(`invalid selector: '${fields}'; can't understand '${term}'`);
    const [, field, op, value] = m as unknown as [string, string, string, string];
    const target = map[field];
    if (!target) throw errors.badRequest(`field label not supported: ${field}`);
    return `${target.v1}${op}${target.value ? target.value(value.trim()) : value.trim()}`;
  });
  return out.length ? out.join(',') : undefined;
}

/** `labels=` is passed through; an empty value selects everything. */
export function labelSelectorToV1(labels: string | undefined): string | undefined {
  return labels ? labels : undefined;
}
