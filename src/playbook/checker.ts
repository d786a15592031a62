// Collects every mistake of a playbook (and the files it includes) with file:line:col, and the
// small typed readers of values that report them.
import type { PathKey, YamlDoc } from '../yaml.js';
import { ValidationError, type SourcePos } from '../errors.js';
import { checkTemplate } from './template.js';
import { checkCondition } from './condition.js';
import { didYouMean } from './suggest.js';
import { ansibleBoolean } from './bool.js';

export type Obj = Record<string, unknown>;
export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);


export function describe(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${JSON.stringify(v)}`;
}

export class Checker {
  constructor(readonly doc: YamlDoc, readonly errors: ValidationError[] = []) {}
  /** A checker for another file (an included one) that reports into the same list. */
  forDoc(doc: YamlDoc): Checker {
    return new Checker(doc, this.errors);
  }
  pos(path: readonly PathKey[], which: 'key' | 'value' = 'value'): SourcePos {
    return this.doc.at(path, which);
  }
  fail(path: readonly PathKey[], detail: string, which: 'key' | 'value' = 'value'): void {
    this.errors.push(new ValidationError(this.pos(path, which), detail));
  }
  string(v: unknown, path: PathKey[], what: string): string | undefined {
    if (v === undefined) return undefined;
    if (typeof v === 'string' || typeof v === 'number') return String(v);
    this.fail(path, `${what}: expected a string, got ${describe(v)}`);
    return undefined;
  }
  bool(v: unknown, path: PathKey[], what: string): boolean | undefined {
    if (v === undefined) return undefined;
    const b = ansibleBoolean(v);
    if (b === undefined) this.fail(path, `${what}: expected a boolean (true/false), got ${describe(v)}`);
    return b;
  }
  mapping(v: unknown, path: PathKey[], what: string): Obj {
    if (v === undefined || v === null) return {};
    if (isObj(v)) return v;
    this.fail(path, `${what}: expected a mapping, got ${describe(v)}`);
    return {};
  }
  stringList(v: unknown, path: PathKey[], what: string): string[] {
    if (v === undefined || v === null) return [];
    if (typeof v === 'string') return [v];
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
    this.fail(path, `${what}: expected a string or a list of strings, got ${describe(v)}`);
    return [];
  }
  unknownKeys(o: Obj, allowed: readonly string[], path: PathKey[], what: string): void {
    for (const k of Object.keys(o)) {
      if (!allowed.includes(k)) {
        this.fail([...path, k], `unknown ${what} keyword '${k}'${didYouMean(k, allowed)}; expected one of: ${allowed.join(', ')}`, 'key');
      }
    }
  }
  /** Static syntax check of every template inside a value. */
  templates(v: unknown, path: PathKey[]): void {
    if (typeof v === 'string') {
      const bad = checkTemplate(v);
      if (bad) this.errors.push(new ValidationError(this.doc.within(path, bad.offset), `template error: ${bad.message}`));
    } else if (Array.isArray(v)) v.forEach((x, i) => this.templates(x, [...path, i]));
    else if (isObj(v)) for (const [k, x] of Object.entries(v)) this.templates(x, [...path, k]);
  }
  condition(v: unknown, path: PathKey[], what: string): void {
    if (v === undefined) return;
    const bad = checkCondition(v);
    if (bad) {
      const at = bad.index !== undefined && Array.isArray(v) ? [...path, bad.index] : path;
      this.errors.push(new ValidationError(this.doc.within(at, bad.offset), `${what}: invalid expression: ${bad.message}`));
    }
  }
}
