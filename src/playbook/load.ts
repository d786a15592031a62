// Reads a playbook file into the validated model. Every mistake is reported with file:line:col
// and what was expected; all mistakes of a file are collected and reported together.
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseYaml, type PathKey } from '../yaml.js';
import { UsageError, ValidationError, ValidationErrors } from '../errors.js';
import { findModule, moduleNames } from '../modules/index.js';
import { checkModuleArgs } from './args.js';
import { didYouMean } from './suggest.js';
import type { Meta, Play, Playbook, Task } from './model.js';
import { Checker, describe, isObj, type Obj } from './checker.js';
import { checkSteps, type Scope } from './steps.js';
import { includedName, readIncluded } from './include-file.js';
import { mergeTags, tagList } from './tags.js';
import { tasksOf } from './step-list.js';
import { stringArgs } from './kv-args.js';
import { checkDelegateTo, checkEnvironment, expandLocalAction } from './task-keywords.js';
import { LOOP_KEYS, pickLoop, type LoopKind } from './loops.js';

const PLAY_KEYS = [
  'name', 'hosts', 'vars', 'tasks', 'pre_tasks', 'post_tasks', 'handlers', 'become', 'become_user',
  'gather_facts', 'connection', 'remote_user', 'serial', 'max_fail_percentage', 'tags', 'vars_files',
  'environment', 'diff',
] as const;
const TASK_KEYS = [
  'name', 'when', 'register', 'notify', 'changed_when', 'failed_when', 'ignore_errors', ...LOOP_KEYS,
  'loop_control', 'become', 'become_user', 'vars', 'listen', 'no_log', 'check_mode', 'tags',
  'args', 'environment', 'delegate_to', 'run_once', 'diff',
] as const;

export async function loadPlaybook(file: string): Promise<Playbook> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read playbook ${file}: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
  return parsePlaybook(text, file);
}

export function parsePlaybook(text: string, file: string): Playbook {
  const c = new Checker(parseYaml(text, file));
  const plays = checkPlays(c, { tags: [], files: [resolve(file)] });
  if (c.errors.length === 1) throw c.errors[0]!;
  if (c.errors.length > 1) throw new ValidationErrors(c.errors);
  return { file, plays };
}

/** What a play inherits from the import_playbook lines that led to its file. */
interface PlaysScope {
  tags: string[];
  /** The playbook files being read, outermost first. */
  files: string[];
}

function checkPlays(c: Checker, scope: PlaysScope): Play[] {
  const data = c.doc.data;
  if (!Array.isArray(data)) {
    c.fail([], `a playbook is a list of plays (each with 'hosts' and 'tasks'), got ${describe(data)}`);
    return [];
  }
  return data.flatMap((raw, i) => {
    if (isObj(raw) && 'import_playbook' in raw) return importPlaybook(c, raw, [i], scope);
    const play = checkPlay(c, raw, [i], scope);
    return play ? [play] : [];
  });
}

/** `- import_playbook: other.yml` (relative to this playbook's directory): its plays, here. */
function importPlaybook(c: Checker, raw: Obj, path: PathKey[], scope: PlaysScope): Play[] {
  c.unknownKeys(raw, ['import_playbook', 'name', 'tags'], path, 'import_playbook');
  const name = includedName(c, raw.import_playbook, [...path, 'import_playbook'], 'import_playbook');
  const here = dirname(scope.files[scope.files.length - 1]!);
  const found = name === undefined ? undefined : readIncluded(c, name, [here], [...path, 'import_playbook'], 'import_playbook', scope.files);
  if (!found) return [];
  const tags = mergeTags(scope.tags, tagList(c, raw.tags, [...path, 'tags']));
  return checkPlays(c.forDoc(found.doc), { tags, files: [...scope.files, found.file] });
}

