/**
 * Server-side apply (`application/apply-patch+yaml`) and managedFields bookkeeping for every
 * other write, after kube's FieldManager / structured-merge-diff Updater:
 *
 * - Apply merges the configuration into the live object, then prunes what this manager applied
 *   last time but no longer does (unless another manager owns it), then checks conflicts: a field
 *   another manager owns whose value the apply changes is a 409 unless `force`, which moves the
 *   field to the applier. Setting a field to the value it already has shares ownership.
 * - Update (create, PUT, non-apply PATCH) gives the writer every field it added or changed, takes
 *   those fields from other managers, and drops removed fields from every manager.
 *
 * Fields no manager can own (apiVersion, kind, metadata.name/namespace/uid/resourceVersion/...)
 * are stripped from every set, as kube's stripMeta does.
 */
import type { ManagedFieldsEntry } from 'kubernetes-types/meta/v1';
import { ApiError, errors, type StatusCause } from '../../api/errors';
import type { KubeObject } from '../../api/types';
import { deepClone, deepEqual, isRecord, type JsonRecord } from './json-value';
import type { PatchMeta } from './patch-meta';
import { displayPath, fieldElement, pathKey, type FieldPath } from './managed-fields/field-path';
import { FieldSet } from './managed-fields/field-set';
import {
  capUpdateManagers,
  decodeManagedFields,
  describeManager,
  encodeManagedFields,
  isResetManagedFields,
  managerIdentity,
  type ManagerEntry,
} from './managed-fields/managers';
import { compareObjects, mergeApplied, removePaths, toFieldSet } from './managed-fields/typed-walk';
import { newObjectFieldsV1 } from './managed-fields/new-object-fields';

export interface ManagedFieldsOptions {
  /** fieldManager (kubectl: "kubectl", "kubectl-create", "kubectl-client-side-apply", ...). */
  manager: string;
  /** RFC 3339 time of the write; recorded (to the second) on entries that changed. */
  now: string;
  meta: PatchMeta;
  /** The request's group/version, e.g. "v1" or "apps/v1". */
  apiVersion: string;
  /** Set for writes through a subresource (e.g. "status"). */
  subresource?: string;
  /**
   * Property paths whose subtrees nobody owns through this endpoint, like kube's reset fields
   * (e.g. [['status']] for a main resource whose strategy resets status).
   */
  ignoredFields?: ReadonlyArray<readonly string[]>;
}

export interface ApplyOptions extends ManagedFieldsOptions {
  force: boolean;
}

/** The manager kube assigns a live object's fields to when it is first applied without managedFields. */
export const BEFORE_FIRST_APPLY_MANAGER = 'before-first-apply';

const STRIPPED: FieldPath[] = [
  ['f:apiVersion'],
  ['f:kind'],
  ['f:metadata'],
  ...['name', 'namespace', 'creationTimestamp', 'selfLink', 'uid', 'clusterName', 'generation', 'managedFields', 'resourceVersion'].map(
    (f) => ['f:metadata', fieldElement(f)],
  ),
];

function ownable(set: FieldSet, opts: ManagedFieldsOptions): FieldSet {
  const ignored = (opts.ignoredFields ?? []).map((p) => p.map(fieldElement));
  return set.difference(FieldSet.of(STRIPPED)).withoutSubtrees(ignored);
}

/**
 * `obj` without metadata.managedFields, sharing everything but the top level and metadata: for
 * Update bookkeeping, which only reads these and then sets managedFields on the new metadata.
 */
function shallowWithoutManagedFields(obj: KubeObject | undefined): JsonRecord {
  const copy: JsonRecord = { ...(obj ?? {}) };
  if (isRecord(copy.metadata)) {
    const metadata: JsonRecord = { ...copy.metadata };
    delete metadata.managedFields;
    copy.metadata = metadata;
  }
  return copy;
}

function withoutManagedFields(obj: KubeObject | undefined): JsonRecord {
  const copy = deepClone(obj ?? {}) as JsonRecord;
  if (isRecord(copy.metadata)) delete copy.metadata.managedFields;
  return copy;
}

