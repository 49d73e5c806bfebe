/**
 * One stored version of an object as the server sends it: its JSON bytes, resourceVersion included,
 * plus the few attributes selectors look at (labels and the kind's selectable fields).
 *
 * The watch cache keeps these instead of decoded objects (kube's cacher keeps decoded objects at
 * ~5× their wire size, kubernetes#142062): a LIST, a GET or a watch event is then a copy of bytes,
 * and selectors and filter transitions read the small attribute record. A full object is decoded
 * only where one is needed (Table rows, v1beta1 conversion, in-process callers), and each decode is
 * a fresh copy, so no caller can edit what the cache shares.
 */
import type { KubeObject } from '../api/types';
import { isRecord } from '../api/types';
import type { KeyValue } from '../storage/interface';

/** What label and field selectors match against (kube's storage.AttrFunc result). */
export interface ObjectAttrs {
  readonly labels: Readonly<Record<string, string>> | undefined;
  readonly fields: Readonly<Record<string, string>>;
}

/** A selector over attributes; undefined where everything matches. */
export type AttrFilter = (attrs: ObjectAttrs) => boolean;

const RV_KEY = Buffer.from('resourceVersion":"');
const RV_END = Buffer.from('","');

export class CachedObject {
  constructor(
    readonly key: string,
    /** The object's resourceVersion (its key's modRevision, or a delete's revision). */
    readonly revision: number,
    private bytes: Buffer,
    /** Byte offset and length of the resourceVersion digits in `json`. */
    private readonly rvAt: number,
    private readonly rvLength: number,
    readonly attrs: ObjectAttrs,
  ) {}

  /** The JSON of the object, metadata.resourceVersion included. Shared: never write into it. */
  get json(): Buffer {
    return this.bytes;
  }

  /** The same bytes at a new place (the watch cache's arena moves them when it packs or compacts). */
  rehome(bytes: Buffer): void {
    if (bytes.length !== this.bytes.length) throw new Error('rehome must keep the bytes');
    this.bytes = bytes;
  }

  /**
   * Builds the cached form from stored text in the layout the registry writes: `head` (everything
   * up to and including the first metadata key's opening quote) followed by the rest of the object,
   * with no resourceVersion stored. The resourceVersion is inserted as metadata's first key.
   */
  static splice(key: string, revision: number, stored: Buffer, headLength: number, attrs: ObjectAttrs): CachedObject {
    const digits = Buffer.from(String(revision));
    const json = Buffer.allocUnsafe(stored.length + RV_KEY.length + digits.length + RV_END.length);
    let at = stored.copy(json, 0, 0, headLength);
    at += RV_KEY.copy(json, at);
    const rvAt = at;
    at += digits.copy(json, at);
    at += RV_END.copy(json, at);
    stored.copy(json, at, headLength);
    return new CachedObject(key, revision, json, rvAt, digits.length, attrs);
  }

  /** The same object stamped with another resourceVersion (a DELETED event carries the delete's). */
  withRevision(revision: number): CachedObject {
    if (revision === this.revision) return this;
    const digits = Buffer.from(String(revision));
    const json = Buffer.allocUnsafeSlow(this.json.length - this.rvLength + digits.length);
    let at = this.json.copy(json, 0, 0, this.rvAt);
    at += digits.copy(json, at);
    this.json.copy(json, at, this.rvAt + this.rvLength);
    return new CachedObject(this.key, revision, json, this.rvAt, digits.length, this.attrs);
  }

  /** A fresh decoded copy; the caller owns it and may edit it. */
  decode(): KubeObject {
    return JSON.parse(this.json.toString('utf8')) as KubeObject;
  }
}

/** The bytes to look for at the start of stored text in the registry's layout. */
export function storedHead(apiVersion: string, kind: string): Buffer {
  return Buffer.from(`{"apiVersion":${JSON.stringify(apiVersion)},"kind":${JSON.stringify(kind)},"metadata":{"`);
}

export interface CachedDecoderOptions {
  apiVersion: string;
  kind: string;
  /** Selector attributes of the decoded object (default: its labels, name and namespace). */
  attrs?: (obj: KubeObject) => ObjectAttrs;
  /** Told about each value that is not an object of this resource (it is then skipped). */
  invalid?: (kv: KeyValue, reason: 'undecodable' | 'foreign') => void;
}

/**
 * Stored value -> cached form. The value is decoded once here, to prove it is an object of this
 * resource and to take its selector attributes; the decoded object is then dropped. Text in the
 * registry's layout is spliced (resourceVersion inserted) byte for byte; any other layout (written
 * by another tool) is re-encoded into it first.
 */
export function cachedObjectDecoder(o: CachedDecoderOptions): (kv: KeyValue) => CachedObject | undefined {
  const head = storedHead(o.apiVersion, o.kind);
  const attrsOf = o.attrs ?? defaultAttrs;
  return (kv) => {
    let obj: unknown;
    try {
      obj = JSON.parse(kv.value.toString('utf8'));
    } catch {
      o.invalid?.(kv, 'undecodable');
      return undefined;
    }
    if (!isRecord(obj) || !isRecord(obj['metadata']) || typeof obj['metadata']['name'] !== 'string') {
      o.invalid?.(kv, 'foreign');
      return undefined;
    }
    const meta = obj['metadata'];
    // JSON.parse keeps the last of duplicate keys: equal values here mean the spliced text says the same.
    const inLayout =
      kv.value.length > head.length &&
      kv.value.compare(head, 0, head.length, 0, head.length) === 0 &&
      obj['apiVersion'] === o.apiVersion &&
      obj['kind'] === o.kind &&
      meta['resourceVersion'] === undefined;
    const typed = obj as KubeObject;
    typed.apiVersion = o.apiVersion;
    typed.kind = o.kind;
    meta['resourceVersion'] = String(kv.modRevision);
    const attrs = attrsOf(typed);
    if (inLayout) return CachedObject.splice(kv.key, kv.modRevision, kv.value, head.length, attrs);
    delete meta['resourceVersion'];
    const stored = Buffer.from(JSON.stringify({ apiVersion: o.apiVersion, kind: o.kind, metadata: meta, ...typed }));
    return CachedObject.splice(kv.key, kv.modRevision, stored, head.length, attrs);
  };
}

function defaultAttrs(obj: KubeObject): ObjectAttrs {
  const meta = obj.metadata ?? {};
  const fields: Record<string, string> = { 'metadata.name': meta.name ?? '' };
  if (meta.namespace !== undefined) fields['metadata.namespace'] = meta.namespace;
  return { labels: labelsOf(obj), fields };
}

/** metadata.labels when it is a plain record (what label selectors match). */
export function labelsOf(obj: KubeObject): Readonly<Record<string, string>> | undefined {
  const labels = obj.metadata?.labels;
  return isRecord(labels) ? (labels as Record<string, string>) : undefined;
}
