/**
 * The Kubernetes framework on Mesos: watches pods through a PodSource, matches waiting pods against
 * Mesos offers, launches one task per pod, binds it to the agent's hostname, and turns task status
 * updates into pod status through a PodSink. Mesos-side state (which task belongs to which pod) is
 * rebuilt after a restart from the task id recorded on the pod before every launch, by explicit
 * reconciliation, so no pod is ever launched twice.
 */
import type { Pod, PodStatus } from 'kubernetes-types/core/v1';
import type { CallResult, MesosClientOptions } from './mesos/client';
import { MesosSchedulerClient } from './mesos/client';
import type { MasterDetector } from './mesos/master-detector';
import type { Logger } from './mesos/logger';
import { defaultLogger } from './mesos/logger';
import type { FrameworkInfo, SchedulerCall, SchedulerEvent, TaskState, TaskStatus } from './mesos/types';
import { TERMINAL_STATES } from './mesos/types';
import type { FrameworkIdStore, PodEvent, PodSink, PodSource, PodWatch } from './pod-source';
import { ANNOTATION_AGENT_ID, ANNOTATION_BINDING_HOST, ANNOTATION_TASK_ID, podRef } from './pod-source';
import type { ResourceDefaults } from './pod-resources';
import { KM_DEFAULTS, podRequirements } from './pod-resources';
import { OfferSlot } from './offer-slot';
import type { Claim } from './offer-slot';
import type { BackoffConfig } from './pod-queue';
import { PodQueue } from './pod-queue';
import type { Containerizer } from './task-builder';
import { buildTaskInfo, taskIdFor, uidFromTaskId } from './task-builder';
import { mapTaskStatus } from './status-mapping';

export interface MesosSchedulerOptions {
  master: string | MasterDetector;
  user: string;
  frameworkName?: string;
  roles?: string[];
  /** Seconds Mesos keeps our tasks while no scheduler is connected. */
  failoverTimeoutSeconds?: number;
  hostname?: string;
  principal?: string;
  source: PodSource;
  sink: PodSink;
  frameworkStore: FrameworkIdStore;
  containerizer?: Containerizer;
  defaults?: ResourceDefaults;
  /** Unused offers are declined after this long. */
  offerTtlMs?: number;
  /** refuse_seconds on declines while pods wait (Mesos default 5). */
  declineRefuseSeconds?: number;
  /** refuse_seconds when nothing waits (we also SUPPRESS then). */
  idleRefuseSeconds?: number;
  backoff?: BackoffConfig;
  /** Periodic implicit reconciliation; 0 disables. */
  reconcileIntervalMs?: number;
  logger?: Logger;
  client?: Partial<Omit<MesosClientOptions, 'master' | 'frameworkInfo' | 'handlers' | 'frameworkId' | 'logger'>>;
  /** Counters for /metrics; every hook is optional so tests and embedders can ignore them. */
  metrics?: SchedulerMetrics;
}

export interface SchedulerMetrics {
  offersReceived?(n: number): void;
  offersAccepted?(n: number): void;
  offersDeclined?(n: number): void;
  tasksLaunched?(n: number): void;
  /** Seconds from a pod entering the queue to the master accepting its launch. */
  schedulingLatency?(seconds: number): void;
}

interface TaskRecord {
  uid: string;
  taskId: string;
  agentId: string;
  hostname: string;
  /** 'launching' until the master accepted the ACCEPT call. */
  launch: 'launching' | 'launched';
  state?: TaskState;
  /** Last state written to the pod (repeated updates, e.g. from reconciliation, are not rewritten). */
  reported?: TaskState;
  bound: boolean;
  killRequested: boolean;
  podGone: boolean;
}

interface AwaitingTask {
  taskId: string;
  agentId?: string;
  hostname?: string;
}

interface PlannedLaunch {
  uid: string;
  pod: Pod;
  claim: Claim;
  taskId: string;
  req: ReturnType<typeof podRequirements>;
}

const FOUR_WEEKS = 4 * 7 * 24 * 3600;

