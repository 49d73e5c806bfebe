/**
 * `kubectl get pods` wall time against km vs against a static server replaying the exact bytes km
 * answered (what kubectl itself costs). A recording proxy captures km's answers per URL.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median } from './stats';

export const KUBECTL = process.env.KUBECTL ?? '/usr/lib/google-cloud-sdk/bin/kubectl.1.32';

interface Recorded {
  status: number;
  headers: http.OutgoingHttpHeaders;
  body: Buffer;
}

function listen(server: http.Server): Promise<string> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)),
  );
}

const KEEP = ['content-type', 'audit-id', 'cache-control', 'x-kubernetes-pf-flowschema-uid', 'x-kubernetes-pf-prioritylevel-uid'];

/** Forward every request to `upstream`, remembering the answer by method + URL. */
async function recordingProxy(upstream: string, store: Map<string, Recorded>): Promise<{ url: string; close(): void }> {
  const server = http.createServer((req, res) => {
    const up = http.request(upstream + (req.url ?? '/'), { method: req.method, headers: { ...req.headers, host: new URL(upstream).host } }, (ur) => {
      const chunks: Buffer[] = [];
      ur.on('data', (c: Buffer) => chunks.push(c));
      ur.on('end', () => {
        const body = Buffer.concat(chunks);
        const headers: http.OutgoingHttpHeaders = {};
        for (const k of KEEP) if (ur.headers[k] !== undefined) headers[k] = ur.headers[k];
        store.set(`${req.method} ${req.url}`, { status: ur.statusCode ?? 502, headers, body });
        res.writeHead(ur.statusCode ?? 502, { ...headers, 'content-length': body.length });
        res.end(body);
      });
    });
    up.on('error', () => {
      res.writeHead(502);
      res.end();
    });
    req.pipe(up);
  });
  const url = await listen(server);
  return { url, close: () => server.close() };
}

/** Serve recorded answers only; anything not recorded is a 404 (and counted). */
async function staticServer(store: Map<string, Recorded>): Promise<{ url: string; misses: () => number; close(): void }> {
  let misses = 0;
  const server = http.createServer((req, res) => {
    const r = store.get(`${req.method} ${req.url}`);
    req.resume();
    if (!r) {
      misses++;
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"kind":"Status","apiVersion":"v1","status":"Failure","code":404}');
      return;
    }
    res.writeHead(r.status, { ...r.headers, 'content-length': r.body.length });
    res.end(r.body);
  });
  const url = await listen(server);
  return { url, misses: () => misses, close: () => server.close() };
}

/** One `kubectl get pods` with a fresh cache dir; resolves wall ms and stdout line count. */
function runKubectl(server: string, ns: string): Promise<{ ms: number; lines: number }> {
  const cache = mkdtempSync(join(tmpdir(), 'km-kubectl-cache-'));
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(KUBECTL, ['--kubeconfig=/dev/null', `--server=${server}`, `--cache-dir=${cache}`, 'get', 'pods', '-n', ns], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      const ms = performance.now() - t0;
      rmSync(cache, { recursive: true, force: true });
      if (code !== 0) reject(new Error(`kubectl exited ${code}: ${err.slice(0, 500)}`));
      else resolve({ ms, lines: out.trim().split('\n').length });
    });
  });
}

export interface KubectlResult {
  kmMs: number;
  staticMs: number;
  lines: number;
  requests: number;
  misses: number;
}

export async function benchKubectl(kmUrl: string, ns: string, reps: number): Promise<KubectlResult> {
  const store = new Map<string, Recorded>();
  const proxy = await recordingProxy(kmUrl, store);
  const first = await runKubectl(proxy.url, ns); // records every URL kubectl asks for
  proxy.close();
  const stat = await staticServer(store);
  try {
    await runKubectl(stat.url, ns); // warm the page cache for the binary
    const km: number[] = [];
    const st: number[] = [];
    for (let i = 0; i < reps; i++) {
      km.push((await runKubectl(kmUrl, ns)).ms);
      st.push((await runKubectl(stat.url, ns)).ms);
    }
    return { kmMs: median(km), staticMs: median(st), lines: first.lines, requests: store.size, misses: stat.misses() };
  } finally {
    stat.close();
  }
}
