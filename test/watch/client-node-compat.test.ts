/**
 * The real @kubernetes/client-node (Watch, and an informer doing list-then-watch) against
 * serveWatch and a WatchCache on SQLite, over loopback HTTP. The client is ESM-only, so it runs in
 * a child node process (test/watch/fixtures/client-node-watch.mjs) and reports what it saw.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { serveWatch } from '../../src/apiserver/watch-http';
import type { WatchCache } from '../../src/watch/watch-cache';
import { eventually, freshPrefix, newCache, openBackend, pod, type Backend } from './helpers';

let backend: Backend;
let cache: WatchCache;
let prefix: string;
let server: http.Server;
let base: string;
const children = new Set<ChildProcess>();

beforeAll(async () => {
  backend = await openBackend('sqlite');
  prefix = freshPrefix('clientnode');
  cache = newCache(backend.storage, prefix);
  await cache.start();
  server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== '/api/v1/namespaces/ns/pods') {
      res.writeHead(404).end();
      return;
    }
    const q = url.searchParams;
    if (q.get('watch') === 'true' || q.get('watch') === '1') {
      const t = q.get('timeoutSeconds');
      const watcher = cache.watch({
        resourceVersion: q.get('resourceVersion') ?? undefined,
        keyPrefix: `${prefix}ns/`,
        allowBookmarks: q.get('allowWatchBookmarks') === 'true',
      });
      serveWatch(req, res, watcher, { timeoutSeconds: t ? Number(t) : undefined });
      return;
    }
    const snap = cache.snapshot(`${prefix}ns/`);
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ apiVersion: 'v1', kind: 'PodList', metadata: { resourceVersion: String(snap.resourceVersion) }, items: snap.items.map((c) => c.decode()) }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await cache.stop();
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  await backend.cleanup();
});

interface Seen {
  type?: string;
  name?: string;
  rv?: string;
  done?: string | null;
}

function runClient(args: string[]): { seen: Seen[]; child: ChildProcess } {
  const child = spawn(process.execPath, [join(__dirname, 'fixtures', 'client-node-watch.mjs'), base, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.add(child);
  child.on('exit', () => children.delete(child));
  const seen: Seen[] = [];
  let partial = '';
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    partial += chunk;
    let i: number;
    while ((i = partial.indexOf('\n')) >= 0) {
      seen.push(JSON.parse(partial.slice(0, i)) as Seen);
      partial = partial.slice(i + 1);
    }
  });
  return { seen, child };
}

test("client-node's Watch receives our chunked events from a resourceVersion, then a clean end on server timeout", async () => {
  const rv = String(cache.resourceVersion);
  const { seen } = runClient(['watch', '/api/v1/namespaces/ns/pods', rv, '3']);
  expect(await eventually(() => cache.watcherCount === 1, 10_000)).toBe(true);
  const a = await backend.storage.create(`${prefix}ns/a`, pod('ns', 'a'));
  const a2 = await backend.storage.update(`${prefix}ns/a`, pod('ns', 'a', { v: '2' }), a.modRevision);
  const gone = await backend.storage.delete(`${prefix}ns/a`);
  expect(await eventually(() => seen.length >= 3, 10_000)).toBe(true);
  expect(seen.slice(0, 3)).toEqual([
    { type: 'ADDED', name: 'a', rv: String(a.modRevision) },
    { type: 'MODIFIED', name: 'a', rv: String(a2.modRevision) },
    { type: 'DELETED', name: 'a', rv: String(gone.modRevision) },
  ]);
  // timeoutSeconds=3: the server ends the stream and the client sees a normal end, not an error.
  expect(await eventually(() => seen.some((s) => 'done' in s), 10_000)).toBe(true);
  expect(seen.slice(3)).toEqual([{ done: null }]);
  expect(await eventually(() => cache.watcherCount === 0)).toBe(true);
}, 30_000);

test('a client-node informer lists, then watches from the list resourceVersion, and tracks adds, updates and deletes', async () => {
  const b = await backend.storage.create(`${prefix}ns/b`, pod('ns', 'b'));
  const { seen } = runClient(['informer', '/api/v1/namespaces/ns/pods']);
  expect(await eventually(() => seen.some((s) => s.type === 'started'), 10_000)).toBe(true);
  expect(seen).toContainEqual({ type: 'add', name: 'b', rv: String(b.modRevision) });
  expect(await eventually(() => cache.watcherCount >= 1, 10_000)).toBe(true);
  const c = await backend.storage.create(`${prefix}ns/c`, pod('ns', 'c'));
  const b2 = await backend.storage.update(`${prefix}ns/b`, pod('ns', 'b', { v: '2' }), b.modRevision);
  const cGone = await backend.storage.delete(`${prefix}ns/c`);
  expect(await eventually(() => seen.filter((s) => s.type !== 'started').length >= 4, 10_000)).toBe(true);
  expect(seen.filter((s) => s.type !== 'started')).toEqual([
    { type: 'add', name: 'b', rv: String(b.modRevision) },
    { type: 'add', name: 'c', rv: String(c.modRevision) },
    { type: 'update', name: 'b', rv: String(b2.modRevision) },
    { type: 'delete', name: 'c', rv: String(cGone.modRevision) },
  ]);
}, 30_000);
