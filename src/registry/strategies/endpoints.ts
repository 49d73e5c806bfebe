/** Endpoints: addresses must be IPs, ports valid (kube's ValidateEndpoints, the common part). */
import type { FieldError } from '../../api/errors';
import { isRecord } from '../../api/types';
import { baseStrategy, metaFields, resourceInfo } from '../strategy';
import type { Strategy } from '../strategy';
import { getArr } from '../object-util';
import { invalid, notSupported, required } from '../validation/field';
import { isDns1123Subdomain, isIP, isValidPortNum } from '../validation/names';

export const endpointsInfo = resourceInfo({ group: '', resource: 'endpoints', singularName: 'endpoints', kind: 'Endpoints', namespaced: true, shortNames: ['ep'] });

function validateSubsets(subsets: unknown[]): FieldError[] {
  const errs: FieldError[] = [];
  subsets.forEach((s, i) => {
    if (!isRecord(s)) return;
    const sp = `subsets[${i}]`;
    for (const list of ['addresses', 'notReadyAddresses']) {
      getArr(s, list).forEach((a, j) => {
        const ip = isRecord(a) ? a['ip'] : undefined;
        if (typeof ip !== 'string' || ip === '') errs.push(required(`${sp}.${list}[${j}].ip`));
        else if (!isIP(ip)) errs.push(invalid(`${sp}.${list}[${j}].ip`, ip, 'must be a valid IP address'));
      });
    }
    getArr(s, 'ports').forEach((p, j) => {
      if (!isRecord(p)) return;
      if (!isValidPortNum(p['port'])) errs.push(invalid(`${sp}.ports[${j}].port`, p['port'] ?? 0, 'must be between 1 and 65535, inclusive'));
      const proto = p['protocol'];
      if (proto !== undefined && !['SCTP', 'TCP', 'UDP'].includes(String(proto))) errs.push(notSupported(`${sp}.ports[${j}].protocol`, proto, ['SCTP', 'TCP', 'UDP']));
    });
  });
  return errs;
}

export const endpointsStrategy: Strategy = {
  ...baseStrategy,
  info: endpointsInfo,
  // kube's strategy for this kind allows PUT to create (AllowCreateOnUpdate).
  allowCreateOnUpdate: true,
  validateName: isDns1123Subdomain,
  selectableFields: ['metadata.name', 'metadata.namespace'],
  fieldsOf: (obj) => metaFields(obj, true),
  defaults(obj) {
    for (const s of getArr(obj, 'subsets')) for (const p of getArr(s, 'ports')) if (isRecord(p) && !p['protocol']) p['protocol'] = 'TCP';
  },
  validate: (obj) => validateSubsets(getArr(obj, 'subsets')),
  validateUpdate: () => [],
};
