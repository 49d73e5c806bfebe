/**
 * The store's side of PATCH and of managedFields: parse the body per patch type and call the pure
 * functions in ./patch (owned by the patch helper): JSON / merge / strategic patches, server-side
 * apply with field ownership and conflicts, and the Update entries every other write records.
 */
import YAML from 'yaml';
import { errors } from '../api/errors';
import { describeValue } from './object-util';
import type { KubeObject } from '../api/types';
import { isRecord } from '../api/types';
import { loadSchemaSet } from '../api/schemas';
import { checkJsonDepth } from './json-depth';
import type { PatchType, ResourceInfo } from './rest';
import type { PatchMeta } from './patch';
import {
  applyJsonPatch,
  applyMergePatch,
  applyStrategicMergePatch,
  chainPatchMeta,
  corePatchMeta,
  memoizePatchMeta,
  patchMetaFromSchemas,
  serverSideApply,
  updateManagedFields,
} from './patch';

const metaCache = new Map<string, PatchMeta>();

export function patchMetaFor(info: ResourceInfo): PatchMeta {
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
    m = memoizePatchMeta(fromSchema ? chainPatchMeta(fromSchema, corePatchMeta(info.kind)) : corePatchMeta(info.kind));
    metaCache.set(key, m);
  }
  return m;
}

function parseJsonBody(body: Buffer): unknown {
  const text = body.toString('utf8');
  checkJsonDepth(text, 'error decoding patch');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw errors.badRequest(`error decoding patch: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function parseApplyBody(body: Buffer): unknown {
  checkJsonDepth(body.toString('utf8'), 'error decoding YAML');
  try {
    return YAML.parse(body.toString('utf8'), { uniqueKeys: true });
  } catch (err) {
    throw errors.badRequest(`error decoding YAML: ${err instanceof Error ? err.message : String(err)}`);
  }
}

export interface PatchRequest {
  type: PatchType;
  original: KubeObject;
  /** The stored object (undefined when an apply creates it). */
  live: KubeObject | undefined;
  body: Buffer;
  info: ResourceInfo;
  name: string;
  force?: boolean;
  fieldManager?: string;
}

function apiVersionOf(info: ResourceInfo): string {
  return info.group ? `${info.group}/${info.version}` : info.version;
}

/** Subtrees nobody owns through this endpoint (kube's reset fields): status on the main resource, spec on /status. */
function ignoredFieldsFor(info: ResourceInfo): string[][] {
  const sub = info.resource.split('/')[1];
  if (sub === undefined) return [['status']];
  if (sub === 'status') return [['spec']];
  return [];
}

function managedFieldsOptions(info: ResourceInfo, manager: string) {
  const sub = info.resource.split('/')[1];
  return {
    manager,
    now: new Date().toISOString(),
    meta: patchMetaFor(info),
    apiVersion: apiVersionOf(info),
    subresource: sub,
    ignoredFields: ignoredFieldsFor(info),
  };
}

/** kube's default field manager: the user agent up to its first "/" (128 characters at most). */
export function defaultFieldManager(userAgent: string | undefined): string {
  const ua = (userAgent ?? '').split('/')[0]!.slice(0, 128);
  return ua || 'unknown';
}

/** Record a non-apply write in managedFields (create: old undefined). Returns the object to store. */
export function recordUpdate(old: KubeObject | undefined, updated: KubeObject, info: ResourceInfo, manager: string): KubeObject {
  return updateManagedFields(old, updated, managedFieldsOptions(info, manager));
}

export function applyPatch(req: PatchRequest): { patched: KubeObject; patchRv: boolean; managed: boolean } {
  const { original, info } = req;
  let out: unknown;
  let managed = false;
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
      if (applied['kind'] !== undefined && applied['kind'] !== info.kind)
        throw errors.badRequest(`${describeValue(applied['kind'])} in version "${info.version}" cannot be handled as a ${info.kind}: the object provided is unrecognized (must be of type ${info.kind})`);
      out = serverSideApply(req.live, applied as KubeObject, { ...managedFieldsOptions(info, req.fieldManager), force: req.force === true });
      managed = true;
      break;
    }
  }
  if (!isRecord(out)) throw errors.badRequest('the patched object is not a JSON object');
  const patched = out as KubeObject;
  const rv = isRecord(patched.metadata) ? patched.metadata.resourceVersion : undefined;
  const patchRv = rv !== undefined && rv !== original.metadata?.resourceVersion;
  return { patched, patchRv, managed };
}
