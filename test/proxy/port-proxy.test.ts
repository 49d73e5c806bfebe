import net from 'node:net';
import dgram from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { Balancer } from '../../src/proxy/balancer';
import { startTcpProxy, startUdpProxy } from '../../src/proxy/port-proxy';

/** A TCP backend on a 127.0.0.x address that answers every connection with its own name. */
async function tcpBackend(ip: string, name: string): Promise<{ port: number; close: () => Promise<void> }> {
  const server = net.createServer((s) => {
    s.on('error', () => undefined);
    s.on('data', (d) => s.end(`${name}:${d.toString()}`));
  });
  await new Promise<void>((r) => server.listen(0, ip, r));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

function ask(port: number, msg: string, host = '127.0.0.1'): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port });
    let out = '';
    s.on('data', (d) => (out += d.toString()));
    s.on('end', () => resolve(out));
    s.on('error', reject);
    s.setTimeout(5000, () => s.destroy(new Error('timeout')));
    s.write(msg);
  });
}

/** A port on 127.0.0.1 where nothing listens (connections are refused). */
async function deadPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe('balancer', () => {
  it('round-robins over endpoints', () => {
    const b = new Balancer({ affinity: 'None', affinityTimeoutMs: 0 });
    b.setEndpoints([{ ip: '127.0.0.2', port: 1 }, { ip: '127.0.0.3', port: 1 }]);
    const picks = Array.from({ length: 4 }, () => b.pick('10.0.0.1')!.ip);
    expect(picks).toEqual(['127.0.0.2', '127.0.0.3', '127.0.0.2', '127.0.0.3']);
  });

  it('keeps a client on one endpoint with ClientIP affinity until the timeout', () => {
    let now = 0;
    const b = new Balancer({ affinity: 'ClientIP', affinityTimeoutMs: 1000, now: () => now });
    b.setEndpoints([{ ip: '127.0.0.2', port: 1 }, { ip: '127.0.0.3', port: 1 }]);
    expect(b.pick('10.0.0.1')!.ip).toBe('127.0.0.2');
    now += 500;
    expect(b.pick('10.0.0.1')!.ip).toBe('127.0.0.2'); // sticky, and the timeout restarts
    expect(b.pick('10.0.0.2')!.ip).toBe('127.0.0.3');
    now += 1001;
    expect(b.pick('10.0.0.9')!.ip).toBe('127.0.0.2');
    // affinity expired: client 1 now follows the round robin to the other endpoint
    expect(b.pick('10.0.0.1')!.ip).toBe('127.0.0.3');
  });

  it('skips an endpoint that refused a connection, and tries it again later', () => {
    let now = 0;
    const b = new Balancer({ affinity: 'None', affinityTimeoutMs: 0, quarantineMs: 100, now: () => now });
    const bad = { ip: '127.0.0.2', port: 1 };
    b.setEndpoints([bad, { ip: '127.0.0.3', port: 1 }]);
    b.markFailed(bad);
    expect([b.pick('c')!.ip, b.pick('c')!.ip, b.pick('c')!.ip]).toEqual(['127.0.0.3', '127.0.0.3', '127.0.0.3']);
    now += 101;
    const ips = new Set([b.pick('c')!.ip, b.pick('c')!.ip]);
    expect(ips.has('127.0.0.2')).toBe(true);
  });
});

describe('TCP and UDP proxy ports (real sockets on loopback)', () => {
  it('balances TCP connections across backends and drops a removed one', async () => {
    const a = await tcpBackend('127.0.0.2', 'a');
    const b = await tcpBackend('127.0.0.3', 'b');
    const bal = new Balancer({ affinity: 'None', affinityTimeoutMs: 0 });
    bal.setEndpoints([{ ip: '127.0.0.2', port: a.port }, { ip: '127.0.0.3', port: b.port }]);
    const proxy = await startTcpProxy('127.0.0.1', 0, bal);
    try {
      const answers = [];
      for (let i = 0; i < 4; i++) answers.push(await ask(proxy.port, 'hi'));
      expect(answers.sort()).toEqual(['a:hi', 'a:hi', 'b:hi', 'b:hi']);
      bal.setEndpoints([{ ip: '127.0.0.3', port: b.port }]);
      for (let i = 0; i < 3; i++) expect(await ask(proxy.port, 'x')).toBe('b:x');
      expect(proxy.stats.connections).toBe(7);
    } finally {
      await proxy.close();
      await a.close();
      await b.close();
    }
  });

  it('retries another endpoint when one refuses the connection', async () => {
    const b = await tcpBackend('127.0.0.3', 'b');
    const bal = new Balancer({ affinity: 'None', affinityTimeoutMs: 0 });
    bal.setEndpoints([{ ip: '127.0.0.1', port: await deadPort() }, { ip: '127.0.0.3', port: b.port }]);
    const proxy = await startTcpProxy('127.0.0.1', 0, bal);
    try {
      for (let i = 0; i < 3; i++) expect(await ask(proxy.port, 'q')).toBe('b:q');
    } finally {
      await proxy.close();
      await b.close();
    }
  });

  it('forwards UDP datagrams and their replies', async () => {
    const backend = dgram.createSocket('udp4');
    backend.on('message', (m, r) => backend.send(Buffer.from(`pong:${m.toString()}`), r.port, r.address));
    await new Promise<void>((r) => backend.bind(0, '127.0.0.4', r));
    const bal = new Balancer({ affinity: 'None', affinityTimeoutMs: 0 });
    bal.setEndpoints([{ ip: '127.0.0.4', port: backend.address().port }]);
    const proxy = await startUdpProxy('127.0.0.1', 0, bal);
    const client = dgram.createSocket('udp4');
    try {
      const reply = await new Promise<string>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('no UDP reply')), 5000);
        client.on('message', (m) => {
          clearTimeout(t);
          resolve(m.toString());
        });
        client.send('ping', proxy.port, '127.0.0.1');
      });
      expect(reply).toBe('pong:ping');
    } finally {
      client.close();
      await proxy.close();
      backend.close();
    }
  });
});
