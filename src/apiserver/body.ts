/**
 * Reading request bodies with kube's 3 MiB limit, refusing (413) as soon as the declared or received
 * size passes it, without buffering more than the limit.
 */
import type { IncomingMessage } from 'node:http';
import { errors } from '../api/errors';

export const MAX_REQUEST_BODY_BYTES = 3 * 1024 * 1024;

export function tooLarge(limit = MAX_REQUEST_BODY_BYTES): Error {
  return errors.requestEntityTooLarge(`Request entity too large: limit is ${limit}`);
}

export function readBody(req: IncomingMessage, limit = MAX_REQUEST_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    // Refuse before reading; the error handler discards the rest unbuffered after answering 413.
    req.pause();
    return Promise.reject(tooLarge(limit));
  }
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const onData = (c: Buffer): void => {
      if (done) return;
      size += c.length;
      if (size > limit) {
        done = true;
        req.off('data', onData);
        req.pause();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(c);
    };
    req.on('data', onData);
    req.once('end', () => {
      if (done) return;
      done = true;
      resolve(Buffer.concat(chunks));
    });
    req.once('error', (err) => {
      if (done) return;
      done = true;
      reject(err);
    });
  });
}
