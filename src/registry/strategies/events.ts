/** core/v1 Events: clients (kubelets, controllers) create them; listable by involvedObject fields. */
import type { FieldError } from '../../api/errors';
import { baseStrategy, metaFields, resourceInfo } from '../strategy';
import type { Strategy } from '../strategy';
import { getRec, getStr } from '../object-util';
import { invalid, required } from '../validation/field';
import { isDns1123Subdomain } from '../validation/names';

export const eventInfo = resourceInfo({ group: '', resource: 'events', singularName: 'event', kind: 'Event', namespaced: true, shortNames: ['ev'] });

const EVENT_FIELDS = [
  'metadata.name',
  'metadata.namespace',
  'involvedObject.kind',
  'involvedObject.namespace',
  'involvedObject.name',
  'involvedObject.uid',
  'involvedObject.apiVersion',
  'involvedObject.resourceVersion',
  'involvedObject.fieldPath',
  'reason',
  'reportingComponent',
  'source',
  'type',
] as const;

const CLUSTER_SCOPED_KINDS = ['Node', 'Namespace', 'PersistentVolume', 'ClusterRole', 'ClusterRoleBinding', 'StorageClass'];

export const eventStrategy: Strategy = {
  ...baseStrategy,
  info: eventInfo,
  // kube's strategy for this kind allows PUT to create (AllowCreateOnUpdate).
  allowCreateOnUpdate: true,
  validateName: isDns1123Subdomain,
  selectableFields: EVENT_FIELDS,
  fieldsOf(obj) {
    const io = getRec(obj, 'involvedObject');
    const f: Record<string, string> = { ...metaFields(obj, true) };
    for (const k of ['kind', 'namespace', 'name', 'uid', 'apiVersion', 'resourceVersion', 'fieldPath']) f[`involvedObject.${k}`] = getStr(io, k) ?? '';
    f['reason'] = getStr(obj, 'reason') ?? '';
    f['reportingComponent'] = getStr(obj, 'reportingComponent') ?? '';
    f['source'] = getStr(getRec(obj, 'source'), 'component') ?? '';
    f['type'] = getStr(obj, 'type') ?? '';
    return f;
  },
  validate(obj) {
    const errs: FieldError[] = [];
    const io = getRec(obj, 'involvedObject');
    const ns = obj.metadata?.namespace ?? '';
    const ioNs = getStr(io, 'namespace') ?? '';
    const kind = getStr(io, 'kind') ?? '';
    if (!io) errs.push(required('involvedObject'));
    else if (!CLUSTER_SCOPED_KINDS.includes(kind) && ioNs !== '' && ioNs !== ns)
      errs.push(invalid('involvedObject.namespace', ioNs, 'does not match event.namespace'));
    const type = getStr(obj, 'type');
    if (type !== undefined && type !== '' && type !== 'Normal' && type !== 'Warning') errs.push({ type: 'FieldValueNotSupported', field: 'type', value: type, detail: 'supported values: "Normal", "Warning"' });
    return errs;
  },
  validateUpdate: () => [],
};
