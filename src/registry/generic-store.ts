/**
 * The one store every resource uses (kube's registry/generic/registry/store.go): a Strategy plus
 * Storage become get / list / create / update / patch / delete / deletecollection / watch, always
 * with the same steps in the same order:
 *   decode → defaults → prepare → metadata → validate → (dryRun stops) → storage → response.
 */
import { randomUUID } from 'node:crypto';
import type { FieldError } from '../api/errors';
import { ApiError, errors } from '../api/errors';
import type { KubeList, KubeObject, ListMeta, StoredObject } from '../api/types';
import { isRecord } from '../api/types';
import type { KeyValue, Storage } from '../storage/interface';
import { isStorageError } from '../storage/errors';
import type { ApiWatcher, CacheReader, CacheSnapshot } from '../watch/types';
import { CachedObject, cachedObjectDecoder, labelsOf, storedHead, type AttrFilter, type ObjectAttrs } from '../watch/cached-object';
import type {
  DeleteOptions,
  DeleteResult,
  GetOptions,
  ListOptions,
  PatchOptions,
  PatchType,
  RESTResource,
  RequestContext,
  ResourceInfo,
  WatchOptions,
  WriteOptions,
  WriteResult,
} from './rest';
import type { Strategy } from './strategy';
import { apiVersionOf, groupResourceOf } from './strategy';
import { clone, deepEqual, describeValue, generateName, metaOf, nowRfc3339, pruneFields } from './object-util';
import { interpretStorageError } from './storage-errors';
import { decodeContinue, encodeContinue } from './continue-token';
import { parseLabelSelector } from './selectors/label-selector';
import { parseFieldSelector } from './selectors/field-selector';
import { validateObjectMeta, validateObjectMetaUpdate } from './validation/object-meta';
import { applyPatch, defaultFieldManager, recordUpdate } from './patch-apply';
import { utf8Bytes } from '../util/utf8-bytes';

/** What the store needs from the rest of the server. */
export interface StoreLogger {
  warn(message: string, meta?: Record<string, unknown>): unknown;
  info(message: string, meta?: Record<string, unknown>): unknown;
}

/** kube's NamespaceLifecycle admission: writes need an existing (and, for creates, Active) namespace. */
export type NamespaceGate = (namespace: string, op: 'create' | 'update', info: ResourceInfo, name: string) => Promise<void>;

/** Structural (schema) validation: type errors and missing required fields as field errors. */
export type StructuralValidator = (info: ResourceInfo, obj: KubeObject) => FieldError[];

/** A watch source for one resource prefix (the watch cache); the store builds the predicate. */
export interface WatchSource {
  watch(o: {
    resourceVersion?: string;
    keyPrefix?: string;
    filter?: AttrFilter;
    sendInitialEvents?: boolean;
    allowBookmarks?: boolean;
  }): ApiWatcher | Promise<ApiWatcher>;
  /** Objects for a resourceVersion="0" list (may be slightly stale, as kube's cache is). */
  snapshot?(keyPrefix: string): Promise<CacheSnapshot>;
  /** Objects under keyPrefix once the cache has reached `revision`. */
  snapshotAtLeast?(keyPrefix: string, revision: number): Promise<CacheSnapshot>;
  /** The object at `key` once the cache has reached `revision` (undefined: absent). */
  getAtLeast?(key: string, revision: number): Promise<CachedObject | undefined>;
  /** The cache if it is running; never starts it. */
  running?(): CacheReader | undefined;
  /** Start the cache in the background if it is not running (kube keeps one per resource). */
  warm?(): void;
  /** A consistent read from the running cache, when it can prove it is current (undefined: read storage). */
  consistentSnapshot?(keyPrefix: string): Promise<CacheSnapshot | undefined>;
}

/** A LIST whose items are cached objects (JSON bytes with resourceVersion), written out as they are. */
export interface RawList {
  apiVersion: string;
  kind: string;
  metadata: ListMeta;
  items: CachedObject[];
}

export interface StoreDeps {
  storage: Storage;
  /** Key prefix, default "/registry". */
  prefix?: string;
  logger?: StoreLogger;
  namespaceGate?: NamespaceGate;
  structural?: StructuralValidator;
  /** Fields of an object its schema does not know (for fieldValidation of patched objects). */
  unknownFields?: (info: ResourceInfo, obj: KubeObject) => string[];
  /** Created lazily per store (one watch cache per resource). */
  watchSource?: (store: GenericStore) => WatchSource;
}

/**
 * List items carry their JSON text (stored bytes plus resourceVersion) under this symbol so the
 * HTTP layer can write a list without re-encoding every item. Non-enumerable; dropped by clones.
 */
export const RAW_JSON = Symbol('km.rawJson');

/** The JSON text of a list item as read from storage, if the store attached it. */
export function rawJsonOf(obj: KubeObject): string | undefined {
  const v = (obj as Record<symbol, unknown>)[RAW_JSON];
  return typeof v === 'string' ? v : undefined;
}

/** How many generated names are tried before giving up (kube retries generateName collisions too). */
const GENERATE_NAME_ATTEMPTS = 8;
const MAX_UPDATE_RETRIES = 16;
/** Bound on pending own-write hints (each is consumed by its watch event). */
const MAX_OWN_WRITE_HINTS = 4096;
/** A resourceVersion parameter: a decimal revision, or unset/empty (0); 400 otherwise, as kube decodes it. */
function parseResourceVersion(rv: string | undefined): number {
  if (rv === undefined || rv === '') return 0;
  const n = Number(rv);
  if (!/^\d+$/.test(rv) || !Number.isSafeInteger(n)) throw errors.badRequest(`invalid resource version: ${rv}`);
  return n;
}

/** An update attempt's answer when it must be retried with fresh state. */
const RETRY = Symbol('retry');

