/** A minimal keep-alive HTTP client for the load generator: status, body bytes, time to last byte. */
import http from 'node:http';

export interface HttpResult {
  status: number;
  body: Buffer;
  ms: number;
}

export class HttpLoad {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  constructor(readonly base: string) {}

  request(method: string, path: string, body?: Buffer, headers: Record<string, string> = {}): Promise<HttpResult> {
    const t0 = performance.now();
    return new Promise((resolve, reject) => {
      const h: Record<string, string> = { accept: 'application/json', ...headers };
      if (body) {
        h['content-type'] ??= 'application/json';
        h['content-length'] = String(body.length);
      }
      const req = http.request(this.base + path, { method, headers: h, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), ms: performance.now() - t0 }));
        res.on('error', reject);
      });
      req.setTimeout(60_000, () => req.destroy(new Error(`${method} ${path} timed out`)));
      req.on('error', reject);
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

  close(): void {
    this.agent.destroy();
  }
}
