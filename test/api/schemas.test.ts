import { loadSchemaSet, toFieldPath } from '../../src/api/schemas';
import type { JSONSchema } from '../../src/api/schemas';

const set = loadSchemaSet();

const pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', namespace: 'default', labels: { app: 'web' }, creationTimestamp: null, annotations: { a: 'b' } },
  spec: {
    containers: [
      {
        name: 'nginx',
        image: 'nginx:1.25',
        ports: [{ containerPort: 80, protocol: 'TCP', name: 'http' }],
        env: [{ name: 'A', value: '1' }, { name: 'B', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
        resources: { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: 1 } },
        livenessProbe: { httpGet: { path: '/', port: 'http' }, initialDelaySeconds: 3 },
        readinessProbe: { tcpSocket: { port: 80 } },
        volumeMounts: [{ name: 'data', mountPath: '/data' }],
      },
    ],
    volumes: [{ name: 'data', emptyDir: {} }],
    restartPolicy: 'Always',
    nodeSelector: { disk: 'ssd' },
    tolerations: [{ key: 'k', operator: 'Exists', effect: 'NoSchedule' }],
  },
  status: {},
};

describe('schema set', () => {
  it('maps every served kind to its kube definition name', () => {
    const kinds: Array<[string, string, string, string]> = [
      ['', 'v1', 'Pod', 'io.k8s.api.core.v1.Pod'],
      ['', 'v1', 'PodList', 'io.k8s.api.core.v1.PodList'],
      ['', 'v1', 'Service', 'io.k8s.api.core.v1.Service'],
      ['', 'v1', 'Endpoints', 'io.k8s.api.core.v1.Endpoints'],
      ['', 'v1', 'Event', 'io.k8s.api.core.v1.Event'],
      ['', 'v1', 'ReplicationController', 'io.k8s.api.core.v1.ReplicationController'],
      ['', 'v1', 'ConfigMap', 'io.k8s.api.core.v1.ConfigMap'],
      ['', 'v1', 'Secret', 'io.k8s.api.core.v1.Secret'],
      ['', 'v1', 'Namespace', 'io.k8s.api.core.v1.Namespace'],
      ['', 'v1', 'Node', 'io.k8s.api.core.v1.Node'],
      ['', 'v1', 'Binding', 'io.k8s.api.core.v1.Binding'],
      ['', 'v1', 'Status', 'io.k8s.apimachinery.pkg.apis.meta.v1.Status'],
      ['', 'v1', 'DeleteOptions', 'io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions'],
      ['autoscaling', 'v1', 'Scale', 'io.k8s.api.autoscaling.v1.Scale'],
      ['coordination.k8s.io', 'v1', 'Lease', 'io.k8s.api.coordination.v1.Lease'],
    ];
    for (const [g, v, k, name] of kinds) {
      expect(set.definitionFor(g, v, k)).toBe(name);
      expect(set.definitions[name]).toBeDefined();
    }
    expect(set.definitionFor('', 'v1', 'Nope')).toBeUndefined();
  });

  it('every $ref points at a definition that exists', () => {
    const missing: string[] = [];
    const walk = (s: unknown): void => {
      if (Array.isArray(s)) return s.forEach(walk);
      if (typeof s !== 'object' || s === null) return;
      for (const [k, v] of Object.entries(s)) {
        if (k === '$ref' && typeof v === 'string' && !set.definitions[v.replace('#/components/schemas/', '')]) missing.push(v);
        walk(v);
      }
    };
    walk(set.definitions);
    expect(missing).toEqual([]);
  });

  it('accepts a realistic pod manifest under strict validation (no spurious unknown fields)', () => {
    const r = set.validate('', 'v1', 'Pod', pod)!;
    expect(r).toEqual({ unknownFields: [], typeErrors: [], missingRequired: [] });
  });

  it('accepts services with int-or-string targetPort and nodes with quantity capacity', () => {
    const svc = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 's' },
      spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 'http' }, { port: 81, targetPort: 8081 }], type: 'ClusterIP' },
    };
    expect(set.validate('', 'v1', 'Service', svc)).toEqual({ unknownFields: [], typeErrors: [], missingRequired: [] });
    const node = { kind: 'Node', metadata: { name: 'n1' }, status: { capacity: { cpu: 4, memory: '8Gi' }, addresses: [{ type: 'InternalIP', address: '10.0.0.1' }] } };
    expect(set.validate('', 'v1', 'Node', node)?.typeErrors).toEqual([]);
  });

  it('reports unknown fields with kube field paths', () => {
    const bad = structuredClone(pod) as typeof pod & { spec: { foo?: number } };
    bad.spec.foo = 1;
    (bad.spec.containers[0] as Record<string, unknown>).imagePullPolcy = 'Always';
    (bad.metadata as Record<string, unknown>).lables = { a: 'b' };
    const r = set.validate('', 'v1', 'Pod', bad)!;
    expect(r.unknownFields.sort()).toEqual(['metadata.lables', 'spec.containers[0].imagePullPolcy', 'spec.foo']);
  });

  it('keeps maps and preserve-unknown-fields objects open', () => {
    const cm = { kind: 'ConfigMap', metadata: { name: 'c', labels: { anything: 'goes' } }, data: { 'x.y': 'z' } };
    expect(set.validate('', 'v1', 'ConfigMap', cm)?.unknownFields).toEqual([]);
    const withManaged = { kind: 'ConfigMap', metadata: { name: 'c', managedFields: [{ manager: 'm', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:a': {} } } }] } };
    expect(set.validate('', 'v1', 'ConfigMap', withManaged)?.unknownFields).toEqual([]);
  });

  it('reports wrong JSON types but treats null as absent', () => {
    const bad = structuredClone(pod);
    (bad.spec.containers[0]!.ports[0] as Record<string, unknown>).containerPort = 'eighty';
    (bad.spec as Record<string, unknown>).hostNetwork = null;
    const r = set.validate('', 'v1', 'Pod', bad)!;
    expect(r.typeErrors).toEqual([{ field: 'spec.containers[0].ports[0].containerPort', message: 'expected integer, got string' }]);
  });

  it('reports an int-or-string given as an object once', () => {
    const svc = { kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 80, targetPort: { x: 1 } }] } };
    expect(set.validate('', 'v1', 'Service', svc)?.typeErrors).toEqual([
      { field: 'spec.ports[0].targetPort', message: 'expected integer or string, got object' },
    ]);
  });

  it('reports missing required fields', () => {
    const r = set.validate('', 'v1', 'Pod', { kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ image: 'x' }] } })!;
    expect(r.missingRequired).toEqual(['spec.containers[0].name']);
  });

  it('carries the patch strategy extensions strategic merge relies on', () => {
    const podSpec = set.fieldSchema(set.definitions['io.k8s.api.core.v1.Pod']!, 'spec')!;
    const containers = set.fieldSchema(podSpec, 'containers') as JSONSchema;
    expect(containers['x-kubernetes-patch-merge-key']).toBe('name');
    expect(containers['x-kubernetes-patch-strategy']).toBe('merge');
    const ports = set.fieldSchema(containers.items!, 'ports')!;
    expect(ports['x-kubernetes-patch-merge-key']).toBe('containerPort');
    expect(ports['x-kubernetes-list-map-keys']).toEqual(['containerPort', 'protocol']);
    const volumes = set.fieldSchema(podSpec, 'volumes')!;
    expect(volumes['x-kubernetes-patch-strategy']).toBe('merge,retainKeys');
    const svcPorts = set.fieldSchema(set.definitions['io.k8s.api.core.v1.ServiceSpec']!, 'ports')!;
    expect(svcPorts['x-kubernetes-patch-merge-key']).toBe('port');
    const tolerations = set.fieldSchema(podSpec, 'tolerations')!;
    expect(tolerations['x-kubernetes-patch-strategy']).toBeUndefined();
  });

  it('describes fields for kubectl explain', () => {
    const c = set.definitions['io.k8s.api.core.v1.Container']!;
    expect(c.description).toMatch(/container/i);
    expect(c.properties?.image?.description).toMatch(/image name/i);
    expect(c.required).toEqual(['name']);
  });

  it('converts instance paths to kube field paths', () => {
    expect(toFieldPath('/spec/containers/0/ports/1', 'x')).toBe('spec.containers[0].ports[1].x');
    expect(toFieldPath('', 'foo')).toBe('foo');
    expect(toFieldPath('/metadata/labels/a~1b')).toBe('metadata.labels.a/b');
  });

  it('compiles each validator once', () => {
    expect(set.compileValidator('', 'v1', 'Pod')).toBe(set.compileValidator('', 'v1', 'Pod'));
    expect(loadSchemaSet()).toBe(set);
  });
});

