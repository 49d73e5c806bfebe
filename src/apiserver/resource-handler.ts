/**
 * The REST endpoints of /api/v1 and /apis/<group>/<version>: turns a request into a call on the
 * registry's RESTResource (path → resource/namespace/name/subresource, method → verb, query and
 * body → options) and renders the result in the negotiated format.
 */
import type { IncomingMessage as Request, ServerResponse as Response } from 'node:http';
import YAML from 'yaml';
import type { ApiError} from '../api/errors';
import { errors } from '../api/errors';
import type { KubeList, KubeObject } from '../api/types';
import { isRecord } from '../api/types';
import type { SchemaSet } from '../api/schemas';
import type {
  DeleteOptions,
  FieldValidation,
  ListOptions,
  RESTResource,
  RequestContext,
  ResourceInfo,
  WatchOptions,
  WriteOptions,
  WriteResult,
} from '../registry/rest';
import type { Registry } from '../registry/registry';
import { GenericStore, rawJsonOf, type RawList } from '../registry/generic-store';
import { BindingREST } from '../registry/subresources';
import { pruneFields } from '../registry/object-util';
import type { ApiWatchEvent } from '../watch/types';
import { serveWatch } from './watch-http';
import { readBody } from './body';
import { decodeJson, decodeYaml } from './decode';
import type { Decoded } from './decode';
import type { ResponseFormat } from './negotiation';
import { negotiateResponse, patchTypeOf, requestBodyFormat } from './negotiation';
import { parseIncludeObject, toTable } from '../api/table';

/** Decodes a protobuf request body (kubectl-compat's decoder, when present). */
export type ProtobufDecoder = (body: Buffer, info: ResourceInfo) => KubeObject;

export interface HandlerDeps {
  registry: Registry;
  schemas?: SchemaSet;
  protobuf?: ProtobufDecoder;
}

/** kube answers unknown paths with this Status (no resource or name in it). */
export function pathNotFound(): ApiError {
  return errors.pathNotFound();
}

/** Resources whose DELETE answers with the object rather than a Success Status (ReturnDeletedObject). */
const RETURNS_DELETED_OBJECT = new Set(['pods', 'services', 'namespaces']);

interface Route {
  rest: RESTResource;
  info: ResourceInfo;
  namespace: string;
  name?: string;
  subresource?: string;
  watch: boolean;
}

/** Parse the path segments after the group/version prefix. */
export function route(registry: Registry, group: string, version: string, segments: string[], query: URLSearchParams): Route {
  let segs = segments;
  let watchPath = false;
  if (segs[0] === 'watch') {
    watchPath = true;
    segs = segs.slice(1);
  }
  let namespace = '';
  let namespacedPath = false;
  if (segs[0] === 'namespaces' && segs.length >= 3 && !(segs.length === 3 && (segs[2] === 'status' || segs[2] === 'finalize'))) {
    namespace = segs[1]!;
    namespacedPath = true;
    segs = segs.slice(2);
  }
  if (segs.length === 0 || segs.length > 3) throw pathNotFound();
  const [resource, name, sub] = segs as [string, string | undefined, string | undefined];
  const rest = registry.lookup(group, version, sub ? `${resource}/${sub}` : resource);
  if (!rest) throw pathNotFound();
  const info = rest.info;
  if (info.namespaced !== namespacedPath) {
    // A namespaced resource without a namespace is only an all-namespaces list/watch.
    if (!(info.namespaced && !namespacedPath && name === undefined)) throw pathNotFound();
  }
  const w = query.get('watch');
  return { rest, info, namespace, name, subresource: sub, watch: watchPath || w === 'true' || w === '1' };
}

function q(query: URLSearchParams, key: string): string | undefined {
  const v = query.get(key);
  return v === null ? undefined : v;
}

function intParam(query: URLSearchParams, key: string): number | undefined {
  const v = q(query, key);
  if (v === undefined || v === '') return undefined;
  if (!/^-?\d+$/.test(v)) throw errors.badRequest(`invalid value for ${key}: ${JSON.stringify(v)}`);
  return Number(v);
}

function boolParam(query: URLSearchParams, key: string): boolean | undefined {
  const v = q(query, key);
  if (v === undefined || v === '') return undefined;
  return v === 'true' || v === '1';
}

