/**
 * The soak's watchers, spread over forked processes of at most PER_WORKER each
 * (soak-watch-worker.ts): start them, poll their counters, and collect their digests at the end.
 */
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { Histogram } from './histogram';
import type { SoakCounters, SoakWorkerConfig, WatcherSummary } from './soak-watch-worker';
import { forkWorker, PER_WORKER, stopWorker } from './watch-fanout';

const WORKER = path.join(__dirname, 'soak-watch-worker.ts');

type FromWorker = { counters?: SoakCounters; summaries?: WatcherSummary[]; delivery?: Array<[number, Array<[number, number]>]> };

export interface SoakWatchers {
  /** The worker processes' pids (their CPU is the load generator's share of the machine). */
  pids(): number[];
  /** Window 0 of the delivery latencies starts at this wall-clock time (ms). */
  setClock(t0WallMs: number): void;
  /** Sums of the workers' counters (each worker answers within 5 s, or is left out). */
  counters(): Promise<SoakCounters>;
  /** Waits for each watcher to reach `targets[selection]`, then every summary and the delivery histograms per window. */
  finish(targets: number[]): Promise<{ summaries: WatcherSummary[]; delivery: Map<number, Histogram> }>;
  stop(): Promise<void>;
}

type Kind = 'counters' | 'summaries';

interface Worker {
  child: ChildProcess;
  /** Callers waiting for an answer of each kind, oldest first (a late answer never reaches another kind's caller). */
  waiting: Record<Kind, Array<(m: FromWorker) => void>>;
}

/** `paths.length` watchers; watcher i lists and watches `paths[i]` and is checked against selection `selections[i]`. */
export async function startSoakWatchers(cfg: Omit<SoakWorkerConfig, 'paths' | 'selections'>, paths: string[], selections: number[]): Promise<SoakWatchers> {
  const workers: Worker[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(workers.splice(0).map((w) => stopWorker(w.child)));
  };
  try {
    for (let i = 0; i < paths.length; i += PER_WORKER) {
      const w: Worker = { child: undefined as unknown as ChildProcess, waiting: { counters: [], summaries: [] } };
      const start: SoakWorkerConfig = { ...cfg, paths: paths.slice(i, i + PER_WORKER), selections: selections.slice(i, i + PER_WORKER) };
      w.child = await forkWorker<FromWorker>(WORKER, start, (m) => w.waiting[m.counters ? 'counters' : 'summaries'].shift()?.(m));
      workers.push(w);
    }
  } catch (err) {
    await stop();
    throw err;
  }
  /** Sends `msg` to every worker; resolves their answers (undefined for one silent past `timeoutMs`). */
  const ask = (msg: object, kind: Kind, timeoutMs: number): Promise<Array<FromWorker | undefined>> =>
    Promise.all(
      workers.map(
        (w) =>
          new Promise<FromWorker | undefined>((resolve) => {
            const timer = setTimeout(() => {
              w.waiting[kind].splice(w.waiting[kind].indexOf(done), 1);
              resolve(undefined);
            }, timeoutMs);
            const done = (m: FromWorker): void => {
              clearTimeout(timer);
              resolve(m);
            };
            w.waiting[kind].push(done);
            w.child.send(msg);
          }),
      ),
    );
  return {
    pids: () => workers.map((w) => w.child.pid ?? 0),
    setClock(t0WallMs) {
      for (const w of workers) w.child.send({ clock: t0WallMs });
    },
    async counters() {
      const total: SoakCounters = { events: 0, reconnects: 0, relists: 0, gone410: 0, orderErrors: 0 };
      for (const a of await ask({ report: true }, 'counters', 5000)) {
        for (const k of Object.keys(total) as Array<keyof SoakCounters>) total[k] += a?.counters?.[k] ?? 0;
      }
      return total;
    },
    async finish(targets) {
      const answers = await ask({ finish: { targets } }, 'summaries', 120_000);
      const summaries: WatcherSummary[] = [];
      const delivery = new Map<number, Histogram>();
      for (const [i, a] of answers.entries()) {
        if (!a?.summaries) throw new Error(`soak watch worker ${i} did not report its watchers`);
        summaries.push(...a.summaries);
        for (const [win, entries] of a.delivery ?? []) {
          let h = delivery.get(win);
          if (!h) delivery.set(win, (h = new Histogram()));
          h.merge(entries);
        }
      }
      return { summaries, delivery };
    },
    stop,
  };
}
