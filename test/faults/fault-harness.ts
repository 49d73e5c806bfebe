/**
 * Shared pieces of the fault tests: a 3-member etcd cluster with `km apiserver` processes on it,
 * a retrying API client (what a well-behaved Kubernetes client does on 5xx), a steady write load
 * that records every acknowledged write, and a watch tracker that resumes at its last
 * resourceVersion (or re-lists after a 410) and records what it saw.
 */
import { execFile } from 'node:child_process';
import http from 'node:http';
import { startEtcd, startEtcdCluster, type EtcdCluster, type EtcdProcess, type EtcdStartOptions } from '../helpers/etcd-process';
import { startKm, tempDir, type KmProcess } from '../helpers/km-process';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface Answer {
  status: number;
  body: string;
  json: Record<string, unknown> | undefined;
}

export async function call(base: string, method: string, path: string, body?: unknown, timeoutMs = 5000): Promise<Answer> {
  const res = await fetch(base + path, {
    method,
    headers: body === undefined ? { accept: 'application/json' } : { accept: 'application/json', 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  return { status: res.status, body: text, json };
}

export interface Servers {
  cluster: EtcdCluster;
  servers: KmProcess[];
  args: string[][];
  cleanup(): Promise<void>;
}

export async function startClusterWithServers(nServers: number): Promise<Servers> {
  const cluster = await startEtcdCluster(3);
  const dirs: Array<{ dir: string; cleanup: () => void }> = [];
  const servers: KmProcess[] = [];
  const args: string[][] = [];
  try {
    for (let i = 0; i < nServers; i++) {
      const d = tempDir('km-fault-');
      dirs.push(d);
      const a = [`--etcd-servers=${cluster.endpoints.join(',')}`, `--data-dir=${d.dir}`, '--compaction-interval=0'];
      args.push(a);
      servers.push(await startKm('apiserver', { args: a, readyPath: '/readyz' }));
    }
  } catch (err) {
    await Promise.all(servers.map((s) => s.kill9()));
    await cluster.cleanup();
    throw err;
  }
  return {
    cluster,
    servers,
    args,
    async cleanup() {
      await Promise.all(servers.map((s) => s.kill9()));
      await cluster.cleanup();
      for (const d of dirs) d.cleanup();
    },
  };
}

/** One `km apiserver` on a fresh etcd (or on its embedded store), with namespace `ns` created. */
export interface SingleServer {
  km: KmProcess;
  etcd: EtcdProcess | undefined;
  cleanup(): Promise<void>;
}

export async function startSingleServer(o: { onEtcd: boolean; ns: string; dirPrefix: string; etcd?: EtcdStartOptions }): Promise<SingleServer> {
  const dir = tempDir(o.dirPrefix);
  let etcd: EtcdProcess | undefined;
  let km: KmProcess | undefined;
  const cleanup = async (): Promise<void> => {
    await km?.kill9();
    await etcd?.cleanup();
    dir.cleanup();
  };
  try {
    if (o.onEtcd) etcd = await startEtcd(o.etcd);
    km = await startKm('apiserver', {
      args: [...(etcd ? [`--etcd-servers=${etcd.endpoint}`] : []), `--data-dir=${dir.dir}`, '--compaction-interval=0'],
      readyPath: '/readyz',
    });
    await createNamespace(km.url, o.ns);
  } catch (err) {
    await cleanup();
    throw err;
  }
  return { km, etcd, cleanup };
}

/** A failed answer seen by the retrying client: its code, and whether its body was a Status. */
export interface Failure {
  status: number;
  isStatus: boolean;
  reason: string;
  server: string;
}

/**
 * The failures a retrying client may meet during a storage fault: a Status 503/504 (retryable), or
 * 409 AlreadyExists for a retried create meeting its own first attempt. Anything else (a hung or
 * reset connection, a non-Status body, another code) is returned.
 */
export function unexpectedFailures(failures: Failure[], allowed: number[] = [503, 504]): Failure[] {
  return failures.filter((f) => {
    if (f.status === 409 && f.reason === 'AlreadyExists') return false;
    return !(f.isStatus && allowed.includes(f.status));
  });
}

export const configMap = (name: string, data: Record<string, string>): Record<string, unknown> => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name },
  data,
});