/** RFC 3339 with whole seconds, the precision metav1.Time serializes. */
function rfc3339(now: string): string {
  const ms = Date.parse(now);
  return Number.isNaN(ms) ? now : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function setManagedFields(obj: JsonRecord, managers: Map<string, ManagerEntry>): KubeObject {
  const encoded: ManagedFieldsEntry[] = encodeManagedFields(managers.values());
  const metadata = isRecord(obj.metadata) ? obj.metadata : {};
  if (encoded.length > 0) metadata.managedFields = encoded;
  else delete metadata.managedFields;
  obj.metadata = metadata;
  return obj as KubeObject;
}

interface Conflict {
  manager: ManagerEntry;
  path: FieldPath;
}

/** Internal: conflicts found by one apply attempt, before they become a Status. */
class ApplyConflicts extends Error {
  constructor(readonly conflicts: Conflict[]) {
    super('apply conflicts');
  }
}

/** kube's apply conflict Status (409 Conflict, one FieldManagerConflict cause per field). */
export function applyConflictError(conflicts: readonly Conflict[]): ApiError {
  const causes: StatusCause[] = conflicts.map((c) => ({
    reason: 'FieldManagerConflict',
    message: `conflict with ${describeManager(c.manager)}`,
    field: displayPath(c.path),
  }));
  let message: string;
  if (conflicts.length === 1) {
    message = `Apply failed with 1 conflict: conflict with ${describeManager(conflicts[0]!.manager)}: ${displayPath(conflicts[0]!.path)}`;
  } else {
    const byManager = new Map<string, { who: string; paths: string[] }>();
    for (const c of conflicts) {
      const id = managerIdentity(c.manager);
      const group = byManager.get(id) ?? { who: describeManager(c.manager), paths: [] };
      group.paths.push(displayPath(c.path));
      byManager.set(id, group);
    }
    const lines: string[] = [];
    for (const id of [...byManager.keys()].sort()) {
      const g = byManager.get(id)!;
      lines.push(`conflicts with ${g.who}:`, ...g.paths.map((p) => `- ${p}`));
    }
    message = `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
  }
  return new ApiError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'Conflict', details: { causes }, code: 409 });
}

/**
 * Takes changed fields away from other managers (conflicts: error unless `force`) and drops
 * removed fields from them: structured-merge-diff's Updater.update.
 */
function settleOwnership(
  managers: Map<string, ManagerEntry>,
  self: string,
  before: unknown,
  after: unknown,
  opts: ManagedFieldsOptions,
  force: boolean,
  /** The before/after comparison when the caller already has it (it is the costly part). */
  precomputed?: ReturnType<typeof compareObjects>,
): void {
  const diff = precomputed ?? compareObjects(before, after, opts.meta);
  // Reset (ignored) fields never change hands here, as kube excludes them from the comparison.
  const changed = ownable(diff.modified.union(diff.added), opts);
  const removed = ownable(diff.removed, opts);
  const conflicts: Conflict[] = [];
  for (const [id, m] of managers) {
    if (id === self) continue;
    const lost = m.set.intersection(changed);
    for (const path of lost.paths()) conflicts.push({ manager: m, path });
  }
  if (!force && conflicts.length > 0) {
    conflicts.sort((a, b) => managerIdentity(a.manager).localeCompare(managerIdentity(b.manager)) || pathKey(a.path).localeCompare(pathKey(b.path)));
    throw new ApplyConflicts(conflicts);
  }
  for (const [id, m] of managers) {
    if (id === self) continue;
    const next = m.set.difference(changed).difference(removed);
    if (next.isEmpty()) managers.delete(id);
    else managers.set(id, { ...m, set: next });
  }
}

export function serverSideApply(live: KubeObject | undefined, applied: KubeObject, opts: ApplyOptions): KubeObject {
  let result: KubeObject;
  try {
    result = applyOnce(live, applied, opts, opts.force);
  } catch (err) {
    if (!(err instanceof ApplyConflicts)) throw err;
    // kubectl upgrading from client-side apply: conflicts on fields the live object still has as
    // last applied by client-side apply are not real conflicts (kube's lastAppliedManager).
    const allowed = opts.manager === KUBECTL_MANAGER && live ? allowedFromLastApplied(live, opts) : new FieldSet();
    const remaining = err.conflicts.filter((c) => !allowed.has(c.path));
    if (remaining.length > 0) throw applyConflictError(remaining);
    result = applyOnce(live, applied, opts, true);
  }
  return syncLastApplied(result, applied, opts);
}

function applyOnce(live: KubeObject | undefined, applied: KubeObject, opts: ApplyOptions, force: boolean): KubeObject {
  if (!isRecord(applied)) throw errors.badRequest('error decoding YAML: the apply configuration must be an object');
  const appliedMeta = applied.metadata as JsonRecord | undefined;
  if (isRecord(appliedMeta) && appliedMeta.managedFields !== undefined && appliedMeta.managedFields !== null) {
    throw errors.badRequest('metadata.managedFields must be nil');
  }
  if (typeof applied.apiVersion === 'string' && applied.apiVersion !== opts.apiVersion) {
    throw errors.badRequest(
      `Incorrect version specified in apply patch. Specified patch version: ${applied.apiVersion}, expected: ${opts.apiVersion}`,
    );
  }

  const base = withoutManagedFields(live);
  const managers = decodeManagedFields(live?.metadata?.managedFields);
  if (live !== undefined && managers.size === 0) {
    // Objects written before anyone tracked fields: their current fields belong to a placeholder
    // manager, so a first apply that changes them conflicts instead of silently taking over.
    const owned = ownable(toFieldSet(base, opts.meta), opts);
    if (!owned.isEmpty()) {
      const placeholder: ManagerEntry = { manager: BEFORE_FIRST_APPLY_MANAGER, operation: 'Update', apiVersion: opts.apiVersion, set: owned };
      managers.set(managerIdentity(placeholder), placeholder);
    }
  }

  const config = deepClone(applied) as JsonRecord;
  const self = managerIdentity({ manager: opts.manager, operation: 'Apply', apiVersion: opts.apiVersion, subresource: opts.subresource });
  const previous = managers.get(self);
  const newSet = ownable(toFieldSet(config, opts.meta), opts);
  const entry: ManagerEntry = { manager: opts.manager, operation: 'Apply', apiVersion: opts.apiVersion, set: newSet };
  if (opts.subresource) entry.subresource = opts.subresource;
  if (previous?.time !== undefined) entry.time = previous.time;
  managers.set(self, entry);

  let merged = mergeApplied(base, config, opts.meta) as JsonRecord;

  // Prune: what this manager applied last time and no longer applies, unless someone owns it.
  if (previous) {
    let protectedSet = new FieldSet();
    for (const m of managers.values()) protectedSet = protectedSet.union(m.set);
    const ownsBelow = protectedSet.ancestors();
    const drop = previous.set.difference(protectedSet).paths().filter((p) => !ownsBelow.has(pathKey(p)));
    if (drop.length > 0) {
      merged = removePaths(merged, drop, opts.meta, (p) => protectedSet.has(p) || ownsBelow.has(pathKey(p))) as JsonRecord;
    }
  }

  settleOwnership(managers, self, base, merged, opts, force);

  const changed = live === undefined || !deepEqual(base, merged);
  if (changed || entry.time === undefined) managers.set(self, { ...managers.get(self)!, time: rfc3339(opts.now) });
  if (newSet.isEmpty()) managers.delete(self);
  return setManagedFields(changed ? merged : base, managers);
}


/** The manager name kube reserves the client-side-apply upgrade path for. */
const KUBECTL_MANAGER = 'kubectl';
export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

function lastAppliedOf(obj: KubeObject | undefined): string | undefined {
  const v = obj?.metadata?.annotations?.[LAST_APPLIED_ANNOTATION];
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

/** Fields the last-applied annotation sets to what the live object still has. */
function allowedFromLastApplied(live: KubeObject, opts: ManagedFieldsOptions): FieldSet {
  const text = lastAppliedOf(live);
  if (text === undefined) return new FieldSet();
  let last: unknown;
  try {
    last = JSON.parse(text);
  } catch {
    return new FieldSet();
  }
  if (!isRecord(last) || last.apiVersion !== opts.apiVersion) return new FieldSet();
  const diff = compareObjects(last, withoutManagedFields(live), opts.meta);
  return toFieldSet(last, opts.meta).difference(diff.modified).difference(diff.added).difference(diff.removed);
}

/**
 * kube's lastAppliedUpdater: after `kubectl apply --server-side`, an existing last-applied
 * annotation is rewritten to the applied configuration, so switching back to client-side apply
 * diffs against what was really applied.
 */
function syncLastApplied(result: KubeObject, applied: KubeObject, opts: ManagedFieldsOptions): KubeObject {
  if (opts.manager !== KUBECTL_MANAGER || lastAppliedOf(result) === undefined) return result;
  const config = deepClone(applied) as JsonRecord;
  if (isRecord(config.metadata) && isRecord(config.metadata.annotations)) {
    delete config.metadata.annotations[LAST_APPLIED_ANNOTATION];
  }
  const annotations = { ...result.metadata!.annotations, [LAST_APPLIED_ANNOTATION]: goJson(config) + '\n' };
  return { ...result, metadata: { ...result.metadata, annotations } };
}

/** encoding/json output for a decoded object: sorted keys, HTML-safe escapes, like kube's unstructured encoder. */
function goJson(v: unknown): string {
  const sortKeys = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(sortKeys);
    if (isRecord(x)) {
      const out: JsonRecord = {};
      for (const k of Object.keys(x).sort()) out[k] = sortKeys(x[k]);
      return out;
    }
    return x;
  };
  return JSON.stringify(sortKeys(v))
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/**
 * Records a non-apply write (create, update, patch) by `opts.manager` in `updated`'s
 * managedFields and returns the object to store. `old` is the stored object (undefined on create).
 * A client may replace managedFields wholesale by sending them (or wipe them with `[{}]`);
 * a body without managedFields keeps the stored ones.
 */
export function updateManagedFields(old: KubeObject | undefined, updated: KubeObject, opts: ManagedFieldsOptions): KubeObject {
  const sent = updated.metadata?.managedFields;
  if (old === undefined && !opts.subresource && (sent === undefined || sent === null || isResetManagedFields(sent) || (Array.isArray(sent) && sent.length === 0))) {
    return recordNewObject(updated, opts);
  }
  let managers: Map<string, ManagerEntry>;
  if (opts.subresource) managers = decodeManagedFields(old?.metadata?.managedFields);
  else if (isResetManagedFields(sent)) managers = new Map();
  else {
    managers = decodeManagedFields(sent);
    if (managers.size === 0) managers = decodeManagedFields(old?.metadata?.managedFields);
  }

  const before = shallowWithoutManagedFields(old);
  const after = shallowWithoutManagedFields(updated);
  const self = '\u0000current-operation';
  const diff = compareObjects(before, after, opts.meta);
  settleOwnership(managers, self, before, after, opts, true, diff);

  const gained = ownable(diff.modified.union(diff.added).difference(diff.removed), opts);
  if (!gained.isEmpty()) {
    const id = managerIdentity({ manager: opts.manager, operation: 'Update', apiVersion: opts.apiVersion, subresource: opts.subresource });
    const prev = managers.get(id);
    const entry: ManagerEntry = {
      manager: opts.manager,
      operation: 'Update',
      apiVersion: opts.apiVersion,
      time: rfc3339(opts.now),
      set: prev ? prev.set.union(gained) : gained,
    };
    if (opts.subresource) entry.subresource = opts.subresource;
    managers.set(id, entry);
  }
  capUpdateManagers(managers);
  return setManagedFields(after, managers);
}

/**
 * updateManagedFields for a new object nobody manages yet (the common create): the writer owns
 * every ownable field it set. Same result as the general path, without its path-set algebra.
 */
function recordNewObject(updated: KubeObject, opts: ManagedFieldsOptions): KubeObject {
  const fieldsV1 = newObjectFieldsV1(updated as JsonRecord, opts.meta, opts.ignoredFields ?? []);
  const metadata: JsonRecord = isRecord(updated.metadata) ? { ...updated.metadata } : {};
  delete metadata.managedFields;
  if (fieldsV1 !== undefined) {
    const entry: ManagedFieldsEntry = { manager: opts.manager, operation: 'Update', apiVersion: opts.apiVersion, time: rfc3339(opts.now), fieldsType: 'FieldsV1', fieldsV1 };
    metadata.managedFields = [entry];
  }
  return { ...updated, metadata } as KubeObject;
}
