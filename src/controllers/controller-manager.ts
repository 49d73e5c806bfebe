/**
 * `km controller-manager`: informers over HTTP, the controllers, leader election through a Lease in
 * kube-system, and /healthz + /metrics on its own port. Only the leader runs controllers; a replica
 * that loses the lease exits (as kube-controller-manager does) so it never acts on stale leadership.
 */
import client from 'prom-client';
import type { Pod, Service, ReplicationController, Namespace, Node } from 'kubernetes-types/core/v1';
import type { KubeObject } from '../api/types';
import { ApiClient } from '../client/api-client';
import { Informer } from '../client/informer';
import { defaultIdentity, LeaderElector } from '../client/leader-election';
import type { Controller } from './controller';
import { EndpointsController } from './endpoints-controller';
import { ReplicationManager } from './replication-manager';
import { NamespaceController } from './namespace-controller';
import { GarbageCollector, PodGarbageCollector } from './garbage-collector';
import { log } from '../util/log';
import { startHealthServer } from '../util/health-server';

export interface ControllerManagerOptions {
  servers: string[];
  address: string;
  port: number;
  leaderElect: boolean;
  terminatedPodGcThreshold: number;
  identity?: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  /** Called when leadership is lost; default exits the process with code 1. */
  onLostLeadership?: () => void;
}

export interface RunningControllerManager {
  url: string;
  isLeader(): boolean;
  stop(): Promise<void>;
}

export async function startControllerManager(o: ControllerManagerOptions): Promise<RunningControllerManager> {
  const api = new ApiClient({ servers: o.servers, userAgent: 'km-controller-manager' });
  const identity = o.identity ?? defaultIdentity();
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });

  let controllers: Controller[] = [];
  let informers: Informer[] = [];
  let podGc: PodGarbageCollector | undefined;
  let leading = false;

  new client.Gauge({
    name: 'workqueue_depth',
    help: 'Current depth of each controller work queue.',
    labelNames: ['name'] as const,
    registers: [registry],
    collect() {
      for (const c of controllers) this.set({ name: c.name }, c.queueLength());
    },
  });
  new client.Gauge({
    name: 'leader_election_master_status',
    help: '1 when this replica holds the lease.',
    labelNames: ['name'] as const,
    registers: [registry],
    collect() {
      this.set({ name: 'kube-controller-manager' }, leading ? 1 : 0);
    },
  });

  const startControllers = async (): Promise<void> => {
    const pods = new Informer<Pod & KubeObject>(api, { resource: 'pods' }, { resyncMs: 60_000 });
    const services = new Informer<Service & KubeObject>(api, { resource: 'services' }, { resyncMs: 60_000 });
    const rcs = new Informer<ReplicationController & KubeObject>(api, { resource: 'replicationcontrollers' }, { resyncMs: 60_000 });
    const namespaces = new Informer<Namespace & KubeObject>(api, { resource: 'namespaces' }, { resyncMs: 60_000 });
    const nodes = new Informer<Node & KubeObject>(api, { resource: 'nodes' });
    informers = [pods, services, rcs, namespaces, nodes] as Informer[];
    controllers = [
      new EndpointsController(api, services, pods),
      new ReplicationManager(api, rcs, pods),
      new NamespaceController(api, namespaces),
      new GarbageCollector(api, pods, rcs),
    ];
    podGc = new PodGarbageCollector(api, pods, nodes, o.terminatedPodGcThreshold);
    for (const i of informers) i.start();
    await Promise.all(informers.map((i) => i.waitForSync()));
    for (const c of controllers) c.run(c.name === 'replication-manager' || c.name === 'endpoints-controller' ? 4 : 2);
    podGc.start();
    log.info('controller-manager: controllers started', { controllers: controllers.map((c) => c.name) });
  };

  const stopControllers = async (): Promise<void> => {
    podGc?.stop();
    await Promise.all(controllers.map((c) => c.stop()));
    await Promise.all(informers.map((i) => i.stop()));
    controllers = [];
    informers = [];
  };

  const health = await startHealthServer(o.address, o.port, registry);

  let elector: LeaderElector | undefined;
  if (o.leaderElect) {
    elector = new LeaderElector({
      client: api,
      namespace: 'kube-system',
      name: 'kube-controller-manager',
      identity,
      leaseDurationMs: o.leaseDurationMs,
      renewDeadlineMs: o.renewDeadlineMs,
      retryPeriodMs: o.retryPeriodMs,
      onStartedLeading: () => {
        leading = true;
        void startControllers();
      },
      onStoppedLeading: () => {
        leading = false;
        void stopControllers();
        (o.onLostLeadership ?? (() => process.exit(1)))();
      },
      onNewLeader: (id) => log.info('controller-manager: leader is', { identity: id }),
    });
    elector.start();
  } else {
    leading = true;
    await startControllers();
  }

  return {
    url: health.url,
    isLeader: () => leading,
    async stop() {
      await elector?.stop();
      await stopControllers();
      leading = false;
      await health.close();
      api.close();
    },
  };
}
