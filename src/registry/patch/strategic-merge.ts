/**
 * Strategic merge patch (`application/strategic-merge-patch+json`), the server side of
 * kube's strategicpatch.StrategicMergeMapPatch: JSON merge plus per-field list strategies and
 * the directives kubectl sends (`$patch`, `$retainKeys`, `$setElementOrder/<list>`,
 * `$deleteFromPrimitiveList/<list>`). Directive keys are consumed here and never reach the result.
 *
 * Deliberate differences from kube, all where kube copies raw patch text into a typed struct and
 * relies on the decoder to drop `$` keys: a value inserted where the original had none is itself
 * run through the patch algorithm (so directives are honoured and stripped rather than stored), and
 * `$deleteFromPrimitiveList` against a missing list is a no-op. `$patch: merge` is accepted as a
 * no-op marker instead of being rejected.
 */
import type { ApiError } from '../../api/errors';
import { errors } from '../../api/errors';
import { deepClone, goFormat, isRecord, jsonKind, type JsonKind, type JsonRecord } from './json-value';
import { smpBadRequest, smpInternal, smpNoListOfLists } from './patch-errors';
import { parseStrategy, type PatchMeta } from './patch-meta';

const DIRECTIVE = '$patch';
const RETAIN_KEYS = '$retainKeys';
const SET_ORDER_PREFIX = '$setElementOrder';
const DELETE_PRIMITIVE_PREFIX = '$deleteFromPrimitiveList';

export function applyStrategicMergePatch(original: unknown, patch: unknown, meta: PatchMeta): unknown {
  if (!isRecord(patch)) {
    throw errors.badRequest(`json: cannot unmarshal ${goKind(patch)} into Go value of type map[string]interface {}`);
  }
  const base = isRecord(original) ? deepClone(original) : {};
  return new Merger(meta).mergeMap(base, deepClone(patch), []);
}

function goKind(v: unknown): string {
  const k = jsonKind(v);
  return k === 'boolean' ? 'bool' : k;
}

/** Extracts `<list>` from `<prefix>/<list>`, or throws the prefix's bad-format error. */
function directiveTarget(key: string, prefix: string, bad: () => ApiError): string {
  const slash = key.indexOf('/');
  if (slash < 0 || key.slice(0, slash) !== prefix) throw bad();
  return key.slice(slash + 1);
}

class Merger {
  constructor(private readonly meta: PatchMeta) {}

  private listInfo(path: readonly string[]): { strategy: '' | 'merge' | 'replace'; mergeKey: string } {
    const info = this.meta.lookup(path);
    return { strategy: parseStrategy(info).strategy, mergeKey: info?.patchMergeKey ?? '' };
  }

  /** Merges `patch` into `original` (both private copies; `original` is modified and returned). */
  mergeMap(original: JsonRecord, patch: JsonRecord, path: readonly string[]): JsonRecord {
    if (DIRECTIVE in patch) {
      const directive = patch[DIRECTIVE];
      delete patch[DIRECTIVE];
      if (directive === 'replace') return this.mergeMap({}, patch, path);
      if (directive === 'delete') return {};
      if (directive !== 'merge') throw smpInternal(`unknown patch type: ${goFormat(directive)} in map: ${goFormat(patch)}`);
    }

    this.applyRetainKeys(original, patch);
    this.applySetElementOrder(original, patch, path);

    for (const rawKey of Object.keys(patch)) {
      let key = rawKey;
      let isDeleteList = false;
      if (rawKey.startsWith(DELETE_PRIMITIVE_PREFIX)) {
        key = directiveTarget(rawKey, DELETE_PRIMITIVE_PREFIX, smpBadRequest.primitiveList);
        isDeleteList = true;
      }
      const patchV = patch[rawKey];
      const childPath = [...path, key];

      if (patchV === null) {
        delete original[key];
        continue;
      }
      if (!(key in original) || original[key] === null) {
        if (!isDeleteList) original[key] = this.materialize(patchV, childPath);
        continue;
      }
      const origV = original[key];
      if (jsonKind(origV) !== jsonKind(patchV)) {
        original[key] = this.materialize(patchV, childPath);
        continue;
      }
      const { strategy, mergeKey } = this.listInfo(childPath);
      if (isRecord(origV) && isRecord(patchV)) {
        original[key] = strategy === 'replace' ? this.materialize(patchV, childPath) : this.mergeMap(origV, patchV, childPath);
      } else if (Array.isArray(origV) && Array.isArray(patchV)) {
        if (isDeleteList) original[key] = deleteFromList(origV, patchV);
        else if (strategy === 'merge') original[key] = this.mergeList(origV, patchV, childPath, mergeKey);
        else original[key] = this.materialize(patchV, childPath);
      } else {
        original[key] = patchV;
      }
    }
    return original;
  }

