/**
 * Built-in patch metadata for the core kinds, transcribed from the struct tags and list markers
 * of k8s.io/api (core/v1, apps/v1, batch/v1). Used when no schema is available for a field, so
 * strategic merge and server-side apply behave like kube for the objects kubectl touches most.
 */
import type { FieldPatchInfo, PatchMeta } from './patch-meta';

type Table = Record<string, FieldPatchInfo>;

const byKey = (key: string, ...extraKeys: string[]): FieldPatchInfo => ({
  patchStrategy: 'merge',
  patchMergeKey: key,
  listType: 'map',
  listMapKeys: [key, ...extraKeys],
});
const atomic: FieldPatchInfo = { listType: 'atomic' };
const mergeSet: FieldPatchInfo = { patchStrategy: 'merge', listType: 'set' };

const map: FieldPatchInfo = { isMap: true };
const tcpDefault = (info: FieldPatchInfo): FieldPatchInfo => ({ ...info, keyDefaults: { protocol: 'TCP' } });

function containerFields(prefix: string): Table {
  return {
    [`${prefix}.ports`]: tcpDefault(byKey('containerPort', 'protocol')),
    [`${prefix}.resources.limits`]: map,
    [`${prefix}.resources.requests`]: map,
    [`${prefix}.env`]: byKey('name'),
    [`${prefix}.volumeMounts`]: byKey('mountPath'),
    [`${prefix}.volumeDevices`]: byKey('devicePath'),
    [`${prefix}.resizePolicy`]: atomic,
  };
}

function objectMetaFields(prefix: string): Table {
  return {
    [`${prefix}.ownerReferences`]: byKey('uid'),
    [`${prefix}.finalizers`]: mergeSet,
    [`${prefix}.managedFields`]: atomic,
    [`${prefix}.labels`]: map,
    [`${prefix}.annotations`]: map,
  };
}

function podSpecFields(prefix: string): Table {
  return {
    [`${prefix}.containers`]: byKey('name'),
    [`${prefix}.initContainers`]: byKey('name'),
    [`${prefix}.ephemeralContainers`]: byKey('name'),
    ...containerFields(`${prefix}.containers`),
    ...containerFields(`${prefix}.initContainers`),
    ...containerFields(`${prefix}.ephemeralContainers`),
    [`${prefix}.volumes`]: { ...byKey('name'), patchStrategy: 'merge,retainKeys' },
    [`${prefix}.imagePullSecrets`]: byKey('name'),
    [`${prefix}.hostAliases`]: byKey('ip'),
    [`${prefix}.tolerations`]: atomic,
    [`${prefix}.readinessGates`]: atomic,
    [`${prefix}.topologySpreadConstraints`]: byKey('topologyKey', 'whenUnsatisfiable'),
    [`${prefix}.schedulingGates`]: byKey('name'),
    [`${prefix}.resourceClaims`]: { ...byKey('name'), patchStrategy: 'merge,retainKeys' },
    [`${prefix}.nodeSelector`]: map,
    [`${prefix}.overhead`]: map,
  };
}

function podTemplateFields(prefix: string): Table {
  return { ...objectMetaFields(`${prefix}.metadata`), ...podSpecFields(`${prefix}.spec`) };
}

const conditions = (prefix: string): Table => ({ [`${prefix}.conditions`]: byKey('type') });

const workloadStatus: Table = conditions('status');

const tables: Record<string, Table> = {
  Pod: {
    ...podSpecFields('spec'),
    ...conditions('status'),
    'status.podIPs': byKey('ip'),
    'status.hostIPs': byKey('ip'),
    'status.resourceClaimStatuses': { ...byKey('name'), patchStrategy: 'merge,retainKeys' },
  },
  PodTemplate: podTemplateFields('template'),
  ReplicationController: { ...podTemplateFields('spec.template'), 'spec.selector': map, ...workloadStatus },
  Service: {
    'spec.ports': tcpDefault(byKey('port', 'protocol')),
    'spec.selector': map,
    'spec.clusterIPs': atomic,
    'spec.ipFamilies': atomic,
    'spec.externalIPs': atomic,
    ...conditions('status'),
  },
  Node: {
    'spec.podCIDRs': mergeSet,
    'spec.taints': atomic,
    ...conditions('status'),
    'status.addresses': byKey('type'),
    'status.capacity': map,
    'status.allocatable': map,
  },
  ConfigMap: { data: map, binaryData: map },
  Secret: { data: map, stringData: map },
  ResourceQuota: { 'spec.hard': map, 'status.hard': map, 'status.used': map },
  Namespace: conditions('status'),
  PersistentVolumeClaim: conditions('status'),
  Endpoints: { subsets: atomic },
  ServiceAccount: { secrets: byKey('name') },
  Deployment: { ...podTemplateFields('spec.template'), 'spec.strategy': { patchStrategy: 'retainKeys' }, ...workloadStatus },
  ReplicaSet: { ...podTemplateFields('spec.template'), ...workloadStatus },
  DaemonSet: { ...podTemplateFields('spec.template'), ...workloadStatus },
  StatefulSet: { ...podTemplateFields('spec.template'), ...workloadStatus },
  Job: { ...podTemplateFields('spec.template'), 'status.conditions': { patchStrategy: 'merge', patchMergeKey: 'type', listType: 'atomic' } },
  CronJob: podTemplateFields('spec.jobTemplate.spec.template'),
};

const metadataTable: Table = objectMetaFields('metadata');

/** Patch metadata for a core kind; unknown kinds still get the ObjectMeta rules. */
export function corePatchMeta(kind: string): PatchMeta {
  const table = tables[kind] ?? {};
  return {
    lookup(path) {
      const key = path.join('.');
      return table[key] ?? metadataTable[key];
    },
  };
}

/** Kinds with a built-in table (beyond ObjectMeta). */
export const corePatchMetaKinds: readonly string[] = Object.keys(tables);
