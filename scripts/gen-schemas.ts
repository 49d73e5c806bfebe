/**
 * Generates schemas/*.json: OpenAPI-v3-style definitions (keyed by kube's definition names) for every
 * kind km serves. They are the single source for ajv validation (src/api/schemas.ts) and for the
 * published OpenAPI (src/api/openapi), so the two cannot drift.
 *
 * Sources (both maintained npm packages, already installed as dev deps):
 * - @kubernetes/client-node model classes (generated from kube's v1.34 OpenAPI): structure, required
 *   fields and numeric formats from each class's `attributeTypeMap`, descriptions from its .d.ts JSDoc.
 * - kubernetes-types declarations: cleaner descriptions, and which strings are Quantity / MicroTime.
 * Patch strategies and list types are not in either package; PATCH_META below carries them, taken from
 * the struct tags in k8s.io/api core/v1 types.go and apimachinery meta/v1 types.go.
 *
 * Run: npx tsx scripts/gen-schemas.ts
 */
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

type Json = Record<string, unknown>;

interface Attribute {
  name: string;
  baseName: string;
  type: string;
  format: string;
}

const ROOT = path.resolve(__dirname, '..');
const MODELS = path.join(ROOT, 'node_modules/@kubernetes/client-node/dist/gen/models');
const KTYPES = path.join(ROOT, 'node_modules/kubernetes-types');
// KM_SCHEMAS_OUT lets the freshness test regenerate into a temp dir and compare.
const OUT = process.env.KM_SCHEMAS_OUT ?? path.join(ROOT, 'schemas');

const CORE = 'io.k8s.api.core.v1.';
const META = 'io.k8s.apimachinery.pkg.apis.meta.v1.';
const AUTOSCALING = 'io.k8s.api.autoscaling.v1.';
const COORDINATION = 'io.k8s.api.coordination.v1.';
const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
const RAW_EXTENSION = 'io.k8s.apimachinery.pkg.runtime.RawExtension';

/** Root kinds served by km, with the GVKs they are published under. */
const ROOTS: Array<{ cls: string; gvk: Array<{ group: string; version: string; kind: string }> }> = [
  ...['Pod', 'Service', 'Endpoints', 'ReplicationController', 'ConfigMap', 'Secret', 'Namespace', 'Node', 'Binding'].flatMap((k) => [
    { cls: `V1${k}`, gvk: [{ group: '', version: 'v1', kind: k }] },
    ...(k === 'Binding' ? [] : [{ cls: `V1${k}List`, gvk: [{ group: '', version: 'v1', kind: `${k}List` }] }]),
  ]),
  { cls: 'CoreV1Event', gvk: [{ group: '', version: 'v1', kind: 'Event' }] },
  { cls: 'CoreV1EventList', gvk: [{ group: '', version: 'v1', kind: 'EventList' }] },
  { cls: 'V1Status', gvk: [{ group: '', version: 'v1', kind: 'Status' }] },
  {
    cls: 'V1DeleteOptions',
    gvk: [
      { group: '', version: 'v1', kind: 'DeleteOptions' },
      { group: 'autoscaling', version: 'v1', kind: 'DeleteOptions' },
      { group: 'coordination.k8s.io', version: 'v1', kind: 'DeleteOptions' },
      { group: 'meta.k8s.io', version: 'v1', kind: 'DeleteOptions' },
    ],
  },
  {
    cls: 'V1WatchEvent',
    gvk: [
      { group: '', version: 'v1', kind: 'WatchEvent' },
      { group: 'autoscaling', version: 'v1', kind: 'WatchEvent' },
      { group: 'coordination.k8s.io', version: 'v1', kind: 'WatchEvent' },
      { group: 'meta.k8s.io', version: 'v1', kind: 'WatchEvent' },
    ],
  },
  { cls: 'V1Scale', gvk: [{ group: 'autoscaling', version: 'v1', kind: 'Scale' }] },
  { cls: 'V1Lease', gvk: [{ group: 'coordination.k8s.io', version: 'v1', kind: 'Lease' }] },
  { cls: 'V1LeaseList', gvk: [{ group: 'coordination.k8s.io', version: 'v1', kind: 'LeaseList' }] },
];

