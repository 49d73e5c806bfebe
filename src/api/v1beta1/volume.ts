/**
 * v1beta1 Volume `{name, source:{hostDir|emptyDir|persistentDisk|gitRepo|secret|nfs}}` ⇄ v1 Volume
 * with the source inlined under v1's names. Volume kinds v1beta1 never had (configMap, projected, …)
 * convert to an empty source and survive v1beta1 updates through the carry-over of the stored object.
 */
import type { Obj } from './common';
import { clone, rec, str } from './common';

/** v1beta1 source key → v1 volume key, for sources whose content is identical. */
const SAME_SHAPE: Record<string, string> = {
  hostDir: 'hostPath',
  emptyDir: 'emptyDir',
  persistentDisk: 'gcePersistentDisk',
  gitRepo: 'gitRepo',
  nfs: 'nfs',
  iscsi: 'iscsi',
  glusterfs: 'glusterfs',
};

export function volumeToV1(vol: Obj): Obj {
  const out: Obj = {};
  if (vol.name !== undefined) out.name = vol.name;
  const src = rec(vol.source);
  if (!src) return out;
  for (const [b, v] of Object.entries(SAME_SHAPE)) if (rec(src[b])) out[v] = clone(src[b]);
  const secret = rec(src.secret);
  if (secret) {
    const name = str(rec(secret.target)?.name) ?? str(secret.secretName);
    out.secret = name !== undefined ? { secretName: name } : {};
  }
  return out;
}

export function volumeFromV1(v: Obj): Obj {
  const source: Obj = {};
  for (const [b, k] of Object.entries(SAME_SHAPE)) if (rec(v[k])) source[b] = clone(v[k]);
  const secret = rec(v.secret);
  if (secret) source.secret = { target: { name: secret.secretName } };
  const out: Obj = {};
  if (v.name !== undefined) out.name = v.name;
  out.source = source;
  return out;
}