function dryRunParam(values: string[]): boolean {
  for (const v of values) {
    if (v !== 'All')
      throw errors.invalid('CreateOptions', 'meta.k8s.io', '', [{ type: 'FieldValueNotSupported', field: 'dryRun', value: v, detail: 'supported values: "All"' }]);
  }
  return values.length > 0;
}

function fieldValidationParam(query: URLSearchParams): FieldValidation {
  const v = q(query, 'fieldValidation');
  if (v === undefined || v === '') return 'Warn';
  const norm = v.toLowerCase();
  if (norm === 'strict') return 'Strict';
  if (norm === 'warn') return 'Warn';
  if (norm === 'ignore') return 'Ignore';
  throw errors.badRequest(`fieldValidation must be one of "Ignore", "Warn", or "Strict", got: ${v}`);
}

function listOptions(query: URLSearchParams): ListOptions {
  const match = q(query, 'resourceVersionMatch');
  // kube decodes every ListOptions parameter, so a malformed one is a 400 even where a LIST ignores it.
  intParam(query, 'timeoutSeconds');
  return {
    labelSelector: q(query, 'labelSelector'),
    fieldSelector: q(query, 'fieldSelector'),
    limit: intParam(query, 'limit'),
    continue: q(query, 'continue'),
    resourceVersion: q(query, 'resourceVersion'),
    resourceVersionMatch: match === undefined || match === '' ? undefined : (match as ListOptions['resourceVersionMatch']),
  };
}

function writeOptions(query: URLSearchParams, decodeIssues: string[], inputOwned = false): WriteOptions {
  return {
    dryRun: dryRunParam(query.getAll('dryRun')),
    fieldManager: q(query, 'fieldManager'),
    fieldValidation: fieldValidationParam(query),
    decodeIssues,
    inputOwned,
  };
}

function isList(v: KubeObject | KubeList): v is KubeList {
  return Array.isArray((v as KubeList).items);
}

/** A list as JSON, reusing each item's stored text when the store attached it (no re-encoding). */
function encodeList(list: KubeList): string {
  const { items, ...envelope } = list;
  const head = JSON.stringify(envelope);
  const parts = items.map((i) => rawJsonOf(i) ?? JSON.stringify(i));
  return `${head.slice(0, -1)},"items":[${parts.join(',')}]}`;
}

const COMMA = Buffer.from(',');
const ITEMS_END = Buffer.from(']}');
/** Bytes gathered per socket write when writing a list out (large enough for few syscalls, small enough to bound memory). */
const LIST_CHUNK_BYTES = 256 * 1024;

/** JSON bytes as a 200 response. */
function sendJsonBytes(res: Response, body: Buffer): void {
  res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': String(body.length) });
  res.end(body);
}

/**
 * A list written as its envelope followed by each item's cached JSON bytes: nothing is encoded per
 * item. Written in chunks, waiting for the socket between them, so a list costs about one chunk of
 * extra memory however large it is (the items themselves are shared with the cache or the storage read).
 */
async function sendRawList(res: Response, list: RawList): Promise<void> {
  const { items, ...envelope } = list;
  const head = Buffer.from(`${JSON.stringify(envelope).slice(0, -1)},"items":[`);
  let length = head.length + ITEMS_END.length + Math.max(0, items.length - 1);
  for (const c of items) length += c.json.length;
  res.statusCode = 200;
  res.setHeader('Content-Type', 'application/json');
  res.setHeader('Content-Length', String(length));
  let parts: Buffer[] = [head];
  let size = head.length;
  for (let i = 0; i < items.length; i++) {
    const json = items[i]!.json;
    if (i > 0) {
      parts.push(COMMA);
      size += 1;
    }
    parts.push(json);
    size += json.length;
    if (size >= LIST_CHUNK_BYTES) {
      const more = res.write(Buffer.concat(parts, size));
      parts = [];
      size = 0;
      if (!more && !(await drained(res))) return;
    }
  }
  parts.push(ITEMS_END);
  res.end(Buffer.concat(parts, size + ITEMS_END.length));
}

/** Resolves true once the response takes more bytes, false if it closed first. */
function drained(res: Response): Promise<boolean> {
  if (res.destroyed) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (ok: boolean) => (): void => {
      res.off('drain', onDrain);
      res.off('close', onClose);
      resolve(ok);
    };
    const onDrain = done(true);
    const onClose = done(false);
    res.once('drain', onDrain);
    res.once('close', onClose);
  });
}

