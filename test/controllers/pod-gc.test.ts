/**
 * Pod garbage collection (kube's podgc) against a real API server over HTTP: pods bound to a node
 * that does not exist are force-deleted, and terminated pods beyond the threshold go oldest first.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Pod, Node } from 'kubernetes-types/core/v1';
import type { KubeObject } from '../../src/api/types';
import { SqliteStorage } from '../../src/storage/sqlite-storage';
import { startApiServer } from '../../src/apiserver/server';
import { ApiClient } from '../../src/client/api-client';
import { Informer } from '../../src/client/informer';
import { PodGarbageCollector } from '../../src/controllers/garbage-collector';
import { configureLogging } from '../../src/util/log';

describe('pod garbage collection', () => {
  let dir: string;
  let storage: SqliteStorage;
  let api: Awaited<ReturnType<typeof startApiServer>>;
  let client: ApiClient;
  let pods: Informer<Pod & KubeObject>;
  let nodes: Informer<Node & KubeObject>;

  const pod = (name: string, extra: Record<string, unknown> = {}): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: { containers: [{ name: 'c', image: 'nginx' }], ...extra },
  });
  const names = async (): Promise<string[]> =>
    (await client.list({ resource: 'pods', namespace: 'default' })).items.map((p) => p.metadata?.name ?? '').sort();
  const synced = async (n: number): Promise<void> => {
    for (let i = 0; i < 200 && pods.list().length !== n; i++) await new Promise((r) => setTimeout(r, 25));
  };

  beforeEach(async () => {
    configureLogging({ verbosity: 0, format: 'text', toStderr: true, silent: true });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'km-podgc-'));
    storage = SqliteStorage.open({ dataDir: dir });
    api = await startApiServer({ storage, address: '127.0.0.1', port: 0, defaultServices: false });
    client = new ApiClient({ servers: [api.url] });
    pods = new Informer(client, { resource: 'pods' });
    nodes = new Informer(client, { resource: 'nodes' });
    pods.start();
    nodes.start();
    await Promise.all([pods.waitForSync(), nodes.waitForSync()]);
  });

  afterEach(async () => {
    await pods.stop();
    await nodes.stop();
    client.close();
    await api.close();
    await storage.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('force-deletes pods bound to a node that does not exist, and keeps those on a real node', async () => {
    await client.create({ resource: 'nodes' }, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'real' } });
    await client.create({ resource: 'pods', namespace: 'default' }, pod('on-ghost', { nodeName: 'ghost' }));
    await client.create({ resource: 'pods', namespace: 'default' }, pod('on-real', { nodeName: 'real' }));
    await client.create({ resource: 'pods', namespace: 'default' }, pod('unbound'));
    await synced(3);
    for (let i = 0; i < 200 && !nodes.get('real'); i++) await new Promise((r) => setTimeout(r, 25));
    const gc = new PodGarbageCollector(client, pods, nodes, 0);
    expect(await gc.gc()).toEqual(['default/on-ghost']);
    expect(await names()).toEqual(['on-real', 'unbound']);
  });

  it('deletes terminated pods beyond --terminated-pod-gc-threshold, oldest first', async () => {
    for (const name of ['t1', 't2', 't3']) {
      const created = await client.create({ resource: 'pods', namespace: 'default' }, pod(name));
      await client.update({ resource: 'pods', namespace: 'default', name, subresource: 'status' }, { ...created, status: { phase: 'Succeeded' } });
      await new Promise((r) => setTimeout(r, 1100)); // distinct creationTimestamps (1 s resolution)
    }
    await client.create({ resource: 'pods', namespace: 'default' }, pod('running'));
    await synced(4);
    for (let i = 0; i < 200 && pods.list().filter((p) => p.status?.phase === 'Succeeded').length !== 3; i++) await new Promise((r) => setTimeout(r, 25));
    const gc = new PodGarbageCollector(client, pods, nodes, 1);
    expect((await gc.gc()).sort()).toEqual(['default/t1', 'default/t2']);
    expect(await names()).toEqual(['running', 't3']);
  });
});
