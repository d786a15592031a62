// Ansible's `environment:` keyword: variables set for what a task runs on the host. The play's
// mapping lies under the task's (the task wins), both are templated with the task's variables,
// and every command of the task's plan carries the result as data (RunChange.env); the engine
// exports it inside that command's own step, so batched commands of other tasks never see it.
import { pythonStr } from '../playbook/bool.js';
import { renderDeep } from '../playbook/template.js';
import { quote } from '../shell.js';
import type { ModulePlan } from './change.js';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export class EnvironmentError extends Error {}

/** One layer (a mapping, a list of mappings, or a template giving one) as name → rendered value. */
function layer(raw: unknown, vars: Record<string, unknown>, out: Record<string, string>): void {
  const v = renderDeep(raw, vars);
  if (v === undefined || v === null) return;
  if (Array.isArray(v)) return v.forEach((x) => layer(x, vars, out));
  if (typeof v !== 'object') throw new EnvironmentError(`environment: expected a mapping of variable names to values, got ${typeof v}`);
  // Names are not templated (neither are they in Ansible, which sends them to the shell unchecked).
  for (const [name, value] of Object.entries(v as Record<string, unknown>)) {
    if (!NAME.test(name)) throw new EnvironmentError(`environment: '${name}' is not a valid shell variable name`);
    // Values are never put in a message: the task may be no_log.
    if (typeof value === 'string') out[name] = value;
    else if (typeof value === 'number' || typeof value === 'boolean') out[name] = pythonStr(value);
    else throw new EnvironmentError(`environment: the value of '${name}' must be a string, a number or a boolean`);
  }
}

/** The task's environment: the play's layers first, then the task's (later names win). */
export function renderEnvironment(layers: readonly unknown[], vars: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of layers) layer(l, vars, out);
  return out;
}

/** The shell line that sets `env` for the command after it (names validated, values quoted). */
export function envExports(env: Readonly<Record<string, string>> | undefined): string {
  const names = Object.keys(env ?? {});
  if (names.length === 0) return '';
  for (const n of names) if (!NAME.test(n)) throw new EnvironmentError(`environment: '${n}' is not a valid shell variable name`);
  return `export ${names.map((n) => `${n}=${quote(env![n]!)}`).join(' ')}; `;
}

/** Every command of the plan carries the task's environment. */
export function withEnvironment(plan: ModulePlan, env: Readonly<Record<string, string>>): ModulePlan {
  if (plan.kind !== 'change' || Object.keys(env).length === 0) return plan;
  return { ...plan, changes: plan.changes.map((c) => (c.kind === 'run' ? { ...c, env } : c)) };
}
