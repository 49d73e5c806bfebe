/**
 * Real etcd processes for integration tests and benchmarks: free loopback ports, a temp data dir,
 * bounded health waits, and no process ever outliving the Node process that started it.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type ClientRequest } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ETCD_BIN = process.env.ETCD_BIN ?? '/usr/bin/etcd';
const HOST = '127.0.0.1';
const HEALTH_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 5_000;

/** Every process we started and have not reaped: killed on Node exit so none survive a crashed test. */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of live) {
      try {
        child.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  });
}

/**
 * A tiny shell that SIGKILLs `pid` when its stdin closes, i.e. when this Node process dies for any
 * reason, including SIGKILL, where no 'exit' hook runs. Unref'd so it never keeps Node alive.
 */
function deathGuard(pid: number | undefined): ChildProcess | undefined {
  if (pid === undefined) return undefined;
  const guard = spawn('/bin/sh', ['-c', `read _ ; kill -9 ${pid} 2>/dev/null`], { stdio: ['pipe', 'ignore', 'ignore'] });
  guard.on('error', () => undefined);
  guard.unref();
  (guard.stdin as (NodeJS.WritableStream & { unref?: () => void }) | null)?.unref?.();
  return guard;
}

/** An ephemeral loopback port. There is a tiny race until etcd binds it; callers start within ms. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, HOST, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Client TLS material for a TLS etcd (file paths, as a server would be configured). */
export interface EtcdClientTls {
  caFile: string;
  certFile: string;
  keyFile: string;
}

function tlsRequestOptions(tls: EtcdClientTls | undefined): RequestOptions {
  if (tls === undefined) return {};
  return { ca: readFileSync(tls.caFile), cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) };
}

function anyRequest(url: string, opts: RequestOptions, cb: (res: IncomingMessage) => void): ClientRequest {
  return url.startsWith('https:') ? httpsRequest(url, opts, cb) : request(url, opts, cb);
}

/**
 * A throwaway CA, a server certificate for 127.0.0.1/localhost and a client certificate, made with
 * the openssl CLI in `dir`.
 */
