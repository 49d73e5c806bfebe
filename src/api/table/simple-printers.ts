/** Namespaces, ReplicationControllers, ConfigMaps, Secrets, Leases and the default Name/Created At table. */
import type { ConfigMap, Namespace, ReplicationController, Secret } from 'kubernetes-types/core/v1';
import type { Lease } from 'kubernetes-types/coordination/v1';
import type { KubeObject } from '../types';
import { formatLabels, timestampSince } from './human-duration';
import { ageColumn, AGE_DESCRIPTION, col, nameColumn } from './types';
import type { Printer } from './types';

const age = (obj: KubeObject, now: Date): string => timestampSince(obj.metadata?.creationTimestamp, now);

export const namespacePrinter: Printer = {
  columns: [nameColumn(), col('Status', 'string', 'The status of the namespace'), ageColumn()],
  cells: (obj, now) => [obj.metadata?.name ?? '', (obj as Namespace).status?.phase ?? '', age(obj, now)],
};

export const replicationControllerPrinter: Printer = {
  columns: [
    nameColumn(),
    col('Desired', 'integer', 'Replicas is the number of desired replicas. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1.'),
    col('Current', 'integer', 'Replicas is the most recently observed number of replicas.'),
    col('Ready', 'integer', 'The number of ready replicas for this replication controller.'),
    ageColumn(),
    col('Containers', 'string', 'Names of each container in the template.', 1),
    col('Images', 'string', 'Images referenced by each container in the template.', 1),
    col('Selector', 'string', 'Selector is a label query over pods that should match the Replicas count.', 1),
  ],
  cells(obj, now) {
    const rc = obj as ReplicationController;
    const containers = rc.spec?.template?.spec?.containers ?? [];
    return [
      rc.metadata?.name ?? '',
      rc.spec?.replicas ?? 0,
      rc.status?.replicas ?? 0,
      rc.status?.readyReplicas ?? 0,
      age(obj, now),
      containers.map((c) => c.name).join(','),
      containers.map((c) => c.image ?? '').join(','),
      formatLabels(rc.spec?.selector),
    ];
  },
};

export const configMapPrinter: Printer = {
  columns: [nameColumn(), col('Data', 'integer', 'Data contains the configuration data.'), ageColumn()],
  cells(obj, now) {
    const cm = obj as ConfigMap;
    return [cm.metadata?.name ?? '', Object.keys(cm.data ?? {}).length + Object.keys(cm.binaryData ?? {}).length, age(obj, now)];
  },
};

export const secretPrinter: Printer = {
  columns: [nameColumn(), col('Type', 'string', 'Used to facilitate programmatic handling of secret data.'), col('Data', 'integer', 'Data contains the secret data.'), ageColumn()],
  cells(obj, now) {
    const s = obj as Secret;
    return [s.metadata?.name ?? '', s.type ?? '', Object.keys(s.data ?? {}).length, age(obj, now)];
  },
};

export const leasePrinter: Printer = {
  columns: [nameColumn(), col('Holder', 'string', 'holderIdentity contains the identity of the holder of a current lease.'), ageColumn()],
  cells(obj, now) {
    const l = obj as Lease;
    return [l.metadata?.name ?? '', l.spec?.holderIdentity ?? '', age(obj, now)];
  },
};

/** kube's default table convertor for kinds without a printer: Name and Created At (a date column). */
export const defaultPrinter: Printer = {
  columns: [nameColumn(), col('Created At', 'date', AGE_DESCRIPTION)],
  cells: (obj) => [obj.metadata?.name ?? '', obj.metadata?.creationTimestamp ?? ''],
};
