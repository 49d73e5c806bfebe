/**
 * ObjectMeta validation shared by every kind (kube's ValidateObjectMeta / ValidateObjectMetaUpdate).
 */
import type { FieldError } from '../../api/errors';
import type { KubeObject } from '../../api/types';
import { isRecord } from '../../api/types';
import { invalid, required, tooLong, immutable } from './field';
import type { NameValidator } from './names';
import { isDns1123Label, isQualifiedName, isValidLabelValue } from './names';

const TOTAL_ANNOTATION_SIZE = 256 * 1024;

export function validateLabels(labels: unknown, path: string): FieldError[] {
  if (labels === undefined || labels === null) return [];
  if (!isRecord(labels)) return [invalid(path, labels, 'must be a map of string keys to string values')];
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(labels)) {
    for (const msg of isQualifiedName(k)) errs.push(invalid(path, k, msg));
    if (typeof v !== 'string') errs.push(invalid(path, v, 'label values must be strings'));
    else for (const msg of isValidLabelValue(v)) errs.push(invalid(path, v, msg));
  }
  return errs;
}

export function validateAnnotations(annotations: unknown, path: string): FieldError[] {
  if (annotations === undefined || annotations === null) return [];
  if (!isRecord(annotations)) return [invalid(path, annotations, 'must be a map of string keys to string values')];
  const errs: FieldError[] = [];
  let size = 0;
  for (const [k, v] of Object.entries(annotations)) {
    for (const msg of isQualifiedName(k.toLowerCase())) errs.push(invalid(path, k, msg));
    if (typeof v !== 'string') errs.push(invalid(path, v, 'annotation values must be strings'));
    size += Buffer.byteLength(k) + (typeof v === 'string' ? Buffer.byteLength(v) : 0);
  }
  if (size > TOTAL_ANNOTATION_SIZE) errs.push(tooLong(path, TOTAL_ANNOTATION_SIZE));
  return errs;
}

function validateFinalizers(finalizers: unknown): FieldError[] {
  if (finalizers === undefined || finalizers === null) return [];
  if (!Array.isArray(finalizers)) return [invalid('metadata.finalizers', finalizers, 'must be a list of strings')];
  const errs: FieldError[] = [];
  finalizers.forEach((f, i) => {
    if (typeof f !== 'string') errs.push(invalid(`metadata.finalizers[${i}]`, f, 'must be a string'));
    else if (!f.includes('/') && f !== 'kubernetes' && f !== 'orphan' && f !== 'foregroundDeletion')
      errs.push(invalid(`metadata.finalizers[${i}]`, f, "name is neither a standard finalizer name nor is it fully qualified"));
    else for (const msg of isQualifiedName(f)) errs.push(invalid(`metadata.finalizers[${i}]`, f, msg));
  });
  return errs;
}

function validateOwnerReferences(refs: unknown): FieldError[] {
  if (refs === undefined || refs === null) return [];
  if (!Array.isArray(refs)) return [invalid('metadata.ownerReferences', refs, 'must be a list')];
  const errs: FieldError[] = [];
  let controllers = 0;
  refs.forEach((r, i) => {
    const p = `metadata.ownerReferences[${i}]`;
    if (!isRecord(r)) {
      errs.push(invalid(p, r, 'must be an object'));
      return;
    }
    if (!r['apiVersion']) errs.push(invalid(`${p}.apiVersion`, r['apiVersion'] ?? '', 'version must not be empty'));
    if (!r['kind']) errs.push(invalid(`${p}.kind`, r['kind'] ?? '', 'kind must not be empty'));
    if (!r['name']) errs.push(invalid(`${p}.name`, r['name'] ?? '', 'name must not be empty'));
    if (!r['uid']) errs.push(invalid(`${p}.uid`, r['uid'] ?? '', 'uid must not be empty'));
    if (r['controller'] === true) controllers++;
  });
  if (controllers > 1) errs.push(invalid('metadata.ownerReferences', refs, 'Only one reference can have Controller set to true'));
  return errs;
}

/** Validate metadata of a new (or updated) object. `namespaced` decides whether metadata.namespace is required. */
export function validateObjectMeta(obj: KubeObject, namespaced: boolean, validateName: NameValidator): FieldError[] {
  const meta = obj.metadata ?? {};
  const errs: FieldError[] = [];
  const name = meta.name ?? '';
  if (!name) {
    if (meta.generateName) errs.push(required('metadata.name', 'name or generateName is required'));
    else errs.push(required('metadata.name', 'name or generateName is required'));
  } else {
    for (const msg of validateName(name)) errs.push(invalid('metadata.name', name, msg));
  }
  if (namespaced) {
    if (!meta.namespace) errs.push(required('metadata.namespace', ''));
    else for (const msg of isDns1123Label(meta.namespace)) errs.push(invalid('metadata.namespace', meta.namespace, msg));
  } else if (meta.namespace) {
    errs.push({ type: 'FieldValueForbidden', field: 'metadata.namespace', detail: 'not allowed on this type' });
  }
  if (meta.generation !== undefined && meta.generation < 0) errs.push(invalid('metadata.generation', meta.generation, 'must be greater than or equal to 0'));
  errs.push(...validateLabels(meta.labels, 'metadata.labels'));
  errs.push(...validateAnnotations(meta.annotations, 'metadata.annotations'));
  errs.push(...validateFinalizers(meta.finalizers));
  errs.push(...validateOwnerReferences(meta.ownerReferences));
  return errs;
}

/** Fields that may never change once set (after the store has copied server-owned ones from the old object). */
export function validateObjectMetaUpdate(obj: KubeObject, old: KubeObject): FieldError[] {
  const n = obj.metadata ?? {};
  const o = old.metadata ?? {};
  const errs: FieldError[] = [];
  if (n.name !== o.name) errs.push(immutable('metadata.name', n.name));
  if ((n.namespace ?? '') !== (o.namespace ?? '')) errs.push(immutable('metadata.namespace', n.namespace));
  if (n.uid !== o.uid) errs.push(immutable('metadata.uid', n.uid));
  return errs;
}
