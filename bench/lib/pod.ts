/**
 * The realistic pod of docs/benchmarks.md §1 (~2.3 KB of JSON: labels, annotations, two containers
 * with ports, env, resources and probes, a Running status), spread over 20 namespaces.
 */
import type { Pod } from 'kubernetes-types/core/v1';

export const NAMESPACES = 20;
export const nsOf = (i: number): string => `ns-${i % NAMESPACES}`;

export function realisticPod(ns: string, name: string): Pod {
  const container = (n: string, port: number) => ({
    name: n,
    image: `registry.example.com/team/${n}:1.25.3`,
    ports: [{ name: 'http', containerPort: port, protocol: 'TCP' }],
    env: [
      { name: 'LOG_LEVEL', value: 'info' },
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
    ],
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
    livenessProbe: { httpGet: { path: '/healthz', port }, initialDelaySeconds: 10, periodSeconds: 10 },
    readinessProbe: { httpGet: { path: '/ready', port }, periodSeconds: 5 },
    terminationMessagePath: '/dev/termination-log',
    imagePullPolicy: 'IfNotPresent',
  });
  return {
    kind: 'Pod',
    apiVersion: 'v1',
    metadata: {
      name,
      namespace: ns,
      labels: { app: 'web', tier: 'frontend', 'pod-template-hash': '7d4b9c8f6' },
      annotations: { 'kubernetes.io/config.seen': '2026-11-27T06:00:00.000000000Z', 'example.com/owner': 'team-web' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-7d4b9c8f6', uid: '0a1b2c3d-4e5f', controller: true }],
    },
    spec: {
      containers: [container('web', 8080), container('sidecar', 9090)],
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      dnsPolicy: 'ClusterFirst',
      serviceAccountName: 'default',
      nodeName: 'node-17',
      schedulerName: 'default-scheduler',
    },
    status: {
      phase: 'Running',
      conditions: [
        { type: 'Initialized', status: 'True', lastTransitionTime: '2026-11-27T06:00:01Z' },
        { type: 'Ready', status: 'True', lastTransitionTime: '2026-11-27T06:00:09Z' },
        { type: 'ContainersReady', status: 'True', lastTransitionTime: '2026-11-27T06:00:09Z' },
        { type: 'PodScheduled', status: 'True', lastTransitionTime: '2026-11-27T06:00:00Z' },
      ],
      hostIP: '10.0.3.17',
      podIP: '10.244.17.23',
      startTime: '2026-11-27T06:00:00Z',
      qosClass: 'Burstable',
    },
  };
}

/** The JSON body a client POSTs (extra labels merged in). */
export function podBody(ns: string, name: string, labels?: Record<string, string>): Buffer {
  const pod = realisticPod(ns, name);
  if (labels) pod.metadata = { ...pod.metadata, labels: { ...pod.metadata?.labels, ...labels } };
  return Buffer.from(JSON.stringify(pod));
}

/** The pod as stored (uid and creationTimestamp filled in), for raw-storage twins. */
export function storedPodJson(ns: string, name: string): Buffer {
  const pod = realisticPod(ns, name);
  pod.metadata = {
    ...pod.metadata,
    uid: `6f1c2a8e-${name.padStart(4, '0').slice(-4)}-4c1d-9a6b-3e2f1d0c9b8a`,
    creationTimestamp: '2026-11-27T06:00:00Z',
  };
  return Buffer.from(JSON.stringify(pod));
}
