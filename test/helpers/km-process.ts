/**
 * Runs real `km` component processes for end-to-end tests (from the TypeScript sources through tsx,
 * so tests never run a stale build), on free loopback ports, and kills them after.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './etcd-process';

const root = path.resolve(__dirname, '../..');
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const p of live) p.kill('SIGKILL');
});

export interface KmProcess {
  proc: ChildProcess;
  /** Base URL of its HTTP port (API server, or health port for other components). */
  url: string;
  port: number;
  output(): string;
  /** SIGTERM and wait for exit; resolves the exit code. */
  stop(): Promise<number | null>;
  kill9(): Promise<void>;
}

export async function waitForHttp(url: string, timeoutMs = 30_000, proc?: ChildProcess, output?: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (proc && proc.exitCode !== null) throw new Error(`process exited (${proc.exitCode}) before ${url} answered:\n${output?.() ?? ''}`);
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (r.ok) return;
      last = `HTTP ${r.status}`;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} not ready within ${timeoutMs} ms (${last}):\n${output?.() ?? ''}`);
}

export interface StartKmOptions {
  /** Extra flags; `--port` (or the health port flag) is added unless given. */
  args?: string[];
  /** Path polled until 200 (default /healthz). */
  readyPath?: string;
  /** Flag that sets the HTTP port (default --port). */
  portFlag?: string;
  env?: NodeJS.ProcessEnv;
}

export async function startKm(component: string, opts: StartKmOptions = {}): Promise<KmProcess> {
  const args = [...(opts.args ?? [])];
  const portFlag = opts.portFlag ?? '--port';
  let port: number;
  const given = args.find((a) => a.startsWith(`${portFlag}=`));
  if (given) port = Number(given.split('=')[1]);
  else {
    port = await freePort();
    args.push(`${portFlag}=${port}`);
  }
  let out = '';
  const proc = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'test/cli/km-entry.ts'), component, ...args], {
    cwd: root,
    env: { ...process.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(proc);
  proc.once('exit', () => live.delete(proc));
  const keep = (d: Buffer): void => {
    out += d.toString();
    if (out.length > 200_000) out = out.slice(-100_000);
  };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(url + (opts.readyPath ?? '/healthz'), 30_000, proc, () => out);
  } catch (err) {
    proc.kill('SIGKILL');
    throw err;
  }
  const exited = (): Promise<number | null> =>
    proc.exitCode !== null || proc.signalCode !== null ? Promise.resolve(proc.exitCode) : new Promise((r) => proc.once('exit', (c) => r(c)));
  return {
    proc,
    url,
    port,
    output: () => out,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 15_000);
      const code = await exited();
      clearTimeout(t);
      return code;
    },
    async kill9() {
      proc.kill('SIGKILL');
      await exited();
    },
  };
}

export function tempDir(prefix = 'km-e2e-'): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
