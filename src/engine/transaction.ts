// One host's transaction for a run. Before the first change, every file the plan touches is
// backed up on the host (content, mode, owner) under /var/lib/remedy/runs/<run-id>/<inventory
// name>/ (root-only; one per name, see runDir), and a dead-man guard is armed in the same step
// as that first change: unless the controller keeps renewing its lease over the open
// connection, the guard puts everything back. So a controller killed at any instant leaves the
// host as it was, or on its way back to it.
//
// A host's transaction spans one play at a time: when the host came through its play (and a
// fresh login over the working path proved it still takes new logins after the play's last
// change), the guard is disarmed — a checkpoint — and its connection can be released while the
// host waits for the next play. The backups stay: a failure in a later play (or `remedy
// rollback`) restores every file the run changed, whichever play changed it.
import { quote } from '../shell.js';
import type { Facts } from '../facts.js';
import type { ExecResult } from '../transport/connection.js';
import type { RunChange } from './change.js';
import { sshdServiceOf } from '../modules/sshd-restart.js';
import { TX_EXIT, armLines, backupLines, disarmScript, firedCheck, renewScript, rollbackScript, setupLines, type RunDirSpec } from './host-scripts.js';
import { backupKey, runDir } from './run-dir.js';

export interface TransactionRecord {
  files: string[];
  undo: string[];
  /** A guard was armed at some point of the run. */
  armed: boolean;
  sshdTouched: boolean;
  rolledBack: boolean;
  /** Who rolled the host back: remedy itself, or the host's guard when its lease ran out. */
  rolledBackBy?: 'remedy' | 'timer';
  confirmed: boolean;
}

/**
 * The transaction's lines for one step of a batch, and what they mean for the record: `ran()`
 * once the step ran (or may have: the exec was cut), `dropped()` when it never did.
 */
export interface TxLines {
  lines: string;
  /** A write's last check before its rename (a validator may take long: the guard may have fired). */
  commit?: string;
  ran(): void;
  dropped(): void;
}

/** How the transaction reaches the host: the play's session, run as root (sudo when needed). */
export type TxExec = (script: string, timeoutMs: number) => Promise<ExecResult>;

export interface TxOptions {
  /** Seconds the guard waits for a renewal of its lease before it rolls back (--confirm-timeout). */
  leaseSec: number;
  /** Bound of any one command on the host (--task-timeout), in the rollback too. */
  stepTimeoutMs: number;
  /** The inventory name: its own run directory, even when another name reaches the same machine. */
  host: string;
  /** Before the first exec that may change the host: the write-ahead record on the controller. */
  writeAhead?: () => Promise<void>;
}

export class HostTransaction {
  readonly dir: string;
  readonly record: TransactionRecord = { files: [], undo: [], armed: false, sshdTouched: false, rolledBack: false, confirmed: false };
  private begun = false;
  /** A guard armed by a step that ran (or may have), and not disarmed since. */
  private live = false;
  /** A step of the batch being built arms the guard (so the next step does not). */
  private arming = false;
  private generation = 0;
  private exec: TxExec | undefined;
  private renewTimer: NodeJS.Timeout | undefined;
  private renewing: Promise<void> | undefined;
  private journaled: Promise<void> | undefined;
  private readonly spec: RunDirSpec;
  /** The guard rolled the host back (its lease ran out while the controller could not renew it). */
  onFired?: (log: string) => void;

  constructor(
    readonly runId: string,
    facts: Facts,
    private readonly opts: TxOptions,
  ) {
    this.dir = runDir(runId, opts.host);
    this.spec = { dir: this.dir, sshd: sshdServiceOf(facts, facts.sshdPath || '/usr/sbin/sshd'), stepTimeoutSec: opts.stepTimeoutMs / 1000 };
  }

  /** Something was (or may have been) written, run or armed on the host in this run. */
  get started(): boolean {
    return this.begun;
  }

  /** The guard is armed now: the controller holds the host's transaction. */
  get guarded(): boolean {
    return this.live;
  }

  /** The play's way to the host; a released connection detaches it (renewals stop). */
  attach(exec: TxExec | undefined): void {
    this.exec = exec;
    if (!exec) this.stopRenewing();
  }

  /** Called before an exec that carries any of this transaction's lines: the journal names the host first. */
  beforeChange(): Promise<void> {
    this.journaled ??= this.opts.writeAhead?.() ?? Promise.resolve();
    return this.journaled;
  }

  /** Lines a write script runs before replacing `realPath`: the run directory, the guard, the backup. */
  writePrefix(realPath: string): TxLines {
    const guard = this.guardLines();
    return {
      lines: setupLines(this.spec) + guard.lines + backupLines(this.dir, realPath),
      commit: firedCheck(this.dir),
      ran: () => {
        this.begun = true;
        guard.ran();
        if (!this.record.files.includes(realPath)) this.record.files.push(realPath);
      },
      dropped: guard.dropped,
    };
  }

