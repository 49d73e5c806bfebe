/**
 * Maps what `etcd3` / grpc-js throw onto km's StorageError codes, and decides which failures are
 * safe to retry.
 */
import {
  ClientClosedError,
  GRPCCancelledError,
  GRPCDeadlineExceededError,
  GRPCUnavailableError,
  isRecoverableError,
} from 'etcd3';
import { StorageError, unavailable, type StorageErrorCode } from './errors';
import { MAX_VALUE_BYTES } from './interface';

export const COMPACTED_MSG = 'required revision has been compacted';
export const FUTURE_REV_MSG = 'required revision is a future revision';
/** etcd's answer to a write while its NOSPACE alarm is raised (quota exceeded). */
export const NOSPACE_MSG = 'etcdserver: mvcc: database space exceeded';

export function isCompactedError(err: unknown): boolean {
  return err instanceof Error && err.message.includes(COMPACTED_MSG);
}

export function isFutureRevisionError(err: unknown): boolean {
  return err instanceof Error && err.message.includes(FUTURE_REV_MSG);
}

function isTimeout(err: Error): boolean {
  return err instanceof GRPCDeadlineExceededError || /etcdserver: request timed out|context deadline exceeded/.test(err.message);
}

/** Connection-level or leader-level trouble: the backend may work again shortly. */
export function isUnavailableError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (isTimeout(err)) return true;
  return (
    err instanceof GRPCUnavailableError ||
    err instanceof GRPCCancelledError ||
    err instanceof ClientClosedError ||
    isRecoverableError(err) ||
    /no leader|leader changed|too many requests|not capable|stopped|connection|ECONNREFUSED|ECONNRESET|socket/i.test(err.message)
  );
}

/**
 * True when the request provably never reached etcd (no connection was established), so even a
 * write can be retried on another endpoint without risking a double apply.
 */
export function neverSent(err: unknown): boolean {
  return err instanceof Error && (/No connection established|ECONNREFUSED|Failed to connect/i.test(err.message) || waitedForConnection(err));
}

/**
 * A deadline that expired while grpc-js was still waiting for a connection to send on ("Waiting
 * for LB pick": etcd unreachable, or accepting TCP but not answering, as a frozen process does).
 * The call never reached etcd, so it is Unavailable rather than a Timeout of unknown outcome.
 */
function waitedForConnection(err: Error): boolean {
  return isTimeout(err) && err.message.includes('Waiting for LB pick');
}

/** Translate any thrown value into a StorageError for `key`. StorageErrors pass through. */
export function toStorageError(err: unknown, key: string): StorageError {
  if (err instanceof StorageError) return err;
  if (!(err instanceof Error)) return new StorageError('Internal', key, String(err));
  const msg = err.message;
  let code: StorageErrorCode;
  if (msg.includes(COMPACTED_MSG)) code = 'Expired';
  else if (msg.includes(FUTURE_REV_MSG)) code = 'TooLargeResourceVersion';
  else if (msg.includes('request is too large')) {
    return new StorageError('RequestEntityTooLarge', key, `etcd: request is too large (limit about ${MAX_VALUE_BYTES} bytes)`, undefined, { cause: err });
  }
  else if (msg.includes('database space exceeded')) {
    // Not transient: writes stay refused until an operator compacts, defragments and disarms the
    // alarm, so not Unavailable (a 503 that invites retries) but etcd's own words, as kube passes them.
    return new StorageError('NoSpace', key, NOSPACE_MSG, undefined, { cause: err });
  }
  else if (waitedForConnection(err)) return unavailable(key, err);
  else if (isTimeout(err)) code = 'Timeout';
  else if (isUnavailableError(err)) return unavailable(key, err);
  else code = 'Internal';
  return new StorageError(code, key, `etcd: ${msg}`, undefined, { cause: err });
}
