/**
 * The pods benchmarks read: fixture pod i is `pod-<i>` in namespace nsOf(i) (20 namespaces, so 500
 * per namespace at 10k), and 1% of them (i % 100 == 0) carry the label bench-sel=on for P9's
 * selector. Families that write pods of their own use a scratch namespace and clear it after, so
 * the pod count the LIST families see is exactly the fixture.
 */
import type { Ctx } from './ctx';
import type { HttpLoad } from './http';
import { closedLoop } from './loops';
import { NAMESPACES, nsOf, podBody } from './pod';
import { sleep } from './stats';

export const SELECT_LABEL = 'bench-sel';
/** Where the embedded store's raw twin keeps its copy of the fixture (the LIST twin's data). */
export const RAW_LIST_PREFIX = '/rawlist/pods/';

export const fixtureName = (i: number): string => `pod-${i}`;
export const fixtureBody = (i: number): Buffer => podBody(nsOf(i), fixtureName(i), i % 100 === 0 ? { [SELECT_LABEL]: 'on' } : undefined);
export const fixturePath = (i: number): string => `/api/v1/namespaces/${nsOf(i)}/pods/${fixtureName(i)}`;
/** Storage key of fixture pod i: the server's (etcd) or the raw twin's copy (embedded store). */
export const fixtureKey = (c: Ctx, i: number): string =>
  c.store === 'etcd' ? `/registry/pods/${nsOf(i)}/${fixtureName(i)}` : `${RAW_LIST_PREFIX}${nsOf(i)}/${fixtureName(i)}`;
/** The prefix the LIST twins range over. */
export const listPrefix = (c: Ctx): string => (c.store === 'etcd' ? '/registry/pods/' : RAW_LIST_PREFIX);

export async function createNamespace(http: HttpLoad, ns: string): Promise<void> {
  const r = await http.request('POST', '/api/v1/namespaces', Buffer.from(JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } })));
  if (r.status !== 201 && r.status !== 409) throw new Error(`create namespace ${ns}: ${r.status} ${r.body.toString()}`);
}

export async function createNamespaces(http: HttpLoad): Promise<void> {
  for (let i = 0; i < NAMESPACES; i++) await createNamespace(http, nsOf(i));
}

/**
 * Exactly `n` fixture pods through the API (and, for the embedded store, `n` rows in the raw
 * twin). Creating more is untimed set-up; fewer than exist cannot be had, and that is an error,
 * since the LIST families compare fixed sizes.
 */
export async function ensurePods(c: Ctx, n: number): Promise<void> {
  if (c.fixture.count > n) throw new Error(`${c.fixture.count} fixture pods exist, a benchmark wants ${n}: run order is wrong`);
  if (c.fixture.count < n) {
    const from = c.fixture.count;
    const t = await closedLoop(n - from, 64, (k) => c.server.http.expect('POST', `/api/v1/namespaces/${nsOf(from + k)}/pods`, fixtureBody(from + k), 201));
    await repairFixture(c, t.failed.map((k) => from + k), t.firstError);
    c.fixture.count = n;
    console.log(`  [${c.store}] fixture: ${n} pods (${n - from} created at ${Math.round(t.perSec)}/s)`);
  }
  if (c.store === 'sqlite' && c.rawFixture.count < n) {
    const from = c.rawFixture.count;
    await closedLoop(n - from, 64, (k) => c.twin.create(`${RAW_LIST_PREFIX}${nsOf(from + k)}/${fixtureName(from + k)}`, c.storedPod));
    c.rawFixture.count = n;
  }
}

/**
 * Creates again the fixture pods whose create failed (a 5xx under load leaves the outcome unknown:
 * 409 AlreadyExists means the first attempt committed), so the fixture stays exact; noted.
 */
export async function repairFixture(c: Ctx, indices: number[], firstError: string | undefined): Promise<void> {
  if (indices.length === 0) return;
  c.notes.push(`${c.store}: ${indices.length} fixture create(s) failed and were repeated; first: ${firstError ?? '?'}`);
  for (const i of indices) {
    const r = await c.server.http.request('POST', `/api/v1/namespaces/${nsOf(i)}/pods`, fixtureBody(i));
    if (r.status !== 201 && r.status !== 409) throw new Error(`fixture repair of pod ${i}: HTTP ${r.status} ${r.body.toString('utf8', 0, 200)}`);
  }
}

/**
 * Remove every pod in a scratch namespace. etcd: delete the key range; embedded store: DELETE each
 * pod through the API (its database belongs to the server). Then wait until the server's watch
 * cache has seen the deletes, and compact + defragment etcd (benchmarks.md §1).
 */
export async function clearScratch(c: Ctx, ns: string): Promise<void> {
  const http = c.server.http;
  if (c.store === 'etcd') await c.twin.remove(`/registry/pods/${ns}/`);
  else {
    for (let round = 0; round < 10; round++) {
      const list = await http.json<{ items: Array<{ metadata: { name: string } }> }>('GET', `/api/v1/namespaces/${ns}/pods`);
      if (list.items.length === 0) break;
      await closedLoop(list.items.length, 64, (k) => http.request('DELETE', `/api/v1/namespaces/${ns}/pods/${list.items[k]!.metadata.name}?gracePeriodSeconds=0`));
    }
  }
  const deadline = Date.now() + 120_000;
  for (;;) {
    const cached = await http.json<{ items: unknown[] }>('GET', `/api/v1/namespaces/${ns}/pods?resourceVersion=0`);
    if (cached.items.length === 0) break;
    if (Date.now() > deadline) throw new Error(`scratch namespace ${ns} still holds ${cached.items.length} pods in the cache`);
    await sleep(100);
  }
  // Compact only once the server's watch has passed the deletes: etcd cancels a watch that is
  // still behind a compaction, and the cache would have to re-list.
  await c.twin.compact();
}
