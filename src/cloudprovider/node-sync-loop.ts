/**
 * Applies the cloud provider's node plan through the API, periodically: Node objects for new
 * machines, Ready + capacity refreshed for live ones, NotReady for vanished ones, removal after the
 * grace period. An API client like any controller; a failed round is logged and retried next tick.
 */
import type { Node } from 'kubernetes-types/core/v1';
import type { KubeObject } from '../api/types';
import type { ApiClient } from '../client/api-client';
import { isAlreadyExists, isConflict, isNotFound } from '../client/api-client';
import type { CloudProvider } from './interface';
import { planNodeSync } from './node-sync';
import type { Logger } from '../scheduler/mesos/logger';
import { defaultLogger } from '../scheduler/mesos/logger';

type NodeObj = Node & KubeObject;

export interface NodeSyncLoopOptions {
  api: ApiClient;
  provider: CloudProvider;
  intervalMs?: number;
  /** How long a vanished machine's node stays NotReady before it is deleted. */
  removeAfterMs?: number;
  logger?: Logger;
}

export class NodeSyncLoop {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;
  private readonly log: Logger;
  /** Rounds completed without error (health and tests). */
  rounds = 0;

  constructor(private readonly o: NodeSyncLoopOptions) {
    this.log = o.logger ?? defaultLogger;
  }

  start(): void {
    this.stopped = false;
    const tick = (): void => {
      if (this.stopped) return;
      this.running = this.syncOnce()
        .catch((e: unknown) => {
          this.log.warn('node sync failed; retrying', { error: e instanceof Error ? e.message : String(e) });
        })
        .finally(() => {
          this.running = null;
          if (!this.stopped) this.timer = setTimeout(tick, this.o.intervalMs ?? 5000);
        });
    };
    tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  async syncOnce(): Promise<void> {
    const instances = await this.o.provider.instances();
    const existing = (await this.o.api.list<NodeObj>({ resource: 'nodes' })).items;
    const plan = planNodeSync(instances, existing, this.o.provider.name, new Date(), this.o.removeAfterMs ?? 60_000);
    for (const n of plan.create) {
      try {
        const created = await this.o.api.create<NodeObj>({ resource: 'nodes' }, n as NodeObj);
        // Some servers drop status on create (kube keeps it for nodes); write it explicitly then.
        if (!created.status?.conditions?.length) await this.o.api.update({ resource: 'nodes', name: n.metadata?.name ?? '', subresource: 'status' }, { ...created, status: n.status });
        this.log.info('node created for Mesos agent', { node: n.metadata?.name });
      } catch (e) {
        if (!isAlreadyExists(e)) throw e;
      }
    }
    for (const n of plan.updateStatus) {
      try {
        await this.o.api.update({ resource: 'nodes', name: n.metadata?.name ?? '', subresource: 'status' }, n as NodeObj);
      } catch (e) {
        if (!isConflict(e) && !isNotFound(e)) throw e; // next round re-reads
      }
    }
    for (const name of plan.remove) {
      try {
        await this.o.api.delete({ resource: 'nodes', name });
        this.log.info('node removed: its Mesos agent is gone', { node: name });
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
    }
    this.rounds++;
  }
}
