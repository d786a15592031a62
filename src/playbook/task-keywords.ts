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

/** `local_action:` is Ansible's older spelling of delegate_to: localhost. */
export function refuseLocalAction(c: KeywordChecker, raw: Record<string, unknown>, path: PathKey[]): boolean {
  if (!('local_action' in raw)) return false;
  c.fail([...path, 'local_action'], `'local_action' is not supported; write the module as usual with 'delegate_to: localhost'`, 'key');
  return true;
}
