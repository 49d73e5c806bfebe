/**
 * Pure patch functions for the API server's PATCH verb and for managedFields bookkeeping.
 * The generic store calls them between its get and its compare-and-swap update; none does I/O
 * and none mutates its inputs. Failures are ApiErrors worded and coded like kube-apiserver's.
 */
export { applyJsonPatch, MAX_JSON_PATCH_OPERATIONS } from './json-patch';
export { applyMergePatch, createMergePatch } from './merge-patch';
export { applyStrategicMergePatch } from './strategic-merge';
export type { PatchMeta, FieldPatchInfo } from './patch-meta';
export { emptyPatchMeta, chainPatchMeta, memoizePatchMeta, parseStrategy } from './patch-meta';
export { patchMetaFromSchemas } from './schema-patch-meta';
export { corePatchMeta, corePatchMetaKinds } from './core-patch-meta';
export {
  serverSideApply,
  updateManagedFields,
  applyConflictError,
  BEFORE_FIRST_APPLY_MANAGER,
  LAST_APPLIED_ANNOTATION,
  type ApplyOptions,
  type ManagedFieldsOptions,
} from './server-side-apply';
export { FieldSet } from './managed-fields/field-set';
export { displayPath, type FieldPath, type PathElement } from './managed-fields/field-path';
export { toFieldSet, compareObjects, mergeApplied, listKind, type ListKind, type Comparison } from './managed-fields/typed-walk';
export { decodeManagedFields, encodeManagedFields, MAX_UPDATE_MANAGERS, type ManagerEntry } from './managed-fields/managers';
