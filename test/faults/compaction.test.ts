/**
 * Compaction under load (docs/benchmarks.md R8), on etcd (compacted from outside with etcdctl, as
 * another API server or an operator would) and on the embedded store (compacted by km's own
 * compactor, --compaction-interval). While one writer creates, updates and deletes, watchers sit at
 * assorted resourceVersions and paginated LISTs are in flight:
 * - watchers that keep up miss nothing and see nothing twice, whatever is compacted underneath;
 * - a watch from a resourceVersion the server no longer has (compacted, and older than its watch
 *   cache) gets HTTP 200 and one ERROR event carrying a 410 Expired Status, as kube-apiserver does;
 * - a paginated LIST either completes as one consistent snapshot or fails with 410 Expired on a
 *   continue token older than the compaction — never a mixed or partial result.
 * The writer records every acknowledged write with its resourceVersion: that history is the
 * ground truth the watches and snapshots are checked against; the compaction point is read from
 * the store itself.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import { startEtcd, type EtcdProcess } from '../helpers/etcd-process';
import { startKm, tempDir, type KmProcess } from '../helpers/km-process';
import { eventually } from '../helpers/eventually';
import { call, createNamespace, etcdctl, etcdRevision, sleep, type Answer } from './fault-harness';
import { expectedAfter, RawWatch, rvOf, stateAt, Writer, type Write } from './history-harness';

jest.setTimeout(120_000);

const NS = 'cmp';
const CM = `/api/v1/namespaces/${NS}/configmaps`;
const SECRETS = `/api/v1/namespaces/${NS}/secrets`;
/** Seconds between compactions: each compacts to the revision seen one interval earlier. */
const INTERVAL_S = 2;

/** A store under test: km on it, and the compaction point as the store itself reports it. */
interface Backend {
  km: KmProcess;
  compactedRevision(): Promise<number>;
  /** Compact periodically from now on (etcd: from the test; the embedded store: km does it). */
  startCompacting(): void;
  cleanup(): Promise<void>;
}

async function etcdBackend(): Promise<Backend> {
  const etcd: EtcdProcess = await startEtcd();
  const dir = tempDir('km-compact-');
  let km: KmProcess | undefined;
  let compacted = 0;
  let stop = false;
  let loop: Promise<void> = Promise.resolve();
  try {
    km = await startKm('apiserver', { args: [`--etcd-servers=${etcd.endpoint}`, `--data-dir=${dir.dir}`, '--compaction-interval=0'], readyPath: '/readyz' });
  } catch (err) {
    await etcd.cleanup();
    dir.cleanup();
    throw err;
  }
  return {
    km,
    compactedRevision: async () => compacted,
    startCompacting() {
      // kube-apiserver's scheme, from outside: compact to the revision seen one interval ago.
      loop = (async () => {
        let seen = 0;
        while (!stop) {
          const now = await etcdRevision(etcd.endpoint);
          if (seen > compacted) {
            await etcdctl(etcd.endpoint, 'compact', String(seen));
            compacted = seen;
          }
          seen = now;
          for (let i = 0; i < INTERVAL_S * 10 && !stop; i++) await sleep(100);
        }
      })();
    },
    async cleanup() {
      stop = true;
      await loop.catch(() => undefined);
      await km?.kill9();
      await etcd.cleanup();
      dir.cleanup();
    },
  };
}

async function sqliteBackend(): Promise<Backend> {
  const dir = tempDir('km-compact-');
  let km: KmProcess;
  try {
    km = await startKm('apiserver', { args: [`--data-dir=${dir.dir}`, `--compaction-interval=${INTERVAL_S}`], readyPath: '/readyz' });
  } catch (err) {
    dir.cleanup();
    throw err;
  }
  // Ground truth from the file itself (read-only; WAL lets it read beside km's writer).
  const db = new Database(path.join(dir.dir, 'km.db'), { readonly: true, fileMustExist: true });
  const stmt = db.prepare<[], { value: number }>("SELECT value FROM km_meta WHERE key = 'compact_rev'");
  return {
    km,
    compactedRevision: async () => stmt.get()?.value ?? 0,
    startCompacting: () => undefined, // km's compactor has been ticking since start-up
    async cleanup() {
      db.close();
      await km.kill9();
      dir.cleanup();
    },
  };
}

type PageOutcome = { kind: 'complete'; rv: number; items: Array<{ name: string; rv: number; data: unknown }> } | { kind: 'expired'; status: Answer } | { kind: 'other'; detail: string };

