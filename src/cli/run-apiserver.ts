/**
 * `km apiserver` and `km local`: storage (etcd or embedded) + compactor + HTTP API server, with
 * graceful shutdown on SIGTERM/SIGINT (a second signal exits at once).
 */
import path from 'node:path';
import type { Flags } from './km';
import { configureLogging, log } from '../util/log';
import { createStorage } from '../storage/factory';
import { Compactor } from '../storage/compactor';
import { startApiServer } from '../apiserver/server';
import { onShutdownSignal } from './shutdown';
import { startMemoryReturner } from '../util/return-freed-memory';

export interface ApiServerFlags {
  address: string;
  port: number;
  etcdServers: string[];
  etcdPrefix: string;
  dataDir: string;
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  portalNet: string;
  serviceNodePortRange: string;
  compactionIntervalSeconds: number;
  masterLeaseTtlMs: number;
  maxRequestsInflight: number;
  maxMutatingRequestsInflight: number;
  maxInflightWaitMs: number;
}

export function apiServerFlags(f: Flags): ApiServerFlags {
  const str = (k: string): string | undefined => (typeof f[k] === 'string' && f[k] !== '' ? (f[k] as string) : undefined);
  return {
    address: str('address') ?? '127.0.0.1',
    port: typeof f['port'] === 'number' ? f['port'] : 8888,
    etcdServers: Array.isArray(f['etcd-servers']) ? (f['etcd-servers'] as string[]) : [],
    etcdPrefix: str('etcd-prefix') ?? '/registry',
    dataDir: path.resolve(str('data-dir') ?? './km-data'),
    caFile: str('etcd-cafile'),
    certFile: str('etcd-certfile'),
    keyFile: str('etcd-keyfile'),
    portalNet: str('portal-net') ?? '10.10.10.0/24',
    serviceNodePortRange: str('service-node-port-range') ?? '30000-32767',
    compactionIntervalSeconds: typeof f['compaction-interval'] === 'number' ? f['compaction-interval'] : 300,
    masterLeaseTtlMs: typeof f['master-lease-ttl'] === 'number' ? f['master-lease-ttl'] : 35_000,
    maxRequestsInflight: typeof f['max-requests-inflight'] === 'number' ? f['max-requests-inflight'] : 400,
    maxMutatingRequestsInflight: typeof f['max-mutating-requests-inflight'] === 'number' ? f['max-mutating-requests-inflight'] : 200,
    maxInflightWaitMs: typeof f['max-inflight-wait'] === 'number' ? f['max-inflight-wait'] : 250,
  };
}

function setupLogging(f: Flags): void {
  configureLogging({
    verbosity: typeof f['v'] === 'number' ? f['v'] : 0,
    format: f['log-format'] === 'json' ? 'json' : 'text',
    toStderr: f['logtostderr'] !== false,
  });
}

async function serve(f: Flags, banner: (url: string) => string, withControllers = false): Promise<void> {
  setupLogging(f);
  const cfg = apiServerFlags(f);
  const storage = await createStorage({
    etcdServers: cfg.etcdServers.length > 0 ? cfg.etcdServers : undefined,
    dataDir: cfg.dataDir,
    caFile: cfg.caFile,
    certFile: cfg.certFile,
    keyFile: cfg.keyFile,
  });
  const compactor = cfg.compactionIntervalSeconds > 0 ? new Compactor(storage, {
          intervalMs: cfg.compactionIntervalSeconds * 1000,
          onError: (err: unknown) => log.warn('compaction failed; retrying at the next interval', { error: err instanceof Error ? err.message : String(err) }),
        }) : undefined;
  compactor?.start();
  const api = await startApiServer({
    storage,
    address: cfg.address,
    port: cfg.port,
    etcdPrefix: cfg.etcdPrefix,
    serviceClusterIpRange: cfg.portalNet,
    serviceNodePortRange: cfg.serviceNodePortRange,
    maxRequestsInflight: cfg.maxRequestsInflight,
    maxMutatingRequestsInflight: cfg.maxMutatingRequestsInflight,
    maxInflightWaitMs: cfg.maxInflightWaitMs,
    masterLeaseTtlMs: cfg.masterLeaseTtlMs,
    defaultServicesIntervalMs: Math.min(10_000, Math.max(100, Math.floor(cfg.masterLeaseTtlMs / 3))),
    logger: log,
  });
  log.info(banner(api.url), { storage: storage.kind, dataDir: storage.kind === 'sqlite' ? cfg.dataDir : undefined });
  const memory = startMemoryReturner();
  if (!memory) log.info('freed C heap is not returned to the OS here (no glibc malloc_trim through koffi)');
  // `km local`: the controllers run in the same process, still as HTTP clients of the API.
  const controllers = withControllers
    ? await (await import('../controllers/controller-manager')).startControllerManager({
        servers: [api.url.replace('://0.0.0.0:', '://127.0.0.1:')],
        address: '127.0.0.1',
        port: 0,
        leaderElect: f['leader-elect'] === true,
        terminatedPodGcThreshold: 12500,
      })
    : undefined;
  onShutdownSignal(async () => {
    log.info('shutting down');
    await controllers?.stop();
    compactor?.stop();
    memory?.stop();
    await api.close();
    await storage.close();
  });
}

export async function runApiServer(f: Flags): Promise<void> {
  await serve(f, (url) => `km apiserver serving on ${url}`);
}

export async function runLocal(f: Flags): Promise<void> {
  await serve(f, (url) => `km local: API server on ${url} (embedded store) with controllers. Try: kubectl --server=${url} get pods`, true);
}
