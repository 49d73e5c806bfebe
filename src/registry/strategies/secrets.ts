/** Secrets: base64 data, stringData folded into data, `type` immutable. */
import type { FieldError } from '../../api/errors';
import { isRecord } from '../../api/types';
import { baseStrategy, metaFields, resourceInfo } from '../strategy';
import type { Strategy } from '../strategy';
import { getStr } from '../object-util';
import { immutable, invalid, required } from '../validation/field';
import { isDns1123Subdomain } from '../validation/names';
import { validateDataMaps, validateImmutableData } from './configmaps';

export const secretInfo = resourceInfo({ group: '', resource: 'secrets', singularName: 'secret', kind: 'Secret', namespaced: true });

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export const secretStrategy: Strategy = {
  ...baseStrategy,
  info: secretInfo,
  validateName: isDns1123Subdomain,
  selectableFields: ['metadata.name', 'metadata.namespace', 'type'],
  fieldsOf: (obj) => ({ ...metaFields(obj, true), type: getStr(obj, 'type') ?? '' }),
  defaults(obj) {
    if (!obj['type']) obj['type'] = 'Opaque';
    // kube converts write-only stringData into data at decode time; it is never stored.
    const sd = obj['stringData'];
    if (isRecord(sd)) {
      const data = isRecord(obj['data']) ? obj['data'] : (obj['data'] = {});
      for (const [k, v] of Object.entries(sd)) if (typeof v === 'string') data[k] = Buffer.from(v).toString('base64');
      delete obj['stringData'];
    }
  },
  validate(obj) {
    const errs = validateDataMaps(obj, ['data'], 1024 * 1024);
    const data = obj['data'];
    if (isRecord(data)) {
      for (const [k, v] of Object.entries(data)) if (typeof v !== 'string' || !BASE64.test(v)) errs.push(invalid(`data[${k}]`, '<secret contents redacted>', 'must be base64-encoded'));
    }
    const type = getStr(obj, 'type');
    const keys = isRecord(data) ? Object.keys(data) : [];
    const need = (key: string): void => {
      if (!keys.includes(key)) errs.push(required(`data[${key}]`));
    };
    if (type === 'kubernetes.io/dockerconfigjson') need('.dockerconfigjson');
    if (type === 'kubernetes.io/dockercfg') need('.dockercfg');
    if (type === 'kubernetes.io/tls') {
      need('tls.crt');
      need('tls.key');
    }
    return errs;
  },
  validateUpdate(obj, old) {
    const errs: FieldError[] = validateImmutableData(obj, old, ['data']);
    if ((obj['type'] ?? 'Opaque') !== (old['type'] ?? 'Opaque')) errs.push(immutable('type', obj['type']));
    return errs;
  },
};
