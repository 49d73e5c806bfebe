/**
 * Command line of bench/api.ts: `--quick` (smaller counts, 1 repetition), `--only=P4,P10` (run
 * only those benchmark IDs of docs/benchmarks.md; P6 selects P6a/P6b/P6c, S1..S7 select the P rows
 * they reuse), `--store=etcd|sqlite`, `--rss-100k`, `--out=FILE`.
 */
export type StoreName = 'etcd' | 'sqlite';

export interface BenchOptions {
  quick: boolean;
  rss100k: boolean;
  /** Upper-cased IDs; undefined = everything. */
  only: Set<string> | undefined;
  stores: StoreName[];
  out: string | undefined;
}

/** The §3 rows of the embedded store reuse the §2 benchmarks. */
const ALIASES: Record<string, string[]> = {
  S1: ['P1'],
  S2: ['P2'],
  S3: ['P6A', 'P7'],
  S4: ['P8'],
  S5: ['P9'],
  S6: ['P10'],
  S7: ['P14', 'P15', 'P16'],
  P6: ['P6A', 'P6B', 'P6C'],
};

/** Every ID the suite knows, in run order (also what `--only` is checked against). */
export const KNOWN_IDS = [
  'P1', 'P2', 'P3', 'P4', 'P5', 'P6A', 'P6B', 'P6C', 'P7', 'P8', 'P9', 'P10', 'P11', 'P12', 'P13', 'P14', 'P15', 'P16', 'KUBECTL',
] as const;

function flag(argv: string[], name: string): string | undefined {
  const a = argv.find((x) => x.startsWith(`--${name}=`));
  return a === undefined ? undefined : a.slice(name.length + 3);
}

export function parseOptions(argv: string[]): BenchOptions {
  const onlyText = flag(argv, 'only');
  let only: Set<string> | undefined;
  if (onlyText !== undefined) {
    only = new Set();
    for (const raw of onlyText.split(',')) {
      const id = raw.trim().toUpperCase();
      if (id === '') continue;
      const ids = ALIASES[id] ?? [id];
      for (const x of ids) {
        if (!(KNOWN_IDS as readonly string[]).includes(x)) throw new Error(`--only: unknown benchmark ${raw} (known: ${KNOWN_IDS.join(', ')}, S1..S7)`);
        only.add(x);
      }
    }
  }
  const storeText = flag(argv, 'store') ?? process.env.KM_BENCH_STORES ?? 'etcd,sqlite';
  const stores = storeText.split(',').map((s) => s.trim());
  for (const s of stores) if (s !== 'etcd' && s !== 'sqlite') throw new Error(`--store: unknown store ${s}`);
  return { quick: argv.includes('--quick'), rss100k: argv.includes('--rss-100k'), only, stores: stores as StoreName[], out: flag(argv, 'out') };
}

/** Whether benchmark `id` (e.g. 'P6c') runs. */
export const selects = (o: BenchOptions, id: string): boolean => o.only === undefined || o.only.has(id.toUpperCase());

/** Counts and durations: full mode is benchmarks.md's; quick mode verifies the harness in minutes. */
export function sizesFor(quick: boolean) {
  return {
    /** Sandwich repetitions (raw, API, raw). */
    reps: quick ? 1 : 3,
    /** The "10k pods" of P4-P6, P8, P9, P14. */
    list: quick ? 2000 : 10_000,
    /** The "50k pods" of P7, P8, P15 (P7 runs in full mode only). */
    big: quick ? 10_000 : 50_000,
    /** P2's creates at 1 in flight. */
    c1: quick ? 300 : 2000,
    get: quick ? 300 : 2000,
    /** Timed LISTs per side of one read sandwich. */
    listReps: quick ? 3 : 5,
    p3: { rate: 500, seconds: quick ? 5 : 20 },
    p10: { rate: 200, seconds: quick ? 3 : 10 },
    p11: { concurrency: 64, seconds: quick ? 3 : 10 },
    p13Events: quick ? 2000 : 10_000,
    p16Seconds: quick ? 15 : 60,
    /** Pods in storage for P15's cold start. */
    cold: quick ? 2000 : 50_000,
    kubectlPods: 1000,
    kubectlReps: quick ? 3 : 5,
    watchPlan: quick
      ? [
          { watchers: 1, rate: 100, events: 200 },
          { watchers: 100, rate: 20, events: 40 },
          { watchers: 1000, rate: 10, events: 20 },
        ]
      : [
          { watchers: 1, rate: 100, events: 1000 },
          { watchers: 100, rate: 20, events: 200 },
          { watchers: 1000, rate: 10, events: 300 },
        ],
    budgetMs: (quick ? 40 : 180) * 60 * 1000,
  };
}
export type Sizes = ReturnType<typeof sizesFor>;
