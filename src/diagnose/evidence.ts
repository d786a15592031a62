// The server's side of a diagnosis: one read-only POSIX sh script, run in ONE exec over the
// working path, that prints marker-delimited sections, and the parser that turns them into data.
// Nothing here decides anything (that is verdict.ts) and nothing in the script writes: no temp
// files, no signals (liveness is `[ -d /proc/PID ]`, not `kill -0`), no service commands.
//
// Sections: `@@remedy-diagnose@@ begin <name> [arg]` ... `@@remedy-diagnose@@ end <rc>`:
//   whoami              uid the script ran as (root directly, or through `sudo -n` when allowed)
//   facts               FACTS_SCRIPT (OS, init, sshd path, OpenSSH version, libwrap, fail2ban)
//   file PATH           base64 of a file's bytes; rc 0 read, 2 absent, 3 not a regular file, 4 unreadable
//   glob PATTERN        what an sshd_config `Include` pattern matched, one path a line
//   fail2ban            the fail2ban probe of formats/fail2ban.ts (its own markers inside)
//   firewall            the firewall probe of formats/firewall.ts (its own markers inside)
//   pidfile             `<file> <pid> alive|dead` for /run/sshd.pid
//   procs               `<pid> <ppid> <cmdline>` of every process whose command line names sshd
//   listen ss|proc      `ss -Htlnp`, or /proc/net/tcp{,6} when ss is absent
//   established ss      `ss -Htn state established`;  synrecv ss: `ss -Htn state syn-recv`
//   sshd-t              `sshd -t` output and rc;  sshd-T: `sshd -T -C user=,host=,addr=` (Match evaluated)
//   sshd-V              `sshd -V`;  ldd: `ldd sshd | grep libwrap`
//   log PATH / journal  recent lines naming the client, MaxStartups, penalties or libwrap refusals
//                       (auth.log, secure, fail2ban.log, `journalctl -u ssh -u sshd --since -1h`)
//   user                `id USER` (groups, for AllowGroups/DenyGroups)
//   load                /proc/loadavg
//
// Counting unauthenticated connections (what MaxStartups limits): sshd's listener keeps the count
// in its process title (`sshd: /usr/sbin/sshd [listener] 4 of 10-100 startups`, OpenSSH >= 8.2),
// which is sshd's own number and is used when present. Otherwise the listener's children still in
// pre-authentication are counted (`sshd: [accepted]`, `[net]`, `[preauth]`, `unknown`). The
// ESTABLISHED sockets on the sshd port minus logged-in sessions are reported beside it.
import { quote } from '../shell.js';
import { FACTS_SCRIPT, parseFacts, type Facts } from '../facts.js';
import { parseProbe, probeScript, splitProbeSections, type Fail2banProbe } from '../formats/fail2ban.js';
import { firewallProbeScript, parseFirewallProbe, type FirewallProbe } from '../formats/firewall.js';
import { ipFromValue, unmapIp, unmapIpText } from '../formats/ip.js';
import { SSHD_JOURNAL_LAST_HOUR, SSHD_LOG_FILES } from '../formats/sshd-log.js';

export const EVIDENCE_MARK = '@@remedy-diagnose@@';
export const SSHD_CONFIG = '/etc/ssh/sshd_config';
export const HOSTS_ALLOW = '/etc/hosts.allow';
export const HOSTS_DENY = '/etc/hosts.deny';
/** Log lines kept per source (the newest). */
export const MAX_LOG_LINES = 200;

export interface EvidenceRequest {
  /** The client address as the server sees it. */
  clientIp: string;
  /** The login user (for sshd -T's Match evaluation and AllowGroups/DenyGroups). */
  user: string;
  /** sshd's port. */
  port: number;
}

/**
 * The script. Each probe runs in a subshell with stdin closed, so one that exits (the fail2ban
 * probe does when fail2ban is absent) or reads stdin cannot cut the rest short.
 */
