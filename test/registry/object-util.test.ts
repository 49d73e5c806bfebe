import { clone } from '../../src/registry/object-util';

describe('clone (copies of request bodies and stored objects)', () => {
  it('a clone shares nothing with its source: editing one never changes the other', () => {
    const src = { metadata: { labels: { a: '1' } }, spec: { containers: [{ name: 'c', ports: [{ containerPort: 80 }] }] }, n: null, u: undefined };
    const c = clone(src);
    expect(c).toEqual(src);
    expect(Object.keys(c)).toEqual(['metadata', 'spec', 'n', 'u']);
    c.metadata.labels.a = '2';
    c.spec.containers[0]!.ports[0]!.containerPort = 81;
    expect(src.metadata.labels.a).toBe('1');
    expect(src.spec.containers[0]!.ports[0]!.containerPort).toBe(80);
  });

  it('a "__proto__" key from JSON stays a plain data key and never changes the prototype', () => {
    const src = JSON.parse('{"__proto__":{"polluted":true},"a":1}') as Record<string, unknown>;
    const c = clone(src);
    expect(Object.getPrototypeOf(c)).toBe(Object.prototype);
    expect((c as { polluted?: boolean }).polluted).toBeUndefined();
    expect(JSON.stringify(c)).toBe('{"__proto__":{"polluted":true},"a":1}');
  });
});
