/**
 * Property: any v1beta1 pod or replication controller in the canonical form the server answers
 * with survives v1beta1 → v1 → v1beta1 unchanged (the tables in conversion.test.ts pin single
 * examples; this walks the combinations of optional fields, numeric-string ports and quantities).
 */
import fc from 'fast-check';
import { fromV1, toV1 } from '../../../src/api/v1beta1';

type Obj = Record<string, unknown>;

const opt = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(arb, { nil: undefined });
const label = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/);
const strip = (o: Obj): Obj => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

/** Probe/target ports: a number, a port name, or a number written as a string (the seed's "8081"). */
const port = fc.oneof(fc.integer({ min: 1, max: 65535 }), label, fc.integer({ min: 1, max: 65535 }).map(String));

const handler = fc.oneof(
  fc.record({ httpGet: fc.record({ path: fc.constantFrom('/', '/healthz'), port, host: opt(fc.constant('localhost')) }).map(strip) }),
  fc.record({ tcpSocket: fc.record({ port }) }),
  fc.record({ exec: fc.record({ command: fc.array(label, { minLength: 1, maxLength: 2 }) }) }),
);

const probe = fc
  .record({ h: handler, initialDelaySeconds: opt(fc.nat(60)), timeoutSeconds: opt(fc.integer({ min: 1, max: 5 })) })
  .map(({ h, ...rest }) => strip({ ...h, ...rest }));

const resources = fc
  .record({ cpuMilli: opt(fc.integer({ min: 1, max: 64000 })), memory: opt(fc.integer({ min: 1, max: 2 ** 40 })), reqMilli: opt(fc.integer({ min: 1, max: 4000 })) })
  .map(({ cpuMilli, memory, reqMilli }) => {
    const limits = strip({ cpu: cpuMilli !== undefined ? String(cpuMilli / 1000) : undefined, memory });
    const requests = reqMilli !== undefined ? { cpu: String(reqMilli / 1000) } : undefined;
    // The server mirrors limits into the legacy integer fields.
    return {
      resources: strip({ limits: Object.keys(limits).length ? limits : undefined, requests }),
      cpu: cpuMilli,
      memory,
    };
  });

const container = (name: string): fc.Arbitrary<Obj> =>
  fc
    .record({
      image: fc.constantFrom('nginx', 'nginx:1.7', 'redis:latest'),
      entrypoint: opt(fc.array(label, { minLength: 1, maxLength: 2 })),
      command: opt(fc.array(label, { minLength: 1, maxLength: 2 })),
      workingDir: opt(fc.constant('/srv')),
      ports: opt(
        fc.array(
          fc.record({ name: opt(label), containerPort: fc.integer({ min: 1, max: 65535 }), hostPort: opt(fc.integer({ min: 1, max: 65535 })), protocol: fc.constantFrom('TCP', 'UDP') }).map(strip),
          { maxLength: 2 },
        ),
      ),
      env: opt(fc.array(fc.record({ name: label.map((s) => s.toUpperCase().replace(/-/g, '_')), value: fc.string({ maxLength: 5 }) }), { maxLength: 2 })),
      res: resources,
      volumeMounts: opt(fc.array(fc.record({ name: fc.constant('data'), readOnly: opt(fc.boolean()), mountPath: fc.constantFrom('/data', '/var/x') }).map(strip), { maxLength: 1 })),
      livenessProbe: opt(probe),
      readinessProbe: opt(probe),
      lifecycle: opt(fc.record({ postStart: opt(handler), preStop: opt(handler) }).map(strip)),
      terminationMessagePath: opt(fc.constant('/dev/termination-log')),
      privileged: opt(fc.constant(true)),
      imagePullPolicy: opt(fc.constantFrom('PullAlways', 'PullNever', 'PullIfNotPresent')),
      capabilities: fc.oneof(fc.constant({}), fc.record({ add: opt(fc.array(fc.constantFrom('NET_ADMIN', 'SYS_TIME'), { maxLength: 2 })), drop: opt(fc.array(fc.constant('KILL'), { maxLength: 1 })) }).map(strip)),
    })
    .map(({ res, ...c }) => strip({ name, ...c, ...res }));

