/** coordination.k8s.io/v1 Leases (leader election for controllers and the scheduler). */
import type { FieldError } from '../../api/errors';
import { baseStrategy, metaFields, resourceInfo } from '../strategy';
import type { Strategy } from '../strategy';
import { getRec } from '../object-util';
import { invalid } from '../validation/field';
import { isDns1123Subdomain } from '../validation/names';

export const leaseInfo = resourceInfo({ group: 'coordination.k8s.io', resource: 'leases', singularName: 'lease', kind: 'Lease', namespaced: true });

export const leaseStrategy: Strategy = {
  ...baseStrategy,
  info: leaseInfo,
  // kube's strategy for this kind allows PUT to create (AllowCreateOnUpdate).
  allowCreateOnUpdate: true,
  validateName: isDns1123Subdomain,
  selectableFields: ['metadata.name', 'metadata.namespace'],
  fieldsOf: (obj) => metaFields(obj, true),
  validate(obj) {
    const errs: FieldError[] = [];
    const spec = getRec(obj, 'spec');
    const d = spec?.['leaseDurationSeconds'];
    if (d !== undefined && d !== null && (typeof d !== 'number' || d <= 0)) errs.push(invalid('spec.leaseDurationSeconds', d, 'must be greater than 0'));
    const t = spec?.['leaseTransitions'];
    if (t !== undefined && t !== null && (typeof t !== 'number' || t < 0)) errs.push(invalid('spec.leaseTransitions', t, 'must be greater than or equal to 0'));
    return errs;
  },
  validateUpdate: () => [],
};
