// One host through one play, in the steps it takes: reach (lazily: the first exec logs in),
// facts, tasks (their blocks walked by block-run.ts), handlers, the end of the play (what still
// waits is carried out, a fresh login proves the host still takes new logins, the guard is
// disarmed), or — when the host failed (a task failure no rescue took) — the rollback; then the
// connection is released. Never throws: an unreachable or failing host becomes a HostResult.
import type { Block, Meta, Play, Task } from '../playbook/model.js';
import type { PathSpec } from '../transport/connection.js';
import type { ConnectFirstOptions } from '../transport/connect.js';
import type { JumpPool } from '../transport/jump-pool.js';
import { freshLogin } from './fresh-login.js';
import { sourceAddressFor } from '../transport/source-address.js';
import { LocalConnection } from '../transport/local.js';
import type { HostKeyMode as HostKeyChecking } from '../transport/known-hosts.js';
import { FACTS_SCRIPT, factsToVars, parseFacts, type Facts } from '../facts.js';
import { emptyRecap, countTask, type HostResult, type HostStatus, type PathAttempt, type TaskResult } from './results.js';
import { HostSession, type Become } from './host-session.js';
import { prefetch, runTask, type TaskEnv, type TaskOutcome } from './task-run.js';
import type { RunObserver } from './observer.js';
import type { Reach } from './reach.js';
import type { VerifyChange } from './change.js';
import { HostTransaction } from './transaction.js';
import { restoredInLog } from './host-scripts.js';
import { HostLink, UnreachableError } from './host-link.js';
import { layerVars, type Vars } from './vars.js';
import type { RunOnce } from './run-once.js';
import { runSteps, type StepHost, type TaskFailure } from './block-run.js';
import { evalCondition } from '../playbook/condition.js';

export interface HostJob {
  name: string;
  /** Inventory variables of the host (precedence already applied). */
  vars: Vars;
  /** How to reach it; absent for `connection: local`. */
  reach?: Reach;
}

/**
 * What a host keeps from one play to the next within a run: the path that worked, its facts,
 * its transaction — never its connection, which lives only as long as the host's play.
 */
export interface HostState {
  path?: PathSpec;
  facts?: Facts;
  /** This machine's source address toward the host on the direct path. */
  clientAddress?: string;
  tx?: HostTransaction;
  /** `register:` results and `set_fact` variables: as in Ansible, they last for the run, across plays. */
  registered?: Vars;
}

export interface RunOptions {
  check: boolean;
  extraVars: Vars;
  hostKeyChecking: HostKeyChecking;
  connectTimeoutMs: number;
  reachBudgetMs?: number;
  taskTimeoutMs?: number;
  becomePassword?: string;
  /** ssh-agent socket ($SSH_AUTH_SOCK of the invoking environment). */
  agentSocket?: string;
  observer: RunObserver;
  /** Per host, what the run keeps between plays (the caller's map; one play alone works without). */
  hosts?: Map<string, HostState>;
  /** When the run started (ms since the epoch), for each host's time from start to done. */
  runStartedAt?: number;
  /** The run's id (apply only): files are backed up and changes can be rolled back. */
  runId?: string;
  /** Seconds the on-host guard waits for a renewal of its lease before it rolls back (default 120). */
  confirmTimeoutSec?: number;
  /** The write-ahead record: called before the first exec that may change `host`. */
  touching?: (host: string) => Promise<void>;
  /** Set when the user interrupts: hosts stop before their next task. */
  signal?: AbortSignal;
  /** play_hosts, hostvars, omit… (play-magic.ts), shared by the play's hosts. */
  playMagic?: Vars;
  /** The run's shared jump connections (one per jump chain, over all plays). */
  jumpPool?: JumpPool;
  /** The batch's run_once cells (fleet.ts: one per batch of the play). */
  runOnce?: RunOnce;
}