/**
 * Create, retrying on 5xx and connection errors (rotating over `bases`) until `deadline`.
 * A retried create that meets AlreadyExists may be the client's own first attempt (its outcome was
 * unknown): it counts as acknowledged only if the stored object carries this request's data.
 */
export async function createRetrying(
  bases: () => string[],
  ns: string,
  name: string,
  data: Record<string, string>,
  failures: Failure[],
  deadline: number,
): Promise<{ rv: string } | undefined> {
  let attempt = 0;
  while (Date.now() < deadline) {
    const list = bases();
    const base = list[attempt % list.length]!;
    attempt++;
    try {
      // Longer than the server's own storage deadline (5 s), so a slow answer is the server's to give.
      const r = await call(base, 'POST', `/api/v1/namespaces/${ns}/configmaps`, configMap(name, data), 12_000);
      if (r.status === 201) return { rv: String((r.json?.metadata as { resourceVersion?: string })?.resourceVersion) };
      failures.push({ status: r.status, isStatus: r.json?.kind === 'Status', reason: String(r.json?.reason ?? ''), server: base });
      if (r.status === 409 && attempt > 1) {
        const g = await call(base, 'GET', `/api/v1/namespaces/${ns}/configmaps/${name}`);
        if (g.status === 200 && JSON.stringify(g.json?.data) === JSON.stringify(data)) {
          return { rv: String((g.json?.metadata as { resourceVersion?: string })?.resourceVersion) };
        }
      }
      if (r.status < 500 && r.status !== 429 && r.status !== 409) return undefined;
    } catch (err) {
      failures.push({ status: 0, isStatus: false, reason: err instanceof Error ? err.message : String(err), server: base });
    }
    await sleep(100);
  }
  return undefined;
}

/** `workers` concurrent writers creating configmaps `${tag}-<n>` until stopped. */
export class WriteLoad {
  readonly acked = new Map<string, { data: Record<string, string>; rv: string }>();
  readonly failures: Failure[] = [];
  readonly lost: string[] = [];
  private stopped = false;
  private running: Promise<void> | undefined;
  private seq = 0;

  constructor(
    private readonly bases: () => string[],
    private readonly ns: string,
    private readonly tag: string,
    private readonly workers = 8,
    private readonly writeDeadlineMs = 20_000,
  ) {}

  start(): void {
    this.running = Promise.all(
      Array.from({ length: this.workers }, async () => {
        while (!this.stopped) {
          const name = `${this.tag}-${this.seq++}`;
          const data = { n: name, at: String(Date.now()) };
          const r = await createRetrying(this.bases, this.ns, name, data, this.failures, Date.now() + this.writeDeadlineMs);
          if (r) this.acked.set(name, { data, rv: r.rv });
          else this.lost.push(name);
          await sleep(10);
        }
      }),
    ).then(() => undefined);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }
}

interface WatchEventLine {
  type: string;
  object: { metadata?: { name?: string; resourceVersion?: string }; code?: number; data?: Record<string, string> };
}

/** Hooks and knobs of a {@link WatchTracker}; the defaults are what the fault tests need. */
export interface WatchTrackerOptions {
  /** Keep every event in `events` (default true). A long soak keeps digests through `onEvent` instead. */
  keepEvents?: boolean;
  /** Each ADDED/MODIFIED/DELETED event, after the order check. */
  onEvent?: (type: string, name: string, rv: number) => void;
  /** Each successful (re-)list: its resourceVersion and items (name -> resourceVersion). */
  onRelist?: (rv: string, items: ReadonlyMap<string, string>) => void;
  /** timeoutSeconds of each watch request (called per request, so a client can jitter it as client-go does). */
  timeoutSeconds?: () => number;
  /** How a watch line is parsed (default JSON.parse); a fan-out client may memoize identical lines. */
  parse?: (line: string) => unknown;
  /** Timeout of each (re-)list request (default 5 s); large collections on a busy server need more. */
  listTimeoutMs?: number;
}

/** Order violations kept as text: enough to diagnose, bounded however long the watch runs. */
const MAX_ORDER_ERRORS = 1000;

/**
 * A watch that survives server trouble like a client-go reflector: on a broken stream it resumes at
 * its last resourceVersion; on a 410 it re-lists and watches from the list's resourceVersion.
 */
