/**
 * The simulated Mesos cluster behind one or more simulated masters: agents, frameworks, offers and
 * tasks. Masters (master.ts) are only HTTP front-ends; the cluster state is shared so that a leader
 * switch behaves like a real master failover after agents re-register (tasks survive, offers don't).
 */
import { randomUUID } from 'node:crypto';
import type {
  Attribute,
  FrameworkInfo,
  MasterInfo,
  Offer,
  Range,
  SchedulerEvent,
  TaskInfo,
  TaskState,
  TaskStatus,
} from '../../src/scheduler/mesos/types';
import { TERMINAL_STATES } from '../../src/scheduler/mesos/types';
import { encodeRecord } from '../../src/scheduler/mesos/recordio';
import type { ResourceBag } from './resources';
import { bagAdd, bagContains, bagIsEmpty, bagSubtract, emptyBag, fromResources, rangesOverlap, toResources } from './resources';
import type { Violation } from './call-validator';

export interface AgentSpec {
  hostname: string;
  cpus: number;
  mem: number;
  ports?: Range[];
  attributes?: Attribute[];
  ip?: string;
}

export interface SimAgent {
  id: string;
  hostname: string;
  ip: string;
  total: ResourceBag;
  attributes: Attribute[];
  active: boolean;
}

/** What a launched task does next; chosen per task by the `behaviour` knob. */
export type TaskBehaviour = 'run' | 'fail' | 'lose' | 'hang-staging' | 'finish';

export interface SimKnobs {
  offerIntervalMs: number;
  heartbeatSeconds: number;
  startingDelayMs: number;
  runningDelayMs: number;
  killDelayMs: number;
  /** Unacknowledged status updates are re-sent this often (the agent's status update retry). */
  statusRetryMs: number;
  behaviour: (task: TaskInfo) => TaskBehaviour;
}

export interface SimTask {
  info: TaskInfo;
  frameworkId: string;
  agentId: string;
  used: ResourceBag;
  state: TaskState;
  latest: TaskStatus;
  /** Status updates awaiting ACKNOWLEDGE, head first (one in flight at a time, as the agent does). */
  unacked: TaskStatus[];
  timers: NodeJS.Timeout[];
}

export interface SimOffer {
  id: string;
  frameworkId: string;
  agentId: string;
  resources: ResourceBag;
}

export interface StreamSink {
  streamId: string;
  masterId: string;
  write(bytes: Buffer): void;
  close(): void;
}

export interface SimFramework {
  id: string;
  info: FrameworkInfo;
  stream: StreamSink | null;
  suppressed: boolean;
  /** agent id → epoch ms until which that agent is not offered (DECLINE/ACCEPT filters). */
  filters: Map<string, number>;
  failoverTimer: NodeJS.Timeout | null;
  capabilities: Set<string>;
}

export interface ReceivedCall {
  masterId: string;
  type: string;
  body: unknown;
  status: number;
}

const DEFAULT_KNOBS: SimKnobs = {
  offerIntervalMs: 50,
  heartbeatSeconds: 15,
  startingDelayMs: 20,
  runningDelayMs: 20,
  killDelayMs: 20,
  statusRetryMs: 10_000,
  behaviour: () => 'run',
};

export class SimCluster {
  readonly agents = new Map<string, SimAgent>();
  readonly frameworks = new Map<string, SimFramework>();
  readonly removedFrameworks = new Set<string>();
  readonly offers = new Map<string, SimOffer>();
  readonly tasks = new Map<string, SimTask>(); // key: frameworkId/taskId
  readonly violations: Violation[] = [];
  readonly calls: ReceivedCall[] = [];
  readonly knobs: SimKnobs;
  leaderId: string | null = null;
  private offerTimer: NodeJS.Timeout;
  private retryTimer: NodeJS.Timeout;
  private heartbeatTimers = new Map<string, NodeJS.Timeout>();
  private leaderListeners: Array<(id: string | null) => void> = [];
  private agentSeq = 0;

  constructor(knobs: Partial<SimKnobs> = {}) {
    this.knobs = { ...DEFAULT_KNOBS, ...knobs };
    this.offerTimer = setInterval(() => this.offerCycle(), this.knobs.offerIntervalMs);
    this.retryTimer = setInterval(() => this.retryUnacked(), this.knobs.statusRetryMs);
  }

