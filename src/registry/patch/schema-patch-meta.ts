/**
 * Patch metadata read from OpenAPI-style JSON Schemas (the shape kube publishes at /openapi/v3):
 * `$ref: '#/components/schemas/<name>'` (or `#/definitions/<name>`), `allOf: [{$ref}]` wrappers,
 * arrays via `items`, maps via `additionalProperties`, and the extensions
 * x-kubernetes-patch-strategy / -patch-merge-key / -list-type / -list-map-keys / -map-type.
 */
import { isRecord } from './json-value';
import type { FieldPatchInfo, PatchMeta } from './patch-meta';

export type JsonSchema = Record<string, unknown>;

const MAX_REF_HOPS = 32;

export function patchMetaFromSchemas(definitions: Readonly<Record<string, unknown>>, rootDefinitionName: string): PatchMeta {
  const resolve = (schema: unknown): JsonSchema | undefined => {
    let s: unknown = schema;
    for (let hops = 0; hops < MAX_REF_HOPS && isRecord(s); hops++) {
      const ref = typeof s.$ref === 'string' ? s.$ref : singleAllOfRef(s);
      if (ref === undefined) return s;
      s = definitions[ref.slice(ref.lastIndexOf('/') + 1)];
    }
    return isRecord(s) ? s : undefined;
  };

  const cache = new Map<string, FieldPatchInfo | undefined>();

  return {
    lookup(path) {
      const key = path.join('\u0000');
      if (cache.has(key)) return cache.get(key);
      let info: FieldPatchInfo | undefined;
      let current = resolve(definitions[rootDefinitionName]);
      let field: JsonSchema | undefined;
      for (const seg of path) {
        // Path segments skip array indices: step through list items transparently.
        while (current && current.type === 'array' && current.items !== undefined) current = resolve(current.items);
        if (!current) break;
        const props = isRecord(current.properties) ? current.properties : undefined;
        const raw = props && isRecord(props[seg]) ? props[seg] : isRecord(current.additionalProperties) ? current.additionalProperties : undefined;
        field = isRecord(raw) ? raw : undefined;
        current = resolve(raw);
        if (!field) break;
      }
      if (field && current) info = extensionsOf(field, current, resolve);
      cache.set(key, info);
      return info;
    },
  };
}

function singleAllOfRef(s: JsonSchema): string | undefined {
  if (!Array.isArray(s.allOf) || s.allOf.length !== 1) return undefined;
  const only: unknown = s.allOf[0];
  return isRecord(only) && typeof only.$ref === 'string' ? only.$ref : undefined;
}

/** Extensions may sit on the property (next to its $ref/allOf) or on the resolved schema. */
function extensionsOf(property: JsonSchema, resolved: JsonSchema, resolve: (s: unknown) => JsonSchema | undefined): FieldPatchInfo | undefined {
  const pick = (name: string): unknown => property[name] ?? resolved[name];
  const info: FieldPatchInfo = {};
  const strategy = pick('x-kubernetes-patch-strategy');
  if (typeof strategy === 'string') info.patchStrategy = strategy;
  const mergeKey = pick('x-kubernetes-patch-merge-key');
  if (typeof mergeKey === 'string') info.patchMergeKey = mergeKey;
  const listType = pick('x-kubernetes-list-type');
  if (listType === 'atomic' || listType === 'set' || listType === 'map') info.listType = listType;
  const mapKeys = pick('x-kubernetes-list-map-keys');
  if (Array.isArray(mapKeys) && mapKeys.every((k) => typeof k === 'string')) info.listMapKeys = mapKeys as string[];
  const mapType = pick('x-kubernetes-map-type');
  if (mapType === 'atomic' || mapType === 'granular') info.mapType = mapType;
  if (isRecord(resolved.additionalProperties) && !isRecord(resolved.properties)) info.isMap = true;
  if (info.listMapKeys && resolved.type === 'array') {
    // Key fields with a schema default (ContainerPort.protocol = TCP) may be omitted by clients.
    const item = resolve(resolved.items);
    const props = item && isRecord(item.properties) ? item.properties : {};
    const defaults: Record<string, unknown> = {};
    for (const k of info.listMapKeys) {
      const p = resolve(props[k]);
      const d = isRecord(props[k]) && 'default' in props[k] ? props[k].default : p?.default;
      if (d !== undefined) defaults[k] = d;
    }
    if (Object.keys(defaults).length > 0) info.keyDefaults = defaults;
  }
  // A schema that knows the field but says nothing leaves the decision to the next table.
  return Object.keys(info).length > 0 ? info : undefined;
}
