/**
 * Field selectors (k8s.io/apimachinery/pkg/fields): comma-separated `f=v`, `f==v`, `f!=v`, with
 * backslash escaping. Only fields a kind declares selectable are accepted; others are 400
 * `field label not supported: <f>` as kube answers.
 */
import { errors } from '../../api/errors';

export interface FieldRequirement {
  field: string;
  op: '=' | '!=';
  value: string;
}

export type FieldSet = Record<string, string>;

function splitUnescaped(s: string, sep: string): string[] {
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\' && i + 1 < s.length) {
      cur += c + s[i + 1];
      i++;
    } else if (c === sep) {
      parts.push(cur);
      cur = '';
    } else cur += c;
  }
  parts.push(cur);
  return parts;
}

function unescape(s: string): string {
  return s.replace(/\\(.)/g, '$1');
}

function findOp(term: string): { idx: number; op: '=' | '!=' | '=='; len: number } | undefined {
  for (let i = 0; i < term.length; i++) {
    const c = term[i]!;
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '!' && term[i + 1] === '=') return { idx: i, op: '!=', len: 2 };
    if (c === '=' && term[i + 1] === '=') return { idx: i, op: '==', len: 2 };
    if (c === '=') return { idx: i, op: '=', len: 1 };
  }
  return undefined;
}

export class FieldSelector {
  constructor(readonly requirements: FieldRequirement[]) {}

  get empty(): boolean {
    return this.requirements.length === 0;
  }

  matches(fields: FieldSet): boolean {
    return this.requirements.every((r) => {
      const v = fields[r.field] ?? '';
      return r.op === '=' ? v === r.value : v !== r.value;
    });
  }

  /** The value required for `field` by an `=` term, if any (e.g. to narrow a list by namespace). */
  requiredValue(field: string): string | undefined {
    return this.requirements.find((r) => r.field === field && r.op === '=')?.value;
  }
}

/** Parse and check against the kind's selectable fields (undefined = accept any field). */
export function parseFieldSelector(selector: string | undefined, allowed?: readonly string[]): FieldSelector {
  if (selector === undefined || selector.trim() === '') return new FieldSelector([]);
  const reqs: FieldRequirement[] = [];
  for (const raw of splitUnescaped(selector, ',')) {
    const term = raw.trim();
    const op = findOp(term);
    if (!op) throw errors.badRequest(`invalid selector: '${selector}'; can't understand '${term}'`);
    const field = unescape(term.slice(0, op.idx).trim());
    const value = unescape(term.slice(op.idx + op.len).trim());
    if (allowed && !allowed.includes(field)) throw errors.badRequest(`field label not supported: ${field}`);
    reqs.push({ field, op: op.op === '!=' ? '!=' : '=', value });
  }
  return new FieldSelector(reqs);
}
