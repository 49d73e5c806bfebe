/** Services (kube's registry/core/service): defaults, port rules, cluster IP kept across updates. */
import type { FieldError } from '../../api/errors';
import { ApiError, errors } from '../../api/errors';
import type { KubeObject } from '../../api/types';
import { isRecord } from '../../api/types';
import { baseStrategy, metaFields, resourceInfo } from '../strategy';
import type { Strategy, Undo } from '../strategy';
import { clone, getArr, getRec, getStr } from '../object-util';
import { duplicate, invalid, notSupported, required } from '../validation/field';
import { isDns1035Label, isDns1123Label, isDns1123Subdomain, isIP, isValidPortNum } from '../validation/names';
import { validateLabels } from '../validation/object-meta';

export const serviceInfo = resourceInfo({
  group: '',
  resource: 'services',
  singularName: 'service',
  kind: 'Service',
  namespaced: true,
  shortNames: ['svc'],
  categories: ['all'],
});

/** Where cluster IPs and node ports come from (src/allocator); absent = leave them as given. */
export interface ServiceAllocators {
  allocateIp(ip?: string): Promise<string>;
  releaseIp(ip: string): Promise<void>;
  allocatePort?(port?: number): Promise<number>;
  releasePort?(port: number): Promise<void>;
}

const TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const AFFINITY = ['ClientIP', 'None'];

function ports(obj: KubeObject): Record<string, unknown>[] {
  return getArr(getRec(obj, 'spec'), 'ports').filter(isRecord);
}

function needsClusterIP(obj: KubeObject): boolean {
  return getStr(getRec(obj, 'spec'), 'type') !== 'ExternalName';
}

function needsNodePorts(obj: KubeObject): boolean {
  const t = getStr(getRec(obj, 'spec'), 'type');
  return t === 'NodePort' || t === 'LoadBalancer';
}

function validateSpec(obj: KubeObject): FieldError[] {
  const spec = getRec(obj, 'spec');
  const errs: FieldError[] = [];
  if (!spec) return [required('spec')];
  const type = getStr(spec, 'type') ?? 'ClusterIP';
  if (!TYPES.includes(type)) errs.push(notSupported('spec.type', type, TYPES));
  const ps = ports(obj);
  const clusterIP = getStr(spec, 'clusterIP') ?? '';
  const headless = clusterIP === 'None';
  if (type !== 'ExternalName' && ps.length === 0 && !headless) errs.push(required('spec.ports'));
  if (type === 'ExternalName') {
    const en = getStr(spec, 'externalName') ?? '';
    if (!en) errs.push(required('spec.externalName'));
    else for (const m of isDns1123Subdomain(en.replace(/\.$/, ''))) errs.push(invalid('spec.externalName', en, m));
  }
  const names = new Set<string>();
  ps.forEach((p, i) => {
    const pp = `spec.ports[${i}]`;
    const name = getStr(p, 'name') ?? '';
    if (ps.length > 1 && name === '') errs.push(required(`${pp}.name`));
    if (name !== '') {
      for (const m of isDns1123Label(name)) errs.push(invalid(`${pp}.name`, name, m));
      if (names.has(name)) errs.push(duplicate(`${pp}.name`, name));
      names.add(name);
    }
    if (!isValidPortNum(p['port'])) errs.push(invalid(`${pp}.port`, p['port'] ?? 0, 'must be between 1 and 65535, inclusive'));
    const proto = p['protocol'];
    if (proto !== undefined && !PROTOCOLS.includes(String(proto))) errs.push(notSupported(`${pp}.protocol`, proto, PROTOCOLS));
    const tp = p['targetPort'];
    if (typeof tp === 'number' && !isValidPortNum(tp)) errs.push(invalid(`${pp}.targetPort`, tp, 'must be between 1 and 65535, inclusive'));
    if (typeof tp === 'string' && !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(tp)) errs.push(invalid(`${pp}.targetPort`, tp, 'must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)'));
    const np = p['nodePort'];
    if (np !== undefined && np !== 0) {
      if (type === 'ClusterIP') errs.push({ type: 'FieldValueForbidden', field: `${pp}.nodePort`, detail: 'may not be used when `type` is \'ClusterIP\'' });
      else if (!isValidPortNum(np)) errs.push(invalid(`${pp}.nodePort`, np, 'must be between 1 and 65535, inclusive'));
    }
  });
  const aff = spec['sessionAffinity'];
  if (aff !== undefined && !AFFINITY.includes(String(aff))) errs.push(notSupported('spec.sessionAffinity', aff, AFFINITY));
  if (clusterIP !== '' && !headless && !isIP(clusterIP))
    errs.push(invalid('spec.clusterIPs[0]', clusterIP, 'must be empty, \'None\', or a valid IP address'));
  errs.push(...validateLabels(spec['selector'], 'spec.selector'));
  return errs;
}

