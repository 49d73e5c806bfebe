/** The results table: printed, and written to bench/RESULTS.md with the machine it ran on. */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';

export interface Row {
  store: string;
  /** docs/benchmarks.md ID (P1..P16), '' for rows of their own. */
  id: string;
  name: string;
  api: string;
  raw: string;
  ratio: string;
  target: string;
  pass?: boolean;
}

const COLS: Array<[keyof Omit<Row, 'pass'>, string]> = [
  ['store', 'store'],
  ['id', 'id'],
  ['name', 'benchmark'],
  ['api', 'km API'],
  ['raw', 'raw twin'],
  ['ratio', 'ratio'],
  ['target', 'target'],
];

const verdict = (r: Row): string => (r.pass === undefined ? '' : r.pass ? 'PASS' : 'MISS');

export function printTable(rows: Row[]): void {
  const w = COLS.map(([k, h]) => Math.max(h.length, ...rows.map((r) => r[k].length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(w[i] ?? 0)).join('  ');
  console.log(line([...COLS.map(([, h]) => h), '']));
  console.log('-'.repeat(w.reduce((a, b) => a + b + 2, 6)));
  for (const r of rows) console.log(line([...COLS.map(([k]) => r[k]), verdict(r)]));
}

function sh(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', timeout: 10_000 }).trimEnd();
  } catch {
    return '(unavailable)';
  }
}

const load = (): string => os.loadavg().map((x) => x.toFixed(2)).join(' ');

/** Load average now (1, 5, 15 min), for the "at start" line. */
export const loadNow = load;

export function machine(loadAtStart: string): string {
  return [
    `- date: ${new Date().toISOString()}`,
    `- nproc: ${sh('nproc', [])}; CPU: ${os.cpus()[0]?.model ?? '?'}`,
    `- memory (free -h):\n\n\`\`\`\n${sh('free', ['-h'])}\n\`\`\``,
    `- node ${process.version}; ${sh('/usr/bin/etcd', ['--version']).split('\n')[0]}; kubectl ${sh(process.env.KUBECTL ?? '/usr/lib/google-cloud-sdk/bin/kubectl.1.32', ['version', '--client', '-o', 'yaml']).match(/gitVersion: (\S+)/)?.[1] ?? '?'}`,
    `- load average at start: ${loadAtStart}; at end: ${load()} (2 cores: above ~2 other work competes with the benchmark)`,
  ].join('\n');
}

export function writeResults(path: string, rows: Row[], notes: string[], mode: string, loadAtStart: string): void {
  const md = [
    '# API benchmark results (`npx tsx bench/api.ts`)',
    '',
    `Mode: ${mode}. Each ratio divides the km API figure by its raw-storage twin measured in the same run, at the same`,
    'concurrency and load shape (docs/benchmarks.md §1): raw, API, raw sandwiches, the denominator being the mean of the two',
    'raw runs; with several repetitions the ratio cell reads "median (each run)", and a goal passes when the median meets it',
    'and no single run misses it by more than 15%. etcd, the API server and the load generators are separate processes on',
    'the same cores; CPU per process is read from /proc/PID/stat. Absolute numbers hold for this machine only.',
    '',
    machine(loadAtStart),
    '',
    '| ' + [...COLS.map(([, h]) => h), 'verdict'].join(' | ') + ' |',
    '|' + ' --- |'.repeat(COLS.length + 1),
    ...rows.map((r) => '| ' + [...COLS.map(([k]) => r[k].replace(/\|/g, '\\|')), verdict(r)].join(' | ') + ' |'),
    '',
    '## Notes',
    '',
    ...notes.map((n) => `- ${n}`),
    '',
  ].join('\n');
  writeFileSync(path, md);
}
