// ~/.ssh/config as OpenSSH reads it (ssh_config(5)), for the keywords remedy needs.
//
// Parsing keeps the file's structure as blocks with conditions; resolving is a pure function
// of (parsed config, alias). Semantics kept from OpenSSH:
// - For each keyword the first obtained value wins; IdentityFile accumulates.
// - `Host` lists patterns (`*`, `?`, `!neg`), matched case-insensitively against the alias.
// - `Match` supports all, host, originalhost, user, localuser (each may be negated with `!`).
//   Criteria remedy cannot evaluate faithfully (exec, canonical, final, localnetwork, tagged,
//   unknown ones) make the block NOT apply, and a warning is recorded: guessing could pick
//   the wrong key or jump host.
// - `Include` accepts several paths and globs; relative paths are under ~/.ssh; inside a
//   Host/Match block the included file only applies when that block does.
// - Keywords are case-insensitive; `Key=Value`, `Key Value` and quoted arguments work.

import { readFileSync, readdirSync } from 'node:fs';
import { homedir, hostname as osHostname, userInfo } from 'node:os';
import { isAbsolute, join } from 'node:path';
import type { Endpoint, PathSpec } from './connection.js';
import type { HostKeyMode } from './known-hosts.js';
import { matchPattern, matchPatternList } from './pattern.js';

export interface SshConfigOption {
  /** Lowercased keyword. */
  keyword: string;
  args: string[];
  /** The rest of the line as written, kept for ProxyCommand (a shell command, quotes and all). */
  rest?: string;
  file: string;
  line: number;
}

export interface MatchCriterion {
  /** Lowercased criterion name (host, user, all, ...). */
  name: string;
  negated: boolean;
  arg?: string;
}

export type SshConfigCondition =
  | { kind: 'host'; patterns: string[] }
  | { kind: 'match'; criteria: MatchCriterion[] };

/** Options that apply when every condition holds (Include nesting ANDs conditions). */
export interface SshConfigBlock {
  conditions: SshConfigCondition[];
  options: SshConfigOption[];
}

export interface ParsedSshConfig {
  blocks: SshConfigBlock[];
  warnings: string[];
}

/** File access for Include, injectable so parsing stays testable without a home directory. */
export interface SshConfigIo {
  readFile(path: string): string | undefined;
  /** Absolute paths matching a pattern with `*`/`?` in any component, sorted. */
  glob(pattern: string): string[];
}

export interface ParseOptions {
  file?: string;
  /** Directory for relative Include paths (~/.ssh for a user config). */
  sshDir?: string;
  homeDir?: string;
  io?: SshConfigIo;
}

const MAX_INCLUDE_DEPTH = 16; // OpenSSH's READCONF_MAX_DEPTH

/** Split one config line into words like OpenSSH's argv_split: quotes, `\` escapes, `#`. */
export function splitConfigLine(line: string): string[] {
  const words: string[] = [];
  let i = 0;
  while (i < line.length) {
    while (i < line.length && /\s/.test(line[i] ?? '')) i++;
    if (i >= line.length) break;
    if (line[i] === '#') break; // comment starts a word: rest of line ignored
    let word = '';
    let quote: string | null = null;
    for (; i < line.length; i++) {
      const c = line[i] ?? '';
      if (quote) {
        if (c === '\\' && (line[i + 1] === quote || line[i + 1] === '\\')) {
          word += line[++i];
        } else if (c === quote) {
          quote = null;
        } else {
          word += c;
        }
      } else if (c === '"' || c === "'") {
        quote = c;
      } else if (/\s/.test(c)) {
        break;
      } else if (c === '\\' && (line[i + 1] === '"' || line[i + 1] === "'" || line[i + 1] === '\\')) {
        word += line[++i];
      } else {
        word += c;
      }
    }
    words.push(word);
  }
  return words;
}