export function evidenceScript(req: EvidenceRequest): string {
  const C = quote(req.clientIp);
  const U = quote(req.user);
  const P = String(Math.trunc(req.port));
  const includeRe = `s/^[[:space:]]*[Ii][Nn][Cc][Ll][Uu][Dd][Ee][[:space:]=][[:space:]]*//p`;
  return [
    `LC_ALL=C; export LC_ALL`,
    `PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"; export PATH`,
    `M=${quote(EVIDENCE_MARK)}; C=${C}; U=${U}; P=${P}`,
    `b() { printf '%s begin %s\\n' "$M" "$*"; }`,
    `e() { printf '\\n%s end %s\\n' "$M" "$1"; }`,
    `rf() { b file "$1"; if [ -f "$1" ]; then if [ -r "$1" ]; then base64 < "$1" | tr -d '\\n'; e 0; else e 4; fi; elif [ -e "$1" ]; then e 3; else e 2; fi; }`,
    `b whoami; id -u; e $?`,
    `b facts; (`,
    FACTS_SCRIPT,
    `) </dev/null 2>&1; e $?`,
    `rf ${HOSTS_ALLOW}; rf ${HOSTS_DENY}`,
    `b fail2ban; (`,
    probeScript(),
    `) </dev/null 2>&1; e $?`,
    `b firewall; (`,
    firewallProbeScript(),
    `) </dev/null 2>&1; e $?`,
    `b pidfile; for f in /run/sshd.pid /var/run/sshd.pid; do if [ -r "$f" ]; then p=$(head -n 1 "$f"); if [ -n "$p" ] && [ -d "/proc/$p" ]; then echo "$f $p alive"; else echo "$f $p dead"; fi; break; fi; done; e 0`,
    `b procs; for d in /proc/[0-9]*; do c=$(tr '\\000' ' ' < "$d/cmdline" 2>/dev/null) || continue; case "$c" in *sshd*) printf '%s %s %s\\n' "\${d#/proc/}" "$(cut -d' ' -f4 "$d/stat" 2>/dev/null)" "$c";; esac; done; e 0`,
    `if command -v ss >/dev/null 2>&1; then`,
    `  b listen ss; ss -Htlnp 2>&1; e $?`,
    `  b established ss; ss -Htn state established 2>&1 | head -n 5000; e 0`,
    `  b synrecv ss; ss -Htn state syn-recv 2>&1 | head -n 5000; e 0`,
    `else`,
    `  b listen proc; cat /proc/net/tcp /proc/net/tcp6 2>&1 | head -n 20000; e 0`,
    `fi`,
    `S=$(command -v sshd 2>/dev/null || { [ -x /usr/sbin/sshd ] && echo /usr/sbin/sshd; })`,
    `if [ -n "$S" ]; then`,
    `  b sshd-t; "$S" -t </dev/null 2>&1; e $?`,
    `  b sshd-T; "$S" -T -C "user=$U,host=$C,addr=$C" </dev/null 2>&1; e $?`,
    `  b sshd-V; "$S" -V </dev/null 2>&1 | head -n 3; e 0`,
    `  b ldd; ldd "$S" 2>&1 | grep -i libwrap; e $?`,
    `fi`,
    // sshd_config and everything it includes, globs expanded here as sshd would (C locale order).
    `n=0; seen=' '`,
    `cf() {`,
    `  case "$seen" in *" $1 "*) return 0;; esac`,
    `  seen="$seen$1 "; n=$((n+1)); [ "$n" -gt 64 ] && return 0`,
    `  rf "$1"`,
    `  [ -f "$1" ] && [ -r "$1" ] || return 0`,
    `  set -f`,
    `  for pat in $(sed -n '${includeRe}' "$1"); do`,
    `    set +f`,
    `    case "$pat" in /*) ;; "~"*) continue;; *) pat="/etc/ssh/$pat";; esac`,
    `    b glob "$pat"; for g in $pat; do [ -e "$g" ] && printf '%s\\n' "$g"; done; e 0`,
    `    for g in $pat; do [ -e "$g" ] && cf "$g"; done`,
    `    set -f`,
    `  done`,
    `  set +f; return 0`,
    `}`,
    `cf ${SSHD_CONFIG}`,
    `for l in ${SSHD_LOG_FILES.join(' ')} /var/log/fail2ban.log; do`,
    `  [ -r "$l" ] || continue`,
    `  b log "$l"; tail -n 20000 "$l" 2>/dev/null | grep -F -e "$C" -e MaxStartups -e penalt -e 'refused connect' | tail -n ${MAX_LOG_LINES}; e 0`,
    `done`,
    `if command -v journalctl >/dev/null 2>&1; then`,
    `  b journal; ${SSHD_JOURNAL_LAST_HOUR} 2>/dev/null | grep -F -e "$C" -e MaxStartups -e penalt -e 'refused connect' | tail -n ${MAX_LOG_LINES}; e 0`,
    `fi`,
    `b user; id "$U" 2>&1; e $?`,
    `b load; cat /proc/loadavg 2>&1; e $?`,
    '',
  ].join('\n');
}