  /**
   * Lines that run before a command that changes the host, in the same exec: its undo recorded
   * (newest first, so rollback reverses commands in the opposite order they ran) when it
   * touches sshd or the firewall, and the guard armed if it is not. The command does not run if
   * that fails.
   */
  commandPrefix(c: Pick<RunChange, 'risk' | 'undo' | 'saves' | 'undoOnRollback'>): TxLines {
    const { risk, undo } = c;
    const replay = (risk !== undefined || c.undoOnRollback === true) && undo !== undefined;
    const d = quote(this.dir);
    const guard = this.guardLines();
    let lines = setupLines(this.spec) + guard.lines;
    for (const path of c.saves ?? []) {
      lines += `( p=${quote(path)}\n${backupLines(this.dir, path)}) || { echo "remedy: cannot back up ${path.replace(/[^\w./@:~+-]/g, '?')}" >&2; exit ${TX_EXIT.setup}; }\n`;
    }
    if (replay) lines += `f=${d}/undo.sh; { printf '%s\\n' ${quote(undo)}; cat "$f" 2>/dev/null || true; } > "$f.new" && mv -f "$f.new" "$f"\n`;
    if (risk === 'sshd') lines += `touch ${d}/sshd-touched\n`;
    return {
      lines,
      ran: () => {
        this.begun = true;
        guard.ran();
        if (risk === 'sshd') this.record.sshdTouched = true;
        if (replay) this.record.undo.unshift(undo);
        for (const path of c.saves ?? []) if (!this.record.files.includes(path)) this.record.files.push(path);
      },
      dropped: guard.dropped,
    };
  }

  /** A command without risk ran: its undo goes to the journal only (rollback does not replay it). */
  recordUndo(undo: string): void {
    this.record.undo.unshift(undo);
  }

  private guardLines(): TxLines {
    if (this.live || this.arming) return { lines: '', ran: () => undefined, dropped: () => undefined };
    this.arming = true;
    const unit = `remedy-guard-${this.runId}-${backupKey(this.opts.host).slice(0, 8)}-${++this.generation}`;
    return {
      lines: armLines(this.dir, unit, this.leaseSec()),
      ran: () => {
        [this.live, this.arming, this.record.armed] = [true, false, true];
        this.startRenewing();
      },
      dropped: () => void (this.arming = false),
    };
  }

  private leaseSec(): number {
    return Math.max(2, Math.round(this.opts.leaseSec));
  }

  /** Renew often enough that two renewals can fail before the lease runs out. */
  private renewEveryMs(): number {
    return Math.max(1000, Math.min(30_000, (this.leaseSec() * 1000) / 3));
  }

  private startRenewing(): void {
    if (this.renewTimer || !this.exec) return;
    const tick = (): void => {
      this.renewing = this.renew().finally(() => {
        this.renewing = undefined;
        if (this.renewTimer && this.live) this.renewTimer = setTimeout(tick, this.renewEveryMs()).unref();
      });
    };
    this.renewTimer = setTimeout(tick, this.renewEveryMs()).unref();
  }

  private stopRenewing(): void {
    if (this.renewTimer) clearTimeout(this.renewTimer);
    this.renewTimer = undefined;
  }

  /** One renewal; a failed one is not fatal (the next may pass), a fired guard is. */
  private async renew(): Promise<void> {
    if (!this.exec || !this.live) return;
    const res = await this.exec(renewScript(this.dir, this.leaseSec()), this.renewEveryMs()).catch(() => undefined);
    if (res?.stdout.toString().trim() === 'fired') await this.learnFired();
  }

  private async learnFired(): Promise<void> {
    this.stopRenewing();
    this.live = false;
    this.record.rolledBack = true;
    this.record.rolledBackBy = 'timer';
    const log = this.exec ? (await this.exec(`tail -n 3 ${quote(this.dir)}/log`, 10_000).catch(() => undefined))?.stdout.toString().trim() : undefined;
    this.onFired?.(log ?? '');
  }

  /**
   * The host came through its play: disarm the guard. Backups stay for a later failure and for
   * `remedy rollback`. Returns false when the guard had already rolled the host back.
   */
  async checkpoint(why: string): Promise<boolean> {
    if (!this.live) return !this.record.rolledBack;
    this.stopRenewing();
    await this.renewing;
    const res = await this.mustExec(disarmScript(this.dir, why), 'disarming the rollback guard');
    if (res.stdout.toString().trim() === 'fired') {
      await this.learnFired();
      return false;
    }
    this.live = false;
    return true;
  }

  /** The run succeeded on this host. Nothing on the host waits for it once the guard is disarmed. */
  async confirm(): Promise<boolean> {
    const ok = await this.checkpoint('confirmed');
    this.record.confirmed = ok && this.begun;
    return ok;
  }

  /**
   * Put every file back (and restart sshd when this run touched it), holding the guard's lock.
   * `restored` counts what was really put back (0: the host was already as before).
   */
  async rollback(): Promise<{ restored: number; problem?: string; byTimer?: string }> {
    if (!this.begun) return { restored: 0 };
    this.stopRenewing();
    await this.renewing;
    const restartBudget = this.record.sshdTouched ? 2 : 0;
    const budget = this.opts.stepTimeoutMs * (2 + restartBudget) + 15_000;
    const res = await this.mustExec(rollbackScript(this.dir, this.record.sshdTouched), 'rolling back', budget);
    const out = res.stdout.toString();
    this.live = false;
    this.record.rolledBack = true;
    if (out.startsWith('@@fired')) {
      this.record.rolledBackBy = 'timer';
      return { restored: 0, byTimer: out.replace(/^@@fired\n?/, '').trim() };
    }
    this.record.rolledBackBy = 'remedy';
    const restored = Number(/@@restored (\d+)/.exec(out)?.[1] ?? 0);
    const problem = res.code === 0 ? undefined : `rollback reported problems (exit ${res.code}): ${res.stderr.toString().trim()}`;
    return { restored, problem };
  }

  private async mustExec(script: string, what: string, timeoutMs = this.opts.stepTimeoutMs + 5000): Promise<ExecResult> {
    if (!this.exec) throw new Error(`${what}: no connection to the host`);
    const res = await this.exec(script, timeoutMs);
    if (res.code !== 0 && res.stdout.length === 0) throw new Error(`${what} on the host failed: ${res.stderr.toString().trim() || `exit ${res.code}`}`);
    return res;
  }
}
