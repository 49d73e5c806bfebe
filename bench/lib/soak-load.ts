/**
 * The soak's write load: pods created open loop at `rate`/s (clusterloader2's pod throughput), each
 * deleted `ttlS` after its creation (also open loop, so the pod count stays at rate x ttl), and a
 * fraction `updateRatio` of them updated with their resourceVersion halfway through their life.
 * Every acknowledged write is recorded (the I1 check's input); creates' latencies, taken from their
 * scheduled send time, are kept per window.
 */
import type { HttpLoad } from './http';
import { openLoop } from './loops';
import { podBody } from './pod';
import { sleep } from './stats';

export interface SoakLoadOptions {
  rate: number;
  ttlS: number;
  updateRatio: number;
  durationS: number;
  namespaces: string[];
  /** performance.now() at the start of the run, and the window length, for per-window latencies. */
  t0: number;
  windowMs: number;
}

/** The last acknowledged write of one pod. */
export interface Ack {
  ns: string;
  rv: number;
  gen: string;
  deleted: boolean;
  /**
   * A later write of this pod got no answer or a 5xx: it may or may not have committed (I2), so
   * the stored pod may be that write's outcome instead.
   */
  unknownAfter?: boolean;
  /** Later writes of this pod that were refused (an answer below 500), as "what status": none may show in the store. */
  refused?: string[];
}

/** No answer, or an answer that does not say the write was refused: its outcome is unknown. */
const outcomeUnknown = (status: number | undefined): boolean => status === undefined || status >= 500;

/** A label every write sets: which write the stored object must come from. */
export const GEN_LABEL = 'soak-gen';

export class SoakLoad {
  readonly acks = new Map<string, Ack>();
  /** Every acknowledged write as (name, rv): each must be in the store's history. */
  readonly ackedRvs: Array<{ name: string; rv: number }> = [];
  readonly createMs = new Map<number, number[]>();
  readonly otherMs: number[] = [];
  readonly failures: string[] = [];
  failureCount = 0;
  /** Failures whose write may have committed (no answer, or 5xx). */
  unknownCount = 0;
  /** Acknowledged writes; `skipped`: updates and deletes of pods whose create was not acknowledged. */
  counts = { creates: 0, updates: 0, deletes: 0, skipped: 0 };
  private readonly names: string[] = [];
  /** Creates still in flight: a pod's update or delete waits for its create to be answered. */
  private readonly creating = new Map<number, Promise<void>>();
  private stopped = false;

  constructor(
    private readonly http: HttpLoad,
    private readonly o: SoakLoadOptions,
  ) {}

  /** Pods acknowledged and not (yet) deleted. */
  get live(): number {
    return this.counts.creates - this.counts.deletes;
  }

  /** Runs the three loops for `durationS` (deletes and updates start after their delay). */
  async run(): Promise<void> {
    const { rate, ttlS, updateRatio, durationS } = this.o;
    const later = async (delayS: number, loop: () => Promise<unknown>): Promise<void> => {
      for (let waited = 0; waited < delayS * 1000 && !this.stopped; waited += 100) await sleep(100);
      if (!this.stopped && delayS < durationS) await loop();
    };
    await Promise.all([
      openLoop(rate, durationS, (i, at) => {
        const p = this.create(i, at).finally(() => this.creating.delete(i));
        this.creating.set(i, p);
        return p;
      }),
      updateRatio > 0 ? later(ttlS / 2, () => openLoop(rate * updateRatio, durationS - ttlS / 2, (j) => this.update(Math.floor(j / updateRatio)))) : undefined,
      later(ttlS, () => openLoop(rate, durationS - ttlS, (k) => this.remove(k))),
    ]);
  }

  /** Stop scheduling waits (the open loops themselves end at their duration). */
  stop(): void {
    this.stopped = true;
  }

