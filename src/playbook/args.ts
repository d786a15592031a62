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

interface Dealiased {
  args: unknown;
  /** Canonical name → the alias the playbook wrote, to report issues where they are written. */
  written: Map<string, string>;
  issues: ArgIssue[];
}

/** Rename aliases to their argument; an argument given under two names is an error. */
function dealias(mod: ModuleDef, args: unknown): Dealiased {
  const aliases = mod.argAliases;
  const written = new Map<string, string>();
  if (!aliases || args === null || typeof args !== 'object' || Array.isArray(args)) return { args, written, issues: [] };
  const out: Record<string, unknown> = {};
  const issues: ArgIssue[] = [];
  for (const [k, v] of Object.entries(args)) {
    const name = aliases[k] ?? k;
    if (name in out) {
      issues.push({ path: [k], message: `'${k}' and '${written.get(name) ?? name}' are the same argument ('${name}'); give it once`, atKey: true });
      continue;
    }
    out[name] = v;
    if (name !== k) written.set(name, k);
  }
  return { args: out, written, issues };
}

function toIssues(mod: ModuleDef, raw: unknown): { issues: ArgIssue[]; value?: unknown } {
  const { args, written, issues: aliasIssues } = dealias(mod, raw);
  if (aliasIssues.length) return { issues: aliasIssues };
  const res = mod.args.safeParse(args);
  if (res.success) return { issues: [], value: res.data };
  const issues: ArgIssue[] = [];
  for (const issue of res.error.issues) {
    const path = issue.path.filter((k): k is string | number => typeof k !== 'symbol');
    if (typeof path[0] === 'string' && written.has(path[0])) path[0] = written.get(path[0])!;
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        issues.push({ path: [...path, key], message: `unknown argument '${key}'; expected one of: ${argNames(mod).join(', ')}`, atKey: true });
      }
      continue;
    }
    const where = path.length ? `'${path.join('.')}': ` : '';
    const v = valueAt(raw, path);
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
