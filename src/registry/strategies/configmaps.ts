/** ConfigMaps: key syntax, 1 MiB total, `immutable`. */
import type { FieldError } from '../../api/errors';
import type { KubeObject } from '../../api/types';
import { isRecord } from '../../api/types';
import { baseStrategy, metaFields, resourceInfo } from '../strategy';
import type { Strategy } from '../strategy';
import { deepEqual } from '../object-util';
import { duplicate, forbidden, invalid, tooLong } from '../validation/field';
import { isConfigMapKey, isDns1123Subdomain } from '../validation/names';

export const configMapInfo = resourceInfo({ group: '', resource: 'configmaps', singularName: 'configmap', kind: 'ConfigMap', namespaced: true, shortNames: ['cm'] });

const MAX_SIZE = 1024 * 1024;

export function validateDataMaps(obj: KubeObject, fields: string[], maxSize: number): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  let size = 0;
  for (const f of fields) {
    const m = obj[f];
    if (m === undefined || m === null) continue;
    if (!isRecord(m)) {
      errs.push(invalid(f, m, 'must be a map of string keys to string values'));
      continue;
    }
    for (const [k, v] of Object.entries(m)) {
      for (const msg of isConfigMapKey(k)) errs.push(invalid(`${f}[${k}]`, k, msg));
      if (seen.has(k)) errs.push(duplicate(`${f}[${k}]`, k));
      seen.add(k);
      size += typeof v === 'string' ? Buffer.byteLength(v) : 0;
    }
  }
  if (size > maxSize) errs.push(tooLong(fields[0]!, maxSize));
  return errs;
}

export function validateImmutableData(obj: KubeObject, old: KubeObject, fields: string[]): FieldError[] {
  if (old['immutable'] !== true) return [];
  const errs: FieldError[] = [];
  if (obj['immutable'] !== true) errs.push(forbidden('immutable', 'field is immutable when `immutable` is set'));
  for (const f of fields) if (!deepEqual(obj[f] ?? {}, old[f] ?? {})) errs.push(forbidden(f, 'field is immutable when `immutable` is set'));
  return errs;
}

export const configMapStrategy: Strategy = {
  ...baseStrategy,
  info: configMapInfo,
  validateName: isDns1123Subdomain,
  selectableFields: ['metadata.name', 'metadata.namespace'],
  fieldsOf: (obj) => metaFields(obj, true),
  validate: (obj) => validateDataMaps(obj, ['data', 'binaryData'], MAX_SIZE),
  validateUpdate: (obj, old) => validateImmutableData(obj, old, ['data', 'binaryData']),
};
