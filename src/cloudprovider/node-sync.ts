/**
 * What the node controller should do to make Node objects match the cloud provider's instances:
 * create a node per new machine, keep live ones Ready with current capacity, mark vanished ones
 * NotReady, and remove them once they have stayed gone for the grace period. Pure: the caller
 * applies the plan through the API.
 */
import type { Node, NodeCondition } from 'kubernetes-types/core/v1';
import type { CloudInstance } from './interface';

/** Marks nodes this provider manages, so hand-made nodes are never removed. */
export const MANAGED_BY_ANNOTATION = 'k8s.mesosphere.io/managed-by';

export interface NodePlan {
  create: Node[];
  /** Nodes whose status (Ready, capacity, addresses) must be written. */
  updateStatus: Node[];
  remove: string[];
}

function readyCondition(status: 'True' | 'False', reason: string, message: string, now: string, prev?: NodeCondition): NodeCondition {
  return {
    type: 'Ready',
    status,
    reason,
    message,
    lastHeartbeatTime: now,
    lastTransitionTime: prev?.status === status ? (prev.lastTransitionTime ?? now) : now,
  };
}

export function nodeFor(inst: CloudInstance, provider: string, now: string, prev?: Node): Node {
  const prevReady = prev?.status?.conditions?.find((c) => c.type === 'Ready');
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      ...prev?.metadata,
      name: inst.name,
      labels: { ...prev?.metadata?.labels, ...inst.labels },
      annotations: { ...prev?.metadata?.annotations, [MANAGED_BY_ANNOTATION]: provider },
    },
    spec: { ...prev?.spec, providerID: inst.providerID },
    status: {
      ...prev?.status,
      capacity: inst.capacity,
      allocatable: inst.capacity,
      addresses: inst.addresses,
      conditions: [readyCondition('True', 'AgentActive', `${provider} agent is active`, now, prevReady)],
    },
  };
}

export function planNodeSync(instances: CloudInstance[], existing: Node[], provider: string, now: Date, removeAfterMs: number): NodePlan {
  const plan: NodePlan = { create: [], updateStatus: [], remove: [] };
  const iso = now.toISOString();
  const byName = new Map(existing.map((n) => [n.metadata?.name ?? '', n]));
  for (const inst of instances) {
    const prev = byName.get(inst.name);
    if (!prev) plan.create.push(nodeFor(inst, provider, iso));
    else plan.updateStatus.push(nodeFor(inst, provider, iso, prev));
  }
  const live = new Set(instances.map((i) => i.name));
  for (const n of existing) {
    const name = n.metadata?.name ?? '';
    if (live.has(name) || n.metadata?.annotations?.[MANAGED_BY_ANNOTATION] !== provider) continue;
    const ready = n.status?.conditions?.find((c) => c.type === 'Ready');
    if (ready?.status === 'False') {
      const since = Date.parse(ready.lastTransitionTime ?? iso);
      if (now.getTime() - since >= removeAfterMs) plan.remove.push(name);
      continue;
    }
    plan.updateStatus.push({
      ...n,
      status: {
        ...n.status,
        conditions: [...(n.status?.conditions ?? []).filter((c) => c.type !== 'Ready'), readyCondition('False', 'AgentGone', `${provider} agent is gone`, iso, ready)],
      },
    });
  }
  return plan;
}
