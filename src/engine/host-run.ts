// One host through one play: reach it over the first working path, gather facts in one round
// trip, run the tasks in order, then the notified handlers. Never throws: an unreachable or
// failing host becomes a HostResult.
import type { Play, Task } from '../playbook/model.js';
import type { Connection, PathSpec } from '../transport/connection.js';
import { connectFirstWorking, type ConnectFirstOptions } from '../transport/connect.js';
import { freshLogin } from './fresh-login.js';
import { sourceAddressFor } from '../transport/source-address.js';
import { LocalConnection } from '../transport/local.js';
import type { HostKeyMode as HostKeyChecking } from '../transport/known-hosts.js';
import { FACTS_SCRIPT, factsToVars, parseFacts, type Facts } from '../facts.js';
import { emptyRecap, countTask, type HostResult, type PathAttempt, type TaskResult } from './results.js';
import { HostSession, type Become } from './host-session.js';
import { prefetch, runTask, type TaskEnv, type TaskOutcome } from './task-run.js';
import type { RunObserver } from './observer.js';
import type { Reach } from './reach.js';
import type { VerifyChange } from './change.js';
import { HostTransaction } from './transaction.js';
import { layerVars, type Vars } from './vars.js';

export interface HostJob {
  name: string;
  /** Inventory variables of the host (precedence already applied). */
  vars: Vars;
  /** How to reach it; absent for `connection: local`. */
  reach?: Reach;
}

/** What a host keeps from one play to the next within a run. */
export interface PooledHost {
  conn: Connection;
  path: PathSpec;
  tx?: HostTransaction;
  facts?: Facts;
  /** This machine's source address toward the host on the direct path. */
  clientAddress?: string;
}

export interface RunOptions {
  check: boolean;
  extraVars: Vars;
  hostKeyChecking: HostKeyChecking;
  connectTimeoutMs: number;
  taskTimeoutMs?: number;
  becomePassword?: string;
  /** ssh-agent socket ($SSH_AUTH_SOCK of the invoking environment). */
  agentSocket?: string;
  observer: RunObserver;
  /**
   * Connections kept for the whole run, one per host, reused by every play; the caller closes
   * them. Without a pool each play connects and closes on its own.
   */
  pool?: Map<string, PooledHost>;
  /** When the run started (ms since the epoch), for each host's time from start to done. */
  runStartedAt?: number;
  /** The run's id (apply only): files are backed up and changes can be rolled back. */
  runId?: string;
  /** Seconds the on-host timer waits for the run to confirm before it rolls back (default 120). */
  confirmTimeoutSec?: number;
  /** Set when the user interrupts: hosts stop before their next task. */
  signal?: AbortSignal;
}

/** Facts of a host whose play has `gather_facts: false`. */
const UNKNOWN_FACTS: Facts = parseFacts('');

