/**
 * An update whose compare-and-swap reached storage but whose answer was lost (a timeout, a dropped
 * connection) has an unknown outcome: the client must get that 5xx, never a 409 that says the write
 * was refused. The storage here is a real SqliteStorage; a fault-injecting decorator applies one
 * update and then throws Timeout in its place, as etcd does when the response misses the deadline.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { SqliteStorage } from '../../src/storage/sqlite-storage';
import { StorageError } from '../../src/storage/errors';
import type { Storage } from '../../src/storage/interface';
import { createApiApp, type ApiApp } from '../../src/apiserver/server';

const CM = '/api/v1/namespaces/default/configmaps';

let dir: string;
let real: SqliteStorage;
let api: ApiApp;
/** When set, the next update is applied and then answered with Timeout. */
let loseNextAnswer = false;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'km-outcome-'));
  real = SqliteStorage.open({ dataDir: dir, synchronous: 'NORMAL' });
  const storage = new Proxy(real, {
    get(target, prop, receiver) {
      if (prop === 'update')
        return async (key: string, value: Buffer, rev: number) => {
          const kv = await target.update(key, value, rev);
          if (loseNextAnswer && key.includes('/configmaps/')) {
            loseNextAnswer = false;
            throw new StorageError('Timeout', key, 'etcd: context deadline exceeded (response lost)');
          }
          return kv;
        };
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  }) as Storage;
  api = createApiApp({ storage });
  await api.bootstrap();
});

afterAll(async () => {
  await api.close();
  await real.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

it('a conditional PUT whose write was applied but whose answer was lost gets 504, not 409, and the write is there', async () => {
  const created = await request(api.listener).post(CM).send({ metadata: { name: 'c' }, data: { n: '1' } }).expect(201);
  const rv = created.body.metadata.resourceVersion as string;
  // The watch cache has the object, so the update's first attempt works from the cached copy.
  for (let i = 0; i < 100; i++) {
    const r = await request(api.listener).get(`${CM}/c?resourceVersion=0`);
    if (r.status === 200 && r.body.metadata.resourceVersion === rv) break;
    await new Promise((res) => setTimeout(res, 20));
  }
  loseNextAnswer = true;
  const put = await request(api.listener).put(`${CM}/c`).send({ ...created.body, data: { n: '2' } });
  expect(loseNextAnswer).toBe(false); // the fault fired
  expect(put.status).toBe(504);
  expect(put.body).toMatchObject({ kind: 'Status', code: 504 });
  const now = await request(api.listener).get(`${CM}/c`).expect(200);
  expect(now.body.data).toEqual({ n: '2' });
});
