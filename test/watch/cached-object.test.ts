/**
 * The watch cache's stored form: JSON bytes with the resourceVersion spliced in, plus selector
 * attributes, built once per stored version; decoded copies are the caller's own.
 */
import type { KeyValue } from '../../src/storage/interface';
import { cachedObjectDecoder } from '../../src/watch/cached-object';
import { CachedEvent, eventBytes } from '../../src/watch/event-encoding';

const kv = (value: string, modRevision = 42, key = '/registry/pods/ns/a'): KeyValue => ({ key, value: Buffer.from(value), createRevision: 7, modRevision });
const stored = (extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a', namespace: 'ns', labels: { app: 'web' } }, spec: { nodeName: 'n1' }, ...extra });

test('stored text in the registry layout gets the resourceVersion as the first metadata key, bytes otherwise unchanged', () => {
  const c = cachedObjectDecoder({ apiVersion: 'v1', kind: 'Pod' })(kv(stored()))!;
  expect(c.json.toString()).toBe(stored().replace('"metadata":{"', '"metadata":{"resourceVersion":"42","'));
  expect(c.revision).toBe(42);
  expect(c.key).toBe('/registry/pods/ns/a');
});

test('selector attributes come from the object: labels and the fields the kind selects on', () => {
  const decode = cachedObjectDecoder({
    apiVersion: 'v1',
    kind: 'Pod',
    attrs: (o) => ({ labels: o.metadata?.labels, fields: { 'spec.nodeName': String((o['spec'] as { nodeName: string }).nodeName) } }),
  });
  expect(decode(kv(stored()))!.attrs).toEqual({ labels: { app: 'web' }, fields: { 'spec.nodeName': 'n1' } });
  expect(cachedObjectDecoder({ apiVersion: 'v1', kind: 'Pod' })(kv(stored()))!.attrs).toEqual({
    labels: { app: 'web' },
    fields: { 'metadata.name': 'a', 'metadata.namespace': 'ns' },
  });
});

test('text in another layout (written by another tool) is re-encoded with apiVersion, kind and resourceVersion', () => {
  const foreign = JSON.stringify({ metadata: { namespace: 'ns', name: 'a' }, spec: {}, kind: 'Pod' });
  const c = cachedObjectDecoder({ apiVersion: 'v1', kind: 'Pod' })(kv(foreign, 9))!;
  expect(c.json.toString().startsWith('{"apiVersion":"v1","kind":"Pod","metadata":{"resourceVersion":"9",')).toBe(true);
  expect(c.decode()).toEqual({ apiVersion: 'v1', kind: 'Pod', metadata: { resourceVersion: '9', namespace: 'ns', name: 'a' }, spec: {} });
});

test('a stored resourceVersion never reaches the client twice: the storage revision replaces it', () => {
  const withRv = JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a', resourceVersion: '5' } });
  const c = cachedObjectDecoder({ apiVersion: 'v1', kind: 'Pod' })(kv(withRv, 11))!;
  expect(c.json.toString().match(/resourceVersion/g)).toHaveLength(1);
  expect(c.decode().metadata?.resourceVersion).toBe('11');
});

test('a stored kind or apiVersion of another type is served as this resource, as the registry decodes it', () => {
  const other = JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'a' } });
  const c = cachedObjectDecoder({ apiVersion: 'v1', kind: 'Pod' })(kv(other))!;
  expect(c.json.toString().match(/"kind"/g)).toHaveLength(1);
  expect(c.decode().kind).toBe('Pod');
});

test('values that are not objects of the resource are refused and reported', () => {
  const bad: Array<[string, string]> = [];
  const decode = cachedObjectDecoder({ apiVersion: 'v1', kind: 'Pod', invalid: (v, why) => bad.push([v.value.toString(), why]) });
  expect(decode(kv('{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a"'))).toBeUndefined();
  expect(decode(kv('[1,2]'))).toBeUndefined();
  expect(decode(kv('{"apiVersion":"v1","kind":"Pod","metadata":{"namespace":"ns"}}'))).toBeUndefined();
  expect(bad.map(([, why]) => why)).toEqual(['undecodable', 'foreign', 'foreign']);
});

test('withRevision stamps another resourceVersion and leaves the original untouched', () => {
  const c = cachedObjectDecoder({ apiVersion: 'v1', kind: 'Pod' })(kv(stored(), 42))!;
  const before = c.json.toString();
  const d = c.withRevision(1234567);
  expect(d.decode().metadata?.resourceVersion).toBe('1234567');
  expect({ ...d.decode(), metadata: { ...d.decode().metadata, resourceVersion: '42' } }).toEqual(c.decode());
  expect(d.withRevision(8).decode().metadata?.resourceVersion).toBe('8');
  expect(c.json.toString()).toBe(before);
  expect(c.withRevision(42)).toBe(c);
});

test('each decode is a fresh copy: editing one never changes what the cache shares', () => {
  const c = cachedObjectDecoder({ apiVersion: 'v1', kind: 'Pod' })(kv(stored()))!;
  const first = c.decode();
  first.metadata!.labels!['app'] = 'changed';
  (first['spec'] as Record<string, unknown>)['nodeName'] = 'elsewhere';
  expect(c.decode().metadata?.labels).toEqual({ app: 'web' });
  expect(c.attrs.labels).toEqual({ app: 'web' });
});

test('multi-byte UTF-8 text survives the splice', () => {
  const text = stored({ spec: { note: 'größe — 測試 🚀' } });
  const c = cachedObjectDecoder({ apiVersion: 'v1', kind: 'Pod' })(kv(text, 3))!;
  expect((c.decode()['spec'] as { note: string }).note).toBe('größe — 測試 🚀');
  expect((c.withRevision(1000).decode()['spec'] as { note: string }).note).toBe('größe — 測試 🚀');
});

test('a watch event of a cached object is its stored bytes in the event envelope, encoded once when shared', () => {
  const c = cachedObjectDecoder({ apiVersion: 'v1', kind: 'Pod' })(kv(stored(), 5))!;
  const shared = new CachedEvent('MODIFIED', c);
  const line = eventBytes(shared);
  expect(line.toString()).toBe(`{"type":"MODIFIED","object":${c.json.toString()}}\n`);
  expect(JSON.parse(line.toString())).toEqual({ type: 'MODIFIED', object: c.decode() });
  expect(JSON.stringify(shared) + '\n').toBe(line.toString());
  expect(eventBytes(shared)).toBe(line);
  const once = new CachedEvent('ADDED', c, false);
  expect(eventBytes(once).toString()).toBe(`{"type":"ADDED","object":${c.json.toString()}}\n`);
  expect(eventBytes(once)).not.toBe(eventBytes(once));
});
