/**
 * `km proxy` against a real km API server over HTTP: services and endpoints written through the API
 * (as the endpoints controller would), backends are real TCP servers on 127.0.0.x.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { SqliteStorage } from '../../src/storage/sqlite-storage';
import { startApiServer } from '../../src/apiserver/server';
import { ApiClient } from '../../src/client/api-client';
import { startProxy } from '../../src/proxy/proxy-server';
import type { RunningProxy } from '../../src/proxy/proxy-server';
import { configureLogging } from '../../src/util/log';
import { eventually } from '../helpers/eventually';

jest.setTimeout(60_000);

async function backend(ip: string, name: string): Promise<{ port: number; close: () => Promise<void> }> {
  const server = net.createServer((s) => {
    s.on('error', () => undefined);
    s.on('data', (d) => s.end(`${name}:${d.toString()}`));
  });
  await new Promise<void>((r) => server.listen(0, ip, r));
  return { port: (server.address() as AddressInfo).port, close: () => new Promise<void>((r) => server.close(() => r())) };
}

function ask(port: number, msg = 'hi'): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port });
    let out = '';
    s.on('data', (d) => (out += d.toString()));
    s.on('end', () => resolve(out));
    s.on('error', reject);
    s.setTimeout(5000, () => s.destroy(new Error('timeout')));
    s.write(msg);
  });
}


describe('km proxy with a real API server', () => {
  let dir: string;
  let storage: SqliteStorage;
  let api: Awaited<ReturnType<typeof startApiServer>>;
  let client: ApiClient;
  let proxy: RunningProxy;
  const backends: Array<{ port: number; close: () => Promise<void> }> = [];

  const setEndpoints = async (name: string, addrs: Array<{ ip: string; port: number }>, portName = 'http'): Promise<void> => {
    const body = {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name, namespace: 'default' },
      subsets: addrs.length ? addrs.map((a) => ({ addresses: [{ ip: a.ip }], ports: [{ name: portName, port: a.port, protocol: 'TCP' }] })) : [],
    };
    try {
      const cur = await client.get({ resource: 'endpoints', namespace: 'default', name });
      await client.update({ resource: 'endpoints', namespace: 'default', name }, { ...body, metadata: { ...body.metadata, resourceVersion: cur.metadata?.resourceVersion } });
    } catch {
      await client.create({ resource: 'endpoints', namespace: 'default' }, body);
    }
  };

  beforeAll(async () => {
    configureLogging({ verbosity: 0, format: 'text', toStderr: true, silent: true });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'km-proxy-'));
    storage = SqliteStorage.open({ dataDir: dir });
    api = await startApiServer({ storage, address: '127.0.0.1', port: 0 });
    client = new ApiClient({ servers: [api.url] });
    proxy = await startProxy({ servers: [api.url], bindAddress: '127.0.0.1', healthzPort: 0, portals: 'off' });
    backends.push(await backend('127.0.0.2', 'a'), await backend('127.0.0.3', 'b'));
  });

  afterAll(async () => {
    await proxy?.stop();
    client?.close();
    await api?.close();
    await storage?.close();
    for (const b of backends) await b.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('balances connections to a service port across its endpoints', async () => {
    await client.create({ resource: 'services', namespace: 'default' }, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web' },
      spec: { ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
    });
    await setEndpoints('web', [
      { ip: '127.0.0.2', port: backends[0]!.port },
      { ip: '127.0.0.3', port: backends[1]!.port },
    ]);
    const port = await eventually('proxy port for web', () => {
      const p = proxy.proxier.portFor('default', 'web', 'http');
      return p !== undefined && proxy.proxier.ports().find((s) => s.service === 'web')!.balancer.list().length === 2 ? p : undefined;
    });
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await ask(port));
    expect(answers.sort()).toEqual(['a:hi', 'a:hi', 'b:hi', 'b:hi']);
  });

  it('drops a removed endpoint within a second and keeps the proxy port', async () => {
    const port = proxy.proxier.portFor('default', 'web', 'http')!;
    await setEndpoints('web', [{ ip: '127.0.0.3', port: backends[1]!.port }]);
    await eventually('endpoint removed', () => proxy.proxier.ports().find((s) => s.service === 'web')!.balancer.list().length === 1);
    for (let i = 0; i < 3; i++) expect(await ask(port)).toBe('b:hi');
    expect(proxy.proxier.portFor('default', 'web', 'http')).toBe(port);
  });

  it('keeps a client on one endpoint with sessionAffinity ClientIP', async () => {
    await client.create({ resource: 'services', namespace: 'default' }, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'sticky' },
      spec: { sessionAffinity: 'ClientIP', ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
    });
    await setEndpoints('sticky', [
      { ip: '127.0.0.2', port: backends[0]!.port },
      { ip: '127.0.0.3', port: backends[1]!.port },
    ]);
    const port = await eventually('sticky proxy', () => {
      const st = proxy.proxier.ports().find((s) => s.service === 'sticky');
      return st && st.balancer.list().length === 2 ? st.proxy.port : undefined;
    });
    const first = await ask(port);
    for (let i = 0; i < 4; i++) expect(await ask(port)).toBe(first);
  });

  it('follows a service whose ports change: a new port gets a listener, a removed one is closed', async () => {
    const svc = await client.get({ resource: 'services', namespace: 'default', name: 'web' });
    const spec = svc['spec'] as { ports: unknown[] };
    await client.update({ resource: 'services', namespace: 'default', name: 'web' }, {
      ...svc,
      spec: { ...spec, ports: [{ name: 'admin', port: 81, targetPort: 9090, protocol: 'TCP' }] },
    });
    await setEndpoints('web', [{ ip: '127.0.0.2', port: backends[0]!.port }], 'admin');
    const port = await eventually('admin port', () => proxy.proxier.portFor('default', 'web', 'admin'));
    await eventually('http port closed', () => proxy.proxier.portFor('default', 'web', 'http') === undefined);
    await eventually('admin endpoint', () => proxy.proxier.ports().find((s) => s.portName === 'admin')!.balancer.list().length === 1);
    expect(await ask(port, 'x')).toBe('a:x');
  });

  it('serves /healthz and per-service /metrics', async () => {
    expect((await fetch(`${proxy.healthUrl}/healthz`)).status).toBe(200);
    const text = await (await fetch(`${proxy.healthUrl}/metrics`)).text();
    expect(text).toMatch(/kmproxy_connections_total\{service="default\/web",port="admin",protocol="TCP"\} 1/);
  });
});

describe('portal IPs (iptables in a network namespace made by the test)', () => {
  it('redirects clusterIP:port to the proxy, and removes its chains on exit', () => {
    const ns = `km-proxy-${process.pid}`;
    try {
      execFileSync('ip', ['netns', 'add', ns]);
      execFileSync('ip', ['netns', 'exec', ns, 'ip', 'link', 'set', 'lo', 'up']);
      // the node's own address inside the namespace, in the portal range's neighbourhood
      execFileSync('ip', ['netns', 'exec', ns, 'ip', 'link', 'add', 'km0', 'type', 'veth', 'peer', 'name', 'km1']);
      execFileSync('ip', ['netns', 'exec', ns, 'ip', 'addr', 'add', '10.10.10.254/24', 'dev', 'km0']);
      execFileSync('ip', ['netns', 'exec', ns, 'ip', 'link', 'set', 'km1', 'up']);
      execFileSync('ip', ['netns', 'exec', ns, 'ip', 'link', 'set', 'km0', 'up']);
      const r = spawnSync('ip', ['netns', 'exec', ns, process.execPath, '--import', 'tsx', path.join(__dirname, 'fixtures/portal-driver.ts')], {
        encoding: 'utf8',
        timeout: 45_000,
        cwd: path.resolve(__dirname, '../..'),
      });
      const line = r.stdout.trim().split('\n').pop() ?? '';
      let result: { reply?: string; rulesWhileRunning?: string; rulesAfterStop?: string };
      try {
        result = JSON.parse(line) as typeof result;
      } catch {
        throw new Error(`driver failed (${r.status}): ${r.stdout}\n${r.stderr}`);
      }
      expect(result.reply).toBe('backend:through-portal');
      expect(result.rulesWhileRunning).toContain('KM-PORTALS-HOST');
      expect(result.rulesWhileRunning).toContain('10.10.10.50/32');
      expect(result.rulesAfterStop).not.toContain('KM-PORTALS');
    } finally {
      spawnSync('ip', ['netns', 'del', ns]);
    }
  });
});
