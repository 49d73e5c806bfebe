/**
 * The structural operations server-side apply needs over JSON objects, driven by PatchMeta in
 * place of structured-merge-diff's typed schema: the field set an object sets, the difference
 * between two objects as added/modified/removed paths, merging an apply configuration into a
 * live object, and removing paths.
 *
 * Conventions follow structured-merge-diff: scalars, atomic lists/maps and empty or null values
 * are leaves; items of associative lists (`k:`) and sets (`v:`) are members themselves; entries
 * of data maps (labels) are members, struct fields only through their leaves.
 */
import { deepClone, deepEqual, isRecord, type JsonRecord } from '../json-value';
import type { FieldPatchInfo, PatchMeta } from '../patch-meta';
import { parseStrategy } from '../patch-meta';
import { fieldElement, indexElement, keyElement, pathKey, valueElement, type FieldPath, type PathElement } from './field-path';
import { FieldSet } from './field-set';

export type ListKind = { kind: 'atomic' } | { kind: 'set' } | { kind: 'map'; keys: string[]; defaults: Record<string, unknown> };

/** List semantics: x-kubernetes-list-type when known, else derived from the patch strategy like kube's schema conversion. */
export function listKind(info: FieldPatchInfo | undefined): ListKind {
  const mergeKey = info?.patchMergeKey;
  const keys = info?.listMapKeys ?? (mergeKey ? [mergeKey] : []);
  const listType = info?.listType ?? (parseStrategy(info).strategy === 'merge' ? (mergeKey ? 'map' : 'set') : 'atomic');
  if (listType === 'map' && keys.length > 0) return { kind: 'map', keys, defaults: info?.keyDefaults ?? {} };
  if (listType === 'set') return { kind: 'set' };
  return { kind: 'atomic' };
}

/** Patch metadata read as structured-merge-diff's schema: list and map semantics by property path. */
export class Schema {
  constructor(private readonly meta: PatchMeta) {}
  info(metaPath: readonly string[]): FieldPatchInfo | undefined {
    return metaPath.length === 0 ? undefined : this.meta.lookup(metaPath);
  }
  list(metaPath: readonly string[]): ListKind {
    return listKind(this.info(metaPath));
  }
  atomicMap(metaPath: readonly string[]): boolean {
    return this.info(metaPath)?.mapType === 'atomic';
  }
  dataMap(metaPath: readonly string[]): boolean {
    return this.info(metaPath)?.isMap === true;
  }
  /** The path element naming one list item. */
  itemElement(kind: ListKind, item: unknown, index: number): PathElement {
    return itemElement(kind, item, index);
  }
}

/** The path element naming one list item: `v:` for sets, `k:` for associative lists, else `i:`. */
export function itemElement(kind: ListKind, item: unknown, index: number): PathElement {
  if (kind.kind === 'set') return valueElement(item);
  if (kind.kind === 'map' && isRecord(item)) {
    const keyValues: Record<string, unknown> = {};
    for (const k of kind.keys) {
      const v = item[k] ?? kind.defaults[k];
      if (v !== undefined && v !== null) keyValues[k] = v;
    }
    return keyElement(keyValues);
  }
  return indexElement(index);
}

const isEmptyValue = (v: unknown): boolean =>
  v === undefined || (isRecord(v) && Object.keys(v).length === 0) || (Array.isArray(v) && v.length === 0);

/** The fields an (apply configuration) object sets. */
export function toFieldSet(obj: unknown, meta: PatchMeta): FieldSet {
  const schema = new Schema(meta);
  const set = new FieldSet();

  const fields = (o: JsonRecord, path: PathElement[], metaPrefix: readonly string[], dataMap: boolean): void => {
    for (const [k, child] of Object.entries(o)) {
      const p = [...path, fieldElement(k)];
      if (dataMap || child === null || (isRecord(child) && Object.keys(child).length === 0)) set.insert(p);
      value(child, p, [...metaPrefix, k]);
    }
  };
  const value = (v: unknown, path: PathElement[], metaPath: readonly string[]): void => {
    if (v === null || v === undefined) {
      if (path.length > 0) set.insert(path);
    } else if (Array.isArray(v)) {
      const kind = schema.list(metaPath);
      if (kind.kind === 'atomic') {
        set.insert(path);
        return;
      }
      v.forEach((item, i) => {
        const ip = [...path, schema.itemElement(kind, item, i)];
        set.insert(ip);
        if (kind.kind === 'map' && isRecord(item)) fields(item, ip, metaPath, false);
      });
    } else if (isRecord(v)) {
      if (schema.atomicMap(metaPath) && path.length > 0) set.insert(path);
      else fields(v, path, metaPath, schema.dataMap(metaPath));
    } else if (path.length > 0) {
      set.insert(path);
    }
  };
  value(obj, [], []);
  return set;
}