  // ---------------------------------------------------------------- agents

  addAgent(spec: AgentSpec): SimAgent {
    const id = `agent-${++this.agentSeq}-S0`;
    const agent: SimAgent = {
      id,
      hostname: spec.hostname,
      ip: spec.ip ?? `127.0.1.${this.agentSeq}`,
      total: { cpus: spec.cpus, mem: spec.mem, ports: spec.ports ?? [{ begin: 31000, end: 32000 }] },
      attributes: spec.attributes ?? [],
      active: true,
    };
    this.agents.set(id, agent);
    return agent;
  }

  /** Agent removed: its offers are rescinded, its tasks become LOST/GONE, frameworks get FAILURE. */
  removeAgent(agentId: string): void {
    const agent = this.agents.get(agentId);
    if (!agent) return;
    agent.active = false;
    for (const offer of [...this.offers.values()]) if (offer.agentId === agentId) this.rescind(offer.id);
    for (const task of this.tasks.values()) {
      if (task.agentId !== agentId || TERMINAL_STATES.has(task.state)) continue;
      const fw = this.frameworks.get(task.frameworkId);
      const state: TaskState = fw?.capabilities.has('PARTITION_AWARE') ? 'TASK_GONE' : 'TASK_LOST';
      this.transition(task, state, { source: 'SOURCE_MASTER', reason: 'REASON_AGENT_REMOVED', message: 'Agent removed' }, false);
    }
    for (const fw of this.frameworks.values()) this.send(fw, { type: 'FAILURE', failure: { agent_id: { value: agentId } } });
  }

  /** Resources not used by live tasks nor held by outstanding offers. */
  freeResources(agent: SimAgent): ResourceBag {
    let free = agent.total;
    for (const t of this.tasks.values()) if (t.agentId === agent.id && !TERMINAL_STATES.has(t.state)) free = bagSubtract(free, t.used);
    for (const o of this.offers.values()) if (o.agentId === agent.id) free = bagSubtract(free, o.resources);
    return free;
  }

  /** Sum of live task resources per agent; used by tests to prove nothing was over-committed. */
  usedResources(agentId: string): ResourceBag {
    let used = emptyBag();
    for (const t of this.tasks.values()) if (t.agentId === agentId && !TERMINAL_STATES.has(t.state)) used = bagAdd(used, t.used);
    return used;
  }

  // ---------------------------------------------------------------- leadership

  setLeader(masterId: string | null): void {
    if (this.leaderId === masterId) return;
    this.leaderId = masterId;
    // A master that loses leadership drops every scheduler connection; offers die with it.
    for (const fw of this.frameworks.values()) {
      if (fw.stream && fw.stream.masterId !== masterId) this.disconnect(fw, true);
    }
    for (const l of this.leaderListeners) l(masterId);
  }

  onLeaderChange(listener: (id: string | null) => void): void {
    this.leaderListeners.push(listener);
  }

  // ---------------------------------------------------------------- frameworks

  /** Returns the framework, or an error message for a removed framework. */
  subscribe(info: FrameworkInfo, stream: StreamSink): SimFramework | string {
    const requested = info.id?.value;
    if (requested && this.removedFrameworks.has(requested)) return 'Framework has been removed';
    const id = requested ?? `${randomUUID()}-0000`;
    let fw = this.frameworks.get(id);
    if (fw?.stream) {
      // A newer subscription wins; the old scheduler is told so and cut off.
      this.send(fw, { type: 'ERROR', error: { message: 'Framework failed over' } });
      this.disconnect(fw, false);
    }
    if (!fw) {
      fw = { id, info, stream: null, suppressed: false, filters: new Map(), failoverTimer: null, capabilities: new Set() };
      this.frameworks.set(id, fw);
    }
    fw.info = { ...info, id: { value: id } };
    fw.capabilities = new Set((info.capabilities ?? []).map((c) => c.type));
    if (fw.failoverTimer) clearTimeout(fw.failoverTimer);
    fw.failoverTimer = null;
    fw.stream = stream;
    fw.suppressed = false;
    this.send(fw, {
      type: 'SUBSCRIBED',
      subscribed: {
        framework_id: { value: id },
        heartbeat_interval_seconds: this.knobs.heartbeatSeconds,
        master_info: this.masterInfo?.(stream.masterId),
      },
    });
    this.heartbeatTimers.set(
      id,
      setInterval(() => this.send(fw, { type: 'HEARTBEAT' }), this.knobs.heartbeatSeconds * 1000),
    );
    // Updates not yet acknowledged are re-sent to the new subscription, as the agents would.
    for (const t of this.tasks.values()) if (t.frameworkId === id && t.unacked.length > 0) this.sendStatus(fw, t.unacked[0]);
    return fw;
  }

