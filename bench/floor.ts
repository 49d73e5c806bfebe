/**
 * What the P1 target asks of any Node.js server on this machine: pod creates at 64 in flight through
 * a floor server (bench/floor-server.ts: HTTP + JSON + one etcd3 txn, optionally + one watch) and
 * through `km apiserver`, each between two raw etcd3 create-txn runs, all on one etcd, in one run.
 * Prints creates/s, the ratio to raw and the server's CPU per create.
 *   npx tsx bench/floor.ts [--n=6000] [--reps=3]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { Etcd3 } from 'etcd3';
import { etcdClientOptions } from '../src/storage/etcd-client';
import { freePort, startEtcd } from '../test/helpers/etcd-process';
import { HttpLoad } from './lib/http';
import { closedLoop } from './lib/loops';
import { nsOf, podBody, storedPodJson } from './lib/pod';
import { cpuMs } from './lib/proc';
import { median } from './lib/stats';
import { etcdTwin } from './lib/twins';

const arg = (name: string, dflt: number): number => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? dflt);
const N = arg('n', 6000);
const REPS = arg('reps', 3);
const C = 64;

async function ready(child: ChildProcess, url: string, http: HttpLoad): Promise<void> {
  for (let i = 0; i < 150; i++) {
    if (child.exitCode !== null) throw new Error(`server exited ${child.exitCode}`);
    const ok = await http.request('GET', '/healthz').then(() => true, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} never answered`);
}

async function main(): Promise<void> {
  const etcd = await startEtcd();
  const twin = etcdTwin(new Etcd3(etcdClientOptions({ endpoints: [etcd.endpoint] })), etcd.endpoint);
  const stored = storedPodJson('ns-0', 'x');
  const servers: Array<{ name: string; start: (port: number) => ChildProcess }> = [
    { name: 'floor (http+json+txn)', start: (p) => spawn('node', ['--import', 'tsx', 'bench/floor-server.ts', etcd.endpoint, String(p)], { stdio: 'ignore' }) },
    { name: 'floor + watch', start: (p) => spawn('node', ['--import', 'tsx', 'bench/floor-server.ts', etcd.endpoint, String(p), '--watch'], { stdio: 'ignore' }) },
    { name: 'km apiserver', start: (p) => spawn('node', ['bin/km.js', 'apiserver', `--port=${p}`, `--etcd-servers=${etcd.endpoint}`, '--v=0'], { stdio: 'ignore' }) },
  ];
  const rows: string[] = [];
  let run = 0;
  try {
    for (const s of servers) {
      const port = await freePort();
      const child = s.start(port);
      const url = `http://127.0.0.1:${port}`;
      const http = new HttpLoad(url, { maxSockets: C });
      try {
        await ready(child, url, http);
        for (let i = 0; i < 20; i++) await http.request('POST', '/api/v1/namespaces', Buffer.from(JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: nsOf(i) } })));
        const r = run++;
        await closedLoop(1000, C, (i) => http.expect('POST', `/api/v1/namespaces/${nsOf(i)}/pods`, podBody(nsOf(i), `warm-${r}-${i}`), 201));
        const ratios: number[] = [];
        const rates: number[] = [];
        const cpus: number[] = [];
        for (let k = 0; k < REPS; k++) {
          const raw1 = await closedLoop(N, C, (i) => twin.create(`/rawfloor/${r}-${k}a/${nsOf(i)}/p-${i}`, stored));
          const c0 = cpuMs(child.pid);
          const api = await closedLoop(N, C, (i) => http.expect('POST', `/api/v1/namespaces/${nsOf(i)}/pods`, podBody(nsOf(i), `p-${r}-${k}-${i}`), 201));
          cpus.push(((cpuMs(child.pid) - c0) * 1000) / N);
          const raw2 = await closedLoop(N, C, (i) => twin.create(`/rawfloor/${r}-${k}b/${nsOf(i)}/p-${i}`, stored));
          rates.push(api.perSec);
          ratios.push(api.perSec / ((raw1.perSec + raw2.perSec) / 2));
          await twin.clear('/rawfloor/');
        }
        const cpu = median(cpus).toFixed(0);
        rows.push(`| ${s.name} | ${median(rates).toFixed(0)} | ${median(ratios).toFixed(2)} (${ratios.map((x) => x.toFixed(2)).join('/')}) | ${cpu} |`);
      } finally {
        http.close();
        child.kill('SIGKILL');
        if (child.exitCode === null) await once(child, 'exit');
      }
    }
  } finally {
    await etcd.cleanup();
  }
  console.log(`\npod creates at ${C} in flight, ${N} per run, ${REPS} sandwich(es); load average ${(await import('node:os')).loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  console.log('| server | creates/s | ÷ raw etcd3 txns | server CPU us/create |\n| --- | --- | --- | --- |');
  console.log(rows.join('\n'));
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
