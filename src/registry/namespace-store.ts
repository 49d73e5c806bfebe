/**
 * The namespaces store: a generic store whose delete first marks the namespace Terminating (kube's
 * registry/core/namespace/storage): it is removed only once spec.finalizers is empty, which the
 * namespace controller arranges through /finalize after emptying the namespace. That /finalize
 * update (or any update leaving a Terminating namespace without finalizers) removes it.
 */
import { errors } from '../api/errors';
import type { KubeObject, StoredObject } from '../api/types';
import type { DeleteOptions, DeleteResult, RequestContext } from './rest';
import { GenericStore } from './generic-store';
import { clone, getArr, getRec, metaOf, nowRfc3339 } from './object-util';
import { isStorageError } from '../storage/errors';
import { interpretStorageError } from './storage-errors';
import { IMMORTAL_NAMESPACES } from './strategies/namespaces';

const MAX_RETRIES = 16;

export class NamespaceStore extends GenericStore {
  /** kube's ShouldDeleteNamespaceDuringUpdate: the generic rule, and spec.finalizers empty too. */
  protected override shouldDeleteDuringUpdate(obj: KubeObject, old: StoredObject): boolean {
    return getArr(getRec(obj, 'spec'), 'finalizers').length === 0 && super.shouldDeleteDuringUpdate(obj, old);
  }

  override async delete(ctx: RequestContext, name: string, opts: DeleteOptions): Promise<DeleteResult> {
    if (IMMORTAL_NAMESPACES.includes(name)) throw errors.forbidden(this.gr, name, 'this namespace may not be deleted');
    const key = this.keyFor('', name);
    for (let attempt = 0; ; attempt++) {
      let kv;
      try {
        kv = await this.storage.get(key);
      } catch (err) {
        throw interpretStorageError(err, 'delete', this.gr, name);
      }
      const ns = this.decodeOrFail(kv, name);
      this.checkPreconditions(ns, opts, name);
      if (ns.metadata.deletionTimestamp) {
        if (getArr(getRec(ns, 'spec'), 'finalizers').length > 0) return { object: ns, deleted: false };
        return super.delete(ctx, name, opts);
      }
      const next = clone(ns);
      const meta = metaOf(next);
      meta.deletionTimestamp = nowRfc3339();
      next['status'] = { ...(getRec(next, 'status') ?? {}), phase: 'Terminating' };
      if (opts.dryRun) return { object: next, deleted: false };
      try {
        const out = await this.storage.update(key, this.encode(next), kv.modRevision);
        this.noteWrite(out.modRevision);
        return { object: this.decodeOrFail(out, name), deleted: false };
      } catch (err) {
        if (isStorageError(err, 'Conflict') && attempt < MAX_RETRIES) continue;
        throw interpretStorageError(err, 'delete', this.gr, name);
      }
    }
  }
}
