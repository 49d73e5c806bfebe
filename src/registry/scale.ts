/**
 * `replicationcontrollers/{name}/scale` (kube's rc ScaleREST): the RC seen as an autoscaling/v1
 * Scale. Reads build the Scale from the RC; PUT and PATCH act on that Scale and write back only
 * spec.replicas, with the Scale's resourceVersion (= the RC's) as the optimistic-concurrency
 * precondition. This is what `kubectl scale rc` and the scale client use.
 */
import { ApiError, errors } from '../api/errors';
import type { FieldError } from '../api/errors';
import type { KubeObject, StoredObject } from '../api/types';
import { isRecord } from '../api/types';
import type { GetOptions, PatchOptions, PatchType, RequestContext, ResourceInfo, WriteOptions, WriteResult } from './rest';
import type { GenericStore } from './generic-store';
import type { Strategy } from './strategy';
import { NotAllowed } from './subresources';
import { applyPatch } from './patch-apply';
import { clone, getRec } from './object-util';
import { rcInfo, rcStrategy } from './strategies/replicationcontrollers';

const SCALE_API_VERSION = 'autoscaling/v1';

/** What discovery lists: `replicationcontrollers/scale`, kind Scale in autoscaling/v1. */
export const rcScaleInfo: ResourceInfo = {
  group: 'autoscaling',
  version: 'v1',
  resource: 'replicationcontrollers/scale',
  singularName: '',
  kind: 'Scale',
  listKind: 'ScaleList',
  namespaced: true,
  verbs: ['get', 'patch', 'update'],
};

/**
 * The RC strategy under the subresource's name, so managedFields record the write as made through
 * `scale` (kube's entries carry subresource "scale").
 */
const rcScaleStrategy: Strategy = { ...rcStrategy, info: { ...rcInfo, resource: 'replicationcontrollers/scale', verbs: rcScaleInfo.verbs } };

/** kube answers a missing RC with NotFound for the subresource in autoscaling. */
const SCALE_GR = { group: 'autoscaling', resource: 'replicationcontrollers/scale' };

/** labels.SelectorFromSet(...).String(): `k=v` pairs sorted by key, comma-separated. */
function selectorString(sel: Record<string, unknown> | undefined): string {
  return Object.keys(sel ?? {})
    .sort()
    .map((k) => `${k}=${String(sel![k])}`)
    .join(',');
}

export function scaleFromRc(rc: KubeObject): KubeObject {
  const m = rc.metadata ?? {};
  const metadata: Record<string, unknown> = { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp };
  const spec = getRec(rc, 'spec');
  const status = getRec(rc, 'status');
  return {
    apiVersion: SCALE_API_VERSION,
    kind: 'Scale',
    metadata: metadata as KubeObject['metadata'],
    spec: { replicas: typeof spec?.['replicas'] === 'number' ? spec['replicas'] : 0 },
    status: { replicas: typeof status?.['replicas'] === 'number' ? status['replicas'] : 0, selector: selectorString(getRec(spec, 'selector')) },
  };
}

/** kube's ValidateScale (the replicas rule; the name is checked against the URL before). */
function validateScale(scale: KubeObject): FieldError[] {
  const r = getRec(scale, 'spec')?.['replicas'];
  if (r === undefined || r === null) return [];
  if (typeof r !== 'number' || !Number.isInteger(r)) return [{ type: 'FieldValueInvalid', field: 'spec.replicas', value: r, detail: 'must be an integer' }];
  if (r < 0) return [{ type: 'FieldValueInvalid', field: 'spec.replicas', value: r, detail: 'must be greater than or equal to 0' }];
  return [];
}

export class ScaleREST extends NotAllowed {
  readonly info = rcScaleInfo;

  constructor(private readonly rcs: GenericStore) {
    super();
  }

  override async get(ctx: RequestContext, name: string, opts: GetOptions): Promise<KubeObject> {
    try {
      return scaleFromRc(await this.rcs.get(ctx, name, opts));
    } catch (err) {
      if (err instanceof ApiError && err.reason === 'NotFound') throw errors.notFound(SCALE_GR, name);
      throw err;
    }
  }

