/**
 * Validation of v1beta1 input before conversion, reporting v1beta1 field paths (`id`,
 * `desiredState.manifest.containers[0].name`, …). It covers what only the v1beta1 shape can get
 * wrong (the manifest version, the restart policy object, the flat service port) and the common
 * mistakes the acceptance names; deeper v1 checks are the registry's, whose causes the router maps
 * back through field-paths.ts.
 */
import type { FieldError } from '../errors';
import { errors } from '../errors';
import { isDns1035Label, isDns1123Label, isDns1123Subdomain } from '../../registry/validation/names';
import type { Obj } from './common';
import { arr, num, rec, str } from './common';
import { SUPPORTED_MANIFEST_VERSIONS } from './pod-spec';

const required = (field: string): FieldError => ({ type: 'FieldValueRequired', field });
const invalid = (field: string, value: unknown, detail?: string): FieldError => ({ type: 'FieldValueInvalid', field, value, detail });
const notSupported = (field: string, value: unknown, valid: string[]): FieldError => ({
  type: 'FieldValueNotSupported',
  field,
  value,
  detail: `supported values: ${valid.map((v) => JSON.stringify(v)).join(', ')}`,
});

function validateId(b: Obj, errs: FieldError[], check: (v: string) => string[]): void {
  const id = b.id;
  if (id === undefined || id === '') {
    if (!str(b.generateName)) errs.push(required('id'));
    return;
  }
  if (typeof id !== 'string') return void errs.push(invalid('id', id, 'must be a string'));
  for (const msg of check(id)) errs.push(invalid('id', id, msg));
}

function validatePort(field: string, v: unknown, errs: FieldError[], allowZero: boolean): void {
  if (v === undefined) return;
  const n = num(v);
  if (n === undefined || !Number.isInteger(n) || n < (allowZero ? 0 : 1) || n > 65535)
    errs.push(invalid(field, v, `must be between ${allowZero ? 0 : 1} and 65535, inclusive`));
}

function validateProtocol(field: string, v: unknown, errs: FieldError[]): void {
  if (v === undefined || v === '') return;
  if (v !== 'TCP' && v !== 'UDP') errs.push(notSupported(field, v, ['TCP', 'UDP']));
}

function validateManifest(m: Obj | undefined, path: string, errs: FieldError[]): void {
  if (!m) return void errs.push(required(`${path}.containers`));
  const version = m.version;
  if (version !== undefined && version !== '' && !SUPPORTED_MANIFEST_VERSIONS.includes(String(version)))
    errs.push(notSupported(`${path}.version`, version, SUPPORTED_MANIFEST_VERSIONS));
  const rp = m.restartPolicy;
  if (rp !== undefined && rp !== null) {
    const keys = rec(rp) ? Object.keys(rec(rp)!) : [];
    const known = keys.filter((k) => ['always', 'onFailure', 'never'].includes(k));
    if (!rec(rp) || known.length > 1 || keys.length !== known.length)
      errs.push(invalid(`${path}.restartPolicy`, rp, 'must set exactly one of always, onFailure, never'));
  }
  const volumeNames = new Set<string>();
  const volumes = m.volumes;
  if (volumes !== undefined && volumes !== null && !Array.isArray(volumes)) errs.push(invalid(`${path}.volumes`, volumes, 'must be a list'));
  (arr(volumes) ?? []).forEach((v, i) => {
    const p = `${path}.volumes[${i}]`;
    const name = str(rec(v)?.name);
    if (!name) return void errs.push(required(`${p}.name`));
    for (const msg of isDns1123Label(name)) errs.push(invalid(`${p}.name`, name, msg));
    if (volumeNames.has(name)) errs.push({ type: 'FieldValueDuplicate', field: `${p}.name`, value: name });
    volumeNames.add(name);
  });
  const containers = m.containers;
  if (!Array.isArray(containers) || containers.length === 0) {
    if (containers !== undefined && containers !== null && !Array.isArray(containers)) errs.push(invalid(`${path}.containers`, containers, 'must be a list'));
    else errs.push(required(`${path}.containers`));
    return;
  }
  const names = new Set<string>();
  containers.forEach((c, i) => {
    const p = `${path}.containers[${i}]`;
    const ct = rec(c);
    if (!ct) return void errs.push(invalid(p, c, 'must be an object'));
    const name = ct.name;
    if (name === undefined || name === '') errs.push(required(`${p}.name`));
    else if (typeof name !== 'string') errs.push(invalid(`${p}.name`, name, 'must be a string'));
    else {
      for (const msg of isDns1123Label(name)) errs.push(invalid(`${p}.name`, name, msg));
      if (names.has(name)) errs.push({ type: 'FieldValueDuplicate', field: `${p}.name`, value: name });
      names.add(name);
    }
    if (!str(ct.image)) errs.push(required(`${p}.image`));
    (arr(ct.ports) ?? []).forEach((port, j) => {
      const pp = `${p}.ports[${j}]`;
      const po = rec(port) ?? {};
      if (po.containerPort === undefined) errs.push(required(`${pp}.containerPort`));
      else validatePort(`${pp}.containerPort`, po.containerPort, errs, false);
      validatePort(`${pp}.hostPort`, po.hostPort, errs, true);
      validateProtocol(`${pp}.protocol`, po.protocol, errs);
    });
    (arr(ct.volumeMounts) ?? []).forEach((vm, j) => {
      const name = str(rec(vm)?.name);
      if (name && !volumeNames.has(name)) errs.push({ type: 'FieldValueNotFound', field: `${p}.volumeMounts[${j}].name`, value: name });
    });
  });
}

