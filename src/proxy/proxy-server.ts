/**
 * `km proxy`: the Proxier plus /healthz and /metrics (connections, bytes and errors per service
 * port) on --healthz-port. Portal-IP rules are installed only when running as root with iptables
 * available; otherwise it says so once and serves the proxy ports only.
 */
import client from 'prom-client';
import { ApiClient } from '../client/api-client';
import { Proxier } from './proxier';
import { PortalRules, systemIptables } from './iptables';
import { log } from '../util/log';
import { startHealthServer } from '../util/health-server';

export interface ProxyServerOptions {
  servers: string[];
  bindAddress: string;
  healthzAddress?: string;
  healthzPort: number;
  /** Install portal-IP rules: 'auto' = when root and iptables works. */
  portals: 'auto' | 'off';
  /** Run iptables inside this network namespace (tests). */
  netns?: string;
}

export interface RunningProxy {
  proxier: Proxier;
  healthUrl: string;
  portalsEnabled: boolean;
  stop(): Promise<void>;
}

async function iptablesUsable(netns?: string): Promise<boolean> {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return false;
  try {
    await systemIptables('iptables', netns).iptables(['-t', 'nat', '-L', '-n']);
    return true;
  } catch {
    return false;
  }
}

export async function startProxy(o: ProxyServerOptions): Promise<RunningProxy> {
  const api = new ApiClient({ servers: o.servers, userAgent: 'km-proxy' });
  let portals: PortalRules | undefined;
  if (o.portals === 'auto') {
    if (await iptablesUsable(o.netns)) {
      portals = new PortalRules(systemIptables('iptables', o.netns));
      await portals.cleanup(); // leftovers of an unclean exit
    } else {
      log.warn('proxy: not root or no usable iptables: portal IPs are not redirected; serving proxy ports only');
    }
  }
  const proxier = new Proxier({ client: api, bindAddress: o.bindAddress, portals });
  await proxier.start();

  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  const gauge = (name: string, help: string, pick: (s: { connections: number; bytesIn: number; bytesOut: number; errors: number }) => number): void => {
    new client.Gauge({
      name,
      help,
      labelNames: ['service', 'port', 'protocol'] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const p of proxier.ports()) this.set({ service: `${p.namespace}/${p.service}`, port: p.portName, protocol: p.protocol }, pick(p.proxy.stats));
      },
    });
  };
  gauge('kmproxy_connections_total', 'Connections (TCP) or client sessions (UDP) proxied.', (s) => s.connections);
  gauge('kmproxy_bytes_in_total', 'Bytes from clients to endpoints.', (s) => s.bytesIn);
  gauge('kmproxy_bytes_out_total', 'Bytes from endpoints to clients.', (s) => s.bytesOut);
  gauge('kmproxy_errors_total', 'Connections that found no reachable endpoint.', (s) => s.errors);

  const health = await startHealthServer(o.healthzAddress ?? '127.0.0.1', o.healthzPort, registry);
  return {
    proxier,
    healthUrl: health.url,
    portalsEnabled: portals !== undefined,
    async stop() {
      await proxier.stop();
      await health.close();
      api.close();
    },
  };
}