interface BuiltUpdate {
  obj: KubeObject;
  /** True when the caller's resourceVersion is a precondition (PUT with RV, patch setting RV). */
  conditional: boolean;
  /** managedFields already settled (server-side apply); otherwise the write is recorded as an Update. */
  managed?: boolean;
}

export class GenericStore implements RESTResource {
  readonly info: ResourceInfo;
  readonly root: string;
  protected readonly storage: Storage;
  private readonly logger: StoreLogger | undefined;
  private watchSourceInstance: WatchSource | undefined;
  private cachedDecoder: ((kv: KeyValue) => CachedObject | undefined) | undefined;
  /** How `encodeText` starts (everything up to metadata's first key), as bytes and as text. */
  private readonly storedHeadBytes: Buffer;
  private readonly storedHead: string;
  /** key -> this server's newest write to it whose watch event has not been decoded yet. */
  private readonly ownWrites = new Map<string, { revision: number; attrs: ObjectAttrs }>();
  /** Errors of compare-and-swaps that were sent (see guaranteedObjectUpdate): never retried. */
  private readonly sentWriteFailures = new WeakSet<object>();
  /** Revision of this process's last write to this resource (read-your-writes for cache lookups). */
  lastWriteRevision = 0;

  constructor(
    readonly strategy: Strategy,
    private readonly deps: StoreDeps,
  ) {
    this.info = strategy.info;
    this.storage = deps.storage;
    this.logger = deps.logger;
    this.root = `${deps.prefix ?? '/registry'}/${this.info.resource}/`;
    this.storedHeadBytes = storedHead(apiVersionOf(this.info), this.info.kind);
    this.storedHead = this.storedHeadBytes.toString('utf8');
  }

  get gr(): { group: string; resource: string } {
    return groupResourceOf(this.info);
  }

  get apiVersion(): string {
    return apiVersionOf(this.info);
  }

  keyFor(namespace: string, name: string): string {
    if (!name || name.includes('/') || name === '.' || name === '..') throw errors.badRequest(`invalid resource name: ${JSON.stringify(name)}`);
    return this.info.namespaced ? `${this.root}${namespace}/${name}` : `${this.root}${name}`;
  }

  listPrefix(namespace: string): string {
    return this.info.namespaced && namespace ? `${this.root}${namespace}/` : this.root;
  }

  /** Stored bytes → object with resourceVersion; corrupt or foreign values are logged and skipped. */
  decode(kv: KeyValue): StoredObject | undefined {
    let obj: unknown;
    try {
      obj = JSON.parse(kv.value.toString('utf8'));
    } catch {
      this.logger?.warn('skipping undecodable value in storage', { key: kv.key });
      return undefined;
    }
    if (!isRecord(obj) || !isRecord(obj['metadata']) || typeof obj['metadata']['name'] !== 'string') {
      this.logger?.warn('skipping value that is not an object of this resource', { key: kv.key });
      return undefined;
    }
    const o = obj as StoredObject;
    o.apiVersion = this.apiVersion;
    o.kind = this.info.kind;
    o.metadata.resourceVersion = String(kv.modRevision);
    return o;
  }

  protected decodeOrFail(kv: KeyValue, name: string): StoredObject {
    const o = this.decode(kv);
    if (!o) throw errors.internal(new Error(`stored object ${this.info.resource} "${name}" could not be decoded`));
    return o;
  }

  protected encode(obj: KubeObject): Buffer {
    return utf8Bytes(this.encodeText(obj));
  }

  /** The stored text of an object: apiVersion, kind, metadata first, no resourceVersion or selfLink. */
  protected encodeText(obj: KubeObject): string {
    const metadata = { ...(obj.metadata ?? {}) };
    delete metadata.resourceVersion;
    delete metadata.selfLink;
    // apiVersion, kind, metadata first: lists splice the resourceVersion into the stored text.
    const copy = { apiVersion: obj.apiVersion, kind: obj.kind, metadata, ...obj };
    copy.metadata = metadata;
    return JSON.stringify(copy);
  }

  protected noteWrite(revision: number): void {
    if (revision > this.lastWriteRevision) this.lastWriteRevision = revision;
  }

  /**
   * Attach the response text to an object handed straight to the HTTP layer (never to one that is
   * edited later): the text just stored, with its new resourceVersion spliced in.
   */
  private withRaw<T extends KubeObject>(stored: string, revision: number, obj: T): T {
    const head = this.storedHead;
    if (stored.startsWith(head)) {
      const raw = `${head}resourceVersion":"${revision}","${stored.slice(head.length)}`;
      Object.defineProperty(obj, RAW_JSON, { value: raw, enumerable: false });
    }
    return obj;
  }

  private fail(err: unknown, verb: 'get' | 'create' | 'update' | 'delete', name: string): never {
    throw interpretStorageError(err, verb, this.gr, name);
  }

  /** An update's compare-and-swap failed for a reason other than a lost race: its outcome is the answer. */
  private failSentWrite(err: unknown, name: string): never {
    const apiErr = interpretStorageError(err, 'update', this.gr, name);
    this.sentWriteFailures.add(apiErr);
    throw apiErr;
  }

  // ---------------------------------------------------------------- read

