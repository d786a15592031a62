// Runs one task on one host: `when`, `loop`, templated arguments, the module's plan, then either
// carrying the plan out (apply) or only recording it (check). The result feeds `register`,
// `changed_when`/`failed_when`, handlers and the report.
import { dirname } from 'node:path';
import { boundMessage } from './bounded-message.js';
import { formatPos } from '../errors.js';
import { findModule } from '../modules/index.js';
import { parseModuleArgs } from '../playbook/args.js';
import { renderDeep } from '../playbook/template.js';
import { dropOmitted } from './play-magic.js';
import { evalCondition } from '../playbook/condition.js';
import { loopItems, LoopError } from '../playbook/loops.js';
import { envExports, renderEnvironment, withEnvironment } from './environment.js';
import type { RunOnce } from './run-once.js';
import { CONTROLLER_NAMES } from '../playbook/task-keywords.js';
import type { Task } from '../playbook/model.js';
import type { Facts } from '../facts.js';
import { batchable, changesHost, describeChange, type Change, type ModulePlan, type VerifyChange } from './change.js';
import { stepError, type StepOutcome } from './batch.js';
import type { ModuleDef } from '../modules/module.js';
import type { TaskResult } from './results.js';
import { fileDiff } from '../report/diff.js';
import { HostSession, type Become } from './host-session.js';
import type { HostTransaction, TxLines } from './transaction.js';
import { layerVars, type Vars } from './vars.js';

export interface TaskEnv {
  session: HostSession;
  facts: Facts;
  /** Vars below the task's own: inventory, facts, play vars. */
  baseVars: Vars;
  registered: Vars;
  extraVars: Vars;
  /** The host's inventory name (run_once's cell knows hosts by name). */
  host?: string;
  /** The batch's run_once cells. */
  once?: RunOnce;
  /** The controller's own session, for tasks delegated to localhost (opened on first use). */
  controller?(): HostSession;
  /** The play's `diff:`, the default of the task's own. */
  playDiff?: boolean;
  /** The play's `environment:`, under the task's own. */
  playEnvironment?: unknown;
  check: boolean;
  become?: Become;
  timeoutMs?: number;
  /** Open a brand-new connection over the named paths; an error message, or undefined when it got in. */
  verify(change: VerifyChange): Promise<string | undefined>;
  /** The host's transaction (apply only): backups before writes, the timer before risky commands. */
  tx?: HostTransaction;
  /** After sshd was restarted: a fresh connection over the working path must get in. */
  afterSshdRestart?(): Promise<string | undefined>;
}

export interface TaskOutcome {
  result: TaskResult;
  /** The value `register:` stores (Ansible's shape: changed, failed, rc, stdout, results...). */
  registered: Record<string, unknown>;
  /**
   * Set while the task's changes wait in the host's batch: the final outcome once the batch
   * ran (`result` is until then what the plan expects).
   */
  pending?: { ready(): boolean; settle(): Promise<TaskOutcome> };
}

const where = (task: Task) => `${formatPos(task.pos)}`;

function failure(task: Task, msg: string): TaskOutcome {
  const result: TaskResult = { task: task.name, status: 'failed', changed: false, msg, diffs: [], commands: [], executed: false };
  return { result, registered: { failed: true, changed: false, msg } };
}

export async function runTask(task: Task, env: TaskEnv, handler = false): Promise<TaskOutcome> {
  if (!task.runOnce || !env.once) return runHere(task, env, handler);
  // run_once: the outcome is shared with the batch's other hosts, so it must be final here.
  return env.once.outcome(task, env.host ?? '', env.registered, async () => {
    const outcome = await runHere(task, env, handler);
    if (!outcome.pending) return outcome;
    await env.session.flush();
    return outcome.pending.settle();
  });
}

async function runHere(task: Task, env: TaskEnv, handler: boolean): Promise<TaskOutcome> {
  let outcome: TaskOutcome;
  let here = env;
  try {
    const vars = layerVars(env.baseVars, renderDeep(task.vars, layerVars(env.baseVars, env.registered)) as Vars, env.registered, env.extraVars);
    if (task.delegateTo !== undefined) here = await onController(task, env, vars);
    outcome = task.loop === undefined ? await runOnce(task, here, vars) : await runLoop(task, here, vars);
  } catch (err) {
    outcome = failure(task, `${where(task)}: ${(err as Error).message}`);
  }
  if (here !== env) outcome.result.delegatedTo = 'localhost';
  const p = outcome.pending;
  if (p) return { ...outcome, pending: { ready: p.ready, settle: async () => finalize(task, here, handler, await p.settle()) } };
  return finalize(task, here, handler, outcome);
}

