/**
 * v1beta1 watches keep the underlying watcher's stop notification: when the watch cache cuts off a
 * watcher whose client stopped reading, the HTTP layer learns of it and releases the socket, instead
 * of waiting on a socket that never drains until the watch timeout (30–60 min).
 * Real SqliteStorage, real watch cache, real loopback HTTP.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import type { KubeObject } from '../../../src/api/types';
import { v1beta1Router } from '../../../src/api/v1beta1/router';
import { convertWatcher } from '../../../src/api/v1beta1/list';
import { Registry } from '../../../src/registry/registry';
import type { GenericStore, WatchSource } from '../../../src/registry/generic-store';
import type { RESTResource, WriteOptions } from '../../../src/registry/rest';
import { SqliteStorage } from '../../../src/storage/sqlite-storage';
import { WatchCache } from '../../../src/watch/watch-cache';
import { hasStopNotifier } from '../../../src/watch/cache-watcher';

jest.setTimeout(60_000);

const W: WriteOptions = { dryRun: false, fieldValidation: 'Ignore' };
/** Events a watcher may lag before the cache terminates it: small, so a stuck client hits it soon. */
const BUFFER = 4;

let dir: string;
let storage: SqliteStorage;
let registry: Registry;
const caches: WatchCache[] = [];
let server: http.Server;
let port: number;

const pods = (): RESTResource => registry.lookup('', 'v1', 'pods')!;
const pod = (name: string, note = ''): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, annotations: note ? { note } : {} } as KubeObject['metadata'],
  spec: { containers: [{ name: 'c', image: 'nginx:1' }] },
});

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'km-v1beta1-stop-'));
  storage = SqliteStorage.open({ dataDir: dir, synchronous: 'NORMAL' });
  const watchSource = (store: GenericStore): WatchSource => {
    const cache = new WatchCache({ storage, prefix: store.root, decode: (kv) => store.decodeCached(kv), bufferPerWatcher: BUFFER });
    caches.push(cache);
    const started = cache.start();
    return {
      watch: async (o) => (await started, cache.watch(o)),
      snapshot: async (p) => (await started, cache.snapshot(p)),
      snapshotAtLeast: async (p, rv) => (await started, cache.snapshotAtLeast(p, rv)),
    };
  };
  registry = new Registry({ storage, watchSource });
  await registry.bootstrap();
  const app = express();
  app.use('/api/v1beta1', v1beta1Router({ resources: (r) => registry.lookup('', 'v1', r) }));
  server = http.createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  for (const c of caches) await c.stop();
  await storage.close();
  rmSync(dir, { recursive: true, force: true });
});

test('a v1beta1 watcher passes on the stop of its v1 watcher (closed or cut off by the cache)', async () => {
  const inner = await pods().watch({ namespace: 'default' }, {});
  const w = convertWatcher('Pod', inner);
  expect(hasStopNotifier(w)).toBe(true);
  if (!hasStopNotifier(w)) return;
  const stopped = new Promise<void>((r) => w.onStop(r));
  // Never iterated: the watcher falls behind by more than its buffer and the cache terminates it.
  for (let i = 0; i <= BUFFER + 2; i++) await pods().create({ namespace: 'default' }, pod(`lag-${i}`), W);
  await stopped;
  w.close();

  const other = convertWatcher('Pod', await pods().watch({ namespace: 'default' }, {}));
  if (!hasStopNotifier(other)) throw new Error('no stop notifier');
  const closed = new Promise<void>((r) => other.onStop(r));
  other.close();
  await closed;
});

test('a v1beta1 watch whose client stopped reading is released once the cache cuts it off', async () => {
  // The server's end of the connection: released when it closes (a paused client never notices).
  const accepted = new Promise<net.Socket>((r) => server.once('connection', r));
  // The client sends the request and never reads a byte.
  const sock = net.connect(port, '127.0.0.1', () => {
    sock.write(`GET /api/v1beta1/watch/pods?namespace=default HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
    sock.pause();
  });
  sock.on('error', () => undefined);
  const serverSide = await accepted;
  const released = new Promise<void>((r) => (serverSide.destroyed ? r() : serverSide.once('close', () => r())));
  let isReleased = false;
  void released.then(() => (isReleased = true));
  await new Promise((r) => setTimeout(r, 200));
  // ~12 MiB of events: more than the loopback socket buffers hold, so the server stops writing,
  // the watcher lags past its buffer and the cache terminates it.
  const note = 'x'.repeat(128 * 1024);
  for (let i = 0; i < 96 && !isReleased; i++) await pods().create({ namespace: 'default' }, pod(`big-${i}`, note), W);
  // Bounded wait: the server ends the response and destroys a socket that still does not drain.
  const deadline = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 30_000).unref());
  expect(await Promise.race([released.then(() => 'released' as const), deadline])).toBe('released');
  sock.destroy();
});
