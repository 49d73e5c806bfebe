import http from 'node:http';
import { startLive } from './harness';
import type { LiveServer } from './harness';

let s: LiveServer;
beforeAll(async () => {
  s = await startLive();
});
afterAll(async () => {
  await s.close();
});

interface Ev {
  type: string;
  object: { metadata?: { name?: string; resourceVersion?: string }; code?: number; reason?: string };
}

async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${s.url}${path}`, {
    method,
    headers: { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Open a watch and collect `count` events (bounded by a deadline). */
function watch(path: string): { events: Ev[]; next(count: number): Promise<Ev[]>; close(): void } {
  const events: Ev[] = [];
  let buf = '';
  let waiter: (() => void) | undefined;
  const req = http.get(`${s.url}${path}`, (res) => {
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => {
      buf += chunk;
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (line.trim()) events.push(JSON.parse(line) as Ev);
      }
      waiter?.();
    });
  });
  req.on('error', () => undefined);
  return {
    events,
    async next(count) {
      const deadline = Date.now() + 10_000;
      while (events.length < count && Date.now() < deadline) {
        await new Promise<void>((r) => {
          waiter = r;
          setTimeout(r, 200);
        });
      }
      return events.slice(0, count);
    },
    close: () => req.destroy(),
  };
}

const cm = (name: string, labels: Record<string, string> = {}, data: Record<string, string> = {}) => ({ metadata: { name, labels }, data });

test('a watch from a list resourceVersion delivers later changes in order', async () => {
  await call('POST', '/api/v1/namespaces', { metadata: { name: 'w1' } });
  await call('POST', '/api/v1/namespaces/w1/configmaps', cm('before'));
  const list = await call('GET', '/api/v1/namespaces/w1/configmaps');
  const rv = (list.body['metadata'] as { resourceVersion: string }).resourceVersion;
  const w = watch(`/api/v1/namespaces/w1/configmaps?watch=1&resourceVersion=${rv}`);
  await call('POST', '/api/v1/namespaces/w1/configmaps', cm('a'));
  await fetch(`${s.url}/api/v1/namespaces/w1/configmaps/a`, {
    method: 'PATCH',
    headers: { 'Content-Type': 'application/merge-patch+json' },
    body: JSON.stringify({ data: { x: '1' } }),
  });
  await call('DELETE', '/api/v1/namespaces/w1/configmaps/a');
  const evs = await w.next(3);
  w.close();
  expect(evs.map((e) => `${e.type} ${e.object.metadata?.name}`)).toEqual(['ADDED a', 'MODIFIED a', 'DELETED a']);
  const rvs = evs.map((e) => Number(e.object.metadata?.resourceVersion));
  expect(rvs[0]!).toBeGreaterThan(Number(rv));
  expect(rvs[1]!).toBeGreaterThan(rvs[0]!);
  expect(rvs[2]!).toBeGreaterThan(rvs[1]!);
});

test('a watch without resourceVersion starts with the current objects as ADDED', async () => {
  await call('POST', '/api/v1/namespaces', { metadata: { name: 'w2' } });
  await call('POST', '/api/v1/namespaces/w2/configmaps', cm('existing'));
  const w = watch('/api/v1/namespaces/w2/configmaps?watch=true');
  const evs = await w.next(1);
  w.close();
  expect(evs.map((e) => `${e.type} ${e.object.metadata?.name}`)).toEqual(['ADDED existing']);
});

test('a watch honours label selectors (legacy /watch/ path)', async () => {
  await call('POST', '/api/v1/namespaces', { metadata: { name: 'w3' } });
  const list = await call('GET', '/api/v1/namespaces/w3/configmaps');
  const rv = (list.body['metadata'] as { resourceVersion: string }).resourceVersion;
  const w = watch(`/api/v1/watch/namespaces/w3/configmaps?resourceVersion=${rv}&labelSelector=app%3Dx`);
  await call('POST', '/api/v1/namespaces/w3/configmaps', cm('other', { app: 'y' }));
  await call('POST', '/api/v1/namespaces/w3/configmaps', cm('mine', { app: 'x' }));
  const evs = await w.next(1);
  w.close();
  expect(evs.map((e) => `${e.type} ${e.object.metadata?.name}`)).toEqual(['ADDED mine']);
});

test('a watch from a compacted resourceVersion ends with a 410 Expired ERROR event', async () => {
  await call('POST', '/api/v1/namespaces', { metadata: { name: 'w4' } });
  await call('POST', '/api/v1/namespaces/w4/configmaps', cm('c1'));
  await call('POST', '/api/v1/namespaces/w4/configmaps', cm('c2'));
  const current = await s.storage.currentRevision();
  await s.storage.compact(current);
  // Start a fresh cache-backed watch on a resource not yet watched, from revision 1.
  const w = watch('/api/v1/namespaces/w4/secrets?watch=1&resourceVersion=1');
  const evs = await w.next(1);
  w.close();
  expect(evs[0]?.type).toBe('ERROR');
  expect(evs[0]?.object).toMatchObject({ code: 410, reason: 'Expired' });
});

test('a bad selector on a watch is a 400 Status before streaming', async () => {
  const r = await call('GET', '/api/v1/namespaces/default/pods?watch=1&fieldSelector=spec.bogus%3D1');
  expect(r.status).toBe(400);
  expect(r.body['message']).toBe('field label not supported: spec.bogus');
});

test('an HTTP/1.0 client gets the watch as plain JSON lines ended by the server closing, not chunked framing', async () => {
  const net = await import('node:net');
  const ns = '/api/v1/namespaces/default/configmaps';
  const created = await call('POST', ns, { metadata: { name: 'http10-before' } });
  expect(created.status).toBe(201);
  const rv = (created.body.metadata as { resourceVersion: string }).resourceVersion;
  const text = await new Promise<string>((resolve, reject) => {
    const sock = net.connect(Number(new URL(s.url).port), '127.0.0.1', () => {
      sock.write(`GET ${ns}?watch=1&resourceVersion=${rv}&timeoutSeconds=2 HTTP/1.0\r\nHost: x\r\n\r\n`);
    });
    let out = '';
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => (out += d));
    sock.on('end', () => resolve(out));
    sock.on('error', reject);
    setTimeout(() => void call('POST', ns, { metadata: { name: 'http10-during' } }), 300);
  });
  const [head, body] = text.split('\r\n\r\n', 2) as [string, string];
  expect(head).toMatch(/^HTTP\/1\.[01] 200/);
  expect(head.toLowerCase()).not.toContain('transfer-encoding');
  const lines = body.split('\n').filter((l) => l.length > 0);
  expect(lines.map((l) => (JSON.parse(l) as Ev).object.metadata?.name)).toEqual(['http10-during']);
});
