// `sshd_config`: set keywords where sshd really takes them from, and raise MaxStartups without ever
// lowering it — across the main file and its Include drop-ins.
//
// What it learns (rounds of reads/probes, all read-only):
//   1. the main file;
//   2. for every Include pattern (includeGlobs; relative ones under /etc/ssh), one probe that lists
//      the pattern's matches, each path ended by a NUL (see listIncludeCommand);
//   3. the matched files, and again 2-3 for the Includes they contain.
// Then, purely: resolveConfig → for each keyword the version gate (checkKeywordSupported), then
// planSetKeyword (first/last-wins per OpenSSH version, before any Match block, the winning line
// edited in place, even in a drop-in), one WriteChange per edited file with whole new contents.
//
// Validation:
//   - the main file's candidate is checked with `<sshd> -t -f %s` before it replaces the original.
//     Its Include lines still point at the real drop-ins, so that is a whole-configuration check;
//     drop-ins are written first, so it also covers every drop-in this task edits.
//   - a drop-in is a fragment, not a configuration: `sshd -t -f <drop-in>` would check it with
//     defaults for everything else, failing where the main file supplies what it needs (HostKey
//     paths) and passing what fails in context. So drop-in candidates get no per-file validate;
//     when the main file is not written, a read-only `<sshd> -t` after the writes checks the whole
//     configuration as sshd will read it (and `service` refuses to restart sshd while it fails).
//   - after the writes, one read-only `<sshd> -T | grep -Fix '<keyword> <value>'` per changed
//     keyword whose `sshd -T` spelling is known (see dumpLine) proves sshd would use the value;
//     plain -T (no -C) prints exactly the start-up values (global section and `Match all`), which
//     is what this module sets. -C would also apply conditional Match blocks for a made-up
//     connection, and OpenSSH < 8.x insists on all of user, host and addr once -C is given.
//   - `validate: false` runs no sshd at all (no -t, no -T).
import { isIP } from 'node:net';
import { z } from 'zod';
import { str, boolArg } from './arg-types.js';
import { quote, quoteArgv } from '../shell.js';
import type { FileState, ModulePlan, RunChange, WriteChange } from '../engine/change.js';
import { splitListing } from '../engine/remote-files.js';
import type { ModuleDef, ProbeResult } from './module.js';
import { planWrite } from './file-attrs.js';
import { penaltyLogProbe, planPenaltyExemption } from './penalty-exemption.js';
import {
  canonicalKeyword,
  checkKeywordSupported,
  effectiveValue,
  formatMaxStartups,
  includeGlobs,
  includePattern,
  keywordInfo,
  parseMaxStartups,
  parseSshdConfig,
  planSetKeyword,
  raiseMaxStartups,
  resolveConfig,
  type GlobFn,
  type MaxStartups,
  type ResolvedDirective,
  type SetKeywordPlan,
} from '../formats/sshd-config.js';

export const DEFAULT_SSHD_CONFIG = '/etc/ssh/sshd_config';

// ---------------------------------------------------------------------------------------------
// Listing an Include pattern on the host

/** Characters a bracket expression may hold and stay unquoted (nothing the shell treats specially). */
const SAFE_BRACKET = /^[!^]?\]?[A-Za-z0-9._+,:@%=\-]*$/;

/**
 * The pattern as one shell word that expands like glob(3) does for sshd: every literal character
 * goes through `quote` (so `$`, spaces, quotes, `~`, `{` ... are literal), only `*`, `?` and
 * bracket expressions made of safe characters stay unquoted so that the shell expands them.
 * A backslash makes the next character literal, as in glob(3). null when a bracket expression
 * holds characters that cannot be left unquoted safely.
 */
export function globWord(pattern: string): string | null {
  let out = '';
  let lit = '';
  const flush = () => {
    if (lit !== '') out += quote(lit);
    lit = '';
  };
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\' && i + 1 < pattern.length) {
      lit += pattern[++i]!;
    } else if (c === '*' || c === '?') {
      flush();
      out += c;
    } else if (c === '[') {
      // glob(3): ']' right after '[' or '[!' is part of the set; no closing ']' = literal '['.
      let j = i + 1;
      if (pattern[j] === '!' || pattern[j] === '^') j++;
      if (pattern[j] === ']') j++;
      const close = pattern.indexOf(']', j);
      if (close === -1 || pattern.slice(i + 1, close).includes('/')) {
        lit += c;
        continue;
      }
      const body = pattern.slice(i + 1, close);
      if (!SAFE_BRACKET.test(body)) return null;
      flush();
      out += `[${body}]`;
      i = close;
    } else {
      lit += c;
    }
  }
  flush();
  return out === '' ? "''" : out;
}

