/**
 * HTTP serving of the legacy v1beta1 API over the v1 registry (one store: objects written through
 * either version are visible, watchable and updatable through the other).
 *
 * URL layout (mounted at /api/v1beta1):
 *   /{resource}[/{id}]?namespace=ns         0.14 layout; namespace is a query parameter
 *   /watch/{resource}[/{id}]?namespace=ns    watches (also `?watch=true` on a list)
 *   /namespaces/{ns}/{resource}[/{id}]       kubectl's path for v1beta1 documents (kubectl-wire §13)
 *   /pods/{id}/binding, /bindings, /pods/{id}/status
 * Namespace defaults (0.14): an item request or POST without one means `default`; a list or watch
 * without one spans all namespaces. Errors are v1beta1 Status objects with v1beta1 field paths.
 */
import express from 'express';
import type { NextFunction, Request, Response, Router } from 'express';
import { ApiError, errors } from '../errors';
import type { KubeObject } from '../types';
import { isRecord } from '../types';
import type { RESTResource, RequestContext, WriteOptions } from '../../registry/rest';
import { serveWatch } from '../../apiserver/watch-http';
import type { Obj } from './common';
import { API_VERSION, compact, str } from './common';
import { fromV1, toV1, toV1ForUpdate } from './convert';
import { applyDefaults } from './defaults';
import { listFromV1 } from './list';
import { mergePatch } from './merge-patch';
import { resources } from './resources';
import { statusFromV1, statusToV1 } from './status';
import { validate } from './validation';
import type { QueryParam, Target } from './watch-target';
import { itemNamespace, listNamespace, openWatch, pathNotFound, resolveTarget, resourceVersionOf, selectorsOf } from './watch-target';

export interface V1beta1RouterDeps {
  /** The registry's RESTResource for a v1 resource name ('pods', 'nodes', 'pods/binding', …). */
  resources: (v1Resource: string) => RESTResource | undefined;
}

const BODY_LIMIT = '3mb';

function query(req: Request, name: string): string | undefined {
  const v = (req.query as Record<string, unknown>)[name];
  return typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : undefined;
}

/** Request bodies are accepted with any content type (0.14 did); JSON only. */
function bodyOf(req: Request): Obj {
  const raw: unknown = req.body;
  let parsed: unknown = raw;
  if (Buffer.isBuffer(raw) || typeof raw === 'string') {
    const text = raw.toString();
    if (text.trim() === '') throw errors.badRequest('the body of the request is empty');
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw errors.badRequest(`the body of the request could not be decoded as JSON: ${(err as Error).message}`);
    }
  }
  if (!isRecord(parsed)) throw errors.badRequest('the body of the request must be a JSON object');
  return parsed;
}

function writeOptions(req: Request): WriteOptions {
  // v1beta1 bodies legitimately carry fields no schema knows (the seed's livenessProbe.enabled), and
  // 0.14 dropped unknown fields silently, so strict field validation is never applied here.
  return { dryRun: query(req, 'dryRun') === 'All', fieldManager: query(req, 'fieldManager'), fieldValidation: 'Ignore' };
}

/**
 * The single-object answer: the v1beta1 body plus a `metadata` stanza, because kubectl prints and
 * tracks objects by `metadata.name` (kubectl-wire §13.4); 0.14 clients ignore the extra key.
 */
function withMetadata(b: Obj, v: KubeObject): Obj {
  const m = v.metadata ?? {};
  const meta = compact({
    name: m.name,
    namespace: m.namespace || undefined,
    uid: m.uid,
    resourceVersion: m.resourceVersion,
    creationTimestamp: m.creationTimestamp,
    labels: m.labels,
  });
  return meta ? { ...b, metadata: meta } : b;
}

