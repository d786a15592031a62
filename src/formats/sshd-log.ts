// sshd's own log lines that tell lockouts apart. OpenSSH >= 9.8 answers a MaxStartups drop and a
// PerSourcePenalties refusal alike ("Not allowed at this time", or a bare close): only the
// listener's log line says which it was.
//   OpenSSH 9.2:  drop connection #1 from [198.18.0.1]:50022 on [198.18.0.10]:22 past MaxStartups
//   OpenSSH 10.0: drop connection #1 from [198.18.0.1]:50022 on [198.18.0.10]:22 Maxstartups
//                 drop connection #0 from [198.18.0.1]:50022 on [198.18.0.10]:22 penalty: failed authentication
//   libwrap:      refused connect from 198.18.0.1 (198.18.0.1)

/**
 * Where sshd logs, as shell words: the files of the syslog layouts (Debian's auth.log, the Red
 * Hat family's secure) and the journal of either unit name for the last hour. One list, so
 * diagnose and the penalty probe read the same places.
 */
export const SSHD_LOG_FILES = ['/var/log/auth.log', '/var/log/secure'] as const;
export const SSHD_JOURNAL_LAST_HOUR = 'journalctl -q --no-pager -u ssh -u sshd --since -1h </dev/null';

export type DropReason = 'maxstartups' | 'penalty' | 'other';

export interface DropLine {
  reason: DropReason;
  /** The words after the addresses: `past MaxStartups`, `penalty: failed authentication`. */
  detail: string;
  from: { addr: string; port: number };
  on: { addr: string; port: number };
}

const DROP = /drop connection #\d+ from \[([^\]]+)\]:(\d+) on \[([^\]]+)\]:(\d+) (.+?)\s*$/;

/** A listener's drop line, parsed; undefined for any other line. */
export function parseDropLine(line: string): DropLine | undefined {
  const m = DROP.exec(line);
  if (!m) return undefined;
  const detail = m[5]!;
  const reason: DropReason = /^penalty\b/i.test(detail) ? 'penalty' : /maxstartups/i.test(detail) ? 'maxstartups' : 'other';
  return { reason, detail, from: { addr: m[1]!, port: Number(m[2]) }, on: { addr: m[3]!, port: Number(m[4]) } };
}

/** A MaxStartups drop (of anyone: MaxStartups counts every source), or of one address only. */
export const isMaxStartupsDrop = (line: string, addr?: string): boolean => {
  const d = parseDropLine(line);
  return d?.reason === 'maxstartups' && (addr === undefined || d.from.addr === addr);
};

// sshd at LogLevel VERBOSE also logs the penalty itself:
//   srclimit_penalise: ipv4: new 198.18.0.1/32 active penalty of 30 seconds for penalty: ...
const PENALISE = /srclimit_penalise: ipv[46]: (?:new|extending|updating)?\s*([0-9A-Fa-f.:]+)(?:\/\d+)? .*penalty/;

/** A penalty refusal of this address, or the penalty being recorded for it. */
export const isPenaltyLineOf = (line: string, addr: string): boolean => {
  const d = parseDropLine(line);
  if (d) return d.reason === 'penalty' && d.from.addr === addr;
  return PENALISE.exec(line)?.[1] === addr;
};
