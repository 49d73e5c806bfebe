/**
 * RFC 6902 JSON Patch (`application/json-patch+json`, `kubectl patch --type json`).
 * Status codes follow kube's jsonPatcher: a body that is not a list of operations is 400, more
 * than 10000 operations is 413, and any operation that cannot be applied (failed `test`, missing
 * path, unknown op) is the generic 422 "the server rejected our request due to an error in our request".
 */
import { applyPatch, type Operation } from 'fast-json-patch';
import { errors } from '../../api/errors';
import { deepClone, jsonKind, isRecord } from './json-value';
import { genericUnprocessable } from './patch-errors';

/** kube's maxJSONPatchOperations. */
export const MAX_JSON_PATCH_OPERATIONS = 10000;

const goKindWord: Record<string, string> = { object: 'object', array: 'array', string: 'string', number: 'number', boolean: 'bool' };

export function applyJsonPatch(original: unknown, patch: unknown): unknown {
  // A JSON `null` decodes to an empty patch in Go: nothing to do.
  if (patch === null || patch === undefined) return deepClone(original);
  if (!Array.isArray(patch)) {
    throw errors.badRequest(`json: cannot unmarshal ${goKindWord[jsonKind(patch)]} into Go value of type jsonpatch.Patch`);
  }
  for (const op of patch) {
    if (!isRecord(op)) {
      throw errors.badRequest(`json: cannot unmarshal ${goKindWord[jsonKind(op)] ?? 'null'} into Go value of type jsonpatch.Operation`);
    }
  }
  if (patch.length > MAX_JSON_PATCH_OPERATIONS) {
    throw errors.requestEntityTooLarge(
      `Request entity too large: The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${patch.length}`,
    );
  }
  try {
    // Clone both: fast-json-patch applies by reference and may alias values from the patch.
    const result = applyPatch(deepClone(original), deepClone(patch) as Operation[], true, true, true);
    return result.newDocument;
  } catch {
    throw genericUnprocessable();
  }
}
