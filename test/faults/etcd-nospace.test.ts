/**
 * etcd out of space (docs/benchmarks.md R9): an etcd with a small --quota-backend-bytes is filled
 * through km until its NOSPACE alarm fires. Writes then fail at once with a Status (kube-apiserver
 * passes etcd's error through as a 500 whose message is etcd's), while reads, deletes and watches
 * keep working. After the operator's cure (delete, compact, defrag, alarm disarm with etcdctl)
 * writes resume on the same server process and every acknowledged write is still there.
 */
import type { EtcdProcess } from '../helpers/etcd-process';
import type { KmProcess } from '../helpers/km-process';
import { eventually } from '../helpers/eventually';
import {
  call,
  configMap,
  etcdctl,
  etcdRevision,
  expectNothingLost,
  startSingleServer,
  WatchTracker,
  type SingleServer,
  type Answer,
} from './fault-harness';

jest.setTimeout(120_000);

const NS = 'full';
const PATH = `/api/v1/namespaces/${NS}/configmaps`;
const QUOTA_BYTES = 8 * 1024 * 1024;
/** One filler's payload: ~200 KiB, well inside ConfigMap's 1 MiB and etcd's 1.5 MiB request limit. */
const FILL = 'x'.repeat(200 * 1024);

let server: SingleServer;
let etcd: EtcdProcess;
let km: KmProcess;

beforeAll(async () => {
  server = await startSingleServer({ onEtcd: true, ns: NS, dirPrefix: 'km-nospace-', etcd: { extraArgs: ['--quota-backend-bytes', String(QUOTA_BYTES)] } });
  etcd = server.etcd!;
  km = server.km;
});

afterAll(async () => {
  await server?.cleanup();
});

async function once(method: string, path: string, body?: unknown): Promise<Answer & { ms: number }> {
  const t0 = Date.now();
  try {
    return { ...(await call(km.url, method, path, body, 15_000)), ms: Date.now() - t0 };
  } catch (err) {
    return { status: 0, body: err instanceof Error ? err.message : String(err), json: undefined, ms: Date.now() - t0 };
  }
}

const rvOf = (a: Answer): string => String((a.json?.metadata as { resourceVersion?: string } | undefined)?.resourceVersion);

test('when etcd runs out of space writes fail with a Status, reads and watches go on, and after compact + defrag + disarm writes resume with nothing lost', async () => {
  const acked = new Map<string, { data: Record<string, string>; rv: string }>();
  const watchers = [new WatchTracker(() => [km.url], PATH)];
  const late = new WatchTracker(() => [km.url], PATH);
  for (const w of watchers) await w.start();
  try {
    // Fill until etcd refuses (bounded: the quota holds ~40 fillers).
    let refused: (Answer & { ms: number }) | undefined;
    for (let i = 0; i < 200 && refused === undefined; i++) {
      const name = `fill-${i}`;
      const data = { i: String(i), fill: FILL };
      const r = await once('POST', PATH, configMap(name, data));
      if (r.status === 201) acked.set(name, { data, rv: rvOf(r) });
      else refused = r;
    }
    expect(refused).toBeDefined();
    expect(await etcdctl(etcd.endpoint, 'alarm', 'list')).toContain('NOSPACE');
    console.log(`NOSPACE after ${acked.size} fillers; refused write: ${refused!.status} in ${refused!.ms} ms: ${refused!.body.slice(0, 300)}`);

    // Writes fail with kube's answer for etcd's error: a 500 Status carrying etcd's message.
    const small = await once('POST', PATH, configMap('small', { a: 'b' }));
    for (const r of [refused!, small]) {
      expect(r.status).toBe(500);
      expect(r.json).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', code: 500, message: 'etcdserver: mvcc: database space exceeded' });
    }
    const names = [...acked.keys()];
    const victim = acked.get(names[0]!)!;
    const update = await once('PUT', `${PATH}/${names[0]}`, { ...configMap(names[0]!, { changed: 'yes' }), metadata: { name: names[0], resourceVersion: victim.rv } });
    expect(update.json).toMatchObject({ kind: 'Status', code: 500, message: 'etcdserver: mvcc: database space exceeded' });

    // Reads keep working: a consistent GET and LIST, and a resourceVersion=0 list.
    const get = await once('GET', `${PATH}/${names[1]}`);
    expect(get.status).toBe(200);
    expect(get.json?.data).toEqual(acked.get(names[1]!)!.data);
    for (const q of ['', '?resourceVersion=0', '?limit=5']) expect((await once('GET', `${PATH}${q}`)).status).toBe(200);
    // A watcher opened during the alarm works too.
    await late.start();
    watchers.push(late);

    // Deletes are what etcd still accepts: free half the fillers; the watchers see them go.
    const deleted = names.filter((_, i) => i % 2 === 0);
    for (const n of deleted) expect((await once('DELETE', `${PATH}/${n}`)).status).toBe(200);
    const afterDeletes = await etcdRevision(etcd.endpoint);
    for (const w of watchers) expect(await w.waitFor(afterDeletes)).toBe(true);
    for (const w of watchers) expect(deleted.filter((n) => w.state.has(n))).toEqual([]);
    // Still out of space until the operator steps in.
    expect((await once('POST', PATH, configMap('still-full', { a: 'b' }))).status).toBe(500);

    // The operator's cure; the server is not restarted.
    await etcdctl(etcd.endpoint, 'compact', String(afterDeletes), '--physical');
    await etcdctl(etcd.endpoint, 'defrag');
    await etcdctl(etcd.endpoint, 'alarm', 'disarm');
    expect(await etcdctl(etcd.endpoint, 'alarm', 'list')).not.toContain('NOSPACE');

    let attempt = 0;
    const resumed = await eventually(
      'a write after the alarm is disarmed',
      async () => {
        const name = `after-${attempt++}`;
        const data = { a: 'after' };
        const r = await once('POST', PATH, configMap(name, data));
        return r.status === 201 ? { name, data, rv: rvOf(r) } : undefined;
      },
      20_000,
      200,
    );
    acked.set(resumed.name, { data: resumed.data, rv: resumed.rv });
    for (let i = 0; i < 10; i++) {
      const name = `more-${i}`;
      const data = { i: String(i) };
      const r = await once('POST', PATH, configMap(name, data));
      expect(r.status).toBe(201);
      acked.set(name, { data, rv: rvOf(r) });
    }
    // No server restart, and the failed writes (outcome unknown to their clients) did not half-apply.
    expect(km.proc.exitCode).toBeNull();
    for (const n of ['small', 'still-full']) {
      const g = await once('GET', `${PATH}/${n}`);
      if (g.status === 200) expect(g.json?.data).toEqual({ a: 'b' });
      else expect(g.status).toBe(404);
    }
    const first = await once('GET', `${PATH}/${names[1]}`);
    expect(first.json?.data).toEqual(acked.get(names[1]!)!.data);
    // I1 and I3. The watchers were never compacted away from (their resourceVersions stayed above
    // the compaction, which only happened after they had caught up).
    await expectNothingLost([km.url], PATH, acked, [watchers[0]!], deleted);
    // The watcher opened during the alarm listed the fillers; it must have seen every later create.
    await expectNothingLost([km.url], PATH, new Map([...acked].filter(([n]) => !n.startsWith('fill-'))), [late], deleted);
    for (const w of watchers) expect(w.gone410).toBe(0);
  } finally {
    for (const w of watchers) await w.stop();
  }
});
