/**
 * Bad input sweep against a real `km apiserver`: each malformed request gets a Kubernetes Status
 * with its proper code, the process stays up (readyz 200 afterwards) and nothing is stored (no
 * object is created, changed or deleted).
 */
import { eventually } from '../helpers/eventually';
import { isStatus, raw, rawSocket, ready, startServer, storedState, upload, type Answer, type Server } from './fuzz-harness';

jest.setTimeout(60_000);

let srv: Server;
const NS = '/api/v1/namespaces/default';
const json = (o: unknown): Buffer => Buffer.from(JSON.stringify(o));
const cm = (name: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name },
  ...extra,
});
const post = (body: Buffer, path = `${NS}/configmaps`, ct = 'application/json'): Promise<Answer> =>
  raw(srv.url, 'POST', path, { body, headers: { 'content-type': ct } });

beforeAll(async () => {
  srv = await startServer();
  // The server's own default services appear just after start-up: let them settle first.
  await eventually('default services', async () => (await raw(srv.url, 'GET', `${NS}/endpoints/kubernetes`)).status === 200);
  // An object to patch and read.
  const r = await post(json(cm('target', { data: { a: '1' } })));
  expect(r.status).toBe(201);
});

afterAll(async () => {
  await srv?.stop();
});

/** Run a bad request: it must get `code` as a Status, store nothing, and leave the server ready. */
async function rejects(code: number, send: () => Promise<Answer>): Promise<Answer> {
  const before = await storedState(srv.url);
  const a = await send();
  expect({ status: a.status, body: a.body.toString('utf8', 0, 300) }).toEqual(expect.objectContaining({ status: code }));
  expect(isStatus(a, code)).toBe(true);
  expect(await ready(srv.url)).toBe(200);
  expect(await storedState(srv.url)).toBe(before);
  return a;
}

describe('malformed and wrong bodies', () => {
  test('truncated JSON gets 400 BadRequest', async () => {
    await rejects(400, () => post(Buffer.from('{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"x"')));
  });
  test('a JSON array, null, a number or an empty body instead of an object gets 400', async () => {
    for (const b of ['[1,2]', 'null', '42', '"str"', '']) await rejects(400, () => post(Buffer.from(b)));
  });
  test('a body of the wrong kind (Pod posted to configmaps) gets 400', async () => {
    await rejects(400, () => post(json({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: {} })));
  });
  test('an unknown apiVersion gets 400', async () => {
    await rejects(400, () => post(json({ ...cm('v'), apiVersion: 'v9' })));
  });
  test('a body namespace that differs from the URL namespace gets 400', async () => {
    await rejects(400, () => post(json(cm('ns', { metadata: { name: 'ns', namespace: 'other' } }))));
  });
  test('a create carrying a resourceVersion gets 400 BadRequest, not a 500', async () => {
    await rejects(400, () => post(json(cm('rv', { metadata: { name: 'rv', resourceVersion: '5' } }))));
  });
  test('an unsupported Content-Type gets 415', async () => {
    await rejects(415, () => post(json(cm('ct')), `${NS}/configmaps`, 'text/plain'));
  });
  test('a field of the wrong type gets 400 BadRequest, as kube-apiserver\'s typed decoder answers', async () => {
    await rejects(400, () => post(json(cm('wt', { data: [1, 2] }))));
  });
});