/**
 * `delegate_to: localhost`: the task runs on the controller, after what the host's earlier
 * tasks queued, with no transaction (nothing it does there is backed up or rolled back) and no
 * become (it runs as the user running remedy).
 */
async function onController(task: Task, env: TaskEnv, vars: Vars): Promise<TaskEnv> {
  const to = renderDeep(task.delegateTo, vars);
  if (typeof to !== 'string' || !CONTROLLER_NAMES.includes(to)) {
    throw new Error(`delegate_to: remedy delegates only to the controller (localhost, 127.0.0.1), not to '${String(to)}'`);
  }
  if (!env.controller) throw new Error('delegate_to: no controller session in this run');
  await env.session.flush();
  return { ...env, session: env.controller(), tx: undefined, become: undefined };
}

function finalize(task: Task, env: TaskEnv, handler: boolean, outcome: TaskOutcome): TaskOutcome {
  if (handler) outcome.result.handler = true;
  showDiffs(outcome.result, task.diff ?? env.playDiff);
  if (outcome.result.status === 'failed' && task.ignoreErrors) {
    outcome.result.ignored = true;
    env.session.resume();
  }
  if (task.noLog) censor(outcome);
  if (task.register) env.registered[task.register] = outcome.registered;
  return outcome;
}

async function runLoop(task: Task, env: TaskEnv, vars: Vars): Promise<TaskOutcome> {
  let items: unknown[];
  try {
    items = loopItems(task.loopKind ?? 'loop', renderDeep(task.loop, vars));
  } catch (err) {
    if (!(err instanceof LoopError)) throw err;
    return failure(task, `${where(task)}: ${err.message}`);
  }
  const results: TaskOutcome[] = [];
  for (const [index, item] of items.entries()) {
    const itemVars = layerVars(vars, loopVarsOf(task, item, index), env.extraVars);
    const one = await runOnce(task, env, itemVars, true);
    // As in Ansible, each item's result names its item (and index) under the loop's variables.
    one.registered = { ...one.registered, ...loopVarsOf(task, item, index) };
    const label = task.loopLabel !== undefined ? renderDeep(task.loopLabel, itemVars) : item;
    one.result.task = `${task.name} (item=${typeof label === 'string' ? label : JSON.stringify(label)})`;
    results.push(one);
    // As in Ansible, ignore_errors lets every item run; otherwise the first failure stops the
    // host's changes (and the host rolls back).
    if (one.result.status === 'failed' && !task.ignoreErrors) break;
    if (one.result.status === 'failed') env.session.resume();
  }
  const rs = results.map((r) => r.result);
  const failed = rs.some((r) => r.status === 'failed');
  const changed = rs.some((r) => r.changed);
  const skipped = rs.length > 0 && rs.every((r) => r.status === 'skipped');
  const result: TaskResult = {
    task: task.name,
    status: failed ? 'failed' : changed ? 'changed' : skipped || rs.length === 0 ? 'skipped' : 'ok',
    changed,
    msg: failed ? rs.find((r) => r.status === 'failed')?.msg : rs.length === 0 ? 'no items' : undefined,
    diffs: rs.flatMap((r) => r.diffs),
    commands: rs.flatMap((r) => r.commands),
    executed: rs.some((r) => r.executed),
    items: rs,
  };
  // Ansible's summary message of a loop (TaskExecutor.run).
  if (rs.length === 0) return { result, registered: { changed: false, skipped: true, skipped_reason: 'No items in the list', results: [] } };
  const msg = failed ? 'One or more items failed' : skipped ? 'All items skipped' : 'All items completed';
  return { result, registered: { changed, failed, skipped, msg, results: results.map((r) => r.registered) } };
}

/** The variables a loop item runs with, and which its result carries: item, index, and their names. */
function loopVarsOf(task: Task, item: unknown, index: number): Vars {
  const vars: Vars = { [task.loopVar]: item, ansible_loop_var: task.loopVar };
  if (task.loopIndexVar) Object.assign(vars, { [task.loopIndexVar]: index, ansible_index_var: task.loopIndexVar });
  return vars;
}

