// A task list with its structure: `block` (with `rescue`, `always`), `import_tasks` and
// `include_tasks` (read now: see the README), and `meta`. The keywords written on a block or
// an import (when, become, become_user, vars, ignore_errors, tags) are pushed down into each of
// its tasks, as Ansible applies them to each; plain tasks are checked by the caller's TaskCheck.
import { dirname } from 'node:path';
import type { PathKey } from '../yaml.js';
import { isObj, describe, type Checker, type Obj } from './checker.js';
import { includedName, readIncluded } from './include-file.js';
import { mergeTags, tagList } from './tags.js';
import { checkEnvironment } from './task-keywords.js';
import type { Block, Meta, MetaAction, Step, Task } from './model.js';

/** What enclosing blocks and imports give the tasks inside them. */
export interface Scope {
  /** Conditions of the enclosing blocks and imports, outermost first: all must hold. */
  when: unknown[];
  become?: boolean;
  becomeUser?: string;
  vars: Obj;
  ignoreErrors?: boolean;
  tags: string[];
  /** `environment:` layers of the enclosing blocks, outermost first (the task's own lies on top). */
  environment?: unknown[];
  noLog?: boolean;
  checkMode?: boolean;
  runOnce?: boolean;
  diff?: boolean;
  /** Where relative task files are looked for: the including file's directory, then the playbook's. */
  dirs: string[];
  /** The files being read, outermost first (an include cycle is an error). */
  files: string[];
}

export type TaskCheck = (c: Checker, raw: unknown, path: PathKey[], handler: boolean) => Task | undefined;

const INHERITED_KEYS = ['name', 'when', 'become', 'become_user', 'vars', 'ignore_errors', 'tags'];
/** Keywords a block gives its tasks besides those an import gives (Ansible's Block keywords). */
const BLOCK_ONLY_KEYS = ['environment', 'no_log', 'check_mode', 'run_once', 'diff'];
const BLOCK_KEYS = ['block', 'rescue', 'always', ...INHERITED_KEYS, ...BLOCK_ONLY_KEYS];
/** Ansible applies other keywords of include_tasks to the include alone (`apply:` is not supported). */
const INCLUDE_KEYS = ['include_tasks', 'name', 'when', 'tags', 'vars'];
const META_ACTIONS: readonly MetaAction[] = ['flush_handlers', 'noop', 'end_host'];

export function checkSteps(c: Checker, v: unknown, path: PathKey[], scope: Scope, checkTask: TaskCheck): Step[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) {
    c.fail(path, `expected a list of tasks, got ${describe(v)}`);
    return [];
  }
  const out: Step[] = [];
  v.forEach((raw, i) => {
    const step = checkStep(c, raw, [...path, i], scope, checkTask);
    if (step) out.push(step);
  });
  return out;
}

function checkStep(c: Checker, raw: unknown, path: PathKey[], scope: Scope, checkTask: TaskCheck): Step | undefined {
  if (!isObj(raw)) return checkTask(c, raw, path, false);
  if ('block' in raw || 'rescue' in raw || 'always' in raw) return checkBlock(c, raw, path, scope, checkTask);
  for (const key of ['import_tasks', 'include_tasks'] as const) if (key in raw) return checkImport(c, raw, path, scope, checkTask, key);
  if ('meta' in raw) return checkMeta(c, raw, path, scope);
  const task = checkTask(c, raw, path, false);
  return task && inherit(c, task, raw, path, scope);
}

/** The scope inside a block or an import: its keywords over the enclosing ones. */
function innerScope(c: Checker, raw: Obj, path: PathKey[], scope: Scope): Scope {
  c.condition(raw.when, [...path, 'when'], 'when');
  const vars = c.mapping(raw.vars, [...path, 'vars'], 'vars');
  c.templates(vars, [...path, 'vars']);
  return {
    ...scope,
    when: raw.when === undefined ? scope.when : [...scope.when, ...whenList(raw.when)],
    become: c.bool(raw.become, [...path, 'become'], 'become') ?? scope.become,
    becomeUser: c.string(raw.become_user, [...path, 'become_user'], 'become_user') ?? scope.becomeUser,
    vars: { ...scope.vars, ...vars },
    ignoreErrors: c.bool(raw.ignore_errors, [...path, 'ignore_errors'], 'ignore_errors') ?? scope.ignoreErrors,
    tags: mergeTags(scope.tags, tagList(c, raw.tags, [...path, 'tags'])),
    ...blockOnlyScope(c, raw, path, scope),
  };
}

/** The keywords only a block pushes down (an import refuses them as unknown). */
function blockOnlyScope(c: Checker, raw: Obj, path: PathKey[], scope: Scope): Partial<Scope> {
  const env = checkEnvironment(c, raw.environment, [...path, 'environment']);
  const bool = (k: string) => c.bool(raw[k], [...path, k], k);
  return {
    environment: env === undefined ? scope.environment : [...(scope.environment ?? []), env],
    noLog: bool('no_log') ?? scope.noLog,
    checkMode: bool('check_mode') ?? scope.checkMode,
    runOnce: bool('run_once') ?? scope.runOnce,
    diff: bool('diff') ?? scope.diff,
  };
}

const whenList = (w: unknown): unknown[] => (w === undefined ? [] : Array.isArray(w) ? w : [w]);

