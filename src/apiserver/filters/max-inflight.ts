/**
 * --max-requests-inflight / --max-mutating-requests-inflight: beyond the limits a request is
 * answered 429 with Retry-After at once, so overload degrades instead of queueing without bound.
 * Long-running requests (watches) don't count, as in kube-apiserver.
 */
import type { RequestHandler } from 'express';
import { errors } from '../../api/errors';
import { requestInfo } from './request-info';

export interface InflightLimits {
  /** Non-mutating requests in flight; 0 = unlimited. */
  readOnly: number;
  /** Mutating requests in flight; 0 = unlimited. */
  mutating: number;
}

export function maxInflight(limits: InflightLimits, onReject?: (mutating: boolean) => void): RequestHandler {
  let readOnly = 0;
  let mutating = 0;
  return (req, res, next) => {
    const info = requestInfo(req);
    if (info.longRunning) return next();
    const isMutating = info.mutating;
    const limit = isMutating ? limits.mutating : limits.readOnly;
    const current = isMutating ? mutating : readOnly;
    if (limit > 0 && current >= limit) {
      onReject?.(isMutating);
      const err = errors.tooManyRequests(1);
      res.status(429).set('Retry-After', '1').type('application/json').send(JSON.stringify(err.status));
      return;
    }
    if (isMutating) mutating++;
    else readOnly++;
    let done = false;
    const release = (): void => {
      if (done) return;
      done = true;
      if (isMutating) mutating--;
      else readOnly--;
    };
    res.once('finish', release);
    res.once('close', release);
    next();
  };
}
