import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SqliteStorage } from '../../src/storage/sqlite-storage';
import { startApiServer } from '../../src/apiserver/server';
import { ServiceIpAllocator, NodePortAllocator } from '../../src/allocator/service-allocators';
import { configureLogging } from '../../src/util/log';

describe('service IP and node port repair at start-up', () => {
  it('marks the IPs and node ports existing services hold, so they are never handed out twice', async () => {
    configureLogging({ verbosity: 0, format: 'text', toStderr: true, silent: true });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'km-repair-'));
    const storage = SqliteStorage.open({ dataDir: dir });
    // A service stored without its allocation record (e.g. restored from a backup of /registry/services).
    await storage.create(
      '/registry/services/default/old',
      Buffer.from(
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: 'old', namespace: 'default', uid: 'u1', creationTimestamp: '2026-01-01T00:00:00Z' },
          spec: { type: 'NodePort', clusterIP: '10.10.10.77', clusterIPs: ['10.10.10.77'], ports: [{ port: 80, targetPort: 80, protocol: 'TCP', nodePort: 30555 }] },
        }),
      ),
    );
    const api = await startApiServer({ storage, address: '127.0.0.1', port: 0, serviceClusterIpRange: '10.10.10.0/24', serviceNodePortRange: '30000-32767', defaultServices: false });
    try {
      expect(await new ServiceIpAllocator(storage, '10.10.10.0/24').isAllocated('10.10.10.77')).toBe(true);
      const r = await fetch(`${api.url}/api/v1/namespaces/default/services`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'new' }, spec: { clusterIP: '10.10.10.77', ports: [{ port: 80 }] } }),
      });
      expect(r.status).toBe(422);
      const body = (await r.json()) as { details?: { causes?: Array<{ field?: string }> } };
      expect(body.details?.causes?.[0]?.field).toMatch(/^spec\.clusterIP/);
      const ports = new NodePortAllocator(storage, '30000-32767');
      await expect(ports.allocate(30555)).rejects.toThrow();
    } finally {
      await api.close();
      await storage.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