export class WatchTracker {
  /** name -> resourceVersion, as the client believes the collection to be. */
  readonly state = new Map<string, string>();
  readonly events: Array<{ type: string; name: string; rv: number; session: number }> = [];
  /** Violations of "in order, no duplicate" within one stream. */
  readonly orderErrors: string[] = [];
  gone410 = 0;
  relists = 0;
  reconnects = 0;
  private lastRv = '0';
  private session = 0;
  private stopped = false;
  private req: http.ClientRequest | undefined;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly bases: () => string[],
    private readonly path: string,
    private readonly opts: WatchTrackerOptions = {},
  ) {}

  async start(): Promise<void> {
    await this.relist();
    this.loop = this.run();
  }

  get resourceVersion(): string {
    return this.lastRv;
  }

  private async relist(): Promise<void> {
    for (let i = 0; i < 100 && !this.stopped; i++) {
      const base = this.bases()[i % this.bases().length]!;
      try {
        const r = await call(base, 'GET', this.path, undefined, this.opts.listTimeoutMs);
        if (r.status === 200) {
          this.relists++;
          this.state.clear();
          const items = (r.json?.items ?? []) as Array<{ metadata: { name: string; resourceVersion: string } }>;
          for (const it of items) this.state.set(it.metadata.name, it.metadata.resourceVersion);
          this.lastRv = String((r.json?.metadata as { resourceVersion: string }).resourceVersion);
          this.opts.onRelist?.(this.lastRv, this.state);
          return;
        }
      } catch {
        // try the next server
      }
      await sleep(200);
    }
  }

  private async run(): Promise<void> {
    let attempt = 0;
    while (!this.stopped) {
      const base = this.bases()[attempt++ % this.bases().length]!;
      const outcome = await this.stream(base);
      if (this.stopped) return;
      if (outcome === 'gone') {
        this.gone410++;
        await this.relist();
      } else {
        this.reconnects++;
        await sleep(200);
      }
    }
  }

  /** One watch stream; resolves when it ends: 'gone' after a 410 ERROR event, else 'ended'. */
  private stream(base: string): Promise<'gone' | 'ended'> {
    const session = ++this.session;
    let prev = Number(this.lastRv);
    return new Promise((resolve) => {
      const timeout = this.opts.timeoutSeconds ? `&timeoutSeconds=${this.opts.timeoutSeconds()}` : '';
      const url = `${base}${this.path}${this.path.includes('?') ? '&' : '?'}watch=1&resourceVersion=${this.lastRv}&allowWatchBookmarks=false${timeout}`;
      let result: 'gone' | 'ended' = 'ended';
      const req = http.get(url, { agent: false }, (res) => {
        if (res.statusCode === 410) {
          result = 'gone';
          res.resume();
          res.on('end', () => resolve(result));
          return;
        }
        if (res.statusCode !== 200) {
          res.resume();
          res.on('end', () => resolve('ended'));
          return;
        }
        onWatchLines<WatchEventLine>(res, (ev) => {
          if (ev.type === 'ERROR') {
            if (ev.object.code === 410) result = 'gone';
            req.destroy();
            return;
          }
          if (ev.type === 'BOOKMARK') return;
          const name = ev.object.metadata?.name ?? '';
          const rv = Number(ev.object.metadata?.resourceVersion);
          if (!(rv > prev) && this.orderErrors.length < MAX_ORDER_ERRORS) this.orderErrors.push(`session ${session}: ${ev.type} ${name} rv ${rv} after ${prev}`);
          prev = Math.max(prev, rv);
          this.lastRv = String(prev);
          if (this.opts.keepEvents !== false) this.events.push({ type: ev.type, name, rv, session });
          if (ev.type === 'DELETED') this.state.delete(name);
          else this.state.set(name, String(rv));
          this.opts.onEvent?.(ev.type, name, rv);
        }, this.opts.parse as ((line: string) => WatchEventLine) | undefined);
        res.on('end', () => resolve(result));
        res.on('error', () => resolve(result));
        res.on('close', () => resolve(result));
      });
      req.on('error', () => resolve(result));
      this.req = req;
    });
  }

  /** Wait (bounded) until the tracker has caught up with `rv`. */
  async waitFor(rv: number, timeoutMs = 15_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (Number(this.lastRv) >= rv) return true;
      await sleep(50);
    }
    return false;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.req?.destroy();
    await this.loop;
  }
}