  /** Filled by the master group so SUBSCRIBED carries the answering master's MasterInfo. */
  masterInfo?: (masterId: string) => MasterInfo | undefined;

  /** Stream closed (by either side): offers are recovered and the failover timeout starts. */
  disconnect(fw: SimFramework, closeStream: boolean): void {
    const stream = fw.stream;
    fw.stream = null;
    const hb = this.heartbeatTimers.get(fw.id);
    if (hb) clearInterval(hb);
    this.heartbeatTimers.delete(fw.id);
    for (const o of [...this.offers.values()]) if (o.frameworkId === fw.id) this.offers.delete(o.id);
    if (closeStream && stream) stream.close();
    const timeoutMs = Math.min((fw.info.failover_timeout ?? 0) * 1000, 2 ** 31 - 1);
    if (fw.failoverTimer) clearTimeout(fw.failoverTimer);
    fw.failoverTimer = setTimeout(() => this.removeFramework(fw), timeoutMs);
  }

  streamClosed(streamId: string): void {
    for (const fw of this.frameworks.values()) if (fw.stream?.streamId === streamId) this.disconnect(fw, false);
  }

  removeFramework(fw: SimFramework): void {
    if (fw.stream) {
      const s = fw.stream;
      fw.stream = null;
      s.close();
    }
    if (fw.failoverTimer) clearTimeout(fw.failoverTimer);
    const hb = this.heartbeatTimers.get(fw.id);
    if (hb) clearInterval(hb);
    for (const t of this.tasks.values()) {
      if (t.frameworkId !== fw.id) continue;
      for (const timer of t.timers) clearTimeout(timer);
      if (!TERMINAL_STATES.has(t.state)) t.state = 'TASK_KILLED';
      t.unacked = [];
    }
    for (const o of [...this.offers.values()]) if (o.frameworkId === fw.id) this.offers.delete(o.id);
    this.frameworks.delete(fw.id);
    this.removedFrameworks.add(fw.id);
  }

  // ---------------------------------------------------------------- event delivery

  /** Frameworks whose stream is silenced (a network partition that keeps the TCP connection open). */
  readonly muted = new Set<string>();

  send(fw: SimFramework, event: SchedulerEvent): void {
    if (this.muted.has(fw.id)) return;
    fw.stream?.write(encodeRecord(JSON.stringify(event)));
  }

  /** Test knob: write arbitrary bytes on a framework's stream (malformed frames, unknown events). */
  sendRaw(frameworkId: string, bytes: Buffer): void {
    this.frameworks.get(frameworkId)?.stream?.write(bytes);
  }

  private sendStatus(fw: SimFramework, status: TaskStatus): void {
    this.send(fw, { type: 'UPDATE', update: { status } });
  }

  private retryUnacked(): void {
    for (const t of this.tasks.values()) {
      const fw = this.frameworks.get(t.frameworkId);
      if (fw?.stream && t.unacked.length > 0) this.sendStatus(fw, t.unacked[0]);
    }
  }

  // ---------------------------------------------------------------- offers