  /**
   * A patch value placed where the original has nothing (or something of another type):
   * equivalent to patching an empty value, which consumes any directives inside it.
   */
  materialize(value: unknown, path: readonly string[]): unknown {
    if (isRecord(value)) return this.mergeMap({}, value, path);
    if (Array.isArray(value)) {
      const { strategy, mergeKey } = this.listInfo(path);
      if (strategy === 'merge') return this.mergeList([], value, path, mergeKey);
      return value.map((item) => (isRecord(item) ? this.mergeMap({}, item, path) : item));
    }
    return value;
  }

  /** `$retainKeys`: drop original keys not listed; every non-null patch key must be listed. */
  private applyRetainKeys(original: JsonRecord, patch: JsonRecord): void {
    if (!(RETAIN_KEYS in patch)) return;
    const list = patch[RETAIN_KEYS];
    delete patch[RETAIN_KEYS];
    if (!Array.isArray(list)) throw smpBadRequest.retainKeys();
    const keep = new Set(list);
    for (const [k, v] of Object.entries(patch)) {
      if (v === null || k.startsWith(DELETE_PRIMITIVE_PREFIX) || k.startsWith(SET_ORDER_PREFIX)) continue;
      if (!keep.has(k)) throw smpBadRequest.retainKeys();
    }
    for (const k of Object.keys(original)) if (!keep.has(k)) delete original[k];
  }

  /**
   * `$setElementOrder/<list>`: merge the list now (if the patch has it) and then order the result:
   * items named in the order list follow it, items only on the server keep their relative order.
   */
  private applySetElementOrder(original: JsonRecord, patch: JsonRecord, path: readonly string[]): void {
    for (const orderKey of Object.keys(patch)) {
      if (!orderKey.startsWith(SET_ORDER_PREFIX)) continue;
      const order = patch[orderKey];
      delete patch[orderKey];
      const key = directiveTarget(orderKey, SET_ORDER_PREFIX, smpBadRequest.setElementOrder);
      if (!Array.isArray(order)) throw smpInternal(`expected a []interface {}, but received a ${goKind(order)}`);
      const childPath = [...path, key];
      const { strategy, mergeKey } = this.listInfo(childPath);

      const hasOrig = Array.isArray(original[key]);
      const hasPatch = key in patch && patch[key] !== null;
      if (key in original && !hasOrig) throw smpInternal(`expected a []interface {}, but received a ${goKind(original[key])}`);
      if (hasPatch && !Array.isArray(patch[key])) throw smpInternal(`expected a []interface {}, but received a ${goKind(patch[key])}`);
      const origList = hasOrig ? (original[key] as unknown[]) : [];
      const patchList = hasPatch ? (patch[key] as unknown[]) : [];
      validatePatchAgainstOrder(patchList, order, mergeKey);

      let merged: unknown[];
      if (hasOrig && !hasPatch) merged = origList;
      else if (!hasOrig && hasPatch) merged = this.materialize(patchList, childPath) as unknown[];
      else if (hasOrig && hasPatch) {
        merged = strategy === 'merge' ? this.mergeList(origList, patchList, childPath, mergeKey) : (this.materialize(patchList, childPath) as unknown[]);
      } else continue;

      const inOrder = (item: unknown): boolean => indexIn(order, item, mergeKey) >= 0;
      const patchItems = merged.filter(inOrder);
      const serverOnly = merged.filter((i) => !inOrder(i));
      original[key] = normalizeElementOrder(patchItems, serverOnly, order, origList, mergeKey);
      // The list is fully handled: keep the main loop from merging it a second time.
      delete patch[key];
    }
  }

