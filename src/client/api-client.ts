/**
 * A small Kubernetes API client over HTTP (JSON), used by the controller manager, the scheduler and
 * the proxy: they are API clients like any other and never touch storage.
 *
 * Errors from the server come back as `ApiStatusError` carrying the Status; network failures as
 * `ApiUnavailableError` (callers retry with backoff). Several servers may be given: requests go to
 * the first one that answers, and move on when one is unreachable.
 */
import http from 'node:http';
import https from 'node:https';
import type { KubeList, KubeObject } from '../api/types';
import type { Status } from '../api/errors';

export class ApiStatusError extends Error {
  override readonly name = 'ApiStatusError';
  constructor(
    readonly code: number,
    readonly status: Partial<Status>,
  ) {
    super(status.message ?? `HTTP ${code}`);
  }
  get reason(): string {
    return status_reason(this.status);
  }
}

function status_reason(s: Partial<Status>): string {
  return typeof s.reason === 'string' ? s.reason : '';
}

export class ApiUnavailableError extends Error {
  override readonly name = 'ApiUnavailableError';
}

export interface WatchEventIn<T extends KubeObject = KubeObject> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';
  object: T;
}

export interface ResourcePath {
  /** '' for core. */
  group?: string;
  version?: string;
  /** Plural resource, e.g. 'pods'. */
  resource: string;
  /** Namespace; '' or undefined for cluster-scoped or all-namespaces. */
  namespace?: string;
  name?: string;
  subresource?: string;
}

export type Query = Record<string, string | number | boolean | undefined>;

export interface ApiClientOptions {
  /** Base URLs, e.g. ['http://127.0.0.1:8888']. */
  servers: string[];
  userAgent?: string;
  /** Per-request timeout (not for watches). */
  timeoutMs?: number;
}

export function resourceUrlPath(p: ResourcePath): string {
  const prefix = p.group ? `/apis/${p.group}/${p.version ?? 'v1'}` : `/api/${p.version ?? 'v1'}`;
  let s = prefix;
  if (p.namespace) s += `/namespaces/${encodeURIComponent(p.namespace)}`;
  s += `/${p.resource}`;
  if (p.name !== undefined) s += `/${encodeURIComponent(p.name)}`;
  if (p.subresource) s += `/${p.subresource}`;
  return s;
}

function withQuery(path: string, q?: Query): string {
  if (!q) return path;
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== '') sp.set(k, String(v));
  const qs = sp.toString();
  return qs ? `${path}?${qs}` : path;
}

