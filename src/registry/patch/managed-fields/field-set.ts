/**
 * A set of field paths (what one manager owns), with the fieldsV1 tree encoding kube stores in
 * metadata.managedFields: each element is a key, a leaf member is `{}`, and a node that is both a
 * member and has children carries `".": {}`.
 */
import { isRecord } from '../json-value';
import { pathKey, splitPathKey, type FieldPath, type PathElement } from './field-path';

export class FieldSet {
  private readonly keys: Set<string>;

  constructor(keys?: Iterable<string>) {
    this.keys = new Set(keys);
  }

  static of(paths: Iterable<FieldPath>): FieldSet {
    const s = new FieldSet();
    for (const p of paths) s.insert(p);
    return s;
  }

  insert(path: FieldPath): void {
    this.keys.add(pathKey(path));
  }

  has(path: FieldPath): boolean {
    return this.keys.has(pathKey(path));
  }

  get size(): number {
    return this.keys.size;
  }

  isEmpty(): boolean {
    return this.keys.size === 0;
  }

  paths(): PathElement[][] {
    return [...this.keys].sort().map(splitPathKey);
  }

  union(other: FieldSet): FieldSet {
    return new FieldSet([...this.keys, ...other.keys]);
  }

  difference(other: FieldSet): FieldSet {
    return new FieldSet([...this.keys].filter((k) => !other.keys.has(k)));
  }

  intersection(other: FieldSet): FieldSet {
    return new FieldSet([...this.keys].filter((k) => other.keys.has(k)));
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
    const walk = (node: unknown, prefix: PathElement[]): void => {
      if (!isRecord(node)) return;
      for (const [k, child] of Object.entries(node)) {
        if (k === '.') {
          if (prefix.length > 0) set.insert(prefix);
          continue;
        }
        const path = [...prefix, k];
        if (isRecord(child) && Object.keys(child).length === 0) set.insert(path);
        else walk(child, path);
      }
    };
    walk(tree, []);
    return set;
  }

  /** Encodes as a fieldsV1 tree with kube's member order: ".", then f:, k:, v:, i: elements each sorted. */
  toFieldsV1(): Record<string, unknown> {
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
    const rank = (e: string): number => ['f:', 'k:', 'v:', 'i:'].indexOf(e.slice(0, 2));
    const emit = (n: Node): Record<string, unknown> => {
      const out: Record<string, unknown> = {};
      if (n.member && n.children.size > 0) out['.'] = {};
      const keys = [...n.children.keys()].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
      for (const k of keys) out[k] = emit(n.children.get(k)!);
      return out;
    };
    return emit(root);
  }
}