  /** Merges two lists under the `merge` strategy (by merge key for maps, as a set for scalars). */
  mergeList(original: unknown[], patch: unknown[], path: readonly string[], mergeKey: string): unknown[] {
    if (original.length === 0 && patch.length === 0) return original;
    const kind = elementKind(original, patch);
    if (kind !== 'object') {
      const merged = dedupe([...original, ...patch]);
      const inPatch = (v: unknown): boolean => patch.includes(v);
      return normalizeElementOrder(merged.filter(inPatch), merged.filter((v) => !inPatch(v)), patch, original, '');
    }
    if (mergeKey === '') throw smpInternal('cannot merge lists without merge key for type struct');

    // Directive items first: deletions by key, `replace` swaps the whole list for the plain items.
    let base = original;
    const plain: JsonRecord[] = [];
    let replace = false;
    for (const item of patch as JsonRecord[]) {
      if (!(DIRECTIVE in item)) {
        plain.push(item);
        continue;
      }
      const directive = item[DIRECTIVE];
      if (directive === 'delete') {
        if (!(mergeKey in item)) throw noMergeKey(item, mergeKey);
        const target = item[mergeKey];
        base = base.filter((o) => !(isRecord(o) && o[mergeKey] === target));
      } else if (directive === 'replace') {
        replace = true;
      } else if (directive === 'merge') {
        const rest = { ...item };
        delete rest[DIRECTIVE];
        plain.push(rest);
      } else {
        throw smpInternal(`unknown patch type: ${goFormat(directive)} in map: ${goFormat(item)}`);
      }
    }
    if (replace) {
      const replaced = plain.map((i) => this.mergeMap({}, i, path));
      return normalizeElementOrder([], replaced, [], replaced, mergeKey);
    }

    const merged = [...base];
    for (const item of plain) {
      if (!(mergeKey in item)) throw noMergeKey(item, mergeKey);
      const idx = merged.findIndex((o, i) => {
        if (!isRecord(o)) throw smpInternal(`value for key ${i} is not a map.`);
        return mergeKey in o && o[mergeKey] === item[mergeKey];
      });
      if (idx >= 0) merged[idx] = this.mergeMap(merged[idx] as JsonRecord, item, path);
      else merged.push(this.mergeMap({}, item, path));
    }
    const inPatch = (v: unknown): boolean => indexIn(plain, v, mergeKey) >= 0;
    return normalizeElementOrder(merged.filter(inPatch), merged.filter((v) => !inPatch(v)), plain, base, mergeKey);
  }
}

function noMergeKey(item: JsonRecord, mergeKey: string): ApiError {
  return smpInternal(`map: ${goFormat(item)} does not contain declared merge key: ${mergeKey}`);
}

/** The common element kind of the lists; mixed kinds and nested lists are rejected like kube. */
function elementKind(...lists: unknown[][]): JsonKind | undefined {
  let kind: JsonKind | undefined;
  for (const list of lists) {
    for (const v of list) {
      const k = jsonKind(v);
      if (kind === undefined) {
        if (k === 'array') throw smpNoListOfLists();
        kind = k;
      } else if (k !== kind) {
        throw smpInternal(`list element types are not identical: ${goFormat(lists)}`);
      }
    }
  }
  return kind;
}

