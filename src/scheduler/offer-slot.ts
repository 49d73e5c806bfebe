/**
 * A held Mesos offer and what is still unclaimed in it. Several pods may be packed into one offer in
 * a scheduling pass; each claim subtracts from the remainder so an offer is never over-used.
 */
import type { Pod } from 'kubernetes-types/core/v1';
import type { Attribute, Offer, Range, Resource } from './mesos/types';
import type { PodRequirements } from './pod-resources';

const EPS = 1e-6;

export interface Claim {
  cpus: number;
  memMB: number;
  ports: number[];
}

export type FitResult = { ok: true } | { ok: false; reason: string };

export class OfferSlot {
  cpus = 0;
  memMB = 0;
  ports: Range[] = [];
  readonly claims: Claim[] = [];

  constructor(
    readonly offer: Offer,
    readonly receivedAt: number,
  ) {
    for (const r of offer.resources) {
      if (r.name === 'cpus' && r.scalar) this.cpus += r.scalar.value;
      else if (r.name === 'mem' && r.scalar) this.memMB += r.scalar.value;
      else if (r.name === 'ports' && r.ranges) this.ports.push(...r.ranges.range.map((x) => ({ begin: Number(x.begin), end: Number(x.end) })));
    }
  }

  get id(): string {
    return this.offer.id.value;
  }
  get agentId(): string {
    return this.offer.agent_id.value;
  }
  get hostname(): string {
    return this.offer.hostname;
  }

  /** Whether the pod fits in what is left, including its node constraints. */
  fits(pod: Pod, req: PodRequirements): FitResult {
    const nodeName = pod.spec?.nodeName;
    if (nodeName && nodeName !== this.hostname) return { ok: false, reason: `pod is bound to ${nodeName}` };
    const selector = pod.spec?.nodeSelector ?? {};
    for (const [key, value] of Object.entries(selector)) {
      if (!this.labelMatches(key, value)) return { ok: false, reason: `node selector ${key}=${value} does not match` };
    }
    if (req.cpus > this.cpus + EPS) return { ok: false, reason: `insufficient cpus (pod needs ${req.cpus}, offer has ${round3(this.cpus)})` };
    if (req.memMB > this.memMB + EPS) return { ok: false, reason: `insufficient mem (pod needs ${req.memMB} MB, offer has ${round3(this.memMB)} MB)` };
    for (const hp of req.hostPorts) {
      if (!this.ports.some((r) => hp.hostPort >= r.begin && hp.hostPort <= r.end)) {
        return { ok: false, reason: `host port ${hp.hostPort} is not offered` };
      }
    }
    return { ok: true };
  }

  claim(req: PodRequirements): Claim {
    const claim: Claim = { cpus: req.cpus, memMB: req.memMB, ports: req.hostPorts.map((h) => h.hostPort) };
    this.cpus -= claim.cpus;
    this.memMB -= claim.memMB;
    for (const p of claim.ports) this.ports = removePort(this.ports, p);
    this.claims.push(claim);
    return claim;
  }

  /**
   * The Resource entries for a claim, carved from the offer's own entries so role and allocation
   * info match what Mesos offered (a MULTI_ROLE master refuses resources without them).
   */
  resourcesFor(claim: Claim): Resource[] {
    const meta = (name: string): Pick<Resource, 'role' | 'allocation_info'> => {
      const r = this.offer.resources.find((x) => x.name === name);
      const out: Pick<Resource, 'role' | 'allocation_info'> = {};
      if (r?.role !== undefined) out.role = r.role;
      if (r?.allocation_info !== undefined) out.allocation_info = r.allocation_info;
      return out;
    };
    const res: Resource[] = [
      { name: 'cpus', type: 'SCALAR', scalar: { value: claim.cpus }, ...meta('cpus') },
      { name: 'mem', type: 'SCALAR', scalar: { value: claim.memMB }, ...meta('mem') },
    ];
    if (claim.ports.length > 0) {
      res.push({ name: 'ports', type: 'RANGES', ranges: { range: claim.ports.map((p) => ({ begin: p, end: p })) }, ...meta('ports') });
    }
    return res;
  }

  /** nodeSelector keys: the hostname label, or an agent attribute (plain or k8s.mesosphere.io/attribute-<name>). */
  private labelMatches(key: string, value: string): boolean {
    if (key === 'kubernetes.io/hostname') return value === this.hostname;
    const name = key.startsWith('k8s.mesosphere.io/attribute-') ? key.slice('k8s.mesosphere.io/attribute-'.length) : key;
    const attr = (this.offer.attributes ?? []).find((a) => a.name === name);
    return attr !== undefined && attributeValue(attr) === value;
  }
}

export function attributeValue(a: Attribute): string {
  if (a.text) return a.text.value;
  if (a.scalar) return String(a.scalar.value);
  if (a.set) return a.set.item.join(',');
  if (a.ranges) return a.ranges.range.map((r) => `${r.begin}-${r.end}`).join(',');
  return '';
}

function removePort(ranges: Range[], port: number): Range[] {
  const out: Range[] = [];
  for (const r of ranges) {
    if (port < r.begin || port > r.end) out.push(r);
    else {
      if (r.begin < port) out.push({ begin: r.begin, end: port - 1 });
      if (r.end > port) out.push({ begin: port + 1, end: r.end });
    }
  }
  return out;
}

function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}
