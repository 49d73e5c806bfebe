import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SqliteStorage } from '../../src/storage/sqlite-storage';
import { startApiServer } from '../../src/apiserver/server';
import { configureLogging } from '../../src/util/log';
import { eventually } from '../helpers/eventually';

interface SvcLike {
  metadata: { name: string };
  spec: { clusterIP: string; ports: Array<{ port: number; targetPort: number }> };
}


describe('services the API server maintains for itself', () => {
  let dir: string;
  let storage: SqliteStorage;
  let api: Awaited<ReturnType<typeof startApiServer>>;

  beforeAll(async () => {
    configureLogging({ verbosity: 0, format: 'text', toStderr: true, silent: true });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'km-defsvc-'));
    storage = SqliteStorage.open({ dataDir: dir });
    api = await startApiServer({ storage, address: '127.0.0.1', port: 0, serviceClusterIpRange: '10.10.10.0/24' });
  });
  afterAll(async () => {
    await api.close();
    await storage.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const get = async (p: string): Promise<Response> => fetch(api.url + p);

  it('creates kubernetes (443, portal .2) and kubernetes-ro (80, portal .1) in default, with the seed portal net', async () => {
    const svc = (name: string): Promise<SvcLike> =>
      eventually(`service ${name}`, async () => {
        const r = await get(`/api/v1/namespaces/default/services/${name}`);
        return r.ok ? ((await r.json()) as SvcLike) : undefined;
      });
    const k = await svc('kubernetes');
    const ro = await svc('kubernetes-ro');
    expect(k.spec.clusterIP).toBe('10.10.10.2');
    expect(k.spec.ports[0]!.port).toBe(443);
    expect(ro.spec.clusterIP).toBe('10.10.10.1');
    expect(ro.spec.ports[0]!.port).toBe(80);
  });

  it('points their endpoints at the API server address and port', async () => {
    const port = Number(new URL(api.url).port);
    const ep = await eventually('kubernetes endpoints', async () => {
      const r = await get('/api/v1/namespaces/default/endpoints/kubernetes');
      return r.ok ? ((await r.json()) as { subsets: Array<{ addresses: Array<{ ip: string }>; ports: Array<{ port: number }> }> }) : undefined;
    });
    expect(ep.subsets[0]!.addresses[0]!.ip).toBe('127.0.0.1');
    expect(ep.subsets[0]!.ports[0]!.port).toBe(port);
  });

  it('shows them through v1beta1 with portalIP and port', async () => {
    const r = await get('/api/v1beta1/services');
    const body = (await r.json()) as { items: Array<{ id: string; port: number; portalIP: string }> };
    const byId = Object.fromEntries(body.items.map((i) => [i.id, i]));
    expect(byId['kubernetes']).toMatchObject({ port: 443, portalIP: '10.10.10.2' });
    expect(byId['kubernetes-ro']).toMatchObject({ port: 80, portalIP: '10.10.10.1' });
  });

  it('gives a new user service the next free portal IP from the same allocator', async () => {
    const r = await fetch(api.url + '/api/v1/namespaces/default/services', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { selector: { a: 'b' }, ports: [{ port: 80 }] } }),
    });
    expect(r.status).toBe(201);
    const ip = ((await r.json()) as SvcLike).spec.clusterIP;
    expect(ip).toMatch(/^10\.10\.10\.\d+$/);
    expect(['10.10.10.1', '10.10.10.2']).not.toContain(ip);
  });
});