function checkPlay(c: Checker, raw: unknown, path: PathKey[], outer: PlaysScope): Play | undefined {
  if (!isObj(raw)) {
    c.fail(path, `expected a play (a mapping with 'hosts' and 'tasks'), got ${describe(raw)}`);
    return undefined;
  }
  c.unknownKeys(raw, PLAY_KEYS, path, 'play');
  let hosts = '';
  if (raw.hosts === undefined) c.fail(path, `play is missing 'hosts' (a host pattern such as 'all' or 'web:&prod')`);
  else if (Array.isArray(raw.hosts)) hosts = c.stringList(raw.hosts, [...path, 'hosts'], 'hosts').join(':');
  else hosts = c.string(raw.hosts, [...path, 'hosts'], 'hosts') ?? '';

  const ownVars = c.mapping(raw.vars, [...path, 'vars'], 'vars');
  c.templates(ownVars, [...path, 'vars']);
  const file = outer.files[outer.files.length - 1]!;
  // As in Ansible, vars_files win over the play's vars.
  const vars = { ...ownVars, ...checkVarsFiles(c, raw.vars_files, [...path, 'vars_files'], dirname(file)) };
  const tags = mergeTags(outer.tags, tagList(c, raw.tags, [...path, 'tags']));
  const scope: Scope = { when: [], vars: {}, tags, dirs: [dirname(file)], files: outer.files };
  const taskList = (key: string) => checkSteps(c, raw[key], [...path, key], scope, checkTask);
  // As in Ansible, the handlers notified in pre_tasks run before tasks, those of tasks before post_tasks.
  const flush = (key: string): Meta[] => (raw[key] ? [{ kind: 'meta', action: 'flush_handlers', name: 'meta', tags: [], implicit: true, pos: c.pos([...path, key]) }] : []);
  const steps = [...taskList('pre_tasks'), ...flush('pre_tasks'), ...taskList('tasks'), ...flush('post_tasks'), ...taskList('post_tasks')];
  const tasks = tasksOf(steps);
  const handlers = checkTaskList(c, raw.handlers, [...path, 'handlers'], true);
  const known = new Set(handlers.flatMap((h) => [h.name, ...h.listen]));
  const allTasks = [...tasks, ...handlers];
  for (const t of allTasks) {
    for (const n of t.notify) {
      if (!known.has(n)) c.errors.push(new ValidationError(t.pos, `task '${t.name}' notifies '${n}', but no handler has that name or listens to it${didYouMean(n, [...known])}`));
    }
  }
  const connection = c.string(raw.connection, [...path, 'connection'], 'connection') ?? 'ssh';
  if (connection !== 'ssh' && connection !== 'local') c.fail([...path, 'connection'], `connection: expected 'ssh' or 'local', got '${connection}'`);
  const serial = checkSerial(c, raw.serial, [...path, 'serial']);
  let maxFail: number | undefined;
  if (raw.max_fail_percentage !== undefined) {
    const n = Number(raw.max_fail_percentage);
    if (!Number.isFinite(n) || n < 0 || n > 100) c.fail([...path, 'max_fail_percentage'], 'max_fail_percentage: expected a number from 0 to 100');
    else maxFail = n;
  }
  return {
    name: c.string(raw.name, [...path, 'name'], 'name') ?? hosts,
    hosts,
    vars,
    tasks,
    steps,
    handlers,
    tags,
    become: c.bool(raw.become, [...path, 'become'], 'become') ?? false,
    becomeUser: c.string(raw.become_user, [...path, 'become_user'], 'become_user') ?? 'root',
    gatherFacts: c.bool(raw.gather_facts, [...path, 'gather_facts'], 'gather_facts') ?? true,
    connection: connection === 'local' ? 'local' : 'ssh',
    remoteUser: c.string(raw.remote_user, [...path, 'remote_user'], 'remote_user'),
    serial,
    maxFailPercentage: maxFail,
    environment: checkEnvironment(c, raw.environment, [...path, 'environment']),
    diff: c.bool(raw.diff, [...path, 'diff'], 'diff'),
    pos: c.pos(path),
  };
}

/** `vars_files:` — each a YAML mapping (relative to the playbook's directory), later ones winning. */
function checkVarsFiles(c: Checker, v: unknown, path: PathKey[], dir: string): Obj {
  const names = c.stringList(v, path, 'vars_files');
  const out: Obj = {};
  names.forEach((n, i) => {
    const at = Array.isArray(v) ? [...path, i] : path;
    const name = includedName(c, n, at, 'vars_files');
    const found = name === undefined ? undefined : readIncluded(c, name, [dir], at, 'vars_files', []);
    if (!found) return;
    const fc = c.forDoc(found.doc);
    const data = found.doc.data;
    if (data !== null && data !== undefined && !isObj(data)) return fc.fail([], `vars_files: ${found.file} must hold a mapping of variables, got ${describe(data)}`);
    fc.templates(data ?? {}, []);
    Object.assign(out, data);
  });
  return out;
}

