/**
 * API benchmark suite: what the km API server keeps of the raw storage's capability
 * (docs/benchmarks.md, P1-P16 and the embedded store's S1-S7).
 *
 *   npx tsx bench/api.ts [--quick] [--only=P4,P10] [--store=etcd|sqlite] [--rss-100k] [--out=FILE]
 *
 * Starts its own etcd and `km apiserver` processes (on etcd, then on the embedded store), drives
 * them from this process (the load generator) and from forked watch workers, and compares each
 * figure with a raw-storage twin measured in the same run at the same concurrency and load shape.
 * Prints one table and writes it to bench/RESULTS.md (a full, unfiltered run) or to
 * bench/RESULTS-partial.md (--quick or --only). The families live in bench/families/.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Etcd3 } from 'etcd3';
import { etcdClientOptions } from '../src/storage/etcd-client';
import { startEtcd, type EtcdProcess } from '../test/helpers/etcd-process';
import { benchColdStart } from './families/cold-start';
import { benchCreateLatencyLoaded } from './families/create-latency';
import { benchCreates } from './families/creates';
import { benchGet } from './families/get';
import { benchKubectlRow } from './families/kubectl';
import { benchList } from './families/list';
import { benchFilteredList } from './families/list-filtered';
import { benchListMemory } from './families/list-memory';
import { benchPagedList } from './families/list-paged';
import { benchRss } from './families/memory';
import { benchOverload } from './families/overload';
import { benchUpdates } from './families/updates';
import { benchWatchFanout } from './families/watch-fanout';
import { benchWatchLoaded, benchWatchUnloaded } from './families/watch-latency';
import { benchWatchResume } from './families/watch-resume';
import { MiB, type Ctx } from './lib/ctx';
import { clearScratch, createNamespace, createNamespaces } from './lib/fixture';
import { settledRss } from './lib/gc';
import { startServer, stopServer } from './lib/km-server';
import { closedLoop } from './lib/loops';
import { parseOptions, selects, sizesFor, type BenchOptions, type StoreName } from './lib/options';
import { podBody } from './lib/pod';
import { loadNow, printTable, writeResults, type Row } from './lib/report';
import { fmt } from './lib/stats';
import { etcdTwin, sqliteTwin } from './lib/twins';
import { cleanExits, runCleanups, type Cleanup } from './lib/cleanup';

const opts: BenchOptions = parseOptions(process.argv.slice(2));
const sizes = sizesFor(opts.quick);
const rows: Row[] = [];
const notes: string[] = [];
const shared = new Map<string, number>();
/** Run at exit, in reverse, also on a signal or the budget timer. */
const cleanups: Cleanup[] = [];

