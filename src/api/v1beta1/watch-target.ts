/**
 * Opening a v1beta1 watch, shared by the chunked HTTP route and WebSocket upgrades: v1beta1 query
 * parameters (`labels=`, `fields=`, integer `resourceVersion`, `namespace`) → a v1 watch on the
 * registry, wrapped so it yields v1beta1 events.
 */
import type http from 'node:http';
import type { ApiError } from '../errors';
import { errors } from '../errors';
import type { RESTResource } from '../../registry/rest';
import type { ApiWatcher } from '../../watch/types';
import { attachWebSocketWatch } from '../../apiserver/watch-http';
import { compact } from './common';
import { convertWatcher } from './list';
import type { V1beta1Resource } from './resources';
import { resources } from './resources';
import { fieldSelectorToV1, labelSelectorToV1 } from './selectors';

export type ResourceLookup = (v1Resource: string) => RESTResource | undefined;
export type QueryParam = (name: string) => string | undefined;

/** kube's generic 404 for a path that names nothing served. */
export function pathNotFound(): ApiError {
  const e = errors.notFound({ group: '', resource: '' }, '');
  e.status.message = 'the server could not find the requested resource';
  e.status.details = {};
  return e;
}

export interface Target {
  res: V1beta1Resource;
  rest: RESTResource;
  /** Namespace named by the request: path segment or `namespace` query param (undefined if none). */
  namespace: string | undefined;
}

export function resolveTarget(lookup: ResourceLookup, resourceName: string, query: QueryParam, pathNamespace?: string): Target {
  const res = Object.prototype.hasOwnProperty.call(resources, resourceName) ? resources[resourceName] : undefined;
  const rest = res ? lookup(res.v1Resource) : undefined;
  if (!res || !rest) throw pathNotFound();
  const namespace = res.namespaced ? (pathNamespace ?? query('namespace')) : undefined;
  return { res, rest, namespace };
}

/** 0.14: an item request means `default` without a namespace; a list or watch spans all namespaces. */
export const itemNamespace = (t: Target): string => (t.res.namespaced ? t.namespace || 'default' : '');
export const listNamespace = (t: Target): string => (t.res.namespaced ? (t.namespace ?? '') : '');

export function selectorsOf(query: QueryParam, t: Target, name?: string): { labelSelector?: string; fieldSelector?: string } {
  const labelSelector = labelSelectorToV1(query('labels') ?? query('labelSelector'));
  let fieldSelector = fieldSelectorToV1(t.res.v1Kind, query('fields') ?? query('fieldSelector'));
  if (name !== undefined) fieldSelector = [`metadata.name=${name}`, fieldSelector].filter(Boolean).join(',');
  return compact({ labelSelector, fieldSelector }) ?? {};
}

export function resourceVersionOf(query: QueryParam): string | undefined {
  const rv = query('resourceVersion');
  return rv === undefined || rv === '' ? undefined : rv;
}

export interface OpenedWatch {
  watcher: ApiWatcher;
  timeoutSeconds?: number;
}

export async function openWatch(t: Target, query: QueryParam, userAgent: string | undefined, name?: string): Promise<OpenedWatch> {
  const namespace = name !== undefined ? itemNamespace(t) : listNamespace(t);
  const timeout = Number(query('timeoutSeconds'));
  const timeoutSeconds = Number.isFinite(timeout) && timeout > 0 ? timeout : undefined;
  const watcher = await t.rest.watch({ namespace, userAgent }, { ...selectorsOf(query, t, name), resourceVersion: resourceVersionOf(query), timeoutSeconds });
  return { watcher: convertWatcher(t.res.v1Kind, watcher), timeoutSeconds };
}

/**
 * The watch a v1beta1 URL asks for, or null when it is not a v1beta1 watch:
 * `/api/v1beta1/watch/{res}[/{id}]`, `/api/v1beta1/watch/namespaces/{ns}/{res}`, or a v1beta1
 * list/item URL (either layout) with `watch=true`.
 */
export async function watchForUrl(lookup: ResourceLookup, url: URL, userAgent?: string): Promise<OpenedWatch | null> {
  const prefix = '/api/v1beta1/';
  if (!url.pathname.startsWith(prefix)) return null;
  const segs = url.pathname.slice(prefix.length).split('/').filter(Boolean).map(decodeURIComponent);
  const query: QueryParam = (n) => url.searchParams.get(n) ?? undefined;
  let watchPath = false;
  if (segs[0] === 'watch') {
    watchPath = true;
    segs.shift();
  }
  if (!watchPath && !['true', '1'].includes(query('watch') ?? '')) return null;
  let ns: string | undefined;
  if (segs[0] === 'namespaces' && segs.length >= 3) {
    ns = segs[1];
    segs.splice(0, 2);
  }
  if (segs.length < 1 || segs.length > 2) return null;
  return openWatch(resolveTarget(lookup, segs[0]!, query, ns), query, userAgent, segs[1]);
}

/** Serve v1beta1 watches over WebSocket on `server` (beside the v1 upgrade handler). */
export function attachV1beta1WebSocketWatch(server: http.Server, lookup: ResourceLookup): void {
  attachWebSocketWatch(server, (req) => watchForUrl(lookup, new URL(req.url ?? '/', 'http://x'), req.headers['user-agent']));
}