export function makeTestCerts(dir: string): { server: EtcdClientTls; client: EtcdClientTls } {
  mkdirSync(dir, { recursive: true });
  const f = (n: string): string => join(dir, n);
  const ossl = (...args: string[]): void => {
    execFileSync('openssl', args, { stdio: 'ignore' });
  };
  ossl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=km-test-ca', '-keyout', f('ca.key'), '-out', f('ca.crt'));
  writeFileSync(f('server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n');
  writeFileSync(f('client.ext'), 'extendedKeyUsage=clientAuth\n');
  for (const who of ['server', 'client']) {
    ossl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=km-test-${who}`, '-keyout', f(`${who}.key`), '-out', f(`${who}.csr`));
    ossl('x509', '-req', '-in', f(`${who}.csr`), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial', '-days', '2',
      '-extfile', f(`${who}.ext`), '-out', f(`${who}.crt`));
  }
  return {
    server: { caFile: f('ca.crt'), certFile: f('server.crt'), keyFile: f('server.key') },
    client: { caFile: f('ca.crt'), certFile: f('client.crt'), keyFile: f('client.key') },
  };
}

function httpGet(url: string, timeoutMs: number, tls?: EtcdClientTls): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = anyRequest(url, { method: 'GET', timeout: timeoutMs, ...tlsRequestOptions(tls) }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Wait (bounded) until etcd's /health says true. */
async function waitHealthy(
  endpoint: string,
  child: () => ChildProcess | undefined,
  timeoutMs: number,
  tls?: EtcdClientTls,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const c = child();
    if (c === undefined || c.exitCode !== null || c.signalCode !== null) {
      throw new Error(`etcd at ${endpoint} exited before becoming healthy: ${last}`);
    }
    try {
      const res = await httpGet(`${endpoint}/health`, 1000, tls);
      if (res.status === 200 && res.body.includes('"true"')) return;
      last = `${res.status} ${res.body}`;
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    await sleep(50);
  }
  throw new Error(`etcd at ${endpoint} not healthy within ${timeoutMs} ms: ${last}`);
}

interface MemberSpec {
  name: string;
  dataDir: string;
  clientPort: number;
  peerPort: number;
}

/** One etcd member process; restartable on the same ports and data dir. */
export class EtcdMember {
  private child: ChildProcess | undefined;
  private stderrTail = '';

  constructor(
    readonly spec: MemberSpec,
    private readonly clusterArgs: string[],
    private readonly extraArgs: string[],
    /** When set, the client port serves TLS and requires client certificates. */
    private readonly tls?: { server: EtcdClientTls; client: EtcdClientTls },
  ) {}

  get endpoint(): string {
    return `${this.tls !== undefined ? 'https' : 'http'}://${HOST}:${this.spec.clientPort}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Spawn without waiting for health (a cluster needs all members spawned before any is healthy). */
  spawn(): void {
    if (this.running) throw new Error(`etcd ${this.spec.name} already running`);
    installExitHook();
    const { name, dataDir, peerPort } = this.spec;
    const args = [
      '--name', name,
      '--data-dir', dataDir,
      '--listen-client-urls', this.endpoint,
      '--advertise-client-urls', this.endpoint,
      ...(this.tls !== undefined
        ? [
            '--cert-file', this.tls.server.certFile,
            '--key-file', this.tls.server.keyFile,
            '--trusted-ca-file', this.tls.server.caFile,
            '--client-cert-auth',
          ]
        : []),
      '--listen-peer-urls', `http://${HOST}:${peerPort}`,
      '--initial-advertise-peer-urls', `http://${HOST}:${peerPort}`,
      '--log-level', 'error',
      '--logger', 'zap',
      ...this.clusterArgs,
      ...this.extraArgs,
    ];
    const child = spawn(ETCD_BIN, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    this.stderrTail = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (c: string) => {
      this.stderrTail = (this.stderrTail + c).slice(-4000);
    });
    const guard = deathGuard(child.pid);
    const reap = (): void => {
      live.delete(child);
      guard?.kill('SIGKILL');
    };
    child.on('exit', reap);
    child.on('error', reap);
    live.add(child);
    this.child = child;
  }

  async waitHealthy(timeoutMs = HEALTH_TIMEOUT_MS): Promise<void> {
    try {
      await waitHealthy(this.endpoint, () => this.child, timeoutMs, this.tls?.client);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${this.stderrTail}`);
    }
  }

  async start(): Promise<void> {
    this.spawn();
    await this.waitHealthy();
  }

  /** Graceful stop (SIGTERM), escalating to SIGKILL after a bound. */
  async stop(): Promise<void> {
    await this.signalAndWait('SIGTERM', STOP_TIMEOUT_MS);
    if (this.running) await this.signalAndWait('SIGKILL', STOP_TIMEOUT_MS);
  }

  /** Crash: SIGKILL and wait for the exit. */
  async kill9(): Promise<void> {
    await this.signalAndWait('SIGKILL', STOP_TIMEOUT_MS);
  }

  /** Freeze / thaw the process (a disk stall or partition). */
  pause(): void {
    this.child?.kill('SIGSTOP');
  }

  resume(): void {
    this.child?.kill('SIGCONT');
  }

  private async signalAndWait(sig: NodeJS.Signals, timeoutMs: number): Promise<void> {
    const child = this.child;
    if (child === undefined || !this.running) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    if (sig !== 'SIGKILL') child.kill('SIGCONT'); // a paused process cannot handle SIGTERM
    child.kill(sig);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([exited, new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)))]);
    clearTimeout(timer);
  }
}

export interface EtcdProcess {
  /** e.g. http://127.0.0.1:23790 */
  readonly endpoint: string;
  readonly dataDir: string;
  readonly member: EtcdMember;
  /** Client certificate, key and CA when started with `tls: true`. */
  readonly tls?: EtcdClientTls;
  stop(): Promise<void>;
  kill9(): Promise<void>;
  /** Start again on the same ports and data dir (stops it first if still running); waits for health. */
  restart(): Promise<void>;
  /** Kill and remove the data dir. Idempotent. */
  cleanup(): Promise<void>;
}

export interface EtcdStartOptions {
  /** Extra etcd flags, e.g. ['--quota-backend-bytes', '16777216']. */
  extraArgs?: string[];
  /** Serve the client port over TLS with client-certificate auth (certificates made with openssl). */
  tls?: boolean;
}

/** Start a single-member etcd on free loopback ports with a fresh temp data dir. */
export async function startEtcd(opts: EtcdStartOptions = {}): Promise<EtcdProcess> {
  const root = mkdtempSync(join(tmpdir(), 'km-etcd-'));
  const [clientPort, peerPort] = [await freePort(), await freePort()];
  const spec: MemberSpec = { name: 'default', dataDir: join(root, 'data'), clientPort, peerPort };
  const certs = opts.tls === true ? makeTestCerts(join(root, 'certs')) : undefined;
  const member = new EtcdMember(
    spec,
    ['--initial-cluster', `default=http://${HOST}:${peerPort}`, '--initial-cluster-state', 'new'],
    opts.extraArgs ?? [],
    certs,
  );
  try {
    await member.start();
  } catch (err) {
    await member.kill9();
    rmSync(root, { recursive: true, force: true });
    throw err;
  }
  let cleaned = false;
  return {
    endpoint: member.endpoint,
    dataDir: spec.dataDir,
    member,
    ...(certs !== undefined ? { tls: certs.client } : {}),
    stop: () => member.stop(),
    kill9: () => member.kill9(),
    restart: async () => {
      await member.stop();
      await member.start();
    },
    cleanup: async () => {
      if (cleaned) return;
      cleaned = true;
      await member.kill9();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

export interface EtcdCluster {
  readonly members: EtcdMember[];
  /** All client endpoints. */
  readonly endpoints: string[];
  /** The member currently leading, by asking each live member's /v3 maintenance status. */
  leaderIndex(): Promise<number>;
  cleanup(): Promise<void>;
}

/** Start an n-member cluster (each member restartable via `members[i].stop()/kill9()/start()`). */
export async function startEtcdCluster(n = 3, opts: EtcdStartOptions = {}): Promise<EtcdCluster> {
  const root = mkdtempSync(join(tmpdir(), 'km-etcd-cluster-'));
  const specs: MemberSpec[] = [];
  for (let i = 0; i < n; i++) {
    specs.push({ name: `m${i}`, dataDir: join(root, `m${i}`), clientPort: await freePort(), peerPort: await freePort() });
  }
  const initialCluster = specs.map((s) => `${s.name}=http://${HOST}:${s.peerPort}`).join(',');
  const members = specs.map(
    (s) =>
      new EtcdMember(
        s,
        ['--initial-cluster', initialCluster, '--initial-cluster-state', 'new', '--initial-cluster-token', 'km-test'],
        opts.extraArgs ?? [],
      ),
  );
  let cleaned = false;
  const cleanup = async (): Promise<void> => {
    if (cleaned) return;
    cleaned = true;
    await Promise.all(members.map((m) => m.kill9()));
    rmSync(root, { recursive: true, force: true });
  };
  try {
    for (const m of members) m.spawn();
    await Promise.all(members.map((m) => m.waitHealthy()));
  } catch (err) {
    await cleanup();
    throw err;
  }
  return {
    members,
    endpoints: members.map((m) => m.endpoint),
    leaderIndex: async () => {
      for (let i = 0; i < members.length; i++) {
        if (!members[i].running) continue;
        try {
          const res = await httpPost(`${members[i].endpoint}/v3/maintenance/status`, '{}', 1000);
          const st = JSON.parse(res) as { header?: { member_id?: string }; leader?: string };
          if (st.leader !== undefined && st.header?.member_id === st.leader) return i;
        } catch {
          // member unreachable: try the next
        }
      }
      return -1;
    },
    cleanup,
  };
}

function httpPost(url: string, body: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', timeout: timeoutMs, headers: { 'content-type': 'application/json' } }, (res) => {
      let out = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (out += c));
      res.on('end', () => resolve(out));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}