/**
 * The command that runs the script (sent on stdin): as root directly; otherwise through
 * `sudo -n` when sudo lets the user in without a password (firewall and fail2ban need root);
 * else as the user, and the sections that need root say so.
 */
export const EVIDENCE_COMMAND = `sh -c ${quote(
  `s=$(cat); if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null 2>&1 && sudo -n true </dev/null >/dev/null 2>&1; then printf '%s\\n' "$s" | sudo -n sh -c 's=$(cat); eval "$s"'; else eval "$s"; fi`,
)}`;

// ---------------------------------------------------------------------------------------------
// Parsed evidence

export type FileRead =
  | { state: 'file'; text: string }
  | { state: 'absent' }
  | { state: 'not-a-file' }
  | { state: 'unreadable' };

export interface SshdProcess {
  pid: number;
  ppid: number;
  cmdline: string;
}

export interface SocketRow {
  local: { addr: string; port: number };
  peer?: { addr: string; port: number };
  /** `users:(("sshd",pid=24,fd=4))` when ss printed it. */
  process?: string;
  pid?: number;
}

export interface ServerEvidence {
  /** uid the script ran as; -1 when unknown. */
  uid: number;
  facts: Facts;
  /** Files read: hosts.allow, hosts.deny, sshd_config and its includes. */
  files: Map<string, FileRead>;
  /** Include patterns and what each matched on the host. */
  globs: Map<string, string[]>;
  fail2ban: Fail2banProbe;
  firewall: FirewallProbe;
  sshd: {
    pidfile?: { path: string; pid: number; alive: boolean };
    processes: SshdProcess[];
    /** The daemon accepting connections (title `[listener]`, or the pidfile's live process). */
    listener?: SshdProcess;
    /** From the listener's title: `N of S-F startups`. */
    startupsTitle?: { now: number; start: number; full: number };
    /** Children of the listener still authenticating (fallback count). */
    preauth: SshdProcess[];
    /** Logged-in sessions (`sshd: user@tty`). */
    sessions: SshdProcess[];
  };
  /** 'ss' or 'proc': where the socket tables came from; undefined when neither printed. */
  socketSource?: 'ss' | 'proc';
  listening: SocketRow[];
  established: SocketRow[];
  synRecv: SocketRow[];
  sshdTest?: { rc: number | undefined; output: string };
  /** `sshd -T` (Match evaluated for the client and user): keyword (lower case) -> value(s). */
  sshdEffective?: { rc: number | undefined; values: Map<string, string[]>; output: string };
  sshdVersionText?: string;
  /** `ldd sshd | grep libwrap` line, '' when not linked. */
  libwrapLine?: string;
  logs: Array<{ source: string; lines: string[] }>;
  /** Groups of the login user (`id USER`); undefined when unknown. */
  userGroups?: string[];
  userIdLine?: string;
  loadavg?: string;
  problems: string[];
}

function parsePort(text: string): number | undefined {
  return /^\d+$/.test(text) ? Number(text) : undefined;
}

/** `1.2.3.4:22`, `[::]:22`, `[::ffff:1.2.3.4]:22`, `*:22`, `0.0.0.0%lo:22`. */
export function splitHostPort(token: string): { addr: string; port: number } | undefined {
  const m = /^(.*):(\d+)$/.exec(token);
  if (!m) return undefined;
  let addr = m[1]!;
  if (addr.startsWith('[') && addr.endsWith(']')) addr = addr.slice(1, -1);
  addr = unmapIpText(addr.replace(/%[^%]*$/, ''));
  const port = parsePort(m[2]!);
  return port === undefined ? undefined : { addr, port };
}

/** Rows of `ss -Htn ...` / `ss -Htlnp`: the first two host:port tokens are local and peer. */
export function parseSsRows(text: string): SocketRow[] {
  const rows: SocketRow[] = [];
  for (const line of text.split('\n')) {
    const words = line.trim().split(/\s+/);
    const eps = words.map((w) => (w.includes('users:') ? undefined : splitHostPort(w)));
    const idx = eps.findIndex((x) => x !== undefined);
    if (idx < 0) continue;
    const row: SocketRow = { local: eps[idx]! };
    const peerTok = words[idx + 1];
    const peer = peerTok ? splitHostPort(peerTok) : undefined;
    if (peer) row.peer = peer;
    const users = words.find((w) => w.startsWith('users:'));
    if (users) {
      row.process = users;
      const pid = /pid=(\d+)/.exec(users);
      if (pid) row.pid = Number(pid[1]);
    }
    rows.push(row);
  }
  return rows;
}

