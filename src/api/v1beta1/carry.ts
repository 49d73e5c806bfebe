/**
 * Keeping v1-only fields when a v1beta1 client updates an object. The stored form is v1, so
 * everything v1beta1 cannot express (ownerReferences, probe thresholds, security contexts, …) is in
 * the current stored object. `carryOver` re-applies it to the object converted from the client's
 * v1beta1 body, but only where the client left the v1beta1-visible value untouched — an explicit
 * edit through v1beta1 always wins.
 */
import { isRecord } from '../types';
import { clone, jsonEqual, str } from './common';

/**
 * @param current   the stored v1 object
 * @param viaBeta   `current` converted to v1beta1 and back (what v1beta1 clients could see of it)
 * @param incoming  the client's v1beta1 body converted to v1
 * @returns incoming, plus every part of current the round trip lost and the client did not change
 */
export function carryOver(current: unknown, viaBeta: unknown, incoming: unknown): unknown {
  // Untouched since the client read it: restore the full original (this is where v1-only detail lives).
  if (jsonEqual(incoming, viaBeta)) return clone(current);
  if (isRecord(current) && isRecord(viaBeta) && isRecord(incoming)) {
    const out: Record<string, unknown> = { ...incoming };
    for (const k of new Set([...Object.keys(current), ...Object.keys(viaBeta)])) {
      const c = current[k];
      const r = viaBeta[k];
      const i = incoming[k];
      if (r === undefined) {
        // A v1-only field: the client could not have sent it, so keep the stored value.
        if (c !== undefined && i === undefined) out[k] = clone(c);
      } else if (c === undefined) {
        // Only the conversion (or v1beta1 defaulting) produced it; unless the client changed it, drop it.
        if (jsonEqual(i, r)) delete out[k];
      } else {
        const merged = carryOver(c, r, i);
        if (merged !== undefined) out[k] = merged;
      }
    }
    return out;
  }
  if (Array.isArray(current) && Array.isArray(viaBeta) && Array.isArray(incoming)) {
    return incoming.map((inc, idx) => {
      const name = isRecord(inc) ? str(inc.name) : undefined;
      const pick = (list: unknown[]): unknown =>
        name !== undefined ? list.find((x) => isRecord(x) && x.name === name) : list[idx];
      const c = pick(current);
      const r = pick(viaBeta);
      return c !== undefined && r !== undefined ? carryOver(c, r, inc) : inc;
    });
  }
  return incoming;
}
