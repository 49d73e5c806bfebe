/**
 * One listening proxy port for one service port: TCP (accept, pick an endpoint, pipe both ways,
 * retrying other endpoints when one refuses) or UDP (a backend socket per client address, replies
 * sent back from the proxy port, idle sessions closed). Connections already piped are untouched by
 * endpoint changes: only new connections see the new list.
 */
import net from 'node:net';
import dgram from 'node:dgram';
import type { Balancer, Endpoint } from './balancer';
import { endpointKey } from './balancer';

export interface PortStats {
  connections: number;
  bytesIn: number;
  bytesOut: number;
  errors: number;
}

export interface PortProxy {
  readonly protocol: 'TCP' | 'UDP';
  readonly port: number;
  readonly stats: PortStats;
  close(): Promise<void>;
}

const MAX_TRIES = 3;

export async function startTcpProxy(bindAddress: string, port: number, balancer: Balancer): Promise<PortProxy> {
  const stats: PortStats = { connections: 0, bytesIn: 0, bytesOut: 0, errors: 0 };
  const open = new Set<net.Socket>();
  const server = net.createServer({ pauseOnConnect: true }, (client) => {
    open.add(client);
    client.once('close', () => open.delete(client));
    client.on('error', () => undefined);
    const clientIp = (client.remoteAddress ?? '').replace(/^::ffff:/, '');
    const tried = new Set<string>();
    const attempt = (): void => {
      const ep: Endpoint | undefined = tried.size < MAX_TRIES ? balancer.pick(clientIp, tried) : undefined;
      if (!ep) {
        stats.errors++;
        client.destroy();
        return;
      }
      tried.add(endpointKey(ep));
      const backend = net.connect({ host: ep.ip, port: ep.port });
      const onConnectError = (): void => {
        balancer.markFailed(ep);
        backend.destroy();
        attempt();
      };
      backend.once('error', onConnectError);
      backend.once('connect', () => {
        backend.off('error', onConnectError);
        backend.on('error', () => client.destroy());
        open.add(backend);
        backend.once('close', () => open.delete(backend));
        stats.connections++;
        client.on('data', (d: Buffer) => (stats.bytesIn += d.length));
        backend.on('data', (d: Buffer) => (stats.bytesOut += d.length));
        client.pipe(backend);
        backend.pipe(client);
        client.once('close', () => backend.destroy());
        backend.once('close', () => client.destroy());
        client.resume();
      });
    };
    attempt();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, bindAddress, () => resolve());
  });
  const actual = (server.address() as net.AddressInfo).port;
  return {
    protocol: 'TCP',
    port: actual,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export async function startUdpProxy(bindAddress: string, port: number, balancer: Balancer, idleMs = 60_000): Promise<PortProxy> {
  const stats: PortStats = { connections: 0, bytesIn: 0, bytesOut: 0, errors: 0 };
  const sock = dgram.createSocket('udp4');
  const sessions = new Map<string, { backend: dgram.Socket; timer: NodeJS.Timeout }>();
  const touch = (key: string): void => {
    const s = sessions.get(key);
    if (!s) return;
    s.timer.refresh();
  };
  sock.on('message', (msg, rinfo) => {
    const key = `${rinfo.address}:${rinfo.port}`;
    stats.bytesIn += msg.length;
    let s = sessions.get(key);
    if (!s) {
      const ep = balancer.pick(rinfo.address);
      if (!ep) {
        stats.errors++;
        return;
      }
      const backend = dgram.createSocket('udp4');
      backend.on('message', (reply) => {
        stats.bytesOut += reply.length;
        sock.send(reply, rinfo.port, rinfo.address);
        touch(key);
      });
      backend.on('error', () => {
        stats.errors++;
        balancer.markFailed(ep);
      });
      backend.connect(ep.port, ep.ip);
      const timer = setTimeout(() => {
        backend.close();
        sessions.delete(key);
      }, idleMs);
      timer.unref();
      s = { backend, timer };
      sessions.set(key, s);
      stats.connections++;
      const pending = s;
      backend.once('connect', () => pending.backend.send(msg));
      return;
    }
    touch(key);
    try {
      s.backend.send(msg);
    } catch {
      stats.errors++;
    }
  });
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject);
    sock.bind(port, bindAddress, () => resolve());
  });
  return {
    protocol: 'UDP',
    port: sock.address().port,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sessions.values()) {
          clearTimeout(s.timer);
          s.backend.close();
        }
        sessions.clear();
        sock.close(() => resolve());
      }),
  };
}
