/**
 * The v1beta1 resource table: URL resource name → the v1 resource that stores it, the kind on each
 * side, and scope. 0.14 spelled replication controllers camelCase and nodes "minions"; kubectl,
 * mapping v1beta1 through discovery, uses the lower-case v1 names, so those are accepted as aliases.
 */

export interface V1beta1Resource {
  /** Canonical v1beta1 resource name (used in selfLinks). */
  name: string;
  /** The v1 RESTResource behind it. */
  v1Resource: string;
  /** Kind in v1beta1 bodies. */
  kind: string;
  /** Kind of the v1 object. */
  v1Kind: string;
  namespaced: boolean;
}

const r = (name: string, v1Resource: string, kind: string, v1Kind: string, namespaced = true): V1beta1Resource => ({
  name,
  v1Resource,
  kind,
  v1Kind,
  namespaced,
});

const POD = r('pods', 'pods', 'Pod', 'Pod');
const SERVICE = r('services', 'services', 'Service', 'Service');
const ENDPOINTS = r('endpoints', 'endpoints', 'Endpoints', 'Endpoints');
const MINION = r('minions', 'nodes', 'Minion', 'Node', false);
const EVENT = r('events', 'events', 'Event', 'Event');
const RC = r('replicationControllers', 'replicationcontrollers', 'ReplicationController', 'ReplicationController');
const BINDING = r('bindings', 'pods/binding', 'Binding', 'Binding');

/** v1beta1 URL resource name → resource (aliases included). */
export const resources: Readonly<Record<string, V1beta1Resource>> = {
  pods: POD,
  services: SERVICE,
  endpoints: ENDPOINTS,
  minions: MINION,
  nodes: MINION,
  events: EVENT,
  replicationControllers: RC,
  replicationcontrollers: RC,
  bindings: BINDING,
};

/** The resource for a v1beta1 or v1 kind name (Minion and Node are the same). */
export function resourceForKind(kind: string): V1beta1Resource | undefined {
  return [POD, SERVICE, ENDPOINTS, MINION, EVENT, RC, BINDING].find((x) => x.kind === kind || x.v1Kind === kind);
}

/** selfLink in 0.14's shape: path plus `?namespace=` for namespaced kinds (empty value for all-namespace lists). */
export function selfLink(res: V1beta1Resource, namespace: string | undefined, id?: string): string {
  const path = `/api/v1beta1/${res.name}${id !== undefined ? `/${id}` : ''}`;
  return res.namespaced ? `${path}?namespace=${namespace ?? ''}` : path;
}
