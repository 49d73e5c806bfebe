/**
 * A watch load-generator process (forked by watch-fanout.ts): opens `count` watches, either HTTP
 * watch streams on the API server or raw etcd3 watchers, and reports to the parent, per object name,
 * the wall-clock time at which the LAST of its watchers received it (put -> last watcher).
 *
 * Messages in:  { start: WorkerConfig } then { stop: true }.
 * Messages out: { ready: true } once every watch is established, { name, t } per fully delivered
 *               event, { error } on failure.
 */
import http from 'node:http';
import { Etcd3 } from 'etcd3';
import { etcdClientOptions } from '../../src/storage/etcd-client';
import { wallMs } from './stats';

export interface WorkerConfig {
  mode: 'http' | 'etcd';
  count: number;
  /** http: full watch URL; etcd: endpoint. */
  target: string;
  /** etcd: key prefix to watch. */
  prefix?: string;
  /** Names of interest start with this (the first `"name":"<marker>` in an HTTP event is the object's). */
  marker: string;
}

type Out = { ready: true } | { name: string; t: number } | { error: string };
const send = (m: Out): void => {
  process.send?.(m);
};

const seen = new Map<string, number>();
let total = 0;
function deliver(name: string): void {
  const n = (seen.get(name) ?? 0) + 1;
  if (n === total) {
    seen.delete(name);
    send({ name, t: wallMs() });
  } else seen.set(name, n);
}

const closers: Array<() => void> = [];

function openHttp(url: string, marker: string): Promise<void> {
  const re = new RegExp(`"name":"(${marker}[^"]*)"`);
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, headers: { accept: 'application/json' } }, (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`watch ${url}: HTTP ${res.statusCode}`));
        res.resume();
        return;
      }
      resolve();
      res.setEncoding('utf8');
      let buf = '';
      res.on('data', (c: string) => {
        buf += c;
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          const m = re.exec(line);
          if (m) deliver(m[1]!);
        }
      });
      res.on('error', () => undefined);
    });
    req.on('error', reject);
    closers.push(() => req.destroy());
  });
}

async function start(cfg: WorkerConfig): Promise<void> {
  total = cfg.count;
  if (cfg.mode === 'http') {
    // Open in batches so a 250-watch worker does not stampede the server's accept queue.
    for (let i = 0; i < cfg.count; i += 50) {
      await Promise.all(Array.from({ length: Math.min(50, cfg.count - i) }, () => openHttp(cfg.target, cfg.marker)));
    }
  } else {
    const client = new Etcd3(etcdClientOptions({ endpoints: [cfg.target] }));
    closers.push(() => client.close());
    for (let i = 0; i < cfg.count; i++) {
      const w = await client.watch().prefix(cfg.prefix ?? '/').create();
      w.on('put', (kv) => {
        const key = kv.key.toString();
        deliver(key.slice(key.lastIndexOf('/') + 1));
      });
    }
  }
  send({ ready: true });
}

process.on('message', (m: { start?: WorkerConfig; stop?: boolean }) => {
  if (m.start) start(m.start).catch((err: unknown) => send({ error: String(err) }));
  if (m.stop) {
    for (const c of closers) c();
    process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));
