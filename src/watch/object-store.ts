/**
 * The watch cache's current state: cached objects (JSON bytes plus selector attributes) by storage key.
 *
 * Lists from the cache must come out in key order (as storage lists do), and namespace-scoped
 * watches and lists only want one key range; a lazily rebuilt sorted key array serves both with a
 * binary search instead of a scan. Updates do not change the key set, so the common write path
 * never invalidates it.
 */
import type { CachedObject } from './cached-object';

export class ObjectStore {
  private readonly byKey = new Map<string, CachedObject>();
  private sorted: string[] | null = [];

  get size(): number {
    return this.byKey.size;
  }

  get(key: string): CachedObject | undefined {
    return this.byKey.get(key);
  }

  set(key: string, obj: CachedObject): void {
    if (!this.byKey.has(key)) this.sorted = null;
    this.byKey.set(key, obj);
  }

  delete(key: string): void {
    if (this.byKey.delete(key)) this.sorted = null;
  }

  clear(): void {
    this.byKey.clear();
    this.sorted = [];
  }

  /** Keys and their objects under `prefix`, in key order. */
  entries(prefix: string): Array<[string, CachedObject]> {
    const keys = this.sortedKeys();
    const out: Array<[string, CachedObject]> = [];
    for (let i = lowerBound(keys, prefix); i < keys.length; i++) {
      const key = keys[i]!;
      if (!key.startsWith(prefix)) break;
      out.push([key, this.byKey.get(key)!]);
    }
    return out;
  }

  /** The objects under `prefix`, in key order. */
  values(prefix: string): CachedObject[] {
    const keys = this.sortedKeys();
    const out: CachedObject[] = [];
    for (let i = lowerBound(keys, prefix); i < keys.length; i++) {
      const key = keys[i]!;
      if (!key.startsWith(prefix)) break;
      out.push(this.byKey.get(key)!);
    }
    return out;
  }

  /** How many keys start with `prefix` (two binary searches). */
  count(prefix: string): number {
    const keys = this.sortedKeys();
    const from = lowerBound(keys, prefix);
    let lo = from;
    let hi = keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (keys[mid]!.startsWith(prefix)) lo = mid + 1;
      else hi = mid;
    }
    return lo - from;
  }

  /** key -> object, for comparisons against a storage list (freshness checks). */
  raw(): ReadonlyMap<string, CachedObject> {
    return this.byKey;
  }

  private sortedKeys(): string[] {
    if (this.sorted === null) {
      // Storage sorts by key bytes; for the ASCII keys the registry builds, code-unit order is the same.
      this.sorted = [...this.byKey.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    }
    return this.sorted;
  }
}

function lowerBound(keys: string[], prefix: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid]! < prefix) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