/** A paginated LIST of configmaps, `limit` per page with a pause between pages. */
async function pagedList(base: string, limit: number, pauseMs: number): Promise<PageOutcome> {
  const items: Array<{ name: string; rv: number; data: unknown }> = [];
  let token: string | undefined;
  let rv = 0;
  for (let page = 0; page < 1000; page++) {
    const r = await call(base, 'GET', `${CM}?limit=${limit}${token ? `&continue=${encodeURIComponent(token)}` : ''}`);
    if (r.status === 410 && token !== undefined) return { kind: 'expired', status: r };
    if (r.status !== 200) return { kind: 'other', detail: `${r.status} ${r.body.slice(0, 300)}` };
    const meta = r.json?.metadata as { resourceVersion: string; continue?: string };
    if (page > 0 && Number(meta.resourceVersion) !== rv) return { kind: 'other', detail: `page ${page} at ${meta.resourceVersion}, first page at ${rv}` };
    rv = Number(meta.resourceVersion);
    for (const it of (r.json?.items ?? []) as Array<{ metadata: { name: string; resourceVersion: string }; data?: unknown }>) {
      items.push({ name: it.metadata.name, rv: Number(it.metadata.resourceVersion), data: it.data });
    }
    token = meta.continue;
    if (!token) return { kind: 'complete', rv, items };
    await sleep(pauseMs);
  }
  return { kind: 'other', detail: 'too many pages' };
}

