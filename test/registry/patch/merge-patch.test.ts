import fc from 'fast-check';
import { applyMergePatch, createMergePatch } from '../../../src/registry/patch';
import { catchStatus } from './expect-api-error';

const original = () => ({
  metadata: { name: 'p', labels: { app: 'web', tier: 'fe' }, annotations: { a: '1' } },
  spec: { replicas: 1, containers: [{ name: 'c', image: 'nginx' }], selector: { app: 'web' } },
});

describe('applyMergePatch (RFC 7386)', () => {
  const cases: Array<[string, unknown, unknown]> = [
    ['label is added next to existing labels', { metadata: { labels: { env: 'prod' } } }, { ...original(), metadata: { ...original().metadata, labels: { app: 'web', tier: 'fe', env: 'prod' } } }],
    ['null deletes a label', { metadata: { labels: { tier: null } } }, { ...original(), metadata: { ...original().metadata, labels: { app: 'web' } } }],
    ['arrays are replaced wholesale, not merged', { spec: { containers: [{ name: 'd' }] } }, { ...original(), spec: { ...original().spec, containers: [{ name: 'd' }] } }],
    ['scale patch changes only replicas', { spec: { replicas: 3 } }, { ...original(), spec: { ...original().spec, replicas: 3 } }],
    ['null for a missing key is a no-op', { status: null }, original()],
    ['an object replaces a scalar', { spec: { replicas: { x: 1 } } }, { ...original(), spec: { ...original().spec, replicas: { x: 1 } } }],
    ['nulls nested in a newly added object are dropped', { spec: { strategy: { type: 'x', rollingUpdate: null } } }, { ...original(), spec: { ...original().spec, strategy: { type: 'x' } } }],
    ['an empty patch changes nothing', {}, original()],
  ];
  it.each(cases)('%s', (_name, patch, expected) => {
    expect(applyMergePatch(original(), patch)).toEqual(expected);
  });

  it('never mutates the original object or the patch, and shares no structure with them', () => {
    const o = original();
    const patch = { metadata: { labels: { env: 'prod' } }, spec: { template: { a: { b: 1 } } } };
    const snap = JSON.stringify({ o, patch });
    const r = applyMergePatch(o, patch) as ReturnType<typeof original> & { spec: { template: { a: { b: number } } } };
    expect(JSON.stringify({ o, patch })).toBe(snap);
    r.spec.template.a.b = 2;
    r.metadata.annotations.a = 'changed';
    r.spec.containers[0]!.image = 'changed';
    expect(JSON.stringify({ o, patch })).toBe(snap);
  });

  it('a null or scalar patch is 400 "Invalid JSON Patch"', () => {
    for (const p of [null, 'x', 3, true]) {
      const s = catchStatus(() => applyMergePatch(original(), p));
      expect([s.code, s.reason, s.message]).toEqual([400, 'BadRequest', 'Invalid JSON Patch']);
    }
  });

  it('an array patch is 422 Invalid on field "patch" (it would replace the object with a list)', () => {
    const s = catchStatus(() => applyMergePatch(original(), [1]));
    expect(s.code).toBe(422);
    expect(s.details?.causes?.[0]?.field).toBe('patch');
  });

  // JSON documents without nulls (a merge patch cannot express "set to null").
  const scalar = fc.oneof(fc.string({ maxLength: 4 }), fc.integer(), fc.boolean());
  const { doc } = fc.letrec((tie) => ({
    value: fc.oneof({ depthSize: 'small' }, scalar, fc.array(tie('value'), { maxLength: 3 }), tie('doc')),
    doc: fc.dictionary(fc.constantFrom('a', 'b', 'c', 'd'), tie('value'), { maxKeys: 4 }),
  }));

  it('property: the merge patch of a diff reproduces the target', () => {
    fc.assert(
      fc.property(doc, doc, (from, to) => {
        expect(applyMergePatch(from, createMergePatch(from, to))).toEqual(to);
      }),
      { numRuns: 300 },
    );
  });

  it('property: applying the same merge patch twice equals applying it once (idempotence)', () => {
    fc.assert(
      fc.property(doc, doc, (target, patch) => {
        const once = applyMergePatch(target, patch);
        expect(applyMergePatch(once, patch)).toEqual(once);
      }),
      { numRuns: 300 },
    );
  });
});
