// The shell a transaction leaves and runs on a host, as pure text: the run directory with
// its backups, rollback.sh, the dead-man guard and its lease, and the commands that renew,
// disarm or fire them. Everything here is POSIX sh (dash, busybox), quoted, bounded in time.
//
// The guard is a process of its own on the host (a transient systemd service where systemd
// runs, else a shell in its own session that outlives the SSH session). It sleeps until the
// deadline written in `lease`, re-reading it each time it wakes, so a renewal moves the
// deadline and the guard fires at most a second after it (no timer unit: systemd's default
// AccuracySec would let it slip up to a minute). `lease` says `off` once disarmed. Firing and
// disarming take the same lock (`mkdir decided`): once the guard decided to roll back, nothing
// stops it halfway, and once the controller disarmed it, it cannot fire.
import { quote } from '../shell.js';
import { backupKey, RUNS_DIR } from './run-dir.js';
import { sshdCheckedCommand, type SshdService } from '../modules/sshd-restart.js';

/**
 * `bounded SECONDS CMD...`: the host's coreutils `timeout` ends CMD and what it started (TERM,
 * KILL 2 s later) after SECONDS; a host without `timeout` runs it unbounded (the controller's
 * own limit on the exec still holds).
 */
export const BOUNDED_FN = String.raw`if command -v timeout >/dev/null 2>&1; then bounded() { timeout -k 2 "$@"; }; else bounded() { shift; "$@"; }; fi`;

/** Exit codes of the transaction's own lines inside a step. */
export const TX_EXIT = { setup: 96, fired: 95 } as const;

/**
 * rollback.sh: every backed-up file as it was (atomic, mode, owner), the recorded commands
 * undone once, sshd restarted when asked (`restart`) or, for the guard (`auto`), when the run
 * touched sshd and something was put back. Idempotent: a file already as it was is left alone,
 * and only what was really put back is counted (`@@restored N`).
 */
const ROLLBACK_SH = `#!/bin/sh
# Written by remedy: put back what this run changed. Idempotent. Usage: rollback.sh [auto|restart]
d=$(dirname -- "$0"); how=\${1:-}; rc=0; n=0
. "$d/limits"
${BOUNDED_FN}
for pf in "$d"/*.path; do
  [ -e "$pf" ] || continue
  k=\${pf%.path}; p=$(cat -- "$pf"; echo x); p=\${p%x}; meta=$(cat -- "$k.meta")
  if [ "$meta" = absent ]; then
    if [ -e "$p" ] || [ -L "$p" ]; then rm -f -- "$p" && n=$((n+1)) || rc=1; fi
    continue
  fi
  set -- $meta
  if [ -f "$p" ] && [ ! -L "$p" ] && [ "$(stat -c '%a %u %g' -- "$p")" = "$1 $2 $3" ] && cmp -s -- "$k.orig" "$p"; then continue; fi
  t=$(mktemp "$(dirname -- "$p")/.remedy.XXXXXX") && cat -- "$k.orig" > "$t" && chown "$2:$3" "$t" && chmod "$1" "$t" && mv -f -- "$t" "$p" && n=$((n+1)) || { rm -f -- "$t"; rc=1; }
done
if [ -f "$d/undo.sh" ] && [ ! -e "$d/undo.done" ]; then
  if bounded "$T" sh "$d/undo.sh"; then touch "$d/undo.done"; n=$((n+1)); else rc=1; fi
fi
r=; case $how in restart) r=1 ;; auto) [ -e "$d/sshd-touched" ] && [ "$n" -gt 0 ] && r=1 ;; esac
if [ -n "$r" ]; then sh "$d/restart.sh" || rc=1; fi
touch "$d/rolled-back"
echo "$(date -u +%FT%TZ) rolled back: $n change(s) undone\${r:+, sshd restarted} (rc=$rc)" >> "$d/log"
echo "@@restored $n"
exit $rc
`;

/**
 * How many changes a rollback put back, from the run's on-host log (rollback.sh's last line);
 * undefined when the log does not say. A guard that fired on an unchanged host rescued nothing.
 */
export function restoredInLog(log: string): number | undefined {
  const all = [...log.matchAll(/rolled back: (\d+) change\(s\) undone/g)];
  return all.length ? Number(all[all.length - 1]![1]) : undefined;
}