export interface Comparison {
  added: FieldSet;
  modified: FieldSet;
  removed: FieldSet;
}

/** What changed from `before` to `after`, path by path (structured-merge-diff's Compare). */
export function compareObjects(before: unknown, after: unknown, meta: PatchMeta): Comparison {
  const schema = new Schema(meta);
  const c: Comparison = { added: new FieldSet(), modified: new FieldSet(), removed: new FieldSet() };

  const leaf = (a: unknown, b: unknown, path: PathElement[]): void => {
    if (path.length === 0) return;
    if (a === undefined && b !== undefined) c.added.insert(path);
    else if (b === undefined && a !== undefined) c.removed.insert(path);
    else if (a !== undefined && !deepEqual(a, b)) c.modified.insert(path);
  };
  const presence = (a: unknown, b: unknown, path: PathElement[]): void => {
    if (a === undefined && b !== undefined) c.added.insert(path);
    else if (b === undefined && a !== undefined) c.removed.insert(path);
  };
  const fields = (a: JsonRecord | undefined, b: JsonRecord | undefined, path: PathElement[], metaPrefix: readonly string[]): void => {
    const keys = new Set([...Object.keys(a ?? {}), ...Object.keys(b ?? {})]);
    for (const k of keys) walk(a?.[k], b?.[k], [...path, fieldElement(k)], [...metaPrefix, k]);
  };
  const walk = (a: unknown, b: unknown, path: PathElement[], metaPath: readonly string[]): void => {
    if (a === undefined && b === undefined) return;
    // Equal subtrees add, modify and remove nothing: skip them whole (most of an update is unchanged).
    if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null && deepEqual(a, b)) return;
    const shape = b !== undefined ? b : a;
    const sameShape = a === undefined || b === undefined || (isRecord(a) && isRecord(b)) || (Array.isArray(a) && Array.isArray(b));
    if (!sameShape || (!isRecord(shape) && !Array.isArray(shape))) return leaf(a, b, path);
    if (isEmptyValue(a) && isEmptyValue(b)) return leaf(a, b, path);

    if (isRecord(shape)) {
      if (schema.atomicMap(metaPath)) return leaf(a, b, path);
      if (schema.dataMap(metaPath) && path.length > 0) presence(a, b, path);
      return fields(a as JsonRecord | undefined, b as JsonRecord | undefined, path, metaPath);
    }
    const kind = schema.list(metaPath);
    if (kind.kind === 'atomic') return leaf(a, b, path);
    const index = (list: unknown): Map<string, unknown> => {
      const m = new Map<string, unknown>();
      if (Array.isArray(list)) list.forEach((item, i) => {
        const e = schema.itemElement(kind, item, i);
        if (!m.has(e)) m.set(e, item);
      });
      return m;
    };
    const ia = index(a);
    const ib = index(b);
    for (const e of new Set([...ia.keys(), ...ib.keys()])) {
      const ip = [...path, e];
      const x = ia.get(e);
      const y = ib.get(e);
      presence(x, y, ip);
      if (kind.kind === 'map' && (isRecord(x) || isRecord(y))) {
        fields(isRecord(x) ? x : undefined, isRecord(y) ? y : undefined, ip, metaPath);
      }
    }
  };
  walk(before, after, [], []);
  return c;
}

/**
 * Merges an apply configuration into a live object: config values win, maps merge, associative
 * lists and sets merge item by item (structured-merge-diff's item order), atomic lists replace,
 * null removes.
 */
export function mergeApplied(live: unknown, config: unknown, meta: PatchMeta): unknown {
  const schema = new Schema(meta);

  const mergeFields = (l: JsonRecord, c: JsonRecord, metaPrefix: readonly string[]): JsonRecord => {
    const out: JsonRecord = deepClone(l);
    for (const [k, cv] of Object.entries(c)) {
      if (cv === null) delete out[k];
      else out[k] = merge(l[k], cv, [...metaPrefix, k]);
    }
    return out;
  };
  const merge = (l: unknown, c: unknown, metaPath: readonly string[]): unknown => {
    if (isRecord(c)) {
      if (!isRecord(l) || schema.atomicMap(metaPath)) return withoutNulls(c);
      return mergeFields(l, c, metaPath);
    }
    if (Array.isArray(c)) {
      const kind = schema.list(metaPath);
      if (kind.kind === 'atomic' || !Array.isArray(l)) return withoutNulls(c);
      return mergeListItems(l, c, (item, i) => schema.itemElement(kind, item, i), (li, ci) => {
        if (ci === undefined) return deepClone(li);
        if (kind.kind === 'map' && isRecord(li) && isRecord(ci)) return mergeFields(li, ci, metaPath);
        return withoutNulls(ci);
      });
    }
    return c;
  };
  return merge(live, config, []);
}

function withoutNulls(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutNulls);
  if (isRecord(v)) {
    const out: JsonRecord = {};
    for (const [k, x] of Object.entries(v)) if (x !== null) out[k] = withoutNulls(x);
    return out;
  }
  return v;
}