function checkSerial(c: Checker, v: unknown, path: PathKey[]): Array<number | string> | undefined {
  if (v === undefined) return undefined;
  const items = Array.isArray(v) ? v : [v];
  const ok = items.every((x) => (typeof x === 'number' && x > 0) || (typeof x === 'string' && /^(\d+%?)$/.test(x.trim())));
  if (!ok) {
    c.fail(path, `serial: expected a number, a percentage like '25%', or a list of them, got ${describe(v)}`);
    return undefined;
  }
  return items as Array<number | string>;
}

function checkTaskList(c: Checker, v: unknown, path: PathKey[], handlers: boolean): Task[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) {
    c.fail(path, `expected a list of ${handlers ? 'handlers' : 'tasks'}, got ${describe(v)}`);
    return [];
  }
  const out: Task[] = [];
  v.forEach((raw, i) => {
    const t = checkTask(c, raw, [...path, i], handlers);
    if (t) out.push(t);
  });
  return out;
}

function checkTask(c: Checker, written: unknown, path: PathKey[], handler: boolean): Task | undefined {
  const raw = isObj(written) ? expandLocalAction(c, written, path) : written;
  if (raw === undefined) return undefined;
  if (!isObj(raw)) {
    c.fail(path, `expected a task (a mapping with a module such as 'command: ...'), got ${describe(raw)}`);
    return undefined;
  }
  for (const k of ['block', 'include_tasks', 'import_tasks', 'include_role', 'import_role']) {
    if (k in raw) {
      c.fail([...path, k], `'${k}' is not supported by remedy; write the tasks inline`, 'key');
      return undefined;
    }
  }
  const keywords = new Set<string>(TASK_KEYS);
  const moduleKeys = Object.keys(raw).filter((k) => !keywords.has(k) && !k.startsWith('with_'));
  if (moduleKeys.length === 0) {
    c.fail(path, `task has no module; expected one of: ${moduleNames().join(', ')}`);
    return undefined;
  }
  if (moduleKeys.length > 1) {
    const unknown = moduleKeys.find((k) => !findModule(k)) ?? moduleKeys[1]!;
    const hint = findModule(unknown)
      ? `a task runs exactly one module, found ${moduleKeys.map((k) => `'${k}'`).join(' and ')}`
      : `unknown module or task keyword '${unknown}'${didYouMean(unknown, [...moduleNames(), ...TASK_KEYS])}`;
    c.fail([...path, unknown], hint, 'key');
    return undefined;
  }
  const key = moduleKeys[0]!;
  const mod = findModule(key);
  if (!mod) {
    c.fail([...path, key], `unknown module '${key}'${didYouMean(key, moduleNames())}; expected one of: ${moduleNames().join(', ')}`, 'key');
    return undefined;
  }
  const argsPath = [...path, key];
  let args: Obj;
  const rawArgs = raw[key];
  if (typeof rawArgs === 'string') {
    const parsed = stringArgs(rawArgs, mod.freeForm);
    if ('error' in parsed) {
      c.fail(argsPath, `${mod.name}: ${parsed.error}`);
      return undefined;
    }
    args = parsed.args;
  } else if (rawArgs === null || rawArgs === undefined) args = {};
  else if (isObj(rawArgs)) args = rawArgs;
  else {
    c.fail(argsPath, `${mod.name}: expected a mapping of arguments${mod.freeForm ? ' or a command string' : ''}, got ${describe(rawArgs)}`);
    return undefined;
  }
  // `args:` lies under the module's own arguments: as in Ansible, the inline ones win.
  const argsKw = c.mapping(raw.args, [...path, 'args'], 'args');
  const inline = args;
  args = { ...argsKw, ...inline };
  const issuePath = (p: (string | number)[]): PathKey[] => {
    const top = p[0];
    if (top !== undefined && !(top in inline) && top in argsKw) return [...path, 'args', ...p];
    return [...argsPath, ...(rawArgs === inline ? p : [])];
  };
  for (const issue of checkModuleArgs(mod, args)) {
    const at = issuePath(issue.path);
    // A key inside a k=v string has no YAML node of its own: the string is named.
    const atKey = issue.atKey && !(typeof rawArgs === 'string' && at.length === argsPath.length);
    c.fail(at, `${mod.name}: ${issue.message}`, atKey ? 'key' : 'value');
  }
  c.templates(inline, argsPath);
  c.templates(argsKw, [...path, 'args']);
  c.condition(raw.when, [...path, 'when'], 'when');
  c.condition(raw.changed_when, [...path, 'changed_when'], 'changed_when');
  c.condition(raw.failed_when, [...path, 'failed_when'], 'failed_when');
  const { loop, loopKind } = checkLoop(c, raw, path);
  const loopControl = c.mapping(raw.loop_control, [...path, 'loop_control'], 'loop_control');
  c.unknownKeys(loopControl, ['loop_var', 'index_var', 'label'], [...path, 'loop_control'], 'loop_control');
  const register = c.string(raw.register, [...path, 'register'], 'register');
  if (register !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(register)) c.fail([...path, 'register'], `register: '${register}' is not a valid variable name`);
  const name = c.string(raw.name, [...path, 'name'], 'name');
  if (handler && !name) c.fail(path, `a handler needs a 'name' (tasks notify handlers by name)`);
  if (!handler && raw.listen !== undefined) c.fail([...path, 'listen'], `'listen' is only valid on handlers`, 'key');
  return {
    name: name ?? `${mod.name}${typeof rawArgs === 'string' ? ` ${rawArgs}` : ''}`,
    module: mod.name,
    args,
    when: raw.when,
    register,
    notify: c.stringList(raw.notify, [...path, 'notify'], 'notify'),
    changedWhen: raw.changed_when,
    failedWhen: raw.failed_when,
    ignoreErrors: c.bool(raw.ignore_errors, [...path, 'ignore_errors'], 'ignore_errors') ?? false,
    loop,
    loopKind,
    loopVar: c.string(loopControl.loop_var, [...path, 'loop_control', 'loop_var'], 'loop_var') ?? 'item',
    loopLabel: c.string(loopControl.label, [...path, 'loop_control', 'label'], 'label'),
    loopIndexVar: c.string(loopControl.index_var, [...path, 'loop_control', 'index_var'], 'index_var'),
    become: c.bool(raw.become, [...path, 'become'], 'become'),
    becomeUser: c.string(raw.become_user, [...path, 'become_user'], 'become_user'),
    vars: c.mapping(raw.vars, [...path, 'vars'], 'vars'),
    listen: c.stringList(raw.listen, [...path, 'listen'], 'listen'),
    noLog: c.bool(raw.no_log, [...path, 'no_log'], 'no_log') ?? false,
    checkMode: c.bool(raw.check_mode, [...path, 'check_mode'], 'check_mode'),
    environment: checkEnvironment(c, raw.environment, [...path, 'environment']),
    delegateTo: checkDelegateTo(c, raw.delegate_to, mod.name, path, raw.become),
    runOnce: c.bool(raw.run_once, [...path, 'run_once'], 'run_once') ?? false,
    diff: c.bool(raw.diff, [...path, 'diff'], 'diff'),
    pos: c.pos(path),
    argsPos: c.pos(argsPath),
  };
}

/** The task's loop keyword (at most one of loop / with_*) and its terms, templates checked. */
function checkLoop(c: Checker, raw: Obj, path: PathKey[]): { loop?: unknown; loopKind?: LoopKind } {
  const picked = pickLoop(Object.keys(raw));
  if (picked.error) {
    c.fail([...path, picked.error.key], picked.error.message, 'key');
    return {};
  }
  if (!picked.key) return {};
  const loop = raw[picked.key];
  if (picked.kind === 'loop' && !Array.isArray(loop) && typeof loop !== 'string') {
    c.fail([...path, 'loop'], `loop: expected a list or a template that gives one, got ${describe(loop)}`);
  }
  c.templates(loop, [...path, picked.key]);
  return { loop, loopKind: picked.kind };
}