export const DEFAULT_TASK_TIMEOUT_MS = 300_000;

/** Facts of a host whose play has `gather_facts: false`. */
const UNKNOWN_FACTS: Facts = parseFacts('');

export async function runHost(play: Play, job: HostJob, opts: RunOptions): Promise<HostResult> {
  return new HostPlay(play, job, opts).run();
}

/** Outcomes in task order; a task whose changes wait in the batch is settled when it ran. */
interface Waiting {
  task: Task;
  outcome: TaskOutcome;
}

/** The host's task environment, per task (or for the play: meta steps, the transaction). */
type EnvFor = (task?: Task) => TaskEnv;

class HostPlay {
  private readonly started = Date.now();
  private readonly recap = emptyRecap();
  private readonly tasks: TaskResult[] = [];
  private readonly waiting: Waiting[] = [];
  private readonly notified = new Set<string>();
  private readonly state: HostState;
  private readonly local: boolean;
  private readonly reach: Reach | undefined;
  private readonly sshOptions: ConnectFirstOptions;
  private readonly link: HostLink | LocalConnection;
  private readonly session: HostSession;
  private status: HostStatus = 'ok';
  /** A task failed: it fails the host unless a block's rescue takes it (block-run.ts). */
  private failure: TaskFailure | undefined;
  /** `meta: end_host`: no more tasks nor handlers, the play ends normally for this host. */
  private ended = false;
  private msg: string | undefined;
  private rolledBack: HostResult['rolledBack'];
  /** Changes of this play not yet followed by a fresh login over the working path. */
  private unproven = false;
  /** The controller's session for tasks delegated to localhost, opened by the first one. */
  private controller: HostSession | undefined;

  constructor(
    private readonly play: Play,
    private readonly job: HostJob,
    private readonly opts: RunOptions,
  ) {
    this.local = play.connection === 'local' || job.vars.ansible_connection === 'local';
    this.reach = this.local ? undefined : job.reach;
    this.state = opts.hosts?.get(job.name) ?? {};
    opts.hosts?.set(job.name, this.state);
    this.sshOptions = {
      hostKeyChecking: opts.hostKeyChecking,
      timeoutMs: this.reach?.ssh.connectTimeoutMs ?? opts.connectTimeoutMs,
      ...(opts.reachBudgetMs ? { reachBudgetMs: opts.reachBudgetMs } : {}),
      knownHostsFiles: this.reach?.knownHostsFiles,
      identitiesOnly: this.reach?.ssh.identitiesOnly,
      agent: this.reach?.ssh.agent ?? opts.agentSocket ?? null,
      jumpPool: opts.jumpPool,
    };
    this.link = this.reach
      ? new HostLink(this.reach, this.state.path, this.sshOptions, () => opts.observer.hostPhase?.(job.name, 'connecting'))
      : new LocalConnection();
    this.session = new HostSession(this.link);
  }

  private get obs(): RunObserver {
    return this.opts.observer;
  }

  private failed(): boolean {
    return this.status === 'failed' || this.status === 'unreachable';
  }

  /** No next task: the host failed, a task failure waits for a rescue, or the host ended its play. */
  private stopped(): boolean {
    return this.failed() || this.failure !== undefined || this.ended;
  }

  async run(): Promise<HostResult> {
    this.obs.hostStart?.(this.job.name);
    try {
      const facts = await this.gatherFacts();
      const env = await this.taskEnv(facts);
      if (await this.runTasks(env)) await this.runHandlers(env);
      this.failOnTask();
      await this.endOfPlay();
    } catch (err) {
      this.session.discard();
      if (err instanceof UnreachableError) this.unreachable(err);
      else this.fail((err as Error).message);
    }
    if (this.link instanceof HostLink && this.link.failure && !this.link.opened) this.unreachable(this.link.failure);
    if (this.status === 'failed') await this.undo();
    return this.release();
  }

  // ---- reach and facts ------------------------------------------------------------------------