/** kube's verb for a request (undefined: let the dispatcher refuse it). */
function verbOf(method: string, r: Route): string | undefined {
  switch (method) {
    case 'GET':
    case 'HEAD':
      return r.watch ? 'watch' : r.name === undefined ? 'list' : 'get';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return r.name === undefined ? 'deletecollection' : 'delete';
  }
  return undefined;
}

/** Field path → position in a depth-first walk of the object (JSON key order). */
function pathOrder(obj: unknown): Map<string, number> {
  const order = new Map<string, number>();
  const walk = (v: unknown, path: string): void => {
    order.set(path, order.size);
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}[${i}]`));
    else if (isRecord(v)) for (const [k, x] of Object.entries(v)) walk(x, path ? `${path}.${k}` : k);
  };
  walk(obj, '');
  return order;
}

export class ResourceHandler {
  constructor(private readonly deps: HandlerDeps) {}

  /** Decode a create/update body; collect unknown/duplicate fields as kube's strict decoder words them. */
  private async decodeBody(req: Request, info: ResourceInfo): Promise<{ obj: KubeObject; issues: string[] }> {
    const fmt = requestBodyFormat(req.headers['content-type']);
    const body = await readBody(req);
    const kind = info.kind;
    const version = info.version;
    if (body.length === 0) throw errors.badRequest(`${kind} in version "${version}" cannot be handled as a ${kind}: the body of the request is empty`);
    let decoded: Decoded;
    if (fmt === 'protobuf') {
      if (!this.deps.protobuf) throw errors.unsupportedMediaType(req.headers['content-type'] ?? '');
      decoded = { obj: this.deps.protobuf(body, info), duplicates: [] };
    } else decoded = fmt === 'yaml' ? decodeYaml(body, kind, version) : decodeJson(body, kind, version);
    const issues = decoded.duplicates.map((f) => `duplicate field "${f}"`);
    const schemas = this.deps.schemas;
    if (schemas && !['Binding', 'DeleteOptions'].includes(kind)) {
      const result = schemas.validate(info.group, info.version, kind, decoded.obj);
      if (result) {
        if (result.typeErrors.length > 0) {
          const t = result.typeErrors[0]!;
          throw errors.badRequest(`${kind} in version "${version}" cannot be handled as a ${kind}: json: cannot unmarshal ${t.field}: ${t.message}`);
        }
        if (result.unknownFields.length > 0) {
          // Report in document order, as kube's decoder meets them.
          const order = pathOrder(decoded.obj);
          const unknown = [...result.unknownFields].sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0));
          issues.unshift(...unknown.map((f) => `unknown field "${f}"`));
          pruneFields(decoded.obj, unknown);
        }
      }
    }
    return { obj: decoded.obj, issues };
  }

  async handle(req: Request, res: Response, group: string, version: string, segments: string[]): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const query = url.searchParams;
    const r = route(this.deps.registry, group, version, segments, query);
    const ctx: RequestContext = { namespace: r.namespace, userAgent: req.headers['user-agent'] };
    const method = (req.method ?? 'GET').toUpperCase();
    const accept = req.headers.accept;
    const verb = verbOf(method, r);
    if (verb && !r.info.verbs.includes(verb)) throw errors.methodNotAllowed(method, r.info.resource);
    // The all-namespaces path of a namespaced resource only lists and watches.
    if (r.info.namespaced && r.namespace === '' && verb !== 'list' && verb !== 'watch') throw errors.methodNotAllowed(method, r.info.resource);

    if (method === 'GET' || method === 'HEAD') {
      const tableOk = !!this.strategyOf(r.rest)?.tablePrinter;
      const fmt = negotiateResponse(accept, tableOk);
      if (r.watch) return this.watch(req, res, r, ctx, query, fmt);
      // JSON from a generic store: the cached bytes as they are, no object decoded or encoded.
      const raw = fmt.type === 'json' && r.rest instanceof GenericStore ? r.rest : undefined;
      if (r.name !== undefined) {
        const getOpts = { resourceVersion: q(query, 'resourceVersion') };
        if (raw) return sendJsonBytes(res, (await raw.getRaw(ctx, r.name, getOpts)).json);
        const obj = await r.rest.get(ctx, r.name, getOpts);
        return this.send(res, 200, obj, fmt, [], r, query);
      }
      if (raw) return sendRawList(res, await raw.listRaw(ctx, listOptions(query)));
      const list = await r.rest.list(ctx, listOptions(query));
      return this.send(res, 200, list, fmt, [], r, query);
    }

    const fmt = negotiateResponse(accept, false);
    switch (method) {
      case 'POST': {
        if (r.name !== undefined && r.subresource === undefined) throw errors.methodNotAllowed('POST', r.info.resource);
        const { obj, issues } = await this.decodeBody(req, r.info);
        // The decoded body is this request's alone: the store need not copy it.
        const opts = writeOptions(query, issues, true);
        let result: WriteResult;
        if (r.name !== undefined) {
          if (!(r.rest instanceof BindingREST)) throw errors.methodNotAllowed('POST', r.info.resource);
          result = await r.rest.createNamed(ctx, r.name, obj, opts);
        } else result = await r.rest.create(ctx, obj, opts);
        return this.send(res, 201, result.object, fmt, result.warnings, r, query);
      }
      case 'PUT': {
        if (r.name === undefined) throw errors.methodNotAllowed('PUT', r.info.resource);
        const { obj, issues } = await this.decodeBody(req, r.info);
        const result = await r.rest.update(ctx, r.name, obj, writeOptions(query, issues, true));
        return this.send(res, result.created ? 201 : 200, result.object, fmt, result.warnings, r, query);
      }
      case 'PATCH': {
        if (r.name === undefined) throw errors.methodNotAllowed('PATCH', r.info.resource);
        const type = patchTypeOf(req.headers['content-type']);
        const body = await readBody(req);
        const force = boolParam(query, 'force');
        if (force !== undefined && type !== 'apply')
          throw errors.invalid('PatchOptions', 'meta.k8s.io', '', [{ type: 'FieldValueForbidden', field: 'force', detail: 'may not be specified for non-apply patch' }]);
        const result = await r.rest.patch(ctx, r.name, type, body, { ...writeOptions(query, []), force });
        return this.send(res, result.created ? 201 : 200, result.object, fmt, result.warnings, r, query);
      }
      case 'DELETE': {
        const opts = await this.deleteOptions(req, query);
        if (r.name === undefined) {
          const list = await r.rest.deleteCollection(ctx, listOptions(query), opts);
          return this.send(res, 200, list, fmt, [], r, query);
        }
        const result = await r.rest.delete(ctx, r.name, opts);
        if (result.deleted && !RETURNS_DELETED_OBJECT.has(r.info.resource)) {
          const status: KubeObject = {
            kind: 'Status',
            apiVersion: 'v1',
            metadata: {},
            status: 'Success',
            details: { name: r.name, group: r.info.group || undefined, kind: r.info.resource, uid: result.object.metadata?.uid },
          };
          return this.send(res, 200, status, fmt, [], r, query);
        }
        return this.send(res, 200, result.object, fmt, [], r, query);
      }
      default:
        throw errors.methodNotAllowed(method, r.info.resource);
    }
  }

  private strategyOf(rest: RESTResource): GenericStore['strategy'] | undefined {
    const s = (rest as Partial<GenericStore>).strategy;
    return s;
  }

  /** DeleteOptions from the body (kubectl sends one) merged over the query parameters. */
  private async deleteOptions(req: Request, query: URLSearchParams): Promise<DeleteOptions> {
    const body = await readBody(req);
    let b: Record<string, unknown> = {};
    if (body.length > 0) {
      const fmt = requestBodyFormat(req.headers['content-type']);
      if (fmt === 'protobuf') throw errors.unsupportedMediaType(req.headers['content-type'] ?? '');
      b = (fmt === 'yaml' ? decodeYaml(body, 'DeleteOptions', 'v1') : decodeJson(body, 'DeleteOptions', 'v1')).obj as Record<string, unknown>;
    }
    const dryRunBody = Array.isArray(b['dryRun']) ? b['dryRun'].map(String) : [];
    const grace = typeof b['gracePeriodSeconds'] === 'number' ? b['gracePeriodSeconds'] : intParam(query, 'gracePeriodSeconds');
    const orphanDependents = typeof b['orphanDependents'] === 'boolean' ? b['orphanDependents'] : boolParam(query, 'orphanDependents');
    const legacyPolicy = orphanDependents === undefined ? undefined : orphanDependents ? 'Orphan' : 'Background';
    const policy = (typeof b['propagationPolicy'] === 'string' ? b['propagationPolicy'] : (q(query, 'propagationPolicy') ?? legacyPolicy)) as DeleteOptions['propagationPolicy'];
    if (policy !== undefined && !['Orphan', 'Background', 'Foreground'].includes(policy))
      throw errors.invalid('DeleteOptions', 'meta.k8s.io', '', [
        { type: 'FieldValueNotSupported', field: 'propagationPolicy', value: policy, detail: 'supported values: "Foreground", "Background", "Orphan", "nil"' },
      ]);
    const pre = isRecord(b['preconditions']) ? b['preconditions'] : undefined;
    return {
      dryRun: dryRunParam([...query.getAll('dryRun'), ...dryRunBody]),
      gracePeriodSeconds: grace,
      propagationPolicy: policy,
      preconditions: pre
        ? { uid: typeof pre['uid'] === 'string' ? pre['uid'] : undefined, resourceVersion: typeof pre['resourceVersion'] === 'string' ? pre['resourceVersion'] : undefined }
        : undefined,
    };
  }

  private async watch(req: Request, res: Response, r: Route, ctx: RequestContext, query: URLSearchParams, fmt: ResponseFormat): Promise<void> {
    const opts: WatchOptions = {
      ...listOptions(query),
      allowWatchBookmarks: boolParam(query, 'allowWatchBookmarks'),
      sendInitialEvents: boolParam(query, 'sendInitialEvents'),
      timeoutSeconds: intParam(query, 'timeoutSeconds'),
    };
    if (r.name !== undefined) {
      const byName = `metadata.name=${r.name}`;
      opts.fieldSelector = opts.fieldSelector ? `${opts.fieldSelector},${byName}` : byName;
    }
    const watcher = await r.rest.watch(ctx, opts);
    const printer = this.strategyOf(r.rest)?.tablePrinter;
    let first = true;
    const encode =
      fmt.type === 'table' && printer
        ? (ev: ApiWatchEvent): unknown => {
            if (ev.type === 'BOOKMARK') return ev;
            const t = toTable(r.info.resource, [ev.object as KubeObject], {
              includeObject: parseIncludeObject(query.get('includeObject')),
              version: fmt.version,
              includeColumnDefinitions: first,
            });
            first = false;
            return { type: ev.type, object: t };
          }
        : undefined;
    serveWatch(req, res, watcher, { timeoutSeconds: opts.timeoutSeconds, encode });
  }

  private send(res: Response, code: number, body: KubeObject | KubeList, fmt: ResponseFormat, warnings: string[], r: Route, query: URLSearchParams): void {
    for (const w of warnings) res.appendHeader('Warning', `299 - ${JSON.stringify(w)}`);
    let out: unknown = body;
    if (fmt.type === 'table') {
      const printer = this.strategyOf(r.rest)?.tablePrinter;
      if (printer) {
        const isList = Array.isArray((body as KubeList).items) && body.kind?.endsWith('List');
        const items = isList ? (body as KubeList).items : [body as KubeObject];
        out = toTable(r.info.resource, items, {
          includeObject: parseIncludeObject(query.get('includeObject')),
          version: fmt.version,
          listMeta: isList ? (body as KubeList).metadata : { resourceVersion: body.metadata?.resourceVersion },
        });
      }
    }
    if (fmt.type === 'yaml') {
      const yaml = YAML.stringify(out);
      res.statusCode = code;
      res.setHeader('Content-Type', 'application/yaml; charset=utf-8');
      res.setHeader('Content-Length', Buffer.byteLength(yaml, 'utf8'));
      res.end(yaml, 'utf8');
      return;
    }
    const text = out !== body ? JSON.stringify(out) : isList(body) ? encodeList(body) : (rawJsonOf(body) ?? JSON.stringify(body));
    // Written as a string: Node encodes it straight into the socket write with the headers.
    res.statusCode = code;
    res.setHeader('Content-Type', 'application/json');
    res.setHeader('Content-Length', Buffer.byteLength(text, 'utf8'));
    res.end(text, 'utf8');
  }
}
