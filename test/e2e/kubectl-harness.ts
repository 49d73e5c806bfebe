/**
 * E2E harness for stock kubectl: a real km API server (startApiServer, as `km apiserver` runs it,
 * over SQLite or a real etcd, on a free loopback port) and a runner for the real kubectl binaries
 * with a fresh kubeconfig and discovery cache per session.
 */
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startApiServer } from '../../src/apiserver/server';
import { SqliteStorage } from '../../src/storage/sqlite-storage';
import { EtcdStorage } from '../../src/storage/etcd-storage';
import type { Storage } from '../../src/storage/interface';
import { startEtcd } from '../helpers/etcd-process';

export const KUBECTL: Record<string, string> = {
  '1.20': '/opt/kubectl-1.20/usr/bin/kubectl',
  '1.27': '/usr/lib/google-cloud-sdk/bin/kubectl.1.27',
  '1.32': '/usr/lib/google-cloud-sdk/bin/kubectl.1.32',
  '1.33': '/usr/lib/google-cloud-sdk/bin/kubectl.1.33',
};

export type Backend = 'sqlite' | 'etcd';

export interface KmServer {
  url: string;
  close(): Promise<void>;
}

export async function startKmServer(backend: Backend): Promise<KmServer> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'km-kubectl-'));
  let storage: Storage;
  let stopEtcd: (() => Promise<void>) | undefined;
  if (backend === 'etcd') {
    const etcd = await startEtcd();
    stopEtcd = () => etcd.cleanup();
    storage = EtcdStorage.create({ endpoints: [etcd.endpoint] });
  } else {
    storage = SqliteStorage.open({ dataDir, synchronous: 'NORMAL' });
  }
  const api = await startApiServer({ storage, address: '127.0.0.1', port: 0, serviceClusterIpRange: '10.0.0.0/24' });
  return {
    url: api.url,
    async close() {
      await api.close();
      await storage.close();
      if (stopEtcd) await stopEtcd();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Kubectl {
  (...args: string[]): Promise<RunResult>;
  /** Run with stdin and extra environment. */
  withInput(input: string | undefined, env: Record<string, string>, ...args: string[]): Promise<RunResult>;
  /** Start a long-running command (e.g. `get -w`); the caller must stop() it. */
  spawn(...args: string[]): Streaming;
  dir: string;
  cleanup(): void;
}

export interface Streaming {
  /** Resolves once stdout contains `text` (rejects after `timeoutMs`). */
  waitFor(text: string | RegExp, timeoutMs?: number): Promise<string>;
  output(): string;
  /** Resolves with the exit code once the command ends by itself (rejects after `timeoutMs`). */
  exitCode(timeoutMs: number): Promise<number>;
  stop(): Promise<void>;
}

const RUN_TIMEOUT_MS = 45_000;

/** A kubectl of one version with its own kubeconfig, HOME and discovery cache (fresh per session). */
export function kubectl(version: string, serverUrl: string): Kubectl {
  const bin = KUBECTL[version]!;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `km-kubectl-${version}-`));
  const kubeconfig = path.join(dir, 'kubeconfig');
  fs.writeFileSync(
    kubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: km',
      `  cluster: {server: "${serverUrl}"}`,
      'contexts:',
      '- name: km',
      '  context: {cluster: km, namespace: default, user: km}',
      'current-context: km',
      'users:',
      '- name: km',
      '  user: {}',
      '',
    ].join('\n'),
  );
  const baseArgs = ['--kubeconfig', kubeconfig, '--cache-dir', path.join(dir, 'cache')];
  const baseEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, KUBECONFIG: kubeconfig };

  const run = (input: string | undefined, env: Record<string, string>, args: string[]): Promise<RunResult> =>
    new Promise((resolve) => {
      const child = execFile(bin, [...baseArgs, ...args], { env: { ...baseEnv, ...env }, timeout: RUN_TIMEOUT_MS, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      });
      if (input !== undefined) child.stdin?.end(input);
      else child.stdin?.end();
    });

  const k = ((...args: string[]) => run(undefined, {}, args)) as Kubectl;
  k.withInput = (input, env, ...args) => run(input, env, args);
  k.dir = dir;
  k.cleanup = () => fs.rmSync(dir, { recursive: true, force: true });
  k.spawn = (...args: string[]): Streaming => {
    const child: ChildProcess = spawn(bin, [...baseArgs, ...args], { env: baseEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? -1)));
    return {
      output: () => out,
      exitCode: (timeoutMs) =>
        Promise.race([
          exited,
          new Promise<number>((_, reject) => setTimeout(() => reject(new Error(`still running after ${timeoutMs} ms:\n${out}`)), timeoutMs).unref()),
        ]),
      async waitFor(text, timeoutMs = 20_000) {
        const deadline = Date.now() + timeoutMs;
        const has = (): boolean => (typeof text === 'string' ? out.includes(text) : text.test(out));
        while (!has()) {
          if (Date.now() > deadline) throw new Error(`timed out waiting for ${String(text)}; output so far:\n${out}`);
          await new Promise((r) => setTimeout(r, 100));
        }
        return out;
      },
      async stop() {
        if (child.exitCode === null) child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 5000).unref())]);
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      },
    };
  };
  return k;
}

/** Write a file into the session dir and return its path. */
export function writeFile(k: Kubectl, name: string, content: string): string {
  const p = path.join(k.dir, name);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, content);
  return p;
}

/** Table lines split into cells on runs of 2+ spaces (kubectl's tabwriter output). */
export function rows(stdout: string): string[][] {
  return stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => l.trim().split(/\s{2,}/));
}
