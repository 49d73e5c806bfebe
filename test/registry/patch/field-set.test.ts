import fc from 'fast-check';
import { compareObjects, corePatchMeta, displayPath, FieldSet, mergeApplied, toFieldSet } from '../../../src/registry/patch';

const meta = corePatchMeta('Pod');

describe('FieldSet fieldsV1 encoding', () => {
  it('a member with children carries ".", leaves are {}', () => {
    const s = FieldSet.of([['f:spec', 'k:{"name":"a"}'], ['f:spec', 'k:{"name":"a"}', 'f:image'], ['f:metadata', 'f:labels', 'f:x']]);
    expect(s.toFieldsV1()).toEqual({
      'f:metadata': { 'f:labels': { 'f:x': {} } },
      'f:spec': { 'k:{"name":"a"}': { '.': {}, 'f:image': {} } },
    });
  });

  it('orders members like kube: ".", then fields, keys, values, indices, each sorted', () => {
    const s = FieldSet.of([['f:l', 'i:0'], ['f:l', 'v:"b"'], ['f:l', 'v:"a"'], ['f:l', 'k:{"n":1}'], ['f:l', 'f:z'], ['f:l', 'f:a'], ['f:l']]);
    expect(Object.keys(s.toFieldsV1()['f:l'] as object)).toEqual(['.', 'f:a', 'f:z', 'k:{"n":1}', 'v:"a"', 'v:"b"', 'i:0']);
  });

  const element = fc.oneof(
    fc.string({ minLength: 1, maxLength: 3 }).map((s) => `f:${s}`),
    fc.string({ maxLength: 3 }).map((s) => `k:${JSON.stringify({ name: s })}`),
    fc.integer({ min: 0, max: 5 }).map((n) => `v:${n}`),
  );
  it('property: decoding an encoded set gives the same set', () => {
    fc.assert(
      fc.property(fc.array(fc.array(element, { minLength: 1, maxLength: 4 }), { maxLength: 12 }), (paths) => {
        const s = FieldSet.of(paths);
        expect(FieldSet.fromFieldsV1(s.toFieldsV1()).equals(s)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('property: a set read from a stored tree answers membership, difference and intersection like the decoded set', () => {
    const paths = fc.array(fc.array(element, { minLength: 1, maxLength: 4 }), { maxLength: 12 });
    fc.assert(
      fc.property(paths, paths, (a, b) => {
        const decoded = FieldSet.of(a);
        const stored = FieldSet.fromFieldsV1(decoded.toFieldsV1());
        const other = FieldSet.of(b);
        for (const p of [...a, ...b]) expect(stored.has(p)).toBe(decoded.has(p));
        expect(stored.isEmpty()).toBe(decoded.isEmpty());
        expect(stored.difference(other).paths()).toEqual(decoded.difference(other).paths());
        expect(stored.intersection(other).paths()).toEqual(decoded.intersection(other).paths());
        expect(other.intersection(stored).paths()).toEqual(decoded.intersection(other).paths());
        expect(stored.union(other).paths()).toEqual(decoded.union(other).paths());
      }),
      { numRuns: 300 },
    );
  });

  it("a manager's stored fieldsV1 is written back unchanged when nothing it owns changed", () => {
    const tree = FieldSet.of([['f:metadata', 'f:labels', 'f:a'], ['f:spec', 'f:x']]).toFieldsV1();
    const stored = FieldSet.fromFieldsV1(tree);
    const untouched = stored.difference(FieldSet.of([['f:spec', 'f:y']]));
    expect(untouched.toFieldsV1()).toBe(tree);
    // A tree not in kube's canonical order is re-encoded, not copied.
    const odd = { 'f:spec': { 'f:x': {} }, 'f:metadata': { 'f:labels': { 'f:a': {} } } };
    expect(Object.keys(FieldSet.fromFieldsV1(odd).toFieldsV1())).toEqual(['f:metadata', 'f:spec']);
  });
});

describe('displayPath (kube fieldpath.Path.String)', () => {
  it.each([
    [['f:spec', 'f:containers', 'k:{"name":"x"}', 'f:image'], '.spec.containers[name="x"].image'],
    [['f:spec', 'f:ports', 'k:{"port":80,"protocol":"TCP"}'], '.spec.ports[port=80,protocol="TCP"]'],
    [['f:metadata', 'f:finalizers', 'v:"a"'], '.metadata.finalizers[="a"]'],
    [['f:x', 'i:3'], '.x[3]'],
  ])('%j renders as %s', (path, text) => {
    expect(displayPath(path)).toBe(text);
  });
});

describe('toFieldSet / compareObjects / mergeApplied', () => {
  it('sets own set-list items by value and atomic lists as a whole', () => {
    const s = toFieldSet({ metadata: { finalizers: ['a'] }, spec: { tolerations: [{ key: 'k' }] } }, meta);
    expect(s.paths()).toEqual([
      ['f:metadata', 'f:finalizers', 'v:"a"'],
      ['f:spec', 'f:tolerations'],
    ]);
  });

  it('null and empty-object fields are owned as leaves', () => {
    const s = toFieldSet({ spec: { securityContext: {}, nodeName: null } }, meta);
    expect(s.paths()).toEqual([
      ['f:spec', 'f:nodeName'],
      ['f:spec', 'f:securityContext'],
    ]);
  });

  it('compare reports added, modified and removed leaves and items', () => {
    const c = compareObjects(
      { metadata: { labels: { a: '1', b: '2' } }, spec: { containers: [{ name: 'x', image: 'i1' }] } },
      { metadata: { labels: { a: '9' } }, spec: { containers: [{ name: 'x', image: 'i2' }, { name: 'y' }] } },
      meta,
    );
    expect(c.modified.paths()).toEqual([['f:metadata', 'f:labels', 'f:a'], ['f:spec', 'f:containers', 'k:{"name":"x"}', 'f:image']]);
    expect(c.removed.paths()).toEqual([['f:metadata', 'f:labels', 'f:b']]);
    expect(c.added.paths()).toEqual([['f:spec', 'f:containers', 'k:{"name":"y"}'], ['f:spec', 'f:containers', 'k:{"name":"y"}', 'f:name']]);
  });

  it('merge: config wins, maps merge, merge lists merge by key, atomic lists replace, null removes', () => {
    const live = { metadata: { labels: { a: '1' } }, spec: { containers: [{ name: 'x', image: 'i1', args: ['1'] }], tolerations: [{ key: 'a' }], nodeName: 'n' } };
    const config = { metadata: { labels: { b: '2' } }, spec: { containers: [{ name: 'x', args: ['2'] }], tolerations: [{ key: 'b' }], nodeName: null } };
    expect(mergeApplied(live, config, meta)).toEqual({
      metadata: { labels: { a: '1', b: '2' } },
      spec: { containers: [{ name: 'x', image: 'i1', args: ['2'] }], tolerations: [{ key: 'b' }] },
    });
  });
});