describe.each([
  ['etcd', etcdBackend],
  ['the embedded store', sqliteBackend],
])('compaction on %s', (_name, makeBackend) => {
  let b: Backend;

  beforeAll(async () => {
    b = await makeBackend();
    await createNamespace(b.km.url, NS);
  });

  afterAll(async () => {
    await b?.cleanup();
  });

  test('watchers that keep up miss nothing, a watch older than the compaction and the cache gets 410 Expired, paged LISTs are consistent or 410', async () => {
    const base = b.km.url;
    const writer = new Writer(base, NS);
    const watches: RawWatch[] = [];
    let listing = true;
    const outcomes: PageOutcome[] = [];
    let lister: Promise<void> = Promise.resolve();
    const remainders: Array<{ after: string; answer: Answer }> = [];
    try {
      // Secrets written before anyone watched or listed secrets: older than the secrets cache will be.
      for (let i = 0; i < 4; i++) await writer.step();
      const oldSecret = writer.history.find((w) => w.resource === 'secrets')!;
      expect(oldSecret).toBeDefined();

      // Configmap watchers sitting at assorted resourceVersions, the first one from "now".
      const start = await call(base, 'GET', CM);
      const startRv = rvOf(start);
      watches.push(new RawWatch(base, CM, startRv));
      writer.start();
      b.startCompacting();
      lister = (async () => {
        while (listing) outcomes.push(await pagedList(base, 4, 100));
      })();
      for (const wait of [300, 600, 900]) {
        await sleep(wait);
        const at = writer.history.filter((w) => w.rv > startRv && w.type !== 'DELETED').at(-3)?.rv ?? startRv;
        watches.push(new RawWatch(base, CM, at));
      }
      const resident = [...watches];

      // Let compaction overtake the old secrets and the first configmap watchers' start points.
      const sitting = Math.max(oldSecret.rv, ...resident.map((w) => w.from));
      await eventually('compaction past the early writes and the watchers\' start points', async () => (await b.compactedRevision()) > sitting, 30_000, 200);

      // A continue token from before the latest compaction is Expired (410), with kube's wording.
      const head = writer.head;
      const first = await call(base, 'GET', `${CM}?limit=2`);
      expect(first.status).toBe(200);
      const token = (first.json?.metadata as { continue?: string }).continue;
      expect(token).toBeDefined();
      const firstRv = rvOf(first);
      expect(firstRv).toBeGreaterThanOrEqual(head);
      await eventually('compaction past the first page', async () => (await b.compactedRevision()) > firstRv, 30_000, 200);
      const cont = await call(base, 'GET', `${CM}?limit=2&continue=${encodeURIComponent(token!)}`);
      expect(cont.status).toBe(410);
      expect(cont.json).toMatchObject({ kind: 'Status', code: 410, reason: 'Expired' });
      expect(String(cont.json?.message)).toMatch(/^The provided continue parameter is too old to display a consistent list result/);
      // ...and, as kube's, carries the token the message offers: the remainder at the latest revision.
      const fresh = (cont.json?.metadata as { continue?: string } | undefined)?.continue;
      expect(fresh).toBeDefined();
      const lastName = ((first.json?.items ?? []) as Array<{ metadata: { name: string } }>).at(-1)!.metadata.name;
      const remainder = await call(base, 'GET', `${CM}?continue=${encodeURIComponent(fresh!)}`);
      expect(remainder.status).toBe(200);
      remainders.push({ after: lastName, answer: remainder });

      // A secrets watch from the second newest secret: the secrets cache starts with this request,
      // after that revision, so the server replays storage's history (above the compaction) for it.
      const secretFrom = writer.history.filter((w) => w.resource === 'secrets').at(-2)!.rv;
      const replayed = new RawWatch(base, SECRETS, secretFrom);
      watches.push(replayed);
      await eventually('the replayed secrets watch to start', () => replayed.events.length > 0, 20_000);

      // A watch from the oldest secret: compacted, and older than the secrets cache: one 410 event.
      const compactedAt = await b.compactedRevision();
      expect(oldSecret.rv).toBeLessThan(compactedAt);
      const gone = new RawWatch(base, SECRETS, oldSecret.rv);
      await eventually('the expired watch to end', () => gone.ended, 20_000);
      expect(gone.status).toBe(200);
      expect(gone.events).toEqual([{ type: 'ERROR', name: '', rv: 0, code: 410, reason: 'Expired' }]);

      // A configmap watch from a compacted revision that the watch cache still holds: kube serves it
      // from the cache. Either way: complete, or a single 410 — never a gap.
      const cached = new RawWatch(base, CM, resident[1]!.from);
      watches.push(cached);
      await sleep(1000);
    } finally {
      listing = false;
      await lister;
      await writer.stop();
    }
    try {
      expect(writer.failures).toEqual([]);
      const last = writer.head;
      const finalCompaction = await b.compactedRevision();
      const resourceOf = (w: RawWatch): Write['resource'] => (w === watches[4] ? 'secrets' : 'configmaps');
      for (const w of watches) {
        if (w.events.some((e) => e.type === 'ERROR')) continue;
        const want = expectedAfter(writer.history, resourceOf(w), w.from).length;
        await eventually(`the watch from ${w.from} to deliver ${want} events`, () => w.sequence.length >= want || w.ended, 20_000);
      }
      // Every watcher that kept up got exactly the history after its start: nothing missing, nothing
      // twice, although compaction passed their start points while they sat there.
      for (const w of watches) expect(w.outOfOrder).toEqual([]);
      for (const w of watches.slice(0, 4)) {
        expect(w.status).toBe(200);
        expect({ from: w.from, events: w.sequence }).toEqual({ from: w.from, events: expectedAfter(writer.history, 'configmaps', w.from) });
      }
      const replayed = watches[4]!;
      expect(replayed.sequence).toEqual(expectedAfter(writer.history, 'secrets', replayed.from));
      const cached = watches[5]!;
      if (cached.events[0]?.type === 'ERROR') expect(cached.events).toEqual([{ type: 'ERROR', name: '', rv: 0, code: 410, reason: 'Expired' }]);
      else expect(cached.sequence).toEqual(expectedAfter(writer.history, 'configmaps', cached.from));

      // Paged LISTs: each complete one is exactly the store at its revision; the others ended with 410.
      const other = outcomes.filter((o) => o.kind === 'other');
      expect(other).toEqual([]);
      let expired = 0;
      for (const o of outcomes) {
        if (o.kind === 'expired') {
          expired++;
          expect(o.status.json).toMatchObject({ kind: 'Status', code: 410, reason: 'Expired' });
        } else if (o.kind === 'complete') {
          const want = stateAt(writer.history, 'configmaps', o.rv);
          expect(new Map(o.items.map((it) => [it.name, [it.rv, it.data]]))).toEqual(want);
          expect(o.items.map((it) => it.name)).toEqual([...o.items.map((it) => it.name)].sort());
        }
      }
      // The inconsistent remainder is the store at its own (later) revision, after the first page's key.
      for (const { after, answer } of remainders) {
        const items = (answer.json?.items ?? []) as Array<{ metadata: { name: string; resourceVersion: string }; data?: unknown }>;
        const want = new Map([...stateAt(writer.history, 'configmaps', rvOf(answer))].filter(([n]) => n > after));
        expect(new Map(items.map((it) => [it.metadata.name, [Number(it.metadata.resourceVersion), it.data]]))).toEqual(want);
      }
      console.log(
        `history ${writer.history.length} writes up to ${last}, compacted to ${finalCompaction}; ` +
          `paged lists: ${outcomes.length - expired} complete, ${expired} expired; watch starts ${watches.map((w) => w.from).join(',')}; cache-window watch: ${watches[5]!.events[0]?.type}`,
      );
    } finally {
      for (const w of watches) w.close();
    }
  });
});
