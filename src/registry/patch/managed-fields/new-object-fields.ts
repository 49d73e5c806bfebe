/**
 * The fieldsV1 tree a manager gets for writing a brand-new object when nobody else manages it:
 * exactly what the general Update path computes (compare an empty object with the new one, own
 * every added path, strip the unownable metadata and the reset subtrees, encode as fieldsV1), but
 * built in one walk straight into the tree. Creates are the hottest write; the general path's
 * string path sets cost several times the rest of the request.
 */
import { isRecord, type JsonRecord } from '../json-value';
import type { PatchMeta } from '../patch-meta';
import { fieldElement, type PathElement } from './field-path';
import { Schema } from './typed-walk';

interface Node {
  member: boolean;
  children: Map<PathElement, Node> | undefined;
}

/** metadata fields no manager owns (kube's stripMeta); `metadata` itself is not a member either. */
const UNOWNED_METADATA = new Set(
  ['name', 'namespace', 'creationTimestamp', 'selfLink', 'uid', 'clusterName', 'generation', 'managedFields', 'resourceVersion'].map(fieldElement),
);
const UNOWNED_ROOT = new Set([fieldElement('apiVersion'), fieldElement('kind'), fieldElement('metadata')]);

const isEmptyValue = (v: unknown): boolean => (isRecord(v) && Object.keys(v).length === 0) || (Array.isArray(v) && v.length === 0);

/**
 * fieldsV1 of every field `obj` sets, minus unownable metadata and the `ignored` subtrees
 * (property paths, e.g. [['status']]); undefined when nothing is left to own.
 */
export function newObjectFieldsV1(obj: JsonRecord, meta: PatchMeta, ignored: ReadonlyArray<readonly string[]>): Record<string, unknown> | undefined {
  const schema = new Schema(meta);
  const root: Node = { member: false, children: undefined };
  const child = (n: Node, e: PathElement): Node => {
    n.children ??= new Map();
    let c = n.children.get(e);
    if (!c) {
      c = { member: false, children: undefined };
      n.children.set(e, c);
    }
    return c;
  };
  const fields = (o: JsonRecord, node: Node, metaPrefix: readonly string[]): void => {
    for (const k of Object.keys(o)) {
      const v = o[k];
      if (v === undefined) continue;
      const metaPath = [...metaPrefix, k];
      value(v, child(node, fieldElement(k)), metaPath);
    }
  };
  const value = (v: unknown, node: Node, metaPath: readonly string[]): void => {
    if ((!isRecord(v) && !Array.isArray(v)) || isEmptyValue(v)) {
      node.member = true;
    } else if (isRecord(v)) {
      if (schema.atomicMap(metaPath)) {
        node.member = true;
        return;
      }
      if (schema.dataMap(metaPath)) node.member = true;
      fields(v, node, metaPath);
    } else {
      const kind = schema.list(metaPath);
      if (kind.kind === 'atomic') {
        node.member = true;
        return;
      }
      const seen = new Set<PathElement>();
      (v as unknown[]).forEach((item, i) => {
        const e = schema.itemElement(kind, item, i);
        if (seen.has(e)) return;
        seen.add(e);
        const itemNode = child(node, e);
        itemNode.member = true;
        if (kind.kind === 'map' && isRecord(item)) fields(item, itemNode, metaPath);
      });
    }
  };
  const copy: JsonRecord = { ...obj };
  if (isRecord(copy.metadata)) {
    const { managedFields: _dropped, ...rest } = copy.metadata;
    copy.metadata = rest;
  }
  fields(copy, root, []);

  for (const e of UNOWNED_ROOT) {
    const n = root.children?.get(e);
    if (n) n.member = false;
  }
  const metadata = root.children?.get(fieldElement('metadata'));
  for (const e of UNOWNED_METADATA) {
    const n = metadata?.children?.get(e);
    if (n) n.member = false;
  }
  for (const path of ignored) {
    let parent: Node | undefined = root;
    for (let i = 0; i < path.length - 1 && parent; i++) parent = parent.children?.get(fieldElement(path[i]!));
    if (path.length > 0) parent?.children?.delete(fieldElement(path[path.length - 1]!));
  }
  return emit(root);
}

const RANK: Record<string, number> = { 'f:': 0, 'k:': 1, 'v:': 2, 'i:': 3 };
const rank = (e: string): number => RANK[e.slice(0, 2)] ?? -1;
const order = (a: string, b: string): number => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0);

/** kube's fieldsV1 member order: ".", then f:, k:, v:, i: elements, each sorted; empty branches dropped. */
function emit(n: Node): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  let any = false;
  if (n.children) {
    const kids: Array<[string, Record<string, unknown>]> = [];
    for (const e of [...n.children.keys()].sort(order)) {
      const sub = emit(n.children.get(e)!);
      if (sub) kids.push([e, sub]);
    }
    if (n.member && kids.length > 0) out['.'] = {};
    for (const [e, sub] of kids) out[e] = sub;
    any = kids.length > 0;
  }
  return any || n.member ? out : undefined;
}