/** Keyword and arguments, accepting `Key Value`, `Key=Value` and `Key = Value`. */
function splitKeyword(line: string): { keyword: string; rest: string } | undefined {
  const m = /^\s*([A-Za-z0-9]+)\s*(?:=\s*|\s+|$)(.*)$/.exec(line);
  if (!m) return undefined;
  return { keyword: (m[1] ?? '').toLowerCase(), rest: m[2] ?? '' };
}

const NEEDS_ARG = new Set(['host', 'originalhost', 'user', 'localuser', 'exec', 'localnetwork', 'tagged']);

function parseMatch(args: string[]): MatchCriterion[] | string {
  const out: MatchCriterion[] = [];
  for (let i = 0; i < args.length; i++) {
    const raw = args[i] ?? '';
    const negated = raw.startsWith('!');
    const name = (negated ? raw.slice(1) : raw).toLowerCase();
    if (NEEDS_ARG.has(name)) {
      const arg = args[++i];
      if (arg === undefined) return `Match ${name} needs an argument`;
      out.push({ name, negated, arg });
    } else {
      out.push({ name, negated });
    }
  }
  if (out.length === 0) return 'Match needs criteria';
  return out;
}

export const nodeSshConfigIo: SshConfigIo = {
  readFile(path) {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  },
  glob(pattern) {
    return globSync(pattern);
  },
};

/** Minimal glob(3): wildcards per path component, no `**`, results sorted like glob. */
export function globSync(pattern: string): string[] {
  if (!/[*?]/.test(pattern)) return [pattern];
  const parts = pattern.split('/');
  let bases: string[] = [pattern.startsWith('/') ? '/' : '.'];
  for (const part of parts) {
    if (part === '') continue;
    const next: string[] = [];
    for (const base of bases) {
      if (!/[*?]/.test(part)) {
        next.push(join(base, part));
        continue;
      }
      let names: string[];
      try {
        names = readdirSync(base);
      } catch {
        continue;
      }
      for (const n of names.sort()) {
        // Like glob(3), a leading dot must be matched explicitly.
        if (n.startsWith('.') && !part.startsWith('.')) continue;
        if (matchPattern(n, part, false)) next.push(join(base, n));
      }
    }
    bases = next;
  }
  return bases;
}

function expandTilde(p: string, home: string): string {
  if (p === '~') return home;
  if (p.startsWith('~/')) return join(home, p.slice(2));
  return p;
}

/** Parse config text (and, through `io`, the files it Includes). */
export function parseSshConfig(text: string, opts: ParseOptions = {}): ParsedSshConfig {
  const home = opts.homeDir ?? homedir();
  const ctx = {
    sshDir: opts.sshDir ?? join(home, '.ssh'),
    home,
    io: opts.io ?? nodeSshConfigIo,
    result: { blocks: [], warnings: [] } as ParsedSshConfig,
  };
  parseInto(ctx, text, opts.file ?? '<config>', [], 0);
  return ctx.result;
}

interface ParseCtx {
  sshDir: string;
  home: string;
  io: SshConfigIo;
  result: ParsedSshConfig;
}

