/**
 * What a pod asks of a Mesos agent: cpus and mem summed over its containers (limits, else requests,
 * else the kubernetes-mesos per-container defaults of 0.25 cpu / 64 MB), and its fixed host ports.
 */
import type { Pod } from 'kubernetes-types/core/v1';
import { parseQuantity } from '../api/quantity';

export interface ResourceDefaults {
  cpus: number;
  /** MB, as Mesos counts mem. */
  memMB: number;
}

export const KM_DEFAULTS: ResourceDefaults = { cpus: 0.25, memMB: 64 };

export interface HostPortRequest {
  container: string;
  containerPort: number;
  hostPort: number;
  protocol: string;
}

export interface PodRequirements {
  cpus: number;
  memMB: number;
  hostPorts: HostPortRequest[];
  /** Set when the pod can never be placed as written (duplicate host ports, no containers). */
  invalid?: string;
}

export function podRequirements(pod: Pod, defaults: ResourceDefaults = KM_DEFAULTS): PodRequirements {
  const containers = pod.spec?.containers ?? [];
  let cpus = 0;
  let memMB = 0;
  const hostPorts: HostPortRequest[] = [];
  for (const c of containers) {
    const cpu = parseQuantity(c.resources?.limits?.cpu) ?? parseQuantity(c.resources?.requests?.cpu);
    const mem = parseQuantity(c.resources?.limits?.memory) ?? parseQuantity(c.resources?.requests?.memory);
    cpus += cpu !== undefined && cpu > 0 ? cpu : defaults.cpus;
    memMB += mem !== undefined && mem > 0 ? mem / (1024 * 1024) : defaults.memMB;
    for (const p of c.ports ?? []) {
      // hostPort 0 (or unset) keeps the port private to the pod: nothing to reserve on the agent.
      if (p.hostPort && p.hostPort > 0) {
        hostPorts.push({ container: c.name, containerPort: p.containerPort, hostPort: p.hostPort, protocol: (p.protocol ?? 'TCP').toUpperCase() });
      }
    }
  }
  const req: PodRequirements = { cpus: round3(cpus), memMB: Math.ceil(memMB), hostPorts };
  const seen = new Set<number>();
  for (const hp of hostPorts) {
    if (seen.has(hp.hostPort)) req.invalid = `host port ${hp.hostPort} is used twice in the pod`;
    seen.add(hp.hostPort);
  }
  if (containers.length === 0) req.invalid = 'pod has no containers';
  // One Mesos command task runs one container; pods sharing a network namespace need LAUNCH_GROUP.
  if (containers.length > 1) req.invalid = 'pods with more than one container are not supported by the Mesos scheduler yet';
  return req;
}

function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}