export class MesosScheduler {
  private readonly log: Logger;
  private readonly pods = new Map<string, Pod>();
  private readonly tasks = new Map<string, TaskRecord>();
  private readonly awaiting = new Map<string, AwaitingTask>();
  private readonly slots = new Map<string, OfferSlot>();
  private readonly agents = new Map<string, { hostname: string; ip?: string }>();
  private readonly attempts = new Map<string, number>();
  private readonly unschedulable = new Map<string, string>();
  private readonly queue: PodQueue;
  /** When each waiting pod first entered the queue (for the scheduling latency histogram). */
  private readonly queuedAt = new Map<string, number>();
  private readonly chains = new Map<string, Promise<unknown>>();
  private client: MesosSchedulerClient | null = null;
  private watch: PodWatch | null = null;
  private suppressed = false;
  /** A DECLINE/ACCEPT may have left refuse filters on agents; a new pod then REVIVEs to clear them. */
  private filtersActive = false;
  /** Pods were queued since the last pass (only new arrivals justify a REVIVE, not retries). */
  private arrivals = false;
  private synced = false;
  private stopped = false;
  private passQueued = false;
  private wakeTimer: NodeJS.Timeout | null = null;
  private ttlTimer: NodeJS.Timeout | null = null;
  private reconcileTimer: NodeJS.Timeout | null = null;
  private relistTimer: NodeJS.Timeout | null = null;

  constructor(private readonly opts: MesosSchedulerOptions) {
    this.log = opts.logger ?? defaultLogger;
    this.queue = new PodQueue(opts.backoff ?? { initialMs: 1000, maxMs: 60_000 });
  }

  get frameworkId(): string | undefined {
    return this.client?.frameworkId;
  }

  get mesosClient(): MesosSchedulerClient | null {
    return this.client;
  }

  /** Pods waiting for an offer. */
  get queueDepth(): number {
    return this.queue.size;
  }

  /** Whether the scheduler has a live subscription to the leading master. */
  get connected(): boolean {
    return !!this.client?.connected;
  }

  async start(): Promise<void> {
    this.stopped = false;
    const frameworkId = await this.opts.frameworkStore.load();
    await this.relist();
    const info: Omit<FrameworkInfo, 'id'> = {
      user: this.opts.user,
      name: this.opts.frameworkName ?? 'Kubernetes',
      failover_timeout: this.opts.failoverTimeoutSeconds ?? FOUR_WEEKS,
      checkpoint: true,
      roles: this.opts.roles ?? ['*'],
      // MULTI_ROLE is required with `roles`; PARTITION_AWARE gives us DROPPED/UNREACHABLE/GONE instead of LOST.
      capabilities: [{ type: 'MULTI_ROLE' }, { type: 'PARTITION_AWARE' }, { type: 'TASK_KILLING_STATE' }],
    };
    if (this.opts.hostname) info.hostname = this.opts.hostname;
    if (this.opts.principal) info.principal = this.opts.principal;
    this.client = new MesosSchedulerClient({
      ...this.opts.client,
      master: this.opts.master,
      frameworkInfo: info,
      frameworkId,
      logger: this.log,
      handlers: { event: (e) => this.onMesosEvent(e), disconnected: () => this.onDisconnected() },
    });
    this.client.start();
    const ttl = this.opts.offerTtlMs ?? 5000;
    this.ttlTimer = setInterval(() => this.expireOffers(), Math.max(50, Math.min(ttl, 1000)));
    const every = this.opts.reconcileIntervalMs ?? 300_000;
    if (every > 0) this.reconcileTimer = setInterval(() => void this.call({ type: 'RECONCILE', reconcile: { tasks: [] } }), every);
  }

