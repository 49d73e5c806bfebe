/**
 * Components that are API clients: controller manager, Mesos scheduler and proxy.
 */
import type { Flags } from './km';
import { configureLogging, log } from '../util/log';
import { onShutdownSignal } from './shutdown';

function setupLogging(f: Flags): void {
  configureLogging({
    verbosity: typeof f['v'] === 'number' ? f['v'] : 0,
    format: f['log-format'] === 'json' ? 'json' : 'text',
    toStderr: f['logtostderr'] !== false,
  });
}

/** --master / --api-servers (both accepted, as in the seed); default the local API server. */
export function apiServersOf(f: Flags): string[] {
  const list = [...((f['master'] as string[] | undefined) ?? []), ...((f['api-servers'] as string[] | undefined) ?? [])];
  return list.length > 0 ? [...new Set(list)] : ['http://127.0.0.1:8888'];
}

export async function runControllerManager(f: Flags): Promise<void> {
  setupLogging(f);
  const { startControllerManager } = await import('../controllers/controller-manager');
  const cm = await startControllerManager({
    servers: apiServersOf(f),
    address: typeof f['address'] === 'string' ? f['address'] : '127.0.0.1',
    port: typeof f['port'] === 'number' ? f['port'] : 10252,
    leaderElect: f['leader-elect'] !== false,
    terminatedPodGcThreshold: typeof f['terminated-pod-gc-threshold'] === 'number' ? f['terminated-pod-gc-threshold'] : 12500,
    leaseDurationMs: f['leader-elect-lease-duration'] as number,
    renewDeadlineMs: f['leader-elect-renew-deadline'] as number,
    retryPeriodMs: f['leader-elect-retry-period'] as number,
  });
  log.info('km controller-manager running', { api: apiServersOf(f), health: cm.url });
  onShutdownSignal(() => cm.stop());
}

/**
 * `km scheduler`: the Mesos framework (issue 8). `--etcd-servers` is accepted for the seed's command
 * line but unused: the scheduler is an API client and never touches storage.
 */
export async function runScheduler(f: Flags): Promise<void> {
  setupLogging(f);
  const { startSchedulerServer } = await import('../scheduler/scheduler-server');
  const s = await startSchedulerServer({
    servers: apiServersOf(f),
    address: typeof f['address'] === 'string' ? f['address'] : '127.0.0.1',
    port: typeof f['port'] === 'number' ? f['port'] : 10251,
    mesosMaster: typeof f['mesos-master'] === 'string' ? f['mesos-master'] : 'localhost:5050',
    mesosUser: typeof f['mesos-user'] === 'string' ? f['mesos-user'] : 'root',
    mesosRole: typeof f['mesos-role'] === 'string' ? f['mesos-role'] : '*',
    failoverTimeoutSeconds: typeof f['failover-timeout'] === 'number' ? f['failover-timeout'] : 604800,
    leaderElect: f['leader-elect'] !== false,
    leaseDurationMs: f['leader-elect-lease-duration'] as number,
    renewDeadlineMs: f['leader-elect-renew-deadline'] as number,
    retryPeriodMs: f['leader-elect-retry-period'] as number,
    nodeSyncIntervalMs: f['node-sync-period'] as number,
    backoffInitialMs: f['scheduler-backoff-initial'] as number,
    backoffMaxMs: f['scheduler-backoff-max'] as number,
  });
  log.info('km scheduler running', { api: apiServersOf(f), mesos: f['mesos-master'], health: s.url });
  onShutdownSignal(() => s.stop());
}

/**
 * The seed runs `km proxy --etcd_servers=http://HOST:4001`: the proxy talks to the API, not etcd,
 * so without --master/--api-servers the etcd host is taken as the API host on port 8888.
 */
export function proxyApiServers(f: Flags): string[] {
  if (f['master'] || f['api-servers']) return apiServersOf(f);
  const etcd = (f['etcd-servers'] as string[] | undefined) ?? [];
  if (etcd.length > 0) return etcd.map((u) => `${new URL(u).protocol}//${new URL(u).hostname}:8888`);
  return ['http://127.0.0.1:8888'];
}

export async function runProxy(f: Flags): Promise<void> {
  setupLogging(f);
  const { startProxy } = await import('../proxy/proxy-server');
  const servers = proxyApiServers(f);
  const p = await startProxy({
    servers,
    bindAddress: typeof f['bind-address'] === 'string' ? f['bind-address'] : '0.0.0.0',
    healthzPort: typeof f['healthz-port'] === 'number' ? f['healthz-port'] : 10249,
    portals: 'auto',
  });
  log.info('km proxy running', { api: servers, health: p.healthUrl, portals: p.portalsEnabled });
  onShutdownSignal(() => p.stop());
}
