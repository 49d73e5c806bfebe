/**
 * Pod → Mesos TaskInfo. One task per pod: the task id derives from the pod uid (plus a launch
 * attempt after a relaunch), the name is namespace/name, the resources are exactly what was claimed
 * from the offer (host ports included, so Mesos accounts for them), and the container runs the pod's
 * image with its command, args, env and host-port mappings. Labels name the pod.
 */
import type { Pod } from 'kubernetes-types/core/v1';
import type { CommandInfo, ContainerInfo, TaskInfo } from './mesos/types';
import type { Claim, OfferSlot } from './offer-slot';
import type { PodRequirements } from './pod-resources';

export type Containerizer = 'DOCKER' | 'MESOS';

export function taskIdFor(uid: string, attempt: number): string {
  return attempt === 0 ? `pod.${uid}` : `pod.${uid}.${attempt}`;
}

/** The pod uid a task id was derived from, or undefined for a task km did not launch. */
export function uidFromTaskId(taskId: string): string | undefined {
  const m = /^pod\.([0-9A-Za-z-]+?)(?:\.(\d+))?$/.exec(taskId);
  return m ? m[1] : undefined;
}

export function buildTaskInfo(
  pod: Pod,
  slot: OfferSlot,
  claim: Claim,
  req: PodRequirements,
  taskId: string,
  containerizer: Containerizer,
): TaskInfo {
  const c = pod.spec?.containers?.[0];
  if (!c) throw new Error('pod has no containers');
  const image = c.image ?? '';
  const command: CommandInfo = { shell: false };
  // Kubernetes `command` replaces the image entrypoint and `args` its CMD. For Docker the entrypoint
  // goes in as a docker parameter; Mesos passes `arguments` as the CMD.
  const args = [...(c.command?.slice(1) ?? []), ...(c.args ?? [])];
  if (args.length > 0) command.arguments = args;
  const env = (c.env ?? []).filter((e) => e.value !== undefined).map((e) => ({ name: e.name, value: e.value ?? '' }));
  if (env.length > 0) command.environment = { variables: env };
  const mappings = req.hostPorts.map((h) => ({ host_port: h.hostPort, container_port: h.containerPort, protocol: h.protocol.toLowerCase() }));
  let container: ContainerInfo;
  if (containerizer === 'DOCKER') {
    container = { type: 'DOCKER', docker: { image, network: 'BRIDGE' } };
    if (mappings.length > 0) container.docker!.port_mappings = mappings;
    if (c.command && c.command.length > 0) {
      container.docker!.parameters = [{ key: 'entrypoint', value: c.command[0] }];
    }
  } else {
    container = { type: 'MESOS', mesos: { image: { type: 'DOCKER', docker: { name: image } } } };
    if (mappings.length > 0) container.network_infos = [{ name: 'mesos-bridge', port_mappings: mappings }];
    if (c.command && c.command.length > 0) command.value = c.command[0];
  }
  const ns = pod.metadata?.namespace ?? 'default';
  const name = pod.metadata?.name ?? '';
  return {
    name: `${ns}/${name}`,
    task_id: { value: taskId },
    agent_id: { value: slot.agentId },
    resources: slot.resourcesFor(claim),
    command,
    container,
    labels: {
      labels: [
        { key: 'io.kubernetes.pod.namespace', value: ns },
        { key: 'io.kubernetes.pod.name', value: name },
        { key: 'io.kubernetes.pod.uid', value: pod.metadata?.uid ?? '' },
      ],
    },
  };
}
