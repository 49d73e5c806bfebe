/**
 * v1beta1 ReplicationController ⇄ v1. `desiredState.{replicas, replicaSelector, podTemplate}` are
 * `spec.{replicas, selector, template}`; the template's `desiredState`/`nodeSelector` is a PodSpec
 * (pod-spec.ts) and its `labels`/`annotations` the template metadata. `currentState.replicas` is
 * `status.replicas`.
 */
import type { KubeObject } from '../types';
import type { Obj } from './common';
import { API_VERSION, clone, compact, mergeExtras, metaFromV1, metaToV1, num, put, readExtras, rec, strMap, writeExtras } from './common';
import { podSpecFromV1, podSpecToV1 } from './pod-spec';

export function replicationControllerToV1(b: Obj): KubeObject {
  const ds = rec(b.desiredState) ?? {};
  const spec: Obj = {};
  put(spec, 'replicas', num(ds.replicas));
  put(spec, 'selector', clone(strMap(ds.replicaSelector)));
  let extras: Obj | undefined;
  const tpl = rec(ds.podTemplate);
  if (tpl) {
    const conv = podSpecToV1({ desiredState: tpl.desiredState, nodeSelector: tpl.nodeSelector, serviceAccount: tpl.serviceAccount });
    const meta = compact({ labels: clone(strMap(tpl.labels)), annotations: clone(strMap(tpl.annotations)) });
    spec.template = { ...(meta ? { metadata: meta } : {}), spec: conv.spec };
    if (conv.extras) extras = { desiredState: { podTemplate: conv.extras } };
  }
  const v: KubeObject = { apiVersion: 'v1', kind: 'ReplicationController', metadata: metaToV1(b, true), spec };
  const replicas = num(rec(b.currentState)?.replicas);
  if (replicas !== undefined) v.status = { replicas };
  writeExtras(v, extras);
  return v;
}

export function replicationControllerFromV1(v: KubeObject): Obj {
  const spec = rec(v.spec) ?? {};
  const b: Obj = { kind: 'ReplicationController', apiVersion: API_VERSION, ...metaFromV1(v.metadata, true) };
  const ds: Obj = {};
  put(ds, 'replicas', num(spec.replicas));
  put(ds, 'replicaSelector', clone(strMap(spec.selector)));
  const tpl = rec(spec.template);
  if (tpl) {
    const parts = podSpecFromV1(rec(tpl.spec));
    const meta = rec(tpl.metadata) ?? {};
    const pt: Obj = { desiredState: parts.desiredState };
    put(pt, 'nodeSelector', parts.nodeSelector);
    put(pt, 'serviceAccount', parts.serviceAccount);
    put(pt, 'labels', clone(strMap(meta.labels)));
    put(pt, 'annotations', clone(strMap(meta.annotations)));
    ds.podTemplate = pt;
  }
  b.desiredState = ds;
  b.currentState = { replicas: num(rec(v.status)?.replicas) ?? 0 };
  const extras = readExtras(v.metadata);
  if (extras) mergeExtras(b, extras);
  return b;
}
