/** Pure store logic over the in-memory storage helper (integration tests use the real backends). */
import { GenericStore, rawJsonOf, type WatchSource } from '../../src/registry/generic-store';
import { cachedObjectDecoder, type CachedObject } from '../../src/watch/cached-object';
import { configMapStrategy } from '../../src/registry/strategies/configmaps';
import { MemoryStorage } from '../helpers/memory-storage';

const ctx = { namespace: 'default' };
const write = { dryRun: false, fieldValidation: 'Strict' as const };

test('corrupt or foreign values under the prefix are logged with their key and skipped in lists', async () => {
  const storage = new MemoryStorage();
  const warnings: { msg: string; key: unknown }[] = [];
  const store = new GenericStore(configMapStrategy, { storage, logger: { warn: (msg, meta) => warnings.push({ msg, key: meta?.['key'] }), info: () => undefined } });
  await store.create(ctx, { metadata: { name: 'good' } }, write);
  await storage.create('/registry/configmaps/default/junk', Buffer.from('{not json'));
  await storage.create('/registry/configmaps/default/foreign', Buffer.from('[1,2,3]'));
  const list = await store.list(ctx, {});
  expect(list.items.map((i) => i.metadata?.name)).toEqual(['good']);
  expect(warnings.map((w) => w.key).sort()).toEqual(['/registry/configmaps/default/foreign', '/registry/configmaps/default/junk']);
});

test('keys are <prefix>/<resource>/<namespace>/<name> and the prefix is configurable', async () => {
  const storage = new MemoryStorage();
  const store = new GenericStore(configMapStrategy, { storage, prefix: '/custom' });
  await store.create(ctx, { metadata: { name: 'cm' } }, write);
  const kv = await storage.get('/custom/configmaps/default/cm');
  expect(JSON.parse(kv.value.toString())).toMatchObject({ kind: 'ConfigMap', metadata: { name: 'cm', namespace: 'default' } });
  // resourceVersion is never stored; it is the key's modRevision.
  expect(JSON.parse(kv.value.toString()).metadata.resourceVersion).toBeUndefined();
  const got = await store.get(ctx, 'cm');
  expect(got.metadata.resourceVersion).toBe(String(kv.modRevision));
});

test('a storage outage is a 503 ServiceUnavailable', async () => {
  const storage = new MemoryStorage();
  const store = new GenericStore(configMapStrategy, { storage });
  await storage.close();
  await expect(store.get(ctx, 'x')).rejects.toMatchObject({ code: 503, reason: 'ServiceUnavailable' });
});

test('concurrent unconditional updates both apply (retry on conflict)', async () => {
  const storage = new MemoryStorage();
  const store = new GenericStore(configMapStrategy, { storage });
  await store.create(ctx, { metadata: { name: 'c' }, data: {} }, write);
  await Promise.all(
    ['a', 'b', 'c', 'd'].map((k) =>
      store.patch(ctx, 'c', 'merge', Buffer.from(JSON.stringify({ data: { [k]: '1' } })), { dryRun: false, fieldValidation: 'Ignore' }),
    ),
  );
  const got = await store.get(ctx, 'c');
  expect(got['data']).toEqual({ a: '1', b: '1', c: '1', d: '1' });
});

test('a generateName collision is retried with a new name', async () => {
  const storage = new MemoryStorage();
  const store = new GenericStore(configMapStrategy, { storage });
  const random = jest.spyOn(Math, 'random');
  // First attempt draws the same suffix as an existing object, the retry draws another.
  random.mockReturnValue(0);
  const first = await store.create(ctx, { metadata: { generateName: 'g-' } }, write);
  const seq = [0, 0, 0, 0, 0, 0.5, 0.5, 0.5, 0.5, 0.5];
  random.mockImplementation(() => seq.shift() ?? 0.9);
  const second = await store.create(ctx, { metadata: { generateName: 'g-' } }, write);
  random.mockRestore();
  expect(first.object.metadata?.name).toBe('g-bbbbb');
  expect(second.object.metadata?.name).not.toBe('g-bbbbb');
  expect(second.object.metadata?.name).toMatch(/^g-[a-z0-9]{5}$/);
});

test('the response text attached to read objects is exactly the object with its resourceVersion', async () => {
  const storage = new MemoryStorage();
  const store = new GenericStore(configMapStrategy, { storage });
  const created = await store.create(ctx, { metadata: { name: 'raw', labels: { a: 'b' } }, data: { k: 'v' } }, write);
  const got = await store.get(ctx, 'raw');
  for (const o of [created.object, got]) {
    const raw = rawJsonOf(o);
    expect(raw).toBeDefined();
    expect(JSON.parse(raw!)).toEqual(JSON.parse(JSON.stringify(o)));
    expect(JSON.parse(raw!).metadata.resourceVersion).toBe(got.metadata.resourceVersion);
  }
  // Lists and GETs as bytes: the same object, with no re-encoding.
  const listed = (await store.listRaw(ctx, {})).items[0]!;
  expect(JSON.parse(listed.json.toString())).toEqual(JSON.parse(JSON.stringify(got)));
  expect((await store.getRaw(ctx, 'raw')).json.equals(listed.json)).toBe(true);
  expect((await store.list(ctx, {})).items[0]).toEqual(JSON.parse(JSON.stringify(got)));
  // Copies made for editing do not carry the text (it would go stale).
  expect(rawJsonOf(structuredClone(got))).toBeUndefined();
});

