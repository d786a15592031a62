// One host's transaction for a run: before the first change, every file the plan touches is
// backed up on the host (content, mode, owner) under /var/lib/remedy/runs/<run-id>/, root-only.
// The same directory holds the scripts that put everything back: used by remedy itself when a
// task fails or a restart cuts the path, by a detached timer armed before sshd or the firewall
// is touched (commit confirmed: a controller that dies cannot leave the host locked out), and by
// `remedy rollback`.
import { createHash } from 'node:crypto';
import { quote } from '../shell.js';
import type { Facts } from '../facts.js';
import { serviceCommand } from '../modules/service.js';
import type { HostSession, Become } from './host-session.js';

export const RUNS_DIR = '/var/lib/remedy/runs';
export const RUN_ID = /^\d{8}T\d{6}-[0-9a-f]{6}$/;

export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, '');
  return `${stamp}-${createHash('sha256').update(`${now.getTime()}${Math.random()}${process.pid}`).digest('hex').slice(0, 6)}`;
}

export function runDir(runId: string): string {
  if (!RUN_ID.test(runId)) throw new Error(`not a run id: ${runId}`);
  return `${RUNS_DIR}/${runId}`;
}

/** Stable file name of a path's backup inside the run directory. */
export function backupKey(realPath: string): string {
  return createHash('sha256').update(realPath).digest('hex').slice(0, 16);
}

/**
 * Shell lines that back a file up once per run, before its first write: the original bytes
 * with mode/owner/timestamps (`cp -p`), its mode and owner, and last the path itself, which
 * marks the backup complete. A path that did not exist is recorded as `absent`.
 */
export function backupLines(dir: string, realPath: string): string {
  const k = `${quote(dir)}/${backupKey(realPath)}`;
  return `if [ ! -e ${k}.path ]; then
  if [ -e "$p" ]; then cp -p -- "$p" ${k}.orig && stat -c '%a %u %g' -- "$p" > ${k}.meta
  else echo absent > ${k}.meta; fi
  printf '%s\\n' "$p" > ${k}.path
fi
`;
}

/** rollback.sh: every backed-up file as it was (atomic, mode, owner), the firewall undone, sshd restarted when asked. */
const ROLLBACK_SH = `#!/bin/sh
# Written by remedy: put back what this run changed. Idempotent. Usage: rollback.sh [restart]
d=$(dirname -- "$0"); restart=\${1:-}; rc=0
for pf in "$d"/*.path; do
  [ -e "$pf" ] || continue
  k=\${pf%.path}; p=$(cat -- "$pf"); meta=$(cat -- "$k.meta")
  if [ "$meta" = absent ]; then rm -f -- "$p" || rc=1; continue; fi
  set -- $meta
  t=$(mktemp "$(dirname -- "$p")/.remedy.XXXXXX") && cat -- "$k.orig" > "$t" && chown "$2:$3" "$t" && chmod "$1" "$t" && mv -f -- "$t" "$p" || { rm -f -- "$t"; rc=1; }
done
[ -f "$d/undo.sh" ] && { sh "$d/undo.sh" || rc=1; }
[ -n "$restart" ] && { sh "$d/restart.sh" || rc=1; }
touch "$d/rolled-back"
echo "$(date -u +%FT%TZ) rolled back (rc=$rc)" >> "$d/log"
exit $rc
`;

/** timer-fire.sh: what the detached timer runs when the run never confirmed. */
const TIMER_FIRE_SH = `#!/bin/sh
d=$(dirname -- "$0")
[ -e "$d/confirmed" ] && exit 0
echo "$(date -u +%FT%TZ) not confirmed in time: rolling back" >> "$d/log"
exec sh "$d/rollback.sh" restart
`;

function restartCommand(f: Facts): string {
  const restart = serviceCommand(f.serviceMgr, f.sshService, 'restart') ?? 'kill -HUP "$(cat /run/sshd.pid)"';
  return `${quote(f.sshdPath || '/usr/sbin/sshd')} -t && ${restart}`;
}

export interface TransactionRecord {
  files: string[];
  undo: string[];
  armed: boolean;
  sshdTouched: boolean;
  rolledBack: boolean;
  confirmed: boolean;
}

/**
 * The transaction's lines for one step of a batch, and what they mean for the record: `ran()`
 * once the step ran (or may have: the exec was cut), `dropped()` when it never did.
 */
export interface TxLines {
  lines: string;
  ran(): void;
  dropped(): void;
}

export class HostTransaction {
  readonly dir: string;
  private begun = false;
  /** A step of the batch being sent arms the timer (so the next risky step does not). */
  private arming = false;
  readonly record: TransactionRecord = { files: [], undo: [], armed: false, sshdTouched: false, rolledBack: false, confirmed: false };

  constructor(
    private readonly session: HostSession,
    readonly runId: string,
    private readonly facts: Facts,
    private readonly become: Become | undefined,
    /** Seconds the detached timer waits for a confirmation before it rolls back. */
    readonly confirmTimeoutSec: number,
  ) {
    this.dir = runDir(runId);
  }

  /** Something was (or may have been) written or armed on the host in this run. */
  get started(): boolean {
    return this.begun;
  }

