/**
 * The one catalog of API errors. Every rejection the server sends is a metav1 Status built here,
 * worded like kube-apiserver's (k8s.io/apimachinery/pkg/api/errors). The HTTP error handler renders
 * an ApiError as-is; anything else becomes InternalError.
 */

export type StatusReason =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Gone'
  | 'Expired'
  | 'Invalid'
  | 'MethodNotAllowed'
  | 'NotAcceptable'
  | 'RequestEntityTooLarge'
  | 'UnsupportedMediaType'
  | 'TooManyRequests'
  | 'InternalError'
  | 'ServiceUnavailable'
  | 'Timeout'
  | 'ServerTimeout';

export type CauseType =
  | 'FieldValueNotFound'
  | 'FieldValueRequired'
  | 'FieldValueDuplicate'
  | 'FieldValueInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueForbidden'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'InternalError'
  | 'FieldValueTypeInvalid'
  | 'UnexpectedServerResponse'
  | 'FieldManagerConflict'
  | 'ResourceVersionTooLarge';

export interface StatusCause {
  reason?: CauseType | string;
  message?: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  /** ListMeta: `continue` carries kube's inconsistent continuation on a 410 for an expired continue token. */
  metadata: Record<string, never> | { resourceVersion?: string; continue?: string };
  status: 'Failure' | 'Success';
  message?: string;
  reason?: StatusReason | '';
  details?: StatusDetails;
  code: number;
}

/** A field-level validation error, as kube's field.Error. `field` is a Kubernetes field path. */
export interface FieldError {
  type: CauseType;
  field: string;
  /** The offending value when it helps (rendered like kube: `Invalid value: "x": detail`). */
  value?: unknown;
  detail?: string;
}

/** Identifies what a request was about: resource (plural, lowercase) plus group, e.g. {group:'', resource:'pods'}. */
export interface GroupResource {
  group: string;
  resource: string;
}

const qualified = (gr: GroupResource): string => (gr.group ? `${gr.resource}.${gr.group}` : gr.resource);

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(readonly status: Status) {
    super(status.message);
  }
  get code(): number {
    return this.status.code;
  }
  get reason(): string {
    return this.status.reason ?? '';
  }
}

function status(code: number, reason: StatusReason, message: string, details?: StatusDetails): ApiError {
  const s: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
  if (details !== undefined) s.details = details;
  return new ApiError(s);
}

