/**
 * Property: whatever v1-only detail a stored pod carries (fields v1beta1 has no words for, at any
 * level), a v1beta1 client that reads it, changes one container's image and writes it back changes
 * exactly that image.
 */
import fc from 'fast-check';
import type { KubeObject } from '../../../src/api/types';
import { fromV1, toV1ForUpdate } from '../../../src/api/v1beta1';

type Obj = Record<string, unknown>;

/** Keys no v1beta1 converter reads or writes, with JSON values. */
const extraFields = fc.dictionary(
  fc.constantFrom('extraA', 'extraB', 'periodSeconds', 'failureThreshold', 'runtimeClassName', 'schedulingGates'),
  fc.oneof(fc.integer(), fc.string(), fc.array(fc.string(), { maxLength: 2 }), fc.dictionary(fc.string({ minLength: 1, maxLength: 3 }), fc.string(), { maxKeys: 2 })),
  { maxKeys: 3 },
);

const container = (name: string): fc.Arbitrary<Obj> =>
  fc.record({
    image: fc.constantFrom('nginx:1.7', 'busybox', 'redis:6'),
    probeExtra: extraFields,
    extra: extraFields,
    withProbe: fc.boolean(),
  }).map(({ image, probeExtra, extra, withProbe }) => ({
    name,
    image,
    imagePullPolicy: 'IfNotPresent',
    ...(withProbe ? { livenessProbe: { httpGet: { path: '/', port: 80 }, timeoutSeconds: 1, ...probeExtra } } : {}),
    ...extra,
  }));

const pod: fc.Arbitrary<KubeObject> = fc
  .record({
    containers: fc.integer({ min: 1, max: 3 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => container(`c${i}`)))),
    specExtra: extraFields,
    metaExtra: fc.record({ finalizers: fc.array(fc.constantFrom('a.io/x', 'b.io/y'), { maxLength: 2 }), generation: fc.nat() }),
  })
  .map(({ containers, specExtra, metaExtra }) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'default', resourceVersion: '5', ...metaExtra },
    spec: { containers, restartPolicy: 'Always', dnsPolicy: 'ClusterFirst', ...specExtra },
  }));

test('a v1beta1 image change over any stored pod changes exactly that image', () => {
  fc.assert(
    fc.property(pod, fc.nat(), (stored, pick) => {
      const containers = (stored.spec as { containers: Obj[] }).containers;
      const i = pick % containers.length;
      const b = fromV1('Pod', stored);
      (((b.desiredState as Obj).manifest as Obj).containers as Obj[])[i]!.image = 'changed:1';
      const expected = JSON.parse(JSON.stringify(stored)) as KubeObject;
      (expected.spec as { containers: Obj[] }).containers[i]!.image = 'changed:1';
      expect(toV1ForUpdate('Pod', b, stored)).toEqual(expected);
    }),
    { numRuns: 200 },
  );
});

test('writing back an unchanged v1beta1 view of any stored pod stores it unchanged', () => {
  fc.assert(
    fc.property(pod, (stored) => {
      expect(toV1ForUpdate('Pod', fromV1('Pod', stored), stored)).toEqual(stored);
    }),
    { numRuns: 200 },
  );
});