describe('schema completeness for real manifests (no spurious unknown fields under Strict)', () => {
  it('accepts a pod using most of PodSpec, including fields added up to kube 1.33', () => {
    const kitchenSink = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'full',
        generateName: 'full-',
        namespace: 'default',
        labels: { app: 'full' },
        annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' },
        ownerReferences: [{ apiVersion: 'v1', kind: 'ReplicationController', name: 'rc', uid: 'u', controller: true, blockOwnerDeletion: true }],
        finalizers: ['example.com/f'],
      },
      spec: {
        activeDeadlineSeconds: 60,
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }], matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }] },
            preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, preference: { matchExpressions: [{ key: 'disk', operator: 'Exists' }] } }],
          },
          podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { labelSelector: { matchLabels: { app: 'full' } }, topologyKey: 'kubernetes.io/hostname', matchLabelKeys: ['pod-template-hash'] } }] },
        },
        automountServiceAccountToken: false,
        dnsPolicy: 'ClusterFirst',
        dnsConfig: { nameservers: ['1.1.1.1'], searches: ['svc.local'], options: [{ name: 'ndots', value: '2' }] },
        enableServiceLinks: false,
        hostAliases: [{ ip: '127.0.0.1', hostnames: ['foo.local'] }],
        hostname: 'full',
        subdomain: 'sub',
        hostUsers: true,
        imagePullSecrets: [{ name: 'regcred' }],
        nodeName: 'n1',
        nodeSelector: { 'kubernetes.io/os': 'linux' },
        os: { name: 'linux' },
        overhead: { cpu: '10m' },
        preemptionPolicy: 'PreemptLowerPriority',
        priority: 0,
        priorityClassName: 'default',
        readinessGates: [{ conditionType: 'example.com/ready' }],
        resourceClaims: [{ name: 'gpu', resourceClaimName: 'gpu-claim' }],
        resources: { limits: { cpu: '2' } },
        restartPolicy: 'Always',
        runtimeClassName: 'runc',
        schedulerName: 'default-scheduler',
        schedulingGates: [{ name: 'example.com/gate' }],
        securityContext: {
          runAsUser: 1000,
          runAsGroup: 1000,
          runAsNonRoot: true,
          fsGroup: 2000,
          fsGroupChangePolicy: 'OnRootMismatch',
          supplementalGroups: [3000],
          supplementalGroupsPolicy: 'Merge',
          seccompProfile: { type: 'RuntimeDefault' },
          appArmorProfile: { type: 'RuntimeDefault' },
          seLinuxOptions: { level: 's0:c123,c456' },
          sysctls: [{ name: 'net.core.somaxconn', value: '1024' }],
        },
        serviceAccountName: 'default',
        setHostnameAsFQDN: false,
        shareProcessNamespace: true,
        terminationGracePeriodSeconds: 30,
        tolerations: [{ key: 'k', operator: 'Equal', value: 'v', effect: 'NoExecute', tolerationSeconds: 60 }],
        topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'full' } }, minDomains: 2, nodeAffinityPolicy: 'Honor', nodeTaintsPolicy: 'Ignore', matchLabelKeys: ['pod-template-hash'] }],
        initContainers: [{ name: 'sidecar', image: 'envoy', restartPolicy: 'Always', startupProbe: { exec: { command: ['true'] } } }],
        containers: [
          {
            name: 'app',
            image: 'nginx:1.27',
            imagePullPolicy: 'IfNotPresent',
            command: ['nginx'],
            args: ['-g', 'daemon off;'],
            workingDir: '/',
            ports: [{ name: 'http', containerPort: 80, hostPort: 8080, hostIP: '0.0.0.0', protocol: 'TCP' }],
            env: [
              { name: 'A', value: 'x' },
              { name: 'B', valueFrom: { configMapKeyRef: { name: 'cm', key: 'k', optional: true } } },
              { name: 'C', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } },
              { name: 'D', valueFrom: { resourceFieldRef: { containerName: 'app', resource: 'limits.cpu', divisor: '1m' } } },
            ],
            envFrom: [{ prefix: 'CM_', configMapRef: { name: 'cm' } }, { secretRef: { name: 's', optional: true } }],
            resources: { requests: { cpu: '100m', memory: '64Mi', 'nvidia.com/gpu': 1 }, limits: { memory: '128Mi' }, claims: [{ name: 'gpu' }] },
            resizePolicy: [{ resourceName: 'cpu', restartPolicy: 'NotRequired' }],
            lifecycle: { postStart: { httpGet: { path: '/start', port: 80, scheme: 'HTTP', httpHeaders: [{ name: 'X', value: 'y' }] } }, preStop: { sleep: { seconds: 5 } }, stopSignal: 'SIGTERM' },
            livenessProbe: { grpc: { port: 9000, service: 'health' }, initialDelaySeconds: 1, periodSeconds: 10, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 3, terminationGracePeriodSeconds: 10 },
            readinessProbe: { tcpSocket: { port: 'http' } },
            securityContext: {
              allowPrivilegeEscalation: false,
              capabilities: { add: ['NET_ADMIN'], drop: ['ALL'] },
              privileged: false,
              readOnlyRootFilesystem: true,
              procMount: 'Default',
              windowsOptions: { runAsUserName: 'x' },
            },
            stdin: false,
            stdinOnce: false,
            tty: false,
            terminationMessagePath: '/dev/termination-log',
            terminationMessagePolicy: 'FallbackToLogsOnError',
            volumeMounts: [{ name: 'data', mountPath: '/data', readOnly: true, recursiveReadOnly: 'IfPossible', subPath: 'x', mountPropagation: 'None' }],
            volumeDevices: [{ name: 'blk', devicePath: '/dev/xvda' }],
          },
        ],
        volumes: [
          { name: 'data', emptyDir: { medium: 'Memory', sizeLimit: '1Gi' } },
          { name: 'cfg', configMap: { name: 'cm', items: [{ key: 'k', path: 'p', mode: 0o644 }], defaultMode: 0o600, optional: true } },
          { name: 'sec', secret: { secretName: 's' } },
          { name: 'host', hostPath: { path: '/var/log', type: 'Directory' } },
          { name: 'pvc', persistentVolumeClaim: { claimName: 'c', readOnly: false } },
          { name: 'img', image: { reference: 'quay.io/x:1', pullPolicy: 'IfNotPresent' } },
          { name: 'dw', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } },
          {
            name: 'proj',
            projected: {
              sources: [
                { serviceAccountToken: { audience: 'a', expirationSeconds: 3600, path: 'token' } },
                { configMap: { name: 'cm' } },
                { clusterTrustBundle: { signerName: 'example.com/s', path: 'ca.pem' } },
              ],
            },
          },
          { name: 'eph', ephemeral: { volumeClaimTemplate: { metadata: { labels: { a: 'b' } }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: 'fast' } } } },
          { name: 'nfs', nfs: { server: 'nfs.local', path: '/export' } },
          { name: 'csi', csi: { driver: 'x.csi', volumeAttributes: { a: 'b' } } },
        ],
      },
    };
    expect(set.validate('', 'v1', 'Pod', kitchenSink)).toEqual({ unknownFields: [], typeErrors: [], missingRequired: [] });
  });

  it('accepts services, replication controllers, secrets, events, nodes and leases as kubectl sends them', () => {
    const cases: Array<[string, string, string, unknown]> = [
      ['', 'v1', 'Service', { kind: 'Service', metadata: { name: 's' }, spec: { type: 'LoadBalancer', selector: { a: 'b' }, ports: [{ name: 'http', port: 80, targetPort: 'http', nodePort: 30080, appProtocol: 'http' }], sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } }, externalTrafficPolicy: 'Local', internalTrafficPolicy: 'Cluster', ipFamilyPolicy: 'SingleStack', ipFamilies: ['IPv4'], clusterIPs: ['10.0.0.1'], loadBalancerSourceRanges: ['0.0.0.0/0'], allocateLoadBalancerNodePorts: true, publishNotReadyAddresses: true, trafficDistribution: 'PreferClose' }, status: { loadBalancer: { ingress: [{ ip: '1.2.3.4', ipMode: 'VIP', ports: [{ port: 80, protocol: 'TCP' }] }] } } }],
      ['', 'v1', 'ReplicationController', { kind: 'ReplicationController', metadata: { name: 'r' }, spec: { replicas: 2, minReadySeconds: 5, selector: { a: 'b' }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } }, status: { replicas: 2, readyReplicas: 1, availableReplicas: 1, fullyLabeledReplicas: 2, observedGeneration: 1, conditions: [{ type: 'ReplicaFailure', status: 'False' }] } }],
      ['', 'v1', 'Secret', { kind: 'Secret', metadata: { name: 's' }, type: 'Opaque', data: { a: 'YQ==' }, stringData: { b: 'plain' }, immutable: true }],
      ['', 'v1', 'Event', { kind: 'Event', metadata: { name: 'e' }, involvedObject: { kind: 'Pod', name: 'p', namespace: 'default', uid: 'u', apiVersion: 'v1', resourceVersion: '1', fieldPath: 'spec.containers{c}' }, reason: 'R', message: 'm', type: 'Normal', count: 2, firstTimestamp: '2024-01-01T00:00:00Z', lastTimestamp: '2024-01-01T00:00:01Z', eventTime: '2024-01-01T00:00:00.000000Z', reportingComponent: 'x', reportingInstance: 'y', action: 'A', series: { count: 2, lastObservedTime: '2024-01-01T00:00:00.000000Z' }, source: { component: 'c', host: 'h' }, related: { kind: 'Node', name: 'n' } }],
      ['', 'v1', 'Node', { kind: 'Node', metadata: { name: 'n' }, spec: { podCIDR: '10.1.0.0/24', podCIDRs: ['10.1.0.0/24'], providerID: 'mesos://x', unschedulable: true, taints: [{ key: 'k', effect: 'NoSchedule', timeAdded: '2024-01-01T00:00:00Z' }] }, status: { capacity: { cpu: '4', pods: '110' }, allocatable: { cpu: '4' }, conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: '2024-01-01T00:00:00Z', lastTransitionTime: '2024-01-01T00:00:00Z', reason: 'KubeletReady', message: 'ok' }], addresses: [{ type: 'Hostname', address: 'n' }], daemonEndpoints: { kubeletEndpoint: { Port: 10250 } }, nodeInfo: { machineID: '', systemUUID: '', bootID: '', kernelVersion: '', osImage: '', containerRuntimeVersion: '', kubeletVersion: '', kubeProxyVersion: '', operatingSystem: 'linux', architecture: 'amd64' }, images: [{ names: ['nginx'], sizeBytes: 1 }] } }],
      ['coordination.k8s.io', 'v1', 'Lease', { kind: 'Lease', metadata: { name: 'l' }, spec: { holderIdentity: 'h', leaseDurationSeconds: 40, acquireTime: '2024-01-01T00:00:00.000000Z', renewTime: '2024-01-01T00:00:00.000000Z', leaseTransitions: 1 } }],
      ['autoscaling', 'v1', 'Scale', { kind: 'Scale', apiVersion: 'autoscaling/v1', metadata: { name: 'r' }, spec: { replicas: 3 }, status: { replicas: 2, selector: 'a=b' } }],
    ];
    for (const [g, v, kind, obj] of cases) {
      expect([kind, set.validate(g, v, kind, obj)]).toEqual([kind, { unknownFields: [], typeErrors: [], missingRequired: [] }]);
    }
  });
});

describe('precompileAll', () => {
  it('compiles a validator for every kind with a GVK, reused afterwards', () => {
    const s = loadSchemaSet();
    s.precompileAll();
    const pod = s.compileValidator('', 'v1', 'Pod');
    expect(pod).toBeDefined();
    expect(s.compileValidator('', 'v1', 'Pod')).toBe(pod);
    expect(s.compileValidator('coordination.k8s.io', 'v1', 'Lease')).toBeDefined();
  });
});
