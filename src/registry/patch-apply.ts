/**
 * The store's side of PATCH: parse the body per patch type and call the pure functions in
 * ./patch (owned by the patch helper). Server-side apply is approximated by a strategic merge of
 * the applied configuration plus a managedFields entry for the manager (no per-field ownership yet,
 * so no apply conflicts are reported).
 */
import YAML from 'yaml';
import { errors } from '../api/errors';
import type { KubeObject } from '../api/types';
import { isRecord } from '../api/types';
import { loadSchemaSet } from '../api/schemas';
import type { PatchType, ResourceInfo } from './rest';
import type { PatchMeta } from './patch';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch, chainPatchMeta, corePatchMeta, patchMetaFromSchemas } from './patch';
import { nowRfc3339 } from './object-util';

const metaCache = new Map<string, PatchMeta>();

function patchMetaFor(info: ResourceInfo): PatchMeta {
  const key = `${info.group}/${info.version}/${info.kind}`;
  let m = metaCache.get(key);
  if (!m) {
    let fromSchema: PatchMeta | undefined;
    try {
      const set = loadSchemaSet();
      const def = set.definitionFor(info.group, info.version, info.kind);
      if (def) fromSchema = patchMetaFromSchemas(set.definitions, def);
    } catch {
      fromSchema = undefined;
    }
    m = fromSchema ? chainPatchMeta(fromSchema, corePatchMeta(info.kind)) : corePatchMeta(info.kind);
    metaCache.set(key, m);
  }
  return m;
}

function parseJsonBody(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw errors.badRequest(`error decoding patch: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function parseApplyBody(body: Buffer): unknown {
  try {
    return YAML.parse(body.toString('utf8'), { uniqueKeys: true });
  } catch (err) {
    throw errors.badRequest(`error decoding YAML: ${err instanceof Error ? err.message : String(err)}`);
  }
}

export interface PatchRequest {
  type: PatchType;
  original: KubeObject;
  body: Buffer;
  info: ResourceInfo;
  name: string;
  force?: boolean;
  fieldManager?: string;
}

export function applyPatch(req: PatchRequest): { patched: KubeObject; patchRv: boolean } {
  const { original, info } = req;
  let out: unknown;
  switch (req.type) {
    case 'json':
      out = applyJsonPatch(original, parseJsonBody(req.body));
      break;
    case 'merge':
      out = applyMergePatch(original, parseJsonBody(req.body));
      break;
    case 'strategic':
      out = applyStrategicMergePatch(original, parseJsonBody(req.body), patchMetaFor(info));
      break;
    case 'apply': {
      if (!req.fieldManager)
        throw errors.invalid('PatchOptions', 'meta.k8s.io', '', [{ type: 'FieldValueRequired', field: 'fieldManager', detail: 'is required for apply patch' }]);
      const applied = parseApplyBody(req.body);
      if (!isRecord(applied)) throw errors.badRequest('error decoding YAML: the applied configuration must be an object');
      if ((applied['kind'] && applied['kind'] !== info.kind) || !applied['apiVersion'])
        throw errors.badRequest(`apiVersion and kind must be set and match the resource (${info.kind}) in an apply patch`);
      const cfg = { ...applied };
      const cfgMeta = isRecord(cfg['metadata']) ? { ...cfg['metadata'] } : {};
      delete cfgMeta['managedFields'];
      cfg['metadata'] = cfgMeta;
      const merged = applyStrategicMergePatch(original, cfg, patchMetaFor(info));
      if (!isRecord(merged)) throw errors.badRequest('apply produced a non-object');
      recordManager(merged as KubeObject, req.fieldManager, 'Apply', info);
      out = merged;
      break;
    }
  }
  if (!isRecord(out)) throw errors.badRequest('the patched object is not a JSON object');
  const patched = out as KubeObject;
  const rv = isRecord(patched.metadata) ? patched.metadata.resourceVersion : undefined;
  const patchRv = rv !== undefined && rv !== original.metadata?.resourceVersion;
  return { patched, patchRv };
}

/** Keep one managedFields entry per (manager, operation), as kube's field manager does. */
export function recordManager(obj: KubeObject, manager: string, operation: 'Apply' | 'Update', info: ResourceInfo): void {
  const meta = obj.metadata ?? (obj.metadata = {});
  const apiVersion = info.group ? `${info.group}/${info.version}` : info.version;
  const entries = (meta.managedFields ?? []).filter((e) => !(e.manager === manager && e.operation === operation));
  entries.push({ manager, operation, apiVersion, time: nowRfc3339(), fieldsType: 'FieldsV1', fieldsV1: {} });
  meta.managedFields = entries;
}
