// The hosts_access(5) decision, as libwrap computes it for one (daemon, client) pair: hosts.allow
// first, then hosts.deny, first matching rule wins, no match = allow; a matching rule's options
// (hosts_options(5)) may still turn the answer around. Mirrors hosts_access.c (list_match,
// server_match, client_match, host_match, string_match, masked_match) with Debian's extensions
// (`n.n.n.n/nn`, `[v6]`, `[v6]/nn`, `*`/`?` wildcards).
//
// What cannot be known offline and how it is settled (each use is reported in `assumptions`):
// - Client name: `name` is taken as the verified name. Without one, libwrap's name is "unknown"
//   (UNKNOWN matches; KNOWN, LOCAL, PARANOID, hostnames and .domain do not). PARANOID only
//   matches when the caller says the double-reverse check failed (nameStatus 'paranoid').
// - `daemon@host`: matched against serverAddr (the address the client connects to; its name is
//   serverName, else "unknown"); without it the host part is assumed to match, so a rule scoped to
//   one listening address is not silently ignored. Callers that know the host's addresses decide
//   once per address (hosts-access-plan.ts).
// - A port number as daemon (`22: ...`, Debian) matches serverPort; unknown = no match.
// - `@netgroup`: NIS is not consulted; never matches.
// - `/path`: read through the injected reader; no reader or no file = no match (as libwrap).
// - `user@host`: sshd never passes a user and ident lookups practically always fail, so the
//   user is "unknown" unless the caller gives one.

import { asIPv6, clientIp, ipEquals, netContains, networkOf, parseIp, type IpAddr } from './ip.js';
import { splitAt, type FileKind, type HostsAccessFile, type PatternList, type Rule } from './hosts-access-parse.js';
import { atoi, maskedMatch4 } from './hosts-access-netmask.js';

export type Verdict = 'allow' | 'deny';

export interface ClientInfo {
  addr: string;
  /** Verified (forward-confirmed) hostname, if known. */
  name?: string;
  /**
   * What libwrap's name lookup yields: 'verified' (default when name is set), 'unknown' (no PTR
   * record; default without a name) or 'paranoid' (name and address do not match).
   */
  nameStatus?: 'verified' | 'unknown' | 'paranoid';
  /** RFC 931 user name; "unknown" when absent, as for sshd. */
  user?: string;
}

export type FileReader = (path: string) => string | undefined;

export interface MatchOptions {
  /** The address the client connected to (for `daemon@host`). */
  serverAddr?: string;
  serverName?: string;
  /** The port the client connects to (for port-number daemon patterns). */
  serverPort?: number;
  /** Reads `/path` pattern files; without it such patterns never match. */
  readFile?: FileReader;
}

export interface AccessQuery extends MatchOptions {
  allow: HostsAccessFile;
  deny: HostsAccessFile;
  daemon: string;
  client: ClientInfo;
}

export interface AccessDecision {
  verdict: Verdict;
  file?: FileKind;
  rule?: Rule;
  /** First physical line of the deciding rule (libwrap's log cites rule.lastLine). */
  line?: number;
  reason: string;
  /** Guesses the decision depended on (see the header comment). */
  assumptions: string[];
}

interface Endpoint {
  addr?: IpAddr;
  /** eval_hostaddr */
  addrText: string;
  /** eval_hostname: a real name, "unknown" or "paranoid" */
  name: string;
}

interface Ctx extends MatchOptions {
  daemon: string;
  client: Endpoint;
  user: string;
  server?: Endpoint;
  notes: Set<string>;
  depth: number;
}

const UNKNOWN = 'unknown';
const PARANOID = 'paranoid';

const eq = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();
const nameKnown = (name: string): boolean => !eq(name, UNKNOWN) && !eq(name, PARANOID);
// NOT_INADDR: anything but digits, dots and slashes may be a host name pattern.
const notInaddr = (tok: string): boolean => /[^0-9./]/.test(tok);

function clientEndpoint(client: ClientInfo): Endpoint {
  const addr = clientIp(client.addr);
  if (!addr) throw new TypeError(`not an IP address: ${JSON.stringify(client.addr)}`);
  const status = client.nameStatus ?? (client.name ? 'verified' : 'unknown');
  const name = status === 'paranoid' ? PARANOID : status === 'verified' && client.name ? client.name : UNKNOWN;
  return { addr, addrText: addr.text, name };
}

function serverEndpoint(opts: MatchOptions): Endpoint | undefined {
  if (opts.serverAddr === undefined) return undefined;
  const addr = clientIp(opts.serverAddr);
  return { ...(addr ? { addr } : {}), addrText: addr?.text ?? UNKNOWN, name: opts.serverName ?? UNKNOWN };
}

function makeCtx(daemon: string, client: ClientInfo, opts: MatchOptions, notes = new Set<string>()): Ctx {
  const server = serverEndpoint(opts);
  return {
    ...opts,
    daemon,
    client: clientEndpoint(client),
    user: client.user ?? UNKNOWN,
    ...(server ? { server } : {}),
    notes,
    depth: 0,
  };
}