interface PatchMeta {
  strategy?: string;
  mergeKey?: string;
  listType?: 'atomic' | 'set' | 'map';
  mapKeys?: string[];
}

/**
 * From the `patchStrategy`/`patchMergeKey` struct tags and `+listType`/`+listMapKey` markers upstream.
 * Keyed `<short definition name>.<json field>`; short names are unique across the groups we serve.
 */
const merge = (mergeKey: string, mapKeys: string[] = [mergeKey], strategy = 'merge'): PatchMeta => ({
  strategy,
  mergeKey,
  listType: 'map',
  mapKeys,
});
const PATCH_META: Record<string, PatchMeta> = {
  'ObjectMeta.finalizers': { strategy: 'merge', listType: 'set' },
  'ObjectMeta.ownerReferences': merge('uid'),
  'ObjectMeta.managedFields': { listType: 'atomic' },
  'PodSpec.volumes': merge('name', ['name'], 'merge,retainKeys'),
  'PodSpec.initContainers': merge('name'),
  'PodSpec.containers': merge('name'),
  'PodSpec.ephemeralContainers': merge('name'),
  'PodSpec.imagePullSecrets': merge('name'),
  'PodSpec.hostAliases': merge('ip'),
  'PodSpec.topologySpreadConstraints': merge('topologyKey', ['topologyKey', 'whenUnsatisfiable']),
  'PodSpec.resourceClaims': merge('name', ['name'], 'merge,retainKeys'),
  'PodSpec.schedulingGates': merge('name'),
  'PodSpec.tolerations': { listType: 'atomic' },
  'PodSpec.readinessGates': { listType: 'atomic' },
  'Container.ports': merge('containerPort', ['containerPort', 'protocol']),
  'Container.env': merge('name'),
  'Container.volumeMounts': merge('mountPath'),
  'Container.volumeDevices': merge('devicePath'),
  'Container.envFrom': { listType: 'atomic' },
  'Container.resizePolicy': { listType: 'atomic' },
  'Container.command': { listType: 'atomic' },
  'Container.args': { listType: 'atomic' },
  'EphemeralContainer.ports': merge('containerPort', ['containerPort', 'protocol']),
  'EphemeralContainer.env': merge('name'),
  'EphemeralContainer.volumeMounts': merge('mountPath'),
  'EphemeralContainer.volumeDevices': merge('devicePath'),
  'PodStatus.conditions': merge('type'),
  'PodStatus.podIPs': merge('ip'),
  'PodStatus.hostIPs': { strategy: 'merge', mergeKey: 'ip', listType: 'atomic' },
  'PodStatus.resourceClaimStatuses': merge('name', ['name'], 'merge,retainKeys'),
  'ServiceSpec.ports': merge('port', ['port', 'protocol']),
  'ServiceSpec.externalIPs': { listType: 'atomic' },
  'ServiceSpec.clusterIPs': { listType: 'atomic' },
  'ServiceStatus.conditions': merge('type'),
  'NodeSpec.podCIDRs': { strategy: 'merge', listType: 'set' },
  'NodeSpec.taints': { listType: 'atomic' },
  'NodeStatus.addresses': { strategy: 'merge', mergeKey: 'type', listType: 'atomic' },
  'NodeStatus.conditions': merge('type'),
  'ReplicationControllerStatus.conditions': merge('type'),
  'NamespaceStatus.conditions': merge('type'),
  'EndpointSubset.addresses': { listType: 'atomic' },
  'EndpointSubset.notReadyAddresses': { listType: 'atomic' },
  'EndpointSubset.ports': { listType: 'atomic' },
  'Endpoints.subsets': { listType: 'atomic' },
  'LabelSelector.matchExpressions': { listType: 'atomic' },
};

/** Fields whose values are resource.Quantity when kubernetes-types does not know the type. */
const QUANTITY_FIELDS = new Set(['limits', 'requests', 'capacity', 'allocatable', 'divisor', 'sizeLimit', 'allocatedResources', 'storage']);