export class ApiClient {
  private current = 0;
  readonly servers: string[];
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  private readonly httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 64 });

  constructor(private readonly opts: ApiClientOptions) {
    if (opts.servers.length === 0) throw new Error('ApiClient: no API server given');
    this.servers = opts.servers.map((s) => s.replace(/\/+$/, ''));
  }

  get<T extends KubeObject = KubeObject>(p: ResourcePath, q?: Query): Promise<T> {
    return this.json<T>('GET', withQuery(resourceUrlPath(p), q));
  }

  list<T extends KubeObject = KubeObject>(p: ResourcePath, q?: Query): Promise<KubeList<T>> {
    return this.json<KubeList<T>>('GET', withQuery(resourceUrlPath(p), q));
  }

  create<T extends KubeObject = KubeObject>(p: ResourcePath, body: KubeObject, q?: Query): Promise<T> {
    return this.json<T>('POST', withQuery(resourceUrlPath(p), q), body);
  }

  update<T extends KubeObject = KubeObject>(p: ResourcePath, body: KubeObject, q?: Query): Promise<T> {
    return this.json<T>('PUT', withQuery(resourceUrlPath(p), q), body);
  }

  patch<T extends KubeObject = KubeObject>(
    p: ResourcePath,
    body: unknown,
    type: 'merge' | 'strategic' | 'json' = 'merge',
    q?: Query,
  ): Promise<T> {
    const ct = { merge: 'application/merge-patch+json', strategic: 'application/strategic-merge-patch+json', json: 'application/json-patch+json' }[type];
    return this.json<T>('PATCH', withQuery(resourceUrlPath(p), q), body, ct);
  }

  delete<T extends KubeObject = KubeObject>(p: ResourcePath, body?: Record<string, unknown>, q?: Query): Promise<T> {
    return this.json<T>('DELETE', withQuery(resourceUrlPath(p), q), body ?? undefined);
  }

  /** Raw request for any path (e.g. bindings, non-resource URLs). */
  request<T>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
    return this.json<T>(method, path, body, contentType);
  }

  /**
   * Open a watch; yields events until the server ends the stream, `signal` aborts, or an error.
   * An ERROR event is yielded as-is (callers check for 410 and re-list).
   */
  async *watch<T extends KubeObject = KubeObject>(p: ResourcePath, q: Query, signal?: AbortSignal): AsyncGenerator<WatchEventIn<T>> {
    const res = await this.open('GET', withQuery(resourceUrlPath(p), { ...q, watch: 'true' }), undefined, undefined, signal, true);
    if ((res.statusCode ?? 0) >= 300) {
      const text = await readAll(res);
      throw statusError(res.statusCode ?? 0, text);
    }
    res.setEncoding('utf8');
    let buf = '';
    try {
      for await (const chunk of res as AsyncIterable<string>) {
        buf += chunk;
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          if (line) yield JSON.parse(line) as WatchEventIn<T>;
        }
      }
    } catch (err) {
      if (signal?.aborted) return;
      throw new ApiUnavailableError(`watch stream broke: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      res.destroy();
    }
  }

  close(): void {
    this.agent.destroy();
    this.httpsAgent.destroy();
  }

  private async json<T>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
    const res = await this.open(method, path, body, contentType);
    const text = await readAll(res);
    const code = res.statusCode ?? 0;
    if (code >= 300) throw statusError(code, text);
    return (text ? JSON.parse(text) : {}) as T;
  }

  private async open(
    method: string,
    path: string,
    body: unknown,
    contentType?: string,
    signal?: AbortSignal,
    longRunning = false,
  ): Promise<http.IncomingMessage> {
    const payload = body === undefined ? undefined : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
    let lastErr: unknown;
    for (let i = 0; i < this.servers.length; i++) {
      const idx = (this.current + i) % this.servers.length;
      const base = this.servers[idx]!;
      try {
        const res = await this.once(base, method, path, payload, contentType, signal, longRunning);
        this.current = idx;
        return res;
      } catch (err) {
        lastErr = err;
        if (signal?.aborted) throw err;
      }
    }
    throw new ApiUnavailableError(`API server unreachable: ${lastErr instanceof Error ? lastErr.message : String(lastErr)}`);
  }

  private once(
    base: string,
    method: string,
    path: string,
    payload: Buffer | undefined,
    contentType: string | undefined,
    signal: AbortSignal | undefined,
    longRunning: boolean,
  ): Promise<http.IncomingMessage> {
    const url = new URL(base + path);
    const mod = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = { Accept: 'application/json', 'User-Agent': this.opts.userAgent ?? 'km-client' };
      if (payload) {
        headers['Content-Type'] = contentType ?? 'application/json';
        headers['Content-Length'] = String(payload.length);
      }
      const req = mod.request(
        url,
        { method, headers, agent: url.protocol === 'https:' ? this.httpsAgent : this.agent, signal },
        (res) => resolve(res),
      );
      if (!longRunning) {
        req.setTimeout(this.opts.timeoutMs ?? 30_000, () => req.destroy(new Error(`request timed out after ${this.opts.timeoutMs ?? 30_000} ms`)));
      }
      req.on('error', reject);
      req.end(payload);
    });
  }
}

function readAll(res: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    res.on('error', reject);
  });
}

function statusError(code: number, text: string): ApiStatusError {
  let status: Partial<Status> = { message: text.slice(0, 500) };
  try {
    const parsed = JSON.parse(text) as Partial<Status>;
    if (parsed && typeof parsed === 'object') status = parsed;
  } catch {
    // not JSON: keep the text
  }
  return new ApiStatusError(code, status);
}

export function isNotFound(err: unknown): boolean {
  return err instanceof ApiStatusError && err.code === 404;
}
export function isConflict(err: unknown): boolean {
  return err instanceof ApiStatusError && err.code === 409;
}
export function isAlreadyExists(err: unknown): boolean {
  return err instanceof ApiStatusError && err.code === 409 && err.reason === 'AlreadyExists';
}
