// The checks of the task and play keywords `environment`, `delegate_to`, `run_once` and `diff`,
// apart from load.ts's structure. What remedy runs on the controller for a delegated task is
// limited to modules that cannot touch the controller's files through remedy's transaction
// (whose backups and rollback belong to the managed host).
import type { PathKey } from '../yaml.js';

/** The part of load.ts's checker these checks use. */
export interface KeywordChecker {
  fail(path: readonly PathKey[], detail: string, which?: 'key' | 'value'): void;
  bool(v: unknown, path: PathKey[], what: string): boolean | undefined;
  string(v: unknown, path: PathKey[], what: string): string | undefined;
  templates(v: unknown, path: PathKey[]): void;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const TEMPLATED = /{{|{%/;

/** Names that mean this machine (Ansible's implicit localhost). */
export const CONTROLLER_NAMES: readonly string[] = ['localhost', '127.0.0.1', '::1'];

/**
 * Modules a task delegated to the controller may run: the controller-only ones, and
 * command/shell, which run there outside the host's transaction (no backup, no rollback).
 */
export const DELEGABLE_MODULES: readonly string[] = ['command', 'shell', 'debug', 'assert', 'set_fact', 'fail'];

/** `environment:` a mapping, a list of mappings, or a template giving one; literal names checked now. */
export function checkEnvironment(c: KeywordChecker, v: unknown, path: PathKey[]): unknown {
  if (v === undefined || v === null) return undefined;
  const layers = Array.isArray(v) ? v : [v];
  layers.forEach((l, i) => {
    const at = Array.isArray(v) ? [...path, i] : path;
    if (typeof l === 'string' && TEMPLATED.test(l)) return;
    if (typeof l !== 'object' || l === null || Array.isArray(l)) {
      c.fail(at, `environment: expected a mapping of variable names to values (or a template giving one)`);
      return;
    }
    for (const [name, value] of Object.entries(l)) {
      if (!ENV_NAME.test(name)) c.fail([...at, name], `environment: '${name}' is not a valid shell variable name`, 'key');
      else if (value === null || typeof value === 'object') c.fail([...at, name], `environment: the value of '${name}' must be a string, a number or a boolean`);
    }
  });
  c.templates(v, path);
  return v;
}

/**
 * `delegate_to:` only the controller; a template is decided per host at run time (refused there
 * unless it gives the controller). Returns the raw value.
 */
export function checkDelegateTo(c: KeywordChecker, v: unknown, module: string, path: PathKey[], become: unknown): string | undefined {
  const to = c.string(v, [...path, 'delegate_to'], 'delegate_to');
  if (to === undefined) return undefined;
  c.templates(to, [...path, 'delegate_to']);
  if (!TEMPLATED.test(to) && !CONTROLLER_NAMES.includes(to)) {
    c.fail([...path, 'delegate_to'], `delegate_to: remedy delegates only to the controller (localhost, 127.0.0.1), not to '${to}'; run the task in a play for that host`);
  }
  if (!DELEGABLE_MODULES.includes(module)) {
    c.fail([...path, 'delegate_to'], `delegate_to: ${module} cannot run on the controller (its writes would fall outside the host's transaction and rollback); delegable: ${DELEGABLE_MODULES.join(', ')}`);
  }
  if (become !== undefined && become !== false) {
    c.fail([...path, 'become'], `become on a delegated task is not supported: remedy runs delegated commands as the user that runs remedy`, 'key');
  }
  return to;
}

/**
 * `local_action:` is Ansible's older spelling of `delegate_to: localhost`: the module and its
 * arguments as one string (`local_action: command echo hi`) or a mapping with `module:`. The
 * task is rewritten into the usual form; undefined (after an error) when it cannot be.
 */
export function expandLocalAction(c: KeywordChecker, raw: Record<string, unknown>, path: PathKey[]): Record<string, unknown> | undefined {
  if (!('local_action' in raw)) return raw;
  const { local_action: v, ...rest } = raw;
  const at = [...path, 'local_action'];
  if ('delegate_to' in raw) {
    c.fail(at, `'local_action' and 'delegate_to' together: local_action already means delegate_to: localhost`, 'key');
    return undefined;
  }
  if (typeof v === 'string') {
    const m = /^\s*(\S+)\s*([\s\S]*)$/.exec(v);
    if (m) return { ...rest, [m[1]!]: m[2] ? m[2] : null, delegate_to: 'localhost' };
  } else if (typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as Record<string, unknown>).module === 'string') {
    const { module, ...args } = v as Record<string, unknown>;
    return { ...rest, [module as string]: args, delegate_to: 'localhost' };
  }
  c.fail(at, `local_action: expected 'MODULE ARGS' or a mapping with 'module:' and the module's arguments`);
  return undefined;
}