  /**
   * Stored bytes -> the cached form (JSON with resourceVersion, selector attributes); undefined if not an object of this resource.
   * The watch event of this server's own write is not parsed again: the write left its attributes
   * behind (same key and modRevision, hence the very bytes it wrote, in the layout `encodeText` makes).
   */
  decodeCached(kv: KeyValue): CachedObject | undefined {
    const own = this.ownWrites.get(kv.key);
    if (own !== undefined && own.revision <= kv.modRevision) {
      this.ownWrites.delete(kv.key);
      const head = this.storedHeadBytes;
      if (own.revision === kv.modRevision && kv.value.length > head.length && kv.value.compare(head, 0, head.length, 0, head.length) === 0)
        return CachedObject.splice(kv.key, kv.modRevision, kv.value, head.length, own.attrs);
    }
    this.cachedDecoder ??= cachedObjectDecoder({
      apiVersion: this.apiVersion,
      kind: this.info.kind,
      attrs: (obj) => this.attrsOf(obj),
      invalid: (bad, reason) =>
        this.logger?.warn(reason === 'undecodable' ? 'skipping undecodable value in storage' : 'skipping value that is not an object of this resource', { key: bad.key }),
    });
    return this.cachedDecoder(kv);
  }

  /** After a write succeeded: what its watch event will need, while a watch cache is running to take it. */
  private noteOwnWrite(key: string, revision: number, obj: KubeObject): void {
    if (this.runningCache() === undefined) return;
    // Hints whose events never come (the cache restarted meanwhile) must not pile up.
    if (this.ownWrites.size >= MAX_OWN_WRITE_HINTS) this.ownWrites.clear();
    const { labels, fields } = this.attrsOf(obj);
    // Copies: the object goes on to the caller, the attributes into the cache.
    this.ownWrites.set(key, { revision, attrs: { labels: labels && { ...labels }, fields: { ...fields } } });
  }

  /** What selectors match against: labels and the strategy's selectable fields (kube's GetAttrs). */
  attrsOf(obj: KubeObject): ObjectAttrs {
    return { labels: labelsOf(obj), fields: this.strategy.fieldsOf(obj) };
  }

  /**
   * A value read from storage in its cached form. When the running watch cache holds the same
   * version of the key (same modRevision, hence the same bytes) its form is reused: that version was
   * already proven to be an object of this resource, so nothing is decoded again.
   */
  private cachedFor(kv: KeyValue, cache: CacheReader | undefined): CachedObject | undefined {
    const hit = cache?.peek(kv.key);
    if (hit !== undefined && hit.revision === kv.modRevision) return hit;
    return this.decodeCached(kv);
  }

  private runningCache(): CacheReader | undefined {
    return this.deps.watchSource ? this.watchSource().running?.() : undefined;
  }

  async get(ctx: RequestContext, name: string, opts: GetOptions = {}): Promise<StoredObject> {
    const c = await this.getRaw(ctx, name, opts);
    const obj = c.decode() as StoredObject;
    Object.defineProperty(obj, RAW_JSON, { value: c.json.toString('utf8'), enumerable: false });
    return obj;
  }

  /**
   * GET as the bytes to send. resourceVersion="0" is answered from the watch cache (kube's cacher
   * does the same; it may be stale, but never older than this server's own last write to the
   * resource); anything else is a consistent read from storage.
   */
  async getRaw(ctx: RequestContext, name: string, opts: GetOptions = {}): Promise<CachedObject> {
    const key = this.keyFor(ctx.namespace, name);
    parseResourceVersion(opts.resourceVersion);
    if (opts.resourceVersion === '0' && this.deps.watchSource) {
      const source = this.watchSource();
      // The common case, without a wait: the running cache already has this server's last write.
      const cache = source.running?.();
      if (cache !== undefined && cache.resourceVersion >= this.lastWriteRevision) {
        const hit = cache.peek(key);
        if (hit === undefined) throw errors.notFound(this.gr, name);
        return hit;
      }
      if (source.getAtLeast) {
        let hit: CachedObject | undefined;
        try {
          hit = await source.getAtLeast(key, this.lastWriteRevision);
        } catch (err) {
          this.fail(err, 'get', name);
        }
        if (hit === undefined) throw errors.notFound(this.gr, name);
        return hit;
      }
    }
    let kv: KeyValue;
    try {
      kv = await this.storage.get(key);
    } catch (err) {
      this.fail(err, 'get', name);
    }
    const c = this.cachedFor(kv, this.runningCache());
    if (!c) throw errors.internal(new Error(`stored object ${this.info.resource} "${name}" could not be decoded`));
    return c;
  }

  /** The predicate a list or watch applies (400 on bad selectors, before any storage access). */
  predicate(opts: { labelSelector?: string; fieldSelector?: string }): AttrFilter | undefined {
    const label = parseLabelSelector(opts.labelSelector);
    const field = parseFieldSelector(opts.fieldSelector, this.strategy.selectableFields);
    if (label.empty && field.empty) return undefined;
    return (a) => label.matches(a.labels) && field.matches(a.fields);
  }

  /** LIST with every item decoded (fresh copies the caller may edit). */
  async list(ctx: RequestContext, opts: ListOptions = {}): Promise<KubeList> {
    const raw = await this.listRaw(ctx, opts);
    return { ...raw, items: raw.items.map((c) => c.decode()) };
  }