const manifest = fc
  .record({
    containers: fc.integer({ min: 1, max: 3 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => container(`c${i}`)))),
    volumes: fc.oneof(
      fc.constant(null),
      fc.constant([{ name: 'data', source: { hostDir: { path: '/var/data' } } }]),
      fc.constant([{ name: 'data', source: { emptyDir: { medium: 'Memory' } } }, { name: 'tok', source: { secret: { target: { name: 'token' } } } }]),
      fc.constant([{ name: 'data', source: { gitRepo: { repository: 'https://example.com/r.git', revision: 'abc' } } }]),
    ),
    restartPolicy: fc.constantFrom({ always: {} }, { onFailure: {} }, { never: {} }),
    dnsPolicy: opt(fc.constantFrom('ClusterFirst', 'Default')),
    hostNetwork: opt(fc.boolean()),
  })
  .map((m) => strip({ version: 'v1beta2', id: '', ...m }));

const podState = fc
  .record({
    status: opt(fc.constantFrom('Waiting', 'Running', 'Succeeded', 'Terminated', 'Unknown')),
    Condition: opt(fc.array(fc.record({ kind: fc.constant('Ready'), status: fc.constantFrom('Full', 'None', 'Unknown') }), { maxLength: 1 })),
    hostIP: opt(fc.constant('10.0.0.1')),
    podIP: opt(fc.constant('172.17.0.2')),
    message: opt(fc.constant('ok')),
  })
  .map((s) => strip({ manifest: { version: '', id: '', volumes: null, containers: null, restartPolicy: {} }, ...s }));

const pod = fc
  .record({
    ns: fc.constantFrom('default', 'prod'),
    rv: opt(fc.integer({ min: 1, max: 1e9 })),
    labels: opt(fc.dictionary(label, label, { maxKeys: 2 })),
    manifest,
    host: opt(fc.constant('node-1')),
    currentState: podState,
    nodeSelector: opt(fc.dictionary(label, label, { minKeys: 1, maxKeys: 2 })),
  })
  .map(({ ns, rv, labels, manifest: m, host, currentState, nodeSelector }) =>
    strip({
      kind: 'Pod',
      apiVersion: 'v1beta1',
      id: 'p-1',
      selfLink: `/api/v1beta1/pods/p-1?namespace=${ns}`,
      resourceVersion: rv,
      namespace: ns,
      labels,
      desiredState: strip({ manifest: m, host }),
      currentState: host ? { ...currentState, host } : currentState,
      nodeSelector,
    }),
  );

test('v1beta1 pod → v1 → v1beta1 is the identity', () => {
  fc.assert(
    fc.property(pod, (b) => {
      expect(fromV1('Pod', toV1('Pod', JSON.parse(JSON.stringify(b)) as Obj))).toEqual(b);
    }),
    { numRuns: 300 },
  );
});

test('v1beta1 replication controller → v1 → v1beta1 is the identity', () => {
  const rc = fc.record({ replicas: fc.nat(10), manifest, labels: fc.dictionary(label, label, { minKeys: 1, maxKeys: 2 }), current: fc.nat(10) }).map(({ replicas, manifest: m, labels, current }) => ({
    kind: 'ReplicationController',
    apiVersion: 'v1beta1',
    id: 'rc-1',
    selfLink: '/api/v1beta1/replicationControllers/rc-1?namespace=default',
    namespace: 'default',
    labels,
    desiredState: { replicas, replicaSelector: labels, podTemplate: { desiredState: { manifest: m }, labels } },
    currentState: { replicas: current },
  }));
  fc.assert(
    fc.property(rc, (b) => {
      expect(fromV1('ReplicationController', toV1('ReplicationController', JSON.parse(JSON.stringify(b)) as Obj))).toEqual(b);
    }),
    { numRuns: 200 },
  );
});
