/** Resource arithmetic for the simulator: cpus/mem scalars and `ports` ranges, as Mesos accounts them. */
import type { Range, Resource } from '../../src/scheduler/mesos/types';

export interface ResourceBag {
  cpus: number;
  mem: number;
  ports: Range[];
}

export const EPS = 1e-6;

export function emptyBag(): ResourceBag {
  return { cpus: 0, mem: 0, ports: [] };
}

export function normalize(ranges: Range[]): Range[] {
  const sorted = ranges.filter((r) => r.end >= r.begin).map((r) => ({ ...r })).sort((a, b) => a.begin - b.begin);
  const out: Range[] = [];
  for (const r of sorted) {
    const last = out[out.length - 1];
    if (last && r.begin <= last.end + 1) last.end = Math.max(last.end, r.end);
    else out.push(r);
  }
  return out;
}

export function subtractRanges(from: Range[], take: Range[]): Range[] {
  let cur = normalize(from);
  for (const t of take) {
    const next: Range[] = [];
    for (const r of cur) {
      if (t.end < r.begin || t.begin > r.end) next.push(r);
      else {
        if (r.begin < t.begin) next.push({ begin: r.begin, end: t.begin - 1 });
        if (r.end > t.end) next.push({ begin: t.end + 1, end: r.end });
      }
    }
    cur = next;
  }
  return cur;
}

export function rangesContain(outer: Range[], inner: Range[]): boolean {
  return inner.every((i) => outer.some((o) => i.begin >= o.begin && i.end <= o.end));
}

export function rangesOverlap(a: Range[], b: Range[]): boolean {
  return a.some((x) => b.some((y) => x.begin <= y.end && y.begin <= x.end));
}

export function fromResources(resources: Resource[]): ResourceBag {
  const bag = emptyBag();
  for (const r of resources) {
    if (r.name === 'cpus' && r.scalar) bag.cpus += r.scalar.value;
    else if (r.name === 'mem' && r.scalar) bag.mem += r.scalar.value;
    else if (r.name === 'ports' && r.ranges) bag.ports.push(...r.ranges.range.map((x) => ({ begin: Number(x.begin), end: Number(x.end) })));
  }
  bag.ports = normalize(bag.ports);
  return bag;
}

/** Offered resources; a MULTI_ROLE framework gets them tagged with the role they are allocated to. */
export function toResources(bag: ResourceBag, allocationRole?: string): Resource[] {
  const meta: Partial<Resource> = { role: '*' };
  if (allocationRole !== undefined) meta.allocation_info = { role: allocationRole };
  const out: Resource[] = [];
  if (bag.cpus > EPS) out.push({ name: 'cpus', type: 'SCALAR', scalar: { value: round(bag.cpus) }, ...meta });
  if (bag.mem > EPS) out.push({ name: 'mem', type: 'SCALAR', scalar: { value: round(bag.mem) }, ...meta });
  if (bag.ports.length > 0) out.push({ name: 'ports', type: 'RANGES', ranges: { range: bag.ports }, ...meta });
  return out;
}

/** Mesos keeps scalars at three decimal places. */
function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}

export function bagContains(outer: ResourceBag, inner: ResourceBag): boolean {
  return inner.cpus <= outer.cpus + EPS && inner.mem <= outer.mem + EPS && rangesContain(outer.ports, inner.ports);
}

export function bagSubtract(a: ResourceBag, b: ResourceBag): ResourceBag {
  return { cpus: a.cpus - b.cpus, mem: a.mem - b.mem, ports: subtractRanges(a.ports, b.ports) };
}

export function bagAdd(a: ResourceBag, b: ResourceBag): ResourceBag {
  return { cpus: a.cpus + b.cpus, mem: a.mem + b.mem, ports: normalize([...a.ports, ...b.ports]) };
}

export function bagIsEmpty(b: ResourceBag): boolean {
  return b.cpus <= EPS && b.mem <= EPS && b.ports.length === 0;
}
