/**
 * The fieldsV1 tree a manager gets for writing a brand-new object when nobody else manages it:
 * exactly what the general Update path computes (compare an empty object with the new one, own
 * every added path, strip the unownable metadata and the reset subtrees, encode as fieldsV1), but
 * built in one walk straight into the tree. Creates are the hottest write; the general path's
 * string path sets cost several times the rest of the request.
 */
import { isRecord, type JsonRecord } from '../json-value';
import type { PatchMeta } from '../patch-meta';
import { elementOrder, type PathElement } from './field-path';
import { itemElement, Schema, type ListKind } from './typed-walk';

/**
 * What the schema says at one property path, plus the path's fieldsV1 member name, cached in a
 * tree per patch-meta table (tables never change): the walk below then costs one Map lookup per
 * field instead of building and hashing path strings.
 */
class PathFacts {
  readonly atomicMap: boolean;
  readonly dataMap: boolean;
  readonly list: ListKind;
  /** `f:<name>`, the member this path is in its parent's fieldsV1 node. */
  readonly element: string;
  private readonly children = new Map<string, PathFacts>();

  constructor(
    private readonly schema: Schema,
    private readonly metaPath: readonly string[],
    /** Inside a reset subtree (e.g. status on the main resource): nobody owns it through here. */
    readonly ignored: boolean,
    private readonly ignoredPaths: ReadonlyArray<readonly string[]>,
  ) {
    this.atomicMap = metaPath.length > 0 && schema.atomicMap(metaPath);
    this.dataMap = metaPath.length > 0 && schema.dataMap(metaPath);
    this.list = schema.list(metaPath);
    this.element = metaPath.length > 0 ? `f:${metaPath[metaPath.length - 1]!}` : '';
  }

  child(name: string): PathFacts {
    let c = this.children.get(name);
    if (c === undefined) {
      const path = [...this.metaPath, name];
      const ignored = this.ignored || this.ignoredPaths.some((p) => p.length === path.length && p.every((x, i) => x === path[i]));
      c = new PathFacts(this.schema, path, ignored, this.ignoredPaths);
      // Names come from request bodies (label keys, unknown fields): bound what is remembered.
      if (this.children.size < 1000) this.children.set(name, c);
    }
    return c;
  }
}

const roots = new WeakMap<PatchMeta, Map<string, PathFacts>>();

function rootFacts(meta: PatchMeta, ignored: ReadonlyArray<readonly string[]>): PathFacts {
  let byIgnored = roots.get(meta);
  if (!byIgnored) {
    byIgnored = new Map();
    roots.set(meta, byIgnored);
  }
  const sig = JSON.stringify(ignored);
  let root = byIgnored.get(sig);
  if (!root) {
    root = new PathFacts(new Schema(meta), [], false, ignored.map((p) => [...p]));
    byIgnored.set(sig, root);
  }
  return root;
}

/** metadata fields no manager owns (kube's stripMeta); `metadata` itself is not a member either. */
const UNOWNED_METADATA = new Set(['name', 'namespace', 'creationTimestamp', 'selfLink', 'uid', 'clusterName', 'generation', 'managedFields', 'resourceVersion']);
const UNOWNED_ROOT = new Set(['apiVersion', 'kind', 'metadata']);

const isEmptyValue = (v: unknown): boolean => (isRecord(v) && Object.keys(v).length === 0) || (Array.isArray(v) && v.length === 0);

type Tree = Record<string, unknown>;

/** Node membership as fieldsV1 spells it: a leaf member is `{}`, a member with children also has `".": {}` first. */
function node(member: boolean, children: Tree | undefined): Tree | undefined {
  if (children === undefined) return member ? {} : undefined;
  return member ? { '.': {}, ...children } : children;
}

/**
 * fieldsV1 of every field `obj` sets, minus unownable metadata and the `ignored` subtrees
 * (property paths, e.g. [['status']]); undefined when nothing is left to own. Emitted directly in
 * kube's member order (".", then f:, k:, v:, i: elements, each sorted).
 */
export function newObjectFieldsV1(obj: JsonRecord, meta: PatchMeta, ignored: ReadonlyArray<readonly string[]>): Tree | undefined {
  return fields(obj, rootFacts(meta, ignored), UNOWNED_ROOT);
}

/** The members of a struct or data map; `unowned` names members stripped here (their subtrees stay). */
function fields(o: JsonRecord, at: PathFacts, unowned?: ReadonlySet<string>): Tree | undefined {
  let out: Tree | undefined;
  const keys = sortInPlace(Object.keys(o), bytewise);
  for (const k of keys) {
    const v = o[k];
    if (v === undefined) continue;
    const facts = at.child(k);
    if (facts.ignored) continue;
    let sub: Tree | undefined;
    if (unowned === UNOWNED_ROOT && k === 'metadata' && isRecord(v)) {
      const { managedFields: _dropped, ...rest } = v;
      sub = fields(rest, facts, UNOWNED_METADATA);
    } else {
      sub = value(v, facts, unowned?.has(k) === true);
    }
    if (sub !== undefined) (out ??= {})[facts.element] = sub;
  }
  return out;
}

function value(v: unknown, facts: PathFacts, stripped: boolean): Tree | undefined {
  if ((!isRecord(v) && !Array.isArray(v)) || isEmptyValue(v)) return stripped ? undefined : {};
  if (isRecord(v)) {
    if (facts.atomicMap) return stripped ? undefined : {};
    return node(facts.dataMap && !stripped, fields(v, facts));
  }
  const kind = facts.list;
  if (kind.kind === 'atomic') return stripped ? undefined : {};
  if (v.length === 0) return undefined;
  // Each item's element, then items in member order; of items with the same element the first wins.
  const order: number[] = new Array<number>(v.length);
  const elements: PathElement[] = new Array<PathElement>(v.length);
  for (let i = 0; i < v.length; i++) {
    elements[i] = itemElement(kind, v[i], i);
    order[i] = i;
  }
  sortInPlace(order, (a, b) => elementOrder(elements[a]!, elements[b]!) || a - b);
  const out: Tree = {};
  for (const i of order) {
    const e = elements[i]!;
    if (e in out) continue;
    const item = v[i];
    // List items share their list's property path (patch metadata paths omit indices).
    out[e] = node(true, kind.kind === 'map' && isRecord(item) ? fields(item, facts) : undefined);
  }
  return out;
}

const bytewise = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Beyond this many members, Array#sort (insertion sort is quadratic, and bodies come from clients). */
const INSERTION_SORT_MAX = 32;

/**
 * Insertion sort, in place: objects and lists here mostly have a handful of members, and Array#sort
 * allocates a work copy per call, which on a create was a fifth of all the bytes it allocated.
 */
function sortInPlace<T>(a: T[], cmp: (x: T, y: T) => number): T[] {
  if (a.length > INSERTION_SORT_MAX) return a.sort(cmp);
  for (let i = 1; i < a.length; i++) {
    const x = a[i]!;
    let j = i - 1;
    while (j >= 0 && cmp(a[j]!, x) > 0) {
      a[j + 1] = a[j]!;
      j--;
    }
    a[j + 1] = x;
  }
  return a;
}

