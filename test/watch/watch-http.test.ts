/**
 * Watches over real HTTP on loopback: chunked JSON lines and WebSocket frames (plain and the
 * base64.binary.k8s.io subprotocol), served by serveWatch / attachWebSocketWatch from a WatchCache
 * on real SQLite storage.
 */
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { serveWatch, attachWebSocketWatch, BASE64_PROTOCOL } from '../../src/apiserver/watch-http';
import { errors } from '../../src/api/errors';
import type { KubeObject } from '../../src/api/types';
import type { ApiWatchEvent } from '../../src/watch/types';
import type { WatchCache } from '../../src/watch/watch-cache';
import { eventually, freshPrefix, newCache, openBackend, pod, withTimeout, type Backend } from './helpers';

let backend: Backend;
let cache: WatchCache;
let prefix: string;
let server: http.Server;
let base: string;
/** Server-side watch responses whose connection is still open. */
const openResponses = new Set<http.ServerResponse>();

function watchFor(url: URL): ReturnType<WatchCache['watch']> {
  return cache.watch({ resourceVersion: url.searchParams.get('resourceVersion') ?? undefined });
}

beforeAll(async () => {
  backend = await openBackend('sqlite');
  prefix = freshPrefix('http');
  cache = newCache(backend.storage, prefix, { bufferPerWatcher: 20 });
  await cache.start();
  server = http.createServer((req, res) => {
    openResponses.add(res);
    res.on('close', () => openResponses.delete(res));
    const url = new URL(req.url ?? '/', 'http://x');
    const timeout = url.searchParams.get('timeoutSeconds');
    const encode =
      url.searchParams.get('as') === 'names'
        ? (ev: ApiWatchEvent) => ({ type: ev.type, object: { name: (ev.object as KubeObject).metadata?.name } })
        : undefined;
    serveWatch(req, res, watchFor(url), { timeoutSeconds: timeout ? Number(timeout) : undefined, encode });
  });
  attachWebSocketWatch(server, async (req) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== '/watch') return null;
    if (url.searchParams.get('resourceVersion') === 'bad') throw errors.badRequest('invalid resource version: bad');
    return { watcher: watchFor(url) };
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await cache.stop();
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  await backend.cleanup();
});

/** A chunked watch client that hands out complete lines as they arrive. */
function chunkedClient(path: string): Promise<{ res: http.IncomingMessage; req: http.ClientRequest; next(ms?: number): Promise<string | 'end' | 'timeout'> }> {
  return new Promise((resolve, reject) => {
    const req = http.get(base + path, (res) => {
      const lines: string[] = [];
      let partial = '';
      let ended = false;
      let wake: (() => void) | null = null;
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        partial += chunk;
        let i: number;
        while ((i = partial.indexOf('\n')) >= 0) {
          lines.push(partial.slice(0, i));
          partial = partial.slice(i + 1);
        }
        wake?.();
      });
      const onEnd = (): void => {
        ended = true;
        wake?.();
      };
      res.on('end', onEnd);
      res.on('close', onEnd);
      const next = async (ms = 5000): Promise<string | 'end' | 'timeout'> => {
        const deadline = Date.now() + ms;
        while (lines.length === 0 && !ended && Date.now() < deadline) {
          await withTimeout(new Promise<void>((r) => (wake = r)), deadline - Date.now());
          wake = null;
        }
        if (lines.length > 0) return lines.shift()!;
        return ended ? 'end' : 'timeout';
      };
      resolve({ res, req, next });
    });
    req.on('error', reject);
  });
}

const parse = (line: string | 'end' | 'timeout'): ApiWatchEvent => {
  if (line === 'end' || line === 'timeout') throw new Error(`expected an event line, got ${line}`);
  return JSON.parse(line) as ApiWatchEvent;
};

