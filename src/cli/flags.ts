/**
 * Flag definitions for every `km` component. Each flag has today's dash spelling as its name and the
 * 2015 underscore spelling (and kube's other historical names) as aliases, so the seed's command
 * lines work verbatim. Values are checked here (coerce) so a bad value is one clear error line.
 */
import type { Options } from 'yargs';

export interface FlagSpec extends Options {
  /** Names beside the canonical one (underscore spellings are added automatically). */
  alias?: string[];
}

export class FlagValueError extends Error {}

const int =
  (name: string, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  (v: unknown): number => {
    const s = String(v);
    if (!/^-?\d+$/.test(s)) throw new FlagValueError(`invalid value "${s}" for flag --${name}: not an integer`);
    const n = Number(s);
    if (n < min || n > max) throw new FlagValueError(`invalid value "${s}" for flag --${name}: must be in [${min}, ${max}]`);
    return n;
  };

const bool =
  (name: string) =>
  (v: unknown): boolean => {
    if (typeof v === 'boolean') return v;
    const s = String(v).toLowerCase();
    if (['true', '1', 't', 'yes'].includes(s)) return true;
    if (['false', '0', 'f', 'no'].includes(s)) return false;
    throw new FlagValueError(`invalid value "${String(v)}" for flag --${name}: not a boolean`);
  };

/** host:port or scheme://host:port lists, comma separated. */
const urlList =
  (name: string, defaultScheme = 'http') =>
  (v: unknown): string[] => {
    const parts = (Array.isArray(v) ? v.map(String) : String(v).split(','))
      .flatMap((s) => s.split(','))
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
    return parts.map((p) => {
      const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(p) ? p : `${defaultScheme}://${p}`;
      let u: URL;
      try {
        u = new URL(withScheme);
      } catch {
        throw new FlagValueError(`invalid value "${p}" for flag --${name}: not a URL or host:port`);
      }
      if (!u.hostname) throw new FlagValueError(`invalid value "${p}" for flag --${name}: missing host`);
      return withScheme.replace(/\/+$/, '');
    });
  };

export const cidr =
  (name: string) =>
  (v: unknown): string => {
    const s = String(v);
    const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(s);
    if (!m || m.slice(1, 5).some((o) => Number(o) > 255) || Number(m[5]) > 30 || Number(m[5]) < 8) {
      throw new FlagValueError(`invalid value "${s}" for flag --${name}: not an IPv4 CIDR with a prefix length between 8 and 30`);
    }
    return s;
  };

const portRange =
  (name: string) =>
  (v: unknown): string => {
    const s = String(v);
    const m = /^(\d+)-(\d+)$/.exec(s);
    if (!m || Number(m[1]) < 1 || Number(m[2]) > 65535 || Number(m[1]) > Number(m[2])) {
      throw new FlagValueError(`invalid value "${s}" for flag --${name}: want a range like 30000-32767`);
    }
    return s;
  };

const oneOf =
  (name: string, values: string[]) =>
  (v: unknown): string => {
    const s = String(v);
    if (!values.includes(s)) throw new FlagValueError(`invalid value "${s}" for flag --${name}: must be one of ${values.join(', ')}`);
    return s;
  };

const logging: Record<string, FlagSpec> = {
  v: { type: 'string', default: '0', describe: 'log verbosity (klog style, 0-10)', coerce: int('v', 0, 10) },
  logtostderr: { type: 'boolean', default: true, describe: 'log to standard error (always on; accepted for the seed)', coerce: bool('logtostderr') },
  'log-format': { type: 'string', default: 'text', describe: 'log format: text or json', coerce: oneOf('log-format', ['text', 'json']) },
};

const etcd: Record<string, FlagSpec> = {
  'etcd-servers': {
    type: 'string',
    describe: 'etcd servers (comma-separated http(s)://host:port); empty = embedded store in --data-dir',
    coerce: urlList('etcd-servers'),
  },
  'etcd-prefix': { type: 'string', default: '/registry', describe: 'key prefix for every resource in storage' },
  'etcd-cafile': { type: 'string', describe: 'CA file for etcd TLS' },
  'etcd-certfile': { type: 'string', describe: 'client certificate for etcd TLS' },
  'etcd-keyfile': { type: 'string', describe: 'client key for etcd TLS' },
  'data-dir': { type: 'string', default: './km-data', describe: 'directory of the embedded store (when no --etcd-servers)' },
};

const cloud: Record<string, FlagSpec> = {
  'cloud-provider': { type: 'string', default: '', describe: 'cloud provider: "" or "mesos"', coerce: oneOf('cloud-provider', ['', 'mesos']) },
  'cloud-config': { type: 'string', default: '', describe: 'cloud provider configuration file' },
};

const duration =
  (name: string) =>
  (v: unknown): number => {
    const s = String(v);
    const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(s);
    if (!m) throw new FlagValueError(`invalid value "${s}" for flag --${name}: want a duration like 15s or 500ms`);
    const n = Number(m[1]);
    return Math.round(m[2] === 'ms' ? n : m[2] === 'm' ? n * 60_000 : n * 1000);
  };

export const apiserverFlags: Record<string, FlagSpec> = {
  address: { type: 'string', default: '127.0.0.1', alias: ['bind-address', 'insecure-bind-address'], describe: 'IP address to serve on' },
  port: { type: 'string', default: '8888', alias: ['insecure-port', 'secure-port'], describe: 'port to serve on', coerce: int('port', 0, 65535) },
  'portal-net': {
    type: 'string',
    default: '10.10.10.0/24',
    alias: ['service-cluster-ip-range'],
    describe: 'CIDR from which service cluster (portal) IPs are allocated',
    coerce: cidr('portal-net'),
  },
  'service-node-port-range': { type: 'string', default: '30000-32767', describe: 'port range for NodePort services', coerce: portRange('service-node-port-range') },
  'max-requests-inflight': { type: 'string', default: '400', describe: 'max non-mutating requests in flight (0 = unlimited)', coerce: int('max-requests-inflight') },
  'max-mutating-requests-inflight': { type: 'string', default: '200', describe: 'max mutating requests in flight (0 = unlimited)', coerce: int('max-mutating-requests-inflight') },
  'max-inflight-wait': {
    type: 'string',
    default: '250ms',
    describe: 'how long a request may wait for an in-flight seat, from its arrival, before it is answered 429 (0 = at once)',
    coerce: duration('max-inflight-wait'),
  },
  'compaction-interval': { type: 'string', default: '300', describe: 'seconds between storage compactions (0 disables)', coerce: int('compaction-interval') },
  'master-lease-ttl': {
    type: 'string',
    default: '35s',
    describe: "how long this server's entry in the kubernetes service endpoints outlives its last renewal (renewed every ttl/3, at most 10s)",
    coerce: duration('master-lease-ttl'),
  },
  ...etcd,
  ...cloud,
  ...logging,
};

const apiClient: Record<string, FlagSpec> = {
  master: { type: 'string', describe: 'address of the API server (host:port or URL)', coerce: urlList('master') },
  'api-servers': { type: 'string', describe: 'API servers (comma-separated host:port or URLs)', coerce: urlList('api-servers') },
};

/** kube's leader-election flags; values in milliseconds after parsing. */
const leaderElection: Record<string, FlagSpec> = {
  'leader-elect-lease-duration': { type: 'string', default: '15s', describe: 'how long a lease is valid without renewal', coerce: duration('leader-elect-lease-duration') },
  'leader-elect-renew-deadline': { type: 'string', default: '10s', describe: 'how long the leader keeps trying to renew before giving up', coerce: duration('leader-elect-renew-deadline') },
  'leader-elect-retry-period': { type: 'string', default: '2s', describe: 'interval between acquire/renew attempts', coerce: duration('leader-elect-retry-period') },
};

export const controllerManagerFlags: Record<string, FlagSpec> = {
  ...apiClient,
  address: { type: 'string', default: '127.0.0.1', alias: ['bind-address'], describe: 'IP address for the metrics/health port' },
  port: { type: 'string', default: '10252', describe: 'port for /healthz and /metrics', coerce: int('port', 0, 65535) },
  'mesos-master': { type: 'string', default: 'localhost:5050', describe: 'Mesos master (host:port or zk://h1:2181,h2:2181/mesos)' },
  'leader-elect': { type: 'boolean', default: true, describe: 'use a Lease to elect one active replica', coerce: bool('leader-elect') },
  'terminated-pod-gc-threshold': { type: 'string', default: '12500', describe: 'terminated pods kept before GC deletes the oldest', coerce: int('terminated-pod-gc-threshold') },
  ...leaderElection,
  ...cloud,
  ...logging,
};

export const schedulerFlags: Record<string, FlagSpec> = {
  ...apiClient,
  address: { type: 'string', default: '127.0.0.1', describe: 'IP address for the scheduler HTTP port' },
  port: { type: 'string', default: '10251', describe: 'port for /healthz and /metrics', coerce: int('port', 0, 65535) },
  'mesos-master': { type: 'string', default: 'localhost:5050', describe: 'Mesos master (host:port or zk://h1:2181,h2:2181/mesos)' },
  'mesos-user': { type: 'string', default: 'root', describe: 'Mesos user tasks run as' },
  'mesos-role': { type: 'string', default: '*', describe: 'Mesos role of the framework' },
  'failover-timeout': { type: 'string', default: '604800', describe: 'framework failover timeout in seconds', coerce: int('failover-timeout') },
  'leader-elect': { type: 'boolean', default: true, describe: 'use a Lease to elect one active replica', coerce: bool('leader-elect') },
  ...leaderElection,
  'node-sync-period': { type: 'string', default: '5s', describe: 'how often Node objects are synced with the Mesos agents', coerce: duration('node-sync-period') },
  'scheduler-backoff-initial': { type: 'string', default: '1s', describe: 'first retry delay for a pod no offer fits (doubles per failure)', coerce: duration('scheduler-backoff-initial') },
  'scheduler-backoff-max': { type: 'string', default: '60s', describe: 'longest retry delay for a pod no offer fits', coerce: duration('scheduler-backoff-max') },
  'etcd-servers': { ...etcd['etcd-servers']!, describe: 'accepted for the seed command line; unused (the scheduler talks to the API servers only)' },
  ...logging,
};

export const proxyFlags: Record<string, FlagSpec> = {
  ...apiClient,
  'bind-address': { type: 'string', default: '0.0.0.0', describe: 'IP address the proxy listens on' },
  'healthz-port': { type: 'string', default: '10249', describe: 'port for /healthz and /metrics', coerce: int('healthz-port', 0, 65535) },
  'etcd-servers': {
    ...etcd['etcd-servers']!,
    describe: 'seed compatibility: the proxy talks to the API, not etcd; the host of the first server is taken as the API host (port 8888) when no --master/--api-servers is given',
  },
  ...logging,
};

export const localFlags: Record<string, FlagSpec> = {
  ...apiserverFlags,
  'leader-elect': { type: 'boolean', default: false, describe: 'leader election for the in-process controllers', coerce: bool('leader-elect') },
};

/** The underscore spelling of a dash flag (`etcd-servers` → `etcd_servers`). */
export function underscore(name: string): string {
  return name.replace(/-/g, '_');
}
