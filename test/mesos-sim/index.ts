/**
 * Entry point of the Mesos master simulator used by the scheduler tests: a cluster of simulated
 * agents behind one or more simulated masters (real HTTP servers on loopback), optionally electing
 * their leader through a real ZooKeeper.
 */
import type { AgentSpec, SimKnobs } from './cluster';
import { SimCluster } from './cluster';
import { SimMaster } from './master';
import { ZkElection } from './zk-election';

export { SimCluster } from './cluster';
export { SimMaster } from './master';
export type { AgentSpec, SimKnobs, TaskBehaviour } from './cluster';

export interface MesosSimOptions {
  masters?: number;
  agents?: AgentSpec[];
  knobs?: Partial<SimKnobs>;
  /** ZooKeeper connect string; when set, masters elect their leader under `zkPath`. */
  zk?: string;
  zkPath?: string;
}

export interface MesosSim {
  cluster: SimCluster;
  masters: SimMaster[];
  election: ZkElection | null;
  leader(): SimMaster | undefined;
  stop(): Promise<void>;
}

export async function startMesosSim(opts: MesosSimOptions = {}): Promise<MesosSim> {
  const cluster = new SimCluster(opts.knobs);
  const masters: SimMaster[] = [];
  for (let i = 0; i < (opts.masters ?? 1); i++) {
    const m = new SimMaster(cluster, () => masters);
    await m.start();
    masters.push(m);
  }
  cluster.masterInfo = (id) => masters.find((m) => m.id === id)?.info();
  for (const a of opts.agents ?? []) cluster.addAgent(a);
  let election: ZkElection | null = null;
  if (opts.zk) {
    election = new ZkElection(opts.zk, opts.zkPath ?? '/mesos', cluster);
    await election.start();
    for (const m of masters) await election.join(m);
  } else {
    cluster.setLeader(masters[0].id);
  }
  return {
    cluster,
    masters,
    election,
    leader: () => masters.find((m) => m.id === cluster.leaderId),
    async stop() {
      election?.stop();
      cluster.stop();
      for (const m of masters) await m.stop();
    },
  };
}