describe('updates start from the watch cache copy (kube cachedExistingObject)', () => {
  const decodeCached = cachedObjectDecoder({ apiVersion: 'v1', kind: 'ConfigMap' });
  /** A cache frozen at the moment of `freeze`: what a lagging watch cache serves. */
  function frozenCache(storage: MemoryStorage) {
    const held = new Map<string, CachedObject>();
    return {
      async freeze(key: string) {
        held.set(key, decodeCached(await storage.get(key))!);
      },
      source: (): WatchSource => ({
        watch: () => {
          throw new Error('not used');
        },
        running: () => ({ resourceVersion: 0, peek: (key: string) => held.get(key), snapshot: () => ({ items: [], resourceVersion: 0 }) }),
      }),
    };
  }
  const key = '/registry/configmaps/default/c';

  test('a PUT with the current resourceVersion succeeds while the cache still holds an older version (no false 409)', async () => {
    const storage = new MemoryStorage();
    const cache = frozenCache(storage);
    const store = new GenericStore(configMapStrategy, { storage, watchSource: cache.source });
    await store.create(ctx, { metadata: { name: 'c' }, data: { v: '1' } }, write);
    await cache.freeze(key);
    const v2 = await store.update(ctx, 'c', { metadata: { name: 'c' }, data: { v: '2' } }, write);
    const current = v2.object.metadata!.resourceVersion!;
    const v3 = await store.update(ctx, 'c', { metadata: { name: 'c', resourceVersion: current }, data: { v: '3' } }, write);
    expect(v3.object['data']).toEqual({ v: '3' });
    expect((await store.get(ctx, 'c'))['data']).toEqual({ v: '3' });
  });

  test('a PUT with an outdated resourceVersion is 409 even when the stale cache holds exactly that version', async () => {
    const storage = new MemoryStorage();
    const cache = frozenCache(storage);
    const store = new GenericStore(configMapStrategy, { storage, watchSource: cache.source });
    const v1 = await store.create(ctx, { metadata: { name: 'c' }, data: { v: '1' } }, write);
    await cache.freeze(key);
    await store.update(ctx, 'c', { metadata: { name: 'c' }, data: { v: '2' } }, write);
    const stale = { metadata: { name: 'c', resourceVersion: v1.object.metadata!.resourceVersion }, data: { v: 'lost update' } };
    await expect(store.update(ctx, 'c', stale, write)).rejects.toMatchObject({ code: 409, reason: 'Conflict' });
    expect((await store.get(ctx, 'c'))['data']).toEqual({ v: '2' });
  });

  test('an update equal to the stale cached copy but not to the stored object is written, not taken for a no-op', async () => {
    const storage = new MemoryStorage();
    const cache = frozenCache(storage);
    const store = new GenericStore(configMapStrategy, { storage, watchSource: cache.source });
    await store.create(ctx, { metadata: { name: 'c' }, data: { v: '1' } }, write);
    await cache.freeze(key);
    await store.update(ctx, 'c', { metadata: { name: 'c' }, data: { v: '2' } }, write);
    const back = await store.patch(ctx, 'c', 'merge', Buffer.from('{"data":{"v":"1"}}'), { dryRun: false, fieldValidation: 'Ignore' });
    expect(back.object['data']).toEqual({ v: '1' });
    expect(JSON.parse((await storage.get(key)).value.toString()).data).toEqual({ v: '1' });
  });

  test('with a current cache, an update makes no storage read before its compare-and-swap', async () => {
    const storage = new MemoryStorage();
    const cache = frozenCache(storage);
    const store = new GenericStore(configMapStrategy, { storage, watchSource: cache.source });
    await store.create(ctx, { metadata: { name: 'c' }, data: { v: '1' } }, write);
    await cache.freeze(key);
    const get = jest.spyOn(storage, 'get');
    await store.patch(ctx, 'c', 'merge', Buffer.from('{"data":{"v":"2"}}'), { dryRun: false, fieldValidation: 'Ignore' });
    expect(get).not.toHaveBeenCalled();
    expect(JSON.parse((await storage.get(key)).value.toString()).data).toEqual({ v: '2' });
  });
});

test('propagationPolicy=Foreground on a kind that owns nothing deletes at once (no finalizer nobody would remove)', async () => {
  const storage = new MemoryStorage();
  const store = new GenericStore(configMapStrategy, { storage });
  await store.create(ctx, { metadata: { name: 'fg' } }, write);
  const r = await store.delete(ctx, 'fg', { dryRun: false, propagationPolicy: 'Foreground' });
  expect(r.deleted).toBe(true);
  await expect(store.get(ctx, 'fg')).rejects.toMatchObject({ code: 404 });
});
