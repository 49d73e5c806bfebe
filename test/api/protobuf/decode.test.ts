import * as fs from 'fs';
import * as path from 'path';
import { decodeEnvelope, decodeProtobufObject, isProtobufEnvelope } from '../../../src/api/protobuf';
import { k8sRoot } from '../../../src/api/protobuf/messages';
import { ApiError } from '../../../src/api/errors';

/** Request bodies captured from real `kubectl.1.32 create ...` commands. */
const fixture = (name: string): Buffer => fs.readFileSync(path.join(__dirname, 'fixtures', `${name}.kubectl-1.32.bin`));

function envelope(kind: string, message: Record<string, unknown>, apiVersion = 'v1'): Buffer {
  const type = k8sRoot.lookupType(`core.${kind}`);
  const raw = type.encode(type.fromObject(message)).finish();
  const unknown = k8sRoot.lookupType('runtime.Unknown');
  const body = unknown.encode(unknown.fromObject({ typeMeta: { apiVersion, kind }, raw, contentEncoding: '', contentType: '' })).finish();
  return Buffer.concat([Buffer.from('k8s\0', 'latin1'), body]);
}

function apiError(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error('expected an ApiError');
}

describe('decodeProtobufObject with kubectl 1.32 request bodies', () => {
  it('create namespace dev', () => {
    expect(isProtobufEnvelope(fixture('namespace-dev'))).toBe(true);
    expect(decodeProtobufObject(fixture('namespace-dev'))).toEqual({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'dev' }, spec: {}, status: {} });
  });

  it('create service clusterip web --tcp=80:8080 --tcp=443:https (int and string targetPort)', () => {
    expect(decodeProtobufObject(fixture('service-clusterip-web'))).toEqual({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', labels: { app: 'web' } },
      spec: {
        ports: [
          { name: '80-8080', protocol: 'TCP', port: 80, targetPort: 8080 },
          { name: '443-https', protocol: 'TCP', port: 443, targetPort: 'https' },
        ],
        selector: { app: 'web' },
        type: 'ClusterIP',
      },
      status: {},
    });
  });

  it('create service nodeport and externalname', () => {
    const np = decodeProtobufObject(fixture('service-nodeport-np')) as { spec: { type: string; ports: unknown[] } };
    expect(np.spec.type).toBe('NodePort');
    expect(np.spec.ports).toEqual([{ name: '80-80', protocol: 'TCP', port: 80, targetPort: 80, nodePort: 30080 }]);
    const ext = decodeProtobufObject(fixture('service-externalname-ext')) as { spec: Record<string, unknown> };
    expect(ext.spec).toEqual({ selector: { app: 'ext' }, type: 'ExternalName', externalName: 'example.com' });
  });

  it('create configmap and secrets (bytes become base64, like JSON)', () => {
    expect(decodeProtobufObject(fixture('configmap-cfg'))).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg' }, data: { a: '1', b: 'two' } });
    expect(decodeProtobufObject(fixture('secret-generic-sec'))).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'sec' },
      data: { 'f.bin': Buffer.from('binarydata').toString('base64'), user: Buffer.from('admin').toString('base64') },
    });
    expect(decodeProtobufObject(fixture('secret-basic-auth-imm'))).toMatchObject({ type: 'kubernetes.io/basic-auth', data: { x: 'eQ==' } });
  });
});

describe('decodeProtobufObject field mapping', () => {
  it('converts timestamps, keeps explicit false pointer fields and owner references', () => {
    const body = envelope('ConfigMap', {
      metadata: {
        name: 'c',
        namespace: 'ns1',
        generation: 0,
        creationTimestamp: { seconds: 1700000000 },
        deletionTimestamp: {},
        annotations: { a: 'b' },
        ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: 'p', uid: 'u', controller: false }],
        finalizers: ['x/y'],
      },
      binaryData: { bin: Buffer.from([0, 1, 2]) },
      immutable: false,
    });
    expect(decodeProtobufObject(body)).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'c',
        namespace: 'ns1',
        creationTimestamp: '2023-11-14T22:13:20Z',
        annotations: { a: 'b' },
        ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: 'p', uid: 'u', controller: false }],
        finalizers: ['x/y'],
      },
      binaryData: { bin: 'AAEC' },
      immutable: false,
    });
  });

  it('reads the envelope type meta', () => {
    const env = decodeEnvelope(fixture('namespace-dev'));
    expect([env.apiVersion, env.kind, env.contentEncoding]).toEqual(['v1', 'Namespace', '']);
  });
});

describe('decodeProtobufObject rejections (400, never a crash)', () => {
  it('rejects bodies without the k8s magic', () => {
    const e = apiError(() => decodeProtobufObject(Buffer.from('{"kind":"Pod"}')));
    expect([e.code, e.reason]).toEqual([400, 'BadRequest']);
  });

  it('rejects kinds it has no message definitions for, naming the supported ones', () => {
    const body = envelope('Namespace', { metadata: { name: 'x' } });
    // Re-label the envelope as a Pod: same bytes, unsupported kind.
    const unknown = k8sRoot.lookupType('runtime.Unknown');
    const env = unknown.decode(body.subarray(4)) as unknown as { typeMeta: { kind: string } };
    env.typeMeta.kind = 'Pod';
    const pod = Buffer.concat([Buffer.from('k8s\0', 'latin1'), unknown.encode(env).finish()]);
    const e = apiError(() => decodeProtobufObject(pod));
    expect(e.code).toBe(400);
    expect(e.message).toMatch(/v1\/Pod.*Namespace, Service, ConfigMap, Secret/);
  });

  it('rejects truncated protobuf', () => {
    const good = fixture('service-clusterip-web');
    const e = apiError(() => decodeProtobufObject(good.subarray(0, good.length - 20)));
    expect(e.code).toBe(400);
  });
});
