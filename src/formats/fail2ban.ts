// fail2ban-client: parse what it prints, and plan the commands that lift a ban or whitelist an
// address at run time. Pure functions; nothing here runs a command.
//
// Output formats were checked against fail2ban's own source (client/beautifier.py,
// server/server.py, server/transmitter.py, version.py) and captured from fail2ban 1.0.2:
//   fail2ban-client --version   `Fail2Ban v1.0.2` (since 0.10.4; before, followed by copyright lines)
//   fail2ban-client -V          `1.0.2` (normVersion(): `.dev` → `.`, `.fix` dropped; since 0.10.4)
//   fail2ban-client status      "Status\n|- Number of jail:\t2\n`- Jail list:\trecidive, sshd"
//   fail2ban-client status J    tree of "key:\tvalue" lines; `Banned IP list:` space separated
//                                (0.8 printed it as `|  `- IP list:` under `Currently banned`)
//   fail2ban-client banned      Python repr of [{'sshd': ['1.2.3.4']}, {'recidive': []}]
//   fail2ban-client banned IP.. Python repr of [['sshd', 'recidive'], []] (one list per IP)
//   fail2ban-client get J ignoreip  "These IP addresses/networks are ignored:\n|- a\n`- b"
// Command availability (ChangeLog): `set J unbanip IP` everywhere; `unban IP...` and
// `unban --all` since 0.10.0; `banned` since 0.10.6/0.11.2 (fail2ban commit 54b2208, gh-2725).

import semver from 'semver';
import { quoteArgv } from '../shell.js';
import { RemedyError } from '../errors.js';
import { canonicalIp, entryCovers, parseIp, parseNet, netContains } from './ip.js';

