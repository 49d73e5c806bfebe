/**
 * `npm run bench:proxy`: throughput (MB/s) of bulk TCP and connection rate through a km proxy port
 * vs straight to the backend, in the same run, on loopback. Target: ≥ 50% of direct throughput.
 * The backend and the load generator run in a child process so the proxy's event loop is measured
 * the way it runs in production (alone in its process).
 */
import { fork } from 'node:child_process';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { Balancer } from '../src/proxy/balancer';
import { startTcpProxy } from '../src/proxy/port-proxy';

const quick = process.argv.includes('--quick');
const BULK_BYTES = (quick ? 64 : 512) * 1024 * 1024;
const STREAMS = 4;
const CONNECTIONS = quick ? 500 : 3000;
const REPS = quick ? 1 : 3;

interface Result {
  mbps: number;
  connPerSec: number;
}

/** Child: a sink/echo backend, and a client measuring against a given port. */
async function child(): Promise<void> {
  const sink = net.createServer((s) => {
    s.on('data', () => undefined);
    s.on('end', () => s.end('done'));
    s.on('error', () => undefined);
  });
  await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
  process.send?.({ backendPort: (sink.address() as AddressInfo).port });
  process.on('message', (m: { port: number }) => {
    void measure(m.port).then((res) => process.send?.(res));
  });
}

async function measure(port: number): Promise<Result> {
  const chunk = Buffer.alloc(256 * 1024, 'x');
  const per = BULK_BYTES / STREAMS;
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from(
      { length: STREAMS },
      () =>
        new Promise<void>((resolve, reject) => {
          const s = net.connect({ host: '127.0.0.1', port });
          let sent = 0;
          const pump = (): void => {
            while (sent < per) {
              sent += chunk.length;
              if (!s.write(chunk)) return void s.once('drain', pump);
            }
            s.end();
          };
          s.on('connect', pump);
          s.on('data', () => undefined);
          s.on('close', () => resolve());
          s.on('error', reject);
        }),
    ),
  );
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const mbps = BULK_BYTES / 1024 / 1024 / secs;
  const c0 = process.hrtime.bigint();
  let done = 0;
  await new Promise<void>((resolve, reject) => {
    const inFlight = 32;
    const one = (): void => {
      const s = net.connect({ host: '127.0.0.1', port }, () => s.end('x'));
      s.on('data', () => undefined);
      s.on('error', reject);
      s.on('close', () => {
        done++;
        if (done === CONNECTIONS) resolve();
        else if (done + inFlight <= CONNECTIONS) one();
      });
    };
    for (let i = 0; i < Math.min(inFlight, CONNECTIONS); i++) one();
  });
  const connPerSec = CONNECTIONS / (Number(process.hrtime.bigint() - c0) / 1e9);
  return { mbps, connPerSec };
}

async function main(): Promise<void> {
  const worker = fork(__filename, ['--child'], { execArgv: process.execArgv });
  const backendPort = await new Promise<number>((r) => worker.once('message', (m: { backendPort: number }) => r(m.backendPort)));
  const ask = (port: number): Promise<Result> =>
    new Promise((r) => {
      worker.once('message', (m: Result) => r(m));
      worker.send({ port });
    });
  const balancer = new Balancer({ affinity: 'None', affinityTimeoutMs: 0 });
  balancer.setEndpoints([{ ip: '127.0.0.1', port: backendPort }]);
  const proxy = await startTcpProxy('127.0.0.1', 0, balancer);
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const direct: Result[] = [];
  const proxied: Result[] = [];
  for (let i = 0; i < REPS; i++) {
    direct.push(await ask(backendPort));
    proxied.push(await ask(proxy.port));
  }
  const d = { mbps: median(direct.map((x) => x.mbps)), conn: median(direct.map((x) => x.connPerSec)) };
  const p = { mbps: median(proxied.map((x) => x.mbps)), conn: median(proxied.map((x) => x.connPerSec)) };
  const row = (name: string, a: number, b: number, unit: string): string =>
    `${name.padEnd(28)} ${a.toFixed(1).padStart(10)} ${b.toFixed(1).padStart(10)} ${unit.padEnd(8)} ${(b / a).toFixed(2).padStart(6)}`;
  console.log(`km proxy benchmark (${REPS} rep(s), median; ${BULK_BYTES / 1024 / 1024} MiB over ${STREAMS} streams; ${CONNECTIONS} connections)`);
  console.log(`${'measure'.padEnd(28)} ${'direct'.padStart(10)} ${'proxy'.padStart(10)} ${'unit'.padEnd(8)} ${'ratio'.padStart(6)}`);
  console.log(row('bulk TCP throughput', d.mbps, p.mbps, 'MB/s'));
  console.log(row('connection rate', d.conn, p.conn, 'conn/s'));
  console.log(`target: proxy throughput ≥ 0.50 × direct → ${p.mbps / d.mbps >= 0.5 ? 'PASS' : 'FAIL'}`);
  await proxy.close();
  worker.kill();
}

if (process.argv.includes('--child')) void child();
else
  void main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
