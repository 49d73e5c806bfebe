/** A minimal keep-alive HTTP client for the load generator: status, headers, body bytes, time to last byte. */
import http from 'node:http';
import type { Socket } from 'node:net';

const IDLE_MS = 2000;

export interface HttpResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  ms: number;
}

export interface HttpLoadOptions {
  /** Sockets per host (default 256); overload runs lift it so the server, not the client, queues. */
  maxSockets?: number;
  timeoutMs?: number;
}

export class HttpLoad {
  private readonly agent: http.Agent;
  private readonly timeoutMs: number;

  constructor(
    readonly base: string,
    opts: HttpLoadOptions = {},
  ) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets: opts.maxSockets ?? 256 });
    // Idle sockets close on our side after 2 s, well before the server's 5 s keep-alive timeout, so
    // a request is never sent on a socket the server is closing. (Not the agent's `timeout` option:
    // that one also limits connecting, which under overload is the server's to be slow at.) The
    // agent's own 'free' handler runs first and sets the server's hint; this overrides it, and
    // a request's setTimeout replaces it again when the socket is reused.
    this.agent.on('free', (socket: Socket) => socket.setTimeout(IDLE_MS));
    this.timeoutMs = opts.timeoutMs ?? 60_000;
  }

  request(method: string, path: string, body?: Buffer, headers: Record<string, string> = {}): Promise<HttpResult> {
    return this.send(method, path, body, headers, true);
  }

  /** Like request, but only counts the body's bytes (large LISTs: no client-side buffering). */
  async count(method: string, path: string): Promise<{ status: number; bytes: number; ms: number; head: string }> {
    const r = await this.send(method, path, undefined, {}, false);
    return { status: r.status, bytes: r.bytes, ms: r.ms, head: r.head };
  }

  /** `keep: false` drops the body as it arrives (`bytes` counts it; `head` keeps its first 2 KB). */
  private async send(
    method: string,
    path: string,
    body: Buffer | undefined,
    headers: Record<string, string>,
    keep: boolean,
  ): Promise<HttpResult & { bytes: number; head: string }> {
    try {
      return await this.sendOnce(method, path, body, headers, keep);
    } catch (err) {
      // A keep-alive socket the server closed as we reused it (Node's documented race): a read
      // is safe to send again; a write's outcome is unknown, so it stays an error.
      if ((method === 'GET' || method === 'HEAD') && (err as { reused?: boolean }).reused === true) return this.sendOnce(method, path, body, headers, keep);
      throw err;
    }
  }

  private sendOnce(
    method: string,
    path: string,
    body: Buffer | undefined,
    headers: Record<string, string>,
    keep: boolean,
  ): Promise<HttpResult & { bytes: number; head: string }> {
    const t0 = performance.now();
    return new Promise((resolve, reject) => {
      const h: Record<string, string> = { accept: 'application/json', ...headers };
      if (body) {
        h['content-type'] ??= 'application/json';
        h['content-length'] = String(body.length);
      }
      const req = http.request(this.base + path, { method, headers: h, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        let bytes = 0;
        let head = '';
        res.on('data', (c: Buffer) => {
          bytes += c.length;
          if (head.length < 2048) head += c.toString('utf8', 0, Math.min(c.length, 2048 - head.length));
          if (keep) chunks.push(c);
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), bytes, head, ms: performance.now() - t0 }),
        );
        res.on('error', reject);
      });
      req.setTimeout(this.timeoutMs, () => req.destroy(new Error(`${method} ${path} timed out`)));
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (req.reusedSocket && err.code === 'ECONNRESET') Object.assign(err, { reused: true });
        reject(err);
      });
      req.end(body);
    });
  }

  /** Like request, but throws unless the status is `want` (or 2xx when not given). */
  async expect(method: string, path: string, body?: Buffer, want?: number): Promise<HttpResult> {
    const r = await this.request(method, path, body);
    const ok = want !== undefined ? r.status === want : r.status >= 200 && r.status < 300;
    if (!ok) throw new Error(`${method} ${path}: HTTP ${r.status} ${r.body.toString('utf8', 0, 300)}`);
    return r;
  }

  /** Parsed JSON of a 2xx answer. */
  async json<T>(method: string, path: string, body?: Buffer): Promise<T> {
    return JSON.parse((await this.expect(method, path, body)).body.toString('utf8')) as T;
  }

  /** Opens `n` keep-alive connections (cheap GETs of /livez), so a timed run does not start with n connects. */
  async warm(n: number): Promise<void> {
    await Promise.all(Array.from({ length: n }, () => this.request('GET', '/livez')));
  }

  close(): void {
    this.agent.destroy();
  }
}
