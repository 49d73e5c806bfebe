/**
 * Integration with the official JavaScript client over real HTTP. client-node 1.x is ESM, so the
 * checks run in a child `node` process (client-node-script.mjs); this test asserts on its output.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { startLive } from './harness';
import type { LiveServer } from './harness';

describe.each(['sqlite', 'etcd'] as const)('over %s storage', (backend) => {
  let s: LiveServer;
  let results: Record<string, unknown> = {};
  let stderr = '';

  beforeAll(async () => {
    s = await startLive({ serviceClusterIpRange: '10.10.10.0/24', backend });
    const script = path.join(__dirname, 'client-node-script.mjs');
    const stdout = await new Promise<string>((resolve) => {
      execFile(process.execPath, [script, s.url], { cwd: path.join(__dirname, '../..'), timeout: 60_000 }, (_err, out, err) => {
        stderr = err;
        resolve(out);
      });
    });
    for (const line of stdout.split('\n').filter(Boolean)) {
      const { name, value } = JSON.parse(line) as { name: string; value: unknown };
      results[name] = value;
    }
  }, 90_000);
  afterAll(async () => {
    await s.close();
    results = {};
  });

  test('the client script ran to the end', () => {
    expect(stderr).toBe('');
    expect(results['done']).toBe(true);
  });

  test('CoreV1Api create returns the defaulted pod', () => {
    expect(results['create']).toEqual({ name: 'a', restartPolicy: 'Always', phase: 'Pending' });
    expect(results['read']).toEqual({ name: 'a', uid: true });
  });

  test('CoreV1Api lists honour label and field selectors', () => {
    expect(results['labelSelector']).toEqual(['a', 'b']);
    expect(results['fieldSelector']).toEqual(['c']);
  });

  test('CoreV1Api lists page with limit and continue', () => {
    expect(results['paging']).toEqual({ first: ['a', 'b'], second: ['c'], end: null });
  });

  test('CoreV1Api replace and the three patch types work', () => {
    expect(results['replace']).toEqual({ app: 'web', replaced: 'yes' });
    expect(results['mergePatch']).toBe('merge');
    expect(results['jsonPatch']).toEqual({ x: 'y' });
    expect(results['strategicPatch']).toEqual(['nginx:1.26']);
  });

  test('CoreV1Api status subresource updates status', () => {
    expect(results['status']).toEqual({ phase: 'Running', podIP: '10.0.0.7' });
  });

  test('CoreV1Api errors carry kube reasons and codes', () => {
    expect(results['notFound']).toEqual({ code: 404, reason: 'NotFound', message: 'pods "zzz" not found' });
    expect(results['alreadyExists']).toMatchObject({ code: 409, reason: 'AlreadyExists' });
    expect(results['conflict']).toMatchObject({ code: 409, reason: 'Conflict' });
    expect(results['invalid']).toMatchObject({ code: 422, reason: 'Invalid', message: 'Pod "bad" is invalid: spec.containers[0].image: Required value' });
    expect(results['badSelector']).toMatchObject({ code: 400, reason: 'BadRequest' });
    expect(results['deleted']).toMatchObject({ code: 404 });
  });

  test('CoreV1Api service create gets defaults and a cluster IP', () => {
    expect(results['service']).toMatchObject({ type: 'ClusterIP', targetPort: 80 });
    expect((results['service'] as { clusterIP: string }).clusterIP).toMatch(/^10\.10\.10\./);
  });
});
