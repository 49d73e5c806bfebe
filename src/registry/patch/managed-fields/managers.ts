/**
 * metadata.managedFields entries <-> per-manager field sets, the way kube's managedfields package
 * encodes them: one entry per manager identity ({manager, operation, apiVersion for Update,
 * subresource}), FieldsV1 trees, entries sorted by operation, time, manager, apiVersion.
 */
import type { ManagedFieldsEntry } from 'kubernetes-types/meta/v1';
import { isRecord } from '../json-value';
import { FieldSet } from './field-set';

export type Operation = 'Apply' | 'Update';

export interface ManagerEntry {
  manager: string;
  operation: Operation;
  apiVersion: string;
  time?: string;
  subresource?: string;
  set: FieldSet;
}

/** kube's BuildManagerIdentifier: Apply identities ignore apiVersion, so re-applying at a new version is the same manager. */
export function managerIdentity(e: Pick<ManagerEntry, 'manager' | 'operation' | 'apiVersion' | 'subresource'>): string {
  const id: Record<string, string> = { manager: e.manager, operation: e.operation };
  if (e.operation === 'Update' && e.apiVersion) id.apiVersion = e.apiVersion;
  if (e.subresource) id.subresource = e.subresource;
  return JSON.stringify(id);
}

/** kube's printManager: `"name"`, plus ` with subresource "s"`, plus ` using v1` for Update managers. */
export function describeManager(e: Pick<ManagerEntry, 'manager' | 'operation' | 'apiVersion' | 'subresource'>): string {
  let s = JSON.stringify(e.manager);
  if (e.subresource) s += ` with subresource ${JSON.stringify(e.subresource)}`;
  if (e.operation === 'Update') s += ` using ${e.apiVersion}`;
  return s;
}

/** Decodes stored entries; entries kube would reject (bad operation or fieldsType) are skipped. */
export function decodeManagedFields(entries: unknown): Map<string, ManagerEntry> {
  const out = new Map<string, ManagerEntry>();
  if (!Array.isArray(entries)) return out;
  for (const raw of entries) {
    if (!isRecord(raw)) continue;
    const operation = raw.operation;
    if (operation !== 'Apply' && operation !== 'Update') continue;
    if (raw.fieldsType !== 'FieldsV1' || typeof raw.apiVersion !== 'string' || raw.apiVersion === '') continue;
    const entry: ManagerEntry = {
      manager: typeof raw.manager === 'string' ? raw.manager : '',
      operation,
      apiVersion: raw.apiVersion,
      set: FieldSet.fromFieldsV1(raw.fieldsV1),
    };
    if (typeof raw.time === 'string') entry.time = raw.time;
    if (typeof raw.subresource === 'string' && raw.subresource) entry.subresource = raw.subresource;
    out.set(managerIdentity(entry), entry);
  }
  return out;
}

/** `managedFields: [{}]` is the documented way for a client to wipe all managed fields. */
export function isResetManagedFields(entries: unknown): boolean {
  return Array.isArray(entries) && entries.length === 1 && isRecord(entries[0]) && Object.keys(entries[0]).length === 0;
}

const seconds = (t: string | undefined): number => {
  const ms = t ? Date.parse(t) : NaN;
  return Number.isNaN(ms) ? 0 : Math.floor(ms / 1000);
};

export function encodeManagedFields(managers: Iterable<ManagerEntry>): ManagedFieldsEntry[] {
  const list = [...managers].filter((m) => !m.set.isEmpty());
  list.sort(
    (p, q) =>
      cmp(p.operation, q.operation) ||
      seconds(p.time) - seconds(q.time) ||
      cmp(p.manager, q.manager) ||
      cmp(p.apiVersion, q.apiVersion) ||
      cmp(p.subresource ?? '', q.subresource ?? ''),
  );
  return list.map((m) => {
    const e: ManagedFieldsEntry = { manager: m.manager, operation: m.operation, apiVersion: m.apiVersion };
    if (m.time !== undefined) e.time = m.time;
    e.fieldsType = 'FieldsV1';
    e.fieldsV1 = m.set.toFieldsV1();
    if (m.subresource) e.subresource = m.subresource;
    return e;
  });
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** kube's DefaultMaxUpdateManagers. */
export const MAX_UPDATE_MANAGERS = 10;
export const ANCIENT_CHANGES_MANAGER = 'ancient-changes';

/**
 * Keeps at most MAX_UPDATE_MANAGERS Update entries (kube's capManagers): oldest first, the second
 * and later entries of each apiVersion are folded into an "ancient-changes" bucket for that
 * version (which takes the newer time), until the cap is met.
 */
export function capUpdateManagers(managers: Map<string, ManagerEntry>): void {
  const updaters = [...managers.entries()].filter(([, m]) => m.operation === 'Update');
  if (updaters.length <= MAX_UPDATE_MANAGERS) return;
  updaters.sort(([ia, a], [ib, b]) => seconds(a.time) - seconds(b.time) || cmp(ia, ib));
  const firstOfVersion = new Map<string, string>();
  let length = updaters.length;
  for (let i = 0; i < updaters.length && length > MAX_UPDATE_MANAGERS; i++) {
    const [id, m] = updaters[i]!;
    const bucket: ManagerEntry = { manager: ANCIENT_CHANGES_MANAGER, operation: 'Update', apiVersion: m.apiVersion, set: new FieldSet() };
    const bucketId = managerIdentity(bucket);
    const first = firstOfVersion.get(m.apiVersion);
    if (first === undefined) {
      firstOfVersion.set(m.apiVersion, id);
      continue;
    }
    if (!managers.has(bucketId)) {
      const f = managers.get(first)!;
      managers.delete(first);
      managers.set(bucketId, { ...bucket, set: f.set, time: f.time });
    }
    const existing = managers.get(bucketId)!;
    managers.delete(id);
    managers.set(bucketId, { ...existing, set: m.set.union(existing.set), time: m.time });
    length--;
  }
}