function parseInto(ctx: ParseCtx, text: string, file: string, outer: SshConfigCondition[], depth: number): void {
  let current: SshConfigBlock = { conditions: outer, options: [] };
  ctx.result.blocks.push(current);
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] ?? '';
    const lineNo = i + 1;
    if (/^\s*(#|$)/.test(raw)) continue;
    const kw = splitKeyword(raw);
    if (!kw) {
      ctx.result.warnings.push(`${file}:${lineNo}: cannot parse line`);
      continue;
    }
    const args = splitConfigLine(kw.rest);
    if (kw.keyword === 'host') {
      current = { conditions: [...outer, { kind: 'host', patterns: args }], options: [] };
      ctx.result.blocks.push(current);
    } else if (kw.keyword === 'match') {
      const criteria = parseMatch(args);
      if (typeof criteria === 'string') {
        ctx.result.warnings.push(`${file}:${lineNo}: ${criteria}; block ignored`);
        current = { conditions: [...outer, { kind: 'match', criteria: [{ name: 'invalid', negated: false }] }], options: [] };
      } else {
        current = { conditions: [...outer, { kind: 'match', criteria }], options: [] };
      }
      ctx.result.blocks.push(current);
    } else if (kw.keyword === 'include') {
      if (depth >= MAX_INCLUDE_DEPTH) {
        ctx.result.warnings.push(`${file}:${lineNo}: Include nested too deeply`);
        continue;
      }
      for (const arg of args) {
        const p0 = expandTilde(arg, ctx.home);
        const pattern = isAbsolute(p0) ? p0 : join(ctx.sshDir, p0);
        for (const path of ctx.io.glob(pattern)) {
          const sub = ctx.io.readFile(path);
          if (sub === undefined) continue; // OpenSSH silently skips missing includes
          parseInto(ctx, sub, path, current.conditions, depth + 1);
        }
      }
      // Options after the Include belong to the enclosing block again, after the included ones.
      current = { conditions: current.conditions, options: [] };
      ctx.result.blocks.push(current);
    } else {
      const opt: SshConfigOption = { keyword: kw.keyword, args, file, line: lineNo };
      if (kw.keyword === 'proxycommand') opt.rest = kw.rest.trim();
      current.options.push(opt);
    }
  }
}

/** Read ~/.ssh/config (or `file`); a missing file is an empty config. */
export function loadSshConfig(file?: string, opts: Omit<ParseOptions, 'file'> = {}): ParsedSshConfig {
  const home = opts.homeDir ?? homedir();
  const path = file ?? join(home, '.ssh', 'config');
  const io = opts.io ?? nodeSshConfigIo;
  return parseSshConfig(io.readFile(path) ?? '', { ...opts, homeDir: home, io, file: path });
}

export interface JumpHost {
  user?: string;
  host: string;
  port?: number;
}

export type StrictHostKeyChecking = 'yes' | 'no' | 'ask' | 'accept-new';

export interface SshSettings {
  /** The name that was looked up (what `Host` patterns saw). */
  alias: string;
  /** HostName with %h/%% expanded, or the alias. */
  hostName: string;
  port: number;
  user?: string;
  /** Expanded paths (~ and %-tokens); empty when the config names none. */
  identityFiles: string[];
  identitiesOnly: boolean;
  /** undefined when unset; [] for `ProxyJump none`. */
  proxyJump?: JumpHost[];
  /** ProxyCommand as written (tokens unexpanded); undefined when unset or `none`. */
  proxyCommand?: string;
  userKnownHostsFiles?: string[];
  strictHostKeyChecking?: StrictHostKeyChecking;
  connectTimeoutSec?: number;
  bindAddress?: string;
  /** Agent socket path, or 'none'. `SSH_AUTH_SOCK` is resolved from ctx.env. */
  identityAgent?: string;
  /** Every other keyword's first value, by lowercased keyword. */
  other: Record<string, string[]>;
  /** Problems met while resolving (bad values, Match criteria not evaluated). */
  warnings: string[];
}

export interface ResolveContext {
  localUser?: string;
  homeDir?: string;
  localHostName?: string;
  env?: Record<string, string | undefined>;
}

/** Parse a ProxyJump value: `none`, or a comma list of `[user@]host[:port]` / ssh:// URIs. */
export function parseProxyJump(value: string): JumpHost[] | undefined {
  if (value.toLowerCase() === 'none') return [];
  const hops: JumpHost[] = [];
  for (let item of value.split(',')) {
    item = item.trim();
    if (item.startsWith('ssh://')) item = item.slice('ssh://'.length).replace(/\/$/, '');
    if (item === '') return undefined;
    const hop: Partial<JumpHost> = {};
    const at = item.lastIndexOf('@');
    if (at >= 0) {
      hop.user = item.slice(0, at);
      item = item.slice(at + 1);
    }
    const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(item) ?? /^([^:]+)(?::(\d+))?$/.exec(item);
    if (!m || !m[1]) return undefined;
    hop.host = m[1];
    if (m[2] !== undefined) {
      const port = Number(m[2]);
      if (!(port > 0 && port < 65536)) return undefined;
      hop.port = port;
    }
    hops.push(hop as JumpHost);
  }
  return hops;
}