/** Field errors of a v1beta1 object, with v1beta1 paths. `kind` is the v1beta1 or v1 kind. */
export function validationErrors(kind: string, b: Obj): FieldError[] {
  const errs: FieldError[] = [];
  switch (kind) {
    case 'Pod':
      validateId(b, errs, isDns1123Subdomain);
      validateManifest(rec(rec(b.desiredState)?.manifest), 'desiredState.manifest', errs);
      break;
    case 'ReplicationController': {
      validateId(b, errs, isDns1123Subdomain);
      const ds = rec(b.desiredState) ?? {};
      const replicas = ds.replicas;
      if (replicas !== undefined && (num(replicas) === undefined || (replicas as number) < 0 || !Number.isInteger(replicas)))
        errs.push(invalid('desiredState.replicas', replicas, 'must be greater than or equal to 0'));
      const sel = rec(ds.replicaSelector);
      if (!sel || Object.keys(sel).length === 0) errs.push(required('desiredState.replicaSelector'));
      const tpl = rec(ds.podTemplate);
      if (!tpl) errs.push(required('desiredState.podTemplate'));
      else {
        const labels = rec(tpl.labels) ?? {};
        if (sel && Object.entries(sel).some(([k, v]) => labels[k] !== v))
          errs.push(invalid('desiredState.podTemplate.labels', labels, '`selector` does not match template `labels`'));
        validateManifest(rec(rec(tpl.desiredState)?.manifest), 'desiredState.podTemplate.desiredState.manifest', errs);
      }
      break;
    }
    case 'Service': {
      validateId(b, errs, isDns1035Label);
      const ports = arr(b.ports);
      if (ports && ports.length)
        ports.forEach((p, i) => {
          const po = rec(p) ?? {};
          if (po.port === undefined) errs.push(required(`ports[${i}].port`));
          else validatePort(`ports[${i}].port`, po.port, errs, false);
          validateProtocol(`ports[${i}].protocol`, po.protocol, errs);
        });
      else if (b.port === undefined) errs.push(required('port'));
      else validatePort('port', b.port, errs, false);
      validateProtocol('protocol', b.protocol, errs);
      const aff = b.sessionAffinity;
      if (aff !== undefined && aff !== '' && aff !== 'None' && aff !== 'ClientIP') errs.push(notSupported('sessionAffinity', aff, ['ClientIP', 'None']));
      break;
    }
    case 'Binding':
      if (!str(b.podID)) errs.push(required('podID'));
      if (!str(b.host)) errs.push(required('host'));
      break;
    case 'Minion':
    case 'Node':
    case 'Endpoints':
    case 'Event':
      validateId(b, errs, isDns1123Subdomain);
      break;
    default:
      break;
  }
  return errs;
}

/** Throws 422 Invalid (v1beta1 kind, v1beta1 paths) when the object has field errors. */
export function validate(kind: string, b: Obj): void {
  const errs = validationErrors(kind, b);
  if (errs.length) throw errors.invalid(kind === 'Node' ? 'Minion' : kind, '', str(b.id) ?? str(b.podID) ?? '', errs);
}