  /** Stops watching and disconnects; the framework stays registered so a successor keeps the tasks. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.watch?.stop();
    for (const t of [this.wakeTimer, this.relistTimer]) if (t) clearTimeout(t);
    for (const t of [this.ttlTimer, this.reconcileTimer]) if (t) clearInterval(t);
    await this.client?.stop();
    await Promise.allSettled([...this.chains.values()]);
  }

  // ------------------------------------------------------------------ pods

  private async relist(): Promise<void> {
    this.watch?.stop();
    let listed: { pods: Pod[]; resourceVersion: string };
    try {
      listed = await this.opts.source.list();
    } catch (e) {
      this.log.warn('listing pods failed; retrying', { error: String(e) });
      this.relistTimer = setTimeout(() => void this.relist(), 1000);
      return;
    }
    if (this.stopped) return;
    const present = new Set(listed.pods.map((p) => p.metadata?.uid ?? ''));
    for (const uid of [...this.pods.keys()]) if (!present.has(uid)) this.podGone(uid);
    for (const pod of listed.pods) this.onPod(pod);
    this.synced = true;
    this.watch = this.opts.source.watch(
      listed.resourceVersion,
      (e) => this.onPodEvent(e),
      (err) => {
        if (this.stopped) return;
        this.log.warn('pod watch ended; listing again', { error: err.message });
        this.relistTimer = setTimeout(() => void this.relist(), 200);
      },
    );
    this.schedulePass();
  }

  private onPodEvent(e: PodEvent): void {
    if (e.type === 'DELETED') this.podGone(e.pod.metadata?.uid ?? '');
    else this.onPod(e.pod);
  }

  private onPod(pod: Pod): void {
    const uid = pod.metadata?.uid;
    if (!uid) return;
    this.pods.set(uid, pod);
    const rec = this.tasks.get(uid);
    if (pod.metadata?.deletionTimestamp) {
      this.queue.remove(uid);
      if (rec && !this.terminal(rec)) this.requestKill(rec);
      else if (!this.awaiting.has(uid)) {
        // No task runs for it: finish the graceful deletion as a kubelet would.
        this.tasks.delete(uid);
        this.serial(uid, () => this.opts.sink.deletePod(podRef(pod)));
      }
      return;
    }
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed' || rec || this.awaiting.has(uid) || this.queue.has(uid)) return;
    const recorded = pod.metadata?.annotations?.[ANNOTATION_TASK_ID];
    if (recorded) {
      // Launched before (by us or a predecessor): ask Mesos what became of it before doing anything.
      const a = pod.metadata?.annotations ?? {};
      this.awaiting.set(uid, { taskId: recorded, agentId: a[ANNOTATION_AGENT_ID], hostname: a[ANNOTATION_BINDING_HOST] });
      if (this.client?.connected) void this.reconcileTasks([{ taskId: recorded, agentId: a[ANNOTATION_AGENT_ID] }]);
      return;
    }
    const req = podRequirements(pod, this.opts.defaults ?? KM_DEFAULTS);
    if (req.invalid) {
      this.markUnschedulable(uid, req.invalid);
      return;
    }
    this.queue.add(uid);
    if (!this.queuedAt.has(uid)) this.queuedAt.set(uid, Date.now());
    this.arrivals = true;
    this.schedulePass();
  }

  private podGone(uid: string): void {
    this.pods.delete(uid);
    this.queue.remove(uid);
    this.queuedAt.delete(uid);
    this.awaiting.delete(uid);
    this.unschedulable.delete(uid);
    const rec = this.tasks.get(uid);
    if (!rec) return;
    if (this.terminal(rec)) {
      this.tasks.delete(uid);
      return;
    }
    rec.podGone = true;
    this.requestKill(rec);
  }

  private terminal(rec: TaskRecord): boolean {
    return rec.state !== undefined && TERMINAL_STATES.has(rec.state);
  }

  private requestKill(rec: TaskRecord): void {
    if (rec.killRequested) return;
    rec.killRequested = true;
    if (rec.launch === 'launching') return; // killed once the ACCEPT is answered
    this.sendKill(rec);
  }

  private sendKill(rec: TaskRecord, attempt = 0): void {
    this.log.info('killing Mesos task of deleted pod', { taskId: rec.taskId, attempt });
    void this.call({ type: 'KILL', kill: { task_id: { value: rec.taskId }, agent_id: { value: rec.agentId } } }).then((res) => {
      // A refused or lost KILL is retried with backoff while the task lives (re-subscription also re-sends it).
      if (res.ok || this.stopped || this.terminal(rec) || this.tasks.get(rec.uid) !== rec) return;
      setTimeout(() => {
        if (!this.stopped && !this.terminal(rec) && this.tasks.get(rec.uid) === rec && this.client?.connected) this.sendKill(rec, attempt + 1);
      }, Math.min(1000 * 2 ** attempt, 30_000)).unref();
    });
    if (attempt > 0) return;
    const pod = this.pods.get(rec.uid);
    if (pod) this.serial(rec.uid, () => this.opts.sink.recordEvent(podRef(pod), { type: 'Normal', reason: 'Killing', message: `Killing Mesos task ${rec.taskId}` }));
  }

  // ------------------------------------------------------------------ Mesos events

  private onMesosEvent(e: SchedulerEvent): void {
    switch (e.type) {
      case 'SUBSCRIBED':
        this.slots.clear();
        this.suppressed = false;
        void this.opts.frameworkStore
          .save(e.subscribed.framework_id.value, this.opts.failoverTimeoutSeconds ?? FOUR_WEEKS)
          .catch((err: unknown) => this.log.error('cannot persist the framework id', { error: String(err) }));
        this.reconcileAll();
        this.schedulePass();
        break;
      case 'OFFERS':
        this.opts.metrics?.offersReceived?.(e.offers.offers?.length ?? 0);
        for (const o of e.offers.offers ?? []) {
          this.agents.set(o.agent_id.value, { hostname: o.hostname, ip: o.url?.address.ip });
          this.slots.set(o.id.value, new OfferSlot(o, Date.now()));
        }
        this.schedulePass();
        break;
      case 'RESCIND':
        this.slots.delete(e.rescind.offer_id.value);
        break;
      case 'UPDATE':
        this.onUpdate(e.update.status);
        break;
      case 'FAILURE':
        if (e.failure.agent_id && !e.failure.executor_id) {
          this.log.warn('Mesos agent removed', { agentId: e.failure.agent_id.value });
          for (const [id, s] of this.slots) if (s.agentId === e.failure.agent_id.value) this.slots.delete(id);
        }
        break;
      case 'ERROR':
        if (/removed/i.test(e.error.message)) {
          // The master forgot us (failover timeout elapsed or torn down): register as a new framework.
          this.log.error('Mesos removed the framework; registering anew', { message: e.error.message });
          this.client?.resetFrameworkId();
          void this.opts.frameworkStore.clear().catch(() => undefined);
        }
        break;
      default:
        break;
    }
  }

  private onDisconnected(): void {
    this.slots.clear(); // offers die with the subscription
  }

  /** Explicit reconciliation of every task we know or that a pod records, then an implicit one for orphans. */
  private reconcileAll(): void {
    const list: Array<{ taskId: string; agentId?: string }> = [];
    for (const rec of this.tasks.values()) {
      if (this.terminal(rec)) continue;
      list.push({ taskId: rec.taskId, agentId: rec.agentId });
      if (rec.killRequested && rec.launch === 'launched') this.sendKill(rec);
    }
    for (const a of this.awaiting.values()) list.push({ taskId: a.taskId, agentId: a.agentId });
    void this.reconcileTasks(list).then(() => this.call({ type: 'RECONCILE', reconcile: { tasks: [] } }));
  }

