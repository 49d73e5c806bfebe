/**
 * Lists and watch events in v1beta1 form. A list is `{kind: "PodList", creationTimestamp: null,
 * selfLink, resourceVersion (int), apiVersion, items}`; MinionList repeats its items under `minions`
 * (0.14 emitted both, and old clients read either). Watch events convert their object; BOOKMARK has
 * no v1beta1 equivalent and is dropped.
 */
import type { Status } from '../errors';
import type { KubeList, KubeObject } from '../types';
import type { ApiWatchEvent, ApiWatcher } from '../../watch/types';
import { arr, API_VERSION, rec, rvFromV1, rvToV1, put } from './common';
import { fromV1, toV1 } from './convert';
import { resourceForKind, selfLink } from './resources';
import { statusFromV1 } from './status';

export interface ListContext {
  /** Namespace the list was for; undefined or '' for all namespaces. */
  namespace?: string;
}

/** `kind` is the item kind (Pod, Minion/Node, …). */
export function listFromV1(kind: string, list: KubeList, ctx: ListContext = {}): Record<string, unknown> {
  const res = resourceForKind(kind);
  const itemKind = res?.kind ?? kind;
  const items = list.items.map((i) => fromV1(kind, i));
  const b: Record<string, unknown> = { kind: `${itemKind}List`, creationTimestamp: null };
  if (res) b.selfLink = selfLink(res, ctx.namespace);
  put(b, 'resourceVersion', rvFromV1(list.metadata?.resourceVersion));
  b.apiVersion = API_VERSION;
  if (itemKind === 'Minion') b.minions = items;
  b.items = items;
  return b;
}

/** A v1beta1 list → v1 (items from `items`, or `minions` for old MinionLists). */
export function listToV1(kind: string, b: unknown): KubeList {
  const r = rec(b) ?? {};
  const res = resourceForKind(kind);
  const items = (arr(r.items) ?? arr(r.minions) ?? []).map((i) => toV1(kind, i));
  const rv = rvToV1(r.resourceVersion);
  const metadata: KubeList['metadata'] = rv !== undefined ? { resourceVersion: rv } : {};
  return { apiVersion: 'v1', kind: `${res?.v1Kind ?? kind}List`, metadata, items };
}

/** One watch event in v1beta1 form, or undefined for events v1beta1 cannot carry (BOOKMARK). */
export function watchEventFromV1(kind: string, ev: ApiWatchEvent): ApiWatchEvent | undefined {
  if (ev.type === 'BOOKMARK') return undefined;
  if (ev.type === 'ERROR' || ev.object.kind === 'Status') {
    return { type: ev.type, object: statusFromV1(ev.object as Status, kind) as KubeObject };
  }
  return { type: ev.type, object: fromV1(kind, ev.object as KubeObject) as KubeObject };
}

/** Wrap a v1 watcher so it yields v1beta1 events; keeps the inner watcher's stop notification (backpressure). */
export function convertWatcher(kind: string, inner: ApiWatcher): ApiWatcher {
  const w: ApiWatcher & { onStop?: (l: () => void) => () => void } = {
    close: () => inner.close(),
    async *[Symbol.asyncIterator]() {
      for await (const ev of inner) {
        let out: ApiWatchEvent | undefined;
        try {
          out = watchEventFromV1(kind, ev);
        } catch (err) {
          // A stored object that does not convert must not kill the stream silently: report it.
          out = { type: 'ERROR', object: statusFromV1({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: String(err), reason: 'InternalError', code: 500 }) as KubeObject };
        }
        if (out) yield out;
      }
    },
  };
  const stop = (inner as { onStop?: unknown }).onStop;
  if (typeof stop === 'function') w.onStop = (l: () => void) => (stop as (l: () => void) => () => void).call(inner, l);
  return w;
}
