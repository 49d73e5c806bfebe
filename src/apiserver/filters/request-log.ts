/**
 * Request lines at --v=2 and above (verb, path, code, latency), as kube-apiserver's httplog does.
 */
import type { Filter } from './filter';
import { V, log } from '../../util/log';
import { requestInfo } from './request-info';

export function requestLog(): Filter {
  return (req, res, next) => {
    if (!V(2)) return next();
    const start = process.hrtime.bigint();
    // Taken now: a mounted express router rewrites req.url while it runs.
    const uri = req.url;
    res.once('finish', () => {
      const info = requestInfo(req);
      log.info('HTTP', {
        verb: info.verb || req.method,
        URI: uri,
        latency: `${(Number(process.hrtime.bigint() - start) / 1e6).toFixed(3)}ms`,
        userAgent: req.headers['user-agent'] ?? '',
        resp: res.statusCode,
      });
    });
    next();
  };
}