/** `alone`: the outcome is needed at once (a loop's items), so the changes do not wait in the batch. */
async function runOnce(task: Task, env: TaskEnv, vars: Vars, alone = false): Promise<TaskOutcome> {
  if (task.when !== undefined && !evalCondition(task.when, vars)) {
    const result: TaskResult = { task: task.name, status: 'skipped', changed: false, msg: 'conditional result was False', diffs: [], commands: [], executed: false };
    return { result, registered: { changed: false, skipped: true, skip_reason: 'Conditional result was False' } };
  }
  const mod = findModule(task.module)!;
  const parsed = parseModuleArgs(mod, dropOmitted(renderDeep(task.args, vars)));
  if (!parsed.ok) {
    const msg = parsed.issues.map((i) => `${i.path.length ? `${i.path.join('.')}: ` : ''}${i.message}`).join('; ');
    return failure(task, `${formatPos(task.argsPos)}: ${mod.name}: ${msg}`);
  }
  const args = mod.prepare ? await mod.prepare(parsed.value, { vars, baseDirs: [dirname(task.pos.file)] }) : parsed.value;
  await learn(mod, args, env, vars);
  const check = env.check || task.checkMode === true;
  const s = env.session;
  const clock = { now: new Date(), pid: process.pid };
  const environment = renderEnvironment([env.playEnvironment, task.environment], vars);
  const plan = withEnvironment(mod.plan(args, { facts: env.facts, file: (p) => s.file(p), probe: (c) => s.probe(c), check, vars, clock }), environment);
  return carryOut(task, env, vars, plan, check, alone);
}

/**
 * Before the first task: what every task whose arguments can already be rendered will read and
 * probe first, fetched in one exec for the whole play. Tasks still learn the rest in rounds;
 * nothing here is needed for correctness, only to save round trips.
 */
export async function prefetch(tasks: readonly Task[], env: TaskEnv): Promise<void> {
  const s = env.session;
  const paths: string[] = [];
  const probes: string[] = [];
  const listers: ModuleDef[] = [];
  const vars = layerVars(env.baseVars, env.registered, env.extraVars);
  const ctx = { facts: env.facts, known: (p: string) => s.known(p), probed: (c: string) => s.probed(c), vars };
  for (const task of tasks) {
    if (task.loop !== undefined || task.delegateTo !== undefined) continue;
    try {
      const mod = findModule(task.module)!;
      const parsed = parseModuleArgs(mod, dropOmitted(renderDeep(task.args, vars)));
      if (!parsed.ok) continue;
      paths.push(...(mod.reads?.(parsed.value, ctx) ?? []));
      probes.push(...(mod.probes?.(parsed.value, ctx) ?? []), ...(mod.likelyProbes?.(parsed.value) ?? []));
      if (mod.listsPaths) listers.push(mod);
    } catch {
      // arguments that need later results (register) are learned when the task runs
    }
  }
  await s.ensureKnown(paths, probes, { become: env.become, timeoutMs: env.timeoutMs, listing: (c) => listers.some((m) => m.listsPaths!(c)) });
}

/** Every message of a plan bounded (boundMessage): a module never puts a raw dump in the recap. */
function boundPlanMessages(plan: ModulePlan): ModulePlan {
  switch (plan.kind) {
    case 'skip': return { ...plan, reason: boundMessage(plan.reason) };
    case 'fail': return { ...plan, message: boundMessage(plan.message) };
    default: return plan.message === undefined ? plan : { ...plan, message: boundMessage(plan.message) };
  }
}

/** Read files and run probes in rounds until the module asks for nothing new (one exec each). */
async function learn(mod: ModuleDef, args: unknown, env: TaskEnv, vars: Vars): Promise<void> {
  const s = env.session;
  const ctx = { facts: env.facts, known: (p: string) => s.known(p), probed: (c: string) => s.probed(c), vars };
  for (let round = 0; round < 6; round++) {
    const paths = (mod.reads?.(args, ctx) ?? []).filter((p) => !s.known(p));
    const probes = (mod.probes?.(args, ctx) ?? []).filter((c) => !s.probed(c));
    if (paths.length === 0 && probes.length === 0) return;
    await s.ensureKnown(paths, probes, { become: env.become, timeoutMs: env.timeoutMs, listing: (c) => mod.listsPaths?.(c) ?? false });
  }
  throw new Error(`${mod.name}: still finding files to read after 6 rounds (an Include loop?)`);
}

