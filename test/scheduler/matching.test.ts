/** Pod requirements, offer fitting and TaskInfo building: the rules kubernetes-mesos matched pods by. */
import type { Pod } from 'kubernetes-types/core/v1';
import { podRequirements } from '../../src/scheduler/pod-resources';
import { OfferSlot } from '../../src/scheduler/offer-slot';
import { buildTaskInfo, taskIdFor, uidFromTaskId } from '../../src/scheduler/task-builder';
import type { Offer } from '../../src/scheduler/mesos/types';
import { PodQueue } from '../../src/scheduler/pod-queue';

function pod(spec: Pod['spec']): Pod {
  return { metadata: { name: 'p', namespace: 'ns', uid: 'u-1' }, spec };
}

function offer(cpus: number, mem: number, ports: Array<[number, number]> = [[31000, 32000]]): Offer {
  return {
    id: { value: 'o1' },
    framework_id: { value: 'f' },
    agent_id: { value: 'a1' },
    hostname: 'h1',
    resources: [
      { name: 'cpus', type: 'SCALAR', scalar: { value: cpus }, role: '*', allocation_info: { role: '*' } },
      { name: 'mem', type: 'SCALAR', scalar: { value: mem }, role: '*', allocation_info: { role: '*' } },
      { name: 'ports', type: 'RANGES', ranges: { range: ports.map(([begin, end]) => ({ begin, end })) }, role: '*', allocation_info: { role: '*' } },
    ],
    attributes: [{ name: 'zone', type: 'TEXT', text: { value: 'z1' } }],
  };
}

test('containers without requests or limits get the kubernetes-mesos defaults of 0.25 cpu and 64 MB each', () => {
  const req = podRequirements(pod({ containers: [{ name: 'a', image: 'x' }] }));
  expect(req).toMatchObject({ cpus: 0.25, memMB: 64 });
});

test('limits win over requests, and quantities are converted to cores and MB', () => {
  const req = podRequirements(pod({ containers: [{ name: 'a', image: 'x', resources: { limits: { cpu: '500m', memory: '1Gi' }, requests: { cpu: '100m', memory: '64Mi' } } }] }));
  expect(req).toMatchObject({ cpus: 0.5, memMB: 1024 });
});

test('duplicate host ports and multi-container pods are refused up front', () => {
  expect(podRequirements(pod({ containers: [{ name: 'a', image: 'x', ports: [{ containerPort: 80, hostPort: 31000 }, { containerPort: 81, hostPort: 31000 }] }] })).invalid).toContain('31000');
  expect(podRequirements(pod({ containers: [{ name: 'a', image: 'x' }, { name: 'b', image: 'y' }] })).invalid).toBeDefined();
});

test('an offer fits only while cpus, mem and every host port remain; claims are subtracted', () => {
  const slot = new OfferSlot(offer(0.6, 200), 0);
  const p = pod({ containers: [{ name: 'a', image: 'x', ports: [{ containerPort: 80, hostPort: 31000 }] }] });
  const req = podRequirements(p);
  expect(slot.fits(p, req)).toEqual({ ok: true });
  slot.claim(req);
  const again = slot.fits(p, req);
  expect(again.ok).toBe(false);
  const q = pod({ containers: [{ name: 'a', image: 'x' }] });
  expect(slot.fits(q, podRequirements(q))).toEqual({ ok: true });
  slot.claim(podRequirements(q));
  expect(slot.fits(q, podRequirements(q))).toMatchObject({ ok: false, reason: expect.stringContaining('insufficient cpus') });
});

test('host ports outside the offered ranges never fit', () => {
  const p = pod({ containers: [{ name: 'a', image: 'x', ports: [{ containerPort: 80, hostPort: 80 }] }] });
  expect(new OfferSlot(offer(4, 4096), 0).fits(p, podRequirements(p))).toMatchObject({ ok: false, reason: 'host port 80 is not offered' });
});