/** OpenSSH time format: `30`, `30s`, `1m30s`, `2h`... in seconds; undefined if malformed. */
export function parseTimeSpec(value: string): number | undefined {
  if (/^\d+$/.test(value)) return Number(value);
  const unit: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
  let total = 0;
  const re = /(\d+)([smhdw])/giy;
  let m: RegExpExecArray | null;
  let consumed = 0;
  while ((m = re.exec(value))) {
    total += Number(m[1]) * (unit[(m[2] ?? 's').toLowerCase()] ?? 1);
    consumed = re.lastIndex;
  }
  return consumed === value.length && consumed > 0 ? total : undefined;
}

/** Expand %-tokens; unknown tokens are kept literally and reported. */
export function expandTokens(s: string, tokens: Record<string, string>, warn?: (msg: string) => void): string {
  return s.replace(/%(.)/g, (whole, t: string) => {
    if (t === '%') return '%';
    const v = tokens[t];
    if (v === undefined) {
      warn?.(`unknown token ${whole} in "${s}"`);
      return whole;
    }
    return v;
  });
}

function yesNo(v: string | undefined): boolean | undefined {
  const s = v?.toLowerCase();
  if (s === 'yes' || s === 'true') return true;
  if (s === 'no' || s === 'false') return false;
  return undefined;
}

/**
 * ProxyCommand and ProxyJump exclude each other, the first obtained winning (readconf.c, checked
 * against `ssh -G`): any ProxyCommand, `none` included, shadows a later ProxyJump; a ProxyJump
 * shadows a later ProxyCommand unless it was `none`.
 */
function proxyShadowed(keyword: string, first: Map<string, SshConfigOption>): boolean {
  if (keyword === 'proxyjump') return first.has('proxycommand');
  if (keyword === 'proxycommand') {
    const pj = first.get('proxyjump');
    return pj !== undefined && pj.args[0]?.toLowerCase() !== 'none';
  }
  return false;
}

interface EvalState {
  alias: string;
  hostName?: string;
  user?: string;
  localUser: string;
}

function conditionHolds(c: SshConfigCondition, st: EvalState, warn: (m: string) => void): boolean {
  if (c.kind === 'host') return matchPatternList(st.alias.toLowerCase(), c.patterns) === 1;
  for (const cr of c.criteria) {
    let ok: boolean;
    const list = (cr.arg ?? '').split(',');
    switch (cr.name) {
      case 'all':
        ok = true;
        break;
      case 'host':
        ok = matchPatternList((st.hostName ?? st.alias).toLowerCase(), list) === 1;
        break;
      case 'originalhost':
        ok = matchPatternList(st.alias.toLowerCase(), list) === 1;
        break;
      case 'user':
        ok = matchPatternList(st.user ?? st.localUser, list) === 1;
        break;
      case 'localuser':
        ok = matchPatternList(st.localUser, list) === 1;
        break;
      default:
        warn(`Match ${cr.name} is not supported; block skipped`);
        return false;
    }
    if (cr.negated) ok = !ok;
    if (!ok) return false;
  }
  return true;
}

/**
 * Settings for `alias`, OpenSSH-style: blocks in order, first value per keyword wins,
 * IdentityFile accumulates, tokens expanded against the final HostName/Port/User.
 */
