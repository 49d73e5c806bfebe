/**
 * Which API servers are alive, for the endpoints of the `kubernetes` service: kube's lease
 * endpoint reconciler (pkg/controlplane/reconcilers/lease.go). Every API server renews a lease
 * under `<prefix>/masterleases/<address>:<port>` on each reconcile pass; the endpoints list the
 * servers whose lease is unexpired. kube gives those keys an etcd TTL; the storage contract here has
 * no TTLs, so a lease carries its renew time and readers judge expiry with their own clock (hence
 * the TTL must be well above the clock skew between API server hosts). Expired leases are deleted by
 * whichever server sees them, guarded by their mod revision so a renewal in between wins.
 */
import type { Storage } from '../storage/interface';
import { isStorageError } from '../storage/errors';
import { guaranteedUpdate } from '../storage/guaranteed-update';

export interface MasterAddress {
  address: string;
  port: number;
}

export interface MasterLeasesOptions {
  storage: Storage;
  /** Storage prefix (default /registry). */
  prefix?: string;
  /** A lease not renewed for this long is expired (kube: 15 s masterlease TTL; km renews every 10 s). */
  ttlMs?: number;
  now?: () => number;
}

interface LeaseRecord {
  address: string;
  port: number;
  /** Milliseconds since the epoch of the last renewal, by the renewing server's clock. */
  renewTime: number;
}

export const DEFAULT_MASTER_LEASE_TTL_MS = 35_000;

export class MasterLeases {
  private readonly storage: Storage;
  private readonly root: string;
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(o: MasterLeasesOptions) {
    this.storage = o.storage;
    this.root = `${o.prefix ?? '/registry'}/masterleases/`;
    this.ttlMs = o.ttlMs ?? DEFAULT_MASTER_LEASE_TTL_MS;
    this.now = o.now ?? Date.now;
  }

  private keyOf(m: MasterAddress): string {
    return `${this.root}${m.address}:${m.port}`;
  }

  /** Create or refresh this server's lease. */
  async renew(m: MasterAddress): Promise<void> {
    const record: LeaseRecord = { address: m.address, port: m.port, renewTime: this.now() };
    await guaranteedUpdate(this.storage, this.keyOf(m), () => Buffer.from(JSON.stringify(record)), { allowCreate: true });
  }

  /** Drop this server's lease (graceful shutdown), so the endpoints stop listing it at once. */
  async remove(m: MasterAddress): Promise<void> {
    try {
      await this.storage.delete(this.keyOf(m));
    } catch (err) {
      if (!isStorageError(err, 'NotFound')) throw err;
    }
  }

  /** The servers with unexpired leases, sorted by address then port; expired leases are deleted. */
  async live(): Promise<MasterAddress[]> {
    const out: MasterAddress[] = [];
    let continueFrom: string | undefined;
    let atRevision: number | undefined;
    for (let page = 0; page < 1000; page++) {
      const res = await this.storage.list(this.root, { limit: 500, continueFrom, atRevision });
      for (const kv of res.items) {
        const rec = parseLease(kv.value);
        if (rec && this.now() - rec.renewTime <= this.ttlMs) {
          out.push({ address: rec.address, port: rec.port });
          continue;
        }
        try {
          await this.storage.delete(kv.key, { expectedModRevision: kv.modRevision });
        } catch (err) {
          // Renewed or removed meanwhile: the next pass sees its new state.
          if (!isStorageError(err, 'Conflict') && !isStorageError(err, 'NotFound')) throw err;
        }
      }
      if (!res.more || res.items.length === 0) break;
      continueFrom = res.items[res.items.length - 1]!.key;
      atRevision = res.revision;
    }
    return out.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : a.port - b.port));
  }
}

function parseLease(value: Buffer): LeaseRecord | undefined {
  try {
    const v = JSON.parse(value.toString('utf8')) as Partial<LeaseRecord>;
    if (typeof v.address === 'string' && typeof v.port === 'number' && typeof v.renewTime === 'number') return v as LeaseRecord;
  } catch {
    // A foreign or corrupt value is no live server.
  }
  return undefined;
}