const LISTING_TAIL = `; do if [ -e "$f" ] || [ -L "$f" ]; then printf '%s\\0' "$f"; fi; done`;

/**
 * The read-only probe that lists an Include pattern's matches on the host, each ended by a NUL
 * (the one byte a name cannot hold; a newline it can):
 *   for f in /etc/ssh/sshd_config.d/*.conf; do if [ -e "$f" ] || [ -L "$f" ]; then printf '%s\0' "$f"; fi; done
 * Without a match the shell leaves the word unexpanded and the test drops it; dangling symlinks
 * are listed (glob(3) returns them, and sshd would then fail to open them). The shell skips
 * dot-files for a leading wildcard exactly like glob(3); the order is re-sorted bytewise when
 * the configuration is resolved. null when the pattern cannot be expanded safely.
 */
export function listIncludeCommand(pattern: string): string | null {
  const word = globWord(pattern);
  if (word === null) return null;
  return `for f in ${word}${LISTING_TAIL}`;
}

/** Whether a probe is one of listIncludeCommand's (its output: paths this module reads next). */
export function isIncludeListing(command: string): boolean {
  return command.startsWith('for f in ') && command.endsWith(LISTING_TAIL);
}

interface View {
  file(path: string): FileState | undefined;
  probe(command: string): ProbeResult | undefined;
}

interface Discovery {
  reads: string[];
  probes: string[];
  /** Pattern → matched paths, for the patterns whose listing has run. */
  listings: Map<string, string[]>;
  /** Which Include (file:line) asked for a matched path, for messages. */
  includedBy: Map<string, string>;
  errors: string[];
}

/** Walk main file → Include patterns → their matches, as far as what is known allows. */
function discover(mainPath: string, view: View): Discovery {
  const d: Discovery = { reads: [mainPath], probes: [], listings: new Map(), includedBy: new Map(), errors: [] };
  const queue = [mainPath];
  const seen = new Set<string>();
  while (queue.length) {
    const path = queue.shift()!;
    if (seen.has(path)) continue;
    seen.add(path);
    const state = view.file(path);
    if (state?.kind !== 'file') continue;
    const file = parseSshdConfig(state.content.toString('utf8'), path);
    for (const pattern of includeGlobs(file)) {
      const command = listIncludeCommand(pattern);
      if (command === null) {
        d.errors.push(`${path}: Include ${pattern} has a bracket expression remedy cannot list safely`);
        continue;
      }
      if (!d.probes.includes(command)) d.probes.push(command);
      const res = view.probe(command);
      if (!res) continue;
      if (res.code !== 0) {
        d.errors.push(`listing Include ${pattern} failed (exit ${res.code ?? 'signal'}): ${res.stderr.trim()}`);
        continue;
      }
      const matched = splitListing(res.stdout);
      const garbled = matched.find((m) => m.includes('\uFFFD'));
      if (garbled !== undefined) {
        // Paths travel as UTF-8 text: a name that is not would be read and written as another one.
        d.errors.push(`${path}: Include ${pattern} matches ${JSON.stringify(garbled)}, whose name is not valid UTF-8; remedy cannot address it`);
        continue;
      }
      d.listings.set(pattern, matched);
      const line = file.directives.find((x) => x.key === 'include' && x.args.some((arg) => includePattern(arg) === pattern))?.line;
      for (const m of matched) {
        if (!d.includedBy.has(m)) d.includedBy.set(m, `${path}${line ? `:${line}` : ''}`);
        if (!d.reads.includes(m)) d.reads.push(m);
        queue.push(m);
      }
    }
  }
  return d;
}

// ---------------------------------------------------------------------------------------------
// What `sshd -T` prints

