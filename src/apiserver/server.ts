/**
 * The HTTP API server: express app with the core API (/api/v1), coordination.k8s.io/v1, discovery,
 * OpenAPI, health and version endpoints over a Storage. `startApiServer` is what `km apiserver`
 * calls; `createApiApp` is the same app without listening (for supertest).
 */
import http from 'node:http';
import os from 'node:os';
import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import type winston from 'winston';
import { errors } from '../api/errors';
import type { FieldError } from '../api/errors';
import { loadSchemaSet } from '../api/schemas';
import type { SchemaSet } from '../api/schemas';
import { discoveryRouter } from '../api/discovery';
import { openapiRouter } from '../api/openapi';
import { v1beta1Router } from '../api/v1beta1/router';
import { v1beta1ResourceInfos } from '../api/v1beta1/discovery';
import { watchForUrl } from '../api/v1beta1/watch-target';
import type { Printer } from '../api/table/types';
import { defaultPrinters } from '../api/table';
import { decodeProtobufObject } from '../api/protobuf';
import type { Storage } from '../storage/interface';
import { Registry } from '../registry/registry';
import type { GenericStore, StoreLogger, WatchSource } from '../registry/generic-store';
import type { ServiceAllocators } from '../registry/strategies/services';
import { interpretStorageError } from '../registry/storage-errors';
import { NodePortAllocator, ServiceIpAllocator } from '../allocator/service-allocators';
import { WatchCache } from '../watch/watch-cache';
import { attachWebSocketWatch } from './watch-http';
import { createApiMetrics } from './filters/metrics';
import { requestLog } from './filters/request-log';
import { maxInflight } from './filters/max-inflight';
import type { Clock } from '../client/work-queue';
import type { ProtobufDecoder } from './resource-handler';
import { ResourceHandler, pathNotFound, route } from './resource-handler';
import { errorHandler, sendError } from './error-handler';
import { maintainDefaultServices } from './default-services';
import { MasterLeases } from './master-leases';

export const GIT_VERSION = 'v1.32.0-km';

const CORE_PREFIX = '/api/v1/';
const noop = (): void => undefined;

export interface ApiServerOptions {
  storage: Storage;
  address: string;
  port: number;
  etcdPrefix?: string;
  serviceClusterIpRange?: string;
  serviceNodePortRange?: string;
  logger?: winston.Logger;
  /** --max-requests-inflight / --max-mutating-requests-inflight; 0 or absent = unlimited. */
  maxRequestsInflight?: number;
  maxMutatingRequestsInflight?: number;
  /** --max-inflight-wait: how long a request may wait for a seat before 429 (default 250 ms; 0 = at once). */
  maxInflightWaitMs?: number;
  /** The in-flight filter's clock (tests pass a manual one). */
  inflightClock?: Clock;
  /** Maintain the `kubernetes` and `kubernetes-ro` services in `default` (default true). */
  defaultServices?: boolean;
  /** How long an API server's master lease lives without renewal (default 35 s); see master-leases.ts. */
  masterLeaseTtlMs?: number;
  /** How often the default services and this server's lease are reconciled (default 10 s). */
  defaultServicesIntervalMs?: number;
}

export type ApiAppOptions = Omit<ApiServerOptions, 'address' | 'port'> & {
  /** Table printers by resource (default: those in src/api/table). */
  printers?: Record<string, Printer>;
  protobuf?: ProtobufDecoder;
};

export interface ApiApp {
  app: express.Express;
  /** What the HTTP server runs: the in-flight filter (when limits are set), then `app`. */
  listener: http.RequestListener;
  registry: Registry;
  /** Create the built-in namespaces (startApiServer calls it). */
  bootstrap(): Promise<void>;
  /** Serve watches over WebSocket on this server too. */
  attach(server: http.Server): void;
  /** Stop watch caches (the storage stays open: it belongs to the caller). */
  close(): Promise<void>;
}

const silentLogger: StoreLogger = { warn: () => undefined, info: () => undefined };

function versionInfo(): Record<string, string> {
  return {
    major: '1',
    minor: '32',
    gitVersion: GIT_VERSION,
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2026-11-27T00:00:00Z',
    goVersion: `node${process.versions.node}`,
    compiler: 'node',
    platform: `${os.platform()}/${os.arch() === 'x64' ? 'amd64' : os.arch()}`,
  };
}

/** ajv structural validation: fields the schema requires (types and unknown fields are decode-time). */
function structuralValidator(schemas: SchemaSet) {
  return (info: { group: string; version: string; kind: string }, obj: unknown): FieldError[] => {
    const r = schemas.validate(info.group, info.version, info.kind, obj);
    if (!r) return [];
    return r.missingRequired.map((field) => ({ type: 'FieldValueRequired', field }));
  };
}

