/**
 * Storage errors interpreted per verb into catalog errors (kube's storage/errors InterpretGetError,
 * InterpretCreateError, ...), so every path answers with the same Status for the same failure.
 */
import { ApiError, errors } from '../api/errors';
import type { GroupResource } from '../api/errors';
import { isStorageError } from '../storage/errors';

export type Verb = 'get' | 'list' | 'create' | 'update' | 'delete' | 'watch';

export const CONTINUE_EXPIRED =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.';

export const LIST_EXPIRED = 'The resourceVersion for the provided list is too old.';

export function interpretStorageError(err: unknown, verb: Verb, gr: GroupResource, name: string, opts: { continuing?: boolean } = {}): Error {
  if (err instanceof ApiError) return err;
  if (!isStorageError(err)) return errors.internal(err);
  switch (err.code) {
    case 'NotFound':
      return errors.notFound(gr, name);
    case 'AlreadyExists':
      return errors.alreadyExists(gr, name);
    case 'Conflict':
      return errors.conflictModified(gr, name);
    case 'Expired':
      if (verb === 'list') return errors.expired(opts.continuing ? CONTINUE_EXPIRED : LIST_EXPIRED);
      return errors.expired(err.message);
    case 'TooLargeResourceVersion':
      return errors.resourceVersionTooLarge(`Too large resource version: ${err.message}`);
    case 'RequestEntityTooLarge':
      return errors.storageTooLarge();
    case 'Unavailable':
      return errors.serviceUnavailable();
    case 'Timeout':
      return errors.timeout(`Timeout: request did not complete within the allotted timeout`);
    case 'NoSpace':
      // kube-apiserver does not convert etcd's quota error: a 500 with no reason and etcd's message.
      return errors.storagePassthrough(err.message);
    default:
      return errors.internal(err);
  }
}
