/**
 * RFC 7386 JSON merge patch, for PATCH on v1beta1 objects: the patch applies to the v1beta1 view of
 * the object (what the client sees), which is then converted and stored like a PUT.
 */
import { isRecord } from '../types';

export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isRecord(patch)) return patch;
  const out: Record<string, unknown> = isRecord(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}