  private async reconcileTasks(list: Array<{ taskId: string; agentId?: string }>): Promise<void> {
    if (list.length === 0) return;
    const tasks = list.map((t) => (t.agentId ? { task_id: { value: t.taskId }, agent_id: { value: t.agentId } } : { task_id: { value: t.taskId } }));
    await this.call({ type: 'RECONCILE', reconcile: { tasks } });
  }

  private onUpdate(s: TaskStatus): void {
    const taskId = s.task_id.value;
    const uid = uidFromTaskId(taskId);
    const key = uid ?? `task:${taskId}`;
    this.serial(key, async () => {
      const acked = await this.applyUpdate(uid, s);
      if (acked && s.uuid && s.agent_id) {
        await this.call({ type: 'ACKNOWLEDGE', acknowledge: { agent_id: s.agent_id, task_id: s.task_id, uuid: s.uuid } });
      }
    });
  }

  /** Returns whether the update was dealt with (and may be acknowledged). */
  private async applyUpdate(uid: string | undefined, s: TaskStatus): Promise<boolean> {
    const taskId = s.task_id.value;
    const live = !TERMINAL_STATES.has(s.state);
    let rec = uid ? this.tasks.get(uid) : undefined;
    if (uid && (!rec || rec.taskId !== taskId)) {
      const waiting = this.awaiting.get(uid);
      if (waiting && waiting.taskId === taskId) {
        this.awaiting.delete(uid);
        rec = this.adopt(uid, taskId, s, waiting);
      }
    }
    if (!uid || !rec || rec.taskId !== taskId) {
      // Not a task we are tracking: an orphan (pod gone, older attempt) if still alive, else old news.
      if (live && this.synced) {
        this.log.warn('killing Mesos task that belongs to no pod', { taskId, state: s.state });
        await this.call({ type: 'KILL', kill: { task_id: s.task_id, ...(s.agent_id ? { agent_id: s.agent_id } : {}) } });
      } else {
        this.log.info('status update for an unknown task', { taskId, state: s.state, reason: s.reason });
      }
      return true;
    }
    if (this.terminal(rec) && live) return true; // stale update after a terminal one
    rec.state = s.state;
    if (s.agent_id) rec.agentId = s.agent_id.value;
    const pod = this.pods.get(rec.uid);
    if (!pod) {
      if (!live) this.tasks.delete(rec.uid);
      else if (!rec.killRequested) this.requestKill(rec);
      return true;
    }
    const ref = podRef(pod);
    const deleting = rec.podGone || rec.killRequested || !!pod.metadata?.deletionTimestamp;
    const outcome = mapTaskStatus(s, { pod, hostIP: this.agents.get(rec.agentId)?.ip, deleting });
    try {
      switch (outcome.kind) {
        case 'status':
          if (rec.reported === s.state) return true;
          if (live) await this.ensureBound(rec, pod);
          await this.opts.sink.updateStatus(ref, outcome.status);
          rec.reported = s.state;
          if (outcome.event) await this.opts.sink.recordEvent(ref, outcome.event);
          return true;
        case 'delete':
          this.tasks.delete(rec.uid);
          if (!rec.podGone) await this.opts.sink.deletePod(ref);
          return true;
        case 'relaunch':
          this.log.warn('relaunching pod whose task ended before it could run', { taskId, why: outcome.why });
          this.tasks.delete(rec.uid);
          // A task Mesos never knew (UNKNOWN) or never started (DROPPED) leaves its id free for reuse;
          // one that ran gets a fresh id so its history cannot be confused with the new launch.
          if (s.state !== 'TASK_UNKNOWN' && s.state !== 'TASK_DROPPED') this.attempts.set(rec.uid, (this.attempts.get(rec.uid) ?? 0) + 1);
          this.queue.add(rec.uid);
          this.arrivals = true;
          this.schedulePass();
          return true;
        default:
          return true;
      }
    } catch (e) {
      // Not acknowledged: Mesos re-sends the update and we try the write again.
      rec.reported = undefined;
      this.log.warn('writing pod status failed; update left unacknowledged', { taskId, error: String(e) });
      return false;
    }
  }

