/**
 * kube's RequestInfo in miniature: verb and resource of an API request, from method, path and query,
 * for metrics labels, in-flight limits and logs. Watches are long-running and never limited.
 */
import type { IncomingMessage } from 'node:http';

export interface RequestInfo {
  /** get | list | watch | create | update | patch | delete | deletecollection | '' (non-resource) */
  verb: string;
  /** Plural resource (with /subresource), or '' for non-resource paths such as /healthz. */
  resource: string;
  longRunning: boolean;
  mutating: boolean;
}

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Per request: the metrics, log and in-flight filters all ask, and parsing the URL is not free. */
const memo = new WeakMap<object, RequestInfo>();

export function requestInfo(req: Pick<IncomingMessage, 'method' | 'url'>): RequestInfo {
  let info = memo.get(req);
  if (info === undefined) {
    info = computeRequestInfo(req);
    memo.set(req, info);
  }
  return info;
}

function computeRequestInfo(req: Pick<IncomingMessage, 'method' | 'url'>): RequestInfo {
  const method = (req.method ?? 'GET').toUpperCase();
  // The path and query split by hand: a URL object per request is most of this function's cost.
  const raw = req.url ?? '/';
  const q = raw.indexOf('?');
  const pathname = q < 0 ? raw : raw.slice(0, q);
  const parts = pathname.split('/').filter((p) => p.length > 0);
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 2) rest = parts.slice(2);
  else if (parts[0] === 'apis' && parts.length >= 3) rest = parts.slice(3);
  else return { verb: '', resource: '', longRunning: false, mutating: MUTATING.has(method) };

  let watchPath = false;
  if (rest[0] === 'watch') {
    watchPath = true;
    rest = rest.slice(1);
  }
  // namespaces/{ns}/{resource}/... (but `namespaces` and `namespaces/{name}` are the resource itself)
  if (rest[0] === 'namespaces' && rest.length >= 3) rest = rest.slice(2);
  const resource = rest[0] ?? '';
  const name = rest[1];
  const sub = rest[2];
  const fullResource = sub ? `${resource}/${sub}` : resource;
  const watchParam = q < 0 ? null : new URLSearchParams(raw.slice(q + 1)).get('watch');
  const isWatch = watchPath || watchParam === 'true' || watchParam === '1';
  let verb: string;
  switch (method) {
    case 'GET':
    case 'HEAD':
      verb = isWatch ? 'watch' : name === undefined ? 'list' : 'get';
      break;
    case 'POST':
      verb = 'create';
      break;
    case 'PUT':
      verb = 'update';
      break;
    case 'PATCH':
      verb = 'patch';
      break;
    case 'DELETE':
      verb = name === undefined ? 'deletecollection' : 'delete';
      break;
    default:
      verb = method.toLowerCase();
  }
  const longRunning = verb === 'watch' || sub === 'exec' || sub === 'attach' || sub === 'portforward' || sub === 'proxy' || sub === 'log';
  return { verb, resource: fullResource, longRunning, mutating: MUTATING.has(method) };
}
