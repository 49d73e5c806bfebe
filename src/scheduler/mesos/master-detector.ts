/**
 * Finding the leading Mesos master. `--mesos_master` is either a fixed `host:port` (any master will
 * do: non-leaders answer 307 with the leader) or `zk://[user:pass@]h1:2181,h2:2181/path`, in which case
 * the leader is the `json.info_<seq>` child with the lowest sequence number under `path`, and its
 * MasterInfo JSON gives the address. Other children (log_replicas, legacy protobuf `info_`) are ignored.
 */
import zookeeper from 'node-zookeeper-client';
import type { Client } from 'node-zookeeper-client';
import type { Logger } from './logger';
import { defaultLogger } from './logger';

export interface MasterDetector {
  /** Starts detection; `onChange` gets `host:port` of the leader, or null while none is known. */
  start(onChange: (leader: string | null) => void): void;
  current(): string | null;
  stop(): void;
}

export class StaticDetector implements MasterDetector {
  constructor(private readonly address: string) {}
  start(onChange: (leader: string | null) => void): void {
    onChange(this.address);
  }
  current(): string | null {
    return this.address;
  }
  stop(): void {}
}

/** host:port from a MasterInfo JSON document; null when it names no usable address. */
export function addressFromMasterInfo(data: unknown): string | null {
  if (typeof data !== 'object' || data === null) return null;
  const info = data as { address?: { hostname?: unknown; ip?: unknown; port?: unknown }; hostname?: unknown; ip?: unknown; port?: unknown };
  const port = typeof info.address?.port === 'number' ? info.address.port : typeof info.port === 'number' ? info.port : null;
  if (port === null) return null;
  if (typeof info.address?.ip === 'string') return `${info.address.ip}:${port}`;
  if (typeof info.address?.hostname === 'string') return `${info.address.hostname}:${port}`;
  if (typeof info.ip === 'number') {
    // Packed in network byte order and serialised from x86 memory: the first octet is the low byte.
    const b = Buffer.alloc(4);
    b.writeUInt32LE(info.ip >>> 0, 0);
    return `${b[0]}.${b[1]}.${b[2]}.${b[3]}:${port}`;
  }
  if (typeof info.hostname === 'string') return `${info.hostname}:${port}`;
  return null;
}

export interface ZkUrl {
  connectString: string;
  path: string;
  auth?: string;
}

export function parseZkUrl(url: string): ZkUrl {
  const m = /^zk:\/\/(?:([^@/]+)@)?([^/]+)(\/.*)?$/.exec(url);
  if (!m) throw new Error(`invalid ZooKeeper URL: ${url}`);
  const path = (m[3] ?? '/mesos').replace(/\/+$/, '') || '/';
  return { auth: m[1], connectString: m[2], path };
}

export class ZkDetector implements MasterDetector {
  private client: Client | null = null;
  private leader: string | null = null;
  private onChange: (leader: string | null) => void = () => {};
  private stopped = false;
  private retryTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly url: ZkUrl,
    private readonly logger: Logger = defaultLogger,
  ) {}

  start(onChange: (leader: string | null) => void): void {
    this.onChange = onChange;
    this.connect();
  }

  current(): string | null {
    return this.leader;
  }

  stop(): void {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.client?.close();
    this.client = null;
  }

  private connect(): void {
    if (this.stopped) return;
    const client = zookeeper.createClient(this.url.connectString, { sessionTimeout: 10_000, retries: 2 });
    this.client = client;
    if (this.url.auth) client.addAuthInfo('digest', Buffer.from(this.url.auth));
    client.once('connected', () => this.watch(client));
    client.on('state', (state) => {
      if (state === zookeeper.State.EXPIRED && !this.stopped) {
        // An expired session loses its watches: start over with a fresh session.
        this.logger.warn('ZooKeeper session expired; reconnecting', { zk: this.url.connectString });
        client.close();
        this.connect();
      }
    });
    client.connect();
  }

  private retry(client: Client): void {
    if (this.stopped || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (client === this.client) this.watch(client);
    }, 1000);
  }

  private watch(client: Client): void {
    if (this.stopped || client !== this.client) return;
    client.getChildren(
      this.url.path,
      () => this.watch(client),
      (err, children) => {
        if (this.stopped || client !== this.client) return;
        if (err) {
          this.logger.warn('cannot list Mesos masters in ZooKeeper', { path: this.url.path, error: String(err) });
          this.set(null);
          this.retry(client);
          return;
        }
        const candidates = children.filter((c) => /^json\.info_\d+$/.test(c)).sort();
        if (candidates.length === 0) {
          this.set(null);
          return;
        }
        const znode = `${this.url.path === '/' ? '' : this.url.path}/${candidates[0]}`;
        client.getData(znode, (err2, data) => {
          if (this.stopped || client !== this.client) return;
          if (err2 || !data) {
            // The leader's znode vanished between list and read; the children watch fires again.
            this.logger.warn('cannot read leading master info', { znode, error: String(err2) });
            this.retry(client);
            return;
          }
          let address: string | null = null;
          try {
            address = addressFromMasterInfo(JSON.parse(data.toString('utf8')));
          } catch {
            address = null;
          }
          if (!address) this.logger.error('leading master znode holds no usable MasterInfo', { znode, received: data.toString('utf8').slice(0, 200) });
          this.set(address);
        });
      },
    );
  }

  private set(leader: string | null): void {
    if (leader === this.leader) return;
    this.leader = leader;
    this.logger.info('leading Mesos master changed', { leader });
    this.onChange(leader);
  }
}

/** `host:port`, `master@host:port`, `http://host:port` or `zk://…`. */
export function detectorFor(spec: string, logger: Logger = defaultLogger): MasterDetector {
  if (spec.startsWith('zk://')) return new ZkDetector(parseZkUrl(spec), logger);
  const hostPort = spec.replace(/^master@/, '').replace(/^https?:\/\//, '').replace(/\/.*$/, '');
  if (!/^[^:]+:\d+$/.test(hostPort)) throw new Error(`invalid --mesos_master ${spec}: expected host:port or zk://hosts/path`);
  return new StaticDetector(hostPort);
}