  /** A task found through reconciliation after a restart becomes ours again. */
  private adopt(uid: string, taskId: string, s: TaskStatus, waiting: AwaitingTask): TaskRecord {
    const agentId = s.agent_id?.value ?? waiting.agentId ?? '';
    const m = /\.(\d+)$/.exec(taskId.slice(4 + uid.length));
    this.attempts.set(uid, m ? Number(m[1]) : 0);
    const pod = this.pods.get(uid);
    const rec: TaskRecord = {
      uid,
      taskId,
      agentId,
      hostname: waiting.hostname ?? this.agents.get(agentId)?.hostname ?? pod?.spec?.nodeName ?? '',
      launch: 'launched',
      bound: !!pod?.spec?.nodeName,
      killRequested: false,
      podGone: false,
    };
    this.tasks.set(uid, rec);
    this.log.info('recovered Mesos task through reconciliation', { taskId, state: s.state });
    if (pod?.metadata?.deletionTimestamp) this.requestKill(rec);
    return rec;
  }

  private async ensureBound(rec: TaskRecord, pod: Pod): Promise<void> {
    if (rec.bound || pod.spec?.nodeName) {
      rec.bound = true;
      return;
    }
    const ref = podRef(pod);
    await this.opts.sink.bind(ref, rec.hostname);
    rec.bound = true;
    await this.opts.sink.recordEvent(ref, { type: 'Normal', reason: 'Scheduled', message: `Successfully assigned ${ref.namespace}/${ref.name} to ${rec.hostname}` });
  }

  // ------------------------------------------------------------------ scheduling

  private schedulePass(): void {
    if (this.passQueued || this.stopped) return;
    this.passQueued = true;
    setImmediate(() => {
      this.passQueued = false;
      this.pass();
    });
  }