/** list_match: the first matching pattern decides, then its EXCEPT list (recursively) may veto. */
export function matchList(list: PatternList, match: (pattern: string) => boolean): boolean {
  for (const p of list.patterns) if (match(p)) return !(list.except && matchList(list.except, match));
  return false;
}

/** match_pattern_ylo: `*` and `?` wildcards, case-sensitive like Debian's libwrap. */
export function wildcardMatch(s: string, pattern: string): boolean {
  // Iterative glob with backtracking to the last `*`.
  let si = 0;
  let pi = 0;
  let star = -1;
  let mark = 0;
  while (si < s.length) {
    if (pi < pattern.length && (pattern[pi] === '?' || pattern[pi] === s[si])) {
      si++;
      pi++;
    } else if (pi < pattern.length && pattern[pi] === '*') {
      star = pi++;
      mark = si;
    } else if (star >= 0) {
      pi = star + 1;
      si = ++mark;
    } else return false;
  }
  while (pattern[pi] === '*') pi++;
  return pi === pattern.length;
}

/** string_match: wildcard, `.suffix`, ALL, KNOWN, `prefix.`, `[v6]`, else case-insensitive equality. */
function stringMatch(tok: string, s: string): boolean {
  if (tok.includes('*') || tok.includes('?')) return wildcardMatch(s, tok);
  if (tok.startsWith('.')) return s.length > tok.length && eq(s.slice(s.length - tok.length), tok);
  if (eq(tok, 'ALL')) return true;
  if (eq(tok, 'KNOWN')) return !eq(s, UNKNOWN);
  if (tok.endsWith('.')) return s.length >= tok.length && eq(s.slice(0, tok.length), tok);
  if (tok.startsWith('[') && tok.endsWith(']')) {
    const pat = parseIp(tok.slice(1, -1));
    const addr = parseIp(s);
    return !!pat && pat.family === 6 && !!addr && ipEquals(pat, asIPv6(addr));
  }
  return eq(tok, s);
}

/** masked_match: masked_match4 (hosts-access-netmask.ts), then `[v6]/nn` for IPv6 clients. */
function maskedMatch(net: string, mask: string, host: Endpoint): boolean {
  if (!host.addr) return false;
  if (host.addr.family === 4) return maskedMatch4(net, mask, Number(host.addr.value));
  if (!(net.startsWith('[') && net.endsWith(']'))) return false;
  const pat = parseIp(net.slice(1, -1));
  const bits = atoi(mask);
  const patNet = pat?.family === 6 && bits >= 0 && bits <= 128 ? networkOf(pat, bits) : undefined;
  return !!patNet && netContains(patNet, asIPv6(host.addr));
}

/** host_match for one token against one endpoint. */
function hostMatch(tok: string, host: Endpoint, ctx: Ctx): boolean {
  if (tok.startsWith('@')) {
    ctx.notes.add(`netgroup ${tok} is not looked up (NIS); treated as no match`);
    return false;
  }
  if (tok.startsWith('/')) return fileMatch(tok, host, ctx);
  if (eq(tok, 'KNOWN')) return host.addrText !== UNKNOWN && nameKnown(host.name);
  if (eq(tok, 'LOCAL')) return !host.name.includes('.') && nameKnown(host.name);
  const slash = splitAt(tok, '/');
  if (slash >= 0) return maskedMatch(tok.slice(0, slash), tok.slice(slash + 1), host);
  return stringMatch(tok, host.addrText) || (notInaddr(tok) && stringMatch(tok, host.name));
}

/** hostfile_match: every whitespace-separated word of the file is a host pattern (no EXCEPT). */
function fileMatch(path: string, host: Endpoint, ctx: Ctx): boolean {
  const text = ctx.readFile?.(path);
  if (text === undefined) {
    ctx.notes.add(`pattern file ${path} could not be read; treated as no match`);
    return false;
  }
  if (ctx.depth > 8) return false; // a file naming itself would loop forever
  ctx.depth++;
  try {
    return text.split(/[ \t\n\v\f\r]+/).some((t) => t !== '' && hostMatch(t, host, ctx));
  } finally {
    ctx.depth--;
  }
}

/**
 * daemon_or_port_match (Debian's match_port patch): a token that is a port number (sscanf "%u"
 * alone, at most 65535) matches the port the client connected to, any other the daemon's name.
 */
function daemonOrPortMatch(tok: string, ctx: Ctx): boolean {
  if (!/^\+?[0-9]+$/.test(tok) || Number(tok) > 65535) return stringMatch(tok, ctx.daemon);
  if (ctx.serverPort === undefined) {
    ctx.notes.add(`${tok}: the server port is unknown; the port pattern is taken as no match`);
    return false;
  }
  return Number(tok) === ctx.serverPort;
}

