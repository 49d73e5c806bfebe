/**
 * The mesos cloud provider: the cluster's machines are the Mesos agents the leading master knows,
 * read from its state endpoint and cached briefly. Unlike kubernetes-mesos (which reported mem in
 * MB as a byte count and truncated cpus) capacities keep Mesos's units right: mem MB → "Mi",
 * fractional cpus → millicores.
 */
import http from 'node:http';
import type { CloudInstance, CloudProvider } from '../interface';
import type { MesosCloudConfig } from './config';
import type { MasterDetector } from '../../scheduler/mesos/master-detector';
import { detectorFor } from '../../scheduler/mesos/master-detector';

interface StateAgent {
  id?: unknown;
  hostname?: unknown;
  pid?: unknown;
  active?: unknown;
  resources?: { cpus?: unknown; mem?: unknown };
  attributes?: Record<string, unknown>;
}

interface MasterState {
  cluster?: unknown;
  leader?: unknown;
  pid?: unknown;
  slaves?: StateAgent[];
}

export function instanceFromAgent(a: StateAgent): CloudInstance | null {
  if (typeof a.hostname !== 'string' || typeof a.id !== 'string' || a.active === false) return null;
  const cpus = typeof a.resources?.cpus === 'number' ? a.resources.cpus : 0;
  const mem = typeof a.resources?.mem === 'number' ? a.resources.mem : 0;
  const ip = typeof a.pid === 'string' ? /@([^:]+):/.exec(a.pid)?.[1] : undefined;
  const labels: Record<string, string> = { 'kubernetes.io/hostname': a.hostname };
  for (const [k, v] of Object.entries(a.attributes ?? {})) {
    if (typeof v === 'string' || typeof v === 'number') labels[`k8s.mesosphere.io/attribute-${k}`] = String(v);
  }
  const addresses: CloudInstance['addresses'] = [{ type: 'Hostname', address: a.hostname }];
  if (ip) addresses.unshift({ type: 'InternalIP', address: ip });
  return {
    name: a.hostname,
    providerID: `mesos:///${a.id}`,
    addresses,
    capacity: { cpu: `${Math.round(cpus * 1000)}m`, memory: `${Math.floor(mem)}Mi`, pods: '110' },
    labels,
  };
}

export class MesosCloudProvider implements CloudProvider {
  readonly name = 'mesos';
  private readonly detector: MasterDetector;
  private cache: { at: number; state: MasterState } | null = null;
  private started = false;

  constructor(private readonly cfg: MesosCloudConfig, detector?: MasterDetector) {
    this.detector = detector ?? detectorFor(cfg.master);
  }

  async clusterName(): Promise<string> {
    const s = await this.state();
    return typeof s.cluster === 'string' && s.cluster ? s.cluster : 'mesos';
  }

  async instances(): Promise<CloudInstance[]> {
    const s = await this.state();
    return (s.slaves ?? []).map(instanceFromAgent).filter((i): i is CloudInstance => i !== null);
  }

  stop(): void {
    this.detector.stop();
  }

  private async leader(): Promise<string> {
    if (!this.started) {
      this.started = true;
      this.detector.start(() => {});
    }
    for (let i = 0; i < 50; i++) {
      const l = this.detector.current();
      if (l) return l;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('no leading Mesos master known');
  }

  private async state(): Promise<MasterState> {
    if (this.cache && Date.now() - this.cache.at < this.cfg.stateCacheTtlMs) return this.cache.state;
    let address = await this.leader();
    let state = await this.get(address);
    // A non-leading master names the leader as master@host:port: ask that one instead.
    const leaderPid = typeof state.leader === 'string' ? state.leader : undefined;
    if (leaderPid && leaderPid !== state.pid) {
      address = leaderPid.replace(/^master@/, '');
      state = await this.get(address);
    }
    this.cache = { at: Date.now(), state };
    return state;
  }

  private get(address: string): Promise<MasterState> {
    const i = address.lastIndexOf(':');
    return new Promise((resolve, reject) => {
      const req = http.get({ host: address.slice(0, i), port: Number(address.slice(i + 1)), path: '/master/state', timeout: this.cfg.httpClientTimeoutMs }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString('utf8')));
        res.on('end', () => {
          if (res.statusCode !== 200) return reject(new Error(`GET ${address}/master/state: HTTP ${res.statusCode}`));
          try {
            resolve(JSON.parse(body) as MasterState);
          } catch (e) {
            reject(new Error(`GET ${address}/master/state: bad JSON: ${String(e)}`));
          }
        });
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', reject);
    });
  }
}
