/**
 * v1 Status ⇄ the v1beta1 Status shape: flattened envelope (`creationTimestamp: null`), `details.id`
 * instead of `details.name`, and — for errors about one kind — cause field paths spelled the v1beta1
 * way (see field-paths.ts).
 */
import type { Status, StatusCause, StatusDetails } from '../errors';
import type { Obj } from './common';
import { API_VERSION, arr, compact, num, rec, str } from './common';
import { fieldPathToV1beta1 } from './field-paths';

/**
 * @param kind the v1 kind the request was about (Pod, Service, …); when given, cause fields and the
 *             message's field paths are rewritten to v1beta1 paths.
 */
export function statusFromV1(status: Status, kind?: string): Obj {
  const b: Obj = { kind: 'Status', creationTimestamp: null, apiVersion: API_VERSION, status: status.status };
  let message = status.message;
  const d = status.details;
  if (d) {
    const causes = d.causes?.map((c) => {
      const field = c.field !== undefined && kind ? fieldPathToV1beta1(kind, c.field) : c.field;
      if (message && c.field && field !== c.field) message = message.split(`${c.field}: `).join(`${field}: `);
      return compact({ reason: c.reason, message: c.message, field }) ?? {};
    });
    const details = compact({ id: d.name, kind: d.kind, causes, retryAfterSeconds: d.retryAfterSeconds });
    if (details) b.details = details;
  }
  if (message !== undefined) b.message = message;
  if (status.reason) b.reason = status.reason;
  b.code = status.code;
  return b;
}

export function statusToV1(b: Obj): Status {
  const s: Status = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: b.status === 'Success' ? 'Success' : 'Failure',
    code: num(b.code) ?? 0,
  };
  if (str(b.message) !== undefined) s.message = str(b.message);
  if (str(b.reason) !== undefined) s.reason = str(b.reason) as Status['reason'];
  const d = rec(b.details);
  if (d) {
    const details: StatusDetails = {};
    if (str(d.id) !== undefined) details.name = str(d.id);
    if (str(d.kind) !== undefined) details.kind = str(d.kind);
    const causes = arr(d.causes);
    if (causes) details.causes = causes.map((c) => (compact({ ...(rec(c) ?? {}) }) ?? {}) as StatusCause);
    if (num(d.retryAfterSeconds) !== undefined) details.retryAfterSeconds = num(d.retryAfterSeconds);
    s.details = details;
  }
  return s;
}