/** /proc/net/tcp{,6} address: 32-bit words in host (little-endian) byte order; IPv4-mapped shown as IPv4. */
function hexToAddr(hex: string): string {
  if (!/^(?:[0-9A-Fa-f]{8}|[0-9A-Fa-f]{32})$/.test(hex)) return hex;
  const bytes = hex.match(/.{8}/g)!.flatMap((word) => word.match(/../g)!.reverse());
  return unmapIp(ipFromValue(hex.length === 8 ? 4 : 6, BigInt(`0x${bytes.join('')}`))).text;
}

/** /proc/net/tcp{,6} rows by state: 0A listen, 01 established, 03 SYN_RECV. */
export function parseProcNetTcp(text: string): { listening: SocketRow[]; established: SocketRow[]; synRecv: SocketRow[] } {
  const out = { listening: [] as SocketRow[], established: [] as SocketRow[], synRecv: [] as SocketRow[] };
  for (const line of text.split('\n')) {
    const w = line.trim().split(/\s+/);
    if (!/^\d+:$/.test(w[0] ?? '')) continue;
    const [la, lp] = (w[1] ?? '').split(':');
    const [ra, rp] = (w[2] ?? '').split(':');
    if (!la || !lp || !ra || !rp) continue;
    const row: SocketRow = {
      local: { addr: hexToAddr(la), port: parseInt(lp, 16) },
      peer: { addr: hexToAddr(ra), port: parseInt(rp, 16) },
    };
    const st = w[3];
    if (st === '0A') out.listening.push({ local: row.local });
    else if (st === '01') out.established.push(row);
    else if (st === '03') out.synRecv.push(row);
  }
  return out;
}

/** `sshd -T` output: keyword -> every value line (some keywords repeat: listenaddress, hostkey). */
export function parseSshdT(text: string): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const t = /^([a-z0-9]+) (.*)$/.exec(line.trim());
    if (!t) continue;
    const list = m.get(t[1]!) ?? [];
    list.push(t[2]!);
    m.set(t[1]!, list);
  }
  return m;
}

function parseProcs(text: string): SshdProcess[] {
  const out: SshdProcess[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\d+) (\d*) (.*)$/.exec(line);
    if (!m) continue;
    const cmdline = m[3]!.trim();
    // Our own probe's shell lines mention sshd only in their text; keep sshd processes.
    if (!/^(\S*\/)?sshd\b|^sshd:/.test(cmdline)) continue;
    out.push({ pid: Number(m[1]), ppid: m[2] ? Number(m[2]) : 0, cmdline });
  }
  return out;
}

const PREAUTH = /\[(accepted|net|preauth)\]|^sshd: unknown\b/;
const SESSION = /^sshd: \S+@\S+/;

/** `id USER`: `uid=0(root) gid=0(root) groups=0(root),4(adm)` -> ['root', 'adm']. */
export function parseIdGroups(text: string): string[] | undefined {
  const m = /groups=(\S+)/.exec(text);
  if (!m) return undefined;
  return [...m[1]!.matchAll(/\d+\(([^)]+)\)/g)].map((x) => x[1]!);
}

