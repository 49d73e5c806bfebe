/**
 * The contract between the HTTP layer and the registry: one RESTResource per served resource
 * (and per subresource). The HTTP layer parses the request (path, query, body, content type) into
 * these options; the registry does everything else (defaulting, validation, storage, conversion to
 * errors from the catalog in src/api/errors.ts).
 */
import type { KubeList, KubeObject } from '../api/types';
import type { ApiWatcher } from '../watch/types';

/** What a request is about, after routing. */
export interface RequestContext {
  /** Namespace from the path ('' for cluster-scoped resources or all-namespaces lists). */
  namespace: string;
  /** The user-agent or user name, for managedFields and logs. */
  userAgent?: string;
}

export interface ResourceInfo {
  /** API group ('' for core). */
  group: string;
  version: string;
  /** Plural resource name, e.g. 'pods'. For subresources 'pods/status'. */
  resource: string;
  singularName: string;
  kind: string;
  listKind: string;
  namespaced: boolean;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
}

export interface GetOptions {
  resourceVersion?: string;
}

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: 'NotOlderThan' | 'Exact';
}

export interface WatchOptions extends ListOptions {
  allowWatchBookmarks?: boolean;
  sendInitialEvents?: boolean;
  timeoutSeconds?: number;
}

export type FieldValidation = 'Ignore' | 'Warn' | 'Strict';

export interface WriteOptions {
  dryRun: boolean;
  fieldManager?: string;
  fieldValidation: FieldValidation;
  /**
   * Unknown or duplicate fields the HTTP decoder found in the body (Kubernetes field paths), which
   * the registry turns into warnings (Warn) or a 400 (Strict).
   */
  decodeIssues?: string[];
  /**
   * The input object was decoded for this call alone (a request body): the store may edit it in
   * place instead of working on a copy. Callers passing objects they keep must leave it unset.
   */
  inputOwned?: boolean;
}

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

export interface PatchOptions extends WriteOptions {
  force?: boolean;
}

export interface DeleteOptions {
  dryRun: boolean;
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
}

export interface WriteResult<T extends KubeObject = KubeObject> {
  object: T;
  /** Warning header texts (kube's `299 - "..."` is added by the HTTP layer). */
  warnings: string[];
  /** True when PUT or apply created the object (HTTP 201). */
  created?: boolean;
}

export interface DeleteResult<T extends KubeObject = KubeObject> {
  object: T;
  /**
   * False when the object still exists (graceful deletion or finalizers pending). Either way the
   * answer is HTTP 200 (kube answers 202 only for asynchronous deletes, which no store here does).
   */
  deleted: boolean;
}

export interface RESTResource {
  readonly info: ResourceInfo;
  get(ctx: RequestContext, name: string, opts: GetOptions): Promise<KubeObject>;
  list(ctx: RequestContext, opts: ListOptions): Promise<KubeList>;
  create(ctx: RequestContext, obj: KubeObject, opts: WriteOptions): Promise<WriteResult>;
  update(ctx: RequestContext, name: string, obj: KubeObject, opts: WriteOptions): Promise<WriteResult>;
  patch(ctx: RequestContext, name: string, type: PatchType, body: Buffer, opts: PatchOptions): Promise<WriteResult>;
  delete(ctx: RequestContext, name: string, opts: DeleteOptions): Promise<DeleteResult>;
  deleteCollection(ctx: RequestContext, list: ListOptions, opts: DeleteOptions): Promise<KubeList>;
  watch(ctx: RequestContext, opts: WatchOptions): Promise<ApiWatcher>;
}
