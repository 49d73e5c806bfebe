/**
 * Checks every call the simulator receives against the v1 Call schema and the master's own
 * structural validation. Violations are recorded (not just answered with 400) so a test can assert
 * that the scheduler never sent anything a real master would reject.
 */
import Ajv from 'ajv';
import type { ValidateFunction } from 'ajv';
import { schedulerCallSchema } from './schemas/scheduler-call';

export interface Violation {
  callType: string;
  errors: string[];
  body: unknown;
}

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  if (!compiled) {
    const ajv = new Ajv({ allErrors: true, strict: false });
    compiled = ajv.compile(schedulerCallSchema);
  }
  return compiled;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Returns the reasons a real master would refuse this call (empty when acceptable). */
export function validateCall(body: unknown): string[] {
  const validate = validator();
  const errors: string[] = [];
  if (!validate(body)) {
    for (const e of validate.errors ?? []) errors.push(`${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
  }
  if (!isRecord(body)) return errors.length ? errors : ['call is not a JSON object'];
  // Semantic checks from the master's call validation that a schema cannot express.
  if (body.type === 'SUBSCRIBE' && isRecord(body.subscribe) && isRecord(body.subscribe.framework_info)) {
    const infoId = body.subscribe.framework_info.id;
    if (body.framework_id !== undefined && JSON.stringify(body.framework_id) !== JSON.stringify(infoId)) {
      errors.push("'framework_id' differs from 'subscribe.framework_info.id'");
    }
  }
  if (body.type === 'ACKNOWLEDGE' && isRecord(body.acknowledge) && typeof body.acknowledge.uuid === 'string') {
    if (Buffer.from(body.acknowledge.uuid, 'base64').length !== 16) errors.push("'uuid' is not a valid 16-byte UUID");
  }
  return errors;
}