export function resolveSshConfig(parsed: ParsedSshConfig, alias: string, ctx: ResolveContext = {}): SshSettings {
  const home = ctx.homeDir ?? homedir();
  const localUser = ctx.localUser ?? safeLocalUser();
  const env = ctx.env ?? process.env;
  const warnings: string[] = [];
  const warn = (m: string): void => {
    if (!warnings.includes(m)) warnings.push(m);
  };
  const first = new Map<string, SshConfigOption>();
  const identity: SshConfigOption[] = [];
  const knownHostsFiles: string[] = [];
  const st: EvalState = { alias, localUser };

  for (const block of parsed.blocks) {
    if (!block.conditions.every((c) => conditionHolds(c, st, warn))) continue;
    for (const opt of block.options) {
      if (opt.keyword === 'identityfile') {
        identity.push(opt);
        continue;
      }
      if (first.has(opt.keyword) || proxyShadowed(opt.keyword, first)) continue;
      first.set(opt.keyword, opt);
      // Later `Match host`/`Match user` see values obtained so far, as in OpenSSH.
      if (opt.keyword === 'hostname' && opt.args[0]) st.hostName = expandTokens(opt.args[0], { h: alias });
      if (opt.keyword === 'user' && opt.args[0]) st.user = opt.args[0];
    }
  }

  const get = (k: string): string | undefined => first.get(k)?.args[0];
  const hostName = st.hostName ?? alias;
  let port = 22;
  const portStr = get('port');
  if (portStr !== undefined) {
    const n = Number(portStr);
    if (Number.isInteger(n) && n > 0 && n < 65536) port = n;
    else warn(`bad Port "${portStr}"`);
  }
  const user = get('user');
  const tokens: Record<string, string> = {
    d: home,
    h: hostName,
    p: String(port),
    r: user ?? localUser,
    u: localUser,
    n: alias,
    l: ctx.localHostName ?? safeHostName(),
    L: (ctx.localHostName ?? safeHostName()).split('.')[0] ?? '',
    i: String(process.getuid?.() ?? ''),
  };
  const path = (p: string): string => expandTilde(expandTokens(p, tokens, warn), home);

  const settings: SshSettings = {
    alias,
    hostName,
    port,
    identityFiles: [],
    identitiesOnly: false,
    other: {},
    warnings,
  };
  if (user !== undefined) settings.user = user;
  for (const opt of identity) {
    const p = opt.args[0];
    if (p === undefined || p.toLowerCase() === 'none') continue;
    const full = path(p);
    if (!settings.identityFiles.includes(full)) settings.identityFiles.push(full);
  }
  const only = yesNo(get('identitiesonly'));
  if (only !== undefined) settings.identitiesOnly = only;

  const pj = first.get('proxyjump');
  if (pj?.args[0] !== undefined) {
    const hops = parseProxyJump(pj.args.join(''));
    if (hops) settings.proxyJump = hops;
    else warn(`${pj.file}:${pj.line}: bad ProxyJump "${pj.args.join(' ')}"`);
  }
  const pc = first.get('proxycommand');
  if (pc?.rest !== undefined && pc.rest.toLowerCase() !== 'none') settings.proxyCommand = pc.rest;
  const ukh = first.get('userknownhostsfile');
  if (ukh) {
    for (const f of ukh.args) if (f.toLowerCase() !== 'none') knownHostsFiles.push(path(f));
    settings.userKnownHostsFiles = knownHostsFiles;
  }
  const shk = get('stricthostkeychecking')?.toLowerCase();
  if (shk !== undefined) {
    const map: Record<string, StrictHostKeyChecking> = {
      yes: 'yes',
      true: 'yes',
      no: 'no',
      off: 'no',
      false: 'no',
      ask: 'ask',
      'accept-new': 'accept-new',
    };
    const v = map[shk];
    if (v) settings.strictHostKeyChecking = v;
    else warn(`bad StrictHostKeyChecking "${shk}"`);
  }
  const ct = get('connecttimeout');
  if (ct !== undefined) {
    const secs = ct.toLowerCase() === 'none' ? undefined : parseTimeSpec(ct);
    if (secs !== undefined && secs > 0) settings.connectTimeoutSec = secs;
  }
  const bind = get('bindaddress');
  if (bind !== undefined) settings.bindAddress = bind;
  const agent = get('identityagent');
  if (agent !== undefined) {
    if (agent === 'SSH_AUTH_SOCK') {
      const sock = env.SSH_AUTH_SOCK;
      if (sock) settings.identityAgent = sock;
    } else if (agent.toLowerCase() === 'none') {
      settings.identityAgent = 'none';
    } else {
      const m = /^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$/.exec(agent);
      if (m?.[1]) {
        const v = env[m[1]];
        if (v) settings.identityAgent = v;
      } else {
        settings.identityAgent = path(agent);
      }
    }
  }
  const handled = new Set([
    'hostname',
    'user',
    'port',
    'proxyjump',
    'userknownhostsfile',
    'stricthostkeychecking',
    'connecttimeout',
    'bindaddress',
    'identityagent',
    'identitiesonly',
  ]);
  for (const [k, opt] of first) if (!handled.has(k)) settings.other[k] = opt.args;
  return settings;
}

