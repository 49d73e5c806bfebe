/**
 * Property-based fuzzing (fast-check) of the create and patch endpoints of a real `km apiserver`:
 * whatever JSON document a client sends, the answer is never a 5xx, every error is a Kubernetes
 * Status carrying its HTTP code, and the process never crashes.
 */
import fc from 'fast-check';
import { isStatus, raw, ready, startServer, type Answer, type Server } from './fuzz-harness';

jest.setTimeout(120_000);

const RUNS = Number(process.env['KM_FUZZ_RUNS'] ?? 0) || 200;
let srv: Server;
const NS = '/api/v1/namespaces/default';
const RESOURCES = ['configmaps', 'pods', 'services', 'secrets', 'endpoints', 'replicationcontrollers'] as const;
const KINDS: Record<string, string> = {
  configmaps: 'ConfigMap',
  pods: 'Pod',
  services: 'Service',
  secrets: 'Secret',
  endpoints: 'Endpoints',
  replicationcontrollers: 'ReplicationController',
};

beforeAll(async () => {
  srv = await startServer();
  const mk = (resource: string, body: Record<string, unknown>): Promise<Answer> =>
    raw(srv.url, 'POST', `${NS}/${resource}`, { body: Buffer.from(JSON.stringify(body)), headers: { 'content-type': 'application/json' } });
  expect((await mk('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'target', labels: { a: 'b' } }, data: { k: 'v' } })).status).toBe(201);
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'target' }, spec: { containers: [{ name: 'c', image: 'nginx', ports: [{ containerPort: 80 }] }] } };
  expect((await mk('pods', pod)).status).toBe(201);
});

afterAll(async () => {
  await srv?.stop();
});

/** The rule every answer obeys: no 5xx, and any error is a Status with the same code. */
function wellBehaved(a: Answer, what: string): void {
  if (a.status >= 500 || (a.status >= 400 && !isStatus(a, a.status))) {
    throw new Error(`${what} -> HTTP ${a.status}: ${a.body.toString('utf8', 0, 400)}`);
  }
}

const send = (method: string, path: string, body: string, ct: string): Promise<Answer> =>
  raw(srv.url, method, path, { body: Buffer.from(body), headers: { 'content-type': ct } });

const names = fc.oneof(fc.constantFrom('a', 'fuzz-1', 'x.y', ''), fc.string({ maxLength: 70 }), fc.stringMatching(/^[a-z0-9][a-z0-9.-]{0,20}$/));
const dict = fc.dictionary(fc.string({ maxLength: 20 }), fc.oneof(fc.string({ maxLength: 20 }), fc.jsonValue({ maxDepth: 2 })), { maxKeys: 5 });

/** A document shaped like an object of `resource`, with random parts in every position. */
const objectLike = (resource: string) =>
  fc.record(
    {
      apiVersion: fc.oneof(fc.constant('v1'), fc.jsonValue({ maxDepth: 1 })),
      kind: fc.oneof(fc.constant(KINDS[resource]!), fc.constantFrom(...Object.values(KINDS)), fc.jsonValue({ maxDepth: 1 })),
      metadata: fc.oneof(
        fc.record(
          {
            name: fc.oneof(names, fc.jsonValue({ maxDepth: 1 })),
            generateName: names,
            namespace: fc.constantFrom('default', 'other', ''),
            labels: fc.oneof(dict, fc.jsonValue({ maxDepth: 2 })),
            annotations: dict,
            // A create carrying a resourceVersion is a 400 (kube answers 500 there); "0" is unset.
            resourceVersion: fc.constantFrom('', '0', '5'),
            finalizers: fc.array(fc.string({ maxLength: 10 }), { maxLength: 3 }),
            ownerReferences: fc.jsonValue({ maxDepth: 3 }),
          },
          { requiredKeys: [] },
        ),
        fc.jsonValue({ maxDepth: 2 }),
      ),
      spec: fc.jsonValue({ maxDepth: 4 }),
      data: fc.oneof(dict, fc.jsonValue({ maxDepth: 2 })),
      status: fc.jsonValue({ maxDepth: 3 }),
      subsets: fc.jsonValue({ maxDepth: 4 }),
    },
    { requiredKeys: ['apiVersion', 'kind'] },
  );

test('POST of any JSON text to a create endpoint never answers 5xx and errors are Status objects', async () => {
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...RESOURCES), fc.json({ maxDepth: 5 }), async (resource, body) => {
      wellBehaved(await send('POST', `${NS}/${resource}`, body, 'application/json'), `POST ${resource} ${body.slice(0, 200)}`);
    }),
    { numRuns: RUNS },
  );
  expect(await ready(srv.url)).toBe(200);
});

