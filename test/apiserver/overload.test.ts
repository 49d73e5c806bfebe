/**
 * Overload shedding on the real API server (real HTTP over loopback, SQLite storage, a manual
 * clock for the in-flight filter): a create that waited for a seat past --max-inflight-wait is
 * answered 429 and nothing is stored for it; the one holding the seat completes.
 */
import http from 'node:http';
import { startLive, pod, type LiveServer } from './harness';
import { FakeClock } from '../helpers/fake-clock';
import { eventually } from '../helpers/eventually';

const PODS = '/api/v1/namespaces/default/pods';

let live: LiveServer;
const clock = new FakeClock();

beforeAll(async () => {
  live = await startLive({ server: { maxRequestsInflight: 0, maxMutatingRequestsInflight: 1, maxInflightWaitMs: 250, inflightClock: clock, defaultServices: false } });
});
afterAll(async () => {
  await live.close();
});

/** A create whose body arrives in two parts: it holds its seat until `finish` sends the rest. */
function slowCreate(name: string): { finish(): void; done: Promise<number> } {
  const body = Buffer.from(JSON.stringify(pod(name)));
  const url = new URL(PODS, live.url);
  let req!: http.ClientRequest;
  const done = new Promise<number>((resolve, reject) => {
    req = http.request(url, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(body.length) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
  });
  req.write(body.subarray(0, 10));
  return { finish: () => req.end(body.subarray(10)), done };
}

async function gauge(name: string): Promise<number> {
  const text = await (await fetch(`${live.url}/metrics`)).text();
  const m = new RegExp(`^${name}\\{request_kind="mutating"\\} (\\d+)$`, 'm').exec(text);
  return m ? Number(m[1]) : NaN;
}

test('a create that waited past its budget is shed with 429 and nothing is stored for it', async () => {
  const held = slowCreate('held');
  await eventually('the held create in its seat', async () => (await gauge('apiserver_current_inflight_requests')) === 1);
  const late = fetch(`${live.url}${PODS}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(pod('late')) });
  await eventually('the late create waiting', async () => (await gauge('apiserver_current_inqueue_requests')) === 1);
  for (let t = 0; t < 300; t += 100) clock.advance(100);
  const shed = await late;
  expect(shed.status).toBe(429);
  expect(shed.headers.get('retry-after')).toBe('1');
  expect(await shed.json()).toMatchObject({ kind: 'Status', reason: 'TooManyRequests', code: 429 });
  held.finish();
  expect(await held.done).toBe(201);
  expect((await fetch(`${live.url}${PODS}/held`)).status).toBe(200);
  expect((await fetch(`${live.url}${PODS}/late`)).status).toBe(404);
  // Health is never shed, and the seat is free again.
  expect((await fetch(`${live.url}/readyz`)).status).toBe(200);
  expect((await fetch(`${live.url}${PODS}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(pod('after')) })).status).toBe(201);
});
