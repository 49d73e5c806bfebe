/**
 * JSON Schema of mesos.v1.scheduler.Call (include/mesos/v1/scheduler/scheduler.proto), plus the
 * structural rules the master's call validation applies before looking at a call's content
 * (src/master/validation.cpp, scheduler::call::validate): `type` is set, the nested message for the
 * type is present, and every call but SUBSCRIBE names its framework.
 */
import { arr, bytes, enumOf, mesosDefinitions, msg, ref, str } from './mesos-v1';
import type { Schema } from './mesos-v1';

const CALL_TYPES = [
  'UNKNOWN',
  'SUBSCRIBE',
  'TEARDOWN',
  'ACCEPT',
  'DECLINE',
  'ACCEPT_INVERSE_OFFERS',
  'DECLINE_INVERSE_OFFERS',
  'REVIVE',
  'KILL',
  'SHUTDOWN',
  'ACKNOWLEDGE',
  'ACKNOWLEDGE_OPERATION_STATUS',
  'RECONCILE',
  'RECONCILE_OPERATIONS',
  'MESSAGE',
  'REQUEST',
  'SUPPRESS',
  'UPDATE_FRAMEWORK',
];

/** type → the nested field that must accompany it (types absent here carry no payload or an optional one). */
const REQUIRED_PAYLOAD: Record<string, string> = {
  SUBSCRIBE: 'subscribe',
  ACCEPT: 'accept',
  DECLINE: 'decline',
  ACCEPT_INVERSE_OFFERS: 'accept_inverse_offers',
  DECLINE_INVERSE_OFFERS: 'decline_inverse_offers',
  KILL: 'kill',
  SHUTDOWN: 'shutdown',
  ACKNOWLEDGE: 'acknowledge',
  RECONCILE: 'reconcile',
  MESSAGE: 'message',
  REQUEST: 'request',
};

const payloadRules: Schema[] = Object.entries(REQUIRED_PAYLOAD).map(([type, field]) => ({
  if: { properties: { type: { const: type } }, required: ['type'] },
  then: { required: [field] },
}));

export const schedulerCallSchema: Schema = {
  $id: 'mesos.v1.scheduler.Call',
  definitions: mesosDefinitions,
  ...msg(
    {
      framework_id: ref('FrameworkID'),
      type: enumOf(...CALL_TYPES),
      subscribe: msg({ framework_info: ref('FrameworkInfo'), suppressed_roles: arr(str) }, ['framework_info']),
      accept: msg({ offer_ids: arr(ref('OfferID')), operations: arr(ref('Offer.Operation')), filters: ref('Filters') }),
      decline: msg({ offer_ids: arr(ref('OfferID')), filters: ref('Filters') }),
      accept_inverse_offers: msg({ inverse_offer_ids: arr(ref('OfferID')), filters: ref('Filters') }),
      decline_inverse_offers: msg({ inverse_offer_ids: arr(ref('OfferID')), filters: ref('Filters') }),
      revive: msg({ roles: arr(str) }),
      suppress: msg({ roles: arr(str) }),
      kill: msg({ task_id: ref('TaskID'), agent_id: ref('AgentID'), kill_policy: ref('KillPolicy') }, ['task_id']),
      shutdown: msg({ executor_id: ref('ExecutorID'), agent_id: ref('AgentID') }, ['executor_id', 'agent_id']),
      acknowledge: msg({ agent_id: ref('AgentID'), task_id: ref('TaskID'), uuid: bytes }, ['agent_id', 'task_id', 'uuid']),
      reconcile: msg({ tasks: arr(msg({ task_id: ref('TaskID'), agent_id: ref('AgentID') }, ['task_id'])) }),
      message: msg({ agent_id: ref('AgentID'), executor_id: ref('ExecutorID'), data: bytes }, ['agent_id', 'executor_id', 'data']),
      request: msg({ requests: arr(ref('Request')) }),
    },
    ['type'],
  ),
  allOf: [
    ...payloadRules,
    {
      if: { properties: { type: { not: { const: 'SUBSCRIBE' } } }, required: ['type'] },
      then: { required: ['framework_id'] },
    },
  ],
};
