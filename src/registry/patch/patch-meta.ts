/**
 * Per-field patch metadata: what kube reads from Go struct tags (patchStrategy, patchMergeKey)
 * and from OpenAPI list extensions (x-kubernetes-list-type / -list-map-keys). Paths are property
 * names from the object root with array indices omitted, e.g. ['spec','containers','ports'].
 */

export interface FieldPatchInfo {
  /** 'merge' | 'replace' | 'retainKeys' | 'merge,retainKeys' */
  patchStrategy?: string;
  patchMergeKey?: string;
  listType?: 'atomic' | 'set' | 'map';
  listMapKeys?: string[];
  /** x-kubernetes-map-type: 'atomic' maps are owned as a whole by server-side apply. */
  mapType?: 'atomic' | 'granular';
  /**
   * The field is a map with data keys (map[string]X: labels, annotations, data, nodeSelector),
   * not a struct. Server-side apply records such a map itself as a field, structs it does not.
   */
  isMap?: boolean;
  /** Defaults for associative-list key fields an item may omit (container ports: protocol TCP). */
  keyDefaults?: Record<string, unknown>;
}

export interface PatchMeta {
  lookup(path: readonly string[]): FieldPatchInfo | undefined;
}

/** Metadata that knows nothing: every list replaces, every map merges. */
export const emptyPatchMeta: PatchMeta = { lookup: () => undefined };

export interface ParsedStrategy {
  /** The list/map strategy proper: 'merge', 'replace' or '' (default). */
  strategy: '' | 'merge' | 'replace';
  retainKeys: boolean;
}

/** Splits kube's comma-separated strategy ("merge,retainKeys") like extractRetainKeysPatchStrategy. */
export function parseStrategy(info: FieldPatchInfo | undefined): ParsedStrategy {
  const parts = (info?.patchStrategy ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const retainKeys = parts.includes('retainKeys');
  const rest = parts.filter((p) => p !== 'retainKeys');
  const strategy = rest[0] === 'merge' ? 'merge' : rest[0] === 'replace' ? 'replace' : '';
  return { strategy, retainKeys };
}

/**
 * Combines tables, earlier ones taking precedence field by field: a schema table first, then the
 * built-in one fills what the schema does not say (key defaults, data-map markers, tags a
 * trimmed schema lacks).
 */
export function chainPatchMeta(...metas: PatchMeta[]): PatchMeta {
  return {
    lookup(path) {
      let merged: FieldPatchInfo | undefined;
      for (let i = metas.length - 1; i >= 0; i--) {
        const info = metas[i]!.lookup(path);
        if (info !== undefined) merged = { ...merged, ...info };
      }
      return merged;
    },
  };
}

/**
 * Caches lookups by path: tables are fixed once built, and managedFields bookkeeping looks up the
 * same few hundred paths on every write (a chained lookup merges objects each time).
 */
export function memoizePatchMeta(meta: PatchMeta): PatchMeta {
  const cache = new Map<string, FieldPatchInfo | undefined>();
  return {
    lookup(path) {
      const key = path.join('\u0000');
      if (cache.has(key)) return cache.get(key);
      const info = meta.lookup(path);
      // Paths come from request bodies: bound the cache so hostile field names cannot grow it forever.
      if (cache.size < 10_000) cache.set(key, info);
      return info;
    },
  };
}