export function v1beta1Router(deps: V1beta1RouterDeps): Router {
  const router = express.Router();
  router.use(express.raw({ type: () => true, limit: BODY_LIMIT }));

  const q =
    (req: Request): QueryParam =>
    (name) =>
      query(req, name);
  const target = (req: Request, resourceName: string, pathNamespace?: string): Target => resolveTarget(deps.resources, resourceName, q(req), pathNamespace);
  const ctxOf = (req: Request, namespace: string): RequestContext => ({ namespace, userAgent: req.get('user-agent') });

  function send(res: Response, code: number, body: unknown): void {
    res.status(code).type('application/json').send(JSON.stringify(body));
  }

  /**
   * Errors: a v1beta1 Status on the 0.14 paths. On kubectl's `/namespaces/{ns}/…` path the envelope
   * stays v1, because client-go only decodes a v1 Status (anything else prints as "the server
   * reported a conflict"); its field paths are still the v1beta1 ones of the document sent.
   */
  function fail(req: Request, res: Response, err: unknown, v1Kind?: string): void {
    const apiErr = err instanceof ApiError ? err : errors.internal(err);
    if (res.headersSent) {
      res.end();
      return;
    }
    const beta = statusFromV1(apiErr.status, v1Kind);
    send(res, apiErr.code, (req.params as Record<string, string>).ns !== undefined ? statusToV1(beta) : beta);
  }

  /** The object's own namespace must match the request's (0.14: 400). */
  function checkNamespace(b: Obj, namespace: string): void {
    const own = str(b.namespace);
    if (own && namespace && own !== namespace)
      throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }

  function checkKind(b: Obj, t: Target): void {
    const kind = str(b.kind);
    if (kind && kind !== t.res.kind && kind !== t.res.v1Kind)
      throw errors.badRequest(`the kind "${kind}" of the provided object does not match the resource "${t.res.name}"`);
  }

  async function list(req: Request, res: Response, t: Target): Promise<void> {
    const ns = listNamespace(t);
    const out = await t.rest.list(ctxOf(req, ns), { ...selectorsOf(q(req), t), resourceVersion: resourceVersionOf(q(req)) });
    send(res, 200, listFromV1(t.res.v1Kind, out, { namespace: ns }));
  }

  async function watch(req: Request, res: Response, t: Target, name?: string): Promise<void> {
    const w = await openWatch(t, q(req), req.get('user-agent'), name);
    serveWatch(req, res, w.watcher, { timeoutSeconds: w.timeoutSeconds });
  }

  async function create(req: Request, res: Response, t: Target): Promise<void> {
    if (t.res.kind === 'Binding') return bind(req, res, t);
    const ns = itemNamespace(t);
    const b = bodyOf(req);
    checkKind(b, t);
    checkNamespace(b, ns);
    const defaulted = applyDefaults(t.res.kind, b);
    validate(t.res.kind, defaulted);
    const v = toV1(t.res.kind, defaulted);
    if (t.res.namespaced) (v.metadata ??= {}).namespace = ns;
    const r = await t.rest.create(ctxOf(req, ns), v, writeOptions(req));
    send(res, 201, withMetadata(fromV1(t.res.v1Kind, r.object), r.object));
  }

  async function bind(req: Request, res: Response, t: Target, podID?: string): Promise<void> {
    const ns = itemNamespace(t);
    const b = bodyOf(req);
    if (podID !== undefined && b.podID === undefined) b.podID = podID;
    checkNamespace(b, ns);
    validate('Binding', b);
    const v = toV1('Binding', b);
    (v.metadata ??= {}).namespace = ns;
    await t.rest.create(ctxOf(req, ns), v, writeOptions(req));
    send(res, 201, { kind: 'Status', creationTimestamp: null, apiVersion: API_VERSION, status: 'Success', code: 201 });
  }

  async function get(req: Request, res: Response, t: Target, id: string): Promise<void> {
    const v = await t.rest.get(ctxOf(req, itemNamespace(t)), id, {});
    send(res, 200, withMetadata(fromV1(t.res.v1Kind, v), v));
  }

  /** Convert and store a full v1beta1 object over the existing one, keeping its v1-only fields. */
  async function replace(req: Request, res: Response, t: Target, id: string, b: Obj, rest: RESTResource = t.rest): Promise<void> {
    const ns = itemNamespace(t);
    const ctx = ctxOf(req, ns);
    const bodyId = str(b.id);
    if (bodyId !== undefined && bodyId !== id)
      throw errors.badRequest(`the name of the object (${bodyId}) does not match the name on the URL (${id})`);
    b.id = id;
    checkKind(b, t);
    checkNamespace(b, ns);
    let current: KubeObject | undefined;
    try {
      current = await rest.get(ctx, id, {});
    } catch (err) {
      if (!(err instanceof ApiError && err.code === 404)) throw err;
    }
    validate(t.res.kind, applyDefaults(t.res.kind, b));
    const v = toV1ForUpdate(t.res.kind, b, current);
    if (t.res.namespaced) (v.metadata ??= {}).namespace = ns;
    const r = await rest.update(ctx, id, v, writeOptions(req));
    send(res, r.created ? 201 : 200, withMetadata(fromV1(t.res.v1Kind, r.object), r.object));
  }

  async function patch(req: Request, res: Response, t: Target, id: string): Promise<void> {
    const current = await t.rest.get(ctxOf(req, itemNamespace(t)), id, {});
    const patched = mergePatch(fromV1(t.res.v1Kind, current), bodyOf(req));
    await replace(req, res, t, id, patched as Obj);
  }

  async function remove(req: Request, res: Response, t: Target, id: string): Promise<void> {
    const grace = query(req, 'gracePeriodSeconds');
    const r = await t.rest.delete(ctxOf(req, itemNamespace(t)), id, {
      dryRun: query(req, 'dryRun') === 'All',
      gracePeriodSeconds: grace !== undefined && /^[0-9]+$/.test(grace) ? Number(grace) : undefined,
    });
    // 0.14 answered a pod delete with the deleted pod, every other delete with a Success Status.
    if (t.res.kind === 'Pod') send(res, 200, withMetadata(fromV1(t.res.v1Kind, r.object), r.object));
    else send(res, 200, { kind: 'Status', creationTimestamp: null, apiVersion: API_VERSION, status: 'Success', code: 200 });
  }

  const isWatch = (req: Request): boolean => ['true', '1'].includes(query(req, 'watch') ?? '');

  async function collection(req: Request, res: Response, t: Target): Promise<void> {
    switch (req.method) {
      case 'GET':
        return isWatch(req) ? watch(req, res, t) : list(req, res, t);
      case 'POST':
        return create(req, res, t);
      default:
        throw errors.methodNotAllowed(req.method, t.res.name);
    }
  }

  async function item(req: Request, res: Response, t: Target, id: string): Promise<void> {
    switch (req.method) {
      case 'GET':
        return isWatch(req) ? watch(req, res, t, id) : get(req, res, t, id);
      case 'PUT':
        return replace(req, res, t, id, bodyOf(req));
      case 'PATCH':
        return patch(req, res, t, id);
      case 'DELETE':
        return remove(req, res, t, id);
      default:
        throw errors.methodNotAllowed(req.method, t.res.name);
    }
  }

  type Params = Record<string, string>;
  const handle =
    (fn: (req: Request, res: Response, p: Params) => Promise<void>, resourceParam = 'resource') =>
    async (req: Request, res: Response): Promise<void> => {
      const p = req.params as Params;
      const v1Kind = resources[p[resourceParam] ?? '']?.v1Kind;
      try {
        await fn(req, res, p);
      } catch (err) {
        fail(req, res, err, v1Kind);
      }
    };

  router.get('/watch/:resource', handle((req, res, p) => watch(req, res, target(req, p.resource!))));
  router.get('/watch/:resource/:id', handle((req, res, p) => watch(req, res, target(req, p.resource!), p.id)));
  router.get('/watch/namespaces/:ns/:resource', handle((req, res, p) => watch(req, res, target(req, p.resource!, p.ns))));
  router.post(
    '/pods/:id/binding',
    handle(async (req, res, p) => bind(req, res, { ...target(req, 'bindings'), namespace: query(req, 'namespace') }, p.id)),
  );
  router.put(
    '/pods/:id/status',
    handle(async (req, res, p) => {
      const t = target(req, 'pods');
      const statusRest = deps.resources('pods/status');
      if (!statusRest) throw pathNotFound();
      await replace(req, res, t, p.id!, bodyOf(req), statusRest);
    }),
  );
  router.all('/namespaces/:ns/:resource', handle((req, res, p) => collection(req, res, target(req, p.resource!, p.ns))));
  router.all('/namespaces/:ns/:resource/:id', handle((req, res, p) => item(req, res, target(req, p.resource!, p.ns), p.id!)));
  router.all('/:resource', handle((req, res, p) => collection(req, res, target(req, p.resource!))));
  router.all('/:resource/:id', handle((req, res, p) => item(req, res, target(req, p.resource!), p.id!)));
  // Body-reading failures (too large, aborted) arrive here from express.raw, as v1beta1 Status too.
  router.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const status = isRecord(err) && typeof err.status === 'number' ? err.status : 500;
    const apiErr = err instanceof ApiError ? err : status === 413 ? errors.requestEntityTooLarge() : status < 500 ? errors.badRequest(String((err as Error).message)) : errors.internal(err);
    fail(req, res, apiErr);
  });
  return router;
}
