/**
 * The API server under test: `km apiserver` from the sources (test/helpers/km-process.ts), with an
 * inspector port (to force a GC before RSS readings) and its start -> /readyz 200 time, polled
 * every 10 ms (P15).
 */
import { freePort } from '../../test/helpers/etcd-process';
import { startKm, type KmProcess } from '../../test/helpers/km-process';
import { HttpLoad } from './http';
import { sleep } from './stats';

export interface KmServer {
  km: KmProcess;
  http: HttpLoad;
  inspectPort: number;
  /** ms from spawn to the first /readyz 200. */
  readyMs: number;
  /** The flags it was started with (without --port), to start it again alike. */
  args: string[];
}

export async function startServer(args: string[]): Promise<KmServer> {
  const port = await freePort();
  const inspectPort = await freePort();
  const url = `http://127.0.0.1:${port}/readyz`;
  let readyAt: number | undefined;
  let giveUp = false;
  const t0 = performance.now();
  const poll = (async () => {
    while (!giveUp && readyAt === undefined) {
      try {
        const r = await fetch(url, { signal: AbortSignal.timeout(1000) });
        await r.arrayBuffer();
        if (r.ok) readyAt = performance.now();
      } catch {
        // not listening yet
      }
      if (readyAt === undefined) await sleep(10);
    }
  })();
  let km: KmProcess;
  try {
    km = await startKm('apiserver', {
      args: [...args, `--port=${port}`],
      readyPath: '/readyz',
      env: { NODE_OPTIONS: `--inspect=127.0.0.1:${inspectPort}` },
    });
  } finally {
    // startKm polls every 100 ms, so ours has seen the 200 by the time it returns (or will shortly).
    const deadline = Date.now() + 2000;
    while (readyAt === undefined && Date.now() < deadline) await sleep(5);
    giveUp = true;
    await poll;
  }
  return { km, http: new HttpLoad(km.url), inspectPort, readyMs: (readyAt ?? performance.now()) - t0, args };
}

export async function stopServer(s: KmServer): Promise<void> {
  s.http.close();
  await s.km.stop();
}
