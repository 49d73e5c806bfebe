import { applyJsonPatch, MAX_JSON_PATCH_OPERATIONS } from '../../../src/registry/patch';
import { catchStatus } from './expect-api-error';

const pod = () => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', labels: { app: 'web' } },
  spec: { containers: [{ name: 'c', image: 'nginx' }] },
});

describe('applyJsonPatch (RFC 6902)', () => {
  const ok: Array<[string, unknown[], (r: ReturnType<typeof pod>) => void]> = [
    ['add creates a member', [{ op: 'add', path: '/metadata/labels/tier', value: 'fe' }], (r) => expect(r.metadata.labels).toEqual({ app: 'web', tier: 'fe' })],
    ['add with "-" appends to a list', [{ op: 'add', path: '/spec/containers/-', value: { name: 'd', image: 'busybox' } }], (r) => expect(r.spec.containers.map((c) => c.name)).toEqual(['c', 'd'])],
    ['replace changes a value', [{ op: 'replace', path: '/spec/containers/0/image', value: 'nginx:2' }], (r) => expect(r.spec.containers[0]!.image).toBe('nginx:2')],
    ['remove drops a member', [{ op: 'remove', path: '/metadata/labels/app' }], (r) => expect(r.metadata.labels).toEqual({})],
    ['move relocates a value', [{ op: 'move', from: '/metadata/labels/app', path: '/metadata/labels/role' }], (r) => expect(r.metadata.labels).toEqual({ role: 'web' })],
    ['copy duplicates a value', [{ op: 'copy', from: '/metadata/labels/app', path: '/metadata/labels/copy' }], (r) => expect(r.metadata.labels).toEqual({ app: 'web', copy: 'web' })],
    ['a passing test op lets later ops run', [{ op: 'test', path: '/metadata/name', value: 'p' }, { op: 'replace', path: '/metadata/name', value: 'q' }], (r) => expect(r.metadata.name).toBe('q')],
    ['escaped pointer tokens address keys with "/" and "~"', [{ op: 'add', path: '/metadata/labels/a~1b~0c', value: 'x' }], (r) => expect(r.metadata.labels).toEqual({ app: 'web', 'a/b~c': 'x' })],
  ];
  it.each(ok)('%s', (_name, patch, check) => {
    check(applyJsonPatch(pod(), patch) as ReturnType<typeof pod>);
  });

  it('never mutates the original object or the patch', () => {
    const original = pod();
    const patch = [{ op: 'add', path: '/spec/containers/0/env', value: [{ name: 'A', value: '1' }] }];
    const snapshot = JSON.stringify({ original, patch });
    const result = applyJsonPatch(original, patch) as ReturnType<typeof pod> & { spec: { containers: Array<{ env?: unknown[] }> } };
    expect(JSON.stringify({ original, patch })).toBe(snapshot);
    // The value added must not alias the patch's value either.
    (result.spec.containers[0]!.env as Array<{ value: string }>)[0]!.value = 'changed';
    expect(patch[0]!.value[0]!.value).toBe('1');
  });

  it('a null patch is an empty patch (as Go decodes it)', () => {
    expect(applyJsonPatch(pod(), null)).toEqual(pod());
  });

  const unprocessable: Array<[string, unknown[]]> = [
    ['test op failure returns 422', [{ op: 'test', path: '/metadata/name', value: 'other' }]],
    ['replace of a missing path returns 422', [{ op: 'replace', path: '/spec/nodeName', value: 'n1' }]],
    ['remove of a missing path returns 422', [{ op: 'remove', path: '/metadata/annotations/x' }]],
    ['add under a missing parent returns 422', [{ op: 'add', path: '/status/podIP/x', value: '1' }]],
    ['an unknown op returns 422', [{ op: 'frobnicate', path: '/metadata/name', value: 'x' }]],
    ['an out-of-range index returns 422', [{ op: 'add', path: '/spec/containers/5', value: {} }]],
  ];
  it.each(unprocessable)('%s with kube\'s generic Invalid status', (_name, patch) => {
    const s = catchStatus(() => applyJsonPatch(pod(), patch));
    expect(s).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'the server rejected our request due to an error in our request',
      reason: 'Invalid',
      details: {},
      code: 422,
    });
  });

  it('a failed test op leaves nothing half-applied (the input is untouched)', () => {
    const original = pod();
    catchStatus(() => applyJsonPatch(original, [{ op: 'replace', path: '/metadata/name', value: 'x' }, { op: 'test', path: '/metadata/name', value: 'nope' }]));
    expect(original.metadata.name).toBe('p');
  });

  it('a patch that is not a list of operations is 400 BadRequest', () => {
    const s = catchStatus(() => applyJsonPatch(pod(), { op: 'add' }));
    expect(s.code).toBe(400);
    expect(s.reason).toBe('BadRequest');
    expect(s.message).toBe('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
    expect(catchStatus(() => applyJsonPatch(pod(), ['add'])).code).toBe(400);
  });

  it(`more than ${MAX_JSON_PATCH_OPERATIONS} operations is 413`, () => {
    const ops = Array.from({ length: MAX_JSON_PATCH_OPERATIONS + 1 }, () => ({ op: 'test', path: '/kind', value: 'Pod' }));
    const s = catchStatus(() => applyJsonPatch(pod(), ops));
    expect(s.code).toBe(413);
    expect(s.message).toBe(`Request entity too large: The allowed maximum operations in a JSON patch is 10000, got 10001`);
  });

  it('__proto__ paths cannot pollute prototypes', () => {
    catchStatus(() => applyJsonPatch({}, [{ op: 'add', path: '/__proto__/polluted', value: true }]));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