/** guard.sh: sleeps until the lease's deadline; rolls back unless renewed or disarmed first. */
const GUARD_SH = String.raw`#!/bin/sh
# Written by remedy: the dead-man guard. Rolls the run back when the controller stops renewing its lease.
d=$(dirname -- "$0")
echo $$ > "$d/guard.pid"
while :; do
  dl=0; read -r dl < "$d/lease" || dl=0
  case $dl in off) exit 0 ;; ''|*[!0-9]*) dl=0 ;; esac
  now=$(date +%s)
  [ "$now" -ge "$dl" ] && break
  sleep $((dl - now))
done
mkdir "$d/decided" 2>/dev/null || exit 0
touch "$d/fired"
echo "$(date -u +%FT%TZ) lease expired (deadline $dl, now $(date +%s)): the controller did not renew it; rolling back" >> "$d/log"
sh "$d/rollback.sh" auto >/dev/null 2>&1
`;

/** restart.sh: sshd's checked restart for the host's init (src/modules/sshd-restart.ts), each command bounded. */
function restartSh(sshd: SshdService): string {
  return `${BOUNDED_FN}
. "$(dirname -- "$0")/limits"
${sshdCheckedCommand(sshd, 'restart', 'bounded "$T" ')}
`;
}

/** Refuse to go on once the guard rolled the host back (a change must never land after it). */
export function firedCheck(dir: string): string {
  return `[ -e ${quote(dir)}/fired ] && { echo "remedy: the rollback timer of this run already rolled the host back" >&2; exit ${TX_EXIT.fired}; }\n`;
}

export interface RunDirSpec {
  dir: string;
  /** The host's sshd and how its init knows it (restart.sh restarts it). */
  sshd: SshdService;
  /** Seconds any one command of the rollback may take (--task-timeout). */
  stepTimeoutSec: number;
}

/**
 * The run directory and its scripts, created once (guarded, so it rides along in every step
 * that changes the host); a host whose guard already rolled it back takes no further change.
 */
export function setupLines(s: RunDirSpec): string {
  const d = quote(s.dir);
  return `${firedCheck(s.dir)}if [ ! -f ${d}/restart.sh ]; then
( umask 077
mkdir -p ${d}
chmod 0700 ${quote(RUNS_DIR.replace(/\/runs$/, ''))} ${quote(RUNS_DIR)} ${quote(s.dir.replace(/\/[^/]*$/, ''))} ${d}
echo T=${Math.max(1, Math.ceil(s.stepTimeoutSec))} > ${d}/limits
cat > ${d}/rollback.sh <<'REMEDY_EOF'
${ROLLBACK_SH}REMEDY_EOF
cat > ${d}/guard.sh <<'REMEDY_EOF'
${GUARD_SH}REMEDY_EOF
cat > ${d}/restart.sh.new <<'REMEDY_EOF'
${restartSh(s.sshd)}REMEDY_EOF
mv -f ${d}/restart.sh.new ${d}/restart.sh ) || { echo "remedy: cannot create ${s.dir}" >&2; exit ${TX_EXIT.setup}; }
fi
`;
}

/**
 * Shell lines that back a file up once per run, before its first write: the original bytes
 * with mode/owner/timestamps (`cp -p`), its mode and owner, and last the path itself (no
 * newline added: any byte but NUL may be in a name), which marks the backup complete. A path
 * that did not exist is recorded as `absent`. When another inventory name of this machine
 * backed the file up first in this run (a sibling directory), its backup is the original: the
 * file may hold that name's change by now.
 */
export function backupLines(dir: string, realPath: string): string {
  const key = backupKey(realPath);
  const k = `${quote(dir)}/${key}`;
  const siblings = `${quote(dir.replace(/\/[^/]*$/, ''))}/*/${key}.path`;
  return `if [ ! -e ${k}.path ]; then
  o=; for s in ${siblings}; do [ -e "$s" ] && [ "$s" != ${k}.path ] && { o=\${s%.path}; break; }; done
  if [ -n "$o" ]; then cp -p -- "$o.meta" ${k}.meta && { [ ! -e "$o.orig" ] || cp -p -- "$o.orig" ${k}.orig; }
  elif [ -e "$p" ]; then cp -p -- "$p" ${k}.orig && stat -c '%a %u %g' -- "$p" > ${k}.meta
  else echo absent > ${k}.meta; fi
  printf '%s' "$p" > ${k}.path
fi
`;
}

const leaseLine = (d: string, leaseSec: number) =>
  `echo $(( $(date +%s) + ${leaseSec} )) > ${d}/lease.new && mv -f ${d}/lease.new ${d}/lease`;