  /** Facts once per host per run; a later play (even with gather_facts: false) keeps them. */
  private async gatherFacts(): Promise<Facts> {
    if (this.state.facts || !this.play.gatherFacts) return this.state.facts ?? UNKNOWN_FACTS;
    this.obs.hostPhase?.(this.job.name, 'gathering facts');
    const res = await this.session.exec(FACTS_SCRIPT, { timeoutMs: this.opts.taskTimeoutMs });
    if (res.code !== 0) throw new Error(`gathering facts failed: ${res.stderr.toString().trim() || `exit ${res.code}`}`);
    const facts = parseFacts(res.stdout.toString('utf8'));
    if (this.reach) this.state.facts = facts;
    return facts;
  }

  /** No path reached the host (at its first exec, maybe inside a task): it is unreachable, not failed. */
  private unreachable(err: UnreachableError): void {
    this.status = 'unreachable';
    this.msg = err.message;
    // The task whose exec found no path did not fail: the host was never reached.
    const cut = this.tasks.findIndex((t) => t.status === 'failed' && t.msg?.includes(err.message));
    if (cut >= 0) this.tasks.splice(cut);
    Object.assign(this.recap, emptyRecap(), { unreachable: 1 });
    for (const t of this.tasks) if (t.status !== 'failed' || t.ignored) countTask(this.recap, t);
  }

  /** The task failure no rescue took fails the host. */
  private failOnTask(): void {
    const f = this.failure;
    if (f && !this.failed()) this.fail(`${f.task.name}: ${f.msg}`);
  }

  private fail(msg: string): void {
    if (this.status === 'failed') return;
    this.status = 'failed';
    this.msg = msg;
    this.recap.failed++;
  }

  // ---- tasks and handlers ---------------------------------------------------------------------

  private async taskEnv(facts: Facts): Promise<EnvFor> {
    const { play, job, opts } = this;
    const known = play.gatherFacts || !!this.state.facts;
    const pathLabel = this.reach ? (this.link as HostLink).path?.label ?? this.reach.paths[0]?.label ?? 'direct' : 'local';
    const magic: Vars = { ...opts.playMagic, ansible_check_mode: opts.check, remedy_path: pathLabel, inventory_hostname: job.name };
    if (this.reach) this.state.clientAddress ??= await sourceAddressFor(this.reach.target.host, this.reach.target.port);
    if (this.state.clientAddress) magic.remedy_client_address = this.state.clientAddress;
    const tx = this.transaction(facts);
    const baseVars = layerVars(job.vars, known ? factsToVars(facts) : {}, magic, play.vars);
    const registered: Vars = (this.state.registered ??= {});
    // A batch sent in the middle of a task (before a command that cannot wait) settles the
    // tasks before it at once, so their results are reported when they happened.
    this.session.afterFlush = async () => void (await this.settle());
    return (task) => ({
      session: this.session, facts, baseVars, registered, extraVars: opts.extraVars, check: opts.check,
      host: job.name, once: opts.runOnce, controller: () => (this.controller ??= new HostSession(new LocalConnection())),
      playEnvironment: play.environment, playDiff: play.diff,
      become: becomeFor(play, task, job.vars, facts, opts), timeoutMs: opts.taskTimeoutMs, tx,
      verify: (c) => this.verify(c), afterSshdRestart: () => this.afterSshdRestart(),
    });
  }

  /** apply: the host's transaction for the run, attached to this play's connection. */
  private transaction(facts: Facts): HostTransaction | undefined {
    const { opts, job } = this;
    if (!opts.runId || opts.check) return undefined;
    const tx = (this.state.tx ??= new HostTransaction(opts.runId, facts, {
      host: job.name,
      leaseSec: opts.confirmTimeoutSec ?? 120,
      stepTimeoutMs: opts.taskTimeoutMs ?? DEFAULT_TASK_TIMEOUT_MS,
      writeAhead: () => opts.touching?.(job.name) ?? Promise.resolve(),
    }));
    const become = becomeFor(this.play, undefined, job.vars, facts, opts);
    tx.attach((script, timeoutMs) => this.session.exec(script, { become, timeoutMs }));
    tx.onFired = (log) => this.firedByTimer(log);
    this.session.beforeChanges = () => tx.beforeChange();
    return tx;
  }