async function carryOut(task: Task, env: TaskEnv, vars: Vars, raw: ModulePlan, check: boolean, alone: boolean): Promise<TaskOutcome> {
  const plan = boundPlanMessages(raw);
  const base = { task: task.name, diffs: [], commands: [], executed: false };
  if (plan.kind === 'skip') return { result: { ...base, status: 'skipped', changed: false, msg: plan.reason }, registered: { changed: false, skipped: true, skip_reason: plan.reason } };
  if (plan.kind === 'fail') {
    const out = failure(task, plan.message);
    Object.assign(out.registered, plan.registered);
    return out;
  }
  if (plan.kind === 'ok') {
    if (plan.facts) Object.assign(env.registered, plan.facts);
    const registered = plan.registered ?? { changed: false, failed: false, msg: plan.message ?? '' };
    const result: TaskResult = { ...base, status: 'ok', changed: false, msg: plan.message };
    if (plan.show) result.output = plan.message;
    return finish(task, vars, result, registered);
  }

  const changed = plan.changes.some(changesHost);
  const result: TaskResult = {
    ...base,
    status: changed ? 'changed' : 'ok',
    changed,
    msg: plan.message,
    diffs: plan.changes.filter((c) => c.kind === 'write').map(fileDiff),
    commands: plan.changes.filter((c) => c.kind !== 'write').map((c) => (c.kind === 'run' ? envExports(c.env) + c.command : describeChange(c))),
  };
  const undo = plan.changes.flatMap((c) => (c.kind === 'run' && c.undo ? [c.undo] : []));
  if (undo.length) result.undo = undo.reverse();
  const registered: Record<string, unknown> = { changed, failed: false, msg: plan.message ?? '', ...plan.registered };
  if ((task.diff ?? env.playDiff) === true) registered.diff = registeredDiff(plan.changes);
  if (check) {
    for (const c of plan.changes) if (c.kind === 'write') env.session.remember(c);
    if (result.commands.length) result.msg = `check mode: ${changed ? 'commands' : 'checks'} not run`;
    return finish(task, vars, result, registered, false);
  }
  result.executed = true;
  const done: Done[] = [];
  for (const c of plan.changes) {
    if (batchable(c)) {
      done.push(await env.session.enqueue(c, { become: env.become, timeoutMs: env.timeoutMs, prefix: prefixFor(c, env) }));
      continue;
    }
    // A verification, or a command that may change anything: all that is queued happens first.
    await env.session.flush();
    const one = await executeNow(c, env);
    done.push(one);
    if (one.error) break;
  }
  const settle = () => settleTask(task, env, vars, result, registered, done);
  // A task whose outcome nothing waits for rides in the host's batch with the next ones.
  if (!alone && !mustSettleNow(task, plan)) {
    return { result, registered, pending: { ready: () => done.every((d) => d.outcome !== undefined || d.error !== undefined), settle } };
  }
  await env.session.flush();
  return settle();
}

/** A change carried out, or queued in the batch (its outcome comes with the batch). */
interface Done {
  change: Change;
  /** Set by the batch (the object is the queued Slot) or by executeNow. */
  outcome?: StepOutcome;
  error?: string;
}

/**
 * The outcome is needed before the next task: `register`, `changed_when`/`failed_when` and
 * `ignore_errors` read it, and after an sshd restart a fresh login must get in.
 */
function mustSettleNow(task: Task, plan: ModulePlan & { kind: 'change' }): boolean {
  return task.register !== undefined || task.changedWhen !== undefined || task.failedWhen !== undefined || task.ignoreErrors
    || plan.changes.some((c) => c.kind === 'run' && c.risk === 'sshd');
}

/**
 * The transaction's lines that run in the same step as a change: the guard armed with the
 * host's first change of any kind, the backup before a write, the undo of a risky command.
 */
function prefixFor(c: Change, env: TaskEnv): ((realPath: string) => TxLines) | undefined {
  const tx = env.tx;
  if (!tx) return undefined;
  if (c.kind === 'write') return (real) => tx.writePrefix(real);
  // The run directory is root's: a command run as another user changes only what that user
  // may, and carries no transaction lines — unless rollback depends on them: one that cuts sshd
  // or the firewall, backs files up, or must be undone (a directory made). Those always carry
  // them, also when no facts say who we are (gather_facts: false).
  const asRoot = env.become ? env.become.user === 'root' : env.facts.userId === 0;
  if (c.kind === 'run' && !c.readOnly && (asRoot || c.risk || c.saves || c.undoOnRollback)) return () => tx.commandPrefix(c);
  return undefined;
}

/** A change that cannot wait in the batch, carried out on its own. */
async function executeNow(c: Change, env: TaskEnv): Promise<Done> {
  const s = env.session;
  if (s.halted) return { change: c, error: `not run: ${s.halted}` };
  if (c.kind === 'verify') {
    const error = await env.verify(c);
    return { change: c, error, outcome: { ran: true, code: error ? 1 : 0, stdout: '', stderr: error ?? '' } };
  }
  if (c.kind === 'write') throw new Error('internal: writes always go through the batch');
  const tx = prefixFor(c, env)?.('');
  if (tx) await env.tx!.beforeChange();
  const res = await s.exec((tx?.lines ?? '') + envExports(c.env) + c.command, { stdin: c.stdin, become: env.become, timeoutMs: env.timeoutMs }).finally(() => {
    tx?.ran(); // or may have: a cut exec does not say
    // Whatever it did, later tasks must not plan on what was read before it.
    if (!c.readOnly) s.forget();
  });
  const outcome: StepOutcome = { ran: true, code: res.code, signal: res.signal, stdout: res.stdout.toString('utf8'), stderr: res.stderr.toString('utf8') };
  const error = stepError(c, outcome);
  if (error) s.halt(c);
  return { change: c, outcome, error };
}

