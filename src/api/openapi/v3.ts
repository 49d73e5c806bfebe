/**
 * OpenAPI v3 documents generated from the served resources and the schemas in schemas/ (the same ones
 * ajv validates with): the `/openapi/v3` index and one document per group-version with kube's paths,
 * operations (carrying `x-kubernetes-group-version-kind`, `x-kubernetes-action` and the
 * `fieldValidation` parameter) and the component schemas `kubectl explain` reads.
 */
import { createHash } from 'crypto';
import type { ResourceInfo } from '../../registry/rest';
import type { JSONSchema, SchemaSet } from '../schemas';
import { SCHEMA_REF_PREFIX } from '../schemas';
import { deleteParams, listParams, patchParams, pathParam, pretty, writeParams } from './parameters';
import type { ParameterObject } from './parameters';

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1.';

export interface OpenApiInfo {
  /** Reported as info.version, like kube-apiserver's gitVersion (e.g. "v1.32.4"). */
  version: string;
}

export interface OpenApiV3Document {
  openapi: '3.0.0';
  info: { title: string; version: string };
  paths: Record<string, PathItem>;
  components: { schemas: Record<string, JSONSchema> };
}

export interface MediaContent {
  [mediaType: string]: { schema: JSONSchema };
}

export interface Operation {
  tags: string[];
  description: string;
  operationId: string;
  parameters?: ParameterObject[];
  requestBody?: { content: MediaContent; required: boolean };
  responses: Record<string, { description: string; content?: MediaContent }>;
  'x-kubernetes-action': string;
  'x-kubernetes-group-version-kind': { group: string; version: string; kind: string };
}

export interface PathItem {
  get?: Operation;
  put?: Operation;
  post?: Operation;
  delete?: Operation;
  patch?: Operation;
  parameters?: ParameterObject[];
}

export interface GroupVersionDoc {
  /** Index key: `api/v1`, `apis/coordination.k8s.io/v1`. */
  key: string;
  body: Buffer;
  /** Upper-case hex SHA-512 of body, as kube puts in `?hash=` and the ETag. */
  hash: string;
}

export interface OpenApiV3Set {
  index(): { paths: Record<string, { serverRelativeURL: string }> };
  doc(key: string): GroupVersionDoc | undefined;
  /** The documents as objects (for the v2 document's paths). */
  documents(): OpenApiV3Document[];
}

interface Placed {
  info: ResourceInfo;
  subresources: ResourceInfo[];
}

/** Groups top-level resources by group-version and attaches each subresource to its parent (as discovery does). */
function placeResources(resources: ResourceInfo[]): Map<string, Placed[]> {
  const top = resources.filter((r) => !r.resource.includes('/'));
  const out = new Map<string, Placed[]>();
  const placed = new Map<ResourceInfo, Placed>();
  for (const r of top) {
    const key = gvKey(r.group, r.version);
    const p: Placed = { info: r, subresources: [] };
    placed.set(r, p);
    out.set(key, [...(out.get(key) ?? []), p]);
  }
  for (const sub of resources.filter((r) => r.resource.includes('/'))) {
    const parentName = sub.resource.split('/')[0];
    const parent =
      top.find((p) => p.resource === parentName && p.group === sub.group && p.version === sub.version) ??
      top.find((p) => p.resource === parentName && p.group === '' && p.version === 'v1') ??
      top.find((p) => p.resource === parentName);
    if (parent) placed.get(parent)!.subresources.push(sub);
  }
  return out;
}