/** A task under its blocks: their conditions first, their values where it sets none. */
function inherit(c: Checker, task: Task, raw: Obj, path: PathKey[], scope: Scope): Task {
  const when = scope.when.length ? [...scope.when, ...whenList(raw.when)] : task.when;
  return {
    ...task,
    when,
    become: task.become ?? scope.become,
    becomeUser: task.becomeUser ?? scope.becomeUser,
    vars: { ...scope.vars, ...task.vars },
    ignoreErrors: raw.ignore_errors !== undefined ? task.ignoreErrors : scope.ignoreErrors ?? false,
    tags: mergeTags(scope.tags, tagList(c, raw.tags, [...path, 'tags'])),
    environment: scope.environment?.length ? [...scope.environment, ...(task.environment === undefined ? [] : [task.environment])] : task.environment,
    noLog: raw.no_log !== undefined ? task.noLog : scope.noLog ?? task.noLog,
    checkMode: task.checkMode ?? scope.checkMode,
    runOnce: raw.run_once !== undefined ? task.runOnce : scope.runOnce ?? task.runOnce,
    diff: task.diff ?? scope.diff,
  };
}

function checkBlock(c: Checker, raw: Obj, path: PathKey[], scope: Scope, checkTask: TaskCheck): Block | undefined {
  if (!('block' in raw)) {
    const key = 'rescue' in raw ? 'rescue' : 'always';
    c.fail([...path, key], `'${key}' belongs to a 'block': write the tasks under 'block:' and '${key}:' beside it`, 'key');
    return undefined;
  }
  c.unknownKeys(raw, BLOCK_KEYS, path, 'block');
  const inner = innerScope(c, raw, path, scope);
  const section = (key: 'block' | 'rescue' | 'always') => {
    if (raw[key] !== undefined && raw[key] !== null && !Array.isArray(raw[key])) {
      c.fail([...path, key], `${key}: expected a list of tasks, got ${describe(raw[key])}`);
      return [];
    }
    return checkSteps(c, raw[key], [...path, key], inner, checkTask);
  };
  return {
    kind: 'block', name: c.string(raw.name, [...path, 'name'], 'name'),
    block: section('block'), rescue: section('rescue'), always: section('always'), tags: inner.tags, pos: c.pos(path),
  };
}

/**
 * import_tasks, and include_tasks with a file name that needs no variable: both read now, as a
 * block of the included file's tasks (relative names from the including file's directory, then
 * the playbook's); their errors name the included file's own line and column. An import's
 * keywords go to each of its tasks; an include's `when` and `tags` stay its own (Block.include).
 */
function checkImport(c: Checker, raw: Obj, path: PathKey[], scope: Scope, checkTask: TaskCheck, key: 'import_tasks' | 'include_tasks'): Block | undefined {
  c.unknownKeys(raw, key === 'include_tasks' ? INCLUDE_KEYS : [key, ...INHERITED_KEYS], path, key);
  const name = includedName(c, raw[key], [...path, key], key);
  if (name === undefined) return undefined;
  const found = readIncluded(c, name, scope.dirs, [...path, key], key, scope.files);
  if (!found) return undefined;
  const inner = innerScope(c, raw, path, scope);
  const ic = c.forDoc(found.doc);
  const data = found.doc.data;
  if (data !== null && data !== undefined && !Array.isArray(data)) {
    ic.fail([], `${key}: a tasks file is a list of tasks, got ${describe(data)}`);
    return undefined;
  }
  const playbookDir = scope.dirs[scope.dirs.length - 1]!;
  const dynamic = key === 'include_tasks';
  const given = dynamic ? { ...scope, vars: inner.vars } : inner;
  const fileScope = { ...given, dirs: [dirname(found.file), playbookDir], files: [...scope.files, found.file] };
  return {
    kind: 'block', name: c.string(raw.name, [...path, 'name'], 'name') ?? (dynamic ? key : `${key}: ${name}`),
    block: checkSteps(ic, data, [], fileScope, checkTask), rescue: [], always: [], tags: inner.tags, pos: c.pos(path),
    ...(dynamic ? { include: { file: found.file, ...(raw.when !== undefined ? { when: [...scope.when, ...whenList(raw.when)] } : {}) } } : {}),
  };
}

function checkMeta(c: Checker, raw: Obj, path: PathKey[], scope: Scope): Meta | undefined {
  c.unknownKeys(raw, ['meta', 'name', 'when', 'tags'], path, 'meta task');
  const action = raw.meta;
  if (typeof action !== 'string' || !META_ACTIONS.includes(action as MetaAction)) {
    c.fail([...path, 'meta'], `meta: '${typeof action === 'string' ? action : describe(action)}' is not supported by remedy; expected one of: ${META_ACTIONS.join(', ')}`);
    return undefined;
  }
  if (action === 'flush_handlers' && raw.when !== undefined) {
    c.fail([...path, 'when'], `meta: flush_handlers takes no 'when' (Ansible ignores it with a warning)`, 'key');
  }
  c.condition(raw.when, [...path, 'when'], 'when');
  const when = action === 'flush_handlers' ? [] : [...scope.when, ...whenList(raw.when)];
  return {
    kind: 'meta', action: action as MetaAction, name: c.string(raw.name, [...path, 'name'], 'name') ?? 'meta',
    ...(when.length ? { when } : {}), tags: mergeTags(scope.tags, tagList(c, raw.tags, [...path, 'tags'])), pos: c.pos(path),
  };
}