  /** LIST as cached objects: nothing is decoded for items the watch cache already holds. */
  async listRaw(ctx: RequestContext, opts: ListOptions = {}): Promise<RawList> {
    const pred = this.predicate(opts);
    const prefix = this.listPrefix(ctx.namespace);
    const limit = opts.limit !== undefined && opts.limit > 0 ? Math.floor(opts.limit) : 0;
    const rvText = opts.resourceVersion ?? '';
    const match = opts.resourceVersionMatch;
    if (match !== undefined && (match as string) !== '') {
      if (match !== 'NotOlderThan' && match !== 'Exact')
        throw errors.invalid('ListOptions', 'meta.k8s.io', '', [
          { type: 'FieldValueNotSupported', field: 'resourceVersionMatch', value: match, detail: 'supported values: "Exact", "NotOlderThan", ""' },
        ]);
      if (rvText === '')
        throw errors.invalid('ListOptions', 'meta.k8s.io', '', [
          { type: 'FieldValueForbidden', field: 'resourceVersionMatch', detail: 'resourceVersionMatch is forbidden unless resourceVersion is provided' },
        ]);
      if (match === 'Exact' && rvText === '0')
        throw errors.invalid('ListOptions', 'meta.k8s.io', '', [
          { type: 'FieldValueForbidden', field: 'resourceVersionMatch', detail: 'resourceVersionMatch "exact" is forbidden for resourceVersion "0"' },
        ]);
    }
    const rv = parseResourceVersion(rvText);
    const fromCache = (snap: CacheSnapshot): RawList => this.listResult(pred ? snap.items.filter((c) => pred(c.attrs)) : snap.items, snap.resourceVersion);

    let atRevision: number | undefined;
    let after: string | undefined;
    let continueKey: string | undefined;
    const continuing = opts.continue !== undefined && opts.continue !== '';
    if (continuing) {
      if (rvText !== '' && rvText !== '0') throw errors.badRequest('specifying resource version is not allowed when using continue');
      const state = decodeContinue(opts.continue!);
      atRevision = state.revision > 0 ? state.revision : undefined; // else: continue at the latest
      continueKey = state.lastKey;
      after = prefix + state.lastKey;
    } else if (rvText !== '' && (match === 'Exact' || (rv > 0 && limit > 0 && match === undefined))) {
      atRevision = rv;
    } else if (rvText === '0' && limit === 0 && this.deps.watchSource) {
      // "Any" semantics: the watch cache's state is good enough (kube serves these from its cacher).
      const snap = await this.watchSource().snapshot?.(prefix);
      if (snap) return fromCache(snap);
    } else if (rv > 0) {
      // NotOlderThan N (or a plain RV=N list): the cache serves it once it has caught up with N,
      // never from an older state (504 "Too large resource version" when storage has not reached N).
      const source = limit === 0 && this.deps.watchSource ? this.watchSource() : undefined;
      if (source?.snapshotAtLeast) return fromCache(await source.snapshotAtLeast(prefix, rv));
      await this.waitForRevision(rv);
    }

    const cache = this.runningCache();
    // Lists are what a cache serves best: start it for the next ones (kube runs one per resource).
    if (cache === undefined && this.deps.watchSource) this.watchSource().warm?.();
    if (rvText === '' && !continuing && limit === 0 && cache !== undefined) {
      // Consistent read from the cache (kube's ConsistentListFromCache), when the cache proves it
      // holds storage's current state; otherwise storage is read.
      let snap: CacheSnapshot | undefined;
      try {
        snap = await this.watchSource().consistentSnapshot?.(prefix);
      } catch (err) {
        throw interpretStorageError(err, 'list', this.gr, '');
      }
      if (snap) return fromCache(snap);
    }

    const items: CachedObject[] = [];
    let revision = 0;
    let more = false;
    let lastKey: string | undefined;
    let remaining: number | undefined;
    for (;;) {
      const want = limit > 0 ? limit - items.length : 0;
      let res;
      try {
        res = await this.storage.list(prefix, {
          limit: want > 0 ? (pred ? Math.max(want, 50) : want) : undefined,
          continueFrom: after,
          atRevision,
        });
      } catch (err) {
        throw interpretStorageError(err, 'list', this.gr, '', { continuing, continueKey });
      }
      revision = res.revision;
      atRevision = res.revision;
      let consumed = 0;
      for (const kv of res.items) {
        consumed++;
        lastKey = kv.key;
        const c = this.cachedFor(kv, cache);
        if (c && (!pred || pred(c.attrs))) items.push(c);
        if (limit > 0 && items.length >= limit) break;
      }
      const leftInPage = res.items.length - consumed;
      if (limit > 0 && items.length >= limit) {
        more = leftInPage > 0 || res.more;
        if (more && !pred && res.remaining !== undefined) remaining = res.remaining + leftInPage;
        break;
      }
      if (!res.more || limit === 0) break;
      after = lastKey;
    }
    const list = this.listResult(items, revision);
    if (more && lastKey !== undefined) {
      list.metadata.continue = encodeContinue(revision, lastKey.slice(prefix.length));
      if (remaining !== undefined) list.metadata.remainingItemCount = remaining;
    }
    return list;
  }

  private listResult(items: CachedObject[], revision: number): RawList {
    return { apiVersion: this.apiVersion, kind: this.info.listKind, metadata: { resourceVersion: String(revision) }, items };
  }