export function gvKey(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

function subresourceKind(r: ResourceInfo): { group: string; version: string; kind: string } {
  if (r.kind === 'Scale' && r.group === '') return { group: 'autoscaling', version: 'v1', kind: 'Scale' };
  return { group: r.group, version: r.version, kind: r.kind };
}

function groupPrefix(group: string): string {
  if (!group) return 'Core';
  const first = group.split('.')[0]!;
  return first.charAt(0).toUpperCase() + first.slice(1);
}

const cap = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
const ref = (name: string): JSONSchema => ({ $ref: SCHEMA_REF_PREFIX + name });

export function buildOpenApiV3(resources: ResourceInfo[], schemas: SchemaSet, info: OpenApiInfo): OpenApiV3Set {
  const placed = placeResources(resources);
  const docs = new Map<string, GroupVersionDoc>();
  const objects: OpenApiV3Document[] = [];
  for (const [key, list] of placed) {
    const doc = buildGroupVersionDoc(list, schemas, info);
    objects.push(doc);
    const body = Buffer.from(JSON.stringify(doc));
    docs.set(key, { key, body, hash: createHash('sha512').update(body).digest('hex').toUpperCase() });
  }
  return {
    index: () => ({
      paths: Object.fromEntries([...docs.values()].map((d) => [d.key, { serverRelativeURL: `/openapi/v3/${d.key}?hash=${d.hash}` }])),
    }),
    doc: (key) => docs.get(key),
    documents: () => objects,
  };
}

function buildGroupVersionDoc(list: Placed[], schemas: SchemaSet, info: OpenApiInfo): OpenApiV3Document {
  const paths: Record<string, PathItem> = {};
  const roots = new Set<string>([META + 'DeleteOptions', META + 'Status', META + 'WatchEvent', META + 'Patch']);
  const schemaFor = (gvk: { group: string; version: string; kind: string }): JSONSchema | undefined => {
    const name = schemas.definitionFor(gvk.group, gvk.version, gvk.kind);
    if (!name) return undefined;
    roots.add(name);
    return ref(name);
  };
  const json = (schema: JSONSchema | undefined): MediaContent | undefined =>
    schema ? { 'application/json': { schema }, 'application/yaml': { schema }, 'application/vnd.kubernetes.protobuf': { schema } } : undefined;
  const responses = (schema: JSONSchema | undefined, codes: string[]): Operation['responses'] => {
    const out: Operation['responses'] = {};
    const descriptions: Record<string, string> = { '200': 'OK', '201': 'Created', '202': 'Accepted' };
    for (const c of codes) out[c] = { description: descriptions[c]!, ...(schema ? { content: json(schema) } : {}) };
    out['401'] = { description: 'Unauthorized' };
    return out;
  };
  const body = (schema: JSONSchema | undefined): Operation['requestBody'] => ({ content: { '*/*': { schema: schema ?? { type: 'object' } } }, required: true });

  for (const { info: r, subresources } of list) {
    const base = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
    const collection = r.namespaced ? `${base}/namespaces/{namespace}/${r.resource}` : `${base}/${r.resource}`;
    const item = `${collection}/{name}`;
    const gvk = { group: r.group, version: r.version, kind: r.kind };
    const listGvk = { group: r.group, version: r.version, kind: r.listKind };
    const ns = r.namespaced ? 'Namespaced' : '';
    const id = (verb: string, suffix = ''): string => `${verb}${groupPrefix(r.group)}${cap(r.version)}${ns}${r.kind}${suffix}`;
    const tags = [`${r.group ? groupPrefix(r.group).toLowerCase() + '_' : 'core_'}${r.version}`];
    const objSchema = schemaFor(gvk);
    const listSchema = schemaFor(listGvk);
    const statusSchema = ref(META + 'Status');
    const has = (v: string): boolean => r.verbs.includes(v);
    const scopeParams = r.namespaced ? [pathParam('namespace', '')] : [];

    const coll: PathItem = { parameters: [...scopeParams, pretty] };
    if (has('list')) coll.get = op(tags, `list or watch objects of kind ${r.kind}`, id('list'), 'list', listGvk, listParams, undefined, responses(listSchema, ['200']));
    if (has('create')) coll.post = op(tags, `create ${article(r.kind)}`, id('create'), 'post', gvk, writeParams, body(objSchema), responses(objSchema, ['200', '201', '202']));
    if (has('deletecollection')) coll.delete = op(tags, `delete collection of ${r.kind}`, id('deletecollection', ''), 'deletecollection', gvk, [...deleteParams, ...listParams], body(ref(META + 'DeleteOptions')), responses(statusSchema, ['200']));
    if (coll.get || coll.post || coll.delete) paths[collection] = coll;
    if (coll.delete) coll.delete.operationId = `deleteCollection${groupPrefix(r.group)}${cap(r.version)}${ns}${r.kind}`;

    const one: PathItem = { parameters: [pathParam('name', r.kind), ...scopeParams, pretty] };
    if (has('get')) one.get = op(tags, `read the specified ${r.kind}`, id('read'), 'get', gvk, undefined, undefined, responses(objSchema, ['200']));
    if (has('update')) one.put = op(tags, `replace the specified ${r.kind}`, id('replace'), 'put', gvk, writeParams, body(objSchema), responses(objSchema, ['200', '201']));
    // kubectl decides that the server validates a kind (fieldValidation) by looking only at PATCH
    // operations, so a writable kind without the patch verb (legacy v1beta1) still gets one.
    if (has('patch') || has('create') || has('update')) one.patch = op(tags, `partially update the specified ${r.kind}`, id('patch'), 'patch', gvk, patchParams, patchBody(), responses(objSchema, ['200', '201']));
    if (has('delete')) one.delete = op(tags, `delete ${article(r.kind)}`, id('delete'), 'delete', gvk, deleteParams, body(ref(META + 'DeleteOptions')), responses(objSchema ?? statusSchema, ['200', '202']));
    if (one.get || one.put || one.patch || one.delete) paths[item] = one;

    if (r.namespaced && has('list')) {
      paths[`${base}/${r.resource}`] = {
        parameters: [pretty],
        get: op(tags, `list or watch objects of kind ${r.kind}`, id('list', 'ForAllNamespaces').replace('Namespaced', ''), 'list', listGvk, listParams, undefined, responses(listSchema, ['200'])),
      };
    }

    for (const sub of subresources) {
      const name = sub.resource.slice(sub.resource.indexOf('/') + 1);
      const sgvk = subresourceKind(sub);
      const sSchema = name === 'log' ? { type: 'string' } : schemaFor(sgvk);
      const sid = (verb: string): string => id(verb, cap(name));
      const sp: PathItem = { parameters: [pathParam('name', sgvk.kind), ...scopeParams, pretty] };
      const sh = (v: string): boolean => sub.verbs.includes(v);
      const what = `${name} of the specified ${r.kind}`;
      if (sh('get')) sp.get = op(tags, `read ${what}`, sid('read'), 'get', sgvk, undefined, undefined, responses(sSchema, ['200']));
      if (sh('create')) sp.post = op(tags, `create ${what}`, sid('create'), 'post', sgvk, writeParams, body(sSchema), responses(sSchema, ['200', '201', '202']));
      if (sh('update')) sp.put = op(tags, `replace ${what}`, sid('replace'), 'put', sgvk, writeParams, body(sSchema), responses(sSchema, ['200', '201']));
      if (sh('patch')) sp.patch = op(tags, `partially update ${what}`, sid('patch'), 'patch', sgvk, patchParams, patchBody(), responses(sSchema, ['200', '201']));
      paths[`${item}/${name}`] = sp;
    }
  }

  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: info.version },
    paths,
    components: { schemas: closure(roots, schemas) },
  };
}