/**
 * structured-merge-diff's list item order for a merge: live items the config does not mention
 * keep their place, config items come in config order, new ones where the config puts them.
 */
function mergeListItems(
  lhs: unknown[],
  rhs: unknown[],
  element: (item: unknown, index: number) => PathElement,
  mergeItem: (l: unknown, r: unknown | undefined) => unknown,
): unknown[] {
  const indexed = (list: unknown[]): { order: PathElement[]; items: Map<PathElement, unknown> } => {
    const items = new Map<PathElement, unknown>();
    const order: PathElement[] = [];
    list.forEach((item, i) => {
      const e = element(item, i);
      if (items.has(e)) return;
      items.set(e, item);
      order.push(e);
    });
    return { order, items };
  };
  const L = indexed(lhs);
  const R = indexed(rhs);
  const shared = R.order.filter((e) => L.items.has(e));
  let nextShared: PathElement | undefined = shared.shift();
  const out: unknown[] = [];
  let li = 0;
  let ri = 0;
  const emit = (e: PathElement): void => {
    const r = R.items.get(e);
    const l = L.items.get(e);
    out.push(r === undefined ? mergeItem(l, undefined) : mergeItem(l, r));
  };
  // Each round advances li or ri, so the loop ends within |lhs| + |rhs| rounds.
  for (let guard = 0; (li < L.order.length || ri < R.order.length) && guard <= L.order.length + R.order.length; guard++) {
    if (li < L.order.length && ri < R.order.length) {
      const pe = L.order[li]!;
      if (pe === R.order[ri]) {
        emit(pe);
        li++;
        ri++;
        nextShared = shared.shift();
        continue;
      }
      if (R.items.has(pe) && nextShared !== undefined && nextShared !== pe) {
        li++;
        continue;
      }
    }
    if (li < L.order.length && !R.items.has(L.order[li]!)) {
      emit(L.order[li]!);
      li++;
      continue;
    }
    if (ri < R.order.length) {
      const pe = R.order[ri]!;
      emit(pe);
      ri++;
      if (nextShared === pe) nextShared = shared.shift();
      continue;
    }
    li++;
  }
  return out;
}

/**
 * Removes the values at `paths` from a private copy of `obj`. A struct or data map left empty by
 * a removal is dropped too unless `keep` says someone owns it.
 */
export function removePaths(obj: unknown, paths: readonly FieldPath[], meta: PatchMeta, keep: (path: FieldPath) => boolean): unknown {
  const schema = new Schema(meta);
  const out = deepClone(obj);
  // Removing a path removes its subtree: drop paths whose ancestor goes too (a removed item's
  // fields would otherwise be deleted first and leave the item unfindable by its key).
  const all = new Set(paths.map(pathKey));
  const topmost = paths.filter((p) => !p.some((_, i) => i > 0 && all.has(pathKey(p.slice(0, i)))));
  for (const path of topmost) {
    const chain = locate(out, path, schema);
    if (!chain) continue;
    removeAt(chain, chain.length - 1);
    // Tidy up now-empty parent structs reached through field names.
    for (let i = chain.length - 2; i >= 0; i--) {
      const step = chain[i]!;
      const parentPath = path.slice(0, i + 1);
      if (!path[i]!.startsWith('f:') || keep(parentPath)) break;
      const v = valueAt(step);
      if (!isRecord(v) || Object.keys(v).length > 0) break;
      removeAt(chain, i);
    }
  }
  return out;
}

interface Step {
  container: JsonRecord | unknown[];
  key: string | number;
}

function valueAt(s: Step): unknown {
  return Array.isArray(s.container) ? s.container[s.key as number] : s.container[s.key as string];
}

function removeAt(chain: Step[], i: number): void {
  const s = chain[i]!;
  if (Array.isArray(s.container)) s.container.splice(s.key as number, 1);
  else delete s.container[s.key as string];
}

function locate(root: unknown, path: FieldPath, schema: Schema): Step[] | undefined {
  const chain: Step[] = [];
  let current = root;
  const metaPath: string[] = [];
  for (const e of path) {
    const body = e.slice(2);
    if (e.startsWith('f:')) {
      if (!isRecord(current) || !(body in current)) return undefined;
      chain.push({ container: current, key: body });
      current = current[body];
      metaPath.push(body);
      continue;
    }
    if (!Array.isArray(current)) return undefined;
    const list = current;
    const kind = schema.list(metaPath);
    const idx = e.startsWith('i:') ? Number(body) : list.findIndex((item, i) => schema.itemElement(kind, item, i) === e);
    if (!(idx >= 0 && idx < list.length)) return undefined;
    chain.push({ container: list, key: idx });
    current = list[idx];
  }
  return chain.length > 0 ? chain : undefined;
}
