/**
 * Turning a RecordIO record into a typed event. Anything the scheduler cannot act on safely (not
 * JSON, not an object, an unknown type, a known type missing the fields we rely on) comes back as a
 * rejection carrying what was received, so the caller can log it and carry on.
 */
import type { SchedulerEvent } from './types';

export type ParsedEvent =
  | { ok: true; event: SchedulerEvent }
  | { ok: false; kind: 'not-json' | 'unknown-type' | 'invalid'; detail: string; received: string };

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function hasId(v: unknown): boolean {
  return isRecord(v) && typeof v.value === 'string' && v.value.length > 0;
}

function check(type: string, e: Record<string, unknown>): string | null {
  const p = e[type.toLowerCase()];
  switch (type) {
    case 'HEARTBEAT':
      return null;
    case 'SUBSCRIBED':
      return isRecord(p) && hasId(p.framework_id) ? null : 'subscribed.framework_id missing';
    case 'OFFERS':
      if (!isRecord(p)) return 'offers missing';
      if (p.offers !== undefined && !Array.isArray(p.offers)) return 'offers.offers is not a list';
      for (const o of (p.offers as unknown[] | undefined) ?? []) {
        if (!isRecord(o) || !hasId(o.id) || !hasId(o.agent_id) || typeof o.hostname !== 'string' || !Array.isArray(o.resources)) {
          return 'offer lacks id, agent_id, hostname or resources';
        }
      }
      return null;
    case 'RESCIND':
      return isRecord(p) && hasId(p.offer_id) ? null : 'rescind.offer_id missing';
    case 'UPDATE':
      return isRecord(p) && isRecord(p.status) && hasId(p.status.task_id) && typeof p.status.state === 'string'
        ? null
        : 'update.status lacks task_id or state';
    case 'MESSAGE':
      return isRecord(p) ? null : 'message missing';
    case 'FAILURE':
      return isRecord(p) ? null : 'failure missing';
    case 'ERROR':
      return isRecord(p) && typeof p.message === 'string' ? null : 'error.message missing';
    default:
      return 'unknown';
  }
}

export function parseEvent(record: Buffer): ParsedEvent {
  const received = record.toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(received);
  } catch (e) {
    return { ok: false, kind: 'not-json', detail: String(e), received: received.slice(0, 500) };
  }
  if (!isRecord(json) || typeof json.type !== 'string') {
    return { ok: false, kind: 'invalid', detail: 'event has no type', received: received.slice(0, 500) };
  }
  const problem = check(json.type, json);
  if (problem === 'unknown') return { ok: false, kind: 'unknown-type', detail: `unknown event type ${json.type}`, received: received.slice(0, 500) };
  if (problem) return { ok: false, kind: 'invalid', detail: problem, received: received.slice(0, 500) };
  return { ok: true, event: json as unknown as SchedulerEvent };
}