test('nodeSelector matches the hostname label and agent attributes; nodeName pins the host', () => {
  const slot = new OfferSlot(offer(4, 4096), 0);
  const fit = (spec: Partial<NonNullable<Pod['spec']>>): boolean => {
    const p = pod({ containers: [{ name: 'a', image: 'x' }], ...spec });
    return slot.fits(p, podRequirements(p)).ok;
  };
  expect(fit({ nodeSelector: { zone: 'z1' } })).toBe(true);
  expect(fit({ nodeSelector: { 'k8s.mesosphere.io/attribute-zone': 'z1' } })).toBe(true);
  expect(fit({ nodeSelector: { zone: 'z2' } })).toBe(false);
  expect(fit({ nodeSelector: { 'kubernetes.io/hostname': 'h1' } })).toBe(true);
  expect(fit({ nodeName: 'h2' })).toBe(false);
});

test('TaskInfo carries the claimed resources with the offer role metadata, the docker image, entrypoint, args, env and port mappings', () => {
  const slot = new OfferSlot(offer(4, 4096), 0);
  const p = pod({
    containers: [{ name: 'a', image: 'nginx:1.25', command: ['/bin/sh', '-c'], args: ['echo hi'], env: [{ name: 'A', value: '1' }, { name: 'B', valueFrom: { fieldRef: { fieldPath: 'x' } } }], ports: [{ containerPort: 80, hostPort: 31005, protocol: 'UDP' }] }],
  });
  const req = podRequirements(p);
  const claim = slot.claim(req);
  const t = buildTaskInfo(p, slot, claim, req, taskIdFor('u-1', 0), 'DOCKER');
  expect(t.task_id.value).toBe('pod.u-1');
  expect(t.name).toBe('ns/p');
  expect(t.agent_id.value).toBe('a1');
  expect(t.resources).toContainEqual({ name: 'ports', type: 'RANGES', ranges: { range: [{ begin: 31005, end: 31005 }] }, role: '*', allocation_info: { role: '*' } });
  expect(t.container?.docker).toEqual({ image: 'nginx:1.25', network: 'BRIDGE', port_mappings: [{ host_port: 31005, container_port: 80, protocol: 'udp' }], parameters: [{ key: 'entrypoint', value: '/bin/sh' }] });
  expect(t.command).toEqual({ shell: false, arguments: ['-c', 'echo hi'], environment: { variables: [{ name: 'A', value: '1' }] } });
  const mesos = buildTaskInfo(p, slot, claim, req, taskIdFor('u-1', 2), 'MESOS');
  expect(mesos.task_id.value).toBe('pod.u-1.2');
  expect(mesos.container).toMatchObject({ type: 'MESOS', mesos: { image: { type: 'DOCKER', docker: { name: 'nginx:1.25' } } } });
});

test('task ids map back to the pod uid, with or without a relaunch attempt', () => {
  expect(uidFromTaskId('pod.8d3c-11ef-9')).toBe('8d3c-11ef-9');
  expect(uidFromTaskId('pod.8d3c-11ef-9.3')).toBe('8d3c-11ef-9');
  expect(uidFromTaskId('marathon.app')).toBeUndefined();
});

test('the queue hands out pods in arrival order and holds failed ones back with doubling backoff', () => {
  const q = new PodQueue({ initialMs: 100, maxMs: 300 });
  q.add('a');
  q.add('b');
  q.add('c');
  expect(q.ready(0)).toEqual(['a', 'b', 'c']);
  expect(q.backoff('a', 0)).toBe(100);
  expect(q.ready(50)).toEqual(['b', 'c']);
  expect(q.ready(100)).toEqual(['a', 'b', 'c']);
  expect(q.backoff('a', 100)).toBe(200);
  expect(q.backoff('a', 300)).toBe(300);
  expect(q.backoff('a', 600)).toBe(300);
  q.remove('b');
  expect(q.ready(10_000)).toEqual(['a', 'c']);
});
