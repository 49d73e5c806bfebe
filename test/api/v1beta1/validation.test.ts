import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ApiError, errors } from '../../../src/api/errors';
import { applyDefaults, fieldPathToV1beta1, statusFromV1, validate, validationErrors } from '../../../src/api/v1beta1';

type Obj = Record<string, unknown>;
const fixture = (): Obj => JSON.parse(readFileSync(path.join(__dirname, '../../fixtures/nginx.json'), 'utf8')) as Obj;
const manifest = (b: Obj): Obj => (b.desiredState as Obj).manifest as Obj;
const fields = (kind: string, b: Obj): string[] => validationErrors(kind, b).map((e) => `${e.type} ${e.field}`);

function invalidStatus(kind: string, b: Obj): Obj {
  try {
    validate(kind, b);
  } catch (err) {
    if (err instanceof ApiError) return statusFromV1(err.status);
    throw err;
  }
  throw new Error('expected validation to fail');
}

describe('v1beta1 validation names v1beta1 field paths', () => {
  test('the seed fixture is valid as sent and after defaulting', () => {
    expect(validationErrors('Pod', fixture())).toEqual([]);
    expect(validationErrors('Pod', applyDefaults('Pod', fixture()))).toEqual([]);
  });

  test('a pod without id fails with Required on "id"', () => {
    const b = fixture();
    delete b.id;
    const s = invalidStatus('Pod', b);
    expect(s).toMatchObject({ kind: 'Status', apiVersion: 'v1beta1', status: 'Failure', reason: 'Invalid', code: 422 });
    expect((s.details as Obj).causes).toEqual([{ reason: 'FieldValueRequired', message: 'Required value', field: 'id' }]);
  });

  test('a bad container name is reported at desiredState.manifest.containers[0].name', () => {
    const b = fixture();
    (manifest(b).containers as Obj[])[0]!.name = 'Nginx_01';
    const s = invalidStatus('Pod', b);
    const causes = (s.details as Obj).causes as Obj[];
    expect(causes.map((c) => c.field)).toEqual(['desiredState.manifest.containers[0].name']);
    expect(causes[0]!.reason).toBe('FieldValueInvalid');
    expect(s.message).toContain('Pod "nginx-id-01" is invalid: desiredState.manifest.containers[0].name: Invalid value: "Nginx_01"');
  });

  test('an unknown manifest version is NotSupported at desiredState.manifest.version', () => {
    const b = fixture();
    manifest(b).version = 'v2';
    expect(fields('Pod', b)).toEqual(['FieldValueNotSupported desiredState.manifest.version']);
    expect(invalidStatus('Pod', b).message).toContain('supported values: "v1beta1", "v1beta2"');
  });

  test('several errors are all reported, each at its own path', () => {
    const b = fixture();
    delete b.id;
    manifest(b).version = 'v9';
    manifest(b).containers = [{ name: 'a', image: 'x', ports: [{ containerPort: 70000 }] }, { name: 'a' }];
    expect(fields('Pod', b)).toEqual([
      'FieldValueRequired id',
      'FieldValueNotSupported desiredState.manifest.version',
      'FieldValueInvalid desiredState.manifest.containers[0].ports[0].containerPort',
      'FieldValueDuplicate desiredState.manifest.containers[1].name',
      'FieldValueRequired desiredState.manifest.containers[1].image',
    ]);
  });

  test('a pod without a manifest, or with an ambiguous restart policy, is invalid', () => {
    expect(fields('Pod', { id: 'p' })).toEqual(['FieldValueRequired desiredState.manifest.containers']);
    const b = fixture();
    manifest(b).restartPolicy = { always: {}, never: {} };
    expect(fields('Pod', b)).toEqual(['FieldValueInvalid desiredState.manifest.restartPolicy']);
  });

  test('a service needs a port in range and a DNS-1035 id', () => {
    expect(fields('Service', { id: 'svc' })).toEqual(['FieldValueRequired port']);
    expect(fields('Service', { id: '1svc', port: 0 })).toEqual(['FieldValueInvalid id', 'FieldValueInvalid port']);
    expect(fields('Service', { id: 'svc', port: 80, protocol: 'SCTP' })).toEqual(['FieldValueNotSupported protocol']);
  });

  test('a replication controller whose template labels do not match its selector is invalid there', () => {
    const b = {
      id: 'rc',
      desiredState: { replicas: 1, replicaSelector: { a: 'b' }, podTemplate: { labels: { a: 'c' }, desiredState: { manifest: { containers: [{ name: 'c', image: 'i' }] } } } },
    };
    expect(fields('ReplicationController', b)).toEqual(['FieldValueInvalid desiredState.podTemplate.labels']);
  });
});

describe('v1 field paths from the registry map back to v1beta1 paths', () => {
  test.each([
    ['Pod', 'metadata.name', 'id'],
    ['Pod', 'spec', 'desiredState'],
    ['Pod', 'metadata.labels', 'labels'],
    ['Pod', 'spec.containers[0].name', 'desiredState.manifest.containers[0].name'],
    ['Pod', 'spec.containers[0].args', 'desiredState.manifest.containers[0].command'],
    ['Pod', 'spec.containers[1].livenessProbe.httpGet.port', 'desiredState.manifest.containers[1].livenessProbe.httpGet.port'],
    ['Pod', 'spec.volumes[0].hostPath.path', 'desiredState.manifest.volumes[0].source.hostDir.path'],
    ['Pod', 'spec.restartPolicy', 'desiredState.manifest.restartPolicy'],
    ['Pod', 'spec.nodeName', 'desiredState.host'],
    ['Pod', 'spec.nodeSelector', 'nodeSelector'],
    ['Pod', 'status.phase', 'currentState.status'],
    ['Service', 'spec.ports[0].port', 'port'],
    ['Service', 'spec.ports[0].targetPort', 'containerPort'],
    ['Service', 'spec.ports[1].targetPort', 'ports[1].containerPort'],
    ['Service', 'spec.clusterIP', 'portalIP'],
    ['Service', 'spec.selector', 'selector'],
    ['ReplicationController', 'spec.selector', 'desiredState.replicaSelector'],
    ['ReplicationController', 'spec.template.spec.containers[0].image', 'desiredState.podTemplate.desiredState.manifest.containers[0].image'],
    ['ReplicationController', 'spec.template.metadata.labels', 'desiredState.podTemplate.labels'],
    ['Node', 'spec.podCIDR', 'podCIDR'],
    ['Event', 'source.component', 'source'],
    ['Endpoints', 'subsets[0].addresses[1].ip', 'subsets[0].addresses[1].IP'],
  ])('%s %s → %s', (kind, v1, beta) => {
    expect(fieldPathToV1beta1(kind, v1)).toBe(beta);
  });

  test('a registry 422 rendered as v1beta1 Status carries the mapped causes and message', () => {
    const err = errors.invalid('Pod', '', 'p', [{ type: 'FieldValueRequired', field: 'spec.containers[0].image' }]);
    const s = statusFromV1(err.status, 'Pod');
    expect(s).toEqual({
      kind: 'Status',
      creationTimestamp: null,
      apiVersion: 'v1beta1',
      status: 'Failure',
      message: 'Pod "p" is invalid: desiredState.manifest.containers[0].image: Required value',
      reason: 'Invalid',
      details: { id: 'p', kind: 'Pod', causes: [{ reason: 'FieldValueRequired', message: 'Required value', field: 'desiredState.manifest.containers[0].image' }] },
      code: 422,
    });
  });
});
