/**
 * Serving an ApiWatcher over HTTP: chunked JSON lines, or WebSocket frames when the request upgrades.
 *
 * Both paths respect backpressure (they stop pulling events while the socket is full, so a stuck
 * client only makes its own watcher lag until the watch cache cuts it off), end the watcher on
 * client disconnect, and apply kube's server-side timeout with jitter so reconnects spread out.
 */
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ApiWatchEvent, ApiWatcher } from '../watch/types';
import { chunkFrame, eventBytes, eventChunk, errorEvent, toApiError } from '../watch/event-encoding';
import { hasStopNotifier } from '../watch/cache-watcher';
import { errors, type Status } from '../api/errors';

export type WatchEventEncoder = (ev: ApiWatchEvent) => unknown;

export interface ServeWatchOptions {
  /** Client's timeoutSeconds; absent or 0 means the server default (30–60 min, jittered). */
  timeoutSeconds?: number;
  /** Per-event transform (e.g. Table rows for `as=Table`); disables the shared line cache. */
  encode?: WatchEventEncoder;
}

/** kube's minRequestTimeout (1800 s) times a factor in [1, 2). */
export function defaultWatchTimeoutMs(random: () => number = Math.random): number {
  return Math.floor(1800_000 * (1 + random()));
}

/** After a watch ends, how long a client that stopped reading may hold the socket. */
const STUCK_SOCKET_GRACE_MS = 5_000;
/** WebSocket bytes queued before we wait for the socket to take them. */
const WS_HIGH_WATER = 256 * 1024;

function timeoutMs(seconds: number | undefined): number {
  return seconds !== undefined && seconds > 0 ? seconds * 1000 : defaultWatchTimeoutMs();
}

function encodeLine(ev: ApiWatchEvent, encode: WatchEventEncoder | undefined): Buffer {
  if (encode === undefined || ev.type === 'ERROR') return eventBytes(ev);
  return Buffer.from(JSON.stringify(encode(ev)) + '\n');
}

/** Stream `watcher` as a chunked HTTP response, one JSON object per line, flushed per event. */
export function serveWatch(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  watcher: ApiWatcher,
  opts: ServeWatchOptions = {},
): void {
  res.statusCode = 200;
  res.setHeader('Content-Type', 'application/json');
  // HTTP/1.0 has no chunked encoding: its stream is the bytes until the server closes (as Go's
  // server does for a 1.0 client); Node then leaves the lines unframed and closes at the end.
  if (req.httpVersionMajor > 1 || (req.httpVersionMajor === 1 && req.httpVersionMinor >= 1)) res.setHeader('Transfer-Encoding', 'chunked');
  res.flushHeaders();

  let done = false;
  const finish = (): void => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    watcher.close();
  };
  const timer = setTimeout(() => {
    // Server-side timeout: a clean end of stream, which clients answer by re-watching.
    finish();
  }, timeoutMs(opts.timeoutSeconds));
  timer.unref();
  res.on('close', finish);
  req.on('aborted', finish);

  // With the headers on the socket and nothing else queued, chunks go straight to the socket: one
  // write of a frame shared by every watcher of the event, instead of the response's per-write
  // framing (three buffers and a cork per event and watcher, which a fan-out pays a thousand times).
  const socket = res.socket;
  const direct = socket !== null && res.chunkedEncoding && res.writableLength === socket.writableLength;
  const send = (ev: ApiWatchEvent, line: Buffer | undefined): boolean => {
    if (!direct) return res.write(line ?? eventBytes(ev));
    return socket.write(line === undefined ? eventChunk(ev) : chunkFrame(line));
  };

  void (async () => {
    try {
      for await (const ev of watcher) {
        if (res.destroyed) break;
        let line: Buffer | undefined;
        try {
          line = opts.encode === undefined || ev.type === 'ERROR' ? undefined : encodeLine(ev, opts.encode);
        } catch (err) {
          send(errorEvent(toApiError(err)), undefined);
          break;
        }
        if (!send(ev, line)) await drained(direct ? socket : res, watcher);
      }
    } finally {
      finish();
      endStuckAware(res);
    }
  })();
}

/** Wait for the socket to take more, or for the response or watcher to end. */
function drained(res: http.ServerResponse | Duplex, watcher: ApiWatcher): Promise<void> {
  return new Promise<void>((resolve) => {
    const settle = (): void => {
      res.off('drain', settle);
      res.off('close', settle);
      unsubscribe();
      resolve();
    };
    res.once('drain', settle);
    res.once('close', settle);
    const unsubscribe = hasStopNotifier(watcher) ? watcher.onStop(settle) : () => undefined;
  });
}

