/**
 * The service proxy: watches services and endpoints through the API and keeps, for every service
 * port, a listening proxy port (the node port when the service has one, else a local port chosen
 * once and kept) forwarding to the ready endpoints. Optional portal-IP rules redirect
 * clusterIP:port to it. Syncs are coalesced and run within ~100 ms of a change.
 */
import type { Service, Endpoints } from 'kubernetes-types/core/v1';
import type { KubeObject } from '../api/types';
import type { ApiClient } from '../client/api-client';
import { Informer } from '../client/informer';
import { Balancer } from './balancer';
import type { Endpoint } from './balancer';
import type { PortProxy } from './port-proxy';
import { startTcpProxy, startUdpProxy } from './port-proxy';
import type { PortalRule, PortalRules } from './iptables';
import { log } from '../util/log';

type SvcObj = Service & KubeObject;
type EpObj = Endpoints & KubeObject;

export interface ServicePortState {
  key: string;
  namespace: string;
  service: string;
  portName: string;
  protocol: 'TCP' | 'UDP';
  clusterIp?: string;
  servicePort: number;
  nodePort?: number;
  proxy: PortProxy;
  balancer: Balancer;
}

export interface ProxierOptions {
  client: ApiClient;
  bindAddress: string;
  portals?: PortalRules;
  syncDelayMs?: number;
}

export class Proxier {
  private readonly services: Informer<SvcObj>;
  private readonly endpoints: Informer<EpObj>;
  private readonly state = new Map<string, ServicePortState>();
  private timer?: NodeJS.Timeout;
  private syncing: Promise<void> = Promise.resolve();
  private stopped = false;
  syncs = 0;

  constructor(private readonly o: ProxierOptions) {
    this.services = new Informer<SvcObj>(o.client, { resource: 'services' });
    this.endpoints = new Informer<EpObj>(o.client, { resource: 'endpoints' });
    const changed = (): void => this.scheduleSync();
    for (const inf of [this.services, this.endpoints] as Informer[]) inf.addHandlers({ add: changed, update: changed, delete: changed });
  }

  async start(): Promise<void> {
    this.services.start();
    this.endpoints.start();
    await Promise.all([this.services.waitForSync(), this.endpoints.waitForSync()]);
    await this.syncNow();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.syncing;
    await Promise.all([this.services.stop(), this.endpoints.stop()]);
    await Promise.all([...this.state.values()].map((s) => s.proxy.close()));
    this.state.clear();
    await this.o.portals?.cleanup();
  }

  ports(): ServicePortState[] {
    return [...this.state.values()];
  }

  /** The proxy port serving `namespace/service:portName` (portName '' for an unnamed port). */
  portFor(namespace: string, service: string, portName = '', protocol: 'TCP' | 'UDP' = 'TCP'): number | undefined {
    return this.state.get(`${namespace}/${service}:${portName}/${protocol}`)?.proxy.port;
  }

  private scheduleSync(): void {
    if (this.stopped || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.syncNow();
    }, this.o.syncDelayMs ?? 50);
  }

  syncNow(): Promise<void> {
    this.syncing = this.syncing.then(() => this.sync()).catch((err: unknown) => {
      log.error('proxy: sync failed', { error: err instanceof Error ? err.message : String(err) });
      this.scheduleSync();
    });
    return this.syncing;
  }

  private async sync(): Promise<void> {
    if (this.stopped) return;
    this.syncs++;
    const wanted = new Set<string>();
    for (const svc of this.services.list()) {
      const ns = svc.metadata?.namespace ?? 'default';
      const name = svc.metadata?.name ?? '';
      const clusterIp = svc.spec?.clusterIP;
      if (clusterIp === 'None' || svc.spec?.type === 'ExternalName') continue;
      const ep = this.endpoints.get(`${ns}/${name}`);
      for (const sp of svc.spec?.ports ?? []) {
        const protocol = (sp.protocol ?? 'TCP') as 'TCP' | 'UDP';
        if (protocol !== 'TCP' && protocol !== 'UDP') continue;
        const portName = sp.name ?? '';
        const key = `${ns}/${name}:${portName}/${protocol}`;
        wanted.add(key);
        const affinity = svc.spec?.sessionAffinity === 'ClientIP' ? 'ClientIP' : 'None';
        const affinityTimeoutMs = (svc.spec?.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? 10800) * 1000;
        let st = this.state.get(key);
        const nodePort = sp.nodePort;
        if (st && ((nodePort !== undefined && st.proxy.port !== nodePort) || st.protocol !== protocol)) {
          await st.proxy.close();
          this.state.delete(key);
          st = undefined;
        }
        if (!st) {
          const balancer = new Balancer({ affinity, affinityTimeoutMs });
          const listen = nodePort ?? 0;
          let proxy: PortProxy;
          try {
            proxy = protocol === 'TCP' ? await startTcpProxy(this.o.bindAddress, listen, balancer) : await startUdpProxy(this.o.bindAddress, listen, balancer);
          } catch (err) {
            log.error('proxy: cannot listen for service port', { service: key, port: listen, error: err instanceof Error ? err.message : String(err) });
            continue;
          }
          st = { key, namespace: ns, service: name, portName, protocol, servicePort: sp.port, proxy, balancer };
          this.state.set(key, st);
          log.info('proxy: serving service port', { service: key, proxyPort: proxy.port });
        }
        st.clusterIp = clusterIp;
        st.servicePort = sp.port;
        st.nodePort = nodePort;
        st.balancer.setOptions({ affinity, affinityTimeoutMs });
        st.balancer.setEndpoints(endpointsFor(ep, portName, protocol));
      }
    }
    for (const [key, st] of this.state) {
      if (!wanted.has(key)) {
        await st.proxy.close();
        this.state.delete(key);
        log.info('proxy: stopped serving service port', { service: key });
      }
    }
    if (this.o.portals) {
      const proxyIp = this.o.bindAddress === '0.0.0.0' ? '127.0.0.1' : this.o.bindAddress;
      const rules: PortalRule[] = [];
      for (const st of this.state.values()) {
        if (!st.clusterIp || !/^\d+\.\d+\.\d+\.\d+$/.test(st.clusterIp)) continue;
        rules.push({ clusterIp: st.clusterIp, port: st.servicePort, protocol: st.protocol, proxyIp, proxyPort: st.proxy.port, comment: st.key });
      }
      await this.o.portals.sync(rules);
    }
  }
}

function endpointsFor(ep: EpObj | undefined, portName: string, protocol: string): Endpoint[] {
  const out: Endpoint[] = [];
  for (const subset of ep?.subsets ?? []) {
    const port = (subset.ports ?? []).find((p) => (p.name ?? '') === portName && (p.protocol ?? 'TCP') === protocol);
    if (!port) continue;
    for (const a of subset.addresses ?? []) out.push({ ip: a.ip, port: port.port });
  }
  return out;
}