interface Allocators {
  forRegistry: ServiceAllocators;
  /** The start-up repair: mark what existing services hold (never frees; see markInUse). */
  repair(): Promise<void>;
}

function serviceAllocators(storage: Storage, prefix: string, cidr: string | undefined, ports: string | undefined): Allocators | undefined {
  if (!cidr) return undefined;
  const ips = new ServiceIpAllocator(storage, cidr, `${prefix}/ranges/serviceips`);
  const nodePorts = new NodePortAllocator(storage, ports ?? '30000-32767', `${prefix}/ranges/servicenodeports`);
  return {
    forRegistry: {
      allocateIp: (ip) => ips.allocate(ip),
      releaseIp: (ip) => ips.release(ip),
      allocatePort: (p) => nodePorts.allocate(p),
      releasePort: (p) => nodePorts.release(p),
    },
    async repair() {
      const heldIps: string[] = [];
      const heldPorts: number[] = [];
      let continueFrom: string | undefined;
      let atRevision: number | undefined;
      for (;;) {
        const page = await storage.list(`${prefix}/services/`, { limit: 500, continueFrom, atRevision });
        for (const kv of page.items) {
          let spec: { clusterIP?: unknown; clusterIPs?: unknown; ports?: unknown } | undefined;
          try {
            spec = (JSON.parse(kv.value.toString('utf8')) as { spec?: typeof spec }).spec;
          } catch {
            continue; // corrupt values are reported by the registry when read
          }
          for (const ip of [spec?.clusterIP, ...(Array.isArray(spec?.clusterIPs) ? spec.clusterIPs : [])]) if (typeof ip === 'string') heldIps.push(ip);
          for (const p of Array.isArray(spec?.ports) ? spec.ports : []) {
            const np = (p as { nodePort?: unknown } | null)?.nodePort;
            if (typeof np === 'number') heldPorts.push(np);
          }
        }
        if (!page.more || page.items.length === 0) break;
        continueFrom = page.items[page.items.length - 1]!.key;
        atRevision = page.revision;
      }
      await ips.markInUse(heldIps);
      await nodePorts.markInUse(heldPorts);
    },
  };
}

