/**
 * Prometheus metrics (prom-client) with kube-apiserver's names:
 * apiserver_request_total{verb,resource,code}, apiserver_request_duration_seconds{verb,resource},
 * apiserver_registered_watchers{resource}, plus process/Node metrics. One registry per server so
 * several servers in one test process don't collide.
 */
import type { RequestHandler } from 'express';
import client from 'prom-client';
import { requestInfo } from './request-info';
import type { Filter } from './filter';

export interface ApiMetrics {
  registry: client.Registry;
  /** Counts and times every request (a plain Node filter: the core API runs it outside express). */
  middleware: Filter;
  /** Serves GET /metrics. */
  handler: RequestHandler;
  /** Registers a function reporting the current watcher count of a resource. */
  watchersOf(resource: string, count: () => number): void;
  inflightRejected: client.Counter<'kind'>;
  /** Registers the in-flight filter's seats: in use, waiting and the effective limit per request kind. */
  inflightOf(state: () => Record<'readOnly' | 'mutating', { limit: number; inUse: number; waiting: number }>): void;
}

export function createApiMetrics(opts: { defaultMetrics?: boolean } = {}): ApiMetrics {
  const registry = new client.Registry();
  if (opts.defaultMetrics !== false) client.collectDefaultMetrics({ register: registry });
  const requests = new client.Counter({
    name: 'apiserver_request_total',
    help: 'Counter of apiserver requests broken out for each verb, resource and HTTP response code.',
    labelNames: ['verb', 'resource', 'code'] as const,
    registers: [registry],
  });
  const duration = new client.Histogram({
    name: 'apiserver_request_duration_seconds',
    help: 'Response latency distribution in seconds for each verb and resource.',
    labelNames: ['verb', 'resource'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1, 2, 5, 10, 30, 60],
    registers: [registry],
  });
  const watcherCounts = new Map<string, () => number>();
  new client.Gauge({
    name: 'apiserver_registered_watchers',
    help: 'Number of currently registered watchers for a given resource.',
    labelNames: ['resource'] as const,
    registers: [registry],
    collect() {
      for (const [resource, count] of watcherCounts) this.set({ resource }, count());
    },
  });
  const inflightRejected = new client.Counter({
    name: 'apiserver_dropped_requests_total',
    help: 'Requests dropped with 429 because too many were in flight.',
    labelNames: ['kind'] as const,
    registers: [registry],
  });

  let inflightState: Parameters<ApiMetrics['inflightOf']>[0] | undefined;
  const inflightGauge = (name: string, help: string, field: 'limit' | 'inUse' | 'waiting'): void =>
    void new client.Gauge({
      name,
      help,
      labelNames: ['request_kind'] as const,
      registers: [registry],
      collect() {
        const s = inflightState?.();
        if (!s) return;
        for (const kind of ['readOnly', 'mutating'] as const) this.set({ request_kind: kind }, s[kind][field]);
      },
    });
  inflightGauge('apiserver_current_inflight_requests', 'Requests holding an in-flight seat, by request kind.', 'inUse');
  inflightGauge('apiserver_current_inqueue_requests', 'Requests waiting for an in-flight seat, by request kind.', 'waiting');
  inflightGauge('apiserver_current_inflight_limit', 'The effective in-flight limit (at most the flag; lower while the server is saturated).', 'limit');

  const middleware: Filter = (req, res, next) => {
    const start = process.hrtime.bigint();
    const info = requestInfo(req);
    res.once('finish', () => {
      const verb = info.verb || (req.method ?? '').toLowerCase();
      requests.inc({ verb, resource: info.resource, code: String(res.statusCode) });
      if (!info.longRunning) duration.observe({ verb, resource: info.resource }, Number(process.hrtime.bigint() - start) / 1e9);
    });
    next();
  };
  const handler: RequestHandler = (_req, res, next) => {
    registry.metrics().then((text) => {
      res.type(registry.contentType).send(text);
    }, next);
  };
  return {
    registry,
    middleware,
    handler,
    watchersOf: (resource, count) => watcherCounts.set(resource, count),
    inflightRejected,
    inflightOf: (state) => (inflightState = state),
  };
}
