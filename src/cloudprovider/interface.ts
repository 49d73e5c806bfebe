/**
 * A cloud provider, as `--cloud_provider` selects one: the source of the cluster's machines. The
 * node controller turns its instances into Node objects; nothing here touches the registry, so
 * another cluster manager can be plugged in beside Mesos.
 */
import type { NodeAddress } from 'kubernetes-types/core/v1';

export interface CloudInstance {
  /** Node name: the machine's hostname. */
  name: string;
  /** Stable id, e.g. `mesos:///<agent id>`. */
  providerID: string;
  addresses: NodeAddress[];
  /** Kubernetes quantities: cpu ("2", "1500m"), memory ("7680Mi"). */
  capacity: Record<string, string>;
  labels: Record<string, string>;
}

export interface CloudProvider {
  readonly name: string;
  clusterName(): Promise<string>;
  /** Machines currently alive; one that drops out is gone (its node goes NotReady, then away). */
  instances(): Promise<CloudInstance[]>;
  stop(): void;
}