/**
 * Arm the guard (in the same step as the host's first change): the lease's first deadline,
 * then the guard started as a transient systemd service or a detached session.
 */
export function armLines(dir: string, unit: string, leaseSec: number): string {
  const d = quote(dir);
  return `( ${leaseLine(d, leaseSec)}
if [ -d /run/systemd/system ] && command -v systemd-run >/dev/null 2>&1 \\
   && systemd-run --quiet --collect --unit=${quote(unit)} /bin/sh ${d}/guard.sh >/dev/null 2>&1; then
  echo systemd ${quote(`${unit}.service`)} > ${d}/armed
else
  setsid sh ${d}/guard.sh </dev/null >/dev/null 2>&1 &
  echo detached > ${d}/armed
fi
echo "$(date -u +%FT%TZ) armed: rolls back unless its ${leaseSec}s lease is renewed" >> ${d}/log ) || { echo "remedy: cannot arm the rollback guard" >&2; exit ${TX_EXIT.setup}; }
`;
}

/** Move the lease's deadline; prints `renewed`, `off` (disarmed) or `fired` (the guard rolled back). */
export function renewScript(dir: string, leaseSec: number): string {
  const d = quote(dir);
  return `[ -e ${d}/fired ] && { echo fired; exit 0; }
l=; read -r l < ${d}/lease 2>/dev/null
[ "$l" = off ] && { echo off; exit 0; }
${leaseLine(d, leaseSec)} && echo renewed
`;
}

/**
 * Lines that stop a live guard once the lock is held: the lease off, its process ended. A
 * detached guard leads its own session: `kill -TERM -PID` ends it and the `sleep` it waits in
 * (dash's kill takes no `--`; with one, nothing was killed and the sleep outlived the run).
 */
function stopGuardLines(d: string): string {
  return `echo off > ${d}/lease.new && mv -f ${d}/lease.new ${d}/lease
how=; unit=; read -r how unit < ${d}/armed 2>/dev/null
case $how in
  systemd) systemctl stop "$unit" >/dev/null 2>&1 ;;
  detached) pid=; read -r pid < ${d}/guard.pid 2>/dev/null && case $pid in ''|0|*[!0-9]*) ;; *) kill -TERM "-$pid" 2>/dev/null ;; esac ;;
esac
rm -f ${d}/armed ${d}/guard.pid
`;
}

const logLine = (d: string, why: string) => `echo "$(date -u +%FT%TZ) ${why.replace(/[^\w .,:()-]/g, '')}" >> ${d}/log`;

/**
 * Disarm the guard (it cannot fire afterwards): prints `disarmed`, or `fired` when it already
 * rolled the host back (or is doing so now). `confirm` also marks the run confirmed.
 */
export function disarmScript(dir: string, why: string, confirm = false): string {
  const d = quote(dir);
  return `[ -e ${d}/fired ] && { echo fired; exit 0; }
mkdir ${d}/decided 2>/dev/null || { echo fired; exit 0; }
${stopGuardLines(d)}${confirm ? `touch ${d}/confirmed\n` : ''}${logLine(d, why)}
rmdir ${d}/decided
echo disarmed
`;
}

/**
 * Roll back now (remedy itself, over its connection), holding the guard's lock so the two never
 * run at once; when the guard already decided, its rollback is waited for and reported instead
 * (`@@fired` and the log's last lines).
 */
export function rollbackScript(dir: string, restart: boolean): string {
  const d = quote(dir);
  // The lock is also taken by another rollback of this run on the same machine (two inventory
  // names for one server): wait for it. Only a guard that fired leaves its "fired" mark.
  return `i=0
until mkdir ${d}/decided 2>/dev/null; do
  [ -e ${d}/fired ] && break
  [ $i -ge 600 ] && { echo "remedy: the run's lock ${dir}/decided is held" >&2; exit 1; }
  sleep 0.1; i=$((i+1))
done
if [ -e ${d}/fired ]; then
  i=0; while [ ! -e ${d}/rolled-back ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done
  echo @@fired; tail -n 3 ${d}/log; exit 0
fi
${stopGuardLines(d)}${logLine(d, 'rolling back (remedy)')}
sh ${d}/rollback.sh${restart ? ' restart' : ''}; rc=$?
rmdir ${d}/decided
exit $rc
`;
}

/** The last lines of the run's on-host log (what the guard did, when). */
export function logTail(dir: string): string {
  return `tail -n 5 ${quote(dir)}/log 2>/dev/null`;
}
