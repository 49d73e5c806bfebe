/**
 * Builds the one `etcd3` client configuration km uses (the benchmark's raw twin uses it too, so
 * the two are compared on equal terms).
 *
 * Deliberate choices (see docs/storage-notes.md):
 * - no 4 MiB receive cap: a 10k-pod range is ~23 MB;
 * - a 16 MiB HTTP/2 flow-control window, so a watch stream is not starved by request traffic on
 *   the same connection;
 * - etcd3's fault policy (circuit breaker + blind global retries) is replaced by no-ops: it turned a
 *   1 s etcd restart into a 5 s outage and retried writes whose outcome was unknown. EtcdStorage
 *   decides retries itself (reads only, or writes that provably never left the client);
 * - a short gRPC reconnect backoff, so the first call after etcd returns finds a live connection.
 */
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import type { IOptions } from 'etcd3';
import { noop } from 'cockatiel';

export interface EtcdConnectionOptions {
  /** `http://host:port`, `https://host:port` or `host:port`; entries may be comma-separated lists. */
  endpoints: string[];
  caFile?: string;
  certFile?: string;
  keyFile?: string;
}

export const FLOW_CONTROL_WINDOW_BYTES = 16 * 1024 * 1024;

/** Split comma-separated lists, trim, default the scheme to http, drop duplicates. */
export function parseEndpoints(endpoints: string[]): string[] {
  const out: string[] = [];
  for (const entry of endpoints) {
    for (const raw of entry.split(',')) {
      const s = raw.trim();
      if (s === '') continue;
      const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(s) ? s : `http://${s}`;
      let url: URL;
      try {
        url = new URL(withScheme);
      } catch {
        throw new Error(`invalid etcd endpoint: ${s}`);
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`unsupported etcd endpoint scheme: ${s}`);
      if (url.port === '') throw new Error(`etcd endpoint needs a port: ${s}`);
      const normalized = `${url.protocol}//${url.host}`;
      if (!out.includes(normalized)) out.push(normalized);
    }
  }
  if (out.length === 0) throw new Error('no etcd endpoints given');
  return out;
}

export function etcdClientOptions(opts: EtcdConnectionOptions): IOptions {
  const hosts = parseEndpoints(opts.endpoints);
  const secure = hosts.some((h) => h.startsWith('https:'));
  if (secure && hosts.some((h) => h.startsWith('http:'))) throw new Error('etcd endpoints mix http and https');
  const useTls = secure || opts.caFile !== undefined || opts.certFile !== undefined || opts.keyFile !== undefined;
  if ((opts.certFile === undefined) !== (opts.keyFile === undefined)) {
    throw new Error('etcd client certificate and key must be given together');
  }
  const options: IOptions = {
    hosts,
    grpcOptions: {
      'grpc.max_receive_message_length': -1,
      'grpc.max_send_message_length': -1,
      'grpc-node.flow_control_window': FLOW_CONTROL_WINDOW_BYTES,
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 1000,
      // Detect a silently dead etcd on an idle-looking connection; etcd's default enforcement
      // allows pings every 5 s while streams are open.
      'grpc.keepalive_time_ms': 15_000,
      'grpc.keepalive_timeout_ms': 5_000,
    },
    faultHandling: { host: () => noop, global: noop },
  };
  if (useTls) {
    options.credentials = {
      rootCertificate: opts.caFile !== undefined ? readFileSync(opts.caFile) : Buffer.from(rootCertificates.join('\n')),
      ...(opts.keyFile !== undefined ? { privateKey: readFileSync(opts.keyFile) } : {}),
      ...(opts.certFile !== undefined ? { certChain: readFileSync(opts.certFile) } : {}),
    };
  }
  return options;
}