  override async update(ctx: RequestContext, name: string, body: KubeObject, opts: WriteOptions): Promise<WriteResult> {
    this.checkTypeMeta(body);
    const bodyName = body.metadata?.name ?? '';
    if (bodyName !== name) throw errors.badRequest(`the name of the object (${bodyName}) does not match the name on the URL (${name})`);
    const ns = body.metadata?.namespace;
    if (ns && ns !== ctx.namespace) throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
    const warnings = this.decodeWarnings(opts);
    // A Scale without resourceVersion is an unconditional update, as for the RC itself.
    const rv = body.metadata?.resourceVersion;
    const result = await this.write(ctx, name, () => ({ scale: body, conditional: typeof rv === 'string' && rv !== '' }), opts);
    result.warnings.unshift(...warnings);
    return result;
  }

  override async patch(ctx: RequestContext, name: string, type: PatchType, body: Buffer, opts: PatchOptions): Promise<WriteResult> {
    if (type === 'apply')
      throw errors.unsupportedMediaType('application/apply-patch+yaml (server-side apply is not served on replicationcontrollers/scale)');
    return this.write(
      ctx,
      name,
      (current) => {
        const { patched, patchRv } = applyPatch({ type, original: current, live: current, body, info: rcScaleInfo, name });
        this.checkTypeMeta(patched);
        const meta = isRecord(patched.metadata) ? patched.metadata : {};
        if (meta.name !== undefined && meta.name !== name)
          throw errors.badRequest(`the name of the object (${String(meta.name)}) does not match the name on the URL (${name})`);
        // Only a patch that sets resourceVersion makes it a precondition; others retry on conflicts.
        return { scale: patched, conditional: patchRv };
      },
      opts,
    );
  }

  /**
   * Read the RC, derive the desired Scale from its current Scale, and store the RC with only
   * spec.replicas changed. A Scale resourceVersion is a precondition on the RC (409 when stale).
   */
  private async write(ctx: RequestContext, name: string, desired: (current: KubeObject) => { scale: KubeObject; conditional: boolean }, opts: WriteOptions): Promise<WriteResult> {
    const result = await this.rcs.guaranteedObjectUpdate(
      rcScaleStrategy,
      ctx,
      name,
      (old: StoredObject | undefined) => {
        if (!old) throw errors.notFound(SCALE_GR, name);
        const current = scaleFromRc(old);
        const { scale, conditional } = desired(clone(current));
        const errs = validateScale(scale);
        if (errs.length > 0) throw errors.invalid('Scale', 'autoscaling', name, errs);
        const uid = scale.metadata?.uid;
        if (uid && uid !== old.metadata.uid)
          throw errors.conflict({ group: '', resource: 'replicationcontrollers' }, name, `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${old.metadata.uid ?? ''}`);
        const rc = clone(old);
        const spec = isRecord(rc['spec']) ? rc['spec'] : (rc['spec'] = {});
        spec['replicas'] = getRec(scale, 'spec')?.['replicas'] ?? 0;
        rc.metadata.resourceVersion = conditional ? String(scale.metadata?.resourceVersion) : old.metadata.resourceVersion;
        return { obj: rc, conditional };
      },
      { ...opts, decodeIssues: [] },
      false,
    );
    return { object: scaleFromRc(result.object), warnings: result.warnings };
  }

  private checkTypeMeta(obj: KubeObject): void {
    const kind = obj.kind;
    const apiVersion = obj.apiVersion;
    if ((kind !== undefined && kind !== '' && kind !== 'Scale') || (apiVersion !== undefined && apiVersion !== '' && apiVersion !== SCALE_API_VERSION))
      throw errors.badRequest(
        `${kind || 'Scale'} in version "${apiVersion || 'v1'}" cannot be handled as a Scale: the object provided is unrecognized (must be of type Scale)`,
      );
  }

  /** fieldValidation for unknown fields the decoder found in a PUT body (as the generic store does). */
  private decodeWarnings(opts: WriteOptions): string[] {
    const issues = opts.decodeIssues ?? [];
    if (issues.length === 0 || opts.fieldValidation === 'Ignore') return [];
    if (opts.fieldValidation === 'Strict') throw errors.badRequest(`Scale in version "v1" cannot be handled as a Scale: strict decoding error: ${issues.join(', ')}`);
    return [...issues];
  }
}