  private pass(): void {
    if (this.stopped || !this.synced || !this.client?.connected) return;
    const now = Date.now();
    if (this.queue.size === 0) {
      this.goIdle();
      return;
    }
    const revive = this.suppressed || (this.filtersActive && this.arrivals);
    this.arrivals = false;
    if (revive) {
      // Through the same chain as SUPPRESS: calls on separate connections could otherwise overtake.
      this.suppressed = false;
      this.filtersActive = false;
      this.serial('offer-control', () => this.call({ type: 'REVIVE' }));
    }
    const plans = new Map<string, PlannedLaunch[]>();
    if (this.slots.size > 0) {
      for (const uid of this.queue.ready(now)) {
        const pod = this.pods.get(uid);
        if (!pod || this.tasks.has(uid)) {
          this.queue.remove(uid);
          continue;
        }
        const req = podRequirements(pod, this.opts.defaults ?? KM_DEFAULTS);
        const misses: string[] = [];
        let placed = false;
        for (const slot of this.slots.values()) {
          const fit = slot.fits(pod, req);
          if (!fit.ok) {
            misses.push(fit.reason);
            continue;
          }
          const claim = slot.claim(req);
          const taskId = taskIdFor(uid, this.attempts.get(uid) ?? 0);
          const list = plans.get(slot.id) ?? [];
          list.push({ uid, pod, claim, taskId, req });
          plans.set(slot.id, list);
          this.tasks.set(uid, { uid, taskId, agentId: slot.agentId, hostname: slot.hostname, launch: 'launching', bound: !!pod.spec?.nodeName, killRequested: false, podGone: false });
          this.queue.remove(uid);
          this.unschedulable.delete(uid);
          placed = true;
          break;
        }
        if (!placed) {
          this.queue.backoff(uid, now);
          this.markUnschedulable(uid, summarize(misses));
        }
      }
    }
    for (const [slotId, launches] of plans) {
      const slot = this.slots.get(slotId);
      this.slots.delete(slotId); // an offer id is single-use
      if (slot) void this.launch(slot, launches);
    }
    if (this.queue.size === 0) this.goIdle();
    this.armWake();
  }

  /** Nothing waits: hand back every offer and ask Mesos to stop sending more. */
  private goIdle(): void {
    this.declineAll(this.opts.idleRefuseSeconds ?? 30);
    if (!this.suppressed) {
      this.suppressed = true;
      this.serial('offer-control', () => this.call({ type: 'SUPPRESS' }));
    }
  }

  private armWake(): void {
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.wakeTimer = null;
    const next = this.queue.nextReadyAt();
    if (next === undefined) return;
    this.wakeTimer = setTimeout(() => this.schedulePass(), Math.max(10, next - Date.now()));
  }

  private async launch(slot: OfferSlot, launches: PlannedLaunch[]): Promise<void> {
    // Record the task id on each pod before Mesos hears of it: a restarted scheduler then knows to
    // reconcile instead of launching again.
    const recorded = await Promise.all(
      launches.map(async (l) => {
        try {
          await this.opts.sink.annotate(podRef(l.pod), { [ANNOTATION_TASK_ID]: l.taskId, [ANNOTATION_AGENT_ID]: slot.agentId, [ANNOTATION_BINDING_HOST]: slot.hostname });
          return l;
        } catch (e) {
          this.log.warn('cannot record launch on pod; will retry', { pod: `${podRef(l.pod).namespace}/${podRef(l.pod).name}`, error: String(e) });
          this.requeue(l.uid);
          return null;
        }
      }),
    );
    const go = recorded.filter((l): l is PlannedLaunch => l !== null);
    if (go.length === 0) {
      this.opts.metrics?.offersDeclined?.(1);
      await this.call({ type: 'DECLINE', decline: { offer_ids: [slot.offer.id], filters: { refuse_seconds: 0 } } });
      return;
    }
    const taskInfos = go.map((l) => buildTaskInfo(l.pod, slot, l.claim, l.req, l.taskId, this.opts.containerizer ?? 'DOCKER'));
    const res = await this.call({
      type: 'ACCEPT',
      accept: {
        offer_ids: [slot.offer.id],
        operations: [{ type: 'LAUNCH', launch: { task_infos: taskInfos } }],
        // Leftovers come back soon while pods wait; otherwise the usual Mesos default.
        filters: { refuse_seconds: this.queue.size > 0 ? 0 : (this.opts.declineRefuseSeconds ?? 5) },
      },
    });
    if (res.ok) {
      this.opts.metrics?.offersAccepted?.(1);
      this.opts.metrics?.tasksLaunched?.(go.length);
      const now = Date.now();
      for (const l of go) {
        const at = this.queuedAt.get(l.uid);
        this.queuedAt.delete(l.uid);
        if (at !== undefined) this.opts.metrics?.schedulingLatency?.((now - at) / 1000);
      }
    }
    for (const l of go) {
      const rec = this.tasks.get(l.uid);
      if (!rec || rec.taskId !== l.taskId) continue;
      rec.launch = 'launched';
      if (!res.ok) {
        // We cannot know whether the master took it: ask, rather than risk a second launch.
        this.log.warn('ACCEPT not acknowledged; reconciling the task', { taskId: l.taskId, status: res.status });
        void this.reconcileTasks([{ taskId: l.taskId, agentId: slot.agentId }]);
        continue;
      }
      this.log.info('launched Mesos task for pod', { taskId: l.taskId, host: slot.hostname });
      if (rec.killRequested) this.sendKill(rec);
      else {
        const pod = this.pods.get(l.uid);
        if (pod) this.serial(l.uid, () => this.ensureBound(rec, pod).catch((e: unknown) => this.log.warn('binding failed', { taskId: l.taskId, error: String(e) })));
      }
    }
  }

