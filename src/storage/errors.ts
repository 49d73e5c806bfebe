/**
 * Coded errors raised by storage backends. The registry interprets them per verb (e.g. NotFound on
 * create of a missing namespace vs on get), and the HTTP layer renders the result as a Status.
 */
export type StorageErrorCode =
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Expired'
  | 'TooLargeResourceVersion'
  | 'RequestEntityTooLarge'
  | 'Unavailable'
  | 'Timeout'
  /** The backend refuses writes until an operator frees space (etcd's NOSPACE alarm). */
  | 'NoSpace'
  | 'InvalidObject'
  | 'Internal';

export class StorageError extends Error {
  override readonly name = 'StorageError';
  constructor(
    readonly code: StorageErrorCode,
    readonly key: string,
    message?: string,
    /** For Conflict / Expired: the current or compacted revision that caused it, when known. */
    readonly revision?: number,
    options?: { cause?: unknown },
  ) {
    super(message ?? `${code}: ${key}`, options);
  }
}

export function isStorageError(err: unknown, code?: StorageErrorCode): err is StorageError {
  return err instanceof StorageError && (code === undefined || err.code === code);
}

export const notFound = (key: string): StorageError => new StorageError('NotFound', key, `key not found: ${key}`);
export const alreadyExists = (key: string): StorageError =>
  new StorageError('AlreadyExists', key, `key already exists: ${key}`);
export const conflict = (key: string, currentRevision?: number): StorageError =>
  new StorageError('Conflict', key, `key modified: ${key}`, currentRevision);
export const expired = (key: string, requested: number, compacted: number): StorageError =>
  new StorageError('Expired', key, `too old resource version: ${requested} (${compacted})`, compacted);
export const tooLarge = (key: string, size: number, limit: number): StorageError =>
  new StorageError('RequestEntityTooLarge', key, `request is too large: ${size} bytes exceeds ${limit}`);
export const unavailable = (key: string, cause?: unknown): StorageError =>
  new StorageError('Unavailable', key, `storage unavailable${cause instanceof Error ? `: ${cause.message}` : ''}`, undefined, {
    cause,
  });