  private offerCycle(): void {
    const now = Date.now();
    for (const fw of this.frameworks.values()) {
      if (!fw.stream || fw.suppressed || fw.stream.masterId !== this.leaderId) continue;
      const batch: Offer[] = [];
      for (const agent of this.agents.values()) {
        if (!agent.active) continue;
        if ((fw.filters.get(agent.id) ?? 0) > now) continue;
        if ([...this.offers.values()].some((o) => o.agentId === agent.id && o.frameworkId === fw.id)) continue;
        const free = this.freeResources(agent);
        if (free.cpus < 0.01 && free.mem < 1) continue;
        const offer: SimOffer = { id: `offer-${randomUUID()}`, frameworkId: fw.id, agentId: agent.id, resources: free };
        this.offers.set(offer.id, offer);
        batch.push({
          id: { value: offer.id },
          framework_id: { value: fw.id },
          agent_id: { value: agent.id },
          hostname: agent.hostname,
          url: { scheme: 'http', address: { hostname: agent.hostname, ip: agent.ip, port: 5051 }, path: '/slave(1)' },
          resources: toResources(free, fw.capabilities.has('MULTI_ROLE') ? (fw.info.roles?.[0] ?? '*') : undefined),
          attributes: agent.attributes,
        });
      }
      if (batch.length > 0) this.send(fw, { type: 'OFFERS', offers: { offers: batch } });
    }
  }

  rescind(offerId: string): void {
    const offer = this.offers.get(offerId);
    if (!offer) return;
    this.offers.delete(offerId);
    const fw = this.frameworks.get(offer.frameworkId);
    if (fw) this.send(fw, { type: 'RESCIND', rescind: { offer_id: { value: offerId } } });
  }

  private applyFilter(fw: SimFramework, agentId: string, refuseSeconds: number | undefined): void {
    const seconds = Math.min(refuseSeconds ?? 5, 365 * 24 * 3600);
    if (seconds > 0) fw.filters.set(agentId, Date.now() + seconds * 1000);
  }

  decline(fw: SimFramework, offerIds: string[], refuseSeconds: number | undefined): void {
    for (const id of offerIds) {
      const offer = this.offers.get(id);
      if (!offer || offer.frameworkId !== fw.id) continue;
      this.offers.delete(id);
      this.applyFilter(fw, offer.agentId, refuseSeconds);
    }
  }

  suppress(fw: SimFramework): void {
    fw.suppressed = true;
  }

  revive(fw: SimFramework): void {
    fw.suppressed = false;
    fw.filters.clear();
  }

  // ---------------------------------------------------------------- tasks

  /** ACCEPT with LAUNCH operations, validated the way the master's accept path does. */
  accept(fw: SimFramework, offerIds: string[], launches: TaskInfo[], refuseSeconds: number | undefined): void {
    const offers = offerIds.map((id) => this.offers.get(id));
    const valid =
      offers.length > 0 &&
      offers.every((o): o is SimOffer => !!o && o.frameworkId === fw.id) &&
      new Set(offers.map((o) => o?.agentId)).size === 1 &&
      new Set(offerIds).size === offerIds.length;
    const partitionAware = fw.capabilities.has('PARTITION_AWARE');
    if (!valid) {
      // Offers that were valid go back to the pool; every task is dropped without reaching an agent.
      for (const o of offers) if (o && o.frameworkId === fw.id) this.offers.delete(o.id);
      for (const info of launches) {
        this.masterUpdate(fw, info, partitionAware ? 'TASK_DROPPED' : 'TASK_LOST', 'REASON_INVALID_OFFERS', 'Task launched with invalid offers');
      }
      return;
    }
    const agentId = (offers[0] as SimOffer).agentId;
    let available = (offers as SimOffer[]).reduce((acc, o) => bagAdd(acc, o.resources), emptyBag());
    for (const o of offers as SimOffer[]) this.offers.delete(o.id);
    for (const info of launches) {
      const err = this.validateTask(fw, info, agentId, available);
      if (err) {
        this.masterUpdate(fw, info, 'TASK_ERROR', 'REASON_TASK_INVALID', err);
        continue;
      }
      const used = fromResources(info.resources);
      available = bagSubtract(available, used);
      this.launch(fw, info, agentId, used);
    }
    this.applyFilter(fw, agentId, refuseSeconds);
  }

