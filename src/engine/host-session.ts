// One host's side of a run: its connection, privilege escalation, and the file states remedy
// has read or written. Each path is read at most once per run; later tasks (and, under check
// mode, later plans) see the state the earlier tasks left.
import type { Connection, ExecResult } from '../transport/connection.js';
import type { FileState, RunChange, WriteChange } from './change.js';
import { parseListedReads, parseProbeOutput, parseReadOutput, probeScript, readScript, splitListing, type ReadResult } from './remote-files.js';
import { batchScript, batchTimeoutMs, parseBatchOutput, stepError, type BatchStep, type StepOutcome } from './batch.js';
import type { TxLines } from './transaction.js';
import type { ProbeResult } from '../modules/module.js';
import { becomeCommand } from '../transport/become.js';

export interface Become {
  user: string;
  /** Sent on stdin, never in argv. */
  password?: string;
}

/** A change waiting in the host's batch; `outcome` is set when the batch has been carried out. */
export interface Slot {
  change: WriteChange | RunChange;
  outcome?: StepOutcome;
}

interface Queued {
  slot: Slot;
  /** Built when the batch is sent, with the transaction's lines that run first in the step. */
  step: () => { step: BatchStep; tx?: TxLines };
}

export class HostSession {
  private readonly files = new Map<string, ReadResult>();
  private readonly probes = new Map<string, ProbeResult>();
  private queue: Queued[] = [];
  private queueBecome: Become | undefined;
  /** Files ('f:' + path) and probes ('p:' + command) that queued commands will change. */
  private readonly stale = new Set<string>();
  /** Why this host stopped: a change failed, so nothing after it may run. */
  halted: string | undefined;
  /** Called after each batch was carried out (the engine records the tasks it settled). */
  afterFlush?: () => Promise<void>;
  /** Called before an exec that may change the host (the transaction's write-ahead record). */
  beforeChanges?: () => Promise<void>;

  constructor(readonly conn: Connection) {}

  async exec(command: string, opts: { stdin?: string | Buffer; become?: Become; timeoutMs?: number } = {}): Promise<ExecResult> {
    if (!opts.become) return this.conn.exec(command, { stdin: opts.stdin, timeoutMs: opts.timeoutMs });
    const wrapped = becomeCommand(command, opts.become, opts.stdin);
    return this.conn.exec(wrapped.command, { stdin: wrapped.stdin, timeoutMs: opts.timeoutMs });
  }

  /**
   * Read every path and run every probe not yet known, all in one exec; the paths a `listing`
   * probe prints are read in the same exec.
   */
  async ensureKnown(paths: readonly string[], probes: readonly string[], opts: { become?: Become; timeoutMs?: number; listing?: (command: string) => boolean } = {}): Promise<void> {
    const { become, timeoutMs } = opts;
    const listing = opts.listing ?? (() => false);
    let files = [...new Set(paths)].filter((p) => !this.files.has(p));
    let cmds = [...new Set(probes)].filter((c) => !this.probes.has(c));
    if (files.length === 0 && cmds.length === 0) return;
    // What a queued command will change is read after it ran, not before.
    if (files.some((p) => this.stale.has(`f:${p}`)) || cmds.some((c) => this.stale.has(`p:${c}`))) {
      await this.flush();
      files = files.filter((p) => !this.files.has(p));
      cmds = cmds.filter((c) => !this.probes.has(c));
    }
    const script = (files.length ? readScript(files) : '') + (cmds.length ? probeScript(cmds, listing) : '');
    // A probe can hang (fail2ban-client against a stuck server): the task timeout bounds it.
    const res = await this.exec(script, { become, timeoutMs });
    if (res.code !== 0) throw new Error(`reading the host's state failed: ${res.stderr.toString().trim() || `exit ${res.code}`}`);
    const out = res.stdout.toString('utf8');
    parseReadOutput(files, out).forEach((r, i) => this.files.set(files[i]!, r));
    parseProbeOutput(cmds, out).forEach((r, i) => {
      this.probes.set(cmds[i]!, r);
      if (!listing(cmds[i]!) || r.code !== 0) return;
      const listed = splitListing(r.stdout);
      // Known states win: they may be newer (a write queued in this run) than the host's.
      for (const [p, read] of parseListedReads(i, listed, out)) if (!this.files.has(p) && !this.stale.has(`f:${p}`)) this.files.set(p, read);
    });
  }

  known(path: string): FileState | undefined {
    return this.files.get(path)?.state;
  }

  probed(command: string): ProbeResult | undefined {
    return this.probes.get(command);
  }

  file(path: string): FileState {
    const r = this.files.get(path);
    if (!r) throw new Error(`internal: ${path} was planned without being read`);
    return r.state;
  }

  probe(command: string): ProbeResult {
    const r = this.probes.get(command);
    if (!r) throw new Error(`internal: probe '${command}' was planned without being run`);
    return r;
  }

  /**
   * A command ran on the host: it may have changed any file or any probed state, so later tasks
   * read again instead of planning on stale knowledge.
   */
  forget(): void {
    this.files.clear();
    this.probes.clear();
  }