export const errors = {
  notFound: (gr: GroupResource, name: string): ApiError =>
    status(404, 'NotFound', `${qualified(gr)} "${name}" not found`, { name, group: gr.group || undefined, kind: gr.resource }),

  /** kube's answer for a path it does not serve (no resource or name in it). */
  pathNotFound: (): ApiError => status(404, 'NotFound', 'the server could not find the requested resource', {}),

  alreadyExists: (gr: GroupResource, name: string): ApiError =>
    status(409, 'AlreadyExists', `${qualified(gr)} "${name}" already exists`, {
      name,
      group: gr.group || undefined,
      kind: gr.resource,
    }),

  conflict: (gr: GroupResource, name: string, detail: string): ApiError =>
    status(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(gr)} "${name}": ${detail}`, {
      name,
      group: gr.group || undefined,
      kind: gr.resource,
    }),

  /** The optimistic-concurrency conflict, with kube's exact wording. */
  conflictModified: (gr: GroupResource, name: string): ApiError =>
    errors.conflict(gr, name, 'the object has been modified; please apply your changes to the latest version and try again'),

  /** kind is the Kind (e.g. "Pod"), as kube's NewInvalid uses the GroupKind. */
  invalid: (kind: string, group: string, name: string, fieldErrors: FieldError[]): ApiError => {
    const causes = fieldErrors.map((e) => ({ reason: e.type, message: fieldErrorMessage(e), field: e.field }));
    const msg =
      fieldErrors.length === 0
        ? `${kind} "${name}" is invalid`
        : fieldErrors.length === 1
          ? `${kind}${group ? '.' + group : ''} "${name}" is invalid: ${fieldErrorString(fieldErrors[0]!)}`
          : `${kind}${group ? '.' + group : ''} "${name}" is invalid: [${fieldErrors.map(fieldErrorString).join(', ')}]`;
    return status(422, 'Invalid', msg, { name, group: group || undefined, kind, causes });
  },

  badRequest: (message: string, causes?: StatusCause[]): ApiError =>
    status(400, 'BadRequest', message, causes ? { causes } : undefined),

  forbidden: (gr: GroupResource, name: string, detail: string): ApiError =>
    status(403, 'Forbidden', `${qualified(gr)} "${name}" is forbidden: ${detail}`, {
      name,
      group: gr.group || undefined,
      kind: gr.resource,
    }),

  methodNotAllowed: (verb: string, what: string): ApiError =>
    status(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`, {
      kind: what,
      causes: [{ message: `${verb} is not supported` }],
    }),

  notAcceptable: (accept: string): ApiError =>
    status(406, 'NotAcceptable', `the server was unable to respond with a content type that the client supports (${accept})`),

  unsupportedMediaType: (contentType: string): ApiError =>
    status(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf (got ${contentType})`),

  requestEntityTooLarge: (message = 'the request is too large'): ApiError =>
    status(413, 'RequestEntityTooLarge', message),

  /** Storage value above etcd's limit: kube maps etcd's "request is too large" to 413 as well. */
  storageTooLarge: (): ApiError => status(413, 'RequestEntityTooLarge', 'Request entity too large: limit is 3145728'),

  gone: (message: string): ApiError => status(410, 'Gone', message),

  /** A watch or list resourceVersion that was compacted away (410, reason Expired). */
  expired: (message: string): ApiError => status(410, 'Expired', message),

  resourceVersionTooLarge: (message = 'Too large resource version'): ApiError => {
    const e = status(504, 'Timeout', message, { causes: [{ reason: 'ResourceVersionTooLarge', message }], retryAfterSeconds: 1 });
    return e;
  },

  tooManyRequests: (retryAfterSeconds = 1): ApiError =>
    status(429, 'TooManyRequests', 'Too many requests, please try again later.', { retryAfterSeconds }),

  serviceUnavailable: (message = 'the storage backend is unavailable'): ApiError =>
    status(503, 'ServiceUnavailable', message, { retryAfterSeconds: 1 }),

  timeout: (message: string, retryAfterSeconds = 1): ApiError =>
    status(504, 'Timeout', message, { retryAfterSeconds }),

  /**
   * A storage error kube-apiserver passes through unconverted (its convertStorageErrorOrNot): 500,
   * no reason, the backend's own message (e.g. etcd's "etcdserver: mvcc: database space exceeded").
   */
  storagePassthrough: (message: string): ApiError =>
    new ApiError({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, code: 500 }),

  internal: (err: unknown): ApiError =>
    status(500, 'InternalError', `Internal error occurred: ${err instanceof Error ? err.message : String(err)}`, {
      causes: [{ message: err instanceof Error ? err.message : String(err) }],
    }),
} as const;

/** kube's field.Error.ErrorBody() wording, e.g. `spec.containers[0].image: Required value`. */
export function fieldErrorString(e: FieldError): string {
  return `${e.field}: ${fieldErrorMessage(e)}`;
}

export function fieldErrorMessage(e: FieldError): string {
  const typeText: Record<string, string> = {
    FieldValueNotFound: 'Not found',
    FieldValueRequired: 'Required value',
    FieldValueDuplicate: 'Duplicate value',
    FieldValueInvalid: 'Invalid value',
    FieldValueNotSupported: 'Unsupported value',
    FieldValueForbidden: 'Forbidden',
    FieldValueTooLong: 'Too long',
    FieldValueTooMany: 'Too many',
    InternalError: 'Internal error',
    FieldValueTypeInvalid: 'Invalid value',
  };
  let s = typeText[e.type] ?? e.type;
  const showValue = e.value !== undefined && e.type !== 'FieldValueRequired' && e.type !== 'FieldValueForbidden' && e.type !== 'FieldValueTooLong';
  if (showValue) s += `: ${typeof e.value === 'string' ? JSON.stringify(e.value) : JSON.stringify(e.value)}`;
  if (e.detail) s += `: ${e.detail}`;
  return s;
}

export function isApiError(err: unknown): err is ApiError {
  return err instanceof ApiError;
}