/** The task's result once its changes were carried out: the first failure decides. */
async function settleTask(task: Task, env: TaskEnv, vars: Vars, result: TaskResult, registered: Record<string, unknown>, done: Done[]): Promise<TaskOutcome> {
  for (const d of done) {
    const c = d.change;
    const o = d.outcome;
    let err = d.error ?? (c.kind === 'verify' ? undefined : o ? stepError(c, o) : 'not run: the host stopped before it');
    if (c.kind === 'run' && o?.ran && c.registers !== false) {
      const stdout = o.stdout.replace(/\n$/, '');
      const stderr = o.stderr.replace(/\n$/, '');
      Object.assign(registered, {
        cmd: c.cmd ?? c.command, rc: o.code, stdout, stderr,
        stdout_lines: stdout ? stdout.split('\n') : [], stderr_lines: stderr ? stderr.split('\n') : [],
      });
    }
    if (!err && c.kind === 'run' && c.undo && !c.risk && !c.undoOnRollback) env.tx?.recordUndo(c.undo);
    if (!err && c.kind === 'run' && c.risk === 'sshd') err = await env.afterSshdRestart?.();
    if (err) {
      result.status = 'failed';
      result.msg = err;
      registered.failed = true;
      registered.msg = err;
      break;
    }
  }
  Object.assign(result, pick(registered));
  return finish(task, vars, result, registered, true);
}

function pick(r: Record<string, unknown>): Partial<TaskResult> {
  return {
    rc: r.rc as number | null | undefined,
    stdout: r.stdout as string | undefined,
    stderr: r.stderr as string | undefined,
  };
}

/** changed_when / failed_when see the result under its registered name, like Ansible. */
function finish(task: Task, vars: Vars, result: TaskResult, registered: Record<string, unknown>, ran = true): TaskOutcome {
  if (ran && (task.changedWhen !== undefined || task.failedWhen !== undefined)) {
    const scope = layerVars(vars, task.register ? { [task.register]: registered } : {});
    try {
      if (task.failedWhen !== undefined) {
        const failed = evalCondition(task.failedWhen, scope);
        registered.failed = failed;
        if (failed && result.status !== 'failed') [result.status, result.msg] = ['failed', result.msg ?? 'failed_when condition was true'];
        if (!failed && result.status === 'failed') [result.status, result.msg] = [result.changed ? 'changed' : 'ok', undefined];
      }
      if (task.changedWhen !== undefined) {
        const changed = evalCondition(task.changedWhen, scope);
        registered.changed = changed;
        result.changed = changed;
        if (result.status !== 'failed') result.status = changed ? 'changed' : 'ok';
      }
    } catch (err) {
      return failure(task, `${where(task)}: ${(err as Error).message}`);
    }
  }
  return { result, registered };
}

/** What Ansible registers as `diff` under `diff: true`: each write's text before and after. */
function registeredDiff(changes: readonly Change[]): Array<Record<string, string>> {
  return changes.flatMap((c) => {
    if (c.kind !== 'write') return [];
    const header = `${c.path} (content)`;
    const before = c.before.kind === 'file' ? c.before.content.toString('utf8') : '';
    return [{ before, after: c.content.toString('utf8'), before_header: header, after_header: header }];
  });
}

/** `diff: false` keeps which files change but not their content, in the log and the report. */
function showDiffs(r: TaskResult, diff: boolean | undefined): void {
  if (diff === undefined) return;
  r.diff = diff;
  if (!diff) r.diffs = r.diffs.map((d) => ({ ...d, unified: '' }));
  for (const item of r.items ?? []) showDiffs(item, diff);
}

function censor(o: TaskOutcome): void {
  const hidden = "output hidden: 'no_log: true' was specified for this task";
  Object.assign(o.result, { output: o.result.output === undefined ? undefined : hidden, stdout: undefined, stderr: undefined, diffs: [], commands: o.result.commands.map(() => '(hidden)'), undo: undefined, items: undefined });
  if (o.result.msg) o.result.msg = hidden;
}