test('a chunked watch answers 200 application/json and flushes one JSON event per line as it happens', async () => {
  const rv = cache.resourceVersion;
  const c = await chunkedClient(`/w?resourceVersion=${rv}`);
  expect(c.res.statusCode).toBe(200);
  expect(c.res.headers['content-type']).toBe('application/json');
  expect(c.res.headers['transfer-encoding']).toBe('chunked');
  const a = await backend.storage.create(`${prefix}ns/a`, pod('ns', 'a'));
  // Read the first event before the second write: it was flushed on its own.
  const first = parse(await c.next());
  expect(first.type).toBe('ADDED');
  expect((first.object as KubeObject).metadata?.resourceVersion).toBe(String(a.modRevision));
  await backend.storage.update(`${prefix}ns/a`, pod('ns', 'a', { v: '2' }), a.modRevision);
  expect(parse(await c.next()).type).toBe('MODIFIED');
  c.req.destroy();
  expect(await eventually(() => cache.watcherCount === 0)).toBe(true);
});

test('timeoutSeconds ends the stream cleanly and releases the watcher', async () => {
  const c = await chunkedClient(`/w?resourceVersion=${cache.resourceVersion}&timeoutSeconds=1`);
  expect(await c.next(5000)).toBe('end');
  expect(await eventually(() => cache.watcherCount === 0)).toBe(true);
});

test('an encode hook (e.g. Table rows) shapes every event on the wire', async () => {
  const c = await chunkedClient(`/w?resourceVersion=${cache.resourceVersion}&as=names`);
  await backend.storage.create(`${prefix}ns/named`, pod('ns', 'named'));
  expect(parse(await c.next())).toEqual({ type: 'ADDED', object: { name: 'named' } });
  c.req.destroy();
  expect(await eventually(() => cache.watcherCount === 0)).toBe(true);
});

test('a too old resourceVersion gives HTTP 200 with one ERROR event carrying the 410 Status, then the stream ends', async () => {
  const small = newCache(backend.storage, prefix, { historySize: 2 });
  await small.start();
  try {
    for (let i = 0; i < 4; i++) await backend.storage.create(`${prefix}ns/old${i}`, pod('ns', `old${i}`));
    await eventually(() => small.resourceVersion === cache.resourceVersion);
    // Older than the ring and compacted in storage: nothing can replay it.
    await backend.storage.compact(await backend.storage.currentRevision());
    const srv = http.createServer((req, res) => serveWatch(req, res, small.watch({ resourceVersion: '1' })));
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const body = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      http
        .get(`http://127.0.0.1:${(srv.address() as AddressInfo).port}/`, (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        })
        .on('error', reject);
    });
    await new Promise<void>((r) => srv.close(() => r()));
    expect(body.status).toBe(200);
    const lines = body.text.trim().split('\n');
    expect(lines).toHaveLength(1);
    const ev = JSON.parse(lines[0]!) as { type: string; object: { code: number; reason: string; message: string } };
    expect(ev.type).toBe('ERROR');
    expect(ev.object).toMatchObject({ kind: 'Status', code: 410, reason: 'Expired' });
    expect(ev.object.message).toMatch(/^too old resource version: 1 \(\d+\)$/);
  } finally {
    await small.stop();
  }
});

test('a client that stops reading is cut off with its socket closed, while a reading client gets every event', async () => {
  const rv = cache.resourceVersion;
  const stuck = await chunkedClient(`/w?resourceVersion=${rv}`);
  stuck.res.pause();
  stuck.req.socket?.pause();
  const reader = await chunkedClient(`/w?resourceVersion=${rv}`);
  const big = 'x'.repeat(64 * 1024);
  let got = 0;
  for (let i = 0; i < 200; i++) {
    await backend.storage.create(`${prefix}ns/big${i}`, pod('ns', `big${i}`, {}, { data: big }));
    while (got <= i) {
      const ev = parse(await reader.next());
      expect((ev.object as KubeObject).metadata?.name).toBe(`big${got}`);
      got++;
    }
  }
  expect(got).toBe(200);
  // The stuck watcher was released from the cache; its socket is closed after a grace period.
  expect(await eventually(() => cache.watcherCount === 1, 5000)).toBe(true);
  expect(await eventually(() => openResponses.size === 1, 10_000)).toBe(true);
  stuck.req.destroy();
  reader.req.destroy();
  expect(await eventually(() => cache.watcherCount === 0)).toBe(true);
}, 30_000);

