/**
 * Shared pieces for the watch tests: real storage backends (SQLite in a temp dir, etcd as a real
 * process), a JSON decode like the registry's, and bounded readers for watchers.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KeyValue, Storage, WatchEvent, WatchStream } from '../../src/storage/interface';
import type { KubeObject } from '../../src/api/types';
import type { ApiWatchEvent, ApiWatcher } from '../../src/watch/types';
import { SqliteStorage } from '../../src/storage/sqlite-storage';
import { EtcdStorage } from '../../src/storage/etcd-storage';
import { startEtcd, type EtcdProcess } from '../helpers/etcd-process';
import { WatchCache, type WatchCacheOptions } from '../../src/watch/watch-cache';
import { cachedObjectDecoder, type ObjectAttrs } from '../../src/watch/cached-object';

export interface Backend {
  storage: Storage;
  etcd?: EtcdProcess;
  cleanup(): Promise<void>;
}

export type BackendName = 'sqlite' | 'etcd';
export const BACKENDS: BackendName[] = ['sqlite', 'etcd'];

export async function openBackend(name: BackendName): Promise<Backend> {
  if (name === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'km-watch-'));
    const storage = SqliteStorage.open({ dataDir: dir, synchronous: 'NORMAL' });
    return {
      storage,
      cleanup: async () => {
        await storage.close().catch(() => undefined);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const etcd = await startEtcd();
  const storage = EtcdStorage.create({ endpoints: [etcd.endpoint] });
  return {
    storage,
    etcd,
    cleanup: async () => {
      await storage.close().catch(() => undefined);
      await etcd.cleanup();
    },
  };
}

/** The registry's decode: JSON plus resourceVersion from the key's modRevision; undefined if corrupt. */
export function decode(kv: KeyValue): KubeObject | undefined {
  let obj: unknown;
  try {
    obj = JSON.parse(kv.value.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return undefined;
  const o = obj as KubeObject;
  return { ...o, metadata: { ...o.metadata, resourceVersion: String(kv.modRevision) } };
}

export const quietLogger = { info: (): void => undefined, warn: (): void => undefined };

/** The cached form the API server's watch cache keeps, for test pods. */
export const cachedDecode = cachedObjectDecoder({ apiVersion: 'v1', kind: 'Pod' });

/** A filter's view of a decoded object: its labels (the tests' pods have no selectable fields). */
export function attrsOf(o: KubeObject): ObjectAttrs {
  return { labels: o.metadata?.labels ?? {}, fields: {} };
}

export function newCache(storage: Storage, prefix: string, extra: Partial<WatchCacheOptions> = {}): WatchCache {
  return new WatchCache({ storage, prefix, decode: cachedDecode, logger: quietLogger, objectKind: { apiVersion: 'v1', kind: 'Pod' }, ...extra });
}

export function pod(ns: string, name: string, labels: Record<string, string> = {}, extra: Record<string, unknown> = {}): Buffer {
  return Buffer.from(JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: ns, labels }, spec: {}, ...extra }));
}

/** A fresh resource prefix per test, so tests sharing one storage never see each other's keys. */
let prefixCounter = 0;
export function freshPrefix(label: string): string {
  return `/registry/${label}-${process.pid}-${++prefixCounter}/`;
}

/** Reads up to `n` events, stopping early when the stream ends or `timeoutMs` passes without one. */
export async function take(watcher: ApiWatcher, n: number, timeoutMs = 5000): Promise<ApiWatchEvent[]> {
  const it = watcher[Symbol.asyncIterator]();
  const out: ApiWatchEvent[] = [];
  while (out.length < n) {
    const r = await withTimeout(it.next(), timeoutMs);
    if (r === 'timeout' || r.done) break;
    out.push(r.value);
  }
  return out;
}

/** Next event, or 'timeout' (the pending read stays attached to the watcher). */
export async function nextEvent(watcher: ApiWatcher, timeoutMs: number): Promise<ApiWatchEvent | 'timeout' | 'end'> {
  const r = await withTimeout(watcher[Symbol.asyncIterator]().next(), timeoutMs);
  if (r === 'timeout') return r;
  return r.done ? 'end' : r.value;
}

export function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let t: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<'timeout'>((resolve) => (t = setTimeout(() => resolve('timeout'), ms)))]).finally(() =>
    clearTimeout(t),
  );
}

/** `TYPE key@rv` summaries, the unit the exactness checks compare. */
export function summarize(ev: ApiWatchEvent): string {
  const o = ev.object as KubeObject;
  const m = o.metadata ?? {};
  return `${ev.type} ${m.namespace ?? ''}/${m.name ?? ''}@${m.resourceVersion ?? ''}`;
}

export function summarizeRaw(ev: WatchEvent): string {
  const o = decode({ key: ev.key, value: ev.value, createRevision: ev.createRevision, modRevision: ev.modRevision })!;
  const type = ev.type === 'delete' ? 'DELETED' : ev.isCreate ? 'ADDED' : 'MODIFIED';
  return `${type} ${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}@${ev.modRevision}`;
}

/** Reads raw storage events until one at or past `untilRevision` (bounded by timeoutMs). */
export async function takeRawUntil(stream: WatchStream, untilRevision: number, timeoutMs = 10_000): Promise<WatchEvent[]> {
  const it = stream[Symbol.asyncIterator]();
  const out: WatchEvent[] = [];
  while (out.length === 0 || out[out.length - 1]!.modRevision < untilRevision) {
    const r = await withTimeout(it.next(), timeoutMs);
    if (r === 'timeout' || r.done) break;
    out.push(r.value);
  }
  return out;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Poll `cond` every 10 ms for at most `timeoutMs`. */
export async function eventually(cond: () => boolean, timeoutMs = 5000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (cond()) return true;
    await sleep(10);
  }
  return cond();
}
