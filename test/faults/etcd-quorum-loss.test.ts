/**
 * Quorum loss: 2 of 3 etcd members killed under a write load, then restored (docs/benchmarks.md
 * R2b). While no quorum exists, writes and consistent reads fail with a Status within the storage
 * deadline instead of hanging or answering from stale state; a resourceVersion=0 list may come
 * from the watch cache. After the restore the same server process serves again, every
 * acknowledged write is there and watchers continue without a gap.
 */
import {
  ackedBy,
  call,
  configMap,
  createNamespace,
  expectNothingLost,
  sleep,
  startClusterWithServers,
  unexpectedFailures,
  WatchTracker,
  WriteLoad,
  type Answer,
  type Servers,
} from './fault-harness';
import { eventually } from '../helpers/eventually';

jest.setTimeout(120_000);

const NS = 'quorum';
const PATH = `/api/v1/namespaces/${NS}/configmaps`;
/** Client-side bound for one request: well past the server's 5 s storage deadline. */
const CLIENT_TIMEOUT_MS = 15_000;

let env: Servers;
let base: string;

beforeAll(async () => {
  env = await startClusterWithServers(1);
  base = env.servers[0]!.url;
  await createNamespace(base, NS);
});

afterAll(async () => {
  await env?.cleanup();
});

const rvOf = (a: Answer): number => Number((a.json?.metadata as { resourceVersion?: string } | undefined)?.resourceVersion);

/** A request without retries; a hung socket shows up as status 0 (the client's own deadline). */
async function once(method: string, path: string, body?: unknown): Promise<Answer> {
  try {
    return await call(base, method, path, body, CLIENT_TIMEOUT_MS);
  } catch (err) {
    return { status: 0, body: err instanceof Error ? err.message : String(err), json: undefined };
  }
}

const isRetryableStatus = (a: Answer): boolean => (a.status === 503 || a.status === 504) && a.json?.kind === 'Status';
const explain = (probe: string, a: Answer): string => `${probe}: ${a.status} ${a.body.slice(0, 300)}`;

test('without quorum writes and consistent reads fail with a 503/504 Status, and after the restore nothing acknowledged is lost', async () => {
  // A few objects that exist before the fault, so stale reads would have something to show.
  for (let i = 0; i < 5; i++) expect((await call(base, 'POST', PATH, configMap(`pre-${i}`, { i: String(i) }))).status).toBe(201);
  const watchers = [new WatchTracker(() => [base], PATH), new WatchTracker(() => [base], PATH)];
  for (const w of watchers) await w.start();
  // The writers keep retrying through the outage (up to 40 s per object), like a client-go retry loop.
  const load = new WriteLoad(() => [base], NS, 'q', 4, 40_000);
  load.start();
  const pid = env.servers[0]!.proc.pid;
  const members = env.cluster.members;
  let killed: number[] = [];
  const probes: Record<string, Answer> = {};
  let ackedBeforeFault = new Map<string, { rv: string }>();
  try {
    try {
      await sleep(1500);
      const leader = await env.cluster.leaderIndex();
      expect(leader).toBeGreaterThanOrEqual(0);
      killed = [leader, (leader + 1) % 3];
      ackedBeforeFault = new Map(load.acked);
      await Promise.all(killed.map((i) => members[i]!.kill9()));
      const outageStart = Date.now();
      // Let the survivor notice it has no leader (election timeout 1 s), then probe.
      await sleep(1500);
      const [create, get, list, listPaged, listRv0] = await Promise.all([
        once('POST', PATH, configMap('during-outage', { at: 'outage' })),
        once('GET', `${PATH}/pre-0`),
        once('GET', PATH),
        once('GET', `${PATH}?limit=2`),
        once('GET', `${PATH}?resourceVersion=0`),
      ]);
      Object.assign(probes, { create, get, list, listPaged, listRv0 });
      // Stay down past the storage watch's resume window (etcd cancels a leaderless watch after ~3 s,
      // then km retries for 10 s), so the watch cache's own resume path runs too.
      await sleep(Math.max(0, outageStart + 16_000 - Date.now()));
    } finally {
      // Restore quorum whatever happened above, so the writers can finish.
      for (const i of killed) await members[i]!.start();
    }
    // The same server process serves writes again: no restart (I5).
    let attempt = 0;
    await eventually('a write after the restore', async () => (await once('POST', PATH, configMap(`after-${attempt++}`, { at: 'after' }))).status === 201, 30_000);
    await load.stop();
    console.log(
      `probes without quorum: ${Object.entries(probes).map(([k, a]) => `${k}=${a.status}`).join(' ')}; ` +
        `acked ${load.acked.size}, failed attempts ${load.failures.length}`,
    );
    // Writes and consistent reads fail with a Status (never a hang, never stale data).
    expect(['create', 'get', 'list', 'listPaged'].filter((k) => !isRetryableStatus(probes[k]!)).map((k) => explain(k, probes[k]!))).toEqual([]);
    // resourceVersion=0 is "any": the watch cache may answer; if it does, it holds every write
    // acknowledged before the fault (it is the cache's state, not an error dressed up as a list).
    const rv0 = probes.listRv0!;
    if (rv0.status === 200) {
      const names = new Set(((rv0.json?.items ?? []) as Array<{ metadata: { name: string } }>).map((o) => o.metadata.name));
      expect([...ackedBeforeFault.keys()].filter((n) => !names.has(n))).toEqual([]);
    } else {
      expect(isRetryableStatus(rv0) ? [] : [explain('listRv0', rv0)]).toEqual([]);
    }
    // The create probe failed; its outcome is unknown to the client. If it committed after all, it
    // is exactly the request body (I2).
    const probe = await once('GET', `${PATH}/during-outage`);
    if (probe.status === 200) expect(probe.json?.data).toEqual({ at: 'outage' });
    else expect(probe.status).toBe(404);

    expect(env.servers[0]!.proc.pid).toBe(pid);
    expect(env.servers[0]!.proc.exitCode).toBeNull();
    expect((await once('GET', '/readyz')).status).toBe(200);
    // Every failure a writer met was a 503/504 Status (or its own earlier create), and the load
    // really did run into the outage.
    expect(unexpectedFailures(load.failures)).toEqual([]);
    expect(load.failures.length).toBeGreaterThan(0);
    await expectNothingLost([base], PATH, ackedBy([load]), watchers);
    // Nothing was compacted, so no watcher needed a 410 and re-list: they resumed in place.
    for (const w of watchers) expect(w.gone410).toBe(0);
    // A consistent read after the restore sees the newest acknowledged write (I4).
    const last = [...load.acked].reduce((a, b) => (Number(a[1].rv) >= Number(b[1].rv) ? a : b));
    const g = await once('GET', `${PATH}/${last[0]}`);
    expect(g.status).toBe(200);
    expect(rvOf(g)).toBeGreaterThanOrEqual(Number(last[1].rv));
  } finally {
    await load.stop();
    for (const w of watchers) await w.stop();
  }
});