  /**
   * Queue a write or a batchable command for the host's next batch. Later tasks plan on its
   * result at once: a write's new content is remembered, what a command touches is forgotten
   * (and read again only after the batch ran). `prefix` gives the transaction's lines that must
   * run first in the same step (backup, arming the timer).
   */
  async enqueue(change: WriteChange | RunChange, opts: { become?: Become; timeoutMs?: number; prefix?: (realPath: string) => TxLines | undefined }): Promise<Slot> {
    const slot: Slot = { change };
    if (this.halted) {
      slot.outcome = { ran: false, why: `not run: ${this.halted}` };
      return slot;
    }
    // One exec runs as one user.
    if (this.queue.length && !sameBecome(this.queueBecome, opts.become)) await this.flush();
    this.queueBecome = opts.become;
    const prefix = opts.prefix ?? (() => undefined);
    if (change.kind === 'write') {
      const realPath = this.files.get(change.path)?.realPath ?? change.path;
      this.queue.push({ slot, step: () => {
        const tx = prefix(realPath);
        return { step: { kind: 'write', change, realPath, prefix: tx?.lines ?? '', commit: tx?.commit, timeoutMs: opts.timeoutMs }, tx };
      } });
      // A new file's owner is the writer's, which remedy does not know: read it again once the
      // batch ran rather than report uid -1 (stat after copy). Otherwise plan on the new bytes.
      if (change.before.kind === 'absent' && (change.owner === undefined || change.group === undefined)) this.markStale([change.path], []);
      else this.remember(change);
    } else {
      this.queue.push({ slot, step: () => {
        const tx = prefix('');
        return { step: { kind: 'run', change, prefix: tx?.lines ?? '', timeoutMs: opts.timeoutMs }, tx };
      } });
      this.markStale(change.touches?.files ?? [], change.touches?.probes ?? []);
    }
    return slot;
  }

  /** What a queued change alters: forgotten now, read again only after the batch ran. */
  private markStale(files: readonly string[], probes: readonly string[]): void {
    for (const f of files) {
      this.files.delete(f);
      this.stale.add(`f:${f}`);
    }
    for (const c of probes) {
      this.probes.delete(c);
      this.stale.add(`p:${c}`);
    }
  }

  /**
   * Carry out the queued changes in one exec, in order, stopping at the first that fails (the
   * host is then halted: nothing after it runs). Each slot gets its outcome.
   */
  async flush(): Promise<void> {
    const queued = this.queue;
    if (queued.length === 0) return;
    this.queue = [];
    this.stale.clear();
    const built = queued.map((q) => q.step());
    const steps = built.map((b) => b.step);
    const { script, stdin } = batchScript(steps);
    let out = '';
    let cut = 'not run: the batch produced no result';
    try {
      if (built.some((b) => b.tx)) await this.beforeChanges?.();
      const res = await this.exec(script, { stdin, become: this.queueBecome, timeoutMs: batchTimeoutMs(steps) });
      out = res.stdout.toString('utf8');
      if (res.code !== 0) cut = `the host could not run the batch (exit ${res.code ?? 'signal'}): ${res.stderr.toString().trim()}`;
    } catch (err) {
      cut = `no result: ${(err as Error).message}`;
    }
    const outcomes = parseBatchOutput(steps, out, cut);
    outcomes.forEach((o, i) => {
      queued[i]!.slot.outcome = o;
      // The record keeps what may have happened on the host: what ran, and what a cut hides.
      if (o.ran || o.maybe) built[i]!.tx?.ran();
      else built[i]!.tx?.dropped();
    });
    const failed = outcomes.findIndex((o, i) => stepError(steps[i]!.change, o) !== undefined);
    if (failed >= 0) {
      this.halt(steps[failed]!.change);
      // Later tasks planned on the state the queued writes would leave; from the failed step on
      // they did not (a write refused by its validate left the old bytes). Planning on that
      // would carry a refused edit into the next write, past its validation: read again.
      this.forget();
    }
    await this.afterFlush?.();
  }

  /** A change failed: nothing after it may run on this host. */
  halt(failed: WriteChange | RunChange): void {
    const what = failed.kind === 'write' ? `write ${failed.path}` : failed.command.split('\n')[0]!.slice(0, 80);
    this.halted = `an earlier change on this host failed (${what})`;
  }

  /** A failure that `ignore_errors` let pass: the host goes on, as in Ansible. */
  resume(): void {
    this.halted = undefined;
  }

  /** Drop what was queued (the host failed before the batch was sent). */
  discard(): void {
    for (const q of this.queue) q.slot.outcome = { ran: false, why: 'not run: the host stopped before it' };
    if (this.queue.length) this.forget(); // what they would have written is not there
    this.queue = [];
    this.stale.clear();
  }

  /** Check mode: later tasks plan against the state this write would leave. */
  remember(change: WriteChange): void {
    const prev = this.files.get(change.path);
    const b = change.before;
    const meta = b.kind === 'absent' ? { uid: -1, gid: -1, owner: change.owner ?? '', group: change.group ?? '' }
      : { uid: b.uid, gid: b.gid, owner: b.owner, group: b.group };
    if (change.owner !== undefined) Object.assign(meta, /^\d+$/.test(change.owner) ? { uid: Number(change.owner) } : { owner: change.owner });
    if (change.group !== undefined) Object.assign(meta, /^\d+$/.test(change.group) ? { gid: Number(change.group) } : { group: change.group });
    // A write through a link leaves the link: its target gets the bytes.
    const link = prev && prev.state.kind !== 'absent' ? prev.state.link : undefined;
    this.files.set(change.path, {
      realPath: prev?.realPath ?? change.path,
      state: { path: change.path, kind: 'file', content: change.content, mode: change.mode, ...meta, ...(link ? { link } : {}) },
    });
  }
}

function sameBecome(a: Become | undefined, b: Become | undefined): boolean {
  return a?.user === b?.user && a?.password === b?.password;
}
