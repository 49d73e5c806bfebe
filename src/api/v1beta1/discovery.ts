/**
 * The ResourceInfos that announce v1beta1 as a second core version (after v1) in discovery, so
 * kubectl can map documents whose apiVersion is v1beta1 (kubectl-wire §13.2/§13.6): lower-case
 * resource names (kubectl builds `/api/v1beta1/namespaces/{ns}/{resource}` from them), plain verbs,
 * no short names or categories. Nodes carry the v1beta1 kind `Minion`, the kind of 2015 documents.
 */
import type { ResourceInfo } from '../../registry/rest';

const VERBS = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];

const info = (resource: string, singularName: string, kind: string, namespaced = true): ResourceInfo => ({
  group: '',
  version: 'v1beta1',
  resource,
  singularName,
  kind,
  listKind: `${kind}List`,
  namespaced,
  verbs: VERBS,
});

export function v1beta1ResourceInfos(): ResourceInfo[] {
  return [
    info('pods', 'pod', 'Pod'),
    info('services', 'service', 'Service'),
    info('replicationcontrollers', 'replicationcontroller', 'ReplicationController'),
    info('endpoints', 'endpoints', 'Endpoints'),
    info('events', 'event', 'Event'),
    info('nodes', 'node', 'Minion', false),
  ];
}
