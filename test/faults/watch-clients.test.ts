/**
 * Watch clients that misbehave — one that stops reading, and hundreds that disconnect at random
 * points mid-stream — never block writes or other watchers, and leave no connection behind
 * (docs/benchmarks.md R4/R5, in miniature). Memory before/after is printed for the record.
 */
import http from 'node:http';
import net from 'node:net';
import { readdirSync } from 'node:fs';
import { rssBytes } from '../../bench/lib/proc';
import { startKm, tempDir, type KmProcess } from '../helpers/km-process';
import { call, configMap, createNamespace, sleep, WatchTracker, WriteLoad } from './fault-harness';

jest.setTimeout(90_000);

let km: KmProcess;
let dir: { dir: string; cleanup: () => void };

beforeAll(async () => {
  dir = tempDir('km-watchclients-');
  km = await startKm('apiserver', { args: [`--data-dir=${dir.dir}`, '--compaction-interval=0'], readyPath: '/readyz' });
  await createNamespace(km.url, 'wc');
});

afterAll(async () => {
  await km?.kill9();
  dir?.cleanup();
});

const fds = (pid: number): number => readdirSync(`/proc/${pid}/fd`).length;
const WATCH = '/api/v1/namespaces/wc/configmaps';

/** A watch whose client sends the request and then never reads a byte. */
function stuckWatch(port: number): net.Socket {
  const s = net.connect(port, '127.0.0.1', () => {
    s.write(`GET ${WATCH}?watch=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n\r\n`);
    s.pause();
  });
  s.on('error', () => undefined);
  return s;
}

/** Open a watch and drop it after `afterMs`, or right after its first chunk when `midChunk`. */
function flakyWatch(base: string, afterMs: number, midChunk: boolean): Promise<void> {
  return new Promise((resolve) => {
    const req = http.get(`${base}${WATCH}?watch=1&resourceVersion=0`, { agent: false }, (res) => {
      res.once('data', () => {
        if (midChunk) req.destroy();
      });
      res.on('error', () => undefined);
    });
    req.on('error', () => undefined);
    req.on('close', () => resolve());
    setTimeout(() => req.destroy(), afterMs);
  });
}

test('a stuck watcher and 300 mid-stream disconnects block no write and no other watcher, and leak no connection', async () => {
  const pid = km.proc.pid!;
  // Warm-up: JIT, the watch cache and one normal watch cycle, so the baseline is a steady state.
  for (let i = 0; i < 20; i++) expect((await call(km.url, 'POST', `${WATCH}`, configMap(`warm-${i}`, { a: 'x' }))).status).toBe(201);
  await flakyWatch(km.url, 100, false);
  await sleep(500);
  const fdsBefore = fds(pid);
  const rssBefore = rssBytes(pid);

  const good = new WatchTracker(() => [km.url], WATCH);
  await good.start();
  const stuck = stuckWatch(km.port);
  const big = 'x'.repeat(16 * 1024); // ~10 MiB in all: more than the stuck socket's buffers hold
  const load = new WriteLoad(() => [km.url], 'wc', 'w', 8);
  // WriteLoad writes small objects; add big ones alongside so the stuck watcher really backs up.
  let bigAcked = 0;
  const bigWrites = (async () => {
    for (let i = 0; i < 600; i++) {
      const r = await call(km.url, 'POST', WATCH, configMap(`big-${i}`, { big }));
      expect(r.status).toBe(201);
      bigAcked++;
    }
  })();
  load.start();
  const flaky: Promise<void>[] = [];
  for (let i = 0; i < 300; i++) {
    flaky.push(flakyWatch(km.url, Math.floor(Math.random() * 50), i % 3 === 0));
    if (i % 20 === 0) await sleep(20);
  }
  await Promise.all(flaky);
  await bigWrites;
  await load.stop();

  // Writes never blocked: every write was acknowledged.
  expect(load.lost).toEqual([]);
  expect(load.failures).toEqual([]);
  expect(bigAcked).toBe(600);
  // The well-behaved watcher saw every write, in order, without a gap.
  const list = await call(km.url, 'GET', WATCH);
  const rv = Number((list.json?.metadata as { resourceVersion: string }).resourceVersion);
  expect(await good.waitFor(rv)).toBe(true);
  expect(good.orderErrors).toEqual([]);
  expect(good.gone410).toBe(0);
  const added = new Set(good.events.filter((e) => e.type === 'ADDED').map((e) => e.name));
  expect([...load.acked.keys()].filter((n) => !added.has(n))).toEqual([]);
  for (let i = 0; i < 600; i++) expect(added.has(`big-${i}`)).toBe(true);
  await good.stop();

  // The stuck client finally goes away; every connection is released (bounded wait).
  stuck.destroy();
  let fdsAfter = fds(pid);
  for (let i = 0; i < 100 && fdsAfter > fdsBefore + 2; i++) {
    await sleep(100);
    fdsAfter = fds(pid);
  }
  expect(fdsAfter).toBeLessThanOrEqual(fdsBefore + 2);
  expect((await call(km.url, 'GET', '/readyz')).status).toBe(200);
  console.log(
    `server RSS ${Math.round(rssBefore / 2 ** 20)} MiB -> ${Math.round(rssBytes(pid) / 2 ** 20)} MiB ` +
      `after ${load.acked.size + 600} writes (${Math.round((600 * big.length) / 2 ** 20)} MiB of big values); fds ${fdsBefore} -> ${fdsAfter}`,
  );
});