function endStuckAware(res: http.ServerResponse): void {
  if (res.destroyed || res.writableEnded) return;
  res.end();
  if (res.writableFinished) return;
  // A client that stopped reading never lets the response finish; do not hold its socket forever.
  const t = setTimeout(() => res.destroy(), STUCK_SOCKET_GRACE_MS);
  t.unref();
  res.once('finish', () => clearTimeout(t));
  res.once('close', () => clearTimeout(t));
}

export interface WebSocketWatchTarget {
  watcher: ApiWatcher;
  encode?: WatchEventEncoder;
  timeoutSeconds?: number;
}

/** Subprotocols: base64 text frames, binary frames, or (none) plain text frames. */
export const BASE64_PROTOCOL = 'base64.binary.k8s.io';
export const BINARY_PROTOCOL = 'binary.k8s.io';

/**
 * Serve watches over WebSocket on `server`'s upgrade requests. `resolve` maps a request to its
 * watcher (throwing an ApiError to refuse with that Status before the upgrade), or null when the URL
 * is not a watch: then another upgrade handler may take it, or, if there is none, it gets a 404.
 */
export function attachWebSocketWatch(
  server: http.Server,
  resolve: (req: http.IncomingMessage) => Promise<WebSocketWatchTarget | null>,
): WebSocketServer {
  const wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (protocols) => (protocols.has(BASE64_PROTOCOL) ? BASE64_PROTOCOL : protocols.has(BINARY_PROTOCOL) ? BINARY_PROTOCOL : false),
  });
  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    void (async () => {
      let target: WebSocketWatchTarget | null;
      try {
        target = await resolve(req);
      } catch (err) {
        rejectUpgrade(socket, toApiError(err).status);
        return;
      }
      if (target === null) {
        if (server.listenerCount('upgrade') <= 1) rejectUpgrade(socket, notFoundStatus());
        return;
      }
      const t = target;
      if (socket.destroyed) {
        t.watcher.close();
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => streamToWebSocket(ws, t));
    })();
  });
  return wss;
}

function streamToWebSocket(ws: WebSocket, target: WebSocketWatchTarget): void {
  const { watcher, encode } = target;
  const mode = ws.protocol === BASE64_PROTOCOL ? 'base64' : ws.protocol === BINARY_PROTOCOL ? 'binary' : 'text';
  let done = false;
  const finish = (): void => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    watcher.close();
  };
  const timer = setTimeout(finish, timeoutMs(target.timeoutSeconds));
  timer.unref();
  ws.on('close', finish);
  ws.on('error', finish);

  void (async () => {
    try {
      for await (const ev of watcher) {
        if (ws.readyState !== ws.OPEN) break;
        let line: Buffer;
        try {
          line = encodeLine(ev, encode);
        } catch (err) {
          ws.send(eventBytes(errorEvent(toApiError(err))), { binary: false });
          break;
        }
        const payload = mode === 'base64' ? line.toString('base64') : line;
        const frame = { binary: mode === 'binary' };
        if (ws.bufferedAmount < WS_HIGH_WATER) {
          ws.send(payload, frame);
        } else {
          await new Promise<void>((resolve) => {
            let settled = false;
            const settle = (): void => {
              if (settled) return;
              settled = true;
              ws.off('close', settle);
              unsubscribe();
              resolve();
            };
            ws.once('close', settle);
            const unsubscribe = hasStopNotifier(watcher) ? watcher.onStop(settle) : () => undefined;
            ws.send(payload, frame, settle);
          });
        }
      }
    } finally {
      finish();
      if (ws.readyState === ws.OPEN) ws.close(1000);
      const t = setTimeout(() => ws.terminate(), STUCK_SOCKET_GRACE_MS);
      t.unref();
      ws.once('close', () => clearTimeout(t));
    }
  })();
}

const REASON_PHRASES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  410: 'Gone',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** kube's generic 404 for a path it does not serve. */
function notFoundStatus(): Status {
  return errors.pathNotFound().status;
}

/** Answer an upgrade request with a plain HTTP Status response (the upgrade never happens). */
function rejectUpgrade(socket: Duplex, status: { code: number }): void {
  if (socket.destroyed) return;
  const body = JSON.stringify(status);
  socket.end(
    `HTTP/1.1 ${status.code} ${REASON_PHRASES[status.code] ?? 'Error'}\r\n` +
      'Content-Type: application/json\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
}
