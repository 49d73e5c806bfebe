/**
 * Watchers in separate load-generator processes (<= 250 each, watch-worker.ts): HTTP watch
 * streams on the API server or raw etcd3 watchers. An object counts as delivered when the last of
 * the N watchers has it (put -> last watcher, benchmarks.md P10/P11/P12).
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { watchLatency, type Subscribe, type WatchLatencyResult } from './watch-latency';
import type { WorkerConfig } from './watch-worker';

export type FanoutResult = WatchLatencyResult;

const WORKER = path.join(__dirname, 'watch-worker.ts');
export const PER_WORKER = 250;

/**
 * Forks a load-generator worker (a .ts module run through tsx), sends it `{ start }`, and resolves
 * once it reports `{ ready: true }` (60 s at most; `{ error }` rejects). Every other message goes
 * to `onMessage`. Used by the fan-out watchers here and by the soak's watchers (bench/soak.ts).
 */
export function forkWorker<M extends object>(script: string, start: unknown, onMessage: (m: M) => void): Promise<ChildProcess> {
  const child = fork(script, [], { execArgv: ['--require', 'tsx/cjs'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${path.basename(script)} not ready in 60 s`));
    }, 60_000);
    child.on('message', (m: M & { ready?: boolean; error?: string }) => {
      if (m.ready) {
        clearTimeout(timer);
        resolve(child);
      } else if (m.error !== undefined) {
        clearTimeout(timer);
        child.kill('SIGKILL');
        reject(new Error(m.error));
      } else onMessage(m);
    });
    child.once('exit', (c) => {
      clearTimeout(timer);
      reject(new Error(`${path.basename(script)} exited (${c})`));
    });
    child.send({ start });
  });
}

/** Asks a worker to stop, and SIGKILLs it if it has not exited 3 s later. */
export async function stopWorker(w: ChildProcess): Promise<void> {
  if (w.exitCode !== null || w.signalCode !== null) return;
  const exited = new Promise<void>((r) => w.once('exit', () => r()));
  if (w.connected) w.send({ stop: true });
  const t = setTimeout(() => w.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(t);
}

const startWorker = (cfg: WorkerConfig, onEvent: (name: string, t: number) => void): Promise<ChildProcess> =>
  forkWorker<{ name?: string; t?: number }>(WORKER, cfg, (m) => {
    if (m.name !== undefined && m.t !== undefined) onEvent(m.name, m.t);
  });

/** `cfg.count` watchers split over forked workers. */
export function forkWatchers(cfg: WorkerConfig): Subscribe {
  return async (onDelivered) => {
    const nWorkers = Math.ceil(cfg.count / PER_WORKER);
    const done = new Map<string, { n: number; last: number }>();
    const onEvent = (name: string, t: number): void => {
      const d = done.get(name) ?? { n: 0, last: 0 };
      d.n++;
      d.last = Math.max(d.last, t);
      if (d.n === nWorkers) {
        done.delete(name);
        onDelivered(name, d.last);
      } else done.set(name, d);
    };
    const workers: ChildProcess[] = [];
    try {
      for (let w = 0; w < nWorkers; w++) workers.push(await startWorker({ ...cfg, count: Math.min(PER_WORKER, cfg.count - w * PER_WORKER) }, onEvent));
    } catch (err) {
      await Promise.all(workers.map(stopWorker));
      throw err;
    }
    return async () => {
      await Promise.all(workers.map(stopWorker));
    };
  };
}

/** P12's shape: open-loop writes of `names` at `ratePerSec`, `cfg.count` watchers. */
export function watchFanout(
  cfg: WorkerConfig,
  names: string[],
  ratePerSec: number,
  write: (name: string) => Promise<unknown>,
  beforeClock?: () => Promise<void>,
  drained?: () => void,
): Promise<FanoutResult> {
  return watchLatency(forkWatchers(cfg), { kind: 'open', rate: ratePerSec, count: names.length }, (i) => names[i]!, write, beforeClock, drained);
}
