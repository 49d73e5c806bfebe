/**
 * P13: watch resume from an old RV: N events (10,000) are written through the API, then a watcher
 * connects with the resourceVersion from just before them (inside the compaction window) and the
 * time until it has received all N is taken. Twin: an etcd watch from that revision over the same
 * keys, replaying the same events (embedded store: the twin's own watch replaying N rows it wrote).
 */
import http from 'node:http';
import { nextRun, ratioRow, type Ctx } from '../lib/ctx';
import { clearScratch, createNamespace } from '../lib/fixture';
import { closedLoop } from '../lib/loops';
import { podBody } from '../lib/pod';
import { readSandwich } from '../lib/reads';

const NS = 'p13-scratch';
const TIMEOUT_MS = 120_000;

/** Opens the watch and resolves once `count` event lines arrived; any ERROR event fails it. */
function httpReplay(url: string, count: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let lines = 0;
    let settled = false;
    const finish = (err?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      if (err) reject(err);
      else resolve();
    };
    const timer = setTimeout(() => finish(new Error(`watch resume: ${lines}/${count} events in ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
    const req = http.get(url, { agent: false, headers: { accept: 'application/json' } }, (res) => {
      if (res.statusCode !== 200) return finish(new Error(`watch resume: HTTP ${res.statusCode}`));
      let first = true;
      res.on('data', (c: Buffer) => {
        if (first && c.includes('"type":"ERROR"')) return finish(new Error(`watch resume: ${c.toString('utf8', 0, 300)}`));
        first = false;
        for (let i = c.indexOf(10); i >= 0; i = c.indexOf(10, i + 1)) lines++;
        if (lines >= count) finish();
      });
      res.on('error', (err) => finish(err));
      res.on('end', () => finish(new Error(`watch resume ended after ${lines}/${count} events`)));
    });
    req.on('error', (err) => finish(err));
  });
}

export async function benchWatchResume(c: Ctx): Promise<void> {
  const n = c.sizes.p13Events;
  const api = c.server.http;
  await createNamespace(api, NS);
  const rv0 = Number((await api.json<{ metadata: { resourceVersion: string } }>('GET', `/api/v1/namespaces/${NS}/pods?limit=1`)).metadata.resourceVersion);
  const run = nextRun('p13');
  const t = await closedLoop(n, 64, (i) => api.expect('POST', `/api/v1/namespaces/${NS}/pods`, podBody(NS, `${run}-${i}`), 201));
  if (t.errors > 0) throw new Error(`P13: ${t.errors} creates failed (the backlog must be exact): ${t.firstError}`);
  let prefix = `/registry/pods/${NS}/`;
  let from = rv0;
  if (c.store === 'sqlite') {
    prefix = `/rawresume/${run}/`;
    from = await c.twin.currentRevision();
    await closedLoop(n, 64, (i) => c.twin.create(`${prefix}${run}-${i}`, c.storedPod));
  }
  const url = `${c.server.km.url}/api/v1/namespaces/${NS}/pods?watch=1&resourceVersion=${rv0}`;
  const [reps] = await readSandwich(c.sizes.reps, 1, () => c.twin.replay(prefix, from, n), [() => httpReplay(url, n)]);
  ratioRow(c, 'P13', `watch resume from an RV ${n} events back: backlog delivered, ms`, reps!, (x) => x.p50, 1, c.store === 'etcd' ? { max: 2.0 } : undefined);
  await clearScratch(c, NS);
  if (c.store === 'sqlite') await c.twin.clear(prefix);
}
