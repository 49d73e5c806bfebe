/**
 * v1beta1 Minion ⇄ v1 Node. `hostIP` is the node's first InternalIP (0.14: LegacyHostIP) address;
 * `resources.capacity` is `status.capacity`; `podCIDR`/`externalID`/`unschedulable` are spec fields;
 * condition `kind` is `type`, `lastProbeTime` is `lastHeartbeatTime`, Full/None are True/False.
 */
import type { KubeObject } from '../types';
import type { Obj } from './common';
import { API_VERSION, arr, bool, clone, compact, metaFromV1, metaToV1, put, rec, str } from './common';
import { CONDITION_STATUS_FROM_V1, CONDITION_STATUS_TO_V1 } from './pod';
import { resourceListFromV1, resourceListToV1 } from './quantity';

const HOST_ADDRESS_TYPES = ['InternalIP', 'LegacyHostIP'];

export function minionToV1(b: Obj): KubeObject {
  const spec = compact({
    podCIDR: str(b.podCIDR) || undefined,
    externalID: str(b.externalID) || undefined,
    unschedulable: bool(b.unschedulable) || undefined,
  });
  const bs = rec(b.status) ?? {};
  const status: Obj = {};
  put(status, 'capacity', resourceListToV1(rec(b.resources)?.capacity));
  put(status, 'phase', str(bs.phase));
  const conds = arr(bs.conditions);
  if (conds)
    status.conditions = conds.map((c) => {
      const r = rec(c) ?? {};
      const s = str(r.status);
      return (
        compact({
          type: r.kind,
          status: s === undefined ? undefined : (CONDITION_STATUS_TO_V1[s] ?? s),
          lastHeartbeatTime: r.lastProbeTime,
          lastTransitionTime: r.lastTransitionTime,
          reason: r.reason,
          message: r.message,
        }) ?? {}
      );
    });
  const addresses = (arr(bs.addresses) ?? []).map((a) => {
    const r = rec(a);
    return r && r.type === 'LegacyHostIP' ? { ...r, type: 'InternalIP' } : clone(a);
  });
  const hostIP = str(b.hostIP);
  if (hostIP && !addresses.some((a) => rec(a)?.address === hostIP)) addresses.unshift({ type: 'InternalIP', address: hostIP });
  if (addresses.length) status.addresses = addresses;
  const info = rec(bs.nodeInfo);
  if (info) {
    const { KubeProxyVersion, ...rest } = info;
    status.nodeInfo = { ...clone(rest), ...(KubeProxyVersion !== undefined ? { kubeProxyVersion: KubeProxyVersion } : {}) };
  }
  const v: KubeObject = { apiVersion: 'v1', kind: 'Node', metadata: metaToV1(b, true) };
  if (spec) v.spec = spec;
  if (Object.keys(status).length) v.status = status;
  return v;
}

export function minionFromV1(v: KubeObject): Obj {
  const spec = rec(v.spec) ?? {};
  const st = rec(v.status) ?? {};
  const b: Obj = { kind: 'Minion', apiVersion: API_VERSION, ...metaFromV1(v.metadata, true) };
  const addresses = (arr(st.addresses) ?? []).map((a) => rec(a) ?? {});
  put(b, 'hostIP', str(addresses.find((a) => HOST_ADDRESS_TYPES.includes(str(a.type) ?? ''))?.address));
  const capacity = resourceListFromV1(st.capacity);
  b.resources = capacity ? { capacity } : {};
  put(b, 'podCIDR', str(spec.podCIDR));
  put(b, 'externalID', str(spec.externalID));
  put(b, 'unschedulable', bool(spec.unschedulable));
  const status: Obj = {};
  put(status, 'phase', str(st.phase));
  const conds = arr(st.conditions);
  if (conds)
    status.conditions = conds.map((c) => {
      const r = rec(c) ?? {};
      const s = str(r.status);
      return (
        compact({
          kind: r.type,
          status: s === undefined ? undefined : (CONDITION_STATUS_FROM_V1[s] ?? s),
          lastProbeTime: r.lastHeartbeatTime,
          lastTransitionTime: r.lastTransitionTime,
          reason: r.reason,
          message: r.message,
        }) ?? {}
      );
    });
  if (addresses.length) status.addresses = clone(addresses);
  const info = rec(st.nodeInfo);
  if (info) {
    const { kubeProxyVersion, ...rest } = info;
    status.nodeInfo = { ...clone(rest), ...(kubeProxyVersion !== undefined ? { KubeProxyVersion: kubeProxyVersion } : {}) };
  }
  b.status = status;
  return b;
}
