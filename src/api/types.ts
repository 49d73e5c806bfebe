/**
 * Object shapes shared across layers. Typed kinds come from the maintained `kubernetes-types`
 * package (never hand-copied); this file adds the generic envelope the registry works with.
 */
import type { ObjectMeta, ListMeta, OwnerReference } from 'kubernetes-types/meta/v1';

export type { ObjectMeta, ListMeta, OwnerReference };

/** Any Kubernetes object in its v1 (internal) form. Unknown fields are kept as-is. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  [field: string]: unknown;
}

/** A KubeObject whose metadata is present (after the registry has processed it). */
export interface StoredObject extends KubeObject {
  metadata: ObjectMeta & { name: string; resourceVersion?: string };
}

export interface KubeList<T extends KubeObject = KubeObject> {
  apiVersion: string;
  kind: string;
  metadata: ListMeta;
  items: T[];
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