/** fail2ban printed something remedy cannot read (server down, unknown jail, new format). */
export class Fail2banOutputError extends RemedyError {
  override name = 'Fail2banOutputError';
  constructor(
    readonly what: string,
    readonly output: string,
  ) {
    const first = output.trim().split('\n').slice(-1)[0] ?? '';
    super(`cannot read fail2ban-client ${what} output${first ? `: ${first.slice(0, 200)}` : ' (empty)'}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Version

/**
 * The fail2ban version as semver `x.y.z` from `fail2ban-client --version` or `-V` output
 * (`Fail2Ban v0.10.2`, `Fail2Ban v0.9.1` + copyright lines, `1.0.2`, `1.0.3.dev1`, `1.1.0.1`).
 * Development and `.fix` suffixes are dropped: feature checks only need major.minor.patch.
 * Undefined when no version is printed.
 */
export function parseFail2banVersion(text: string): string | undefined {
  const named = /fail2ban\s+v?(\d+)\.(\d+)(?:\.(\d+))?/i.exec(text);
  const bare = /^\s*v?(\d+)\.(\d+)(?:\.(\d+))?(?:\.(?:dev|fix)?\d+)*\s*$/m.exec(text);
  const m = named ?? bare;
  if (!m) return undefined;
  return `${Number(m[1])}.${Number(m[2])}.${Number(m[3] ?? 0)}`;
}

/** Which client commands a version has. Unknown version → only what every version since 0.8 has. */
export function fail2banFeatures(version?: string | null): { unban: boolean; banned: boolean } {
  const v = version ? semver.coerce(version)?.version : undefined;
  if (!v) return { unban: false, banned: false };
  return {
    unban: semver.gte(v, '0.10.0'),
    banned: semver.gte(v, '0.11.2') || (semver.gte(v, '0.10.6') && semver.lt(v, '0.11.0')),
  };
}

// ---------------------------------------------------------------------------------------------
// status, status <jail>, get <jail> ignoreip

/** "key:\tvalue" lines of the beautifier's tree, with the `|- `, `` `- `` and `|  ` prefixes removed. */
function treeFields(output: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const raw of output.split(/\r?\n/)) {
    const line = raw.replace(/^[\s|`-]*/, '');
    const m = /^([^:\t]+):[ \t]*(.*)$/.exec(line);
    if (m) out.push([m[1]!.trim(), m[2]!.trim()]);
  }
  return out;
}

/** Jail names from `fail2ban-client status` (`` `- Jail list:\tsshd, recidive ``). Throws if absent. */
export function parseJailList(statusOutput: string): string[] {
  const field = treeFields(statusOutput).find(([k]) => /^jail list$/i.test(k));
  if (!field) throw new Fail2banOutputError('status', statusOutput);
  return field[1]
    .split(',')
    .map((j) => j.trim())
    .filter((j) => j !== '');
}

export interface JailStatus {
  jail?: string;
  currentlyFailed?: number;
  totalFailed?: number;
  currentlyBanned: number;
  totalBanned: number;
  bannedIps: string[];
}

/**
 * `fail2ban-client status <jail>`: counts and the banned list (`Banned IP list:` since 0.9,
 * `IP list:` in 0.8). The list is space separated and may be empty. Throws on anything else
 * (unknown jail, server not running).
 */
export function parseJailStatus(output: string): JailStatus {
  const fields = treeFields(output);
  const get = (re: RegExp) => fields.find(([k]) => re.test(k))?.[1];
  const num = (re: RegExp) => {
    const v = get(re);
    return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
  };
  const currentlyBanned = num(/^currently banned$/i);
  const totalBanned = num(/^total banned$/i);
  const list = get(/^(banned )?ip list$/i);
  if (currentlyBanned === undefined || totalBanned === undefined || list === undefined) {
    throw new Fail2banOutputError('status <jail>', output);
  }
  const st: JailStatus = {
    currentlyBanned,
    totalBanned,
    bannedIps: list.split(/\s+/).filter((x) => x !== ''),
  };
  const jail = get(/^status for the jail$/i);
  if (jail) st.jail = jail;
  const cf = num(/^currently failed$/i);
  const tf = num(/^total failed$/i);
  if (cf !== undefined) st.currentlyFailed = cf;
  if (tf !== undefined) st.totalFailed = tf;
  return st;
}

/** `fail2ban-client get <jail> ignoreip`: the entries, [] for "No IP address/network is ignored". */
export function parseIgnoreIpList(output: string): string[] {
  const t = output.trim();
  if (/^No IP address\/network is ignored/m.test(t)) return [];
  if (!/These IP addresses\/networks are ignored:/.test(t)) throw new Fail2banOutputError('get <jail> ignoreip', output);
  const out: string[] = [];
  for (const line of t.split(/\r?\n/)) {
    const m = /^[|`]- (.*)$/.exec(line.trim());
    if (m) out.push(m[1]!.trim());
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// banned: Python literals

type PyValue = string | number | boolean | null | PyValue[] | { [k: string]: PyValue };

/** A reader for the subset of Python's repr() that fail2ban prints: lists, dicts, str, int, None. */
function parsePython(text: string): PyValue {
  let i = 0;
  const ws = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  const fail = (): never => {
    throw new Error(`unexpected ${JSON.stringify(text.slice(i, i + 20))} at ${i}`);
  };
  const value = (): PyValue => {
    ws();
    const c = text[i];
    if (c === '[' || c === '(') {
      const close = c === '[' ? ']' : ')';
      i++;
      const arr: PyValue[] = [];
      ws();
      while (text[i] !== close) {
        arr.push(value());
        ws();
        if (text[i] === ',') i++;
        else if (text[i] !== close) fail();
        ws();
      }
      i++;
      return arr;
    }
    if (c === '{') {
      i++;
      const obj: Record<string, PyValue> = {};
      ws();
      while (text[i] !== '}') {
        const k = value();
        ws();
        if (text[i] !== ':') fail();
        i++;
        obj[String(k)] = value();
        ws();
        if (text[i] === ',') i++;
        else if (text[i] !== '}') fail();
        ws();
      }
      i++;
      return obj;
    }
    if (c === "'" || c === '"') {
      i++;
      let s = '';
      while (i < text.length && text[i] !== c) {
        if (text[i] === '\\') {
          const n = text[++i];
          const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"' };
          if (n !== undefined && simple[n] !== undefined) {
            s += simple[n];
            i++;
          } else if (n === 'x' || n === 'u' || n === 'U') {
            const len = n === 'x' ? 2 : n === 'u' ? 4 : 8;
            s += String.fromCodePoint(parseInt(text.slice(i + 1, i + 1 + len), 16));
            i += 1 + len;
          } else fail();
        } else s += text[i++];
      }
      if (text[i] !== c) fail();
      i++;
      return s;
    }
    const m = /^(-?\d+(?:\.\d+)?|None|True|False)/.exec(text.slice(i));
    if (!m) return fail();
    i += m[1]!.length;
    return m[1] === 'None' ? null : m[1] === 'True' ? true : m[1] === 'False' ? false : Number(m[1]);
  };
  const v = value();
  ws();
  if (i !== text.length) fail();
  return v;
}

export type BannedOutput =
  /** `banned`: every jail (in the server's order) with its banned IDs. */
  | { kind: 'by-jail'; byJail: Record<string, string[]>; jails: string[] }
  /** `banned <ip> ...`: for each IP asked about, the jails banning it. */
  | { kind: 'by-ip'; jailsPerIp: string[][] };

/**
 * `fail2ban-client banned` (`[{'sshd': ['1.2.3.4']}, {'recidive': []}]`) or `banned <ip>...`
 * (`[['sshd', 'recidive']]`). `[]` (no jails) reads as an empty by-jail answer. Throws on
 * anything that is not such a literal (old fail2ban: "Invalid command", server down).
 */
export function parseBanned(output: string): BannedOutput {
  const line = output
    .split(/\r?\n/)
    .map((l) => l.trim())
    .find((l) => l.startsWith('['));
  let v: PyValue;
  try {
    if (line === undefined) throw new Error('no list');
    v = parsePython(line);
  } catch {
    throw new Fail2banOutputError('banned', output);
  }
  if (!Array.isArray(v)) throw new Fail2banOutputError('banned', output);
  const strs = (x: PyValue): string[] | undefined =>
    Array.isArray(x) && x.every((e) => typeof e === 'string') ? (x as string[]) : undefined;
  if (v.every((e) => Array.isArray(e))) {
    if (v.length === 0) return { kind: 'by-jail', byJail: {}, jails: [] };
    const lists = v.map(strs);
    if (lists.every((l) => l !== undefined)) return { kind: 'by-ip', jailsPerIp: lists as string[][] };
  }
  const byJail: Record<string, string[]> = {};
  const jails: string[] = [];
  for (const e of v) {
    if (e === null || typeof e !== 'object' || Array.isArray(e)) throw new Fail2banOutputError('banned', output);
    for (const [jail, ids] of Object.entries(e)) {
      const l = strs(ids);
      if (!l) throw new Fail2banOutputError('banned', output);
      byJail[jail] = l;
      jails.push(jail);
    }
  }
  return { kind: 'by-jail', byJail, jails };
}

// ---------------------------------------------------------------------------------------------
// Planning

const CLIENT = 'fail2ban-client';

/** A ban ID (fail2ban may ban a subnet or any string) that covers the address. */
export function banCovers(bannedId: string, ip: string): boolean {
  const a = parseIp(ip);
  if (!a) return false;
  if (canonicalIp(bannedId) !== undefined) return canonicalIp(bannedId) === canonicalIp(ip);
  const n = parseNet(bannedId);
  return !!n && netContains(n, a);
}

export interface PlanUnbanOptions {
  /** Version from parseFail2banVersion; undefined when unknown. */
  version?: string | undefined;
  /** Jails whose ban list holds the address (see jailsBanning). */
  jailsBanning: string[];
  /** The address (or the exact banned ID, e.g. a subnet fail2ban banned) to lift. */
  ip: string;
  /** Only touch these jails. */
  jails?: string[] | undefined;
}

/**
 * Commands that lift the ban, as shell text.
 *
 * Choice: when no restriction is given and the version is known to be ≥ 0.10, one
 * `fail2ban-client unban <ip>`: it lifts the ban in every jail and in the database in one go,
 * including a jail (typically recidive) that banned the address after the probe ran.
 * Otherwise (restricted to some jails, version unknown or older) one
 * `fail2ban-client set <jail> unbanip <ip>` per jail that bans it: understood by every version
 * since 0.8 and touches nothing else. Both also delete the ban from the database, so it does not
 * come back on restart; neither ever touches the firewall directly.
 * Empty when no (selected) jail bans the address.
 */
export function planUnban(opts: PlanUnbanOptions): string[] {
  if (!parseNet(opts.ip)) throw new Error(`not an IP address or network: ${JSON.stringify(opts.ip)}`);
  const restrict = opts.jails;
  const targets = [...new Set(opts.jailsBanning)].filter((j) => !restrict || restrict.includes(j));
  if (targets.length === 0) return [];
  if (!restrict && fail2banFeatures(opts.version).unban) return [quoteArgv([CLIENT, 'unban', opts.ip])];
  return targets.map((j) => quoteArgv([CLIENT, 'set', j, 'unbanip', opts.ip]));
}

export interface PlanAddIgnoreIpOptions {
  jails: string[];
  ip: string;
  /** Each jail's current list (from `get <jail> ignoreip`); a missing jail counts as empty. */
  currentIgnore: Record<string, string[]>;
}

/**
 * `fail2ban-client set <jail> addignoreip <ip>` for each jail whose ignore list does not already
 * cover the address (same address in any spelling, or a network containing it). Hostname entries
 * are not resolved, so they never count as covering. Run-time only: the lasting whitelist is
 * jail.local (see jail-conf.ts).
 */
export function planAddIgnoreIp(opts: PlanAddIgnoreIpOptions): string[] {
  if (!parseIp(opts.ip)) throw new Error(`not an IP address: ${JSON.stringify(opts.ip)}`);
  const out: string[] = [];
  for (const jail of [...new Set(opts.jails)]) {
    const cur = opts.currentIgnore[jail] ?? [];
    if (cur.some((e) => entryCovers(e, opts.ip))) continue;
    out.push(quoteArgv([CLIENT, 'set', jail, 'addignoreip', opts.ip]));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Probe: one read-only script, sections between marker lines

export const PROBE_MARK = '@@remedy-fail2ban@@';

/**
 * The read-only commands the planner needs, for a known jail list: the version, the jail list,
 * each jail's status and run-time ignore list, and `banned` where the version has it (or when the
 * version is unknown: its failure is harmless and recorded).
 */
export function probeCommands(version?: string, jails: string[] = []): string[] {
  const cmds = [quoteArgv([CLIENT, '--version']), quoteArgv([CLIENT, 'status'])];
  for (const j of jails) {
    cmds.push(quoteArgv([CLIENT, 'status', j]), quoteArgv([CLIENT, 'get', j, 'ignoreip']));
  }
  if (!version || fail2banFeatures(version).banned) cmds.push(quoteArgv([CLIENT, 'banned']));
  return cmds;
}

/**
 * One POSIX sh script running probeCommands for every jail the server reports. Each command's
 * output (stdout and stderr) sits between `@@remedy-fail2ban@@ begin <section> [jail]` and
 * `@@remedy-fail2ban@@ end <exit code>`; `@@remedy-fail2ban@@ absent` alone means no
 * fail2ban-client on the host. Read with parseProbe.
 */
export function probeScript(version?: string): string {
  const c = quoteArgv([CLIENT]);
  const lines = [
    `M=${quoteArgv([PROBE_MARK])}`,
    `b() { printf '%s begin %s\\n' "$M" "$*"; }`,
    `e() { printf '\\n%s end %s\\n' "$M" "$1"; }`,
    `if ! command -v ${c} >/dev/null 2>&1; then printf '%s absent\\n' "$M"; exit 0; fi`,
    `b version; ${c} --version 2>&1; e $?`,
    `b status; st=$(${c} status 2>&1); rc=$?; printf '%s\\n' "$st"; e $rc`,
    `if [ "$rc" -eq 0 ]; then`,
    `  for j in $(printf '%s\\n' "$st" | sed -n 's/^.*Jail list:[[:space:]]*//p' | tr ',' ' '); do`,
    `    b jail-status "$j"; ${c} status "$j" 2>&1; e $?`,
    `    b jail-ignoreip "$j"; ${c} get "$j" ignoreip 2>&1; e $?`,
    `  done`,
  ];
  if (!version || fail2banFeatures(version).banned) lines.push(`  b banned; ${c} banned 2>&1; e $?`);
  lines.push('fi', '');
  return lines.join('\n');
}

/**
 * `banned` asked straight on fail2ban's control socket, the way fail2ban-client does (a pickled
 * argument list ended by <F2B_END_COMMAND>; the answer a pickled (code, value)); it prints what
 * `fail2ban-client banned` prints, the value's repr. fail2ban-client imports most of fail2ban
 * before it connects: 51 ms of host CPU against 17 ms here, on every host of a fleet. Exits
 * non-zero without output on any problem (socket elsewhere, old server), and the caller then
 * asks fail2ban-client itself.
 */
export const SOCKET_BANNED_PY = [
  'import pickle, socket, sys',
  "E = b'<F2B_END_COMMAND>'",
  's = socket.socket(socket.AF_UNIX)',
  's.settimeout(10)',
  "s.connect('/var/run/fail2ban/fail2ban.sock')",
  "s.sendall(pickle.dumps(['banned'], pickle.HIGHEST_PROTOCOL) + E)",
  "m = b''",
  'while m.rfind(E, -32) == -1:',
  '    c = s.recv(32768)',
  '    if not c: sys.exit(2)',
  '    m += c',
  'r = pickle.loads(m)',
  "s.sendall(b'<F2B_CLOSE_COMMAND>' + E)",
  'if r[0] != 0 or not isinstance(r[1], list): sys.exit(1)',
  'print(r[1])',
].join('\n');

/**
 * The cheap probe for unbanning: every fail2ban-client call starts a Python interpreter that
 * imports fail2ban, so it asks `banned` alone — one question that lists every jail and its bans
 * on servers that have it, on the socket directly when it can (SOCKET_BANNED_PY) — and falls
 * back to probeScript's jail-by-jail status otherwise (older server, or a server that is down).
 * No run-time ignore lists: ask probeScript for those.
 */
export function quickProbeScript(): string {
  const c = quoteArgv([CLIENT]);
  return [
    `M=${quoteArgv([PROBE_MARK])}`,
    `b() { printf '%s begin %s\\n' "$M" "$*"; }`,
    `e() { printf '\\n%s end %s\\n' "$M" "$1"; }`,
    `if ! command -v ${c} >/dev/null 2>&1; then printf '%s absent\\n' "$M"; exit 0; fi`,
    `b banned; { command -v python3 >/dev/null 2>&1 && python3 -I -S -c ${quoteArgv([SOCKET_BANNED_PY])} 2>/dev/null || ${c} banned 2>&1; }; rc=$?; e $rc`,
    `[ "$rc" -eq 0 ] && exit 0`,
    `b version; ${c} --version 2>&1; e $?`,
    `b status; st=$(${c} status 2>&1); rc=$?; printf '%s\\n' "$st"; e $rc`,
    `if [ "$rc" -eq 0 ]; then`,
    `  for j in $(printf '%s\\n' "$st" | sed -n 's/^.*Jail list:[[:space:]]*//p' | tr ',' ' '); do`,
    `    b jail-status "$j"; ${c} status "$j" 2>&1; e $?`,
    `  done`,
    'fi',
    '',
  ].join('\n');
}

export interface ProbeSection {
  name: string;
  arg?: string;
  output: string;
  rc: number | undefined;
}

/** Split marker-delimited probe output into sections (shared with the firewall probe). */
export function splitProbeSections(output: string, mark: string): { absent: boolean; sections: ProbeSection[] } {
  const sections: ProbeSection[] = [];
  let cur: { name: string; arg?: string; lines: string[] } | undefined;
  let absent = false;
  const close = (rc: number | undefined) => {
    if (!cur) return;
    const text = cur.lines.join('\n').replace(/\n+$/, '');
    const s: ProbeSection = { name: cur.name, output: text, rc };
    if (cur.arg !== undefined) s.arg = cur.arg;
    sections.push(s);
    cur = undefined;
  };
  for (const raw of output.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (line.startsWith(mark + ' ')) {
      const words = line.slice(mark.length + 1).split(' ');
      if (words[0] === 'begin') {
        close(undefined);
        cur = { name: words[1] ?? '', lines: [] };
        if (words.length > 2) cur.arg = words.slice(2).join(' ');
      } else if (words[0] === 'end') {
        close(/^\d+$/.test(words[1] ?? '') ? Number(words[1]) : undefined);
      } else if (words[0] === 'absent') absent = true;
      continue;
    }
    cur?.lines.push(line);
  }
  close(undefined);
  return { absent, sections };
}

export interface Fail2banProbe {
  /** fail2ban-client exists on the host. */
  installed: boolean;
  version?: string;
  /** The server answered `status`. */
  running: boolean;
  jails: string[];
  status: Record<string, JailStatus>;
  ignoreIp: Record<string, string[]>;
  /** From `banned`, when the version has it. */
  banned?: Record<string, string[]>;
  /** What could not be read, in words. */
  problems: string[];
}

/** Read probeScript's output. Never throws: what cannot be read lands in `problems`. */
export function parseProbe(output: string): Fail2banProbe {
  const { absent, sections } = splitProbeSections(output, PROBE_MARK);
  const probe: Fail2banProbe = { installed: !absent, running: false, jails: [], status: {}, ignoreIp: {}, problems: [] };
  if (absent) return probe;
  if (sections.length === 0) {
    probe.installed = false;
    probe.problems.push('probe printed no sections');
    return probe;
  }
  const attempt = (what: string, fn: () => void) => {
    try {
      fn();
    } catch (e) {
      probe.problems.push(`${what}: ${(e as Error).message}`);
    }
  };
  for (const s of sections) {
    switch (s.name) {
      case 'version': {
        const v = parseFail2banVersion(s.output);
        if (v) probe.version = v;
        else probe.problems.push(`version: no version in ${JSON.stringify(s.output.slice(0, 100))}`);
        break;
      }
      case 'status':
        attempt('status', () => {
          probe.jails = parseJailList(s.output);
          probe.running = s.rc === 0 || s.rc === undefined;
        });
        break;
      case 'jail-status':
        attempt(`status ${s.arg}`, () => {
          probe.status[s.arg ?? ''] = parseJailStatus(s.output);
        });
        break;
      case 'jail-ignoreip':
        attempt(`get ${s.arg} ignoreip`, () => {
          probe.ignoreIp[s.arg ?? ''] = parseIgnoreIpList(s.output);
        });
        break;
      case 'banned':
        if (s.rc !== 0 && s.rc !== undefined) break; // older server: no such command
        attempt('banned', () => {
          const b = parseBanned(s.output);
          if (b.kind === 'by-jail') probe.banned = b.byJail;
          // `banned` answered, so the server runs; without a `status` section its jails are these.
          if (b.kind === 'by-jail' && !sections.some((x) => x.name === 'status')) {
            probe.running = true;
            probe.jails = Object.keys(b.byJail);
          }
        });
        break;
    }
  }
  return probe;
}

/**
 * The jails whose ban list covers the address, each with the banned ID that does (the address
 * itself, in fail2ban's spelling, or a subnet fail2ban banned). Uses `banned` when the probe has
 * it, each jail's status otherwise.
 */
export function bansCovering(probe: Pick<Fail2banProbe, 'banned' | 'status'>, ip: string): Array<{ jail: string; id: string }> {
  const out: Array<{ jail: string; id: string }> = [];
  const lists: Record<string, string[]> =
    probe.banned ?? Object.fromEntries(Object.entries(probe.status).map(([j, st]) => [j, st.bannedIps]));
  for (const [jail, ids] of Object.entries(lists)) {
    for (const id of ids) if (banCovers(id, ip)) out.push({ jail, id });
  }
  return out;
}

/** Names of the jails banning exactly this address (subnet bans: see bansCovering). */
export function jailsBanning(probe: Pick<Fail2banProbe, 'banned' | 'status'>, ip: string): string[] {
  const c = canonicalIp(ip);
  return [...new Set(bansCovering(probe, ip).filter((b) => canonicalIp(b.id) === c).map((b) => b.jail))];
}