export function createApiApp(opts: ApiAppOptions): ApiApp {
  const storage = opts.storage;
  const prefix = opts.etcdPrefix ?? '/registry';
  const logger: StoreLogger = opts.logger ?? silentLogger;
  let schemas: SchemaSet | undefined;
  try {
    schemas = loadSchemaSet();
    // Compile every kind's validator now, not on the first request of each kind.
    schemas.precompileAll();
  } catch (err) {
    logger.warn('schemas unavailable; structural validation disabled', { error: String(err) });
  }

  const metrics = createApiMetrics({ defaultMetrics: false });
  const caches: WatchCache[] = [];
  const watchSource = (store: GenericStore): WatchSource => {
    let cache: WatchCache | undefined;
    let started: Promise<WatchCache> | undefined;
    let running: WatchCache | undefined;
    const ensure = (): Promise<WatchCache> => {
      if (!started) {
        cache = new WatchCache({
          storage,
          prefix: store.root,
          decode: (kv) => store.decodeCached(kv),
          objectKind: { apiVersion: store.apiVersion, kind: store.info.kind },
          logger,
        });
        const c = cache;
        caches.push(c);
        metrics.watchersOf(store.info.resource, () => c.watcherCount);
        started = c.start().then(
          () => (running = c),
          (err: unknown) => {
            started = undefined;
            throw interpretStorageError(err, 'watch', store.gr, '');
          },
        );
      }
      return started;
    };
    return {
      watch: async (o) => (await ensure()).watch(o),
      snapshot: async (keyPrefix) => (await ensure()).snapshot(keyPrefix),
      snapshotAtLeast: async (keyPrefix, revision) => (await ensure()).snapshotAtLeast(keyPrefix, revision),
      getAtLeast: async (key, revision) => (await ensure()).getAtLeast(key, revision),
      running: () => running,
      warm: () => {
        // A failed start is retried by the next use; its error is that use's to report.
        ensure().catch(() => undefined);
      },
      consistentSnapshot: async (keyPrefix) => (await ensure()).consistentSnapshot(keyPrefix),
    };
  };

  const allocators = serviceAllocators(storage, prefix, opts.serviceClusterIpRange, opts.serviceNodePortRange);
  const registry = new Registry({
    storage,
    prefix,
    logger,
    structural: schemas ? structuralValidator(schemas) : undefined,
    unknownFields: schemas ? (info, obj) => schemas!.validate(info.group, info.version, info.kind, obj)?.unknownFields ?? [] : undefined,
    serviceAllocators: allocators?.forRegistry,
    watchSource,
    printers: opts.printers ?? { ...defaultPrinters },
  });
  const handler = new ResourceHandler({ registry, schemas, protobuf: opts.protobuf ?? ((body) => decodeProtobufObject(body)) });

  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.set('query parser', 'simple');
  const logRequest = requestLog();
  app.use(metrics.middleware);
  app.use(logRequest);
  const inflight =
    opts.maxRequestsInflight || opts.maxMutatingRequestsInflight
      ? maxInflight(
          { readOnly: opts.maxRequestsInflight ?? 0, mutating: opts.maxMutatingRequestsInflight ?? 0, maxWaitMs: opts.maxInflightWaitMs, clock: opts.inflightClock },
          (m) => metrics.inflightRejected.inc({ kind: m ? 'mutating' : 'readOnly' }),
        )
      : undefined;
  if (inflight) metrics.inflightOf(() => inflight.state());

  // The core API is served before express (see `core` below); express keeps the same route for
  // apps that mount `app` inside another one.
  app.all(/^\/api\/v1\/(.+)$/, async (req: Request, res: Response) => {
    await handler.handle(req, res, '', 'v1', segmentsOf(req.path, '/api/v1/'));
  });

  app.get('/version', (_req, res) => {
    res.json(versionInfo());
  });
  // Health as kube-apiserver serves it: `ok`, or with ?verbose one `[+]check ok` line per check;
  // readyz fails while storage is unreachable; healthz and livez say the process is alive.
  const storageReachable = (): Promise<boolean> =>
    Promise.race([
      storage.currentRevision().then(
        () => true,
        () => false,
      ),
      new Promise<boolean>((r) => setTimeout(() => r(false), 2000).unref()),
    ]);
  const health =
    (name: string, withStorage: boolean) =>
    async (req: Request, res: Response): Promise<void> => {
      const checks: Array<[string, boolean]> = [['ping', true]];
      if (withStorage) checks.push(['etcd', await storageReachable()]);
      const failed = checks.some(([, ok]) => !ok);
      const verbose = req.query['verbose'] !== undefined;
      const lines = checks.map(([c, ok]) => (ok ? `[+]${c} ok` : `[-]${c} failed: reason withheld`));
      res.status(failed ? 500 : 200).type('text/plain');
      if (failed) res.send(`${lines.join('\n')}\n${name} check failed`);
      else res.send(verbose ? `${lines.join('\n')}\n${name} check passed\n` : 'ok');
    };
  app.get('/livez', health('livez', false));
  app.get('/healthz', health('healthz', false));
  app.get('/readyz', health('readyz', true));
  app.get('/metrics', metrics.handler);

  // Discovery and OpenAPI (kubectl-compat's routers) mount here.
  // v1beta1 is announced as a second core version so kubectl can map `apiVersion: v1beta1` documents.
  const servedInfos = [...registry.infos(), ...v1beta1ResourceInfos()];
  app.use(discoveryRouter(servedInfos, { coreVersions: ['v1', 'v1beta1'] }));
  if (schemas) app.use(openapiRouter(servedInfos, { version: GIT_VERSION, schemas }));

  // The legacy v1beta1 API (src/api/v1beta1) converts to and from the same v1 registry.
  app.use('/api/v1beta1', v1beta1Router({ resources: (r) => registry.lookup('', 'v1', r) }));
  app.all(/^\/apis\/([^/]+)\/([^/]+)\/(.+)$/, async (req: Request, res: Response) => {
    const m = /^\/apis\/([^/]+)\/([^/]+)\/(.+)$/.exec(req.path)!;
    await handler.handle(req, res, m[1]!, m[2]!, segmentsOf(req.path, `/apis/${m[1]}/${m[2]}/`));
  });

  app.use((_req: Request, _res: Response, next: NextFunction) => next(pathNotFound()));
  app.use(errorHandler(logger));

  // Nearly every request is one of the core API's: it goes to the handler with the same filters
  // (metrics, request log) and the same error rendering, without express's per-request routing
  // and request/response decoration, which cost as much as the handler's own work on a GET.
  const core: http.RequestListener = (req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    if (path.length <= CORE_PREFIX.length || !path.startsWith(CORE_PREFIX)) return void app(req, res);
    metrics.middleware(req, res, noop);
    logRequest(req, res, noop);
    (async () => handler.handle(req, res, '', 'v1', segmentsOf(path, CORE_PREFIX)))().catch((err: unknown) => sendError(err, req, res, logger));
  };

  return {
    app,
    // The in-flight filter runs first: a shed request costs its parse and one write.
    listener: inflight ? (req, res) => inflight.handler(req, res, () => core(req, res)) : core,
    registry,
    bootstrap: async () => {
      await registry.bootstrap();
      await allocators?.repair();
    },
    attach(server) {
      attachWebSocketWatch(server, async (req) => {
        const url = new URL(req.url ?? '/', 'http://x');
        if (url.pathname.startsWith('/api/v1beta1/')) return watchForUrl((r) => registry.lookup('', 'v1', r), url, req.headers['user-agent']);
        let group = '';
        let version = 'v1';
        let rest: string;
        if (url.pathname.startsWith('/api/v1/')) rest = url.pathname.slice('/api/v1/'.length);
        else {
          const m = /^\/apis\/([^/]+)\/([^/]+)\/(.+)$/.exec(url.pathname);
          if (!m) return null;
          group = m[1]!;
          version = m[2]!;
          rest = m[3]!;
        }
        const r = route(registry, group, version, rest.split('/').filter(Boolean).map(decodeURIComponent), url.searchParams);
        if (!r.watch) return null;
        const p = url.searchParams;
        const fieldSelector = [p.get('fieldSelector'), r.name !== undefined ? `metadata.name=${r.name}` : null].filter(Boolean).join(',') || undefined;
        const watcher = await r.rest.watch(
          { namespace: r.namespace },
          {
            labelSelector: p.get('labelSelector') ?? undefined,
            fieldSelector,
            resourceVersion: p.get('resourceVersion') ?? undefined,
            allowWatchBookmarks: p.get('allowWatchBookmarks') === 'true',
            sendInitialEvents: p.has('sendInitialEvents') ? p.get('sendInitialEvents') === 'true' : undefined,
          },
        );
        const t = p.get('timeoutSeconds');
        return { watcher, timeoutSeconds: t ? Number(t) : undefined };
      });
    },
    async close() {
      inflight?.stop();
      await Promise.all(caches.map((c) => c.stop()));
    },
  };
}