/** One family: selected or not, timed, and a failure recorded as a MISS row instead of ending the run. */
async function step(c: Ctx, ids: string[], label: string, fn: () => Promise<void>): Promise<void> {
  if (!ids.some((id) => selects(opts, id))) return;
  const t = performance.now();
  console.log(`--- [${c.store}] ${label} (load ${loadNow()})`);
  try {
    await fn();
  } catch (err) {
    console.error(`[${c.store}] ${label} failed:`, err);
    rows.push({ store: c.store, id: ids[0]!, name: `${label}: ERROR`, api: '', raw: '', ratio: '', target: '', pass: false });
    notes.push(`${c.store} ${label} failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  console.log(`    ${label}: ${fmt((performance.now() - t) / 1000, 0)} s`);
}

async function runStore(store: StoreName, etcd: EtcdProcess, raw: Etcd3): Promise<void> {
  const data = mkdtempSync(join(tmpdir(), 'km-bench-api-'));
  const removeData = (): void => rmSync(data, { recursive: true, force: true });
  cleanups.push(removeData);
  const args = [`--data-dir=${data}`, '--compaction-interval=0'];
  if (store === 'etcd') {
    args.push(`--etcd-servers=${etcd.endpoint}`);
    await etcdTwin(raw, etcd.endpoint).clear('/registry/');
  }
  const server = await startServer(args);
  const twin = store === 'etcd' ? etcdTwin(raw, etcd.endpoint) : sqliteTwin();
  const c: Ctx = {
    store,
    opts,
    sizes,
    server,
    twin,
    raw,
    etcd,
    storedPod: Buffer.alloc(0),
    fixture: { count: 0 },
    rawFixture: { count: 0 },
    emptyRss: { rss: 0, heap: undefined },
    rows,
    notes,
    shared,
  };
  const stop = async (): Promise<void> => {
    await stopServer(c.server);
    await twin.close();
  };
  cleanups.push(stop);
  try {
    const http = c.server.http;
    await createNamespaces(http);
    await createNamespace(http, 'warm');
    await http.expect('GET', '/api/v1/pods?resourceVersion=0');
    c.emptyRss = await settledRss(c.server);
    // Warm-up (JIT, connections), and the stored form of a pod: what the twins write.
    await closedLoop(200, 16, (i) => http.expect('POST', '/api/v1/namespaces/warm/pods', podBody('warm', `w-${i}`), 201));
    c.storedPod = (await http.expect('GET', '/api/v1/namespaces/warm/pods/w-1')).body;
    if (store === 'etcd') notes.push(`stored pod ${c.storedPod.length} B (request body ${podBody('ns-0', 'x').length} B; the server resets status on create)`);
    await closedLoop(200, 16, (i) => twin.create(`/rawbench/warm/${i}`, c.storedPod));
    await twin.clear('/rawbench/');
    await clearScratch(c, 'warm');

    // Families that need exactly sizes.list fixture pods run before the fill to sizes.big; those
    // writing pods of their own clear them after.
    await step(c, ['P2'], 'P2 creates c=1', () => benchCreates(c, 1, sizes.c1));
    await step(c, ['P1'], 'P1 creates c=64', () => benchCreates(c, 64, sizes.list - c.fixture.count));
    await step(c, ['P3'], 'P3 create latency at 500/s', () => benchCreateLatencyLoaded(c));
    await step(c, ['P4'], 'P4 updates', () => benchUpdates(c));
    await step(c, ['P6A', 'P6B'], 'P6a/b LIST', async () => void (await benchList(c, 'P6', sizes.list)));
    await step(c, ['P6C'], 'P6c LIST memory', () => benchListMemory(c));
    await step(c, ['P8'], 'P8 paged LIST (small)', () => benchPagedList(c, sizes.list, 'small'));
    await step(c, ['P9'], 'P9 namespace / selector LIST', () => benchFilteredList(c));
    await step(c, ['P5'], 'P5 GET', () => benchGet(c));
    await step(c, ['P14'], 'P14 RSS', () => benchRss(c, sizes.list));
    await step(c, ['P10'], 'P10 watch latency, unloaded', () => benchWatchUnloaded(c));
    await step(c, ['P11'], 'P11 watch latency, writers saturated', () => benchWatchLoaded(c));
    await step(c, ['P12'], 'P12 watch fan-out', () => benchWatchFanout(c));
    await step(c, ['P13'], 'P13 watch resume', () => benchWatchResume(c));
    await step(c, ['KUBECTL'], 'kubectl get pods', () => benchKubectlRow(c));
    if (!opts.quick) await step(c, ['P7'], 'P7 LIST 50k', async () => void (await benchList(c, 'P7', sizes.big)));
    await step(c, ['P8'], 'P8 paged LIST (big)', () => benchPagedList(c, sizes.big, 'big'));
    if (!opts.quick) await step(c, ['P14'], 'P14 RSS 50k', () => benchRss(c, sizes.big));
    if (opts.rss100k && !opts.quick) await step(c, ['P14'], 'P14 RSS 100k', () => benchRss(c, 100_000));
    await step(c, ['P16'], 'P16 overload', () => benchOverload(c));
    await step(c, ['P15'], 'P15 cold start', () => benchColdStart(c));
  } finally {
    for (const f of [stop, removeData]) cleanups.splice(cleanups.indexOf(f), 1);
    await stop();
    removeData();
  }
}

async function main(): Promise<void> {
  const loadAtStart = loadNow();
  const exits = cleanExits(cleanups, 'benchmark', sizes.budgetMs);
  const etcd = await startEtcd({ extraArgs: ['--quota-backend-bytes', String(8 * 1024 * MiB)] });
  cleanups.push(() => etcd.cleanup());
  const raw = new Etcd3(etcdClientOptions({ endpoints: [etcd.endpoint] }));
  cleanups.push(() => raw.close());
  try {
    for (const s of opts.stores) {
      console.log(`=== ${s} ===`);
      await runStore(s, etcd, raw);
    }
    notes.push(
      'embedded store: the raw twin is SqliteStorage (kine-like log table, synchronous=FULL) in the load-generator process with its own database; its goals are §3\'s (S1-S7), other rows are for information. Its watch twins are in-process (an embedded store has no separate-process watch client); the P12 twin is raw etcd for both stores.',
      'latency rows: "p50 / p99" with the ratios in the same order; open-loop latencies are taken from each operation\'s scheduled send time; watch rows from the write\'s scheduled (P10, P12) or actual (P11) send time to the moment the last watcher (another process) received it.',
      `repetitions: ${sizes.reps} sandwich(es) per benchmark (P12: one per row, at most 1,000 watchers x 30 s); reads time ${sizes.listReps} LISTs / ${sizes.get} GETs per side; ${opts.quick ? 'quick mode (smaller counts and durations; P7 and the 50k RSS row are skipped, P8 "big" is 5x the quick 10k)' : 'full mode'}${opts.only ? `; only ${[...opts.only].join(',')}` : ''}.`,
    );
    if (!opts.rss100k || opts.quick) notes.push('RSS at 100k pods not measured in this run (run with --rss-100k; it takes several minutes per store).');
    printTable(rows);
    const full = !opts.quick && opts.only === undefined && opts.stores.length === 2;
    const out = opts.out ?? join(__dirname, full ? 'RESULTS.md' : 'RESULTS-partial.md');
    const mode = [opts.quick ? '--quick' : 'full', opts.only ? `--only=${[...opts.only].join(',')}` : '', `stores ${opts.stores.join(',')}`].filter((x) => x).join(', ');
    writeResults(out, rows, notes, mode, loadAtStart);
    console.log(`written to ${out}`);
  } finally {
    exits.stopBudget();
    await runCleanups(cleanups);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    void runCleanups(cleanups).finally(() => process.exit(1));
  },
);
