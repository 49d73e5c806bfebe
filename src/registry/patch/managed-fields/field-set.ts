/**
 * A set of field paths (what one manager owns), with the fieldsV1 tree encoding kube stores in
 * metadata.managedFields: each element is a key, a leaf member is `{}`, and a node that is both a
 * member and has children carries `".": {}`.
 */
import { isRecord } from '../json-value';
import { elementOrder, elementRank, pathKey, splitPathKey, type FieldPath, type PathElement } from './field-path';

export class FieldSet {
  private members: Set<string> | undefined;
  /**
   * The fieldsV1 tree this set was decoded from, while the set is unchanged. Stored objects carry
   * one tree per manager and most writes leave most managers alone: membership is probed in the
   * tree, and the tree is written back as is, without decoding every path into a string and
   * sorting them all again (that was most of an update's bookkeeping).
   */
  private source: Record<string, unknown> | undefined;

  constructor(keys?: Iterable<string>) {
    this.members = new Set(keys);
  }

  private get keys(): Set<string> {
    if (this.members === undefined) {
      this.members = new Set();
      collectMembers(this.source, [], this.members);
    }
    return this.members;
  }

  static of(paths: Iterable<FieldPath>): FieldSet {
    const s = new FieldSet();
    for (const p of paths) s.insert(p);
    return s;
  }

  insert(path: FieldPath): void {
    this.keys.add(pathKey(path));
    this.source = undefined;
  }

  has(path: FieldPath): boolean {
    if (this.members === undefined) return treeHas(this.source, path);
    return this.members.has(pathKey(path));
  }

  private hasKey(key: string): boolean {
    if (this.members === undefined) return treeHas(this.source, splitPathKey(key));
    return this.members.has(key);
  }

  get size(): number {
    return this.keys.size;
  }

  isEmpty(): boolean {
    if (this.members === undefined) return !treeHasMember(this.source, true);
    return this.members.size === 0;
  }

  paths(): PathElement[][] {
    return [...this.keys].sort().map(splitPathKey);
  }

  union(other: FieldSet): FieldSet {
    if (other.isEmpty()) return this;
    if (this.isEmpty()) return other;
    return new FieldSet([...this.keys, ...other.keys]);
  }

  /** this minus other; `this` itself when other removes nothing (so an unchanged set keeps its tree). */
  difference(other: FieldSet): FieldSet {
    if (other.isEmpty() || this.isEmpty()) return this;
    let touched = false;
    for (const k of other.keys) {
      if (this.hasKey(k)) {
        touched = true;
        break;
      }
    }
    if (!touched) return this;
    return new FieldSet([...this.keys].filter((k) => !other.hasKey(k)));
  }

  intersection(other: FieldSet): FieldSet {
    if (this.isEmpty() || other.isEmpty()) return new FieldSet();
    // Walk the set whose members are at hand; probe the other (cheap for a tree-backed set).
    const [walk, probe] = this.members === undefined && other.members !== undefined ? [other, this] : [this, other];
    return new FieldSet([...walk.keys].filter((k) => probe.hasKey(k)));
  }

  /** Removes every path equal to or below one of `prefixes` (a recursive difference). */
  withoutSubtrees(prefixes: readonly FieldPath[]): FieldSet {
    const ps = prefixes.map(pathKey);
    return new FieldSet([...this.keys].filter((k) => !ps.some((p) => k === p || k.startsWith(p + '\u0000'))));
  }

  /** Every proper ancestor of every member: "owns something below this path". */
  ancestors(): Set<string> {
    const out = new Set<string>();
    for (const k of this.keys) {
      const parts = splitPathKey(k);
      for (let i = 1; i < parts.length; i++) out.add(pathKey(parts.slice(0, i)));
    }
    return out;
  }

  equals(other: FieldSet): boolean {
    return this.keys.size === other.keys.size && [...this.keys].every((k) => other.keys.has(k));
  }