function wsOpen(path: string, protocols?: string[]): Promise<{ ws: WebSocket; frames: Array<{ data: string; binary: boolean }> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(base.replace('http', 'ws') + path, protocols);
    const frames: Array<{ data: string; binary: boolean }> = [];
    ws.on('message', (data: Buffer, binary: boolean) => frames.push({ data: data.toString('utf8'), binary }));
    ws.on('open', () => resolve({ ws, frames }));
    ws.on('error', reject);
  });
}

test('over WebSocket each event is one text frame; closing the socket releases the watcher', async () => {
  const { ws, frames } = await wsOpen(`/watch?resourceVersion=${cache.resourceVersion}`);
  expect(ws.protocol).toBe('');
  const kv = await backend.storage.create(`${prefix}ns/ws1`, pod('ns', 'ws1'));
  expect(await eventually(() => frames.length === 1)).toBe(true);
  expect(frames[0]!.binary).toBe(false);
  const ev = JSON.parse(frames[0]!.data) as ApiWatchEvent;
  expect(ev.type).toBe('ADDED');
  expect((ev.object as KubeObject).metadata?.resourceVersion).toBe(String(kv.modRevision));
  ws.close();
  expect(await eventually(() => cache.watcherCount === 0)).toBe(true);
});

test('the base64.binary.k8s.io subprotocol sends each event base64-encoded', async () => {
  const { ws, frames } = await wsOpen(`/watch?resourceVersion=${cache.resourceVersion}`, [BASE64_PROTOCOL]);
  expect(ws.protocol).toBe(BASE64_PROTOCOL);
  await backend.storage.create(`${prefix}ns/ws2`, pod('ns', 'ws2'));
  expect(await eventually(() => frames.length === 1)).toBe(true);
  const ev = JSON.parse(Buffer.from(frames[0]!.data, 'base64').toString('utf8')) as ApiWatchEvent;
  expect(ev.type).toBe('ADDED');
  expect((ev.object as KubeObject).metadata?.name).toBe('ws2');
  ws.terminate();
  expect(await eventually(() => cache.watcherCount === 0)).toBe(true);
});

test('an upgrade refused before the handshake gets a plain HTTP Status response', async () => {
  const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const ws = new WebSocket(base.replace('http', 'ws') + '/watch?resourceVersion=bad');
    ws.on('unexpected-response', (_req, r) => {
      let body = '';
      r.on('data', (d: Buffer) => (body += d.toString()));
      r.on('end', () => resolve({ status: r.statusCode ?? 0, body }));
    });
    ws.on('open', () => reject(new Error('upgrade should have been refused')));
    ws.on('error', () => undefined);
  });
  expect(res.status).toBe(400);
  expect(JSON.parse(res.body)).toMatchObject({ kind: 'Status', code: 400, reason: 'BadRequest', message: 'invalid resource version: bad' });
  const other = await new Promise<number>((resolve) => {
    const ws = new WebSocket(base.replace('http', 'ws') + '/not-a-watch');
    ws.on('unexpected-response', (_req, r) => resolve(r.statusCode ?? 0));
    ws.on('error', () => undefined);
  });
  expect(other).toBe(404);
  expect(cache.watcherCount).toBe(0);
});

test('hundreds of clients aborting at random points (before headers, mid-stream, mid-chunk) leak no watcher', async () => {
  const writer = (async () => {
    for (let i = 0; i < 40; i++) await backend.storage.create(`${prefix}ns/churn${i}`, pod('ns', `churn${i}`, {}, { data: 'y'.repeat(8 * 1024) }));
  })();
  const cycles: Promise<void>[] = [];
  for (let i = 0; i < 300; i++) {
    const mode = i % 4;
    cycles.push(
      new Promise<void>((resolve) => {
        const req = http.get(`${base}/w?resourceVersion=0`, (res) => {
          if (mode === 1) {
            req.destroy();
            resolve();
            return;
          }
          // Abort after some bytes: often in the middle of a chunk of the initial ADDED events.
          let seen = 0;
          res.on('data', (d: Buffer) => {
            seen += d.length;
            if (seen > 1000 * mode) {
              req.destroy();
              resolve();
            }
          });
          res.on('close', () => resolve());
        });
        req.on('error', () => resolve());
        if (mode === 0) setImmediate(() => req.destroy());
      }),
    );
    if (i % 50 === 0) await new Promise((r) => setTimeout(r, 5));
  }
  await Promise.all(cycles);
  await writer;
  expect(await eventually(() => cache.watcherCount === 0 && openResponses.size === 0, 10_000)).toBe(true);
}, 60_000);