  private firedByTimer(log: string): void {
    if (this.rolledBack === 'timer') return;
    this.rolledBack = 'timer';
    if (restoredInLog(log) !== 0) this.recap.rescued++;
    this.fail(`rolled back by its on-host timer: the controller could not renew the lease within --confirm-timeout${log ? ` (host log: ${log.split('\n').join(' / ')})` : ''}`);
  }

  private async runTasks(env: EnvFor): Promise<boolean> {
    if (this.play.tasks.length) await prefetch(this.play.tasks, env(this.play.tasks[0]!));
    return runSteps(this.play.steps ?? this.play.tasks, this.stepHost(env));
  }

  /** What the block walker may do on this host. */
  private stepHost(env: EnvFor): StepHost {
    return {
      task: (task) => {
        if (this.opts.signal?.aborted) throw new Error('interrupted before this task');
        return this.step(task, env(task), false);
      },
      meta: (m) => this.meta(m, env),
      include: (b) => this.include(b, env()),
      flush: async () => {
        await this.session.flush();
        return this.settle();
      },
      takeFailure: () => this.takeFailure(),
      restoreFailure: (f) => void (this.failure = f),
      rescuing: (f) => this.rescuing(f, env()),
    };
  }

  private async meta(m: Meta, env: EnvFor): Promise<boolean> {
    if (m.action === 'noop') return true;
    if (m.action === 'flush_handlers') {
      await this.session.flush();
      return (await this.settle()) && this.runHandlers(env);
    }
    const e = env();
    if (m.when !== undefined && !evalCondition(m.when, layerVars(e.baseVars, e.registered, e.extraVars))) return true;
    this.ended = true; // end_host
    return false;
  }

  /** include_tasks, a task of its own: what waits is carried out first so that it is recorded in order. */
  private async include(b: Block, env: TaskEnv): Promise<'run' | 'skip' | 'stopped'> {
    await this.session.flush();
    if (!(await this.settle())) return 'stopped';
    const when = b.include!.when;
    const run = when === undefined || evalCondition(when, layerVars(env.baseVars, env.registered, env.extraVars));
    const name = b.name ?? 'include_tasks';
    this.obs.taskStart?.(this.job.name, name);
    const r: TaskResult = {
      task: name, status: run ? 'ok' : 'skipped', changed: false, msg: run ? `included: ${b.include!.file}` : 'conditional result was False',
      diffs: [], commands: [], executed: false,
    };
    this.tasks.push(r);
    countTask(this.recap, r);
    this.obs.taskDone?.(this.job.name, r);
    return run ? 'run' : 'skip';
  }

  /** The failure is the rescue's now: the host goes on, nothing planned on the failed changes stands. */
  private takeFailure(): TaskFailure | undefined {
    const f = this.failure;
    if (!f || this.failed()) return undefined;
    this.failure = undefined;
    this.session.resume();
    // What the batch did not carry out was remembered as written: read the host again. (Check
    // mode keeps its would-be state: nothing there was carried out anyway.)
    if (!this.opts.check) this.session.forget();
    return f;
  }

  /** As in Ansible: counted as rescued when the rescue begins, the failed task and result in its variables. */
  private rescuing(f: TaskFailure, env: TaskEnv): void {
    this.recap.rescued++;
    f.result.rescued = true;
    env.registered.ansible_failed_task = { name: f.task.name, action: f.task.module };
    env.registered.ansible_failed_result = f.registered;
  }