  private requeue(uid: string): void {
    this.tasks.delete(uid);
    if (!this.pods.has(uid)) return;
    this.queue.add(uid);
    this.queue.backoff(uid, Date.now());
    this.armWake();
  }

  private markUnschedulable(uid: string, reason: string): void {
    if (this.unschedulable.get(uid) === reason) return;
    this.unschedulable.set(uid, reason);
    const pod = this.pods.get(uid);
    if (!pod) return;
    const ref = podRef(pod);
    const status: PodStatus = {
      phase: 'Pending',
      conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: reason, lastTransitionTime: new Date().toISOString() }],
    };
    this.log.info('pod is unschedulable', { pod: `${ref.namespace}/${ref.name}`, reason });
    this.serial(uid, async () => {
      await this.opts.sink.updateStatus(ref, status);
      await this.opts.sink.recordEvent(ref, { type: 'Warning', reason: 'FailedScheduling', message: reason });
    });
  }

  private expireOffers(): void {
    const ttl = this.opts.offerTtlMs ?? 5000;
    const now = Date.now();
    const old = [...this.slots.values()].filter((s) => now - s.receivedAt >= ttl);
    if (old.length === 0) return;
    for (const s of old) this.slots.delete(s.id);
    this.opts.metrics?.offersDeclined?.(old.length);
    void this.call({ type: 'DECLINE', decline: { offer_ids: old.map((s) => s.offer.id), filters: { refuse_seconds: this.opts.declineRefuseSeconds ?? 5 } } });
  }

  private declineAll(refuseSeconds: number): void {
    if (this.slots.size === 0) return;
    const ids = [...this.slots.values()].map((s) => s.offer.id);
    this.slots.clear();
    this.opts.metrics?.offersDeclined?.(ids.length);
    void this.call({ type: 'DECLINE', decline: { offer_ids: ids, filters: { refuse_seconds: refuseSeconds } } });
  }

  // ------------------------------------------------------------------ plumbing

  private async call(c: SchedulerCall): Promise<CallResult> {
    if (!this.client) return { ok: false, status: 0, body: 'not started' };
    const refuse = c.type === 'DECLINE' ? c.decline.filters?.refuse_seconds : c.type === 'ACCEPT' ? c.accept.filters?.refuse_seconds : undefined;
    if ((c.type === 'DECLINE' || c.type === 'ACCEPT') && (refuse === undefined || refuse > 0)) this.filtersActive = true;
    return this.client.call(c);
  }

  /** Runs work for one pod strictly after earlier work for it (status writes must not reorder). */
  private serial(key: string, fn: () => Promise<unknown>): void {
    const prev = this.chains.get(key) ?? Promise.resolve();
    const next = prev
      .then(fn)
      .catch((e: unknown) => this.log.warn('pod update failed', { key, error: String(e) }));
    this.chains.set(key, next);
    void next.then(() => {
      if (this.chains.get(key) === next) this.chains.delete(key);
    });
  }
}

/** "no Mesos offer fits the pod: insufficient cpus; host port 31000 is not offered" — stable across offer cycles, so written once. */
function summarize(misses: string[]): string {
  const kinds = [...new Set(misses.map((m) => m.replace(/ \(.*\)$/, '')))].sort();
  return `no Mesos offer fits the pod: ${kinds.join('; ')}`;
}
