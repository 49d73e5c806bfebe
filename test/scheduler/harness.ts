/**
 * Test harness: the Mesos master simulator (real HTTP on loopback), the in-memory API-server stand-in
 * and a MesosScheduler wired to both. Also the seed's nginx pod.
 */
import type { Pod } from 'kubernetes-types/core/v1';
import { MesosScheduler } from '../../src/scheduler/scheduler';
import type { MesosSchedulerOptions } from '../../src/scheduler/scheduler';
import type { TaskInfo } from '../../src/scheduler/mesos/types';
import { startMesosSim } from '../mesos-sim';
import type { MesosSim, MesosSimOptions } from '../mesos-sim';
import { InMemoryPods } from './in-memory-pods';
import { recordingLogger } from './helpers';

export interface Harness {
  sim: MesosSim;
  pods: InMemoryPods;
  scheduler: MesosScheduler;
  logger: ReturnType<typeof recordingLogger>;
  /** Stops the scheduler (as a crash would: no TEARDOWN) and starts a fresh instance. */
  restart(): Promise<MesosScheduler>;
  launches(): TaskInfo[];
  stop(): Promise<void>;
}

export async function startHarness(
  simOpts: MesosSimOptions,
  schedOpts: Partial<MesosSchedulerOptions> = {},
  pods = new InMemoryPods(),
): Promise<Harness> {
  const sim = await startMesosSim(simOpts);
  const logger = recordingLogger();
  const make = (): MesosScheduler =>
    new MesosScheduler({
      master: sim.masters[0].address,
      user: 'root',
      source: pods,
      sink: pods,
      frameworkStore: pods,
      logger,
      offerTtlMs: 2000,
      backoff: { initialMs: 100, maxMs: 1000 },
      reconcileIntervalMs: 0,
      client: { backoffMinMs: 50, backoffMaxMs: 500 },
      ...schedOpts,
    });
  const h: Harness = {
    sim,
    pods,
    logger,
    scheduler: make(),
    async restart() {
      await h.scheduler.stop();
      h.scheduler = make();
      await h.scheduler.start();
      return h.scheduler;
    },
    launches() {
      const out: TaskInfo[] = [];
      for (const c of sim.cluster.calls) {
        if (c.type !== 'ACCEPT' || c.status !== 202) continue;
        const body = c.body as { accept: { operations: Array<{ launch?: { task_infos: TaskInfo[] } }> } };
        for (const op of body.accept.operations) out.push(...(op.launch?.task_infos ?? []));
      }
      return out;
    },
    async stop() {
      await h.scheduler.stop();
      await sim.stop();
    },
  };
  await h.scheduler.start();
  return h;
}

export function nginxPod(name = 'nginx', extra: Partial<Pod['spec']> = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels: { name: 'nginx' } },
    spec: {
      containers: [
        {
          name: 'nginx',
          image: 'nginx',
          ports: [{ containerPort: 80, hostPort: 31000 }],
          resources: { limits: { cpu: '250m', memory: '64Mi' } },
        },
      ],
      ...extra,
    },
  };
}

export function smallPod(name: string, cpu = '100m', memory = '64Mi', extra: Partial<Pod['spec']> = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: { containers: [{ name: 'app', image: 'busybox', command: ['sleep'], args: ['3600'], resources: { requests: { cpu, memory } } }], ...extra },
  };
}