function segmentsOf(path: string, prefix: string): string[] {
  return path
    .slice(prefix.length)
    .split('/')
    .filter((s) => s.length > 0)
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        throw errors.badRequest(`invalid path segment ${JSON.stringify(s)}`);
      }
    });
}

export async function startApiServer(opts: ApiServerOptions): Promise<{ url: string; server: http.Server; close(): Promise<void> }> {
  const api = createApiApp(opts);
  await api.bootstrap();
  const server = http.createServer(api.listener);
  // Slow clients may not hold connections forever (slowloris): headers within 30 s, whole request
  // bodies (3 MiB at most) within 60 s. Responses, such as watches, are not limited by these.
  server.headersTimeout = 30_000;
  server.requestTimeout = 60_000;
  api.attach(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // The accept queue as Go's listener (kube-apiserver's) sizes it: the kernel caps the backlog at
    // net.core.somaxconn. Node's default of 511 overflows under a burst of new connections, and
    // each dropped SYN costs the client a retransmission of 1 s, then 3 s, 7 s...
    server.listen({ port: opts.port, host: opts.address, backlog: 65535 }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port;
  const host = opts.address.includes(':') ? `[${opts.address}]` : opts.address;
  const services = api.registry.lookup('', 'v1', 'services');
  const endpoints = api.registry.lookup('', 'v1', 'endpoints');
  const stopDefaultServices =
    services && endpoints && opts.defaultServices !== false
      ? maintainDefaultServices({
          services,
          endpoints,
          serviceClusterIpRange: opts.serviceClusterIpRange,
          advertiseAddress: opts.address === '0.0.0.0' || opts.address === '::' ? '127.0.0.1' : opts.address,
          port,
          leases: new MasterLeases({ storage: opts.storage, prefix: opts.etcdPrefix, ttlMs: opts.masterLeaseTtlMs }),
        }, opts.defaultServicesIntervalMs)
      : undefined;
  return {
    url: `http://${host}:${port}`,
    server,
    async close() {
      await stopDefaultServices?.();
      // Graceful: stop accepting, end watches (clients see the stream close and reconnect), let
      // in-flight requests finish, then cut whatever is left after a bounded wait.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await api.close();
      const timer = setTimeout(() => server.closeAllConnections(), 5_000);
      await closed;
      clearTimeout(timer);
    },
  };
}