  private fail(what: string, detail: string, name: string, status: number | undefined): void {
    this.failureCount++;
    const a = this.acks.get(name);
    if (outcomeUnknown(status)) {
      this.unknownCount++;
      if (a) a.unknownAfter = true;
    } else if (a) {
      a.refused = [...(a.refused ?? []), `${what.split(' ')[0]} ${status}`];
    }
    if (this.failures.length < 20) this.failures.push(`${what}: ${detail}`);
  }

  private async create(i: number, scheduled: number): Promise<void> {
    const ns = this.o.namespaces[i % this.o.namespaces.length]!;
    // The name carries the scheduled time (µs since the epoch): watchers derive delivery latency from it.
    const name = `p-${i}-${Math.round((performance.timeOrigin + scheduled) * 1000)}`;
    this.names[i] = name;
    try {
      const r = await this.http.request('POST', `/api/v1/namespaces/${ns}/pods`, podBody(ns, name, { [GEN_LABEL]: '0' }));
      const ms = performance.now() - scheduled;
      if (r.status !== 201) return this.fail(`create ${name}`, `${r.status} ${r.body.toString('utf8', 0, 200)}`, name, r.status);
      const w = Math.floor((scheduled - this.o.t0) / this.o.windowMs);
      let list = this.createMs.get(w);
      if (!list) this.createMs.set(w, (list = []));
      list.push(ms);
      this.ack(name, { ns, rv: rvOf(r.body), gen: '0', deleted: false });
      this.counts.creates++;
    } catch (err) {
      this.fail(`create ${name}`, String(err), name, undefined);
    }
  }

  private async update(i: number): Promise<void> {
    await this.creating.get(i);
    const name = this.names[i];
    const cur = name === undefined ? undefined : this.acks.get(name);
    if (name === undefined || !cur || cur.deleted) {
      this.counts.skipped++;
      return;
    }
    const body = JSON.parse(podBody(cur.ns, name, { [GEN_LABEL]: '1' }).toString()) as { metadata: Record<string, unknown> };
    body.metadata.resourceVersion = String(cur.rv);
    const t = performance.now();
    try {
      const r = await this.http.request('PUT', `/api/v1/namespaces/${cur.ns}/pods/${name}`, Buffer.from(JSON.stringify(body)));
      if (r.status !== 200) return this.fail(`update ${name}`, `${r.status} ${r.body.toString('utf8', 0, 200)}`, name, r.status);
      this.otherMs.push(performance.now() - t);
      this.ack(name, { ns: cur.ns, rv: rvOf(r.body), gen: '1', deleted: false });
      this.counts.updates++;
    } catch (err) {
      this.fail(`update ${name}`, String(err), name, undefined);
    }
  }

  private async remove(i: number): Promise<void> {
    await this.creating.get(i);
    const name = this.names[i];
    const cur = name === undefined ? undefined : this.acks.get(name);
    if (name === undefined || !cur) {
      this.counts.skipped++;
      return;
    }
    const t = performance.now();
    try {
      // gracePeriodSeconds=0: no kubelet here to finish a graceful deletion.
      const r = await this.http.request('DELETE', `/api/v1/namespaces/${cur.ns}/pods/${name}?gracePeriodSeconds=0`);
      if (r.status !== 200) return this.fail(`delete ${name}`, `${r.status} ${r.body.toString('utf8', 0, 200)}`, name, r.status);
      this.otherMs.push(performance.now() - t);
      this.ack(name, { ...cur, rv: rvOf(r.body), deleted: true });
      this.counts.deletes++;
    } catch (err) {
      this.fail(`delete ${name}`, String(err), name, undefined);
    }
  }

  private ack(name: string, a: Ack): void {
    this.acks.set(name, { ...a, unknownAfter: undefined, refused: undefined });
    this.ackedRvs.push({ name, rv: a.rv });
  }
}

const rvOf = (body: Buffer): number => Number((JSON.parse(body.toString()) as { metadata?: { resourceVersion?: string } }).metadata?.resourceVersion);
