/**
 * etcd stalled (docs/benchmarks.md R10): the etcd process is frozen with SIGSTOP for 10 s (a disk
 * stall or a partition that drops nothing), then thawed. Requests reaching storage meanwhile fail
 * with a 503/504 Status at the storage deadline instead of hanging; requests beyond
 * --max-requests-inflight / --max-mutating-requests-inflight are turned away with 429 (after at most
 * --max-inflight-wait for a seat), so the number held by the stall stays bounded. After the thaw writes go on on the same process,
 * nothing acknowledged is lost, and watchers see no duplicate or stale event.
 */
import { startEtcd, type EtcdProcess } from '../helpers/etcd-process';
import { startKm, tempDir, type KmProcess } from '../helpers/km-process';
import { eventually } from '../helpers/eventually';
import {
  ackedBy,
  call,
  configMap,
  createNamespace,
  expectNothingLost,
  sleep,
  unexpectedFailures,
  WatchTracker,
  WriteLoad,
  type Answer,
} from './fault-harness';

jest.setTimeout(120_000);

const NS = 'stall';
const PATH = `/api/v1/namespaces/${NS}/configmaps`;
const MAX_READONLY = 8;
const MAX_MUTATING = 4;
const BURST = 20;
const STALL_MS = 10_000;

let etcd: EtcdProcess;
let km: KmProcess;
let dir: { dir: string; cleanup: () => void };

beforeAll(async () => {
  etcd = await startEtcd();
  dir = tempDir('km-stall-');
  km = await startKm('apiserver', {
    args: [
      `--etcd-servers=${etcd.endpoint}`,
      `--data-dir=${dir.dir}`,
      '--compaction-interval=0',
      `--max-requests-inflight=${MAX_READONLY}`,
      `--max-mutating-requests-inflight=${MAX_MUTATING}`,
    ],
    readyPath: '/readyz',
  });
  await createNamespace(km.url, NS);
});

afterAll(async () => {
  etcd?.member.resume();
  await km?.kill9();
  await etcd?.cleanup();
  dir?.cleanup();
});

/** One request, no retry; a socket held past the client's 15 s bound shows up as status 0. */
async function once(method: string, path: string, body?: unknown): Promise<Answer> {
  try {
    return await call(km.url, method, path, body, 15_000);
  } catch (err) {
    return { status: 0, body: err instanceof Error ? err.message : String(err), json: undefined };
  }
}

const isStatus = (a: Answer, codes: number[]): boolean => codes.includes(a.status) && a.json?.kind === 'Status';
const explain = (a: Answer): string => `${a.status} ${a.body.slice(0, 200)}`;

test('while etcd is frozen requests fail with 503/504 or 429 Status within bounds, and after the thaw nothing is lost or repeated', async () => {
  for (let i = 0; i < 5; i++) expect((await once('POST', PATH, configMap(`pre-${i}`, { i: String(i) }))).status).toBe(201);
  const watchers = [new WatchTracker(() => [km.url], PATH), new WatchTracker(() => [km.url], PATH)];
  for (const w of watchers) await w.start();
  const load = new WriteLoad(() => [km.url], NS, 'w', 2, 30_000);
  load.start();
  const pid = km.proc.pid;
  let writes: Answer[] = [];
  let reads: Answer[] = [];
  try {
    try {
      await sleep(1000);
      etcd.member.pause();
      const stalledAt = Date.now();
      await sleep(500);
      // A burst far beyond the in-flight limits, all arriving while the first ones are held.
      [writes, reads] = await Promise.all([
        Promise.all(Array.from({ length: BURST }, (_, i) => once('POST', PATH, configMap(`burst-${i}`, { i: String(i) })))),
        Promise.all(Array.from({ length: BURST }, (_, i) => once('GET', i % 2 === 0 ? `${PATH}/pre-0` : PATH))),
      ]);
      await sleep(Math.max(0, stalledAt + STALL_MS - Date.now()));
    } finally {
      etcd.member.resume();
    }
    let attempt = 0;
    await eventually('a write after the thaw', async () => (await once('POST', PATH, configMap(`after-${attempt++}`, { a: '1' }))).status === 201, 30_000);
    await sleep(500);
    await load.stop();

    const count = (as: Answer[], code: number): number => as.filter((a) => a.status === code).length;
    console.log(
      `during the stall: writes ${JSON.stringify([...new Set(writes.map((a) => a.status))].map((c) => [c, count(writes, c)]))}, ` +
        `reads ${JSON.stringify([...new Set(reads.map((a) => a.status))].map((c) => [c, count(reads, c)]))}; ` +
        `load acked ${load.acked.size}, failed attempts ${load.failures.length}`,
    );
    // Nothing hung: every answer is a Status, either the storage deadline's 503/504 or 429.
    expect([...writes, ...reads].filter((a) => !isStatus(a, [429, 503, 504])).map(explain)).toEqual([]);
    // At most the limit was let in (the load's own writers may hold some of the mutating slots);
    // everything beyond it was refused with 429 and Retry-After.
    expect(BURST - count(writes, 429)).toBeLessThanOrEqual(MAX_MUTATING);
    expect(BURST - count(reads, 429)).toBeLessThanOrEqual(MAX_READONLY);
    for (const a of [...writes, ...reads].filter((x) => x.status === 429)) {
      expect(a.json).toMatchObject({ kind: 'Status', reason: 'TooManyRequests', code: 429 });
    }
    // A consistent read never answered from stale state while storage was frozen.
    expect(count(reads, 200)).toBe(0);

    // The failed burst writes have unknown outcomes: each is absent, or exactly its request (I2).
    for (let i = 0; i < BURST; i++) {
      const g = await once('GET', `${PATH}/burst-${i}`);
      if (g.status === 200) expect(g.json?.data).toEqual({ i: String(i) });
      else expect(g.status).toBe(404);
    }
    // The server recovered by itself (I5), and I1/I3 hold: no loss, no duplicate, no stale event.
    expect(km.proc.pid).toBe(pid);
    expect(km.proc.exitCode).toBeNull();
    expect(unexpectedFailures(load.failures, [429, 503, 504])).toEqual([]);
    await expectNothingLost([km.url], PATH, ackedBy([load]), watchers);
    for (const w of watchers) expect(w.gone410).toBe(0);
  } finally {
    await load.stop();
    for (const w of watchers) await w.stop();
  }
});
