/**
 * One real `km apiserver` (embedded store) for the bad-input and fuzz tests, and a raw HTTP client
 * that tolerates a server closing the connection mid-upload (as it must for an oversized body).
 */
import http from 'node:http';
import net from 'node:net';
import { startKm, tempDir, type KmProcess } from '../helpers/km-process';

export interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  json: Record<string, unknown> | undefined;
}

export interface Server {
  km: KmProcess;
  url: string;
  stop(): Promise<void>;
}

export async function startServer(): Promise<Server> {
  const d = tempDir('km-fuzz-');
  const km = await startKm('apiserver', { args: [`--data-dir=${d.dir}`, '--compaction-interval=0'], readyPath: '/readyz' });
  return {
    km,
    url: km.url,
    async stop() {
      await km.kill9();
      d.cleanup();
    },
  };
}

/** One request on a fresh connection; `body` may be a Buffer or chunks written without a length. */
export function raw(
  base: string,
  method: string,
  path: string,
  opts: { body?: Buffer; chunked?: Buffer[]; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
    if (opts.body) headers['content-length'] = String(opts.body.length);
    const req = http.request(base + path, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        let json: Record<string, unknown> | undefined;
        try {
          json = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json });
      });
      res.on('error', reject);
    });
    // The server may answer (413) and close before the upload is done: the write error is expected.
    req.on('error', (err) => setTimeout(() => reject(err), 200));
    req.setTimeout(opts.timeoutMs ?? 15_000, () => req.destroy(new Error(`${method} ${path} timed out`)));
    if (opts.chunked) {
      for (const c of opts.chunked) req.write(c);
      req.end();
    } else req.end(opts.body);
  });
}

/** Send raw bytes on a socket and resolve the first bytes of the answer (for malformed HTTP). */
export function rawSocket(port: number, bytes: Buffer, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let out = '';
    const done = (): void => {
      s.destroy();
      resolve(out);
    };
    s.on('connect', () => s.write(bytes, () => undefined));
    s.on('data', (d) => {
      out += d.toString('latin1');
      if (out.includes('\r\n\r\n')) done();
    });
    s.on('error', done);
    s.on('close', done);
    setTimeout(done, timeoutMs).unref();
  });
}

/** The global revision as a consistent list reports it: unchanged means nothing was written. */
/**
 * What the API holds, as `kind/namespace/name@resourceVersion` lines: any object a request created,
 * changed or deleted shows here. (The global revision also moves with the API server's own lease
 * renewals, so it cannot say "nothing stored".)
 */
export async function storedState(base: string): Promise<string> {
  const lines: string[] = [];
  for (const resource of ['configmaps', 'secrets', 'pods', 'services', 'endpoints', 'replicationcontrollers', 'events', 'namespaces', 'nodes']) {
    const r = await raw(base, 'GET', `/api/v1/${resource}`);
    if (r.status !== 200) throw new Error(`list ${resource}: ${r.status}`);
    for (const item of (r.json?.items ?? []) as Array<{ metadata: { namespace?: string; name: string; resourceVersion: string } }>) {
      lines.push(`${resource}/${item.metadata.namespace ?? ''}/${item.metadata.name}@${item.metadata.resourceVersion}`);
    }
  }
  return lines.sort().join('\n');
}

export async function ready(base: string): Promise<number> {
  return (await raw(base, 'GET', '/readyz')).status;
}

/** True when the answer is a Kubernetes Status of Failure carrying this HTTP code. */
export function isStatus(a: Answer, code: number): boolean {
  return a.json?.kind === 'Status' && a.json.status === 'Failure' && a.json.code === code && a.status === code;
}

/**
 * POST a body with its Content-Length over a raw socket, in chunks, and read the answer even if the
 * server answers and closes before the upload is done (what it must do for an oversized body;
 * Node's http client reports EPIPE then and drops the response).
 */
export function upload(port: number, path: string, body: Buffer, timeoutMs = 15_000): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      s.destroy();
      const all = Buffer.concat(chunks);
      const sep = all.indexOf('\r\n\r\n');
      if (sep < 0) {
        reject(new Error(`no HTTP answer (${all.length} bytes)`));
        return;
      }
      const head = all.subarray(0, sep).toString('latin1').split('\r\n');
      const status = Number(head[0]!.split(' ')[1]);
      const headers: Record<string, string> = {};
      for (const line of head.slice(1)) {
        const i = line.indexOf(':');
        headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
      }
      const len = Number(headers['content-length'] ?? all.length - sep - 4);
      const b = all.subarray(sep + 4, sep + 4 + len);
      let json: Record<string, unknown> | undefined;
      try {
        json = JSON.parse(b.toString('utf8')) as Record<string, unknown>;
      } catch {
        json = undefined;
      }
      resolve({ status, headers, body: b, json });
    };
    s.on('connect', () => {
      s.write(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`);
      let off = 0;
      const pump = (): void => {
        while (off < body.length && !s.destroyed) {
          const part = body.subarray(off, off + 64 * 1024);
          off += part.length;
          if (!s.write(part)) {
            s.once('drain', pump);
            return;
          }
        }
      };
      pump();
    });
    s.on('data', (d: Buffer) => chunks.push(d));
    s.on('error', () => undefined); // EPIPE/ECONNRESET after the server's answer: expected
    s.on('close', finish);
    setTimeout(finish, timeoutMs).unref();
  });
}
