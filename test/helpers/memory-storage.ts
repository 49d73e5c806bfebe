/**
 * A small in-memory Storage for unit tests of pure registry logic only (integration tests use the
 * real backends). Keeps full history so atRevision reads, compaction and watches behave like etcd.
 */
import type { DeletePreconditions, KeyValue, ListOptions, ListResult, Storage, WatchEvent, WatchStream } from '../../src/storage/interface';
import { MAX_VALUE_BYTES } from '../../src/storage/interface';
import { StorageError, alreadyExists, conflict, expired, notFound, tooLarge } from '../../src/storage/errors';

interface Version {
  kv: KeyValue | undefined; // undefined = deleted at this revision
  rev: number;
}

export class MemoryStorage implements Storage {
  readonly kind = 'memory';
  private rev = 1;
  private compacted = 0;
  private closed = false;
  private readonly history = new Map<string, Version[]>();
  private readonly events: WatchEvent[] = [];
  private readonly listeners = new Set<(e: WatchEvent) => void>();

  private check(key: string): void {
    if (this.closed) throw new StorageError('Unavailable', key, 'storage closed');
  }

  private latest(key: string): KeyValue | undefined {
    const h = this.history.get(key);
    return h?.[h.length - 1]?.kv;
  }

  private at(key: string, rev: number): KeyValue | undefined {
    const h = this.history.get(key) ?? [];
    let found: KeyValue | undefined;
    for (const v of h) if (v.rev <= rev) found = v.kv;
    return found;
  }

  private record(key: string, kv: KeyValue | undefined, ev: WatchEvent): void {
    const h = this.history.get(key) ?? [];
    h.push({ kv, rev: this.rev });
    this.history.set(key, h);
    this.events.push(ev);
    for (const l of this.listeners) l(ev);
  }

  async get(key: string): Promise<KeyValue> {
    this.check(key);
    const kv = this.latest(key);
    if (!kv) throw notFound(key);
    return kv;
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListResult> {
    this.check(prefix);
    const at = opts.atRevision && opts.atRevision > 0 ? opts.atRevision : this.rev;
    if (at < this.compacted) throw expired(prefix, at, this.compacted);
    if (at > this.rev) throw new StorageError('TooLargeResourceVersion', prefix, `too large resource version ${at}`, this.rev);
    const keys = [...this.history.keys()].filter((k) => k.startsWith(prefix)).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    let items = keys.map((k) => this.at(k, at)).filter((kv): kv is KeyValue => kv !== undefined);
    if (opts.continueFrom !== undefined) {
      const from = Buffer.from(opts.continueFrom);
      items = items.filter((kv) => Buffer.compare(Buffer.from(kv.key), from) > 0);
    }
    const limit = opts.limit ?? 0;
    const page = limit > 0 ? items.slice(0, limit) : items;
    const more = page.length < items.length;
    return { items: page, revision: at, more, remaining: more ? items.length - page.length : undefined };
  }

  async count(prefix: string): Promise<number> {
    return (await this.list(prefix)).items.length;
  }

  async create(key: string, value: Buffer): Promise<KeyValue> {
    this.check(key);
    if (value.length > MAX_VALUE_BYTES) throw tooLarge(key, value.length, MAX_VALUE_BYTES);
    if (this.latest(key)) throw alreadyExists(key);
    this.rev++;
    const kv: KeyValue = { key, value, createRevision: this.rev, modRevision: this.rev };
    this.record(key, kv, { type: 'put', key, value, modRevision: this.rev, createRevision: this.rev, isCreate: true });
    return kv;
  }

  async update(key: string, value: Buffer, expectedModRevision: number): Promise<KeyValue> {
    this.check(key);
    if (value.length > MAX_VALUE_BYTES) throw tooLarge(key, value.length, MAX_VALUE_BYTES);
    const cur = this.latest(key);
    if (!cur) throw notFound(key);
    if (cur.modRevision !== expectedModRevision) throw conflict(key, cur.modRevision);
    this.rev++;
    const kv: KeyValue = { key, value, createRevision: cur.createRevision, modRevision: this.rev };
    this.record(key, kv, {
      type: 'put',
      key,
      value,
      prevValue: cur.value,
      modRevision: this.rev,
      createRevision: cur.createRevision,
      isCreate: false,
    });
    return kv;
  }

  async delete(key: string, pre: DeletePreconditions = {}): Promise<KeyValue> {
    this.check(key);
    const cur = this.latest(key);
    if (!cur) throw notFound(key);
    if (pre.expectedModRevision !== undefined && cur.modRevision !== pre.expectedModRevision) throw conflict(key, cur.modRevision);
    this.rev++;
    this.record(key, undefined, {
      type: 'delete',
      key,
      value: cur.value,
      prevValue: cur.value,
      modRevision: this.rev,
      createRevision: cur.createRevision,
      isCreate: false,
    });
    return { ...cur, modRevision: this.rev };
  }

  watch(prefix: string, fromRevision: number): WatchStream {
    const start = fromRevision > 0 ? fromRevision : this.rev;
    const queue: WatchEvent[] = [];
    let wake: (() => void) | undefined;
    let closed = false;
    let failure: StorageError | undefined;
    if (start < this.compacted) failure = expired(prefix, start, this.compacted);
    else for (const e of this.events) if (e.modRevision > start && e.key.startsWith(prefix)) queue.push(e);
    const listener = (e: WatchEvent): void => {
      if (e.modRevision > start && e.key.startsWith(prefix)) {
        queue.push(e);
        wake?.();
      }
    };
    this.listeners.add(listener);
    const close = (): void => {
      closed = true;
      this.listeners.delete(listener);
      wake?.();
    };
    return {
      close,
      [Symbol.asyncIterator]: async function* () {
        if (failure) throw failure;
        while (!closed) {
          const e = queue.shift();
          if (e) {
            yield e;
            continue;
          }
          await new Promise<void>((r) => (wake = r));
          wake = undefined;
        }
      },
    };
  }

  async currentRevision(): Promise<number> {
    return this.rev;
  }

  async compact(revision: number): Promise<void> {
    if (revision > this.compacted) this.compacted = revision;
  }

  async compactedRevision(): Promise<number> {
    return this.compacted;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