describe('size and depth', () => {
  test('a body over 3 MiB with a Content-Length gets 413 RequestEntityTooLarge', async () => {
    const big = json(cm('big', { data: { a: 'x'.repeat(4 * 1024 * 1024) } }));
    const a = await rejects(413, () => upload(srv.km.port, `${NS}/configmaps`, big));
    expect(a.json?.reason).toBe('RequestEntityTooLarge');
  });
  test('a chunked body growing past 3 MiB gets 413', async () => {
    const head = Buffer.from('{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"chunky"},"data":{"a":"');
    const chunks = [head, ...Array.from({ length: 8 }, () => Buffer.alloc(512 * 1024, 'y')), Buffer.from('"}}')];
    await rejects(413, () => raw(srv.url, 'POST', `${NS}/configmaps`, { chunked: chunks, headers: { 'content-type': 'application/json' } }));
  });
  test('an object nested 10,000 levels deep inside a field gets 400, not a crash or a 500', async () => {
    const deep = '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000);
    await rejects(400, () => post(Buffer.from(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"deep"},"data":${deep}}`)));
  });
  test('an array nested 10,000 levels deep as the whole body gets 400', async () => {
    await rejects(400, () => post(Buffer.from('['.repeat(10_000) + ']'.repeat(10_000))));
  });
  test('a merge patch nested 10,000 levels deep gets 400, not a 500', async () => {
    const deep = '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000);
    await rejects(400, () =>
      raw(srv.url, 'PATCH', `${NS}/configmaps/target`, { body: Buffer.from(`{"data":${deep}}`), headers: { 'content-type': 'application/merge-patch+json' } }),
    );
  });
});

describe('encoding and names', () => {
  test('invalid UTF-8 in an object name gets 422 Invalid', async () => {
    const body = Buffer.concat([Buffer.from('{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}}')]);
    await rejects(422, () => post(body));
  });
  test('invalid UTF-8 inside a string value is decoded as U+FFFD (as kube-apiserver\'s JSON decoder does), never stored as raw bytes', async () => {
    const body = Buffer.concat([Buffer.from('{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"utf8"},"data":{"a":"x'), Buffer.from([0xff, 0xc3]), Buffer.from('y"}}')]);
    expect((await post(body)).status).toBe(201);
    const got = await raw(srv.url, 'GET', `${NS}/configmaps/utf8`);
    // The answer is valid UTF-8: decoding and re-encoding it gives the same bytes.
    expect(Buffer.from(got.body.toString('utf8'), 'utf8').equals(got.body)).toBe(true);
    expect((got.json?.data as { a: string }).a).toBe('x\uFFFD\uFFFDy');
    expect((await raw(srv.url, 'DELETE', `${NS}/configmaps/utf8`)).status).toBe(200);
  });
  test('invalid UTF-8 percent-escapes in the URL path get 400', async () => {
    await rejects(400, () => raw(srv.url, 'GET', `${NS}/configmaps/%FF%FE`));
  });
  test('path traversal in a URL name (..%2F..) gets 400 and reaches no other resource', async () => {
    await rejects(400, () => raw(srv.url, 'GET', `${NS}/configmaps/..%2F..%2Fsecrets`));
    await rejects(400, () => raw(srv.url, 'DELETE', `${NS}/configmaps/..%2Ftarget`));
    expect((await raw(srv.url, 'GET', `${NS}/configmaps/target`)).status).toBe(200);
  });
  test('path traversal in a body name gets 422 Invalid', async () => {
    await rejects(422, () => post(json(cm('../../etc/passwd'))));
  });
  test('a name longer than 253 characters gets 422', async () => {
    await rejects(422, () => post(json(cm('a'.repeat(300)))));
  });
});

describe('query parameters', () => {
  test('unparseable label selectors get 400', async () => {
    for (const sel of ['(((===!!', 'a in ((((', 'a in', 'a notin', '!!a', 'a=b=c=d', `x/${'k'.repeat(100)}=y`, `a=${'v'.repeat(100)}`]) {
      await rejects(400, () => raw(srv.url, 'GET', `${NS}/configmaps?labelSelector=${encodeURIComponent(sel)}`));
    }
  });
  test('field selectors on unsupported fields get 400', async () => {
    await rejects(400, () => raw(srv.url, 'GET', `${NS}/configmaps?fieldSelector=${encodeURIComponent('spec.nope=1')}`));
  });
  test('bad continue tokens get 400 (garbage, bad base64 JSON, RV 0 or fractional, traversal start key)', async () => {
    const tok = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
    // (Any negative RV is valid, as kube decodes it: -1 is kube's inconsistent continuation, the
    // rest of the list at the latest revision.)
    for (const t of ['garbage', '%%%', tok({ v: 'meta.k8s.io/v1', rv: 0, start: 'x' }), tok({ v: 'meta.k8s.io/v1', rv: 1.5, start: 'x' }), tok({ v: 'meta.k8s.io/v1', rv: 1, start: '../../secrets/' }), tok([1])]) {
      await rejects(400, () => raw(srv.url, 'GET', `${NS}/configmaps?limit=1&continue=${encodeURIComponent(t)}`));
    }
  });
  test('unparseable resourceVersions on LIST and WATCH get 400', async () => {
    for (const rv of ['abc', '-5', '1.5', '0x10']) {
      await rejects(400, () => raw(srv.url, 'GET', `${NS}/configmaps?resourceVersion=${rv}`));
      await rejects(400, () => raw(srv.url, 'GET', `${NS}/configmaps?watch=1&resourceVersion=${rv}`));
    }
  });
  test('a resourceVersion from the future with resourceVersionMatch=Exact gets 504 Timeout (ResourceVersionTooLarge)', async () => {
    const a = await rejects(504, () => raw(srv.url, 'GET', `${NS}/configmaps?resourceVersion=99999999999&resourceVersionMatch=Exact`));
    expect(JSON.stringify(a.json)).toContain('ResourceVersionTooLarge');
  });
  test('a non-numeric limit gets 400', async () => {
    await rejects(400, () => raw(srv.url, 'GET', `${NS}/configmaps?limit=abc`));
  });
});

describe('header floods', () => {
  test('5,000 request headers get 431 and the server keeps serving', async () => {
    const before = await storedState(srv.url);
    const headers = Array.from({ length: 5000 }, (_, i) => `X-H${i}: ${'v'.repeat(50)}\r\n`).join('');
    const answer = await rawSocket(srv.km.port, Buffer.from(`GET ${NS}/configmaps HTTP/1.1\r\nHost: x\r\n${headers}\r\n`));
    expect(answer.startsWith('HTTP/1.1 431')).toBe(true);
    expect(await ready(srv.url)).toBe(200);
    expect(await storedState(srv.url)).toBe(before);
  });
  test('one 64 KiB header gets 431', async () => {
    const answer = await rawSocket(srv.km.port, Buffer.from(`GET ${NS}/configmaps HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(65536)}\r\n\r\n`));
    expect(answer.startsWith('HTTP/1.1 431')).toBe(true);
    expect(await ready(srv.url)).toBe(200);
  });
  test('garbage instead of an HTTP request line gets 400 and the server keeps serving', async () => {
    const answer = await rawSocket(srv.km.port, Buffer.from('\x00\x01\x02 NOT HTTP\r\n\r\n'));
    expect(answer.startsWith('HTTP/1.1 400')).toBe(true);
    expect(await ready(srv.url)).toBe(200);
  });
});

test('after the whole sweep only the one object created on purpose exists', async () => {
  const a = await raw(srv.url, 'GET', `${NS}/configmaps`);
  const names = ((a.json?.items ?? []) as Array<{ metadata: { name: string } }>).map((i) => i.metadata.name);
  expect(names.filter((n) => n !== 'kube-root-ca.crt')).toEqual(['target']);
  expect(srv.km.proc.exitCode).toBeNull();
});
