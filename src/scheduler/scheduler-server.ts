/**
 * `km scheduler`: the Mesos framework as a process. An API client of the API server (pods over
 * list+watch, bindings, pods/status, events, the framework id in a ConfigMap), leader election
 * through the Lease kube-system/km-scheduler (only the leader subscribes to Mesos; a replica that
 * loses the lease stops and exits, so two never launch for one pod), and /healthz + /metrics.
 *
 * The mesos cloud provider's node sync runs here, in the leader, rather than in the controller
 * manager: this is the one process that is configured with the Mesos master (zk:// included) and
 * already watches it, and agents are only useful as nodes while a Mesos framework schedules onto
 * them. It goes through the API like everything else, so it could move without other changes.
 */
import os from 'node:os';
import client from 'prom-client';
import { ApiClient } from '../client/api-client';
import { defaultIdentity, LeaderElector } from '../client/leader-election';
import { MesosCloudProvider } from '../cloudprovider/mesos/mesos-provider';
import { MESOS_CLOUD_DEFAULTS } from '../cloudprovider/mesos/config';
import { NodeSyncLoop } from '../cloudprovider/node-sync-loop';
import { ConfigMapFrameworkIdStore, HttpPodSink, HttpPodSource } from './http-pod-client';
import { MesosScheduler } from './scheduler';
import type { MesosSchedulerOptions } from './scheduler';
import { defaultLogger } from './mesos/logger';
import { startHealthServer } from '../util/health-server';

export interface SchedulerServerOptions {
  servers: string[];
  address: string;
  port: number;
  mesosMaster: string;
  mesosUser: string;
  mesosRole: string;
  failoverTimeoutSeconds: number;
  leaderElect: boolean;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  identity?: string;
  /** How often Node objects are brought in line with the Mesos agents. */
  nodeSyncIntervalMs?: number;
  /** Per-pod backoff after no offer fitted. */
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  /** Called when leadership is lost; default exits the process with code 1. */
  onLostLeadership?: () => void;
  /** Extra scheduler options (tests). */
  scheduler?: Partial<MesosSchedulerOptions>;
}

export interface RunningSchedulerServer {
  url: string;
  isLeader(): boolean;
  scheduler(): MesosScheduler | null;
  stop(): Promise<void>;
}

export async function startSchedulerServer(o: SchedulerServerOptions): Promise<RunningSchedulerServer> {
  const api = new ApiClient({ servers: o.servers, userAgent: 'km-scheduler' });
  const identity = o.identity ?? defaultIdentity();
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });

  let sched: MesosScheduler | null = null;
  let nodes: NodeSyncLoop | null = null;
  let provider: MesosCloudProvider | null = null;
  let leading = false;
  let stopping = false;

  const prefix = 'km_scheduler_';
  new client.Gauge({
    name: `${prefix}pending_pods`,
    help: 'Pods waiting in the scheduling queue for a fitting Mesos offer.',
    registers: [registry],
    collect() {
      this.set(sched?.queueDepth ?? 0);
    },
  });
  new client.Gauge({
    name: `${prefix}mesos_subscribed`,
    help: '1 while subscribed to the leading Mesos master.',
    registers: [registry],
    collect() {
      this.set(sched?.connected ? 1 : 0);
    },
  });
  new client.Gauge({
    name: 'leader_election_master_status',
    help: '1 when this replica holds the lease.',
    labelNames: ['name'] as const,
    registers: [registry],
    collect() {
      this.set({ name: 'km-scheduler' }, leading ? 1 : 0);
    },
  });
  const latency = new client.Histogram({
    name: `${prefix}scheduling_duration_seconds`,
    help: 'Time from a pod entering the queue to the Mesos master accepting its launch.',
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  const offers = new client.Counter({ name: `${prefix}offers_total`, help: 'Mesos offers by outcome.', labelNames: ['outcome'] as const, registers: [registry] });
  const launched = new client.Counter({ name: `${prefix}tasks_launched_total`, help: 'Mesos tasks launched for pods.', registers: [registry] });

  const startLeading = async (): Promise<void> => {
    provider = new MesosCloudProvider({ ...MESOS_CLOUD_DEFAULTS, master: o.mesosMaster, stateCacheTtlMs: 1000 });
    nodes = new NodeSyncLoop({ api, provider, intervalMs: o.nodeSyncIntervalMs ?? 5000 });
    nodes.start();
    sched = new MesosScheduler({
      master: o.mesosMaster,
      user: o.mesosUser,
      roles: [o.mesosRole],
      failoverTimeoutSeconds: o.failoverTimeoutSeconds,
      hostname: os.hostname(),
      source: new HttpPodSource(api),
      sink: new HttpPodSink(api),
      frameworkStore: new ConfigMapFrameworkIdStore(api),
      backoff: { initialMs: o.backoffInitialMs ?? 1000, maxMs: o.backoffMaxMs ?? 60_000 },
      logger: defaultLogger,
      metrics: {
        offersReceived: (n) => offers.inc({ outcome: 'received' }, n),
        offersAccepted: (n) => offers.inc({ outcome: 'accepted' }, n),
        offersDeclined: (n) => offers.inc({ outcome: 'declined' }, n),
        tasksLaunched: (n) => launched.inc(n),
        schedulingLatency: (s) => latency.observe(s),
      },
      ...o.scheduler,
    });
    await sched.start();
  };

  const stopLeading = async (): Promise<void> => {
    const s = sched;
    sched = null;
    await Promise.allSettled([s?.stop(), nodes?.stop()]);
    nodes = null;
    provider?.stop();
    provider = null;
  };

  const onStarted = (): void => {
    leading = true;
    defaultLogger.info('km scheduler is leading: subscribing to Mesos', { identity, master: o.mesosMaster });
    startLeading().catch((e: unknown) => {
      defaultLogger.error('scheduler failed to start', { error: e instanceof Error ? e.message : String(e) });
      void stopLeading().then(() => (o.onLostLeadership ?? (() => process.exit(1)))());
    });
  };
  const elector = o.leaderElect
    ? new LeaderElector({
        client: api,
        namespace: 'kube-system',
        name: 'km-scheduler',
        identity,
        leaseDurationMs: o.leaseDurationMs,
        renewDeadlineMs: o.renewDeadlineMs,
        retryPeriodMs: o.retryPeriodMs,
        onStartedLeading: onStarted,
        onStoppedLeading: () => {
          leading = false;
          if (stopping) return;
          defaultLogger.error('km scheduler lost its lease: stopping', { identity });
          void stopLeading().then(() => (o.onLostLeadership ?? (() => process.exit(1)))());
        },
        onNewLeader: (who) => {
          if (who !== identity) defaultLogger.info('another km scheduler leads', { leader: who });
        },
      })
    : null;

  const health = await startHealthServer(o.address, o.port, registry);

  if (elector) elector.start();
  else onStarted();

  return {
    url: health.url,
    isLeader: () => leading,
    scheduler: () => sched,
    async stop() {
      stopping = true;
      // Stop the framework first (its tasks keep running for a successor), then release the lease.
      await stopLeading();
      await elector?.stop();
      await health.close();
      api.close();
    },
  };
}