  /**
   * The run directory and its scripts. Guarded, so it rides along in every exec that changes
   * the host instead of costing a round trip of its own.
   */
  private setupLines(): string {
    const d = quote(this.dir);
    return `if [ ! -f ${d}/restart.sh ]; then
( umask 077
mkdir -p ${quote(RUNS_DIR)} ${d}
chmod 0700 ${quote(RUNS_DIR.replace(/\/runs$/, ''))} ${quote(RUNS_DIR)} ${d}
cat > ${d}/rollback.sh <<'REMEDY_EOF'
${ROLLBACK_SH}REMEDY_EOF
cat > ${d}/timer-fire.sh <<'REMEDY_EOF'
${TIMER_FIRE_SH}REMEDY_EOF
cat > ${d}/restart.sh.new <<'REMEDY_EOF'
${restartCommand(this.facts)}
REMEDY_EOF
mv -f ${d}/restart.sh.new ${d}/restart.sh ) || { echo "remedy: cannot create ${this.dir}" >&2; exit 96; }
fi
`;
  }

  /** Lines a write script runs before replacing `realPath`: the run directory, then its backup. */
  writePrefix(realPath: string): TxLines {
    return {
      lines: this.setupLines() + backupLines(this.dir, realPath),
      ran: () => {
        this.begun = true;
        if (!this.record.files.includes(realPath)) this.record.files.push(realPath);
      },
      dropped: () => undefined,
    };
  }

  /** A command without risk ran: its undo goes to the journal only (rollback does not replay it). */
  recordUndo(undo: string): void {
    this.record.undo.unshift(undo);
  }

  /**
   * Lines that run before a command touching sshd or the firewall, in the same exec: its undo
   * recorded (newest first, so the timer reverses commands in the opposite order they ran), and
   * the detached timer armed — unless the run confirms, it restores the backups and restarts
   * sshd after `confirmTimeoutSec`: systemd-run where there is systemd, else a process in its own
   * session (survives the SSH session ending). The command does not run if arming fails.
   */
  riskPrefix(risk: 'sshd' | 'firewall', undo?: string): TxLines {
    const d = quote(this.dir);
    let lines = this.setupLines();
    if (undo) {
      lines += `f=${d}/undo.sh; { printf '%s\\n' ${quote(undo)}; cat "$f" 2>/dev/null || true; } > "$f.new" && mv -f "$f.new" "$f"\n`;
    }
    const arm = !this.record.armed && !this.arming;
    if (arm) {
      this.arming = true;
      const t = Math.max(1, Math.round(this.confirmTimeoutSec));
      const unit = quote(`remedy-rollback-${this.runId}`);
      lines += `( d=${d}
if [ -d /run/systemd/system ] && command -v systemd-run >/dev/null 2>&1 \\
   && systemd-run --quiet --unit=${unit} --on-active=${t}s /bin/sh "$d/timer-fire.sh" >/dev/null 2>&1; then
  echo systemd > "$d/armed"
else
  setsid sh -c 'sleep "$1"; exec sh "$2/timer-fire.sh"' remedy-timer ${t} "$d" </dev/null >/dev/null 2>&1 &
  echo "$!" > "$d/timer.pid"; echo detached > "$d/armed"
fi
echo "$(date -u +%FT%TZ) armed: rollback in ${t}s unless confirmed" >> "$d/log" ) || { echo "remedy: cannot arm the rollback timer" >&2; exit 96; }
`;
    }
    return {
      lines,
      ran: () => {
        this.begun = true;
        if (risk === 'sshd') this.record.sshdTouched = true;
        if (undo) this.record.undo.unshift(undo);
        if (arm) [this.record.armed, this.arming] = [true, false];
      },
      dropped: () => {
        if (arm) this.arming = false;
      },
    };
  }

  /** The run succeeded on this host: disarm the timer. Backups stay for `remedy rollback`. */
  async confirm(): Promise<void> {
    if (!this.begun || this.record.confirmed) return;
    await this.run(this.disarmScript('confirmed'), 'confirming the run');
    this.record.confirmed = true;
  }

  /** Put every file back (and restart sshd when this run touched it), then disarm the timer. */
  async rollback(): Promise<string | undefined> {
    if (!this.begun) return undefined;
    const d = quote(this.dir);
    const res = await this.session.exec(`sh ${d}/rollback.sh${this.record.sshdTouched ? ' restart' : ''}; rc=$?; ${this.disarmScript('rolled back by remedy')}; exit $rc`, { become: this.become });
    this.record.rolledBack = true;
    return res.code === 0 ? undefined : `rollback reported problems (exit ${res.code}): ${res.stderr.toString().trim()}`;
  }

  private disarmScript(why: string): string {
    const d = quote(this.dir);
    return `touch ${d}/confirmed
[ -f ${d}/timer.pid ] && kill "$(cat ${d}/timer.pid)" 2>/dev/null
command -v systemctl >/dev/null 2>&1 && systemctl stop ${quote(`remedy-rollback-${this.runId}.timer`)} >/dev/null 2>&1
echo "$(date -u +%FT%TZ) ${why}" >> ${d}/log
true`;
  }

  private async run(script: string, what: string): Promise<void> {
    const res = await this.session.exec(script, { become: this.become });
    if (res.code !== 0) throw new Error(`${what} on the host failed: ${res.stderr.toString().trim() || `exit ${res.code}`}`);
  }
}