test('a WebSocket watch ends with a normal close (1000) when its timeoutSeconds passes', async () => {
  const server2 = http.createServer();
  attachWebSocketWatch(server2, async () => ({ watcher: cache.watch({ resourceVersion: String(cache.resourceVersion) }), timeoutSeconds: 1 }));
  await new Promise<void>((r) => server2.listen(0, '127.0.0.1', r));
  const code = await new Promise<number>((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${(server2.address() as AddressInfo).port}/watch`);
    ws.on('close', (c: number) => resolve(c));
    ws.on('error', reject);
  });
  await new Promise<void>((r) => server2.close(() => r()));
  expect(code).toBe(1000);
  expect(await eventually(() => cache.watcherCount === 0)).toBe(true);
});

/** The raw bytes of one HTTP/1.x exchange on a fresh connection, until the server closes it. */
async function rawExchange(request: string): Promise<Buffer> {
  const { port } = server.address() as AddressInfo;
  const sock = net.connect(port, '127.0.0.1');
  const chunks: Buffer[] = [];
  sock.on('data', (c: Buffer) => chunks.push(c));
  sock.write(request);
  await withTimeout(new Promise<void>((r) => sock.on('close', () => r())), 10_000);
  sock.destroy();
  return Buffer.concat(chunks);
}

/** Decodes a chunked body strictly: every size line, every CRLF, and the final zero-size chunk. */
function dechunk(body: Buffer): { chunks: string[]; terminated: boolean } {
  const chunks: string[] = [];
  let at = 0;
  for (;;) {
    const eol = body.indexOf('\r\n', at);
    if (eol < 0) return { chunks, terminated: false };
    const size = parseInt(body.subarray(at, eol).toString(), 16);
    if (!Number.isInteger(size)) throw new Error(`bad chunk size line at ${at}`);
    if (size === 0) return { chunks, terminated: body.subarray(eol, eol + 4).toString() === '\r\n\r\n' };
    const data = body.subarray(eol + 2, eol + 2 + size);
    if (body.subarray(eol + 2 + size, eol + 4 + size).toString() !== '\r\n') throw new Error(`chunk at ${at} not followed by CRLF`);
    chunks.push(data.toString());
    at = eol + 4 + size;
  }
}

test('a chunked watch response is framed exactly: one event line per chunk, ended by the zero-size chunk', async () => {
  const a = await backend.storage.create(`${prefix}ns/frame-a`, pod('ns', 'frame-a'));
  await backend.storage.create(`${prefix}ns/frame-b`, pod('ns', 'frame-b', { x: 'ü' }));
  const rv = a.modRevision - 1;
  for (const as of ['', '&as=names']) {
    const raw = await rawExchange(`GET /w?resourceVersion=${rv}&timeoutSeconds=1${as} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    const split = raw.indexOf('\r\n\r\n');
    expect(raw.subarray(0, split).toString()).toMatch(/transfer-encoding: chunked/i);
    const { chunks, terminated } = dechunk(raw.subarray(split + 4));
    expect(terminated).toBe(true);
    const events = chunks.map((c) => JSON.parse(c) as { type: string; object: { metadata?: { name?: string }; name?: string } });
    expect(chunks.every((c) => c.endsWith('\n'))).toBe(true);
    expect(events.map((e) => e.object.metadata?.name ?? e.object.name)).toEqual(['frame-a', 'frame-b']);
  }
});
