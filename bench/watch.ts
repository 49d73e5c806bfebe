/**
 * Watch fan-out benchmark (not a test):   npx tsx bench/watch.ts [--quick]   (npm run bench:watch)
 *
 * Starts its own etcd (killed on exit). In one process and one run, on the same machine:
 *   - event latency, open loop at RATE creates/s: from each write's scheduled send time (and from
 *     its ack) to delivery, for 1, 100 and 1000 WatchCache watchers fed by one storage watch;
 *   - the same for a raw etcd3 prefix watch (one watcher, same client options, same writes), run
 *     before and after the cache runs; the mean of the two is the denominator (benchmarks.md §1);
 *   - CPU per delivered event, and heap per idle watcher (a consumer parked on next()), for cache
 *     watchers and for raw etcd3 watchers;
 *   - the P12 shape over real HTTP: 1000 chunked watch streams held by 4 client processes of 250,
 *     at HTTP_RATE creates/s; latency from the write's send time (stamped in the object) to the
 *     line's arrival in the client process, and server CPU per delivered event.
 * Targets (issue 4): p99 at 1000 watchers <= 5x the raw single-watch p99; <= 20 KB per idle watcher.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { spawn } from 'node:child_process';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Etcd3, type Watcher } from 'etcd3';
import { etcdClientOptions } from '../src/storage/etcd-client';
import { EtcdStorage } from '../src/storage/etcd-storage';
import type { KubeObject } from '../src/api/types';
import type { ApiWatcher } from '../src/watch/types';
import { WatchCache } from '../src/watch/watch-cache';
import { cachedObjectDecoder } from '../src/watch/cached-object';
import { serveWatch } from '../src/apiserver/watch-http';
import { startEtcd } from '../test/helpers/etcd-process';
import { storedPodJson } from './lib/pod';

const quick = process.argv.includes('--quick');
const RATE = 100;
const SECONDS = quick ? 3 : 8;
const WATCHER_COUNTS = [1, 100, 1000];
const IDLE_WATCHERS = quick ? 2000 : 10_000;
const IDLE_RAW_WATCHERS = 500;
const HTTP_RATE = Number(process.env.WATCH_BENCH_HTTP_RATE ?? 10);
const HTTP_CLIENT_PROCS = Number(process.env.WATCH_BENCH_HTTP_PROCS ?? 4);
const HTTP_PER_PROC = Number(process.env.WATCH_BENCH_HTTP_PER_PROC ?? 250);
/** `--http-only`: just the HTTP fan-out section (for exploring its parameters). */
const httpOnly = process.argv.includes('--http-only');

setFlagsFromString('--expose_gc');
const gc = runInNewContext('gc') as () => void;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const podJson = storedPodJson;

/** The cached form the API server's watch cache keeps (JSON bytes plus selector attributes). */
const decode = cachedObjectDecoder({ apiVersion: 'v1', kind: 'Pod' });