test('POST of object-shaped documents with random fields never answers 5xx', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom(...RESOURCES).chain((r) => fc.tuple(fc.constant(r), objectLike(r))),
      async ([resource, obj]) => {
        const body = JSON.stringify(obj);
        wellBehaved(await send('POST', `${NS}/${resource}`, body, 'application/json'), `POST ${resource} ${body.slice(0, 300)}`);
      },
    ),
    { numRuns: RUNS },
  );
  expect(await ready(srv.url)).toBe(200);
});

const PATCH_TYPES = ['application/merge-patch+json', 'application/strategic-merge-patch+json'] as const;

test('merge and strategic-merge PATCH with random documents never answers 5xx', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom('configmaps', 'pods'),
      fc.constantFrom(...PATCH_TYPES),
      fc.oneof(fc.jsonValue({ maxDepth: 5 }), fc.record({ metadata: fc.jsonValue({ maxDepth: 3 }), spec: fc.jsonValue({ maxDepth: 4 }), data: fc.jsonValue({ maxDepth: 2 }) }, { requiredKeys: [] })),
      async (resource, ct, patch) => {
        const body = JSON.stringify(patch);
        wellBehaved(await send('PATCH', `${NS}/${resource}/target`, body, ct), `PATCH ${ct} ${resource} ${body.slice(0, 300)}`);
      },
    ),
    { numRuns: RUNS },
  );
  expect(await ready(srv.url)).toBe(200);
});

const pointer = fc.oneof(
  fc.constantFrom('/metadata/labels/x', '/data/k', '/spec/containers/0/image', '/spec/containers/-', '/metadata/name', '/', '', '/kind'),
  fc.array(fc.string({ maxLength: 6 }), { maxLength: 4 }).map((parts) => '/' + parts.join('/')),
  fc.string({ maxLength: 10 }),
);
const op = fc.record(
  {
    op: fc.oneof(fc.constantFrom('add', 'remove', 'replace', 'move', 'copy', 'test'), fc.string({ maxLength: 6 })),
    path: fc.oneof(pointer, fc.jsonValue({ maxDepth: 1 })),
    from: pointer,
    value: fc.jsonValue({ maxDepth: 3 }),
  },
  { requiredKeys: ['op'] },
);

test('JSON patch (RFC 6902) with random operations never answers 5xx', async () => {
  await fc.assert(
    fc.asyncProperty(fc.constantFrom('configmaps', 'pods'), fc.oneof(fc.array(op, { maxLength: 4 }), fc.jsonValue({ maxDepth: 3 })), async (resource, patch) => {
      const body = JSON.stringify(patch);
      wellBehaved(await send('PATCH', `${NS}/${resource}/target`, body, 'application/json-patch+json'), `PATCH json-patch ${resource} ${body.slice(0, 300)}`);
    }),
    { numRuns: RUNS },
  );
  expect(await ready(srv.url)).toBe(200);
});

test('server-side apply with random documents never answers 5xx', async () => {
  await fc.assert(
    fc.asyncProperty(fc.constantFrom('configmaps', 'pods'), objectLike('configmaps'), async (resource, obj) => {
      const body = JSON.stringify(obj);
      wellBehaved(
        await send('PATCH', `${NS}/${resource}/target?fieldManager=fuzz&force=true`, body, 'application/apply-patch+yaml'),
        `APPLY ${resource} ${body.slice(0, 300)}`,
      );
    }),
    { numRuns: RUNS },
  );
  expect(await ready(srv.url)).toBe(200);
  expect(srv.km.proc.exitCode).toBeNull();
});
