/**
 * The seed's deployment, command lines verbatim (${servicehost} → 127.0.0.1): etcd on :4001,
 * `km apiserver` on :8888, `km controller-manager`, `km proxy`; each must start and serve.
 * Also: SIGTERM ends watches cleanly and the API server exits 0.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import http from 'node:http';
import { startKm, tempDir, waitForHttp } from '../helpers/km-process';
import type { KmProcess } from '../helpers/km-process';
import { freePort } from '../helpers/etcd-process';

jest.setTimeout(120_000);

const servicehost = '127.0.0.1';

async function startSeedEtcd(dir: string): Promise<ChildProcess> {
  const peer = await freePort();
  const etcd = spawn(
    'etcd',
    [
      `--data-dir=${dir}`,
      `--listen-client-urls=http://${servicehost}:4001`,
      `--advertise-client-urls=http://${servicehost}:4001`,
      `--listen-peer-urls=http://${servicehost}:${peer}`,
      `--initial-advertise-peer-urls=http://${servicehost}:${peer}`,
      `--initial-cluster=default=http://${servicehost}:${peer}`,
    ],
    { stdio: 'ignore' },
  );
  await waitForHttp(`http://${servicehost}:4001/health`, 20_000, etcd);
  return etcd;
}

describe("the seed's command lines", () => {
  let tmp: ReturnType<typeof tempDir>;
  let etcd: ChildProcess;
  let apiserver: KmProcess;
  const others: KmProcess[] = [];

  beforeAll(async () => {
    tmp = tempDir();
    etcd = await startSeedEtcd(tmp.dir);
  });

  afterAll(async () => {
    for (const p of others) await p.stop();
    await apiserver?.stop();
    etcd?.kill('SIGKILL');
    tmp?.cleanup();
  });

  it('km apiserver --address=${servicehost} --etcd_servers=http://${servicehost}:4001 --portal_net=10.10.10.0/24 --port=8888 --cloud_provider=mesos --v=1', async () => {
    apiserver = await startKm('apiserver', {
      args: [`--address=${servicehost}`, `--etcd_servers=http://${servicehost}:4001`, '--portal_net=10.10.10.0/24', '--port=8888', '--cloud_provider=mesos', '--v=1'],
      readyPath: '/readyz',
    });
    expect(apiserver.url).toBe('http://127.0.0.1:8888');
    const version = (await (await fetch(`${apiserver.url}/version`)).json()) as { major: string; minor: string };
    expect(version).toMatchObject({ major: '1', minor: '32' });
    // the seed's portal net: kubernetes-ro at .1, kubernetes at .2
    const deadline = Date.now() + 10_000;
    let ips: string[] = [];
    while (Date.now() < deadline && ips.length < 2) {
      const list = (await (await fetch(`${apiserver.url}/api/v1beta1/services`)).json()) as { items?: Array<{ id: string; portalIP: string }> };
      ips = (list.items ?? []).filter((s) => s.id.startsWith('kubernetes')).map((s) => `${s.id}=${s.portalIP}`).sort();
      if (ips.length < 2) await new Promise((r) => setTimeout(r, 100));
    }
    expect(ips).toEqual(['kubernetes-ro=10.10.10.1', 'kubernetes=10.10.10.2']);
  });

  it('km controller-manager --master=${servicehost}:8888 --mesos_master=${servicehost}:5050 --v=1', async () => {
    const cm = await startKm('controller-manager', {
      args: [`--master=${servicehost}:8888`, `--mesos_master=${servicehost}:5050`, '--v=1'],
      portFlag: '--port',
    });
    others.push(cm);
    expect((await fetch(`${cm.url}/healthz`)).status).toBe(200);
  });

  it('km proxy --bind_address=${servicehost} --etcd_servers=http://${servicehost}:4001 --logtostderr=true', async () => {
    const proxy = await startKm('proxy', {
      args: [`--bind_address=${servicehost}`, `--etcd_servers=http://${servicehost}:4001`, '--logtostderr=true'],
      portFlag: '--healthz-port',
    });
    others.push(proxy);
    expect((await fetch(`${proxy.url}/healthz`)).status).toBe(200);
    // it found the API through the etcd host (the seed gives the proxy no --master): the
    // kubernetes-ro service port is being proxied to the API server
    const deadline = Date.now() + 10_000;
    let metrics = '';
    while (Date.now() < deadline && !metrics.includes('default/kubernetes-ro')) {
      metrics = await (await fetch(`${proxy.url}/metrics`)).text();
      if (!metrics.includes('default/kubernetes-ro')) await new Promise((r) => setTimeout(r, 100));
    }
    expect(metrics).toContain('service="default/kubernetes-ro"');
  });
});

describe('graceful shutdown', () => {
  it('SIGTERM ends open watches cleanly and the API server exits 0', async () => {
    const tmp = tempDir();
    const api = await startKm('apiserver', { args: [`--data-dir=${tmp.dir}`], readyPath: '/readyz' });
    try {
      const streamEnded = new Promise<{ status: number; ended: 'end' | 'error' }>((resolve) => {
        http.get(`${api.url}/api/v1/namespaces/default/pods?watch=1`, (res) => {
          res.resume();
          res.once('end', () => resolve({ status: res.statusCode ?? 0, ended: 'end' }));
          res.once('error', () => resolve({ status: res.statusCode ?? 0, ended: 'error' }));
        });
      });
      // the watch is registered once a pod event reaches it; give it a moment by waiting for a write
      await fetch(`${api.url}/api/v1/namespaces/default/configmaps`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ metadata: { name: 'x' } }),
      });
      const code = await api.stop();
      expect(code).toBe(0);
      expect(await streamEnded).toEqual({ status: 200, ended: 'end' });
    } finally {
      tmp.cleanup();
    }
  });
});
