/**
 * Request body decoding: JSON or YAML into an object, noting duplicate fields (JSON.parse and YAML
 * keep the last silently) so fieldValidation can report them the way kube's strict decoder does.
 */
import YAML from 'yaml';
import { errors } from '../api/errors';
import { jsonShape, MAX_JSON_DEPTH, memberCount } from '../registry/json-depth';
import { isRecord } from '../api/types';
import type { KubeObject } from '../api/types';

export interface Decoded {
  obj: KubeObject;
  /** Kubernetes field paths that appeared twice in one object. */
  duplicates: string[];
}

const join = (path: string, key: string): string => (path ? `${path}.${key}` : key);

/** Finds duplicate object keys in JSON text (already known to parse). */
function jsonDuplicates(text: string): string[] {
  const dups: string[] = [];
  let i = 0;
  const ws = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const str = (): string => {
    const start = i;
    i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const value = (path: string): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const seen = new Set<string>();
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        const k = str();
        if (seen.has(k)) dups.push(join(path, k));
        seen.add(k);
        ws();
        i++; // ':'
        value(join(path, k));
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        i++; // '}'
        return;
      }
    } else if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (let n = 0; ; n++) {
        value(`${path}[${n}]`);
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        i++;
        return;
      }
    } else if (c === '"') {
      str();
    } else {
      while (i < text.length && !',]} \t\n\r'.includes(text[i]!)) i++;
    }
  };
  value('');
  return dups;
}

function yamlDuplicates(node: unknown, path: string, out: string[]): void {
  if (YAML.isMap(node)) {
    const seen = new Set<string>();
    for (const item of node.items) {
      const key = YAML.isScalar(item.key) ? String(item.key.value) : String(item.key);
      if (seen.has(key)) out.push(join(path, key));
      seen.add(key);
      yamlDuplicates(item.value, join(path, key), out);
    }
  } else if (YAML.isSeq(node)) {
    node.items.forEach((it, n) => yamlDuplicates(it, `${path}[${n}]`, out));
  }
}

export function decodeJson(body: Buffer, kind: string, version: string): Decoded {
  const text = body.toString('utf8');
  const shape = jsonShape(text);
  if (shape.depth > MAX_JSON_DEPTH) throw errors.badRequest(`${kind} in version "${version}" cannot be handled as a ${kind}: exceeded max depth of ${MAX_JSON_DEPTH}`);
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch (err) {
    throw errors.badRequest(`${kind} in version "${version}" cannot be handled as a ${kind}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!isRecord(obj)) throw errors.badRequest(`${kind} in version "${version}" cannot be handled as a ${kind}: the body must be a JSON object`);
  // The exact duplicate paths need a slow scan; only bodies that have duplicates pay for it.
  return { obj: obj as KubeObject, duplicates: memberCount(obj) === shape.members ? [] : jsonDuplicates(text) };
}

export function decodeYaml(body: Buffer, kind: string, version: string): Decoded {
  let doc: YAML.Document.Parsed;
  try {
    doc = YAML.parseDocument(body.toString('utf8'), { uniqueKeys: false });
  } catch (err) {
    throw errors.badRequest(`${kind} in version "${version}" cannot be handled as a ${kind}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (doc.errors.length > 0) throw errors.badRequest(`${kind} in version "${version}" cannot be handled as a ${kind}: ${doc.errors[0]!.message}`);
  const obj: unknown = doc.toJS();
  if (!isRecord(obj)) throw errors.badRequest(`${kind} in version "${version}" cannot be handled as a ${kind}: the body must be an object`);
  const duplicates: string[] = [];
  yamlDuplicates(doc.contents, '', duplicates);
  return { obj: obj as KubeObject, duplicates };
}