function pct(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

interface LatencyResult {
  label: string;
  watchers: number;
  deliveries: number;
  p50: number;
  p99: number;
  ackP50: number;
  ackP99: number;
  lastP99: number;
  cpuUsPerDelivery: number;
}

/**
 * Open loop: write i is scheduled at t0 + i/RATE. `deliver(i, watcherIndex)` is called by the
 * watch side when event i reaches a watcher. Latency = delivery time - scheduled (or ack) time.
 */
async function measure(
  label: string,
  watchers: number,
  setup: (deliver: (i: number) => void) => Promise<() => Promise<void>>,
  write: (i: number) => Promise<unknown>,
): Promise<LatencyResult> {
  const total = RATE * SECONDS;
  const scheduled = new Float64Array(total);
  const acked = new Float64Array(total).fill(NaN);
  const fromSched = new Float64Array(total * watchers);
  const fromAck: number[] = [];
  const deliveredAt: number[][] = Array.from({ length: total }, () => []);
  const lastDelivery = new Float64Array(total);
  const counts = new Uint32Array(total);
  let n = 0;
  let doneResolve: () => void = () => undefined;
  const done = new Promise<void>((r) => (doneResolve = r));
  const teardown = await setup((i) => {
    const now = performance.now();
    fromSched[n++] = now - scheduled[i]!;
    if (watchers <= 100) deliveredAt[i]!.push(now);
    lastDelivery[i] = Math.max(lastDelivery[i]!, now);
    if (++counts[i]! === watchers && n === total * watchers) doneResolve();
    if (n === total * watchers) doneResolve();
  });
  await sleep(300);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now() + 20;
  const writes: Promise<unknown>[] = [];
  for (let i = 0; i < total; i++) {
    const at = t0 + (i * 1000) / RATE;
    const wait = at - performance.now();
    if (wait > 1) await sleep(wait);
    scheduled[i] = at;
    writes.push(write(i).then(() => (acked[i] = performance.now())));
  }
  await Promise.all(writes);
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([done, new Promise<void>((r) => (timer = setTimeout(r, 20_000)))]);
  clearTimeout(timer);
  const cpu = process.cpuUsage(cpu0);
  await teardown();
  if (n !== total * watchers) throw new Error(`${label}: ${n} of ${total * watchers} deliveries`);
  for (let i = 0; i < total; i++) for (const d of deliveredAt[i]!) fromAck.push(Math.max(0, d - acked[i]!));
  const lastLat = new Float64Array(total);
  for (let i = 0; i < total; i++) lastLat[i] = lastDelivery[i]! - scheduled[i]!;
  fromSched.sort();
  lastLat.sort();
  const ack = Float64Array.from(fromAck).sort();
  return {
    label,
    watchers,
    deliveries: n,
    p50: pct(fromSched, 50),
    p99: pct(fromSched, 99),
    ackP50: pct(ack, 50),
    ackP99: pct(ack, 99),
    lastP99: pct(lastLat, 99),
    // The writer's CPU is in here too (same process), so this is an upper bound for the fan-out.
    cpuUsPerDelivery: (cpu.user + cpu.system) / n,
  };
}

let runSeq = 0;

async function rawRun(raw: Etcd3, storage: EtcdStorage, values: Buffer[]): Promise<LatencyResult> {
  const prefix = `/registry/bench-raw-${++runSeq}/`;
  return measure(
    'raw etcd3 watch',
    1,
    async (deliver) => {
      const w: Watcher = await raw.watch().prefix(prefix).create();
      w.on('put', (kv) => deliver(Number(kv.key.toString().slice(prefix.length + 3))));
      return async () => {
        await w.cancel();
      };
    },
    (i) => storage.create(`${prefix}ns/${i}`, values[i]!),
  );
}

async function cacheRun(storage: EtcdStorage, values: Buffer[], watchers: number): Promise<LatencyResult> {
  const prefix = `/registry/bench-cache-${++runSeq}/`;
  const cache = new WatchCache({ storage, prefix, decode, logger: { info: () => undefined, warn: (m) => console.error(m) } });
  await cache.start();
  return measure(
    `watch cache, ${watchers} watcher(s)`,
    watchers,
    async (deliver) => {
      const ws: ApiWatcher[] = [];
      const loops: Promise<void>[] = [];
      for (let j = 0; j < watchers; j++) {
        const w = cache.watch({ resourceVersion: String(cache.resourceVersion) });
        ws.push(w);
        loops.push(
          (async () => {
            for await (const ev of w) deliver(Number((ev.object as KubeObject).metadata!.name));
          })(),
        );
      }
      return async () => {
        for (const w of ws) w.close();
        await Promise.all(loops);
        await cache.stop();
      };
    },
    (i) => storage.create(`${prefix}ns/${i}`, values[i]!),
  );
}

async function heapPerWatcher(make: () => Promise<() => Promise<void>>, count: number): Promise<number> {
  gc();
  await sleep(50);
  gc();
  const before = process.memoryUsage().heapUsed;
  const cleanups: Array<() => Promise<void>> = [];
  for (let i = 0; i < count; i++) cleanups.push(await make());
  await sleep(100);
  gc();
  await sleep(50);
  gc();
  const after = process.memoryUsage().heapUsed;
  for (const c of cleanups) await c();
  return (after - before) / count;
}

/**
 * A watch client process: opens `n` chunked watches and, per line, records arrival - sent (the
 * epoch ms stamped in the object's annotation). Prints the latencies as JSON when told to stop.
 */
const CLIENT_SCRIPT = `
const http = require('node:http');
const [url, n] = [process.argv[1], Number(process.argv[2])];
const lat = [];
let open = 0;
const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
for (let i = 0; i < n; i++) {
  http.get(url, { agent }, (res) => {
    open++;
    if (open === n) process.stdout.write('ready\\n');
    let partial = '';
    res.setEncoding('utf8');
    res.on('data', (chunk) => {
      const now = performance.timeOrigin + performance.now();
      partial += chunk;
      let j;
      while ((j = partial.indexOf('\\n')) >= 0) {
        const ev = JSON.parse(partial.slice(0, j));
        partial = partial.slice(j + 1);
        const sent = Number(ev.object.metadata.annotations.sent);
        lat.push(Math.round((now - sent) * 100) / 100);
      }
    });
  }).on('error', (e) => { console.error(e.message); process.exit(1); });
}
process.stdin.on('data', () => { process.stdout.write(JSON.stringify(lat) + '\\n', () => process.exit(0)); });
`;

async function httpFanout(
  storage: EtcdStorage,
): Promise<{ deliveries: number; expected: number; p50: number; p99: number; serverCpuUs: number; heapPerStream: number }> {
  const prefix = `/registry/bench-http-${++runSeq}/`;
  const cache = new WatchCache({ storage, prefix, decode, logger: { info: () => undefined, warn: (m) => console.error(m) } });
  await cache.start();
  const server = http.createServer((req, res) => serveWatch(req, res, cache.watch({ resourceVersion: String(cache.resourceVersion) })));
  server.maxConnections = HTTP_CLIENT_PROCS * HTTP_PER_PROC + 10;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/pods?watch=1`;
  gc();
  await sleep(50);
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const clients = Array.from({ length: HTTP_CLIENT_PROCS }, () => {
    const child = spawn(process.execPath, ['-e', CLIENT_SCRIPT, url, String(HTTP_PER_PROC)], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8');
    const ready = new Promise<void>((resolve) => {
      child.stdout.on('data', (d: string) => {
        out += d;
        if (out.startsWith('ready\n')) resolve();
      });
    });
    const result = new Promise<number[]>((resolve, reject) => {
      child.on('exit', () => {
        const lines = out.split('\n').filter((l) => l.startsWith('['));
        if (lines.length === 0) reject(new Error('watch client produced no result'));
        else resolve(JSON.parse(lines[0]!) as number[]);
      });
    });
    return { child, ready, result };
  });
  try {
    await Promise.all(clients.map((c) => c.ready));
    await sleep(500);
    gc();
    await sleep(50);
    gc();
    // Server-side heap of an idle HTTP watch: socket, request, response, watcher and its loop.
    const heapPerStream = (process.memoryUsage().heapUsed - heapBefore) / (HTTP_CLIENT_PROCS * HTTP_PER_PROC);
    const total = HTTP_RATE * SECONDS;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now() + 20;
    const writes: Promise<unknown>[] = [];
    const base = JSON.parse(podJson('ns', 'x').toString()) as KubeObject & { metadata: { annotations: Record<string, string>; name: string } };
    for (let i = 0; i < total; i++) {
      const at = t0 + (i * 1000) / HTTP_RATE;
      const wait = at - performance.now();
      if (wait > 1) await sleep(wait);
      base.metadata.name = String(i);
      base.metadata.annotations.sent = String(performance.timeOrigin + at);
      writes.push(storage.create(`${prefix}ns/${i}`, Buffer.from(JSON.stringify(base))));
    }
    await Promise.all(writes);
    const expected = total * HTTP_CLIENT_PROCS * HTTP_PER_PROC;
    // Let the last events drain (bounded), then collect.
    await sleep(2000);
    const cpu = process.cpuUsage(cpu0);
    for (const c of clients) c.child.stdin.write('stop\n');
    const all = (await Promise.all(clients.map((c) => c.result))).flat();
    const sorted = Float64Array.from(all).sort();
    return { deliveries: all.length, expected, p50: pct(sorted, 50), p99: pct(sorted, 99), serverCpuUs: (cpu.user + cpu.system) / Math.max(1, all.length), heapPerStream };
  } finally {
    for (const c of clients) c.child.kill('SIGKILL');
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    await cache.stop();
  }
}

async function main(): Promise<void> {
  const etcd = await startEtcd();
  const storage = EtcdStorage.create({ endpoints: [etcd.endpoint] });
  const raw = new Etcd3(etcdClientOptions({ endpoints: [etcd.endpoint] }));
  // Pod i is named "i": both watch paths find the write they deliver from the event alone.
  const values = Array.from({ length: RATE * SECONDS }, (_, i) => podJson('ns', String(i)));
  const value = values[0]!;
  const results: LatencyResult[] = [];
  try {
    await storage.currentRevision();
    if (httpOnly) {
      const fan = await httpFanout(storage);
      console.log(
        `HTTP fan-out ${HTTP_CLIENT_PROCS}x${HTTP_PER_PROC} at ${HTTP_RATE}/s: ${fan.deliveries}/${fan.expected}, p50 ${fan.p50} ms, p99 ${fan.p99} ms, ${fan.serverCpuUs.toFixed(1)} us/event, ${(fan.heapPerStream / 1024).toFixed(2)} KB/stream`,
      );
      return;
    }
    results.push(await rawRun(raw, storage, values));
    for (const n of WATCHER_COUNTS) results.push(await cacheRun(storage, values, n));
    results.push(await rawRun(raw, storage, values));

    const memPrefix = '/registry/bench-mem/';
    const cache = new WatchCache({ storage, prefix: memPrefix, decode, logger: { info: () => undefined, warn: () => undefined } });
    await cache.start();
    const cacheBytes = await heapPerWatcher(async () => {
      const w = cache.watch({ resourceVersion: String(cache.resourceVersion) });
      const loop = (async () => {
        for await (const ev of w) void ev;
      })();
      return async () => {
        w.close();
        await loop;
      };
    }, IDLE_WATCHERS);
    await cache.stop();
    const rawBytes = await heapPerWatcher(async () => {
      const w = await raw.watch().prefix(memPrefix).create();
      w.on('put', () => undefined);
      return async () => {
        await w.cancel();
      };
    }, IDLE_RAW_WATCHERS);

    const fan = await httpFanout(storage);

    const rawP99 = (results[0]!.p99 + results[results.length - 1]!.p99) / 2;
    const rawP50 = (results[0]!.p50 + results[results.length - 1]!.p50) / 2;
    const f = (x: number, d = 2): string => x.toFixed(d);
    console.log(`\nwatch benchmark: etcd 3.4.23, ${RATE} creates/s open loop for ${SECONDS} s, ~${value.length} B pods, one process`);
    console.log('latency in ms from scheduled send (and from ack, runs <= 100 watchers) to delivery; "last" = slowest watcher per event\n');
    console.log('run                              deliveries   p50     p99    ack p50  ack p99  last p99  CPU us/delivery  p99 / raw p99');
    for (const r of results) {
      console.log(
        `${r.label.padEnd(32)} ${String(r.deliveries).padStart(10)} ${f(r.p50).padStart(7)} ${f(r.p99).padStart(7)} ${(Number.isNaN(r.ackP50) ? '-' : f(r.ackP50)).padStart(8)} ${(Number.isNaN(r.ackP99) ? '-' : f(r.ackP99)).padStart(8)} ${f(r.lastP99).padStart(9)} ${f(r.cpuUsPerDelivery, 1).padStart(16)} ${f(r.p99 / rawP99).padStart(14)}`,
      );
    }
    const at1000 = results.find((r) => r.watchers === 1000 && r.label.startsWith('watch cache'))!;
    console.log(`\nraw single-watch p50/p99 (mean of the two twin runs): ${f(rawP50)} / ${f(rawP99)} ms`);
    console.log(`target p99(1000 watchers) <= 5 x raw p99: ${f(at1000.p99)} <= ${f(5 * rawP99)} -> ${at1000.p99 <= 5 * rawP99 ? 'PASS' : 'FAIL'}`);
    console.log(`heap per idle cache watcher (consumer parked on next()), ${IDLE_WATCHERS} watchers: ${f(cacheBytes / 1024)} KB -> ${cacheBytes <= 20 * 1024 ? 'PASS' : 'FAIL'} (<= 20 KB)`);
    console.log(`heap per idle raw etcd3 watcher (for reference), ${IDLE_RAW_WATCHERS} watchers: ${f(rawBytes / 1024)} KB`);
    console.log(
      `\nHTTP fan-out (P12 shape): ${HTTP_CLIENT_PROCS * HTTP_PER_PROC} chunked streams in ${HTTP_CLIENT_PROCS} client processes, ${HTTP_RATE} creates/s for ${SECONDS} s`,
    );
    console.log(
      `  deliveries ${fan.deliveries} of ${fan.expected}; send -> line received p50 ${f(fan.p50)} ms, p99 ${f(fan.p99)} ms (${f(fan.p99 / rawP99)} x raw single p99); server CPU ${f(fan.serverCpuUs, 1)} us per delivered event (writer included)`,
    );
    console.log(`  server heap per idle HTTP watch stream: ${f(fan.heapPerStream / 1024)} KB -> ${fan.heapPerStream <= 20 * 1024 ? 'PASS' : 'FAIL'} (<= 20 KB)`);
  } finally {
    raw.close();
    await storage.close().catch(() => undefined);
    await etcd.cleanup();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
