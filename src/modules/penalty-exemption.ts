// sshd_config's `exempt_from_penalties: ADDRESS`: lift an active PerSourcePenalties penalty of one
// client, precisely and lastingly. OpenSSH >= 9.8 penalises a source address (failed logins,
// crashes, connections without authentication) by refusing it for up to `max` seconds; a
// restart clears the penalty table, and the address in PerSourcePenaltyExemptList keeps it from
// coming back. Penalties stay on for everyone else: this never turns PerSourcePenalties off.
//
// Only when the host penalised this client: sshd's log (journal of ssh.service, auth.log,
// secure) must show a penalty refusal of it (`drop connection #N from [ADDR]:P on [B]:22
// penalty: ...`), so a fleet run leaves every host that did not refuse the client untouched.
import { isIP } from 'node:net';
import { quote } from '../shell.js';
import { addrMatchList } from '../formats/addr-match-list.js';
import { isPenaltyLineOf, SSHD_JOURNAL_LAST_HOUR, SSHD_LOG_FILES } from '../formats/sshd-log.js';
import { effectiveValue, planSetKeyword, type ResolvedConfig, type SetKeywordPlan, type FileSource } from '../formats/sshd-config.js';
import type { Facts } from '../facts.js';
import type { ProbeResult } from './module.js';

const KEYWORD = 'PerSourcePenaltyExemptList';
const MAX_LINES = 200;

/** The read-only probe: sshd's recent log lines naming the address (journal: the last hour). */
export function penaltyLogProbe(ip: string): string {
  if (isIP(ip) === 0) throw new Error(`not an IP address: ${JSON.stringify(ip)}`);
  const a = quote(ip);
  return [
    `{ for l in ${SSHD_LOG_FILES.join(' ')}; do [ -r "$l" ] && tail -n 20000 "$l"; done`,
    `command -v journalctl >/dev/null 2>&1 && ${SSHD_JOURNAL_LAST_HOUR}`,
    `} 2>/dev/null | grep -F -e ${quote(`[${ip}]`)} -e ${a} | tail -n ${MAX_LINES}; exit 0`,
  ].join('; ');
}

export type ExemptionPlan =
  | { kind: 'none'; message: string }
  | { kind: 'fail'; message: string }
  | { kind: 'set'; plan: SetKeywordPlan; value: string; message: string };

/** What to do for `ip`, from the facts, the log probe and the resolved configuration. Pure. */
export function planPenaltyExemption(
  ip: string, facts: Facts, log: ProbeResult, config: ResolvedConfig, files: FileSource,
): ExemptionPlan {
  const version = facts.opensshVersionRaw || facts.opensshVersion || 'unknown';
  if (!facts.perSourcePenalties) {
    return { kind: 'none', message: `${KEYWORD}: OpenSSH ${version} has no PerSourcePenalties (since 9.8); nothing to lift` };
  }
  const evidence = log.stdout.split('\n').filter((l) => isPenaltyLineOf(l, ip));
  if (evidence.length === 0) {
    return { kind: 'none', message: `${KEYWORD}: sshd's log shows no penalty of ${ip}; left as is` };
  }
  const opts = { opensshVersion: facts.opensshVersion };
  const ev = effectiveValue(config, KEYWORD, opts);
  const current = ev.directive ? ev.directive.args.join(' ') : 'none';
  const seen = `sshd refused ${ip} for a penalty: ${evidence.at(-1)!.trim().slice(0, 200)}`;
  const verdict = current === 'none' ? 0 : addrMatchList(ip, current);
  if (verdict === 1) return { kind: 'none', message: `${seen}\n${KEYWORD} ${current} already exempts ${ip}; a restart clears the penalty` };
  if (verdict === -1) {
    return { kind: 'fail', message: `${seen}\n${KEYWORD} ${current} excludes ${ip} explicitly (!): not overriding an admin's choice` };
  }
  const value = current === 'none' ? ip : `${current},${ip}`;
  const plan = planSetKeyword(config, files, KEYWORD, value, opts);
  if (plan.status === 'invalid' || plan.status === 'unsupported') return { kind: 'fail', message: plan.reason };
  return { kind: 'set', plan, value, message: `${seen}\n${KEYWORD}: adding ${ip} (${current === 'none' ? 'not set before' : `was ${current}`}); the restart clears the penalty table` };
}