  /** Notified handlers run once each, in the order they are defined (at a flush_handlers, or the end of the play). */
  private async runHandlers(env: EnvFor): Promise<boolean> {
    for (const h of this.play.handlers) {
      if (!this.notified.has(h.name) && !h.listen.some((l) => this.notified.has(l))) continue;
      if (this.opts.signal?.aborted) throw new Error('interrupted before handlers');
      if (!(await this.step(h, env(h), true))) return false;
    }
    this.notified.clear();
    return true;
  }

  private async step(task: Task, env: TaskEnv, handler: boolean): Promise<boolean> {
    this.obs.taskStart?.(this.job.name, task.name);
    const outcome = await runTask(task, env, handler);
    if (this.stopped()) return false; // a batch it sent failed an earlier task, or the guard fired
    if (outcome.result.sharedFrom !== undefined) return true; // run_once on another host: only its register is ours
    if (outcome.result.changed) this.unproven = true;
    if (outcome.result.changed && !handler) for (const n of task.notify) this.notified.add(n);
    this.waiting.push({ task, outcome });
    // A failure waiting behind queued changes: they run (or not) now, so it is recorded in order.
    if (!outcome.pending && outcome.result.status === 'failed' && !outcome.result.ignored) await this.session.flush();
    return this.settle();
  }

  /** Record every outcome that is final, in order; false once the host failed. */
  private async settle(): Promise<boolean> {
    while (this.waiting.length) {
      const head = this.waiting[0]!;
      const p = head.outcome.pending;
      if (p && !p.ready()) break;
      this.waiting.shift();
      const { result: r, registered } = p ? await p.settle() : head.outcome;
      this.tasks.push(r);
      this.obs.taskDone?.(this.job.name, r);
      if (r.status === 'failed' && !r.ignored) {
        // Counted when it fails the host (failOnTask), not when a rescue takes it.
        this.failure = { task: head.task, registered, msg: r.msg ?? 'failed', result: r };
        this.waiting.length = 0;
        this.session.discard();
        return false;
      }
      countTask(this.recap, r);
    }
    return !this.stopped();
  }

  // ---- fresh logins -----------------------------------------------------------------------------

  /** Only a brand-new connection over the working path proves sshd takes new logins. */
  private async workingLogin(): Promise<string | undefined> {
    const path = this.reach && ((this.link as HostLink).path ?? this.reach.paths[0]);
    return this.reach && path ? freshLogin(this.reach.target, path, this.sshOptions) : undefined;
  }

  private async verify(c: VerifyChange): Promise<string | undefined> {
    const reach = this.reach;
    const working = reach && ((this.link as HostLink).path ?? reach.paths[0]);
    if (!reach || !working) return 'verification needs a host reached over SSH, not a local one';
    const failures: string[] = [];
    for (const which of c.over) {
      const path = which === 'direct' ? reach.direct : working;
      this.obs.hostPhase?.(this.job.name, `verifying a new login over the ${which} path (${path.label})`);
      const why = await freshLogin(reach.target, path, this.sshOptions);
      if (why) failures.push(`${which} path (${path.label}): ${why}`);
    }
    return failures.length ? `verification failed: ${failures.join('; ')}` : undefined;
  }

  private async afterSshdRestart(): Promise<string | undefined> {
    this.obs.hostPhase?.(this.job.name, 'sshd restarted: a new login over the working path');
    const why = await this.workingLogin();
    if (!why) this.unproven = false;
    return why && `after the restart a new connection over the working path (${(this.link as HostLink).path?.label}) failed: ${why}`;
  }

  // ---- the end of the play ------------------------------------------------------------------------

