// Module arguments are checked twice with the module's zod schema: statically when the playbook
// loads (a templated value cannot be type-checked yet, so issues on it wait), and again per host
// after templates are rendered.
import type { ModuleDef } from '../modules/module.js';
import { isTemplated } from './template.js';

export interface ArgIssue {
  path: (string | number)[];
  message: string;
  /** The issue is about a key (unknown argument), not a value. */
  atKey: boolean;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

function toIssues(mod: ModuleDef, args: unknown): { issues: ArgIssue[]; value?: unknown } {
  const res = mod.args.safeParse(args);
  if (res.success) return { issues: [], value: res.data };
  const issues: ArgIssue[] = [];
  for (const issue of res.error.issues) {
    const path = issue.path.filter((k): k is string | number => typeof k !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        issues.push({ path: [...path, key], message: `unknown argument '${key}'; expected one of: ${argNames(mod).join(', ')}`, atKey: true });
      }
      continue;
    }
    const where = path.length ? `'${path.join('.')}': ` : '';
    const v = valueAt(args, path);
    const missing = v === undefined && issue.code === 'invalid_type';
    issues.push({ path, message: missing ? `missing required argument '${path.join('.')}'` : `${where}${issue.message}`, atKey: false });
  }
  return { issues };
}

/** Static check; issues on templated values are left for run time. */
export function checkModuleArgs(mod: ModuleDef, args: Record<string, unknown>): ArgIssue[] {
  return toIssues(mod, args).issues.filter((i) => {
    const v = valueAt(args, i.path);
    return !(typeof v === 'string' && isTemplated(v));
  });
}

/** Run-time check of rendered arguments: the parsed value, or the issues. */
export function parseModuleArgs(mod: ModuleDef, args: unknown): { ok: true; value: unknown } | { ok: false; issues: ArgIssue[] } {
  const { issues, value } = toIssues(mod, args);
  return issues.length ? { ok: false, issues } : { ok: true, value };
}

export function argNames(mod: ModuleDef): string[] {
  const shape = (mod.args as unknown as { shape?: Record<string, unknown> }).shape;
  return shape ? Object.keys(shape) : [];
}