/** remedy's host key policy for a StrictHostKeyChecking value (non-interactive: ask → strict). */
export function hostKeyModeFor(v: StrictHostKeyChecking | undefined, fallback: HostKeyMode = 'strict'): HostKeyMode {
  switch (v) {
    case 'yes':
    case 'ask':
      return 'strict';
    case 'accept-new':
      return 'accept-new';
    case 'no':
      return 'off';
    default:
      return fallback;
  }
}

function endpointFor(s: SshSettings, localUser: string, over: Partial<JumpHost> = {}): Endpoint {
  return {
    alias: s.alias,
    host: s.hostName,
    port: over.port ?? s.port,
    user: over.user ?? s.user ?? localUser,
    identityFiles: s.identityFiles,
  };
}

/**
 * The target Endpoint and the path ssh(1) would take for `alias`: ProxyJump hops resolved
 * through the config too (the first hop's own ProxyJump chains before it, as `ssh -J` does),
 * and BindAddress. Identity files stay as configured; SshConnection adds OpenSSH's defaults.
 */
export function endpointFromConfig(
  parsed: ParsedSshConfig,
  alias: string,
  ctx: ResolveContext = {},
): { target: Endpoint; path: PathSpec; settings: SshSettings } {
  const localUser = ctx.localUser ?? safeLocalUser();
  const settings = resolveSshConfig(parsed, alias, ctx);
  const target = endpointFor(settings, localUser);
  const via = jumpChain(parsed, settings.proxyJump ?? [], ctx, localUser, 0);
  const path: PathSpec = {
    label: via.length ? `via ${via.map((e) => e.alias).join(',')}` : settings.proxyCommand ? proxyLabel(settings.proxyCommand) : 'direct',
    via,
  };
  if (settings.proxyCommand !== undefined) path.proxyCommand = settings.proxyCommand;
  // BindAddress applies to the one TCP socket this machine opens: to the first jump host when
  // there is one (its own Host block decides, as with ssh -J), else to the target.
  const bind = via.length ? resolveSshConfig(parsed, via[0]!.alias, ctx).bindAddress : settings.bindAddress;
  if (bind) path.bindAddress = bind;
  return { target, path, settings };
}

/** `proxy aws ssm start-session --target %h --docum…`: the first 40 characters. */
export function proxyLabel(command: string): string {
  return `proxy ${command.length > 40 ? `${command.slice(0, 40)}…` : command}`;
}

function jumpChain(
  parsed: ParsedSshConfig,
  hops: JumpHost[],
  ctx: ResolveContext,
  localUser: string,
  depth: number,
): Endpoint[] {
  if (hops.length === 0 || depth > 8) return [];
  const out: Endpoint[] = [];
  hops.forEach((hop, i) => {
    const s = resolveSshConfig(parsed, hop.host, ctx);
    if (i === 0 && s.proxyJump?.length) out.push(...jumpChain(parsed, s.proxyJump, ctx, localUser, depth + 1));
    const ep = endpointFor(s, localUser, hop);
    // The chain's first hop is reached as `ssh -W` would reach it: over its own ProxyCommand.
    if (out.length === 0 && s.proxyCommand !== undefined) ep.proxyCommand = s.proxyCommand;
    out.push(ep);
  });
  return out;
}

function safeLocalUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'root';
  }
}

function safeHostName(): string {
  try {
    return osHostname();
  } catch {
    return 'localhost';
  }
}