const DUMP_FLAGS = new Set([
  'passwordauthentication', 'pubkeyauthentication', 'kbdinteractiveauthentication', 'usedns', 'tcpkeepalive',
  'permitemptypasswords', 'x11forwarding', 'printmotd', 'usepam', 'gssapiauthentication', 'hostbasedauthentication',
  'strictmodes', 'allowagentforwarding',
]);
const DUMP_INTS = new Set(['maxauthtries', 'maxsessions', 'clientalivecountmax']);
const DUMP_TIMES = new Set(['logingracetime', 'clientaliveinterval']);
const TIME_UNIT: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/** misc.c convtime: '90', '1m30s', '2H' → seconds; null when sshd would reject it. */
export function convtime(text: string): number | null {
  if (!/^(\d+[smhdwSMHDW]?)+$/.test(text)) return null;
  let total = 0;
  for (const m of text.matchAll(/(\d+)([smhdwSMHDW]?)/g)) total += Number(m[1]) * TIME_UNIT[m[2]!.toLowerCase()]!;
  return total;
}

/**
 * The line `sshd -T` prints for this keyword and value (checked against OpenSSH 9.2's dump), or
 * null when its spelling there is not predictable from the value (then it is not confirmed).
 */
export function dumpLine(keyword: string, value: string): string | null {
  const k = canonicalKeyword(keyword);
  const v = value.trim();
  if (k === 'maxstartups') {
    const p = parseMaxStartups(v);
    return p.ok && !p.warning ? `maxstartups ${formatMaxStartups(p.value)}` : null;
  }
  if (k === 'persourcepenaltyexemptlist') return /^[0-9A-Fa-f.:/,!]+$/.test(v) ? `persourcepenaltyexemptlist ${v}` : null;
  if (k === 'persourcemaxstartups') return /^(\d+|none)$/i.test(v) ? `persourcemaxstartups ${v.toLowerCase()}` : null;
  if (DUMP_FLAGS.has(k)) return /^(yes|no)$/i.test(v) ? `${k} ${v.toLowerCase()}` : null;
  if (DUMP_INTS.has(k)) return /^\d+$/.test(v) ? `${k} ${Number(v)}` : null;
  if (DUMP_TIMES.has(k)) {
    const s = convtime(v);
    return s === null ? null : `${k} ${s}`;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// The module

const KEYWORD = /^[A-Za-z][A-Za-z0-9]*$/;
/** sshd_config values: yes/no for the booleans YAML 1.1 makes of `PermitRootLogin: no`. */
const scalar = z.union([z.string(), z.number(), z.boolean()]).transform((v) => (typeof v === 'boolean' ? (v ? 'yes' : 'no') : String(v)));

/**
 * YAML 1.1 reads an unquoted MaxStartups 10:30:50 as the base-60 number 37850 (Ansible would
 * write that); no real MaxStartups is a single number that large, so it is refused instead.
 */
function sexagesimalMaxStartups(v: string): string | undefined {
  if (!/^\d+$/.test(v) || Number(v) < 3600) return undefined;
  const n = Number(v);
  const parts = [Math.floor(n / 3600), Math.floor(n / 60) % 60, n % 60].join(':');
  return `MaxStartups ${v} is what YAML 1.1 makes of an unquoted ${parts} (a base-60 number): quote the value, '${parts}'`;
}

const args = z
  .strictObject({
    path: str(z.string().refine((p) => p.startsWith('/'), 'expected an absolute path')).default(DEFAULT_SSHD_CONFIG),
    /** Keyword → value, written verbatim (quote a value that needs quoting). */
    set: z.record(z.string().regex(KEYWORD, 'expected an sshd_config keyword'), scalar).optional(),
    /** Floor like '10:30:100': MaxStartups is raised to admit at least this many, never lowered. */
    raise_maxstartups: scalar.optional(),
    /** A client address: when sshd's log shows it penalised (OpenSSH >= 9.8), add it to PerSourcePenaltyExemptList. */
    exempt_from_penalties: str(z.string().trim().refine((v) => isIP(v) !== 0, 'expected an IP address')).optional(),
    validate: boolArg.default(true),
  })
  .superRefine((a, ctx) => {
    const set = a.set ?? {};
    if (Object.keys(set).length === 0 && a.raise_maxstartups === undefined && a.exempt_from_penalties === undefined) {
      ctx.addIssue({ code: 'custom', message: "give 'set' (keyword: value), 'raise_maxstartups' and/or 'exempt_from_penalties'" });
    }
    if (a.exempt_from_penalties !== undefined && Object.keys(set).some((k) => canonicalKeyword(k) === 'persourcepenaltyexemptlist')) {
      ctx.addIssue({ code: 'custom', path: ['exempt_from_penalties'], message: 'use either set.PerSourcePenaltyExemptList or exempt_from_penalties, not both' });
    }
    const base60 = a.raise_maxstartups === undefined ? undefined : sexagesimalMaxStartups(a.raise_maxstartups);
    if (base60) ctx.addIssue({ code: 'custom', path: ['raise_maxstartups'], message: base60 });
    const seen = new Map<string, string>();
    for (const [k, v] of Object.entries(set)) {
      const issue = (message: string) => ctx.addIssue({ code: 'custom', path: ['set', k], message });
      const c = canonicalKeyword(k);
      if (seen.has(c)) issue(`${k} is the same keyword as ${seen.get(c)}`);
      const base60 = c === 'maxstartups' ? sexagesimalMaxStartups(v) : undefined;
      if (base60) issue(base60);
      seen.set(c, k);
      if (c === 'match' || c === 'include') issue(`${k} opens blocks / pulls in files; it cannot be set to one value`);
      if (/[\r\n]/.test(v) || v.trim() === '') issue('expected a non-empty single-line value');
      if (c === 'maxstartups') {
        const p = parseMaxStartups(v);
        if (!p.ok) issue(p.error);
        if (a.raise_maxstartups !== undefined) issue("use either set.MaxStartups or raise_maxstartups, not both");
      }
    }
    if (a.raise_maxstartups !== undefined) {
      const p = parseMaxStartups(a.raise_maxstartups);
      if (!p.ok) ctx.addIssue({ code: 'custom', path: ['raise_maxstartups'], message: p.error });
      else if (p.warning) ctx.addIssue({ code: 'custom', path: ['raise_maxstartups'], message: p.warning });
    }
  });

type Args = z.infer<typeof args>;

const where = (d: { file: string; line: number }) => `${d.file}:${d.line}`;
const shown = (d: ResolvedDirective) => `${where(d)} (${d.keyword} ${d.args.join(' ')})`;

/** The plan's effect in words: where each line lands, what it shadows, what still overrides it. */
function describe(p: SetKeywordPlan, name: string): string[] {
  const out = [p.reason.startsWith(`${name} `) ? p.reason : `${name}: ${p.reason}`];
  for (const c of p.changes) {
    const verb = c.action === 'insert' ? 'inserted' : c.action === 'uncomment' ? 'uncommented' : 'changed';
    out.push(`  ${c.path}:${c.line}: ${verb}${c.before === null ? '' : ` "${c.before}" →`} "${c.after}"`);
  }
  for (const s of p.shadowed) out.push(`  shadowed (sshd ignores it, left as is): ${shown(s)}`);
  for (const m of p.matchOverrides) out.push(`  still overridden for matching connections by the Match block line ${shown(m)}`);
  for (const w of p.warnings) out.push(`  note: ${w}`);
  return out;
}

/** For one MaxStartups line or several (version-ambiguous), the value to set, or null when all admit the floor. */
function raisedMaxStartups(current: string[], floor: string): { text: string } | { error: string } | null {
  const parsed: Array<{ value: MaxStartups; single: boolean }> = [];
  for (const c of current) {
    const p = parseMaxStartups(c);
    if (!p.ok) return { error: p.error };
    parsed.push({ value: p.value, single: p.form === 'single' });
  }
  if (current.length <= 1) return raiseMaxStartups(current[0] ?? null, floor);
  if (current.every((c) => raiseMaxStartups(c, floor) === null)) return null;
  const min = parseMaxStartups(floor);
  if (!min.ok) return { error: min.error };
  const rates = parsed.filter((p) => !p.single).map((p) => p.value.rate);
  const value: MaxStartups = {
    start: Math.max(min.value.start, ...parsed.map((p) => p.value.start)),
    rate: rates.length ? Math.min(...rates) : min.value.rate,
    full: Math.max(min.value.full, ...parsed.map((p) => p.value.full)),
  };
  return { text: formatMaxStartups(value) };
}

// Where sshd listens, which systemd decides under socket activation (ListenStream of ssh.socket).
const LISTEN_KEYWORDS = new Set(['port', 'listenaddress', 'addressfamily']);

/** Under socket activation a Port/ListenAddress in sshd_config moves nothing: refuse rather than half-apply it. */
function socketActivationRefusal(keyword: string, f: { sshSocketActivated: boolean; sshService: string }): string | undefined {
  if (!f.sshSocketActivated || !LISTEN_KEYWORDS.has(canonicalKeyword(keyword))) return undefined;
  return `sshd is socket-activated (${f.sshService}.socket listens, ${f.sshService}.service is not enabled): ` +
    `${keyword} in sshd_config does not move the listening socket; change ListenStream= in a drop-in of ${f.sshService}.socket ` +
    `(systemctl edit ${f.sshService}.socket), then systemctl daemon-reload and restart ${f.sshService}.socket`;
}

/** The log probe runs only where penalties exist (OpenSSH >= 9.8). */
const penaltyProbes = (a: Args, facts: { perSourcePenalties: boolean }): string[] =>
  a.exempt_from_penalties !== undefined && facts.perSourcePenalties ? [penaltyLogProbe(a.exempt_from_penalties)] : [];

export const sshdConfig: ModuleDef<Args> = {
  name: 'sshd_config',
  summary: 'set sshd_config keywords where sshd takes them from (Include drop-ins, before Match), raise MaxStartups; validated with sshd -t, confirmed with sshd -T',
  args,
  reads: (a, ctx) => discover(a.path, { file: (p) => ctx.known(p), probe: (c) => ctx.probed(c) }).reads,
  probes: (a, ctx) => [
    ...discover(a.path, { file: (p) => ctx.known(p), probe: (c) => ctx.probed(c) }).probes,
    ...penaltyProbes(a, ctx.facts),
  ],
  listsPaths: isIncludeListing,
  likelyProbes: (a) => [
    ...(a.path === '/etc/ssh/sshd_config' ? [listIncludeCommand('/etc/ssh/sshd_config.d/*.conf')!] : []),
    ...(a.exempt_from_penalties ? [penaltyLogProbe(a.exempt_from_penalties)] : []),
  ],
  plan(a, ctx): ModulePlan {
    const fail = (message: string): ModulePlan => ({ kind: 'fail', message });
    const f = ctx.facts;
    const d = discover(a.path, { file: (p) => ctx.file(p), probe: (c) => ctx.probe(c) });
    if (d.errors.length) return fail(d.errors.join('; '));

    // Every file sshd would read, as text.
    const states = new Map<string, FileState>();
    const original = new Map<string, string>();
    for (const path of d.reads) {
      const s = ctx.file(path);
      states.set(path, s);
      if (s.kind === 'file') original.set(path, s.content.toString('utf8'));
      else if (path === a.path) return fail(s.kind === 'absent' ? `${path} does not exist` : `${path} is not a regular file (${s.kind})`);
      else return fail(`${path} (matched by the Include at ${d.includedBy.get(path) ?? a.path}) is not a readable regular file (${s.kind}); cannot tell what it sets`);
    }
    const glob: GlobFn = (pattern) => d.listings.get(pattern) ?? [];
    const files = new Map(original);
    const version = f.opensshVersion;
    const opts = { opensshVersion: version };
    const lines: string[] = [];
    const confirm: Array<{ keyword: string; line: string }> = [];
    const unconfirmed: string[] = [];

    const apply = (p: SetKeywordPlan, name: string, value: string): void => {
      lines.push(...describe(p, name));
      for (const e of p.edits) files.set(e.path, e.newText);
      if (p.edits.length === 0) return;
      const dump = dumpLine(name, value);
      if (dump === null) unconfirmed.push(name);
      else confirm.push({ keyword: name, line: dump });
    };

    for (const [keyword, value] of Object.entries(a.set ?? {})) {
      const socket = socketActivationRefusal(keyword, f);
      if (socket) return fail(socket);
      const gate = checkKeywordSupported(keyword, version ?? (f.opensshVersionRaw || 'unknown'));
      if (gate) return fail(gate);
      const config = resolveConfig(a.path, files, glob);
      const p = planSetKeyword(config, files, keyword, value, opts);
      if (p.status === 'invalid' || p.status === 'unsupported') return fail(p.reason);
      apply(p, keywordInfo(keyword)?.name ?? keyword, value);
    }

    if (a.raise_maxstartups !== undefined) {
      const floor = a.raise_maxstartups;
      const config = resolveConfig(a.path, files, glob);
      const ev = effectiveValue(config, 'MaxStartups', opts);
      const candidates = ev.ambiguous ? [...ev.contributors, ...ev.shadowed] : ev.directive ? [ev.directive] : [];
      const raised = raisedMaxStartups(candidates.map((c) => c.args.join(' ')), floor);
      if (raised && 'error' in raised) return fail(`the current MaxStartups (${candidates.map(where).join(', ')}) is not valid: ${raised.error}`);
      if (raised === null) {
        const from = ev.isDefault ? 'sshd default, not set anywhere' : candidates.map(where).join(', ');
        lines.push(`MaxStartups: ${ev.value} (${from}) already admits at least ${floor}; not lowered`);
        for (const s of ev.shadowed) if (!ev.ambiguous) lines.push(`  shadowed (sshd ignores it, left as is): ${shown(s)}`);
      } else {
        const p = planSetKeyword(config, files, 'MaxStartups', raised.text, opts);
        if (p.status === 'invalid' || p.status === 'unsupported') return fail(p.reason);
        lines.push(`MaxStartups: raising ${ev.value}${ev.isDefault ? ' (sshd default)' : ''} to ${raised.text} (floor ${floor})`);
        apply(p, 'MaxStartups', raised.text);
      }
    }

    if (a.exempt_from_penalties !== undefined) {
      const ip = a.exempt_from_penalties;
      const log = f.perSourcePenalties ? ctx.probe(penaltyLogProbe(ip)) : { code: 0, stdout: '', stderr: '' };
      const ex = planPenaltyExemption(ip, f, log, resolveConfig(a.path, files, glob), files);
      if (ex.kind === 'fail') return fail(ex.message);
      lines.push(...ex.message.split('\n'));
      if (ex.kind === 'set') apply(ex.plan, 'PerSourcePenaltyExemptList', ex.value);
    }

    // One write per edited file: drop-ins first, so the main file's validation sees them.
    const edited = [...files.keys()].filter((p) => files.get(p) !== original.get(p));
    edited.sort((x, y) => (x === a.path ? 1 : 0) - (y === a.path ? 1 : 0));
    const writes: WriteChange[] = [];
    for (const path of edited) {
      const before = states.get(path)!;
      if (before.kind !== 'file' || !Buffer.from(original.get(path)!, 'utf8').equals(before.content)) {
        return fail(`${path} contains bytes that are not valid UTF-8; refusing to rewrite it`);
      }
      const validate = a.validate && path === a.path ? `${quote(f.sshdPath)} -t -f %s` : undefined;
      const w = planWrite(before, Buffer.from(files.get(path)!, 'utf8'), { validate });
      if (w) writes.push(w);
    }
    if (writes.length === 0) return { kind: 'ok', message: lines.join('\n') };
    if (a.validate && !f.sshdPath) {
      return fail('cannot validate: no sshd binary was found on the host (facts); set validate: false to edit without sshd -t');
    }

    const runs: RunChange[] = [];
    if (a.validate) {
      const fArg = a.path === DEFAULT_SSHD_CONFIG ? [] : ['-f', a.path];
      if (!writes.some((w) => w.path === a.path)) {
        runs.push({ kind: 'run', command: quoteArgv([f.sshdPath, '-t', ...fArg]), readOnly: true });
        lines.push(`a drop-in was edited: ${f.sshdPath} -t then checks the whole configuration`);
      }
      for (const c of confirm) {
        runs.push({ kind: 'run', command: `${quoteArgv([f.sshdPath, '-T', ...fArg])} | grep -Fix ${quote(c.line)}`, readOnly: true });
      }
      if (confirm.length) lines.push(`after the writes, sshd -T must print ${confirm.map((c) => `"${c.line}"`).join(', ')}`);
      if (unconfirmed.length) lines.push(`not confirmed with sshd -T (its spelling there is not predictable): ${unconfirmed.join(', ')}`);
    } else {
      lines.push('validate: false — neither sshd -t nor sshd -T is run');
    }
    return { kind: 'change', changes: [...writes, ...runs], message: lines.join('\n') };
  },
};
