/**
 * Storage errors interpreted per verb into catalog errors (kube's storage/errors InterpretGetError,
 * InterpretCreateError, ...), so every path answers with the same Status for the same failure.
 */
import { ApiError, errors } from '../api/errors';
import type { GroupResource } from '../api/errors';
import { isStorageError } from '../storage/errors';
import { CONTINUE_AT_LATEST, encodeContinue } from './continue-token';

export type Verb = 'get' | 'list' | 'create' | 'update' | 'delete' | 'watch';

export const CONTINUE_EXPIRED =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.';

export const LIST_EXPIRED = 'The resourceVersion for the provided list is too old.';

export interface InterpretOptions {
  continuing?: boolean;
  /** For a continued list: the key (relative to the list prefix) its token continues after. */
  continueKey?: string;
}

export function interpretStorageError(err: unknown, verb: Verb, gr: GroupResource, name: string, opts: InterpretOptions = {}): Error {
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
      if (verb === 'list' && opts.continuing) {
        // As kube's etcd3 store: the 410 carries a token for the rest of the list at the latest
        // revision, which the message offers the client.
        const e = errors.expired(CONTINUE_EXPIRED);
        if (opts.continueKey !== undefined) e.status.metadata = { continue: encodeContinue(CONTINUE_AT_LATEST, opts.continueKey) };
        return e;
      }
      if (verb === 'list') return errors.expired(LIST_EXPIRED);
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