  /**
   * What still waits in the batch is carried out; then, if the play changed the host since the
   * last proof, a fresh login over the working path must get in before the guard is disarmed
   * (a checkpoint: the host may now wait for the next play without a connection).
   */
  private async endOfPlay(): Promise<void> {
    if (this.failed()) return;
    await this.session.flush();
    await this.settle();
    this.failOnTask();
    if (this.failed()) return;
    if (this.recap.changed > 0) this.status = 'changed';
    const tx = this.state.tx;
    if (!tx?.guarded) return;
    if (this.unproven && this.reach) {
      this.obs.hostPhase?.(this.job.name, 'a new login over the working path before the checkpoint');
      const why = await this.workingLogin();
      if (why) return this.fail(`after this play's changes a new connection over the working path failed: ${why}`);
    }
    if (!(await tx.checkpoint(`checkpoint after play '${this.play.name}'`))) this.firedByTimer('');
  }

  /**
   * Never worse than before: a host that failed after changing something is put back as it
   * was (and sshd restarted into the old configuration when this run touched it). The
   * connection is opened again if this play had none (a failed verification).
   */
  private async undo(): Promise<void> {
    const tx = this.state.tx;
    if (!tx?.started || tx.record.rolledBack) return;
    this.obs.hostPhase?.(this.job.name, 'rolling back');
    const r = await tx.rollback().catch((err: Error) => ({ restored: 0, problem: err.message, byTimer: undefined }));
    if (r.byTimer !== undefined) return this.noteTimer(r.byTimer);
    this.rolledBack = 'remedy';
    if (r.restored === 0 && !r.problem) return; // nothing was changed after all: no rescue
    this.recap.rescued++;
    const answers = tx.record.sshdTouched ? await this.workingLogin() : undefined;
    this.msg = `${this.msg}; rolled back: ${r.restored} change(s) undone${tx.record.sshdTouched ? ', sshd restarted' : ''}`
      + (r.problem ? ` (${r.problem})` : '')
      + (tx.record.sshdTouched ? (answers ? `; the old state does NOT answer a new login: ${answers}` : '; the old state answers a new login again') : '');
  }

  private noteTimer(log: string): void {
    this.rolledBack = 'timer';
    if (restoredInLog(log) !== 0) this.recap.rescued++;
    this.msg = `${this.msg}; rolled back by its on-host timer before remedy could${log ? ` (host log: ${log.split('\n').join(' / ')})` : ''}`;
  }

  /** The connection released; the host's result for this play. */
  private async release(): Promise<HostResult> {
    const link = this.link;
    if (link instanceof HostLink && link.path) this.state.path = link.path;
    // Nothing of this play may stay reachable from the run's per-host state (the session's
    // caches, the link): a finished host costs the run only its result and its transaction.
    this.state.tx?.attach(undefined);
    if (this.state.tx) this.state.tx.onFired = undefined;
    await link.close().catch(() => undefined);
    const attempts: PathAttempt[] = link instanceof HostLink ? link.attempts : [];
    const path = link instanceof HostLink ? (link.path?.label ?? this.state.path?.label) : 'local';
    const r: HostResult = {
      host: this.job.name, status: this.status, path, attempts, tasks: this.tasks, recap: this.recap, msg: this.msg,
      ...(this.rolledBack ? { rolledBack: this.rolledBack } : {}),
      stats: { ...link.stats, ms: Date.now() - this.started, sinceStartMs: Date.now() - (this.opts.runStartedAt ?? this.started) },
    };
    this.obs.hostDone?.(this.job.name, r);
    return r;
  }
}

/** sudo only when it changes something: a play already connected as root needs none. */
function becomeFor(play: Play, task: Task | undefined, hostVars: Vars, facts: Facts, opts: RunOptions): Become | undefined {
  const on = task?.become ?? play.become;
  if (!on) return undefined;
  const user = task?.becomeUser ?? play.becomeUser;
  if (user === 'root' && facts.userId === 0) return undefined;
  const password = (hostVars.ansible_become_password ?? hostVars.ansible_become_pass ?? opts.becomePassword) as string | undefined;
  return { user, password };
}