function op(
  tags: string[],
  description: string,
  operationId: string,
  action: string,
  gvk: { group: string; version: string; kind: string },
  params: ParameterObject[] | undefined,
  requestBody: Operation['requestBody'] | undefined,
  responses: Operation['responses'],
): Operation {
  const o: Operation = { tags, description, operationId, responses, 'x-kubernetes-action': action, 'x-kubernetes-group-version-kind': gvk };
  if (params) o.parameters = params;
  if (requestBody) o.requestBody = requestBody;
  return o;
}

function patchBody(): Operation['requestBody'] {
  const schema = ref(META + 'Patch');
  return {
    content: {
      'application/apply-patch+yaml': { schema },
      'application/json-patch+json': { schema },
      'application/merge-patch+json': { schema },
      'application/strategic-merge-patch+json': { schema },
    },
    required: true,
  };
}

function article(kind: string): string {
  return /^[AEIOU]/.test(kind) ? `an ${kind}` : `a ${kind}`;
}

/** The named definitions plus everything they reference. */
export function closure(roots: Iterable<string>, schemas: SchemaSet): Record<string, JSONSchema> {
  const out: Record<string, JSONSchema> = {};
  const pending = [...roots];
  while (pending.length > 0) {
    const name = pending.pop()!;
    if (out[name] || !schemas.definitions[name]) continue;
    const def = schemas.definitions[name]!;
    out[name] = def;
    collectRefs(def, pending);
  }
  return Object.fromEntries(Object.keys(out).sort().map((k) => [k, out[k]!]));
}

function collectRefs(s: unknown, into: string[]): void {
  if (Array.isArray(s)) {
    for (const x of s) collectRefs(x, into);
    return;
  }
  if (typeof s !== 'object' || s === null) return;
  for (const [k, v] of Object.entries(s)) {
    if (k === '$ref' && typeof v === 'string' && v.startsWith(SCHEMA_REF_PREFIX)) into.push(v.slice(SCHEMA_REF_PREFIX.length));
    else collectRefs(v, into);
  }
}