export async function runHost(play: Play, job: HostJob, opts: RunOptions): Promise<HostResult> {
  const started = Date.now();
  const obs = opts.observer;
  const recap = emptyRecap();
  const tasks: TaskResult[] = [];
  const result = (status: HostResult['status'], extra: Partial<HostResult> = {}): HostResult => ({
    host: job.name, status, attempts: [], tasks, recap,
    stats: { connections: 0, execs: 0, bytesIn: 0, bytesOut: 0, ms: Date.now() - started, sinceStartMs: Date.now() - (opts.runStartedAt ?? started) }, ...extra,
  });
  obs.hostStart?.(job.name);

  const local = play.connection === 'local' || job.vars.ansible_connection === 'local';
  let conn: Connection;
  let pathLabel = 'local';
  let attempts: PathAttempt[] = [];
  const reach = local ? undefined : job.reach;
  const sshOptions: ConnectFirstOptions = {
    hostKeyChecking: opts.hostKeyChecking,
    timeoutMs: reach?.ssh.connectTimeoutMs ?? opts.connectTimeoutMs,
    knownHostsFiles: reach?.knownHostsFiles,
    identitiesOnly: reach?.ssh.identitiesOnly,
    agent: reach?.ssh.agent ?? opts.agentSocket ?? null,
  };
  let workingPath = reach?.paths[0];
  const pooled = reach ? opts.pool?.get(job.name) : undefined;
  if (!reach) {
    conn = new LocalConnection();
  } else if (pooled) {
    // A later play of the same run: the host keeps its one connection (and its path).
    [conn, workingPath, pathLabel] = [pooled.conn, pooled.path, pooled.path.label];
  } else {
    obs.hostPhase?.(job.name, 'connecting');
    const res = await connectFirstWorking(reach.target, reach.paths, sshOptions);
    attempts = res.attempts.map((a) => ({ path: a.path, ok: false, phase: a.phase, message: a.message, ms: a.ms }));
    if (!res.ok) {
      recap.unreachable = 1;
      const msg = attempts.map((a) => `${a.path}: ${a.phase}: ${a.message}`).join('; ');
      const r = result('unreachable', { attempts, msg: `unreachable on every path (${msg})` });
      obs.hostDone?.(job.name, r);
      return r;
    }
    conn = res.conn;
    workingPath = res.path;
    pathLabel = res.path.label;
    attempts.push({ path: pathLabel, ok: true, ms: res.ms ?? 0 });
    opts.pool?.set(job.name, { conn, path: res.path });
  }
  // A pooled connection's counters include earlier plays: this play reports its own share.
  const statsAtStart = pooled ? { ...conn.stats } : { connections: 0, execs: 0, bytesIn: 0, bytesOut: 0 };

  let status: HostResult['status'] = 'ok';
  // Tasks settle inside callbacks (a batch sent mid-task): read the status through a call, which
  // TypeScript does not narrow to the 'ok' it was initialised with.
  const hostFailed = (): boolean => status === 'failed';
  let msg: string | undefined;
  let tx: HostTransaction | undefined = pooled?.tx;
  const session = new HostSession(conn);
  // Only a brand-new connection over the working path proves sshd takes new logins.
  const workingLogin = async () => (reach && workingPath ? freshLogin(reach.target, workingPath, sshOptions) : undefined);
  try {
    // Facts are gathered once per host per run; a later play (even with gather_facts: false)
    // keeps them, as the host keeps its connection.
    const entry = reach ? opts.pool?.get(job.name) : undefined;
    let facts = entry?.facts ?? UNKNOWN_FACTS;
    if (play.gatherFacts && !entry?.facts) {
      obs.hostPhase?.(job.name, 'gathering facts');
      const res = await session.exec(FACTS_SCRIPT, { timeoutMs: opts.taskTimeoutMs });
      if (res.code !== 0) throw new Error(`gathering facts failed: ${res.stderr.toString().trim() || `exit ${res.code}`}`);
      facts = parseFacts(res.stdout.toString('utf8'));
      if (entry) entry.facts = facts;
    }
    const known = play.gatherFacts || !!entry?.facts;
    const magic: Vars = { ansible_check_mode: opts.check, remedy_path: pathLabel, inventory_hostname: job.name };
    const clientAddress = reach ? (entry?.clientAddress ?? (await sourceAddressFor(reach.target.host, reach.target.port))) : undefined;
    if (entry) entry.clientAddress = clientAddress;
    if (clientAddress) magic.remedy_client_address = clientAddress;
    const verify = async (c: VerifyChange): Promise<string | undefined> => {
      if (!reach || !workingPath) return 'verification needs a host reached over SSH, not a local one';
      const failures: string[] = [];
      for (const which of c.over) {
        const path = which === 'direct' ? reach.direct : workingPath;
        obs.hostPhase?.(job.name, `verifying a new login over the ${which} path (${path.label})`);
        const why = await freshLogin(reach.target, path, sshOptions);
        if (why) failures.push(`${which} path (${path.label}): ${why}`);
      }
      return failures.length ? `verification failed: ${failures.join('; ')}` : undefined;
    };
    if (opts.runId && !opts.check && !tx) {
      tx = new HostTransaction(session, opts.runId, facts, becomeFor(play, undefined, job.vars, facts, opts), opts.confirmTimeoutSec ?? 120);
      if (entry) entry.tx = tx;
    }
    const afterSshdRestart = async (): Promise<string | undefined> => {
      obs.hostPhase?.(job.name, `sshd restarted: a new login over ${pathLabel}`);
      const why = await workingLogin();
      return why && `after the restart a new connection over the working path (${pathLabel}) failed: ${why}`;
    };
    const baseVars = layerVars(job.vars, known ? factsToVars(facts) : {}, magic, play.vars);
    const registered: Vars = {};
    const env = (task: Task): TaskEnv => ({
      session, facts, baseVars, registered, extraVars: opts.extraVars, check: opts.check,
      become: becomeFor(play, task, job.vars, facts, opts), timeoutMs: opts.taskTimeoutMs, verify, tx, afterSshdRestart,
    });
    const notified = new Set<string>();
    // Outcomes in task order; a task whose changes wait in the batch is settled when it ran.
    const waiting: Array<{ name: string; outcome: TaskOutcome }> = [];
    /** Record every outcome that is final, in order; false once the host failed. */
    const settle = async (): Promise<boolean> => {
      while (waiting.length) {
        const head = waiting[0]!;
        const p = head.outcome.pending;
        if (p && !p.ready()) break;
        waiting.shift();
        const { result: r } = p ? await p.settle() : head.outcome;
        tasks.push(r);
        countTask(recap, r);
        obs.taskDone?.(job.name, r);
        if (r.status === 'failed' && !r.ignored) {
          status = 'failed';
          msg = `${head.name}: ${r.msg ?? 'failed'}`;
          waiting.length = 0;
          session.discard();
          return false;
        }
      }
      return true;
    };
    // A batch sent in the middle of a task (before a command that cannot wait) settles the
    // tasks before it at once, so their results are reported when they happened.
    session.afterFlush = async () => void (await settle());
    const step = async (task: Task, handler: boolean): Promise<boolean> => {
      obs.taskStart?.(job.name, task.name);
      const outcome = await runTask(task, env(task), handler);
      if (hostFailed()) return false; // a batch it sent failed an earlier task
      if (outcome.result.changed && !handler) for (const n of task.notify) notified.add(n);
      waiting.push({ name: task.name, outcome });
      // A failure waiting behind queued changes: they run (or not) now, so it is recorded in order.
      if (!outcome.pending && outcome.result.status === 'failed' && !outcome.result.ignored) await session.flush();
      return settle();
    };

    if (play.tasks.length) await prefetch(play.tasks, env(play.tasks[0]!));
    for (const task of play.tasks) {
      if (opts.signal?.aborted) throw new Error('interrupted before this task');
      if (!(await step(task, false))) break;
    }
    // Handlers run once, in the order they are defined, and only for a host that did not fail.
    if (!hostFailed()) {
      for (const h of play.handlers) {
        if (!notified.has(h.name) && !h.listen.some((l) => notified.has(l))) continue;
        if (opts.signal?.aborted) throw new Error('interrupted before handlers');
        if (!(await step(h, true))) break;
      }
    }
    // The end of the play: what still waits in the batch is carried out now.
    if (!hostFailed()) {
      await session.flush();
      await settle();
    }
    if (!hostFailed() && recap.changed > 0) status = 'changed';
  } catch (err) {
    session.discard();
    status = 'failed';
    msg = (err as Error).message;
    recap.failed++;
  }
  // Never worse than before: a host that failed after changing something is put back as it
  // was (and sshd restarted into the old configuration when this run touched it).
  if (status === 'failed' && tx?.started && !tx.record.rolledBack) {
    obs.hostPhase?.(job.name, 'rolling back');
    const problem = await tx.rollback().catch((err: Error) => err.message);
    recap.rescued++;
    const answers = tx.record.sshdTouched ? await workingLogin() : undefined;
    msg = `${msg}; rolled back: every changed file restored${tx.record.sshdTouched ? ', sshd restarted' : ''}`
      + (problem ? ` (${problem})` : '')
      + (tx.record.sshdTouched ? (answers ? `; the old state does NOT answer a new login: ${answers}` : '; the old state answers a new login again') : '');
  } else if (status !== 'failed' && tx?.started && !opts.pool) {
    await tx.confirm();
  }
  if (!opts.pool || !reach) await conn.close().catch(() => undefined);
  const r = result(status, {
    path: pathLabel, attempts, msg,
    stats: {
      connections: conn.stats.connections - statsAtStart.connections,
      execs: conn.stats.execs - statsAtStart.execs,
      bytesIn: conn.stats.bytesIn - statsAtStart.bytesIn,
      bytesOut: conn.stats.bytesOut - statsAtStart.bytesOut,
      ms: Date.now() - started,
      sinceStartMs: Date.now() - (opts.runStartedAt ?? started),
    },
  });
  obs.hostDone?.(job.name, r);
  return r;
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