/** The current list of a collection through `base`: name -> resourceVersion, and the list RV. */
export async function listState(base: string, path: string): Promise<{ items: Map<string, { rv: string; data: unknown }>; rv: number }> {
  const r = await call(base, 'GET', path, undefined, 15_000);
  if (r.status !== 200) throw new Error(`list ${path} via ${base}: ${r.status} ${r.body.slice(0, 300)}`);
  const items = new Map<string, { rv: string; data: unknown }>();
  for (const it of (r.json?.items ?? []) as Array<{ metadata: { name: string; resourceVersion: string }; data?: unknown }>) {
    items.set(it.metadata.name, { rv: it.metadata.resourceVersion, data: it.data });
  }
  return { items, rv: Number((r.json?.metadata as { resourceVersion: string }).resourceVersion) };
}

export async function createNamespace(base: string, name: string): Promise<void> {
  const r = await call(base, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  if (r.status !== 201) throw new Error(`namespace ${name}: ${r.status} ${r.body}`);
}

/** Everything `loads` got acknowledged, after checking none of them gave up on a write. */
export function ackedBy(loads: WriteLoad[]): Map<string, { data: Record<string, string>; rv: string }> {
  for (const load of loads) expect(load.lost).toEqual([]);
  return new Map(loads.flatMap((l) => [...l.acked]));
}

/**
 * I1 and I3 against every server in `bases`: each acknowledged write is listed with its data and a
 * resourceVersion at least the acknowledged one, each acknowledged delete stays deleted, and each
 * watcher caught up with the list: its view equals the store, no event came twice or out of order,
 * and a watcher that never had to re-list (no 410) received every acknowledged create.
 */
export async function expectNothingLost(
  bases: string[],
  path: string,
  acked: Map<string, { data: Record<string, string>; rv: string }>,
  watchers: WatchTracker[],
  deleted: string[] = [],
): Promise<void> {
  for (const base of bases) {
    const { items, rv } = await listState(base, path);
    for (const [name, w] of acked) {
      if (deleted.includes(name)) continue;
      expect({ name, present: items.has(name) }).toEqual({ name, present: true });
      expect(items.get(name)!.data).toEqual(w.data);
      expect(Number(items.get(name)!.rv)).toBeGreaterThanOrEqual(Number(w.rv));
    }
    expect(deleted.filter((n) => items.has(n))).toEqual([]);
    for (const w of watchers) {
      expect(await w.waitFor(rv)).toBe(true);
      expect(new Map(w.state)).toEqual(new Map([...items].map(([n, v]) => [n, v.rv])));
      expect(w.orderErrors).toEqual([]);
      if (w.gone410 === 0) {
        const added = new Set(w.events.filter((e) => e.type === 'ADDED').map((e) => e.name));
        expect([...acked.keys()].filter((n) => !added.has(n))).toEqual([]);
      }
      const keys = w.events.map((e) => `${e.type}/${e.name}/${e.rv}`);
      expect(new Set(keys).size).toBe(keys.length);
    }
  }
}

/** Run etcdctl (API v3) against `endpoint`, as an operator would; bounded, stdout returned. */
export function etcdctl(endpoint: string, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      process.env.ETCDCTL_BIN ?? '/usr/bin/etcdctl',
      [`--endpoints=${endpoint}`, '--command-timeout=10s', ...args],
      { env: { ...process.env, ETCDCTL_API: '3' }, timeout: 30_000 },
      (err, stdout, stderr) => (err ? reject(new Error(`etcdctl ${args.join(' ')}: ${err.message} ${stderr}`)) : resolve(stdout)),
    );
  });
}

/** The store's current revision, from etcd itself. */
export async function etcdRevision(endpoint: string): Promise<number> {
  const out = JSON.parse(await etcdctl(endpoint, 'endpoint', 'status', '-w', 'json')) as Array<{ Status: { header: { revision: number } } }>;
  return Number(out[0]!.Status.header.revision);
}

/**
 * Calls `fn` with each JSON line of a watch response body (events split across chunks are joined),
 * parsed by `parse` (default JSON.parse).
 */
export function onWatchLines<T>(res: http.IncomingMessage, fn: (event: T) => void, parse: (line: string) => T = (l) => JSON.parse(l) as T): void {
  res.setEncoding('utf8');
  let buf = '';
  res.on('data', (chunk: string) => {
    buf += chunk;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (line) fn(parse(line));
    }
  });
}
