import { isApiError, type Status } from '../../../src/api/errors';

/** Runs `fn`, asserts it throws an ApiError, and returns the Status for further assertions. */
export function catchStatus(fn: () => unknown): Status {
  try {
    fn();
  } catch (err) {
    if (isApiError(err)) return err.status;
    throw err;
  }
  throw new Error('expected an ApiError, but the call succeeded');
}