function dedupe(list: unknown[]): unknown[] {
  const out: unknown[] = [];
  for (const v of list) if (!out.includes(v)) out.push(v);
  return out;
}

function deleteFromList(current: unknown[], toDelete: unknown[]): unknown[] {
  return current.filter((v) => !toDelete.includes(v));
}

/** Position of `item` in `list`: by merge key value for maps, by value for scalars. */
function indexIn(list: readonly unknown[], item: unknown, mergeKey: string): number {
  if (mergeKey === '') return list.indexOf(item);
  const key = isRecord(item) ? item[mergeKey] : undefined;
  return list.findIndex((v) => isRecord(v) && v[mergeKey] === key);
}

/**
 * kube's validatePatchWithSetOrderList: the (non-deleting) patch items must appear in the
 * `$setElementOrder` list, in the same relative order.
 */
function validatePatchAgainstOrder(patchList: unknown[], order: unknown[], mergeKey: string): void {
  if (order.length === 0 || patchList.length === 0) return;
  const items = mergeKey ? patchList.filter((i) => !(isRecord(i) && i[DIRECTIVE] === 'delete')) : patchList;
  let p = 0;
  let o = 0;
  while (p < items.length && o < order.length) {
    const item = items[p];
    if (isRecord(item) && DIRECTIVE in item) {
      p++;
      continue;
    }
    if (mergeKey) {
      if (!isRecord(item)) throw smpInternal(`expected a map[string]interface {}, but received a ${goKind(item)}`);
      const ord = order[o];
      if (!isRecord(ord)) throw smpInternal(`expected a map[string]interface {}, but received a ${goKind(ord)}`);
      if (!(mergeKey in item)) throw noMergeKey(item, mergeKey);
      if (!(mergeKey in ord)) throw noMergeKey(ord, mergeKey);
      if (item[mergeKey] === ord[mergeKey]) p++;
    } else if (item === order[o]) {
      p++;
    }
    o++;
  }
  if (p < items.length) {
    throw smpInternal(`The order in patch list:\n${goFormat(patchList)}\n doesn't match ${SET_ORDER_PREFIX} list:\n${goFormat(order)}\n`);
  }
}

/**
 * kube's normalizeElementOrder + mergeSortedSlice: patch items sorted by `patchOrder`, server-only
 * items by `serverOrder`, then interleaved so that a server item goes first only when it preceded
 * the next patch item in the server's list. New items (unknown to the server) therefore come
 * before the remaining server-only items.
 */
function normalizeElementOrder(
  patchItems: unknown[],
  serverOnly: unknown[],
  patchOrder: readonly unknown[],
  serverOrder: readonly unknown[],
  mergeKey: string,
): unknown[] {
  if (mergeKey) {
    for (const v of [...patchItems, ...serverOnly, ...patchOrder]) {
      if (!isRecord(v)) throw smpInternal(`expected a map[string]interface {}, but received a ${goKind(v)}`);
      if (!(mergeKey in v)) throw noMergeKey(v, mergeKey);
    }
  }
  const sortBy = (list: unknown[], order: readonly unknown[]): unknown[] => {
    const pos = (v: unknown): number => {
      const i = indexIn(order, v, mergeKey);
      return i < 0 ? Number.MAX_SAFE_INTEGER : i;
    };
    return list
      .map((v, i) => ({ v, i, p: pos(v) }))
      .sort((a, b) => a.p - b.p || a.i - b.i)
      .map((x) => x.v);
  };
  const right = sortBy(patchItems, patchOrder);
  const left = sortBy(serverOnly, serverOrder);
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) out.push(right[j++]);
    else if (j >= right.length) out.push(left[i++]);
    else {
      const li = indexIn(serverOrder, left[i], mergeKey);
      const ri = indexIn(serverOrder, right[j], mergeKey);
      if (li >= 0 && ri >= 0 && li < ri) out.push(left[i++]);
      else out.push(right[j++]);
    }
  }
  return out;
}
