/**
 * Watch delivery latency with N watchers in separate load-generator processes (<= 250 each):
 * open-loop writes at a fixed rate from this process, latency = scheduled write time -> the last
 * watcher receiving the event (docs/benchmarks.md P10/P12).
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { pct, sleep, wallMs } from './stats';
import type { WorkerConfig } from './watch-worker';

export interface FanoutResult {
  p50: number;
  p99: number;
  delivered: number;
  expected: number;
}

const WORKER = path.join(__dirname, 'watch-worker.ts');
const PER_WORKER = 250;

function startWorker(cfg: WorkerConfig, onEvent: (name: string, t: number) => void): Promise<ChildProcess> {
  const child = fork(WORKER, [], { execArgv: ['--require', 'tsx/cjs'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('watch worker not ready in 60 s')), 60_000);
    child.on('message', (m: { ready?: boolean; name?: string; t?: number; error?: string }) => {
      if (m.ready) {
        clearTimeout(timer);
        resolve(child);
      } else if (m.error) {
        clearTimeout(timer);
        reject(new Error(m.error));
      } else if (m.name !== undefined && m.t !== undefined) onEvent(m.name, m.t);
    });
    child.once('exit', (c) => {
      clearTimeout(timer);
      reject(new Error(`watch worker exited (${c})`));
    });
    child.send({ start: cfg });
  });
}

/**
 * @param cfg the watch target (count = total watchers, split over workers)
 * @param write performs the write of object `name` (awaited only at the end)
 */
export async function watchFanout(
  cfg: WorkerConfig,
  names: string[],
  ratePerSec: number,
  write: (name: string) => Promise<unknown>,
): Promise<FanoutResult> {
  const nWorkers = Math.ceil(cfg.count / PER_WORKER);
  const scheduled = new Map<string, number>();
  const done = new Map<string, number>(); // name -> workers done
  const lastAt = new Map<string, number>();
  const lat: number[] = [];
  let resolveAll: () => void = () => undefined;
  const all = new Promise<void>((r) => (resolveAll = r));
  const onEvent = (name: string, t: number): void => {
    lastAt.set(name, Math.max(lastAt.get(name) ?? 0, t));
    const d = (done.get(name) ?? 0) + 1;
    done.set(name, d);
    if (d === nWorkers) {
      const s = scheduled.get(name);
      if (s !== undefined) lat.push(lastAt.get(name)! - s);
      if (lat.length === names.length) resolveAll();
    }
  };
  const workers: ChildProcess[] = [];
  try {
    for (let w = 0; w < nWorkers; w++) {
      const count = Math.min(PER_WORKER, cfg.count - w * PER_WORKER);
      workers.push(await startWorker({ ...cfg, count }, onEvent));
    }
    await sleep(300);
    const t0 = wallMs() + 20;
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < names.length; i++) {
      const at = t0 + (i * 1000) / ratePerSec;
      const wait = at - wallMs();
      if (wait > 1) await sleep(wait);
      scheduled.set(names[i]!, at);
      writes.push(write(names[i]!));
    }
    await Promise.all(writes);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([all, new Promise<void>((r) => (timer = setTimeout(r, 15_000)))]);
    clearTimeout(timer);
    return { p50: pct(lat, 50), p99: pct(lat, 99), delivered: lat.length, expected: names.length };
  } finally {
    for (const w of workers) {
      if (w.connected) w.send({ stop: true });
      const t = setTimeout(() => w.kill('SIGKILL'), 3000);
      await new Promise<void>((r) => (w.exitCode !== null || w.signalCode !== null ? r() : w.once('exit', () => r())));
      clearTimeout(t);
    }
  }
}
