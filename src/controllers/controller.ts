/**
 * The shape every controller shares: informers feed keys into a work queue; `workers` loops take
 * a key, call `sync(key)`, and retry failures with per-key backoff. A key is never synced by two
 * workers at once (the queue guarantees it), so sync functions can read-decide-write per object.
 */
import { WorkQueue } from '../client/work-queue';
import { log } from '../util/log';

export interface Controller {
  readonly name: string;
  /** Begin processing (informers must have been started by the caller). */
  run(workers: number): void;
  stop(): Promise<void>;
  queueLength(): number;
}

export abstract class QueueController implements Controller {
  protected readonly queue = new WorkQueue({ baseDelayMs: 5, maxDelayMs: 30_000 });
  private running: Promise<void>[] = [];
  syncCount = 0;
  syncErrors = 0;

  constructor(readonly name: string) {}

  protected abstract sync(key: string): Promise<void>;

  /** Called before workers start, after informers have synced. */
  protected async prepare(): Promise<void> {
    // default: nothing
  }

  run(workers: number): void {
    this.running = [
      this.prepare().then(() => undefined),
      ...Array.from({ length: workers }, () => this.worker()),
    ];
  }

  async stop(): Promise<void> {
    this.queue.shutDown();
    await Promise.allSettled(this.running);
  }

  queueLength(): number {
    return this.queue.length;
  }

  enqueue(key: string): void {
    this.queue.add(key);
  }

  private async worker(): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      try {
        await this.sync(key);
        this.syncCount++;
        this.queue.forget(key);
      } catch (err) {
        this.syncErrors++;
        log.warn(`${this.name}: sync failed; retrying`, { key, error: err instanceof Error ? err.message : String(err), retries: this.queue.retries(key) });
        this.queue.addRateLimited(key);
      } finally {
        this.queue.done(key);
      }
    }
  }
}

export function splitKey(key: string): { namespace: string; name: string } {
  const i = key.indexOf('/');
  return i < 0 ? { namespace: '', name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}