  private validateTask(fw: SimFramework, info: TaskInfo, agentId: string, available: ResourceBag): string | null {
    const existing = this.tasks.get(`${fw.id}/${info.task_id.value}`);
    if (existing && !TERMINAL_STATES.has(existing.state)) return `Task has duplicate ID: ${info.task_id.value}`;
    if (info.agent_id.value !== agentId) return `Task uses agent ${info.agent_id.value} but offer is for ${agentId}`;
    if (!!info.command === !!(info as { executor?: unknown }).executor) return 'Task should have at least one (but not both) of CommandInfo or ExecutorInfo present';
    if (info.container?.type === 'DOCKER' && !info.container.docker) return 'DockerInfo is required for DOCKER container';
    const used = fromResources(info.resources ?? []);
    if (bagIsEmpty(used)) return 'Task uses no resources';
    if (!bagContains(available, used)) return 'Task uses more resources than available in the offer';
    for (const r of info.resources) {
      if (r.type === 'SCALAR' && (r.scalar?.value ?? 0) <= 0) return `Invalid scalar resource ${r.name}`;
      // A MULTI_ROLE framework must say which of its roles each resource was allocated to.
      if (fw.capabilities.has('MULTI_ROLE') && !r.allocation_info?.role) return `Resource ${r.name} lacks allocation_info for a MULTI_ROLE framework`;
      if (!fw.capabilities.has('MULTI_ROLE') && r.allocation_info) return `Resource ${r.name} carries allocation_info but the framework is not MULTI_ROLE`;
    }
    return null;
  }

  private masterUpdate(fw: SimFramework, info: TaskInfo, state: TaskState, reason: string, message: string): void {
    this.sendStatus(fw, {
      task_id: info.task_id,
      state,
      source: 'SOURCE_MASTER',
      reason,
      message,
      agent_id: info.agent_id,
      timestamp: Date.now() / 1000,
    });
  }

  private launch(fw: SimFramework, info: TaskInfo, agentId: string, used: ResourceBag): void {
    const task: SimTask = {
      info,
      frameworkId: fw.id,
      agentId,
      used,
      state: 'TASK_STAGING',
      latest: { task_id: info.task_id, state: 'TASK_STAGING', agent_id: { value: agentId } },
      unacked: [],
      timers: [],
    };
    this.tasks.set(`${fw.id}/${info.task_id.value}`, task);
    this.transition(task, 'TASK_STAGING', { source: 'SOURCE_AGENT' }, true);
    const behaviour = this.knobs.behaviour(info);
    if (behaviour === 'hang-staging') return;
    this.later(task, this.knobs.startingDelayMs, () => {
      if (behaviour === 'lose') {
        this.transition(task, 'TASK_LOST', { source: 'SOURCE_AGENT', reason: 'REASON_CONTAINER_LAUNCH_FAILED', message: 'agent lost the container' }, true);
        return;
      }
      this.transition(task, 'TASK_STARTING', { source: 'SOURCE_EXECUTOR' }, true);
      this.later(task, this.knobs.runningDelayMs, () => {
        if (behaviour === 'fail') {
          this.transition(task, 'TASK_FAILED', { source: 'SOURCE_EXECUTOR', reason: 'REASON_COMMAND_EXECUTOR_FAILED', message: 'Container exited with status 1' }, true);
          return;
        }
        const agent = this.agents.get(agentId);
        this.transition(task, 'TASK_RUNNING', {
          source: 'SOURCE_EXECUTOR',
          container_status: { network_infos: [{ ip_addresses: [{ protocol: 'IPv4', ip_address: agent?.ip ?? '127.0.1.1' }] }] },
        }, true);
        if (behaviour === 'finish') {
          this.later(task, this.knobs.runningDelayMs, () => this.transition(task, 'TASK_FINISHED', { source: 'SOURCE_EXECUTOR', message: 'Command exited with status 0' }, true));
        }
      });
    });
  }

  private later(task: SimTask, ms: number, fn: () => void): void {
    task.timers.push(
      setTimeout(() => {
        if (!TERMINAL_STATES.has(task.state)) fn();
      }, ms),
    );
  }

