/**
 * Decodes Kubernetes protobuf request bodies into the JSON objects the rest of km works with.
 * Wire format: magic `k8s\0`, then a runtime.Unknown {typeMeta, raw, contentEncoding, contentType}
 * whose `raw` is the kind's generated.proto message. kube's Go marshaller writes every non-pointer
 * scalar even when empty, so empty strings, zero numbers and false booleans are dropped here the way
 * Go's JSON `omitempty` would, except for pointer fields (which are only on the wire when set).
 */
import type { Type } from 'protobufjs';
import { errors } from '../errors';
import type { KubeObject } from '../types';
import { DECODABLE_KINDS, k8sRoot } from './messages';

export const PROTOBUF_CONTENT_TYPE = 'application/vnd.kubernetes.protobuf';
const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

/** Pointer fields in these kinds: present on the wire only when set, so a zero value is meaningful. */
const KEEP_ZERO = new Set(['immutable', 'allocateLoadBalancerNodePorts', 'controller', 'blockOwnerDeletion', 'timeoutSeconds', 'deletionGracePeriodSeconds', 'port', 'targetPort']);
const TIME_FIELDS = new Set(['creationTimestamp', 'deletionTimestamp', 'time']);

const unknownType = k8sRoot.lookupType('runtime.Unknown');

export interface DecodedEnvelope {
  apiVersion: string;
  kind: string;
  raw: Buffer;
  contentEncoding: string;
  contentType: string;
}

export function isProtobufEnvelope(body: Buffer): boolean {
  return body.length >= MAGIC.length && body.subarray(0, MAGIC.length).equals(MAGIC);
}

export function decodeEnvelope(body: Buffer): DecodedEnvelope {
  if (!isProtobufEnvelope(body)) throw errors.badRequest('protobuf body does not start with the Kubernetes "k8s\\x00" prefix');
  let msg: Record<string, unknown>;
  try {
    msg = unknownType.toObject(unknownType.decode(body.subarray(MAGIC.length)), { bytes: Buffer, defaults: true }) as Record<string, unknown>;
  } catch (err) {
    throw errors.badRequest(`unable to decode protobuf envelope: ${err instanceof Error ? err.message : String(err)}`);
  }
  const tm = (msg.typeMeta ?? {}) as { apiVersion?: string; kind?: string };
  return {
    apiVersion: tm.apiVersion ?? '',
    kind: tm.kind ?? '',
    raw: Buffer.from((msg.raw as Uint8Array | undefined) ?? []),
    contentEncoding: String(msg.contentEncoding ?? ''),
    contentType: String(msg.contentType ?? ''),
  };
}

/** Decodes a `k8s\0`-prefixed protobuf body of a supported kind into a JSON object (400 otherwise). */
export function decodeProtobufObject(body: Buffer): KubeObject {
  const env = decodeEnvelope(body);
  if (env.contentEncoding) throw errors.badRequest(`unsupported protobuf content encoding "${env.contentEncoding}"`);
  if (env.apiVersion !== 'v1' || !(DECODABLE_KINDS as readonly string[]).includes(env.kind)) {
    throw errors.badRequest(
      `km cannot decode protobuf bodies of ${env.apiVersion}/${env.kind}; send JSON (supported protobuf kinds: ${DECODABLE_KINDS.join(', ')})`,
    );
  }
  const type = k8sRoot.lookupType(`core.${env.kind}`);
  let decoded: Record<string, unknown>;
  try {
    decoded = type.toObject(type.decode(env.raw), { longs: Number, bytes: String, defaults: false }) as Record<string, unknown>;
  } catch (err) {
    throw errors.badRequest(`unable to decode protobuf ${env.kind}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const obj = toJson(decoded, type) as Record<string, unknown>;
  return { apiVersion: env.apiVersion, kind: env.kind, ...obj };
}

function toJson(value: unknown, type: Type | undefined): unknown {
  if (Array.isArray(value)) return value.map((v) => toJson(v, type));
  if (typeof value !== 'object' || value === null) return value;
  const rec = value as Record<string, unknown>;
  if (type?.name === 'Time') return timeToJson(rec);
  if (type?.name === 'IntOrString') return Number(rec.type ?? 0) === 1 ? (rec.strVal ?? '') : (rec.intVal ?? 0);
  if (type?.name === 'FieldsV1') return fieldsV1ToJson(rec);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(rec)) {
    const field = type?.fields[k];
    const fieldType = field?.resolvedType && 'fields' in field.resolvedType ? (field.resolvedType as Type) : undefined;
    const isMap = field?.map === true;
    const converted = isMap ? v : toJson(v, fieldType);
    if (converted === undefined) continue;
    if (!KEEP_ZERO.has(k) && !TIME_FIELDS.has(k) && isEmptyScalar(converted)) continue;
    if (Array.isArray(converted) && converted.length === 0) continue;
    out[k] = converted;
  }
  return out;
}

function isEmptyScalar(v: unknown): boolean {
  return v === '' || v === 0 || v === false;
}

/** metav1.Time: whole seconds, RFC 3339 UTC; an empty message is the zero time (JSON null, dropped). */
function timeToJson(t: Record<string, unknown>): string | undefined {
  const seconds = Number(t.seconds ?? 0);
  if (!seconds) return undefined;
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function fieldsV1ToJson(f: Record<string, unknown>): unknown {
  const raw = typeof f.Raw === 'string' ? Buffer.from(f.Raw, 'base64').toString('utf8') : '';
  if (!raw) return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
}
