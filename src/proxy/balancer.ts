/**
 * Endpoint choice for one service port, like the 2015 userspace proxy's round-robin LoadBalancer:
 * round-robin over the ready endpoints, `sessionAffinity: ClientIP` pins a client IP to the endpoint
 * it last used until the affinity times out, and an endpoint that refused a connection is skipped
 * for a while (then tried again).
 */
export interface Endpoint {
  ip: string;
  port: number;
}

export const endpointKey = (e: Endpoint): string => `${e.ip}:${e.port}`;

export interface BalancerOptions {
  affinity: 'None' | 'ClientIP';
  affinityTimeoutMs: number;
  /** How long a refusing endpoint is skipped. */
  quarantineMs?: number;
  now?: () => number;
}

export class Balancer {
  private endpoints: Endpoint[] = [];
  private next = 0;
  private readonly sticky = new Map<string, { ep: string; at: number }>();
  private readonly quarantined = new Map<string, number>();
  private readonly now: () => number;

  constructor(private opts: BalancerOptions) {
    this.now = opts.now ?? Date.now;
  }

  setOptions(opts: Pick<BalancerOptions, 'affinity' | 'affinityTimeoutMs'>): void {
    if (opts.affinity !== this.opts.affinity) this.sticky.clear();
    this.opts = { ...this.opts, ...opts };
  }

  /** Replace the endpoint list; affinity to endpoints that remain is kept. */
  setEndpoints(eps: Endpoint[]): void {
    const sorted = [...eps].sort((a, b) => (endpointKey(a) < endpointKey(b) ? -1 : 1));
    this.endpoints = sorted;
    const live = new Set(sorted.map(endpointKey));
    for (const [client, s] of this.sticky) if (!live.has(s.ep)) this.sticky.delete(client);
    if (this.next >= sorted.length) this.next = 0;
  }

  list(): Endpoint[] {
    return [...this.endpoints];
  }

  /** Choose an endpoint for a new connection from `clientIp`, skipping `exclude` (already failed). */
  pick(clientIp: string, exclude: Set<string> = new Set()): Endpoint | undefined {
    const now = this.now();
    if (this.endpoints.length === 0) return undefined;
    if (this.opts.affinity === 'ClientIP') {
      const s = this.sticky.get(clientIp);
      if (s && now - s.at <= this.opts.affinityTimeoutMs && !exclude.has(s.ep) && !this.isQuarantined(s.ep, now)) {
        const ep = this.endpoints.find((e) => endpointKey(e) === s.ep);
        if (ep) {
          s.at = now;
          return ep;
        }
      }
    }
    const n = this.endpoints.length;
    let fallback: Endpoint | undefined;
    for (let i = 0; i < n; i++) {
      const ep = this.endpoints[(this.next + i) % n]!;
      const key = endpointKey(ep);
      if (exclude.has(key)) continue;
      if (this.isQuarantined(key, now)) {
        fallback ??= ep;
        continue;
      }
      this.next = (this.next + i + 1) % n;
      if (this.opts.affinity === 'ClientIP') this.sticky.set(clientIp, { ep: key, at: now });
      return ep;
    }
    // every candidate is quarantined: try one anyway rather than refusing the client
    if (fallback && this.opts.affinity === 'ClientIP') this.sticky.set(clientIp, { ep: endpointKey(fallback), at: now });
    return fallback;
  }

  /** The endpoint refused or failed a connection. */
  markFailed(ep: Endpoint): void {
    this.quarantined.set(endpointKey(ep), this.now() + (this.opts.quarantineMs ?? 5_000));
    for (const [client, s] of this.sticky) if (s.ep === endpointKey(ep)) this.sticky.delete(client);
  }

  private isQuarantined(key: string, now: number): boolean {
    const until = this.quarantined.get(key);
    if (until === undefined) return false;
    if (now >= until) {
      this.quarantined.delete(key);
      return false;
    }
    return true;
  }
}