  /** Moves a task to `state`; agent-originated updates carry a uuid and need ACKNOWLEDGE. */
  transition(task: SimTask, state: TaskState, extra: Partial<TaskStatus>, reliable: boolean): void {
    task.state = state;
    const status: TaskStatus = {
      task_id: task.info.task_id,
      state,
      agent_id: { value: task.agentId },
      timestamp: Date.now() / 1000,
      ...extra,
    };
    if (reliable) status.uuid = Buffer.from(randomUUID().replace(/-/g, ''), 'hex').toString('base64');
    task.latest = status;
    if (TERMINAL_STATES.has(state)) for (const t of task.timers) clearTimeout(t);
    const fw = this.frameworks.get(task.frameworkId);
    if (!fw) return;
    if (!reliable) {
      this.sendStatus(fw, status);
      return;
    }
    task.unacked.push(status);
    if (task.unacked.length === 1) this.sendStatus(fw, status);
  }

  acknowledge(fw: SimFramework, taskId: string, uuid: string): boolean {
    const task = this.tasks.get(`${fw.id}/${taskId}`);
    if (!task || task.unacked.length === 0 || task.unacked[0].uuid !== uuid) return false;
    task.unacked.shift();
    if (task.unacked.length > 0) this.sendStatus(fw, task.unacked[0]);
    return true;
  }

  kill(fw: SimFramework, taskId: string): void {
    const task = this.tasks.get(`${fw.id}/${taskId}`);
    if (!task || TERMINAL_STATES.has(task.state)) {
      this.sendStatus(fw, {
        task_id: { value: taskId },
        state: fw.capabilities.has('PARTITION_AWARE') ? 'TASK_UNKNOWN' : 'TASK_LOST',
        source: 'SOURCE_MASTER',
        reason: 'REASON_RECONCILIATION',
        message: 'Attempted to kill an unknown task',
        timestamp: Date.now() / 1000,
      });
      return;
    }
    if (fw.capabilities.has('TASK_KILLING_STATE') && task.state === 'TASK_RUNNING') {
      this.transition(task, 'TASK_KILLING', { source: 'SOURCE_EXECUTOR' }, true);
    }
    task.timers.push(
      setTimeout(() => {
        if (!TERMINAL_STATES.has(task.state)) this.transition(task, 'TASK_KILLED', { source: 'SOURCE_EXECUTOR', message: 'Command terminated with signal Terminated' }, true);
      }, this.knobs.killDelayMs),
    );
  }

  reconcile(fw: SimFramework, tasks: Array<{ taskId: string }>): void {
    const reply = (status: TaskStatus): void => {
      const { uuid: _uuid, ...rest } = status;
      this.sendStatus(fw, { ...rest, source: 'SOURCE_MASTER', reason: 'REASON_RECONCILIATION', timestamp: Date.now() / 1000 });
    };
    if (tasks.length === 0) {
      for (const t of this.tasks.values()) if (t.frameworkId === fw.id && !TERMINAL_STATES.has(t.state)) reply(t.latest);
      return;
    }
    for (const { taskId } of tasks) {
      const t = this.tasks.get(`${fw.id}/${taskId}`);
      if (t && !TERMINAL_STATES.has(t.state)) reply(t.latest);
      else reply({ task_id: { value: taskId }, state: fw.capabilities.has('PARTITION_AWARE') ? 'TASK_UNKNOWN' : 'TASK_LOST', message: 'Reconciliation: Task is unknown' });
    }
  }

  teardown(fw: SimFramework): void {
    this.removeFramework(fw);
  }

  /** Live (non-terminal) tasks of all frameworks. */
  liveTasks(): SimTask[] {
    return [...this.tasks.values()].filter((t) => !TERMINAL_STATES.has(t.state));
  }

  /** True when two live tasks on one agent hold the same host port: Mesos accounting must prevent it. */
  portCollisions(): number {
    let n = 0;
    const live = this.liveTasks();
    for (let i = 0; i < live.length; i++)
      for (let j = i + 1; j < live.length; j++)
        if (live[i].agentId === live[j].agentId && rangesOverlap(live[i].used.ports, live[j].used.ports)) n++;
    return n;
  }

  stop(): void {
    clearInterval(this.offerTimer);
    clearInterval(this.retryTimer);
    for (const t of this.heartbeatTimers.values()) clearInterval(t);
    for (const t of this.tasks.values()) for (const timer of t.timers) clearTimeout(timer);
    for (const fw of this.frameworks.values()) {
      if (fw.failoverTimer) clearTimeout(fw.failoverTimer);
      const s = fw.stream;
      fw.stream = null;
      s?.close();
    }
  }
}
