/**
 * The soak's report: per-window figures, the first-steady-window vs last-window comparison with
 * R12's limits, the invariant verdicts; printed, and written into bench/SOAK.md as one section per
 * store (a run replaces its store's section and keeps the other's).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { machine } from './report';
import { fmt } from './stats';

export interface WindowRow {
  index: number;
  startS: number;
  endS: number;
  /** Median of the window's samples. */
  rssMiB: number;
  heapMiB: number;
  fds: number;
  createP99: number;
  deliveryP99: number;
  creates: number;
  deliveries: number;
  serverCpuPct: number;
  watchersCpuPct: number;
  load1: number;
  steady: boolean;
}

export interface Comparison {
  metric: string;
  first: string;
  last: string;
  change: string;
  limit: string;
  pass: boolean | undefined;
}

export function printReport(header: string[], windows: WindowRow[], comparisons: Comparison[], notes: string[]): void {
  console.log('');
  for (const h of header) console.log(h);
  console.log('');
  console.log(renderTable(windowTable(windows), false));
  console.log('');
  console.log(renderTable(comparisonTable(comparisons), false));
  for (const n of notes) console.log(`- ${n}`);
}

const verdict = (pass: boolean | undefined): string => (pass === undefined ? '' : pass ? 'PASS' : 'FAIL');

function windowTable(ws: WindowRow[]): string[][] {
  return [
    ['window', 'seconds', 'RSS after GC MiB', 'heap MiB', 'fds', 'create p99 ms', 'delivery p99 ms', 'creates', 'deliveries', 'server CPU %', 'watchers CPU %', 'load 1m', ''],
    ...ws.map((w) => [
      String(w.index),
      `${w.startS}-${w.endS}`,
      fmt(w.rssMiB, 1),
      fmt(w.heapMiB, 1),
      fmt(w.fds),
      fmt(w.createP99, 1),
      fmt(w.deliveryP99, 1),
      fmt(w.creates),
      fmt(w.deliveries),
      fmt(w.serverCpuPct),
      fmt(w.watchersCpuPct),
      fmt(w.load1, 1),
      w.steady ? 'steady' : 'warm-up',
    ]),
  ];
}

function comparisonTable(cs: Comparison[]): string[][] {
  return [['check', 'first steady window', 'last window', 'change', 'limit', 'verdict'], ...cs.map((c) => [c.metric, c.first, c.last, c.change, c.limit, verdict(c.pass)])];
}

function renderTable(rows: string[][], markdown: boolean): string {
  if (markdown) {
    const esc = (c: string): string => c.replace(/\|/g, '\\|');
    return [`| ${rows[0]!.map(esc).join(' | ')} |`, `|${' --- |'.repeat(rows[0]!.length)}`, ...rows.slice(1).map((r) => `| ${r.map(esc).join(' | ')} |`)].join('\n');
  }
  const w = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(w[i]!)).join('  ').trimEnd()).join('\n');
}

/** Replaces (or adds) this store's section of `path`. */
export function writeSoakMd(path: string, store: string, header: string[], windows: WindowRow[], comparisons: Comparison[], notes: string[], loadAtStart: string): void {
  const begin = `<!-- soak:${store} -->`;
  const end = `<!-- /soak:${store} -->`;
  const section = [
    begin,
    `## ${store}`,
    '',
    ...header.map((h) => `- ${h}`),
    machine(loadAtStart),
    '',
    renderTable(comparisonTable(comparisons), true),
    '',
    'Per window (medians of the samples in each; latencies over the window\'s operations):',
    '',
    renderTable(windowTable(windows), true),
    '',
    ...notes.map((n) => `- ${n}`),
    end,
  ].join('\n');
  const title = [
    '# Soak results (`npx tsx bench/soak.ts`, docs/benchmarks.md R12)',
    '',
    'Each section is the latest run on one store. R12: 1 h at 20 pods/s with 1,000 watchers and a 5 min compaction',
    'interval; RSS drift <= 5%, no fd leak, p99 drift <= 10%, I3 for every watcher. Drift compares the first steady window',
    '(after warm-up: the pod population is full and the first compaction has happened) with the last window.',
    '',
  ].join('\n');
  let doc = existsSync(path) ? readFileSync(path, 'utf8') : title;
  const a = doc.indexOf(begin);
  const b = doc.indexOf(end);
  doc = a >= 0 && b > a ? doc.slice(0, a) + section + doc.slice(b + end.length) : `${doc.trimEnd()}\n\n${section}\n`;
  writeFileSync(path, doc);
}