  /** NotOlderThan N: storage must have reached N (kube waits up to 3 s, then 504). */
  private async waitForRevision(rv: number): Promise<void> {
    const deadline = Date.now() + 3000;
    for (;;) {
      let current: number;
      try {
        current = await this.storage.currentRevision();
      } catch (err) {
        throw interpretStorageError(err, 'list', this.gr, '');
      }
      if (current >= rv) return;
      if (Date.now() >= deadline) throw errors.resourceVersionTooLarge(`Too large resource version: ${rv}, current: ${current}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  watchSource(): WatchSource {
    if (!this.deps.watchSource) throw errors.methodNotAllowed('watch', this.info.resource);
    this.watchSourceInstance ??= this.deps.watchSource(this);
    return this.watchSourceInstance;
  }

  async watch(ctx: RequestContext, opts: WatchOptions = {}): Promise<ApiWatcher> {
    const pred = this.predicate(opts);
    const rv = opts.resourceVersion;
    parseResourceVersion(rv);
    return this.watchSource().watch({
      resourceVersion: rv,
      keyPrefix: this.listPrefix(ctx.namespace),
      filter: pred,
      sendInitialEvents: opts.sendInitialEvents,
      allowBookmarks: opts.allowWatchBookmarks,
    });
  }

  // ---------------------------------------------------------------- write helpers

  /** kind/apiVersion must name this resource's kind when given (kube decodes into that type). */
  private normalizeTypeMeta(obj: KubeObject): void {
    const kind = obj.kind;
    const apiVersion = obj.apiVersion;
    if ((kind !== undefined && kind !== '' && kind !== this.info.kind) || (apiVersion !== undefined && apiVersion !== '' && apiVersion !== this.apiVersion)) {
      throw errors.badRequest(
        `${kind ? describeValue(kind) : this.info.kind} in version "${apiVersion ? describeValue(apiVersion) : this.apiVersion}" cannot be handled as a ${this.info.kind}: the object provided is unrecognized (must be of type ${this.info.kind})`,
      );
    }
    obj.kind = this.info.kind;
    obj.apiVersion = this.apiVersion;
    if (obj.metadata === undefined || obj.metadata === null) obj.metadata = {};
    if (!isRecord(obj.metadata)) throw errors.badRequest(`${this.info.kind} in version "${this.info.version}" cannot be handled as a ${this.info.kind}: metadata must be an object`);
  }

  private normalizeNamespace(ctx: RequestContext, obj: KubeObject): void {
    const meta = obj.metadata!;
    if (this.info.namespaced) {
      if (meta.namespace && meta.namespace !== ctx.namespace)
        throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
      meta.namespace = ctx.namespace;
    } else {
      delete meta.namespace;
    }
  }

  /** fieldValidation: Strict turns decode issues into a 400; Warn into warnings; Ignore drops them. */
  private decodeWarnings(opts: WriteOptions): string[] {
    const issues = opts.decodeIssues ?? [];
    if (issues.length === 0 || opts.fieldValidation === 'Ignore') return [];
    if (opts.fieldValidation === 'Strict')
      throw errors.badRequest(`${this.info.kind} in version "${this.info.version}" cannot be handled as a ${this.info.kind}: strict decoding error: ${issues.join(', ')}`);
    return [...issues];
  }

  private validateAll(strategy: Strategy, obj: KubeObject, old: KubeObject | undefined): void {
    const errs: FieldError[] = [];
    if (this.deps.structural) errs.push(...this.deps.structural(this.info, obj));
    errs.push(...validateObjectMeta(obj, this.info.namespaced, strategy.validateName));
    if (old) errs.push(...validateObjectMetaUpdate(obj, old));
    errs.push(...strategy.validate(obj));
    if (old) errs.push(...strategy.validateUpdate(obj, old));
    if (errs.length > 0) throw errors.invalid(this.info.kind, this.info.group, obj.metadata?.name ?? '', dedupe(errs));
  }

  // ---------------------------------------------------------------- create

  async create(ctx: RequestContext, input: KubeObject, opts: WriteOptions): Promise<WriteResult> {
    return this.createWith(this.strategy, ctx, input, opts);
  }

  private async createWith(strategy: Strategy, ctx: RequestContext, input: KubeObject, opts: WriteOptions, managed = false): Promise<WriteResult> {
    let obj = opts.inputOwned === true ? input : clone(input);
    this.normalizeTypeMeta(obj);
    this.normalizeNamespace(ctx, obj);
    const warnings = this.decodeWarnings(opts);
    strategy.defaults(obj);
    // managedFields: the creator owns every field it set (kube records this after decoding/defaulting).
    if (!managed) obj = recordUpdate(undefined, obj, strategy.info, opts.fieldManager ?? defaultFieldManager(ctx.userAgent));
    const meta = metaOf(obj);
    if (this.info.namespaced && this.deps.namespaceGate) await this.deps.namespaceGate(ctx.namespace, 'create', this.info, meta.name ?? '');
    // kube's storage refuses a set resourceVersion on create ("0" parses as unset). Its plain error
    // surfaces there as a 500; the request is what is wrong, so km answers 400 with the same words.
    if (meta.resourceVersion === '0') delete meta.resourceVersion;
    if (meta.resourceVersion) throw errors.badRequest('resourceVersion should not be set on objects to be created');
    // Server-owned metadata (kube's BeforeCreate / FillObjectMetaSystemFields).
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    delete meta.selfLink;
    meta.uid = randomUUID();
    meta.creationTimestamp = nowRfc3339();
    if (strategy.tracksGeneration) meta.generation = 1;
    else delete meta.generation;
    strategy.prepareForCreate(obj);
    const generated = !meta.name && !!meta.generateName;
    for (let attempt = 0; ; attempt++) {
      if (generated) meta.name = generateName(meta.generateName!);
      this.validateAll(strategy, obj, undefined);
      warnings.push(...(strategy.warnings?.(obj, undefined) ?? []));
      const name = meta.name!;
      if (opts.dryRun) {
        // kube's dry-run create still answers AlreadyExists for a taken name.
        const exists = await this.exists(this.keyFor(ctx.namespace, name));
        if (exists) throw errors.alreadyExists(this.gr, name);
        return { object: obj, warnings, created: true };
      }
      const undo = await strategy.beforeStore?.(obj, undefined, false);
      try {
        const text = this.encodeText(obj);
        const key = this.keyFor(ctx.namespace, name);
        const kv = await this.storage.create(key, utf8Bytes(text));
        this.noteWrite(kv.modRevision);
        // The stored object is `obj` plus its resourceVersion: no need to parse the bytes just written.
        meta.resourceVersion = String(kv.modRevision);
        this.noteOwnWrite(key, kv.modRevision, obj);
        return { object: this.withRaw(text, kv.modRevision, obj), warnings, created: true };
      } catch (err) {
        await undo?.();
        if (generated && isStorageError(err, 'AlreadyExists') && attempt + 1 < GENERATE_NAME_ATTEMPTS) continue;
        this.fail(err, 'create', name);
      }
    }
  }

  private async exists(key: string): Promise<boolean> {
    try {
      await this.storage.get(key);
      return true;
    } catch (err) {
      if (isStorageError(err, 'NotFound')) return false;
      throw interpretStorageError(err, 'get', this.gr, '');
    }
  }

  // ---------------------------------------------------------------- update

  async update(ctx: RequestContext, name: string, input: KubeObject, opts: WriteOptions): Promise<WriteResult> {
    return this.updateWith(this.strategy, ctx, name, input, opts);
  }

  /** PUT semantics with a given strategy (the main resource's or a subresource's). */
  async updateWith(strategy: Strategy, ctx: RequestContext, name: string, input: KubeObject, opts: WriteOptions, allowCreate = strategy.allowCreateOnUpdate): Promise<WriteResult> {
    const body = opts.inputOwned === true ? input : clone(input);
    this.normalizeTypeMeta(body);
    const bodyName = body.metadata?.name ?? '';
    if (bodyName !== name) throw errors.badRequest(`the name of the object (${bodyName}) does not match the name on the URL (${name})`);
    this.normalizeNamespace(ctx, body);
    const warnings = this.decodeWarnings(opts);
    const conditional = !!body.metadata?.resourceVersion;
    const uid = body.metadata?.uid;
    const result = await this.guaranteedObjectUpdate(
      strategy,
      ctx,
      name,
      (old) => {
        // A uid in the body is a precondition, as in kube's DefaultUpdatedObjectInfo.
        if (old && uid && uid !== old.metadata.uid)
          throw errors.conflict(this.gr, name, `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${old.metadata.uid ?? ''}`);
        return { obj: clone(body), conditional };
      },
      opts,
      allowCreate,
    );
    result.warnings.unshift(...warnings);
    return result;
  }

  /**
   * The shared read → build → prepare → validate → compare-and-swap loop of PUT, PATCH and the
   * subresources. `build` gets the current object (undefined if absent and allowCreate).
   */
  async guaranteedObjectUpdate(
    strategy: Strategy,
    ctx: RequestContext,
    name: string,
    build: (old: StoredObject | undefined) => BuiltUpdate | Promise<BuiltUpdate>,
    opts: WriteOptions,
    allowCreate: boolean,
  ): Promise<WriteResult> {
    const key = this.keyFor(ctx.namespace, name);
    for (let attempt = 0; ; attempt++) {
      // First attempt: the watch cache's copy stands in for a storage read (kube's
      // cachedExistingObject). It may be stale; then this attempt fails (a precondition, the
      // compare-and-swap, or any error the new state would decide) and the next one reads storage.
      const cached = attempt === 0 && !opts.dryRun ? this.runningCache()?.peek(key) : undefined;
      if (cached) {
        try {
          const r = await this.updateAttempt(strategy, ctx, name, key, build, opts, allowCreate, attempt, { modRevision: cached.revision, old: cached.decode() as StoredObject, fromCache: true });
          if (r !== RETRY) return r;
        } catch (err) {
          // A stale copy may fail a precondition or validation that storage's state would pass: read
          // storage and try again. Not when the compare-and-swap itself failed (a timeout, a lost
          // connection): that write may have been applied, and a retry would answer 409 for it.
          if (!(err instanceof ApiError) || this.sentWriteFailures.has(err)) throw err;
        }
        continue;
      }
      let cur: KeyValue | undefined;
      try {
        cur = await this.storage.get(key);
      } catch (err) {
        if (!isStorageError(err, 'NotFound')) this.fail(err, 'get', name);
      }
      const state = cur ? { modRevision: cur.modRevision, old: this.decodeOrFail(cur, name), fromCache: false } : undefined;
      const r = await this.updateAttempt(strategy, ctx, name, key, build, opts, allowCreate, attempt, state);
      if (r !== RETRY) return r;
    }
  }

  /** One read-build-validate-CAS attempt of guaranteedObjectUpdate; RETRY to go round again with fresh state. */
  private async updateAttempt(
    strategy: Strategy,
    ctx: RequestContext,
    name: string,
    key: string,
    build: (old: StoredObject | undefined) => BuiltUpdate | Promise<BuiltUpdate>,
    opts: WriteOptions,
    allowCreate: boolean,
    attempt: number,
    state: { modRevision: number; old: StoredObject; fromCache: boolean } | undefined,
  ): Promise<WriteResult | typeof RETRY> {
    const old = state?.old;
    const fromCache = state?.fromCache === true;
    if (!old && !allowCreate) throw errors.notFound(this.gr, name);
    const built = await build(old);
    let obj = built.obj;
    const conditional = built.conditional;
    this.normalizeTypeMeta(obj);
    this.normalizeNamespace(ctx, obj);
    if (!old) {
      if (conditional) throw errors.notFound(this.gr, name);
      obj.metadata!.name = name;
      try {
        return await this.createWith(this.strategy, ctx, obj, { ...opts, decodeIssues: [] }, built.managed === true);
      } catch (err) {
        if (err instanceof ApiError && err.reason === 'AlreadyExists' && attempt < MAX_UPDATE_RETRIES) return RETRY;
        throw err;
      }
    }
    let meta = metaOf(obj);
    const oldMeta = old.metadata;
    if (conditional) {
      const userRv = meta.resourceVersion ?? '';
      if (!/^\d+$/.test(userRv))
        throw errors.invalid(this.info.kind, this.info.group, name, [{ type: 'FieldValueInvalid', field: 'metadata.resourceVersion', value: userRv, detail: 'must be a valid resource version' }]);
      if (Number(userRv) !== state!.modRevision) {
        if (fromCache) return RETRY;
        throw errors.conflictModified(this.gr, name);
      }
    } else if (!strategy.allowUnconditionalUpdate) {
      throw errors.invalid(this.info.kind, this.info.group, name, [{ type: 'FieldValueInvalid', field: 'metadata.resourceVersion', value: 0, detail: 'must be specified for an update' }]);
    }
    strategy.defaults(obj);
    // kube's BeforeUpdate: fields a client can never change through an update.
    if (!meta.uid) meta.uid = oldMeta.uid;
    meta.creationTimestamp = oldMeta.creationTimestamp;
    if (oldMeta.deletionTimestamp) meta.deletionTimestamp = oldMeta.deletionTimestamp;
    else delete meta.deletionTimestamp;
    if (oldMeta.deletionGracePeriodSeconds !== undefined) meta.deletionGracePeriodSeconds = oldMeta.deletionGracePeriodSeconds;
    else delete meta.deletionGracePeriodSeconds;
    if (oldMeta.generation !== undefined) meta.generation = oldMeta.generation;
    else delete meta.generation;
    if (meta.generateName === undefined && oldMeta.generateName !== undefined) meta.generateName = oldMeta.generateName;
    delete meta.selfLink;
    strategy.prepareForUpdate(obj, old);
    if (strategy.tracksGeneration && !deepEqual(obj['spec'], old['spec'])) meta.generation = (oldMeta.generation ?? 0) + 1;
    if (!built.managed) {
      obj = recordUpdate(old, obj, strategy.info, opts.fieldManager ?? defaultFieldManager(ctx.userAgent));
      meta = metaOf(obj);
    }
    if (this.info.namespaced && this.deps.namespaceGate) await this.deps.namespaceGate(ctx.namespace, 'update', this.info, name);
    this.validateAll(strategy, obj, old);
    const warnings = strategy.warnings?.(obj, old) ?? [];
    meta.resourceVersion = oldMeta.resourceVersion;
    // kube's ShouldDeleteDuringUpdate, checked before the no-op shortcut as kube does inside its
    // update function: nothing holds an object whose deletion is due any more, so remove it.
    if (this.shouldDeleteDuringUpdate(obj, old)) {
      if (opts.dryRun) return { object: obj, warnings };
      try {
        const kv = await this.storage.delete(key, { expectedModRevision: state!.modRevision });
        this.noteWrite(kv.modRevision);
        await this.strategy.afterDelete?.(old);
        meta.resourceVersion = String(kv.modRevision);
        return { object: obj, warnings };
      } catch (err) {
        if (isStorageError(err, 'Conflict') || isStorageError(err, 'NotFound')) {
          if (fromCache) return RETRY;
          if (conditional) throw errors.conflictModified(this.gr, name);
          if (attempt < MAX_UPDATE_RETRIES) return RETRY;
        }
        this.failSentWrite(err, name);
      }
    }
    // A no-op update writes nothing and keeps the resourceVersion (kube compares the encoded bytes).
    if (deepEqual(obj, old)) {
      // Only storage's own copy can prove the update changes nothing.
      if (fromCache) return RETRY;
      return { object: old, warnings };
    }
    if (opts.dryRun) return { object: obj, warnings };
    const undo = await strategy.beforeStore?.(obj, old, false);
    try {
      const text = this.encodeText(obj);
      const kv = await this.storage.update(key, utf8Bytes(text), state!.modRevision);
      this.noteWrite(kv.modRevision);
      // The stored object is `obj` plus its resourceVersion: no need to parse the bytes just written.
      meta.resourceVersion = String(kv.modRevision);
      this.noteOwnWrite(key, kv.modRevision, obj);
      return { object: this.withRaw(text, kv.modRevision, obj), warnings };
    } catch (err) {
      await undo?.();
      if (isStorageError(err, 'Conflict') || isStorageError(err, 'NotFound')) {
        if (fromCache) return RETRY;
        if (conditional) throw errors.conflictModified(this.gr, name);
        if (attempt < MAX_UPDATE_RETRIES) return RETRY;
      }
      this.failSentWrite(err, name);
    }
  }

  /**
   * kube's ShouldDeleteDuringUpdate: an update leaves no metadata finalizer on an object whose
   * deletion was requested and is due (no grace period left), so the update completes the deletion.
   */
  protected shouldDeleteDuringUpdate(obj: KubeObject, old: StoredObject): boolean {
    if ((obj.metadata?.finalizers ?? []).length > 0) return false;
    if (!old.metadata.deletionTimestamp) return false;
    const grace = old.metadata.deletionGracePeriodSeconds;
    return grace === undefined || grace === 0;
  }

  // ---------------------------------------------------------------- patch

  async patch(ctx: RequestContext, name: string, type: PatchType, body: Buffer, opts: PatchOptions): Promise<WriteResult> {
    return this.patchWith(this.strategy, ctx, name, type, body, opts);
  }

  async patchWith(strategy: Strategy, ctx: RequestContext, name: string, type: PatchType, body: Buffer, opts: PatchOptions): Promise<WriteResult> {
    const warnings = this.decodeWarnings(opts);
    let patchWarnings: string[] = [];
    const allowCreate = type === 'apply' && strategy === this.strategy;
    const result = await this.guaranteedObjectUpdate(
      strategy,
      ctx,
      name,
      (old) => {
        const base: KubeObject = old
          ? clone(old)
          : { apiVersion: this.apiVersion, kind: this.info.kind, metadata: this.info.namespaced ? { name, namespace: ctx.namespace } : { name } };
        const { patched, patchRv, managed } = applyPatch({
          type,
          original: base,
          live: old,
          body,
          info: strategy.info,
          name,
          force: opts.force,
          fieldManager: opts.fieldManager,
        });
        // fieldValidation applies to what the patch introduced (kube decodes the patched object).
        const unknown = this.deps.unknownFields?.(this.info, patched) ?? [];
        patchWarnings = this.decodeWarnings({ ...opts, decodeIssues: unknown.map((f) => `unknown field "${f}"`) });
        pruneFields(patched, unknown);
        const meta = isRecord(patched.metadata) ? patched.metadata : (patched.metadata = {});
        if (patched.metadata && meta.name !== undefined && meta.name !== name)
          throw errors.badRequest(`the name of the object (${String(meta.name)}) does not match the name on the URL (${name})`);
        meta.name = name;
        if (old && !patchRv) meta.resourceVersion = old.metadata.resourceVersion;
        return { obj: patched, conditional: patchRv, managed };
      },
      opts,
      allowCreate,
    );
    result.warnings.unshift(...warnings, ...patchWarnings);
    return result;
  }

  // ---------------------------------------------------------------- delete

  async delete(ctx: RequestContext, name: string, opts: DeleteOptions): Promise<DeleteResult> {
    const key = this.keyFor(ctx.namespace, name);
    for (let attempt = 0; ; attempt++) {
      let cur: KeyValue;
      try {
        cur = await this.storage.get(key);
      } catch (err) {
        this.fail(err, 'delete', name);
      }
      const obj = this.decodeOrFail(cur, name);
      this.checkPreconditions(obj, opts, name);
      const meta = obj.metadata;
      const requested = opts.gracePeriodSeconds;
      // kube's deletionFinalizersForGarbageCollection: propagationPolicy=Orphan puts the `orphan`
      // finalizer on the owner until the garbage collector has released its dependents; Foreground
      // puts `foregroundDeletion` on it until the collector has deleted the dependents that block it.
      // Only owners the collector handles get them (elsewhere nothing would ever remove them).
      const gcFinalizer =
        this.strategy.orphansDependents === true
          ? opts.propagationPolicy === 'Orphan'
            ? 'orphan'
            : opts.propagationPolicy === 'Foreground'
              ? 'foregroundDeletion'
              : undefined
          : undefined;
      const addFinalizer = gcFinalizer !== undefined && !(meta.finalizers ?? []).includes(gcFinalizer) ? gcFinalizer : undefined;
      const pendingFinalizers = (meta.finalizers ?? []).length > 0 || addFinalizer !== undefined;
      let next: StoredObject | undefined;
      let deleteNow = false;
      if (meta.deletionTimestamp) {
        // Already being deleted: only a shorter grace period changes anything (kube's BeforeDelete).
        const current = meta.deletionGracePeriodSeconds;
        if (current === undefined || current === 0) deleteNow = !pendingFinalizers;
        else if (requested !== undefined && this.strategy.gracePeriod && requested < current) {
          next = clone(obj);
          const nm = metaOf(next);
          const start = Date.parse(meta.deletionTimestamp) - current * 1000;
          nm.deletionTimestamp = new Date(start + Math.max(0, requested) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
          nm.deletionGracePeriodSeconds = Math.max(0, requested);
          deleteNow = requested <= 0 && !pendingFinalizers;
        }
        if (!next && !deleteNow) return { object: obj, deleted: false };
      } else {
        const grace = this.strategy.gracePeriod?.(obj, requested);
        if ((grace !== undefined && grace > 0) || pendingFinalizers) {
          next = clone(obj);
          const nm = metaOf(next);
          const g = grace ?? 0;
          nm.deletionTimestamp = nowRfc3339(g);
          nm.deletionGracePeriodSeconds = g;
          if (addFinalizer) nm.finalizers = [...(nm.finalizers ?? []), addFinalizer];
          if (nm.generation !== undefined) nm.generation += 1;
        } else deleteNow = true;
      }
      if (opts.dryRun) return { object: next ?? obj, deleted: deleteNow };
      try {
        if (next && !deleteNow) {
          const kv = await this.storage.update(key, this.encode(next), cur.modRevision);
          this.noteWrite(kv.modRevision);
          return { object: this.decodeOrFail(kv, name), deleted: false };
        }
        const kv = await this.storage.delete(key, { expectedModRevision: cur.modRevision });
        this.noteWrite(kv.modRevision);
        await this.strategy.afterDelete?.(obj);
        const gone = next ?? obj;
        metaOf(gone).resourceVersion = String(kv.modRevision);
        return { object: gone, deleted: true };
      } catch (err) {
        if (isStorageError(err, 'Conflict') && attempt < MAX_UPDATE_RETRIES) continue;
        this.fail(err, 'delete', name);
      }
    }
  }

  protected checkPreconditions(obj: StoredObject, opts: DeleteOptions, name: string): void {
    const pre = opts.preconditions;
    if (!pre) return;
    if (pre.uid && pre.uid !== obj.metadata.uid)
      throw errors.conflict(this.gr, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${obj.metadata.uid ?? ''}`);
    if (pre.resourceVersion && pre.resourceVersion !== obj.metadata.resourceVersion)
      throw errors.conflict(
        this.gr,
        name,
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${obj.metadata.resourceVersion ?? ''}`,
      );
  }

  async deleteCollection(ctx: RequestContext, listOpts: ListOptions, opts: DeleteOptions): Promise<KubeList> {
    const list = await this.list(ctx, { labelSelector: listOpts.labelSelector, fieldSelector: listOpts.fieldSelector });
    const deleted: KubeObject[] = [];
    for (const item of list.items) {
      const ns = item.metadata?.namespace ?? '';
      try {
        const r = await this.delete({ ...ctx, namespace: this.info.namespaced ? ns : '' }, item.metadata!.name!, { ...opts, preconditions: undefined });
        deleted.push(r.object);
      } catch (err) {
        // Deleted meanwhile by someone else: that is what was asked for.
        if (err instanceof ApiError && err.reason === 'NotFound') continue;
        throw err;
      }
    }
    return { ...list, items: deleted };
  }
}

function dedupe(errs: FieldError[]): FieldError[] {
  const seen = new Set<string>();
  return errs.filter((e) => {
    const k = `${e.type}|${e.field}|${JSON.stringify(e.value)}|${e.detail ?? ''}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