  /** Decodes a fieldsV1 tree; malformed input yields whatever well-formed part it has. */
  static fromFieldsV1(tree: unknown): FieldSet {
    const set = new FieldSet();
    if (!isRecord(tree)) return set;
    set.members = undefined;
    set.source = tree;
    return set;
  }

  /** Encodes as a fieldsV1 tree with kube's member order: ".", then f:, k:, v:, i: elements each sorted. */
  toFieldsV1(): Record<string, unknown> {
    // Canonical trees (written by this server) go back out unchanged; anything else is re-encoded.
    if (this.source !== undefined && isCanonical(this.source)) return this.source;
    interface Node {
      member: boolean;
      children: Map<string, Node>;
    }
    const root: Node = { member: false, children: new Map() };
    for (const path of this.paths()) {
      let n = root;
      for (const e of path) {
        let c = n.children.get(e);
        if (!c) {
          c = { member: false, children: new Map() };
          n.children.set(e, c);
        }
        n = c;
      }
      n.member = true;
    }
    const emit = (n: Node): Record<string, unknown> => {
      const out: Record<string, unknown> = {};
      if (n.member && n.children.size > 0) out['.'] = {};
      const keys = [...n.children.keys()].sort(elementOrder);
      for (const k of keys) out[k] = emit(n.children.get(k)!);
      return out;
    };
    return emit(root);
  }
}

/** The members a fieldsV1 tree encodes: "." marks its parent; an empty object is a leaf member. */
function collectMembers(node: unknown, prefix: PathElement[], out: Set<string>): void {
  if (!isRecord(node)) return;
  for (const k of Object.keys(node)) {
    const child = node[k];
    if (k === '.') {
      if (prefix.length > 0) out.add(pathKey(prefix));
      continue;
    }
    prefix.push(k);
    if (isRecord(child) && Object.keys(child).length === 0) out.add(pathKey(prefix));
    else collectMembers(child, prefix, out);
    prefix.pop();
  }
}

/** Is `path` a member of the tree (a leaf `{}` or a node with ".")? */
function treeHas(tree: unknown, path: FieldPath): boolean {
  if (path.length === 0) return false;
  let node: unknown = tree;
  for (const e of path) {
    if (!isRecord(node) || e === '.') return false;
    node = node[e];
  }
  if (!isRecord(node)) return false;
  for (const k in node) {
    if (k === '.') return true;
    return Object.prototype.hasOwnProperty.call(node, '.');
  }
  return true; // an empty object: a leaf member
}

/** Does the tree hold any member at all? (`root`: the root's own "." does not count.) */
function treeHasMember(node: unknown, root: boolean): boolean {
  if (!isRecord(node)) return false;
  const keys = Object.keys(node);
  if (keys.length === 0) return !root;
  for (const k of keys) {
    if (k === '.') {
      if (!root) return true;
      continue;
    }
    if (treeHasMember(node[k], false)) return true;
  }
  return false;
}


/**
 * Whether a tree is already in the form toFieldsV1 writes: "." first and only beside children,
 * elements in rank-then-byte order, every branch ending in a member. Then it can be reused as is.
 */
function isCanonical(node: Record<string, unknown>, root = true): boolean {
  let prev: string | undefined;
  let prevRank = -1;
  let first = true;
  let dot = false;
  for (const k in node) {
    const child = node[k];
    if (!isRecord(child)) return false;
    if (k === '.') {
      if (!first || root || !isEmptyRecord(child)) return false;
      dot = true;
      first = false;
      continue;
    }
    first = false;
    const r = elementRank(k);
    if (r < 0) return false;
    if (prev !== undefined && (prevRank > r || (prevRank === r && prev >= k))) return false;
    prev = k;
    prevRank = r;
    if (!isEmptyRecord(child) && !isCanonical(child, false)) return false;
  }
  // "." alone would be written as a leaf {}.
  return !(dot && prev === undefined);
}

function isEmptyRecord(v: Record<string, unknown>): boolean {
  for (const _ in v) return false;
  return true;
}
