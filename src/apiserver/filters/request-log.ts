/**
 * Request lines at --v=2 and above (verb, path, code, latency), as kube-apiserver's httplog does.
 */
import type { RequestHandler } from 'express';
import { V, log } from '../../util/log';
import { requestInfo } from './request-info';

export function requestLog(): RequestHandler {
  return (req, res, next) => {
    if (!V(2)) return next();
    const start = process.hrtime.bigint();
    res.once('finish', () => {
      const info = requestInfo(req);
      log.info('HTTP', {
        verb: info.verb || req.method,
        URI: req.originalUrl,
        latency: `${(Number(process.hrtime.bigint() - start) / 1e6).toFixed(3)}ms`,
        userAgent: req.get('user-agent') ?? '',
        resp: res.statusCode,
      });
    });
    next();
  };
}
