/**
 * v1beta1 Pod ⇄ v1 Pod. The spec half is in pod-spec.ts; this file adds the envelope and
 * `currentState` ⇄ `status` (phase words, the capital-C `Condition` list, the `info` map of container
 * statuses ⇄ v1's list, `termination` ⇄ `terminated`).
 */
import type { KubeObject } from '../types';
import type { Obj } from './common';
import { API_VERSION, arr, clone, compact, mergeExtras, metaFromV1, metaToV1, num, put, readExtras, rec, str, writeExtras } from './common';
import { podSpecFromV1, podSpecToV1 } from './pod-spec';

export const PHASE_TO_V1: Record<string, string> = {
  Waiting: 'Pending',
  Running: 'Running',
  Succeeded: 'Succeeded',
  Terminated: 'Failed',
  Unknown: 'Unknown',
};
export const PHASE_FROM_V1: Record<string, string> = Object.fromEntries(Object.entries(PHASE_TO_V1).map(([b, v]) => [v, b]));

export const CONDITION_STATUS_TO_V1: Record<string, string> = { Full: 'True', None: 'False', Unknown: 'Unknown' };
export const CONDITION_STATUS_FROM_V1: Record<string, string> = { True: 'Full', False: 'None', Unknown: 'Unknown' };

function renameKey(o: Obj | undefined, from: string, to: string): Obj | undefined {
  if (!o) return undefined;
  const out: Obj = {};
  for (const [k, v] of Object.entries(o)) out[k === from ? to : k] = clone(v);
  return out;
}

function statusToV1(cs: Obj): Obj | undefined {
  const st: Obj = {};
  const phase = str(cs.status);
  put(st, 'phase', phase === undefined ? undefined : (PHASE_TO_V1[phase] ?? phase));
  const conds = arr(cs.Condition);
  if (conds)
    st.conditions = conds.map((c) => {
      const r = rec(c) ?? {};
      const s = str(r.status);
      return compact({ type: r.kind, status: s === undefined ? undefined : (CONDITION_STATUS_TO_V1[s] ?? s) }) ?? {};
    });
  put(st, 'message', str(cs.message));
  put(st, 'hostIP', str(cs.hostIP) || undefined);
  put(st, 'podIP', str(cs.podIP) || undefined);
  const info = rec(cs.info);
  if (info)
    st.containerStatuses = Object.entries(info).map(([name, v]) => {
      const r = rec(v) ?? {};
      const out: Obj = { name };
      for (const [k, val] of Object.entries(r)) {
        if (k === 'state' || k === 'lastState') out[k] = renameKey(rec(val), 'termination', 'terminated') ?? val;
        else out[k] = clone(val);
      }
      return out;
    });
  return compact(st);
}

function statusFromV1(st: Obj | undefined, host: string | undefined): Obj {
  // 0.14 showed an empty manifest skeleton in currentState.
  const cs: Obj = { manifest: { version: '', id: '', volumes: null, containers: null, restartPolicy: {} } };
  const s = st ?? {};
  const phase = str(s.phase);
  put(cs, 'status', phase === undefined ? undefined : (PHASE_FROM_V1[phase] ?? phase));
  const conds = arr(s.conditions);
  if (conds)
    cs.Condition = conds.map((c) => {
      const r = rec(c) ?? {};
      const v = str(r.status);
      return compact({ kind: r.type, status: v === undefined ? undefined : (CONDITION_STATUS_FROM_V1[v] ?? v) }) ?? {};
    });
  put(cs, 'message', str(s.message));
  put(cs, 'host', host);
  put(cs, 'hostIP', str(s.hostIP));
  put(cs, 'podIP', str(s.podIP));
  const statuses = arr(s.containerStatuses);
  if (statuses) {
    const info: Obj = {};
    for (const c of statuses) {
      const r = rec(c);
      const name = str(r?.name);
      if (!r || name === undefined) continue;
      const out: Obj = {};
      for (const [k, val] of Object.entries(r)) {
        if (k === 'name') continue;
        if (k === 'state' || k === 'lastState') out[k] = renameKey(rec(val), 'terminated', 'termination') ?? val;
        else out[k] = clone(val);
      }
      info[name] = out;
    }
    cs.info = info;
  }
  return cs;
}

export function podToV1(b: Obj): KubeObject {
  const { spec, extras: specExtras } = podSpecToV1({ desiredState: b.desiredState, nodeSelector: b.nodeSelector, serviceAccount: b.serviceAccount });
  const v: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: metaToV1(b, true), spec };
  const cs = rec(b.currentState);
  const status = cs ? statusToV1(cs) : undefined;
  if (status) v.status = status;
  const extras: Obj = { ...(specExtras ?? {}) };
  // currentState.host has no v1 field; it is normally spec.nodeName, keep it only when it differs.
  const curHost = str(cs?.host);
  if (curHost && curHost !== spec.nodeName) extras.currentState = { host: curHost };
  writeExtras(v, Object.keys(extras).length ? extras : undefined);
  return v;
}

export function podFromV1(v: KubeObject): Obj {
  const spec = rec(v.spec);
  const parts = podSpecFromV1(spec);
  const b: Obj = { kind: 'Pod', apiVersion: API_VERSION, ...metaFromV1(v.metadata, true) };
  b.desiredState = parts.desiredState;
  b.currentState = statusFromV1(rec(v.status), str(spec?.nodeName) || undefined);
  put(b, 'nodeSelector', parts.nodeSelector);
  put(b, 'serviceAccount', parts.serviceAccount);
  const extras = readExtras(v.metadata);
  if (extras) mergeExtras(b, extras);
  if (num(b.resourceVersion) === undefined) delete b.resourceVersion;
  return b;
}