/** Definition names for a client-node class name (V1Pod → io.k8s.api.core.v1.Pod). */
function defName(cls: string, metaNames: Set<string>): string {
  const short = shortName(cls);
  if (metaNames.has(short)) return META + short;
  if (['Scale', 'ScaleSpec', 'ScaleStatus'].includes(short)) return AUTOSCALING + short;
  if (['Lease', 'LeaseSpec', 'LeaseList'].includes(short)) return COORDINATION + short;
  return CORE + short;
}

function shortName(cls: string): string {
  return cls.replace(/^(CoreV1|V1)/, '');
}

const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });

interface DocInfo {
  description?: string;
  props: Map<string, { description?: string; typeText: string }>;
}

function jsDocText(node: ts.Node): string | undefined {
  const docs = ts.getJSDocCommentsAndTags(node).filter(ts.isJSDoc);
  const texts = docs.map((d) => (typeof d.comment === 'string' ? d.comment : ts.getTextOfJSDocComment(d.comment) ?? '')).filter(Boolean);
  if (texts.length === 0) return undefined;
  // client-node's generator escapes quotes inside comments; kube's text has none.
  return texts.join('\n').replace(/\\(['"])/g, '$1').trim();
}

/** Declarations (interfaces or classes) of a .d.ts file: descriptions and property type texts. */
function readDeclarations(file: string): Map<string, DocInfo> {
  const out = new Map<string, DocInfo>();
  const src = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  src.forEachChild((node) => {
    if (!ts.isInterfaceDeclaration(node) && !ts.isClassDeclaration(node)) return;
    if (!node.name) return;
    const info: DocInfo = { description: jsDocText(node), props: new Map() };
    for (const m of node.members) {
      if (!(ts.isPropertySignature(m) || ts.isPropertyDeclaration(m)) || !m.name) continue;
      if (m.modifiers?.some((x) => x.kind === ts.SyntaxKind.StaticKeyword)) continue;
      const name = ts.isIdentifier(m.name) || ts.isStringLiteral(m.name) ? m.name.text : m.name.getText(src);
      info.props.set(name, { description: jsDocText(m), typeText: m.type ? m.type.getText(src) : '' });
    }
    out.set(node.name.text, info);
  });
  return out;
}

async function main(): Promise<void> {
  const ktypes = new Map<string, DocInfo>();
  const metaDecls = readDeclarations(path.join(KTYPES, 'meta/v1.d.ts'));
  const metaNames = new Set(metaDecls.keys());
  for (const f of ['core/v1.d.ts', 'autoscaling/v1.d.ts', 'coordination/v1.d.ts']) {
    for (const [k, v] of readDeclarations(path.join(KTYPES, f))) ktypes.set(f.split('/')[0] + ':' + k, v);
  }
  for (const [k, v] of metaDecls) ktypes.set('meta:' + k, v);

  const defs: Record<string, Json> = {};
  const gvkOf = new Map(ROOTS.map((r) => [r.cls, r.gvk]));

  const ktypesFor = (def: string): DocInfo | undefined => {
    const short = def.slice(def.lastIndexOf('.') + 1);
    const prefix = def.startsWith(META) ? 'meta' : def.startsWith(AUTOSCALING) ? 'autoscaling' : def.startsWith(COORDINATION) ? 'coordination' : 'core';
    return ktypes.get(`${prefix}:${short}`);
  };

  const pending: string[] = ROOTS.map((r) => r.cls);
  const seen = new Set<string>();
  while (pending.length > 0) {
    const cls = pending.shift()!;
    if (seen.has(cls)) continue;
    seen.add(cls);
    const name = defName(cls, metaNames);
    const mod = (await import(path.join(MODELS, `${cls}.js`))) as Record<string, { attributeTypeMap: Attribute[] }>;
    const attrs = mod[cls]!.attributeTypeMap;
    const cn = readDeclarations(path.join(MODELS, `${cls}.d.ts`)).get(cls);
    const kt = ktypesFor(name);
    const short = shortName(cls);

    const typeFor = (a: Attribute, typeText: string): Json => {
      const t = a.type;
      const arr = /^Array<(.+)>$/.exec(t);
      if (arr) {
        const inner = /^Array<(.+)>$/.exec(typeText)?.[1] ?? typeText;
        return { type: 'array', items: typeFor({ ...a, type: arr[1]! }, inner) };
      }
      const map = /^\{ \[key: string\]: (.+); \}$/.exec(t);
      if (map) {
        const inner = /:\s*([A-Za-z<>]+);?\s*\}$/.exec(typeText)?.[1] ?? '';
        return { type: 'object', additionalProperties: typeFor({ ...a, type: map[1]! }, inner) };
      }
      switch (t) {
        case 'string':
          if (typeText === 'Quantity' || (typeText === '' && QUANTITY_FIELDS.has(a.baseName))) return ref(QUANTITY);
          return a.format ? { type: 'string', format: a.format } : { type: 'string' };
        case 'number':
          return a.format === 'int32' || a.format === 'int64' ? { type: 'integer', format: a.format } : { type: 'number', format: 'double' };
        case 'boolean':
          return { type: 'boolean' };
        case 'Date':
          return ref(META + (typeText === 'MicroTime' || a.format === 'date-time-micro' ? 'MicroTime' : 'Time'));
        case 'V1MicroTime':
          return ref(META + 'MicroTime');
        case 'IntOrString':
          return ref(INT_OR_STRING);
        case 'any':
          if (a.baseName === 'fieldsV1') return ref(META + 'FieldsV1');
          if (short === 'WatchEvent' && a.baseName === 'object') return ref(RAW_EXTENSION);
          return { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
        default:
          if (/^[A-Z]/.test(t)) {
            pending.push(t);
            return ref(defName(t, metaNames));
          }
          throw new Error(`unhandled type ${t} in ${cls}.${a.baseName}`);
      }
    };

    const properties: Record<string, Json> = {};
    const required: string[] = [];
    for (const a of attrs) {
      const ktProp = kt?.props.get(a.baseName);
      const cnProp = cn?.props.get(a.name);
      // kubernetes-types spells Quantity/MicroTime; client-node flattens both to string/Date.
      let typeText = ktProp?.typeText ?? '';
      typeText = typeText.replace(/^Array<(.+)>$/, 'Array<$1>');
      if (/\[name: string\]: Quantity/.test(typeText)) typeText = '{ [key: string]: Quantity; }';
      let schema = typeFor(a, typeText);
      // client-node is newer (v1.34) so its text wins, except where its generator copied a scalar
      // type's own description (IntOrString, MicroTime) onto the field instead of the field's.
      const copiedTypeDoc = /^(IntOrString is a type|MicroTime is version|Time is a wrapper|Quantity is a fixed-point)/;
      const cnDescription = cnProp?.description && copiedTypeDoc.test(cnProp.description) ? undefined : cnProp?.description;
      const description = cnDescription ?? ktProp?.description;
      if (typeof schema.$ref === 'string') {
        // kube-openapi's v3 form for a described reference: the ref wrapped in allOf.
        schema = description ? { allOf: [schema], description } : schema;
      } else if (description) {
        schema = { description, ...schema };
      }
      const pm = PATCH_META[`${short}.${a.baseName}`];
      if (pm) {
        if (pm.listType) schema['x-kubernetes-list-type'] = pm.listType;
        if (pm.listType === 'map' && pm.mapKeys) schema['x-kubernetes-list-map-keys'] = pm.mapKeys;
        if (pm.mergeKey) schema['x-kubernetes-patch-merge-key'] = pm.mergeKey;
        if (pm.strategy) schema['x-kubernetes-patch-strategy'] = pm.strategy;
      }
      properties[a.baseName] = schema;
      const optional = cn?.props.has(a.name) ? isOptional(path.join(MODELS, `${cls}.d.ts`), cls, a.name) : true;
      if (!optional) required.push(a.baseName);
    }
    const def: Json = { description: cn?.description ?? kt?.description ?? '', type: 'object', properties };
    if (required.length > 0) def.required = required;
    const gvk = gvkOf.get(cls);
    if (gvk) def['x-kubernetes-group-version-kind'] = gvk;
    defs[name] = def;
  }

  // Scalar and opaque definitions that client-node inlines but kube publishes by name.
  defs[META + 'Time'] = {
    description: 'Time is a wrapper around time.Time which supports correct marshaling to YAML and JSON.  Wrappers are provided for many of the factory methods that the time package offers.',
    type: 'string',
    format: 'date-time',
  };
  defs[META + 'MicroTime'] = {
    description: 'MicroTime is version of Time with microsecond level precision.',
    type: 'string',
    format: 'date-time',
  };
  defs[META + 'FieldsV1'] = {
    description: metaDecls.get('FieldsV1')?.description ?? 'FieldsV1 stores a set of fields in a data structure like a Trie, in JSON format.',
    type: 'object',
  };
  defs[META + 'Patch'] = {
    description: 'Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.',
    type: 'object',
  };
  defs[QUANTITY] = {
    description: ktypesDescription(path.join(KTYPES, 'api/resource.d.ts'), 'Quantity') ??
      'Quantity is a fixed-point representation of a number.',
    // kube-openapi publishes Quantity in v3 as one of string|number (OpenAPIV3OneOfTypes).
    oneOf: [{ type: 'string' }, { type: 'number' }],
  };
  defs[INT_OR_STRING] = {
    description: 'IntOrString is a type that can hold an int32 or a string.  When used in JSON or YAML marshalling and unmarshalling, it produces or consumes the inner type.  This allows you to have, for example, a JSON field that can accept a name or number.',
    format: 'int-or-string',
    oneOf: [{ type: 'integer' }, { type: 'string' }],
    'x-kubernetes-int-or-string': true,
  };
  defs[RAW_EXTENSION] = {
    description: 'RawExtension is used to hold extensions in external versions.',
    type: 'object',
    'x-kubernetes-preserve-unknown-fields': true,
  };

  const files: Record<string, (n: string) => boolean> = {
    'core.v1.json': (n) => n.startsWith(CORE),
    'meta.v1.json': (n) => n.startsWith(META),
    'autoscaling.v1.json': (n) => n.startsWith(AUTOSCALING),
    'coordination.k8s.io.v1.json': (n) => n.startsWith(COORDINATION),
    'apimachinery.json': (n) => [QUANTITY, INT_OR_STRING, RAW_EXTENSION].includes(n),
  };
  fs.mkdirSync(OUT, { recursive: true });
  let total = 0;
  for (const [file, pick] of Object.entries(files)) {
    const names = Object.keys(defs).filter(pick).sort();
    const out: Json = {
      $comment: 'Generated by scripts/gen-schemas.ts from @kubernetes/client-node models and kubernetes-types; do not edit.',
      definitions: Object.fromEntries(names.map((n) => [n, defs[n]])),
    };
    fs.writeFileSync(path.join(OUT, file), JSON.stringify(out, null, 1) + '\n');
    total += names.length;
  }
  if (total !== Object.keys(defs).length) throw new Error('a definition was not assigned to any file');
  console.log(`wrote ${total} definitions to ${OUT}`);
}

function ktypesDescription(file: string, typeName: string): string | undefined {
  const src = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  let found: string | undefined;
  src.forEachChild((n) => {
    if (ts.isTypeAliasDeclaration(n) && n.name.text === typeName) found = jsDocText(n);
  });
  return found;
}

const optionalCache = new Map<string, Set<string>>();
function isOptional(file: string, cls: string, prop: string): boolean {
  let req = optionalCache.get(cls);
  if (!req) {
    req = new Set();
    const src = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
    src.forEachChild((n) => {
      if (!ts.isClassDeclaration(n) || n.name?.text !== cls) return;
      for (const m of n.members) {
        if (ts.isPropertyDeclaration(m) && !m.questionToken && (ts.isStringLiteral(m.name) || ts.isIdentifier(m.name))) {
          if (!m.modifiers?.some((x) => x.kind === ts.SyntaxKind.StaticKeyword)) req!.add(m.name.text);
        }
      }
    });
    optionalCache.set(cls, req);
  }
  return !req.has(prop);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
