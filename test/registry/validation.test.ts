import { isDns1035Label, isDns1123Label, isDns1123Subdomain, isQualifiedName, isValidLabelValue } from '../../src/registry/validation/names';
import { validateObjectMeta } from '../../src/registry/validation/object-meta';
import { defaultPullPolicy } from '../../src/registry/strategies/pod-spec';
import { decodeContinue, encodeContinue } from '../../src/registry/continue-token';

test.each([
  ['abc', true],
  ['a-b.c', true],
  ['A', false],
  ['-a', false],
  ['a'.repeat(254), false],
])('DNS-1123 subdomain %j valid: %s', (v, ok) => {
  expect(isDns1123Subdomain(v).length === 0).toBe(ok);
});

test('DNS-1123 label refuses dots and names over 63 characters', () => {
  expect(isDns1123Label('a.b')).not.toHaveLength(0);
  expect(isDns1123Label('a'.repeat(64))).toContain('must be no more than 63 characters');
  expect(isDns1123Label('ok-1')).toHaveLength(0);
});

test('DNS-1035 labels must start with a letter', () => {
  expect(isDns1035Label('1abc')).not.toHaveLength(0);
  expect(isDns1035Label('abc1')).toHaveLength(0);
});

test.each([
  ['app', true],
  ['example.com/app', true],
  ['Example.com/app', false],
  ['a/b/c', false],
  ['/app', false],
  ['app_name.x', true],
  [`${'a'.repeat(64)}`, false],
])('qualified name %j valid: %s', (v, ok) => {
  expect(isQualifiedName(v).length === 0).toBe(ok);
});

test.each([
  ['', true],
  ['v1.2_3', true],
  ['-x', false],
  ['a b', false],
])('label value %j valid: %s', (v, ok) => {
  expect(isValidLabelValue(v).length === 0).toBe(ok);
});

test('annotations over 256 KiB in total are Too long', () => {
  const errs = validateObjectMeta({ metadata: { name: 'a', namespace: 'd', annotations: { a: 'x'.repeat(256 * 1024) } } }, true, isDns1123Subdomain);
  expect(errs).toEqual([{ type: 'FieldValueTooLong', field: 'metadata.annotations', detail: 'must have at most 262144 bytes' }]);
});

test('a cluster-scoped object may not carry a namespace', () => {
  const errs = validateObjectMeta({ metadata: { name: 'n', namespace: 'x' } }, false, isDns1123Subdomain);
  expect(errs.map((e) => e.field)).toEqual(['metadata.namespace']);
});

test.each([
  ['nginx', 'Always'],
  ['nginx:latest', 'Always'],
  ['nginx:1.25', 'IfNotPresent'],
  ['host:5000/nginx', 'Always'],
  ['host:5000/nginx:2', 'IfNotPresent'],
  ['nginx@sha256:abc', 'IfNotPresent'],
])('image %j defaults imagePullPolicy %s', (image, policy) => {
  expect(defaultPullPolicy(image)).toBe(policy);
});

test('a continue token round-trips its revision and key and is opaque base64', () => {
  const t = encodeContinue(42, 'default/p1');
  expect(t).toMatch(/^[A-Za-z0-9+/=]+$/);
  expect(decodeContinue(t)).toEqual({ revision: 42, lastKey: 'default/p1' });
  expect(JSON.parse(Buffer.from(t, 'base64').toString())).toMatchObject({ v: 'meta.k8s.io/v1', rv: 42 });
});

test('a continue token at a negative resourceVersion (kube\'s inconsistent continuation, -1) decodes to "latest"; 0 is refused', () => {
  expect(decodeContinue(encodeContinue(-1, 'default/p1'))).toEqual({ revision: -1, lastKey: 'default/p1' });
  expect(decodeContinue(encodeContinue(-7, 'default/p1'))).toEqual({ revision: -1, lastKey: 'default/p1' });
  expect(() => decodeContinue(encodeContinue(0, 'default/p1'))).toThrow('continue key is not valid');
});

test('a forged continue token escaping the prefix is refused', () => {
  const t = Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: 3, start: '../secrets/x\u0000' })).toString('base64');
  expect(() => decodeContinue(t)).toThrow('continue key is not valid');
});
