/**
 * Leader election through a coordination.k8s.io/v1 Lease, as client-go's leaderelection does:
 * - the holder renews `spec.renewTime` every `retryPeriodMs`;
 * - a candidate takes the lease only when the record it last observed has not changed for
 *   `leaseDurationMs` of *its own* clock (so clock skew between machines doesn't matter);
 * - every write is a compare-and-swap on resourceVersion, so two candidates can't both win;
 * - a leader that cannot renew within `renewDeadlineMs` stops leading (`onStoppedLeading`; callers
 *   exit, as kube's components do, so nothing acts on stale leadership).
 */
import os from 'node:os';
import type { KubeObject } from '../api/types';
import type { ApiClient, ResourcePath } from './api-client';
import { isConflict, isNotFound, isAlreadyExists } from './api-client';
import type { Clock } from './work-queue';
import { realClock } from './work-queue';
import { log } from '../util/log';

/** A holder identity unique per process, as kube's components build theirs (host, pid, random suffix). */
export function defaultIdentity(): string {
  return `${os.hostname()}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
}

export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

export interface Lease extends KubeObject {
  spec?: LeaseSpec;
}

export interface LeaderElectionOptions {
  client: ApiClient;
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  clock?: Clock;
  onStartedLeading: () => void;
  onStoppedLeading: () => void;
  onNewLeader?: (identity: string) => void;
}

const microTime = (ms: number): string => new Date(ms).toISOString().replace('Z', '000Z'); // metav1.MicroTime

export class LeaderElector {
  private observedRecord = '';
  private observedAt = 0;
  private leading = false;
  private stopped = false;
  private lastRenew = 0;
  private timer?: { cancel(): void };
  private readonly clock: Clock;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly path: ResourcePath;
  private knownLeader = '';

  constructor(private readonly o: LeaderElectionOptions) {
    this.clock = o.clock ?? realClock;
    this.leaseDurationMs = o.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = o.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = o.retryPeriodMs ?? 2_000;
    this.path = { group: 'coordination.k8s.io', version: 'v1', resource: 'leases', namespace: o.namespace, name: o.name };
  }

  isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    void this.tick();
  }

  /** Stop campaigning; a leader releases the lease (holder cleared) so another can take over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    if (this.leading) {
      this.leading = false;
      try {
        const lease = await this.o.client.get<Lease>(this.path);
        if (lease.spec?.holderIdentity === this.o.identity) {
          await this.o.client.update(this.path, { ...lease, spec: { ...lease.spec, holderIdentity: '', leaseDurationSeconds: 1 } });
        }
      } catch {
        // best effort: the lease expires anyway
      }
    }
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = this.clock.setTimeout(() => void this.tick(), this.retryPeriodMs);
  }

  /** One attempt to acquire or renew; exposed for tests driving a fake clock. */
  async tick(): Promise<void> {
    if (this.stopped) return;
    let ok = false;
    try {
      ok = await this.tryAcquireOrRenew();
    } catch (err) {
      log.warn('leader election: lease request failed', { lease: `${this.o.namespace}/${this.o.name}`, error: err instanceof Error ? err.message : String(err) });
    }
    const now = this.clock.now();
    if (ok) {
      this.lastRenew = now;
      if (!this.leading) {
        this.leading = true;
        log.info('leader election: became leader', { identity: this.o.identity, lease: `${this.o.namespace}/${this.o.name}` });
        this.o.onStartedLeading();
      }
    } else if (this.leading && now - this.lastRenew > this.renewDeadlineMs) {
      this.leading = false;
      log.warn('leader election: lost the lease', { identity: this.o.identity });
      this.o.onStoppedLeading();
      return;
    }
    this.schedule();
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = this.clock.now();
    const mine: LeaseSpec = {
      holderIdentity: this.o.identity,
      leaseDurationSeconds: Math.ceil(this.leaseDurationMs / 1000),
      acquireTime: microTime(now),
      renewTime: microTime(now),
      leaseTransitions: 0,
    };
    let lease: Lease;
    try {
      lease = await this.o.client.get<Lease>(this.path);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      try {
        await this.o.client.create(
          { ...this.path, name: undefined },
          { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: this.o.name, namespace: this.o.namespace }, spec: mine },
        );
        this.observe(JSON.stringify(mine), now);
        return true;
      } catch (e) {
        if (isAlreadyExists(e)) return false;
        throw e;
      }
    }
    const spec = lease.spec ?? {};
    const record = JSON.stringify(spec);
    if (record !== this.observedRecord) this.observe(record, now);
    const holder = spec.holderIdentity ?? '';
    if (holder !== this.knownLeader) {
      this.knownLeader = holder;
      if (holder) this.o.onNewLeader?.(holder);
    }
    const durationMs = (spec.leaseDurationSeconds ?? 0) * 1000;
    const iHold = holder === this.o.identity;
    if (!iHold && holder !== '' && this.observedAt + durationMs > now) return false;
    const next: LeaseSpec = iHold
      ? { ...spec, renewTime: microTime(now), leaseDurationSeconds: mine.leaseDurationSeconds }
      : { ...mine, leaseTransitions: (spec.leaseTransitions ?? 0) + 1 };
    try {
      await this.o.client.update(this.path, { ...lease, spec: next });
    } catch (err) {
      if (isConflict(err)) return false;
      throw err;
    }
    this.observe(JSON.stringify(next), now);
    return true;
  }

  private observe(record: string, at: number): void {
    this.observedRecord = record;
    this.observedAt = at;
  }
}
