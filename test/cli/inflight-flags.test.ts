/**
 * `km apiserver` honours --max-requests-inflight, --max-mutating-requests-inflight and
 * --max-inflight-wait: parsed as kube spells them, and end to end over real HTTP (a create
 * holding the only mutating seat makes the next one wait for it, then both are served).
 */
import http from 'node:http';
import { parse } from '../../src/cli/km';
import { apiServerFlags } from '../../src/cli/run-apiserver';
import { startKm, tempDir, type KmProcess } from '../helpers/km-process';
import { eventually } from '../helpers/eventually';

const PODS = '/api/v1/namespaces/default/pods';
const pod = (name: string): string => JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'nginx' }] } });

function configOf(args: string[]): ReturnType<typeof apiServerFlags> {
  const r = parse(['apiserver', ...args]);
  if (!('flags' in r)) throw new Error('expected a command');
  return apiServerFlags(r.flags);
}

test('the in-flight flags parse with kube defaults, and a duration for the wait', () => {
  expect(configOf([])).toMatchObject({ maxRequestsInflight: 400, maxMutatingRequestsInflight: 200, maxInflightWaitMs: 250 });
  expect(configOf(['--max-requests-inflight=7', '--max-mutating-requests-inflight=3', '--max-inflight-wait=2s'])).toMatchObject({
    maxRequestsInflight: 7,
    maxMutatingRequestsInflight: 3,
    maxInflightWaitMs: 2000,
  });
  expect(configOf(['--max-inflight-wait=0']).maxInflightWaitMs).toBe(0);
  expect(() => configOf(['--max-inflight-wait=soon'])).toThrow(/max-inflight-wait/);
});

describe('km apiserver with one mutating seat and a long wait', () => {
  let km: KmProcess;
  let dir: ReturnType<typeof tempDir>;
  beforeAll(async () => {
    dir = tempDir('km-inflight-');
    km = await startKm('apiserver', {
      args: [`--data-dir=${dir.dir}`, '--max-requests-inflight=7', '--max-mutating-requests-inflight=1', '--max-inflight-wait=1m'],
      readyPath: '/readyz',
    });
  }, 60_000);
  afterAll(async () => {
    await km?.stop();
    dir?.cleanup();
  });

  const gauge = async (name: string): Promise<number> => {
    const text = await (await fetch(`${km.url}/metrics`)).text();
    const m = new RegExp(`^${name}\\{request_kind="mutating"\\} (\\d+)$`, 'm').exec(text);
    return m ? Number(m[1]) : NaN;
  };

  test('a second create waits for the seat the first holds, and is served when it is free', async () => {
    const body = Buffer.from(pod('first'));
    let req!: http.ClientRequest;
    const first = new Promise<number>((resolve, reject) => {
      req = http.request(`${km.url}${PODS}`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': String(body.length) } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
    });
    req.write(body.subarray(0, 10));
    await eventually('the first create in its seat', async () => (await gauge('apiserver_current_inflight_requests')) === 1);
    expect(await gauge('apiserver_current_inflight_limit')).toBe(1);
    const second = fetch(`${km.url}${PODS}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: pod('second') });
    await eventually('the second create waiting', async () => (await gauge('apiserver_current_inqueue_requests')) === 1);
    req.end(body.subarray(10));
    expect(await first).toBe(201);
    expect((await second).status).toBe(201);
    expect((await fetch(`${km.url}${PODS}/second`)).status).toBe(200);
  });
});
