/**
 * v1beta1 Binding `{podID, host, annotations}` ⇄ v1 Binding `{metadata.name, target: {kind: Node, name}}`.
 */
import type { KubeObject } from '../types';
import type { Obj } from './common';
import { API_VERSION, metaFromV1, metaToV1, put, rec, str } from './common';

export function bindingToV1(b: Obj): KubeObject {
  const meta = metaToV1(b, false);
  // The pod name is `podID`; a binding's own `id` is not meaningful in v1beta1.
  const podID = str(b.podID);
  if (podID !== undefined) meta.name = podID;
  else delete meta.name;
  const v: KubeObject = { apiVersion: 'v1', kind: 'Binding', metadata: meta };
  v.target = { kind: 'Node', name: str(b.host) ?? '' };
  return v;
}

export function bindingFromV1(v: KubeObject): Obj {
  const { id, ...envelope } = metaFromV1(v.metadata, false);
  const b: Obj = { kind: 'Binding', apiVersion: API_VERSION, ...envelope };
  put(b, 'podID', id);
  put(b, 'host', str(rec(v.target)?.name));
  return b;
}
