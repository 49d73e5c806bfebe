/**
 * PodSpec defaulting and validation, shared by pods and replication controller templates
 * (kube's SetDefaults_PodSpec / SetDefaults_Container and ValidatePodSpec, the parts clients meet).
 */
import type { FieldError } from '../../api/errors';
import { isRecord } from '../../api/types';
import { duplicate, invalid, notSupported, required } from '../validation/field';
import { isDns1123Label, isDns1123Subdomain, isValidPortNum } from '../validation/names';

type Rec = Record<string, unknown>;

/** kube: Always for `:latest` or untagged images, IfNotPresent otherwise (digests included). */
export function defaultPullPolicy(image: unknown): string {
  if (typeof image !== 'string') return 'IfNotPresent';
  if (image.includes('@')) return 'IfNotPresent';
  const lastSlash = image.lastIndexOf('/');
  const tail = image.slice(lastSlash + 1);
  const colon = tail.lastIndexOf(':');
  if (colon < 0) return 'Always';
  return tail.slice(colon + 1) === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultContainer(c: unknown): void {
  if (!isRecord(c)) return;
  if (c['imagePullPolicy'] === undefined || c['imagePullPolicy'] === '') c['imagePullPolicy'] = defaultPullPolicy(c['image']);
  if (c['terminationMessagePath'] === undefined || c['terminationMessagePath'] === '') c['terminationMessagePath'] = '/dev/termination-log';
  if (c['terminationMessagePolicy'] === undefined || c['terminationMessagePolicy'] === '') c['terminationMessagePolicy'] = 'File';
  if (c['resources'] === undefined) c['resources'] = {};
  if (Array.isArray(c['ports'])) {
    for (const p of c['ports']) if (isRecord(p) && (p['protocol'] === undefined || p['protocol'] === '')) p['protocol'] = 'TCP';
  }
  if (Array.isArray(c['env'])) {
    for (const e of c['env']) {
      const fieldRef = isRecord(e) && isRecord(e['valueFrom']) ? e['valueFrom']['fieldRef'] : undefined;
      if (isRecord(fieldRef) && fieldRef['apiVersion'] === undefined) fieldRef['apiVersion'] = 'v1';
    }
  }
}

export function defaultPodSpec(spec: Rec): void {
  if (spec['restartPolicy'] === undefined || spec['restartPolicy'] === '') spec['restartPolicy'] = 'Always';
  if (spec['dnsPolicy'] === undefined || spec['dnsPolicy'] === '') spec['dnsPolicy'] = 'ClusterFirst';
  if (spec['terminationGracePeriodSeconds'] === undefined || spec['terminationGracePeriodSeconds'] === null) spec['terminationGracePeriodSeconds'] = 30;
  if (spec['schedulerName'] === undefined || spec['schedulerName'] === '') spec['schedulerName'] = 'default-scheduler';
  if (spec['securityContext'] === undefined) spec['securityContext'] = {};
  if (spec['enableServiceLinks'] === undefined) spec['enableServiceLinks'] = true;
  for (const list of ['containers', 'initContainers']) {
    const cs = spec[list];
    if (Array.isArray(cs)) cs.forEach(defaultContainer);
  }
  if (Array.isArray(spec['volumes'])) {
    for (const v of spec['volumes']) {
      if (!isRecord(v)) continue;
      const sources = ['hostPath', 'emptyDir', 'secret', 'configMap', 'persistentVolumeClaim', 'nfs', 'downwardAPI', 'projected'];
      if (!sources.some((s) => v[s] !== undefined)) v['emptyDir'] = {};
      if (isRecord(v['secret']) && v['secret']['defaultMode'] === undefined) v['secret']['defaultMode'] = 420;
      if (isRecord(v['configMap']) && v['configMap']['defaultMode'] === undefined) v['configMap']['defaultMode'] = 420;
    }
  }
}

const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];
const DNS_POLICIES = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];
const TOLERATION_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

function validatePorts(ports: unknown, path: string): FieldError[] {
  if (ports === undefined) return [];
  if (!Array.isArray(ports)) return [invalid(path, ports, 'must be a list')];
  const errs: FieldError[] = [];
  const names = new Set<string>();
  ports.forEach((p, i) => {
    const pp = `${path}[${i}]`;
    if (!isRecord(p)) return;
    const cp = p['containerPort'];
    if (cp === undefined || cp === 0) errs.push(required(`${pp}.containerPort`));
    else if (!isValidPortNum(cp)) errs.push(invalid(`${pp}.containerPort`, cp, 'must be between 1 and 65535, inclusive'));
    if (p['hostPort'] !== undefined && p['hostPort'] !== 0 && !isValidPortNum(p['hostPort']))
      errs.push(invalid(`${pp}.hostPort`, p['hostPort'], 'must be between 1 and 65535, inclusive'));
    if (p['protocol'] !== undefined && !PROTOCOLS.includes(String(p['protocol']))) errs.push(notSupported(`${pp}.protocol`, p['protocol'], PROTOCOLS));
    const name = p['name'];
    if (typeof name === 'string' && name !== '') {
      if (name.length > 15 || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name) || !/[a-z]/.test(name) || name.includes('--'))
        errs.push(invalid(`${pp}.name`, name, 'must be no more than 15 characters, contain only lowercase alphanumeric characters or \'-\', contain at least one letter, and not start or end with \'-\''));
      if (names.has(name)) errs.push(duplicate(`${pp}.name`, name));
      names.add(name);
    }
  });
  return errs;
}

