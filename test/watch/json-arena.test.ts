/**
 * The watch cache's byte arena: objects' JSON packed into shared slabs, compacted when a sweep finds
 * most of it dead, without ever changing bytes anyone still holds.
 */
import { JsonArena } from '../../src/watch/json-arena';
import { cachedObjectDecoder, type CachedObject } from '../../src/watch/cached-object';

const decode = cachedObjectDecoder({ apiVersion: 'v1', kind: 'Pod' });
const obj = (name: string, size = 3000, rev = 1): CachedObject =>
  decode({
    key: `/registry/pods/ns/${name}`,
    value: Buffer.from(JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'ns' }, pad: 'x'.repeat(size) })),
    createRevision: rev,
    modRevision: rev,
  })!;

test('adopted objects share slabs and keep their bytes', () => {
  const arena = new JsonArena();
  const a = obj('a');
  const before = a.json.toString();
  const b = obj('b');
  arena.adopt(a);
  arena.adopt(b);
  expect(a.json.toString()).toBe(before);
  expect(a.json.buffer).toBe(b.json.buffer);
  expect(arena.residentBytes).toBe(a.json.length + b.json.length);
  expect(a.decode().metadata?.name).toBe('a');
});

test('objects too large for a slab keep their own allocation', () => {
  const arena = new JsonArena();
  const big = obj('big', 100_000);
  const own = big.json;
  arena.adopt(big);
  expect(big.json).toBe(own);
  expect(arena.residentBytes).toBe(0);
});

test('a sweep that finds most bytes dead compacts the live ones; dropped objects still read their old bytes', () => {
  const arena = new JsonArena();
  const all = Array.from({ length: 4000 }, (_, i) => arena.adopt(obj(`p${i}`, 3000, i + 1)));
  const texts = all.map((o) => o.json.toString());
  expect(arena.sweepDue).toBe(true);
  const live = new Set(all.filter((_, i) => i % 10 === 0));
  arena.sweep(live);
  const liveBytes = [...live].reduce((n, o) => n + o.json.length, 0);
  expect(arena.residentBytes).toBe(liveBytes);
  all.forEach((o, i) => expect(o.json.toString()).toBe(texts[i]));
  expect(arena.sweepDue).toBe(false);
});

test('a sweep that finds most bytes live leaves them in place', () => {
  const arena = new JsonArena();
  const all = Array.from({ length: 4000 }, (_, i) => arena.adopt(obj(`p${i}`, 3000, i + 1)));
  const where = all.map((o) => o.json.byteOffset);
  arena.sweep(new Set(all.slice(200)));
  expect(all.map((o) => o.json.byteOffset)).toEqual(where);
  expect(arena.sweepDue).toBe(false);
});
