/**
 * The one error renderer (`sendError`; express's error handler is a wrapper of it, the core API's
 * direct path calls it): every ApiError is rendered as its Status with its HTTP code; storage errors
 * are interpreted; anything else becomes a 500 InternalError Status.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ErrorRequestHandler } from 'express';
import { ApiError, errors } from '../api/errors';
import { isStorageError } from '../storage/errors';
import { interpretStorageError } from '../registry/storage-errors';
import type { StoreLogger } from '../registry/generic-store';
import { MAX_REQUEST_BODY_BYTES } from './body';

export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (isStorageError(err)) {
    const e = interpretStorageError(err, 'get', { group: '', resource: '' }, '');
    if (e instanceof ApiError) return e;
  }
  // Errors from body parsers mounted by other routers carry an HTTP status.
  const status = (err as { status?: unknown } | null)?.status;
  if (status === 413) return errors.requestEntityTooLarge(`Request entity too large: limit is ${MAX_REQUEST_BODY_BYTES}`);
  if (status === 400) return errors.badRequest(err instanceof Error ? err.message : String(err));
  return errors.internal(err);
}

/** Renders `err` as its Status on `res` (or cuts the connection when a response is already under way). */
export function sendError(err: unknown, req: IncomingMessage, res: ServerResponse, logger?: StoreLogger): void {
  const apiErr = toApiError(err);
  if (apiErr.code >= 500 && apiErr.code !== 503)
    logger?.warn('request failed', { method: req.method, url: req.url, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = Buffer.from(JSON.stringify(apiErr.status));
  res.statusCode = apiErr.code;
  const retry = apiErr.status.details?.retryAfterSeconds;
  if (retry) res.setHeader('Retry-After', String(retry));
  res.setHeader('Content-Type', 'application/json');
  res.setHeader('Content-Length', String(body.length));
  if (apiErr.code === 413) discardRestOfBody(req);
  res.end(body);
}

/** The express form of sendError, last in the app. */
export function errorHandler(logger?: StoreLogger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => sendError(err, req, res, logger);
}

/** Bytes and time a refused upload may keep sending after its 413 before the connection is cut. */
const DISCARD_LIMIT_BYTES = 64 * 1024 * 1024;
const DISCARD_LIMIT_MS = 5_000;

/**
 * After a 413 the rest of the upload is read and thrown away (never buffered), so the client gets
 * to read the answer: closing a socket that still has unread data makes the kernel send a reset,
 * which destroys the 413 in flight. This is a lingering close, as Go's server and Apache do: when
 * Node closes the connection after the response we only half-close (FIN after the 413), keep
 * reading, and close once the client has finished sending. A client that keeps sending past the
 * byte or time bound is cut off.
 */
function discardRestOfBody(req: IncomingMessage): void {
  if (req.readableEnded) return;
  const socket = req.socket;
  let discarded = 0;
  const cut = (): void => {
    socket.destroy();
  };
  const timer = setTimeout(cut, DISCARD_LIMIT_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
  socket.destroySoon = () => {
    if (!socket.writableEnded) socket.end();
    if (req.readableEnded) cut();
  };
  req.removeAllListeners('data');
  req.on('data', (c: Buffer) => {
    discarded += c.length;
    if (discarded > DISCARD_LIMIT_BYTES) cut();
  });
  req.once('end', () => {
    clearTimeout(timer);
    // Everything the client sent has been read: closing can no longer reset the answer.
    if (socket.writableEnded) cut();
  });
  req.resume();
}
