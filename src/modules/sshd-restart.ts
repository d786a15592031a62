// sshd's checked (re)start: the one command every path that restarts sshd runs — the service
// module, restore_run, and the transaction's restart.sh (rollback, guard).
//
//   1. The privilege separation directory is made when sshd says it is missing. systemd's
//      ssh.service owns /run/sshd as its RuntimeDirectory and removes it whenever the unit stops
//      or fails; without it `sshd -t` itself refuses ("Missing privilege separation directory:
//      /run/sshd", exit 255), so a check-then-start could never start a stopped sshd again.
//      Debian's init script and ssh.service's ExecStartPre make it the same way (0755, root).
//   2. `sshd -t`: a configuration sshd rejects is never restarted into.
//   3. On systemd, `systemctl reset-failed <unit>` before start/restart: the unit's start rate
//      limit (StartLimitBurst=5 in StartLimitIntervalSec=10s by default) refuses a sixth start
//      with "start of the service was attempted too often" and leaves sshd dead — a lockout made
//      by the tool, reachable by a rollback right after a change, a guard and a retry. Resetting
//      the counter changes nothing else about the unit.
import { quote, quoteArgv } from '../shell.js';
import { serviceCommand, type ServiceVerb } from './service-command.js';
import { PRIVSEP_MISSING } from '../formats/sshd-privsep.js';
import type { Facts } from '../facts.js';

/** Where the host's sshd runs from and how its service manager knows it. */
export interface SshdService {
  sshdPath: string;
  serviceMgr: string;
  /** The unit / init script name ('ssh' on Debian). */
  name: string;
}

/** The host's own sshd service, from its facts. */
export function sshdServiceOf(f: Pick<Facts, 'sshdPath' | 'serviceMgr' | 'sshService'>, sshdPath = f.sshdPath): SshdService {
  return { sshdPath, serviceMgr: f.serviceMgr, name: f.sshService };
}

/**
 * The shell line that checks sshd's configuration and then restarts, starts or reloads it;
 * null when the service manager is unknown (only a restart has a fallback). `bound` prefixes each
 * command (restart.sh passes `bounded "$T" ` so each is bounded in time on its own).
 */
export function sshdCheckedCommand(s: SshdService, verb: Exclude<ServiceVerb, 'stop'>, bound = ''): string | null {
  const act = sshdActCommand(s, verb, bound);
  return act === null ? null : `${sshdCheck(s.sshdPath, bound)} && ${act}`;
}

/** sshd -t, after making the privilege separation directory sshd reports missing (its stderr lines end in \r\n). */
function sshdCheck(sshdPath: string, bound = ''): string {
  const sshd = quote(sshdPath);
  const dir = `remedy_privsep=$(${bound}${sshd} -t 2>&1 >/dev/null | tr -d '\\r' | sed -n ${quote(`s|^.*${PRIVSEP_MISSING}\\(/[^ ]*\\).*$|\\1|p`)} | head -n 1)`;
  return `{ ${dir}; [ -z "$remedy_privsep" ] || install -d -m 0755 -- "$remedy_privsep"; ${bound}${sshd} -t; }`;
}

/** The service manager's command, with the start rate limit reset first on systemd. */
function sshdActCommand(s: SshdService, verb: Exclude<ServiceVerb, 'stop'>, bound: string): string | null {
  const command = serviceCommand(s.serviceMgr, s.name, verb);
  // No known manager (restore_run, rollback): SIGHUP makes the listener re-exec with the new configuration.
  if (command === null) return verb === 'restart' ? `${bound}kill -HUP "$(cat /run/sshd.pid)"` : null;
  if (s.serviceMgr === 'systemd' && verb !== 'reload') {
    return `{ ${bound}${quoteArgv(['systemctl', 'reset-failed', s.name])} 2>/dev/null; ${bound}${command}; }`;
  }
  return `${bound}${command}`;
}
