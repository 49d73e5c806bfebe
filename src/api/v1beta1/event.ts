/**
 * v1beta1 Event ⇄ v1 Event. `source` (a string) and `host` are v1's `source.component`/`.host`;
 * `timestamp` is `firstTimestamp` (old events without first/last/count become first = last =
 * timestamp, count 1, as 0.14 converted them); `status` has no v1 field and is kept as an extra.
 */
import type { KubeObject } from '../types';
import type { Obj } from './common';
import { API_VERSION, clone, compact, mergeExtras, metaFromV1, metaToV1, num, put, readExtras, rec, str, writeExtras } from './common';

export function eventToV1(b: Obj): KubeObject {
  const v: KubeObject = { apiVersion: 'v1', kind: 'Event', metadata: metaToV1(b, false) };
  put(v, 'involvedObject', clone(rec(b.involvedObject)));
  put(v, 'reason', str(b.reason));
  put(v, 'message', str(b.message));
  put(v, 'source', compact({ component: str(b.source) || undefined, host: str(b.host) || undefined }));
  const ts = str(b.timestamp);
  const first = str(b.firstTimestamp) ?? ts;
  const last = str(b.lastTimestamp) ?? ts;
  put(v, 'firstTimestamp', first);
  put(v, 'lastTimestamp', last);
  put(v, 'count', num(b.count) ?? (ts !== undefined && b.firstTimestamp === undefined ? 1 : undefined));
  writeExtras(v, str(b.status) !== undefined ? { status: b.status } : undefined);
  return v;
}

export function eventFromV1(v: KubeObject): Obj {
  const b: Obj = { kind: 'Event', apiVersion: API_VERSION, ...metaFromV1(v.metadata, false) };
  put(b, 'involvedObject', clone(rec(v.involvedObject)));
  put(b, 'reason', str(v.reason));
  put(b, 'message', str(v.message));
  const src = rec(v.source) ?? {};
  put(b, 'source', str(src.component));
  put(b, 'host', str(src.host));
  put(b, 'timestamp', str(v.firstTimestamp));
  put(b, 'firstTimestamp', str(v.firstTimestamp));
  put(b, 'lastTimestamp', str(v.lastTimestamp));
  put(b, 'count', num(v.count));
  const extras = readExtras(v.metadata);
  if (extras) mergeExtras(b, extras);
  return b;
}
