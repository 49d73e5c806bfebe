/**
 * List-then-watch informer (client-go's Reflector + Indexer in one): keeps a local cache of one
 * resource, calls handlers on add/update/delete, re-lists on 410 Expired or a broken watch (with
 * backoff), and resyncs (re-delivers every cached object as an update) periodically.
 */
import type { KubeObject } from '../api/types';
import type { ApiClient, Query, ResourcePath, WatchEventIn } from './api-client';
import { ApiStatusError } from './api-client';
import { log } from '../util/log';

export interface InformerHandlers<T extends KubeObject> {
  add?(obj: T): void;
  update?(oldObj: T, newObj: T): void;
  delete?(obj: T): void;
}

export interface InformerOptions {
  /** Resync period in ms (0 = none). */
  resyncMs?: number;
  labelSelector?: string;
  fieldSelector?: string;
  /** Backoff after a failed list or watch (doubles up to maxBackoffMs). */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
}

export function objectKey(obj: KubeObject): string {
  const ns = obj.metadata?.namespace;
  const name = obj.metadata?.name ?? '';
  return ns ? `${ns}/${name}` : name;
}

export class Informer<T extends KubeObject = KubeObject> {
  private readonly store = new Map<string, T>();
  private readonly handlers: InformerHandlers<T>[] = [];
  private abort = new AbortController();
  private stopped = false;
  private synced = false;
  private syncWaiters: Array<() => void> = [];
  private resyncTimer?: NodeJS.Timeout;
  private loop?: Promise<void>;

  constructor(
    private readonly client: ApiClient,
    private readonly path: ResourcePath,
    private readonly opts: InformerOptions = {},
  ) {}

  addHandlers(h: InformerHandlers<T>): void {
    this.handlers.push(h);
  }

  start(): void {
    if (this.loop) return;
    this.loop = this.run();
    if (this.opts.resyncMs) {
      this.resyncTimer = setInterval(() => {
        for (const obj of this.store.values()) for (const h of this.handlers) h.update?.(obj, obj);
      }, this.opts.resyncMs);
      this.resyncTimer.unref();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    for (const w of this.syncWaiters.splice(0)) w();
    await this.loop?.catch(() => undefined);
  }

  hasSynced(): boolean {
    return this.synced;
  }

  waitForSync(): Promise<void> {
    if (this.synced || this.stopped) return Promise.resolve();
    return new Promise((r) => this.syncWaiters.push(r));
  }

  get(key: string): T | undefined {
    return this.store.get(key);
  }

  list(): T[] {
    return [...this.store.values()];
  }

  private query(): Query {
    return { labelSelector: this.opts.labelSelector, fieldSelector: this.opts.fieldSelector };
  }

  private async run(): Promise<void> {
    let backoff = this.opts.initialBackoffMs ?? 200;
    const maxBackoff = this.opts.maxBackoffMs ?? 10_000;
    while (!this.stopped) {
      try {
        const rv = await this.relist();
        backoff = this.opts.initialBackoffMs ?? 200;
        await this.watchFrom(rv);
      } catch (err) {
        if (this.stopped) return;
        log.warn('informer: list/watch failed; retrying', {
          resource: this.path.resource,
          error: err instanceof Error ? err.message : String(err),
          backoffMs: backoff,
        });
        await sleep(backoff, this.abort.signal);
        backoff = Math.min(maxBackoff, backoff * 2);
      }
    }
  }

  private async relist(): Promise<string> {
    const list = await this.client.list<T>(this.path, this.query());
    const fresh = new Map<string, T>();
    for (const item of list.items) fresh.set(objectKey(item), item);
    for (const [key, old] of this.store) {
      if (!fresh.has(key)) {
        this.store.delete(key);
        for (const h of this.handlers) h.delete?.(old);
      }
    }
    for (const [key, obj] of fresh) this.apply('ADDED', key, obj);
    if (!this.synced) {
      this.synced = true;
      for (const w of this.syncWaiters.splice(0)) w();
    }
    return list.metadata.resourceVersion ?? '0';
  }

  /** Watch until the stream ends (returns, caller re-lists) or fails (throws). */
  private async watchFrom(rv: string): Promise<void> {
    let resourceVersion = rv;
    while (!this.stopped) {
      const stream = this.client.watch<T>(this.path, { ...this.query(), resourceVersion, allowWatchBookmarks: true }, this.abort.signal);
      for await (const ev of stream) {
        if (ev.type === 'ERROR') {
          const code = (ev.object as unknown as { code?: number }).code;
          if (code === 410) return; // expired: re-list
          throw new ApiStatusError(code ?? 500, ev.object as never);
        }
        const newRv = ev.object.metadata?.resourceVersion;
        if (newRv) resourceVersion = newRv;
        if (ev.type === 'BOOKMARK') continue;
        this.handle(ev);
      }
      // A clean end (server-side timeout): loop and resume from the last RV without a re-list.
    }
  }

  private handle(ev: WatchEventIn<T>): void {
    const key = objectKey(ev.object);
    if (ev.type === 'DELETED') {
      const old = this.store.get(key) ?? ev.object;
      this.store.delete(key);
      for (const h of this.handlers) h.delete?.(old);
      return;
    }
    this.apply(ev.type, key, ev.object);
  }

  private apply(_type: string, key: string, obj: T): void {
    const old = this.store.get(key);
    this.store.set(key, obj);
    if (old === undefined) {
      for (const h of this.handlers) h.add?.(obj);
    } else if (old.metadata?.resourceVersion !== obj.metadata?.resourceVersion) {
      for (const h of this.handlers) h.update?.(old, obj);
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        resolve();
      },
      { once: true },
    );
  });
}
