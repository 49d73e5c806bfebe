/**
 * RFC 7386 JSON Merge Patch (`application/merge-patch+json`: label, annotate, scale, `--type merge`).
 * Objects merge recursively, `null` deletes, anything else (arrays included) replaces.
 * A top-level `null` or scalar patch is kube's 400 "Invalid JSON Patch"; a top-level array would
 * replace the whole object, which kube then fails to decode (422 on field `patch`).
 */
import { errors } from '../../api/errors';
import { deepClone, deepEqual, isRecord, type JsonRecord } from './json-value';

export function applyMergePatch(original: unknown, patch: unknown): unknown {
  if (Array.isArray(patch)) {
    throw errors.invalid('', '', '', [
      { type: 'FieldValueInvalid', field: 'patch', value: JSON.stringify(patch), detail: 'cannot unmarshal array into an object' },
    ]);
  }
  if (!isRecord(patch)) throw errors.badRequest('Invalid JSON Patch');
  return mergeValue(original, patch);
}

/** RFC 7386 MergePatch(target, patch) without touching either input. */
export function mergeValue(target: unknown, patch: unknown): unknown {
  if (!isRecord(patch)) return deepClone(patch);
  const out: JsonRecord = isRecord(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergeValue(out[k], v);
  }
  // Untouched members were shallow-copied; clone them so callers never share structure with the input.
  for (const k of Object.keys(out)) if (!(k in patch)) out[k] = deepClone(out[k]);
  return out;
}

/**
 * The merge patch that turns `from` into `to` (objects diffed recursively, removals as null).
 * Used by tests and by callers that want to express an update as a patch.
 */
export function createMergePatch(from: unknown, to: unknown): unknown {
  if (!isRecord(from) || !isRecord(to)) return deepClone(to);
  const patch: JsonRecord = {};
  for (const k of Object.keys(from)) if (!(k in to)) patch[k] = null;
  for (const [k, v] of Object.entries(to)) {
    if (!(k in from)) patch[k] = deepClone(v);
    else if (isRecord(v) && isRecord(from[k])) {
      const sub = createMergePatch(from[k], v);
      if (isRecord(sub) && Object.keys(sub).length > 0) patch[k] = sub;
    } else if (!deepEqual(v, from[k])) patch[k] = deepClone(v);
  }
  return patch;
}
