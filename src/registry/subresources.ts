/**
 * Subresources served by a parent store: `/status` (and namespaces' `/finalize`) update the parent
 * object with their own strategy; `binding` assigns a pod to a node.
 */
import { errors } from '../api/errors';
import type { KubeList, KubeObject } from '../api/types';
import type { ApiWatcher } from '../watch/types';
import type {
  DeleteResult,
  GetOptions,
  PatchOptions,
  PatchType,
  RESTResource,
  RequestContext,
  ResourceInfo,
  WriteOptions,
  WriteResult,
} from './rest';
import type { GenericStore } from './generic-store';
import type { Strategy } from './strategy';
import { isRecord } from '../api/types';
import { getRec, getStr } from './object-util';
import { applyBinding } from './strategies/pods';

/** Every verb refused with 405; subresources override the ones they serve. */
export abstract class NotAllowed implements RESTResource {
  abstract readonly info: ResourceInfo;
  protected deny(verb: string): never {
    throw errors.methodNotAllowed(verb, this.info.resource);
  }
  get(_ctx: RequestContext, _name: string, _opts: GetOptions): Promise<KubeObject> {
    return this.deny('GET');
  }
  list(): Promise<KubeList> {
    return this.deny('LIST');
  }
  create(_ctx: RequestContext, _obj: KubeObject, _opts: WriteOptions): Promise<WriteResult> {
    return this.deny('POST');
  }
  update(_ctx: RequestContext, _name: string, _obj: KubeObject, _opts: WriteOptions): Promise<WriteResult> {
    return this.deny('PUT');
  }
  patch(_ctx: RequestContext, _name: string, _type: PatchType, _body: Buffer, _opts: PatchOptions): Promise<WriteResult> {
    return this.deny('PATCH');
  }
  delete(): Promise<DeleteResult> {
    return this.deny('DELETE');
  }
  deleteCollection(): Promise<KubeList> {
    return this.deny('DELETE');
  }
  watch(): Promise<ApiWatcher> {
    return this.deny('WATCH');
  }
}

/** `<resource>/status`, `namespaces/finalize`: get the parent, update/patch with another strategy. */
export class SubresourceREST extends NotAllowed {
  readonly info: ResourceInfo;
  constructor(
    private readonly parent: GenericStore,
    private readonly strategy: Strategy,
    private readonly verbs: { get: boolean; patch: boolean },
  ) {
    super();
    this.info = strategy.info;
  }
  override get(ctx: RequestContext, name: string, opts: GetOptions): Promise<KubeObject> {
    if (!this.verbs.get) return this.deny('GET');
    return this.parent.get(ctx, name, opts);
  }
  override update(ctx: RequestContext, name: string, obj: KubeObject, opts: WriteOptions): Promise<WriteResult> {
    return this.parent.updateWith(this.strategy, ctx, name, obj, opts, false);
  }
  override patch(ctx: RequestContext, name: string, type: PatchType, body: Buffer, opts: PatchOptions): Promise<WriteResult> {
    if (!this.verbs.patch) return this.deny('PATCH');
    return this.parent.patchWith(this.strategy, ctx, name, type, body, opts);
  }
}

export function successStatus(code: number, details?: Record<string, unknown>): KubeObject {
  const s: KubeObject = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code };
  if (details) s['details'] = details;
  return s;
}

/**
 * `pods/{name}/binding` and the legacy `POST namespaces/{ns}/bindings`: set spec.nodeName of an
 * unassigned pod (kube's BindingREST). Answers a Success Status with 201.
 */
export class BindingREST extends NotAllowed {
  constructor(
    readonly info: ResourceInfo,
    private readonly pods: GenericStore,
    private readonly podBindingStrategy: Strategy,
  ) {
    super();
  }

  /** POST with the pod's name from the path (pods/{name}/binding). */
  async createNamed(ctx: RequestContext, name: string, obj: KubeObject, opts: WriteOptions): Promise<WriteResult> {
    const bodyName = obj.metadata?.name;
    if (bodyName && bodyName !== name) throw errors.badRequest('name in URL does not match name in Binding object');
    return this.bind(ctx, name, obj, opts);
  }

  override async create(ctx: RequestContext, obj: KubeObject, opts: WriteOptions): Promise<WriteResult> {
    const name = obj.metadata?.name ?? '';
    if (!name) throw errors.invalid('Binding', '', '', [{ type: 'FieldValueRequired', field: 'metadata.name', detail: 'name or generateName is required' }]);
    return this.bind(ctx, name, obj, opts);
  }

  private async bind(ctx: RequestContext, name: string, obj: KubeObject, opts: WriteOptions): Promise<WriteResult> {
    if (obj.kind && obj.kind !== 'Binding') throw errors.badRequest(`${obj.kind} in version "v1" cannot be handled as a Binding: the object provided is unrecognized (must be of type Binding)`);
    const ns = obj.metadata?.namespace;
    if (ns && ns !== ctx.namespace) throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
    const target = getRec(obj, 'target');
    const node = getStr(target, 'name') ?? '';
    const kind = getStr(target, 'kind') ?? '';
    if (!node) throw errors.invalid('Binding', '', name, [{ type: 'FieldValueRequired', field: 'target.name' }]);
    if (kind !== '' && kind !== 'Node') throw errors.invalid('Binding', '', name, [{ type: 'FieldValueInvalid', field: 'target.kind', value: kind, detail: 'must be empty or \'Node\'' }]);
    const gr = { group: '', resource: 'pods' };
    await this.pods.guaranteedObjectUpdate(
      this.podBindingStrategy,
      ctx,
      name,
      (old) => {
        if (!old) throw errors.notFound(gr, name);
        if (old.metadata.deletionTimestamp) throw errors.conflict(gr, name, `pod ${name} is being deleted, cannot be assigned to a host`);
        const uid = getStr(obj.metadata, 'uid');
        if (uid && uid !== old.metadata.uid) throw errors.conflict(gr, name, `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${old.metadata.uid ?? ''}`);
        const pod = structuredClone(old);
        const r = applyBinding(pod, node);
        if (r === 'already-assigned') {
          const current = getStr(getRec(old, 'spec'), 'nodeName');
          throw errors.conflict(gr, name, `pod ${name} is already assigned to node "${current ?? ''}"`);
        }
        if (Array.isArray(r)) throw errors.invalid('Pod', '', name, r);
        const annotations = isRecord(obj.metadata?.annotations) ? obj.metadata!.annotations : undefined;
        if (annotations && Object.keys(annotations).length > 0) {
          const meta = pod.metadata as { annotations?: Record<string, string> };
          meta.annotations = { ...(meta.annotations ?? {}), ...annotations };
        }
        return { obj: pod, conditional: false };
      },
      { ...opts, decodeIssues: [] },
      false,
    );
    return { object: successStatus(201), warnings: [], created: true };
  }
}