function serverMatch(tok: string, ctx: Ctx): boolean {
  const at = tok.indexOf('@', 1);
  if (at < 0) return daemonOrPortMatch(tok, ctx);
  if (!daemonOrPortMatch(tok.slice(0, at), ctx)) return false;
  if (!ctx.server) {
    ctx.notes.add(`${tok}: server address unknown; its host part is assumed to match`);
    return true;
  }
  return hostMatch(tok.slice(at + 1), ctx.server, ctx);
}

function clientMatch(tok: string, ctx: Ctx): boolean {
  const at = tok.indexOf('@', 1);
  if (at < 0) return hostMatch(tok, ctx.client, ctx);
  if (!hostMatch(tok.slice(at + 1), ctx.client, ctx)) return false;
  if (ctx.user === UNKNOWN) ctx.notes.add(`${tok}: the remote user is taken as "unknown" (no RFC 931 answer)`);
  return stringMatch(tok.slice(0, at), ctx.user);
}

function ruleMatches(rule: Rule, ctx: Ctx): boolean {
  return (
    matchList(rule.daemons, (t) => serverMatch(t, ctx)) && matchList(rule.clients, (t) => clientMatch(t, ctx))
  );
}

/**
 * What a matching rule does: the file's meaning unless an option changes it. An option error
 * denies (libwrap's tcpd_jump), `allow`/`deny` decide, `twist` replaces sshd by a command, which
 * for an SSH client is a refusal.
 */
export function ruleEffect(rule: Rule, file: FileKind): { verdict: Verdict; reason: string } {
  if (rule.optionError) return { verdict: 'deny', reason: `option error (${rule.optionError}): libwrap denies` };
  const last = rule.options[rule.options.length - 1]?.name.toLowerCase();
  if (last === 'allow') return { verdict: 'allow', reason: 'matched, option "allow"' };
  if (last === 'deny') return { verdict: 'deny', reason: 'matched, option "deny"' };
  if (last === 'twist') return { verdict: 'deny', reason: 'matched, option "twist" replaces the daemon' };
  return file === 'allow'
    ? { verdict: 'allow', reason: 'matched in hosts.allow' }
    : { verdict: 'deny', reason: 'matched in hosts.deny' };
}

/** Does this (active or not) rule match the daemon and client? */
export function ruleMatchesClient(rule: Rule, daemon: string, client: ClientInfo, opts: MatchOptions = {}): boolean {
  return ruleMatches(rule, makeCtx(daemon, client, opts));
}

/** One client pattern against a client (for tests and explanations). */
export function clientPatternMatches(pattern: string, client: ClientInfo, opts: MatchOptions = {}): boolean {
  return clientMatch(pattern, makeCtx('sshd', client, opts));
}

/** A client list text (`a, b EXCEPT c`) against a client. */
export function clientListMatches(list: PatternList, client: ClientInfo, opts: MatchOptions = {}): boolean {
  const ctx = makeCtx('sshd', client, opts);
  return matchList(list, (t) => clientMatch(t, ctx));
}

/** A daemon list against a daemon name. */
export function daemonListMatches(list: PatternList, daemon: string, opts: MatchOptions = {}): boolean {
  const ctx = makeCtx(daemon, { addr: '0.0.0.0' }, opts);
  return matchList(list, (t) => serverMatch(t, ctx));
}

/**
 * hosts_access(): hosts.allow, then hosts.deny, first match wins, default allow; a hosts.deny
 * that libwrap cannot read to its end (`broken`) refuses whoever hosts.allow did not grant.
 */
export function decideAccess(q: AccessQuery): AccessDecision {
  const ctx = makeCtx(q.daemon, q.client, q);
  for (const [kind, file] of [
    ['allow', q.allow],
    ['deny', q.deny],
  ] as const) {
    for (const rule of file.rules) {
      if (!rule.active || !ruleMatches(rule, ctx)) continue;
      const effect = ruleEffect(rule, kind);
      return {
        verdict: effect.verdict,
        file: kind,
        rule,
        line: rule.firstLine,
        reason: effect.reason,
        assumptions: [...ctx.notes],
      };
    }
  }
  // table_match returned ERR for hosts.deny: hosts_access grants only on NO, so it refuses.
  const broken = q.deny.broken;
  if (broken)
    return {
      verdict: 'deny',
      file: 'deny',
      line: broken.line,
      reason: `hosts.deny line ${broken.line}: ${broken.problem}; libwrap stops reading there and refuses every client hosts.allow does not grant`,
      assumptions: [...ctx.notes],
    };
  return { verdict: 'allow', reason: 'no rule matched (default allow)', assumptions: [...ctx.notes] };
}

/** Internal: a matcher bound to one client, used by the classification code. */
export function boundClientMatcher(daemon: string, client: ClientInfo, opts: MatchOptions = {}) {
  const ctx = makeCtx(daemon, client, opts);
  return {
    rule: (rule: Rule) => ruleMatches(rule, ctx),
    clientToken: (tok: string) => clientMatch(tok, ctx),
    client: ctx.client,
    notes: ctx.notes,
  };
}
