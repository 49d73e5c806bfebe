/**
 * Dispatch by kind to the per-kind converters, plus what every kind shares: `selfLink` on the way
 * out, and — when a v1beta1 client writes an object that already exists — carrying the stored
 * object's v1-only fields over (carry.ts).
 */
import { errors } from '../errors';
import type { KubeObject } from '../types';
import { isRecord } from '../types';
import { bindingFromV1, bindingToV1 } from './binding';
import { carryOver } from './carry';
import { applyDefaults } from './defaults';
import type { Obj } from './common';
import { API_VERSION, str } from './common';
import { endpointsFromV1, endpointsToV1 } from './endpoints';
import { eventFromV1, eventToV1 } from './event';
import { minionFromV1, minionToV1 } from './minion';
import { podFromV1, podToV1 } from './pod';
import { replicationControllerFromV1, replicationControllerToV1 } from './replication-controller';
import { resourceForKind, selfLink } from './resources';
import { serviceFromV1, serviceToV1 } from './service';
import { statusFromV1, statusToV1 } from './status';
import type { Status } from '../errors';

interface Converter {
  toV1(b: Obj): KubeObject;
  fromV1(v: KubeObject): Obj;
}

const STATUS: Converter = {
  toV1: (b) => statusToV1(b) as unknown as KubeObject,
  fromV1: (v) => statusFromV1(v as unknown as Status),
};

const CONVERTERS: Record<string, Converter> = {
  Pod: { toV1: podToV1, fromV1: podFromV1 },
  Service: { toV1: serviceToV1, fromV1: serviceFromV1 },
  Endpoints: { toV1: endpointsToV1, fromV1: endpointsFromV1 },
  Minion: { toV1: minionToV1, fromV1: minionFromV1 },
  Node: { toV1: minionToV1, fromV1: minionFromV1 },
  Event: { toV1: eventToV1, fromV1: eventFromV1 },
  ReplicationController: { toV1: replicationControllerToV1, fromV1: replicationControllerFromV1 },
  Binding: { toV1: bindingToV1, fromV1: bindingFromV1 },
  Status: STATUS,
};

export const CONVERTIBLE_KINDS = Object.keys(CONVERTERS);

function converter(kind: string): Converter {
  const c = CONVERTERS[kind];
  if (!c) throw errors.badRequest(`no conversion between v1beta1 and v1 for kind "${kind}"`);
  return c;
}

/**
 * A v1beta1 object → its v1 form. With `current` (the stored v1 object being replaced), fields
 * v1beta1 cannot express are taken from it unless the client changed the v1beta1-visible value.
 */
export function toV1(kind: string, obj: unknown, current?: KubeObject): KubeObject {
  if (!isRecord(obj)) throw errors.badRequest('the body of the request must be a JSON object');
  const c = converter(kind);
  const v = c.toV1(obj);
  if (!current) return v;
  const viaBeta = c.toV1(c.fromV1(current));
  return carryOver(current, viaBeta, v) as KubeObject;
}

/**
 * The v1 object for a v1beta1 write over `current`, with v1beta1 defaulting applied to the body —
 * and to the v1beta1 view of `current` it is compared with, so a default the client did not spell
 * out (e.g. probe timeoutSeconds 1) never counts as a change to the stored object.
 */
export function toV1ForUpdate(kind: string, obj: unknown, current: KubeObject | undefined): KubeObject {
  if (!isRecord(obj)) throw errors.badRequest('the body of the request must be a JSON object');
  const c = converter(kind);
  const v = c.toV1(applyDefaults(kind, obj));
  if (!current) return v;
  const viaBeta = c.toV1(applyDefaults(kind, c.fromV1(current)));
  return carryOver(current, viaBeta, v) as KubeObject;
}

/** A v1 object → v1beta1, with a 0.14-style selfLink. */
export function fromV1(kind: string, obj: KubeObject): Record<string, unknown> {
  const b = converter(kind).fromV1(obj);
  const res = resourceForKind(kind);
  if (res && kind !== 'Binding' && str(b.id) !== undefined) {
    const withLink: Obj = {};
    // Keep 0.14's key order: selfLink right after creationTimestamp.
    for (const [k, val] of Object.entries(b)) {
      withLink[k] = val;
      if (k === 'creationTimestamp') withLink.selfLink = selfLink(res, str(b.namespace), str(b.id));
    }
    if (withLink.selfLink === undefined) withLink.selfLink = selfLink(res, str(b.namespace), str(b.id));
    return withLink;
  }
  if (b.apiVersion === undefined) b.apiVersion = API_VERSION;
  return b;
}