function validateContainers(cs: unknown, path: string, volumes: Set<string>, requireOne: boolean): FieldError[] {
  if (cs === undefined || (Array.isArray(cs) && cs.length === 0)) return requireOne ? [required(path)] : [];
  if (!Array.isArray(cs)) return [invalid(path, cs, 'must be a list')];
  const errs: FieldError[] = [];
  const names = new Set<string>();
  cs.forEach((c, i) => {
    const cp = `${path}[${i}]`;
    if (!isRecord(c)) {
      errs.push(invalid(cp, c, 'must be an object'));
      return;
    }
    const name = c['name'];
    if (typeof name !== 'string' || name === '') errs.push(required(`${cp}.name`));
    else {
      for (const m of isDns1123Label(name)) errs.push(invalid(`${cp}.name`, name, m));
      if (names.has(name)) errs.push(duplicate(`${cp}.name`, name));
      names.add(name);
    }
    const image = c['image'];
    if (typeof image !== 'string' || image.trim() === '') errs.push(required(`${cp}.image`));
    else if (image !== image.trim()) errs.push(invalid(`${cp}.image`, image, 'must not have leading or trailing whitespace'));
    if (c['imagePullPolicy'] !== undefined && !PULL_POLICIES.includes(String(c['imagePullPolicy'])))
      errs.push(notSupported(`${cp}.imagePullPolicy`, c['imagePullPolicy'], PULL_POLICIES));
    errs.push(...validatePorts(c['ports'], `${cp}.ports`));
    const mounts = c['volumeMounts'];
    if (Array.isArray(mounts)) {
      mounts.forEach((m, j) => {
        if (!isRecord(m)) return;
        const mp = `${cp}.volumeMounts[${j}]`;
        if (typeof m['name'] !== 'string' || m['name'] === '') errs.push(required(`${mp}.name`));
        else if (!volumes.has(m['name'])) errs.push({ type: 'FieldValueNotFound', field: `${mp}.name`, value: m['name'] });
        if (typeof m['mountPath'] !== 'string' || m['mountPath'] === '') errs.push(required(`${mp}.mountPath`));
      });
    }
    const env = c['env'];
    if (Array.isArray(env)) {
      env.forEach((e, j) => {
        if (!isRecord(e)) return;
        const n = e['name'];
        if (typeof n !== 'string' || n === '') errs.push(required(`${cp}.env[${j}].name`));
        else if (!/^[-._a-zA-Z][-._a-zA-Z0-9]*$/.test(n))
          errs.push(invalid(`${cp}.env[${j}].name`, n, "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')"));
      });
    }
  });
  return errs;
}

export function validatePodSpec(spec: unknown, path: string): FieldError[] {
  if (!isRecord(spec)) return [required(`${path}.containers`)];
  const errs: FieldError[] = [];
  const volumes = new Set<string>();
  const vols = spec['volumes'];
  if (Array.isArray(vols)) {
    vols.forEach((v, i) => {
      if (!isRecord(v)) return;
      const n = v['name'];
      if (typeof n !== 'string' || n === '') errs.push(required(`${path}.volumes[${i}].name`));
      else {
        for (const m of isDns1123Label(n)) errs.push(invalid(`${path}.volumes[${i}].name`, n, m));
        if (volumes.has(n)) errs.push(duplicate(`${path}.volumes[${i}].name`, n));
        volumes.add(n);
      }
    });
  }
  errs.push(...validateContainers(spec['containers'], `${path}.containers`, volumes, true));
  errs.push(...validateContainers(spec['initContainers'], `${path}.initContainers`, volumes, false));
  const rp = spec['restartPolicy'];
  if (rp !== undefined && !RESTART_POLICIES.includes(String(rp))) errs.push(notSupported(`${path}.restartPolicy`, rp, RESTART_POLICIES));
  const dp = spec['dnsPolicy'];
  if (dp !== undefined && !DNS_POLICIES.includes(String(dp))) errs.push(notSupported(`${path}.dnsPolicy`, dp, DNS_POLICIES));
  const tg = spec['terminationGracePeriodSeconds'];
  if (tg !== undefined && tg !== null && (typeof tg !== 'number' || !Number.isInteger(tg)))
    errs.push(invalid(`${path}.terminationGracePeriodSeconds`, tg, 'must be an integer'));
  const ad = spec['activeDeadlineSeconds'];
  if (ad !== undefined && ad !== null && (typeof ad !== 'number' || !Number.isInteger(ad) || ad <= 0))
    errs.push(invalid(`${path}.activeDeadlineSeconds`, ad, 'must be between 1 and 2147483647, inclusive'));
  const nn = spec['nodeName'];
  if (typeof nn === 'string' && nn !== '') for (const m of isDns1123Subdomain(nn)) errs.push(invalid(`${path}.nodeName`, nn, m));
  const tol = spec['tolerations'];
  if (Array.isArray(tol)) {
    tol.forEach((t, i) => {
      if (!isRecord(t)) return;
      const e = t['effect'];
      if (e !== undefined && e !== '' && !TOLERATION_EFFECTS.includes(String(e))) errs.push(notSupported(`${path}.tolerations[${i}].effect`, e, TOLERATION_EFFECTS));
      const op = t['operator'];
      if (op !== undefined && op !== '' && op !== 'Exists' && op !== 'Equal') errs.push(notSupported(`${path}.tolerations[${i}].operator`, op, ['Equal', 'Exists']));
    });
  }
  return errs;
}
