/**
 * The floor a Node.js create path can reach on this machine: node:http, JSON.parse, a uid and
 * timestamp, JSON.stringify, one etcd3 create-if-absent txn with km's client options, the answer;
 * with `--watch`, also one etcd watch on the prefix whose events are JSON.parsed (the least a watch
 * cache must do). No routing, validation, defaulting, managedFields, metrics or cache. Spawned by
 * bench/floor.ts: `node --import tsx bench/floor-server.ts ENDPOINT PORT [--watch]`; prints "ready" when listening.
 */
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { Etcd3 } from 'etcd3';
import { etcdClientOptions } from '../src/storage/etcd-client';
import { etcdTwin } from './lib/twins';

const [endpoint, port] = process.argv.slice(2);
const client = new Etcd3(etcdClientOptions({ endpoints: [endpoint!] }));
const twin = etcdTwin(client, endpoint!);
if (process.argv.includes('--watch')) {
  void client
    .watch()
    .prefix('/floor/')
    .create()
    .then((w) => w.on('put', (kv) => JSON.parse(kv.value.toString('utf8')) as unknown));
}

http
  .createServer((req, res) => {
    if (req.method !== 'POST') {
      res.end('ok');
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const obj = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { metadata: Record<string, string> };
      obj.metadata['uid'] = randomUUID();
      obj.metadata['creationTimestamp'] = new Date().toISOString();
      const ns = (req.url ?? '').split('/')[4] ?? 'default';
      twin.create(`/floor/${ns}/${obj.metadata['name']}`, Buffer.from(JSON.stringify(obj))).then(
        (rev) => {
          obj.metadata['resourceVersion'] = String(rev);
          const out = JSON.stringify(obj);
          res.writeHead(201, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) });
          res.end(out);
        },
        (err: unknown) => {
          res.writeHead(500);
          res.end(String(err));
        },
      );
    });
  })
  .listen(Number(port), '127.0.0.1', () => console.log('ready'));