export function serviceStrategy(alloc?: ServiceAllocators): Strategy {
  return {
    ...baseStrategy,
    info: serviceInfo,
    validateName: isDns1035Label,
    selectableFields: ['metadata.name', 'metadata.namespace', 'spec.clusterIP', 'spec.type'],
    fieldsOf: (obj) => ({
      ...metaFields(obj, true),
      'spec.clusterIP': getStr(getRec(obj, 'spec'), 'clusterIP') ?? '',
      'spec.type': getStr(getRec(obj, 'spec'), 'type') ?? '',
    }),
    defaults(obj) {
      const spec = getRec(obj, 'spec');
      if (!spec) return;
      if (!spec['type']) spec['type'] = 'ClusterIP';
      if (!spec['sessionAffinity']) spec['sessionAffinity'] = 'None';
      if (spec['type'] !== 'ExternalName' && !spec['internalTrafficPolicy']) spec['internalTrafficPolicy'] = 'Cluster';
      if ((spec['type'] === 'NodePort' || spec['type'] === 'LoadBalancer') && !spec['externalTrafficPolicy']) spec['externalTrafficPolicy'] = 'Cluster';
      for (const p of getArr(spec, 'ports')) {
        if (!isRecord(p)) continue;
        if (!p['protocol']) p['protocol'] = 'TCP';
        if (p['targetPort'] === undefined || p['targetPort'] === 0 || p['targetPort'] === '') p['targetPort'] = p['port'];
      }
    },
    prepareForCreate(obj) {
      obj['status'] = { loadBalancer: {} };
    },
    prepareForUpdate(obj, old) {
      obj['status'] = clone(old['status'] ?? { loadBalancer: {} });
      // A PUT without the allocated values keeps them (kube's patchAllocatedValues).
      const spec = getRec(obj, 'spec');
      const oldSpec = getRec(old, 'spec');
      if (spec && oldSpec && needsClusterIP(obj) && needsClusterIP(old)) {
        if (!spec['clusterIP'] && oldSpec['clusterIP']) spec['clusterIP'] = oldSpec['clusterIP'];
        if (!spec['clusterIPs'] && oldSpec['clusterIPs']) spec['clusterIPs'] = clone(oldSpec['clusterIPs']);
        if (!spec['ipFamilies'] && oldSpec['ipFamilies']) spec['ipFamilies'] = clone(oldSpec['ipFamilies']);
        if (!spec['ipFamilyPolicy'] && oldSpec['ipFamilyPolicy']) spec['ipFamilyPolicy'] = oldSpec['ipFamilyPolicy'];
      }
      if (spec && oldSpec && needsNodePorts(obj) && needsNodePorts(old)) {
        const oldPorts = getArr(oldSpec, 'ports').filter(isRecord);
        for (const p of getArr(spec, 'ports')) {
          if (!isRecord(p) || p['nodePort']) continue;
          const match = oldPorts.find((o) => o['port'] === p['port'] && (o['protocol'] ?? 'TCP') === (p['protocol'] ?? 'TCP'));
          if (match?.['nodePort']) p['nodePort'] = match['nodePort'];
        }
      }
    },
    validate: validateSpec,
    validateUpdate(obj, old) {
      const errs: FieldError[] = [];
      const ip = getStr(getRec(obj, 'spec'), 'clusterIP') ?? '';
      const oldIp = getStr(getRec(old, 'spec'), 'clusterIP') ?? '';
      if (needsClusterIP(obj) && needsClusterIP(old) && oldIp !== '' && ip !== oldIp)
        errs.push(invalid('spec.clusterIPs[0]', ip, 'may not change once set'));
      return errs;
    },
    async beforeStore(obj, old, dryRun) {
      const spec = getRec(obj, 'spec');
      if (!spec) return undefined;
      const undo: Undo[] = [];
      if (needsClusterIP(obj) && spec['clusterIP'] !== 'None') {
        const want = getStr(spec, 'clusterIP') || undefined;
        const oldIp = old ? getStr(getRec(old, 'spec'), 'clusterIP') : undefined;
        if (alloc && !dryRun && (want === undefined || want !== oldIp)) {
          const ip = await allocOrInvalid(obj, () => alloc.allocateIp(want), 'spec.clusterIPs', want);
          spec['clusterIP'] = ip;
          undo.push(() => alloc.releaseIp(ip));
        }
      }
      if (needsClusterIP(obj)) {
        const ip = getStr(spec, 'clusterIP');
        if (ip) spec['clusterIPs'] = [ip];
        if (!spec['ipFamilies']) spec['ipFamilies'] = ['IPv4'];
        if (!spec['ipFamilyPolicy']) spec['ipFamilyPolicy'] = 'SingleStack';
      }
      if (needsNodePorts(obj) && alloc?.allocatePort && !dryRun) {
        const oldPorts = new Set(getArr(getRec(old, 'spec'), 'ports').filter(isRecord).map((p) => p['nodePort']));
        for (const [i, p] of getArr(spec, 'ports').entries()) {
          if (!isRecord(p)) continue;
          const want = typeof p['nodePort'] === 'number' && p['nodePort'] !== 0 ? p['nodePort'] : undefined;
          if (want !== undefined && oldPorts.has(want)) continue;
          const port = await allocOrInvalid(obj, () => alloc.allocatePort!(want), `spec.ports[${i}].nodePort`, want);
          p['nodePort'] = port;
          undo.push(() => alloc.releasePort!(port));
        }
      }
      return undo.length > 0 ? async () => void (await Promise.all(undo.map((u) => u()))) : undefined;
    },
    async afterDelete(obj) {
      if (!alloc) return;
      const ip = getStr(getRec(obj, 'spec'), 'clusterIP');
      if (ip && ip !== 'None') await alloc.releaseIp(ip);
      if (alloc.releasePort) for (const p of ports(obj)) if (typeof p['nodePort'] === 'number') await alloc.releasePort(p['nodePort']);
    },
  };
}

/** Allocation failures are the user's fault (taken or out of range): 422 on the field, as kube does. */
async function allocOrInvalid<T>(obj: KubeObject, fn: () => Promise<T>, field: string, value: unknown): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof ApiError) throw err;
    const msg = err instanceof Error ? err.message : String(err);
    throw errors.invalid('Service', '', obj.metadata?.name ?? '', [invalid(field, value ?? '', msg)]);
  }
}

export const serviceStatusStrategy = (alloc?: ServiceAllocators): Strategy => {
  const main = serviceStrategy(alloc);
  return {
    ...main,
    info: { ...serviceInfo, resource: 'services/status', verbs: ['get', 'patch', 'update'] },
    beforeStore: undefined,
    prepareForCreate() {},
    prepareForUpdate(obj, old) {
      obj['spec'] = clone(old['spec']);
    },
    validate: () => [],
    validateUpdate: () => [],
  };
};
