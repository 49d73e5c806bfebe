import type { KeyValue, Storage } from './interface';
import { isStorageError } from './errors';

/**
 * Read-modify-write with retry on conflict, like kube's GuaranteedUpdate.
 *
 * `tryUpdate` gets the current KeyValue (or undefined when absent and `allowCreate`), and returns the
 * new value, or `null` to leave the key unchanged (the current KeyValue is then returned). Errors it
 * throws abort the loop and propagate. `suggestion` lets a caller skip the first read when it already
 * holds a recent copy (a stale one just costs one conflict and a re-read).
 */
export async function guaranteedUpdate(
  storage: Storage,
  key: string,
  tryUpdate: (current: KeyValue | undefined) => Buffer | null | Promise<Buffer | null>,
  opts: { allowCreate?: boolean; maxRetries?: number; suggestion?: KeyValue } = {},
): Promise<KeyValue> {
  const maxRetries = opts.maxRetries ?? 16;
  let current: KeyValue | undefined = opts.suggestion;
  let haveCurrent = current !== undefined;
  for (let attempt = 0; ; attempt++) {
    if (!haveCurrent) {
      current = await readOrUndefined(storage, key, opts.allowCreate === true);
      haveCurrent = true;
    }
    const next = await tryUpdate(current);
    if (next === null) {
      if (current === undefined) throw new Error(`guaranteedUpdate: no change requested for absent key ${key}`);
      return current;
    }
    try {
      return current === undefined ? await storage.create(key, next) : await storage.update(key, next, current.modRevision);
    } catch (err) {
      const retryable = isStorageError(err, 'Conflict') || (current === undefined && isStorageError(err, 'AlreadyExists'));
      if (!retryable || attempt >= maxRetries) throw err;
      haveCurrent = false;
    }
  }
}

async function readOrUndefined(storage: Storage, key: string, allowCreate: boolean): Promise<KeyValue | undefined> {
  try {
    return await storage.get(key);
  } catch (err) {
    if (allowCreate && isStorageError(err, 'NotFound')) return undefined;
    throw err;
  }
}