/** Read the script's output. Never throws: what cannot be read lands in `problems`. */
export function parseEvidence(output: string): ServerEvidence {
  const { sections } = splitProbeSections(output, EVIDENCE_MARK);
  const ev: ServerEvidence = {
    uid: -1,
    facts: parseFacts(''),
    files: new Map(),
    globs: new Map(),
    fail2ban: { installed: false, running: false, jails: [], status: {}, ignoreIp: {}, problems: ['no fail2ban section'] },
    firewall: { present: [], problems: [] },
    sshd: { processes: [], preauth: [], sessions: [] },
    listening: [],
    established: [],
    synRecv: [],
    logs: [],
    problems: [],
  };
  if (sections.length === 0) ev.problems.push('the evidence script printed no sections');
  for (const s of sections) {
    switch (s.name) {
      case 'whoami':
        if (/^\d+$/.test(s.output.trim())) ev.uid = Number(s.output.trim());
        break;
      case 'facts':
        ev.facts = parseFacts(s.output);
        break;
      case 'file': {
        const path = s.arg ?? '';
        if (s.rc === 0) ev.files.set(path, { state: 'file', text: Buffer.from(s.output.trim(), 'base64').toString('utf8') });
        else if (s.rc === 2) ev.files.set(path, { state: 'absent' });
        else if (s.rc === 3) ev.files.set(path, { state: 'not-a-file' });
        else {
          ev.files.set(path, { state: 'unreadable' });
          ev.problems.push(`${path}: cannot be read (run diagnose as root or with passwordless sudo)`);
        }
        break;
      }
      case 'glob':
        ev.globs.set(s.arg ?? '', s.output.split('\n').filter((l) => l !== ''));
        break;
      case 'fail2ban':
        ev.fail2ban = parseProbe(s.output);
        break;
      case 'firewall':
        ev.firewall = parseFirewallProbe(s.output);
        break;
      case 'pidfile': {
        const m = /^(\S+) (\d*) (alive|dead)$/m.exec(s.output);
        if (m) ev.sshd.pidfile = { path: m[1]!, pid: m[2] ? Number(m[2]) : 0, alive: m[3] === 'alive' };
        break;
      }
      case 'procs':
        ev.sshd.processes = parseProcs(s.output);
        break;
      case 'listen':
        if (s.arg === 'proc') {
          const t = parseProcNetTcp(s.output);
          Object.assign(ev, { listening: t.listening, established: t.established, synRecv: t.synRecv, socketSource: 'proc' });
        } else {
          ev.socketSource = 'ss';
          ev.listening = parseSsRows(s.output);
        }
        break;
      case 'established':
        ev.established = parseSsRows(s.output);
        break;
      case 'synrecv':
        ev.synRecv = parseSsRows(s.output);
        break;
      case 'sshd-t':
        ev.sshdTest = { rc: s.rc, output: s.output };
        break;
      case 'sshd-T':
        ev.sshdEffective = { rc: s.rc, values: s.rc === 0 ? parseSshdT(s.output) : new Map(), output: s.rc === 0 ? '' : s.output };
        break;
      case 'sshd-V':
        ev.sshdVersionText = s.output.trim();
        break;
      case 'ldd':
        ev.libwrapLine = s.output.trim();
        break;
      case 'log':
      case 'journal': {
        const lines = s.output.split('\n').filter((l) => l.trim() !== '' && !/^-- No entries --$/.test(l));
        ev.logs.push({ source: s.name === 'journal' ? 'journalctl -u ssh -u sshd' : (s.arg ?? 'log'), lines });
        break;
      }
      case 'user':
        ev.userIdLine = s.output.trim();
        if (s.rc === 0) {
          const g = parseIdGroups(s.output);
          if (g) ev.userGroups = g;
        }
        break;
      case 'load':
        if (s.rc === 0) ev.loadavg = s.output.trim();
        break;
    }
  }
  // The listener: the process titled [listener], else the pidfile's live process.
  const procs = ev.sshd.processes;
  const byTitle = procs.find((p) => /\[listener\]/.test(p.cmdline));
  const byPid = ev.sshd.pidfile?.alive ? procs.find((p) => p.pid === ev.sshd.pidfile!.pid) : undefined;
  const listener = byTitle ?? byPid;
  if (listener) {
    ev.sshd.listener = listener;
    const t = /\[listener\] (\d+) of (\d+)-(\d+) startups/.exec(listener.cmdline);
    if (t) ev.sshd.startupsTitle = { now: Number(t[1]), start: Number(t[2]), full: Number(t[3]) };
    ev.sshd.preauth = procs.filter((p) => p.ppid === listener.pid && PREAUTH.test(p.cmdline));
  }
  ev.sshd.sessions = procs.filter((p) => SESSION.test(p.cmdline));
  return ev;
}

/** sshd_config and its includes as resolveConfig wants them: a reader and a glob function. */
export function configSource(ev: ServerEvidence): { read: (p: string) => string | undefined; glob: (pattern: string) => string[] } {
  return {
    read: (p) => {
      const f = ev.files.get(p);
      return f?.state === 'file' ? f.text : undefined;
    },
    glob: (pattern) => ev.globs.get(pattern) ?? [],
  };
}
