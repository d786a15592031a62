// Which rules refuse a client, whether each one is the client's own ban or a broader policy,
// and the smallest edit that lets the client in again without letting anyone else in:
// - a ban that names only this client is commented out (`# remedy: ` before each of its physical
//   lines, original bytes kept), never deleted;
// - a policy (ALL, a subnet, a domain, a ban that also names other clients, ...) stays, and one
//   `sshd: <addr>` line naming only this client is added to hosts.allow.
// Where the allow line goes: appended when the refusal comes from hosts.deny (nothing in
// hosts.allow matched the client, so the end is reached); when a hosts.allow rule refuses (a
// `deny`/`twist` option or an option error), appending would land behind it, so the line goes
// before the first rule (after the leading comments). A candidate is only accepted if every other
// rule keeps its exact text and activity (e.g. adding a newline after an unterminated last rule
// would switch that rule on for everyone) and the client is allowed afterwards; the last resort,
// line 1, always satisfies the first condition.

import { clientIp, ipEquals, parseIp } from './ip.js';
import {
  boundClientMatcher,
  decideAccess,
  ruleEffect,
  type AccessDecision,
  type ClientInfo,
  type MatchOptions,
  type Verdict,
} from './hosts-access-match.js';
import { parseHostsAccess, physicalLines, type FileKind, type HostsAccessFile, type Rule } from './hosts-access-parse.js';

export type ClientPatternKind =
  | 'all'
  | 'address'
  | 'ipv6-address'
  | 'address-prefix'
  | 'net-mask'
  | 'ipv6-net'
  | 'hostname'
  | 'domain'
  | 'wildcard'
  | 'known'
  | 'unknown'
  | 'paranoid'
  | 'local'
  | 'netgroup'
  | 'file';

/** What kind of client pattern a token is (a `user@` prefix is ignored), in host_match's order. */
export function clientPatternKind(token: string): ClientPatternKind {
  const at = token.indexOf('@', 1);
  const tok = at < 0 ? token : token.slice(at + 1);
  const up = tok.toUpperCase();
  if (tok.startsWith('@')) return 'netgroup';
  if (tok.startsWith('/')) return 'file';
  if (up === 'KNOWN') return 'known';
  if (up === 'LOCAL') return 'local';
  if (tok.includes('/')) return tok.startsWith('[') ? 'ipv6-net' : 'net-mask';
  if (tok.includes('*') || tok.includes('?')) return 'wildcard';
  if (tok.startsWith('.')) return 'domain';
  if (up === 'ALL') return 'all';
  if (up === 'UNKNOWN') return 'unknown';
  if (up === 'PARANOID') return 'paranoid';
  if (tok.endsWith('.')) return 'address-prefix';
  if (tok.startsWith('[') && tok.endsWith(']')) return 'ipv6-address';
  if (parseIp(tok)?.family === 4) return 'address';
  return 'hostname';
}

/**
 * Does this token name exactly this client: its address (`a.b.c.d`, `[v6]`, or a /32, /128,
 * /255.255.255.255 net of it) or its verified hostname?
 */
export function tokenNamesClient(token: string, client: ClientInfo): boolean {
  const at = token.indexOf('@', 1);
  const tok = at < 0 ? token : token.slice(at + 1);
  const addr = clientIp(client.addr);
  if (!addr) return false;
  const same = (text: string): boolean => {
    const ip = parseIp(text);
    return !!ip && ipEquals(ip, addr);
  };
  switch (clientPatternKind(tok)) {
    case 'address':
      return tok === addr.text; // libwrap compares the text exactly
    case 'ipv6-address':
      return same(tok.slice(1, -1));
    case 'net-mask': {
      const [net = '', mask = ''] = tok.split('/');
      return (mask === '32' || mask === '255.255.255.255') && same(net) && addr.family === 4;
    }
    case 'ipv6-net': {
      const [net = '', mask = ''] = tok.split('/');
      return mask === '128' && net.startsWith('[') && net.endsWith(']') && same(net.slice(1, -1));
    }
    case 'hostname':
      return (
        (client.nameStatus ?? 'verified') === 'verified' &&
        !!client.name &&
        tok.toLowerCase() === client.name.toLowerCase()
      );
    default:
      return false;
  }
}

export interface RefusingRule {
  file: FileKind;
  rule: Rule;
  line: number;
  /** How it refuses (hosts.deny match, `deny` option, option error, twist). */
  reason: string;
  /** 'client': names this client and nobody else; 'policy': anything broader. */
  scope: 'client' | 'policy';
  /** Top-level client patterns that match this client. */
  matchedBy: Array<{ pattern: string; kind: ClientPatternKind }>;
  /** Also names other clients (so commenting it out would let them in too). */
  namesOthers: boolean;
  /** decideAccess stops at this rule. */
  decisive: boolean;
}

/** Every active rule that would refuse the client for the daemon, not only the first. */
export function rulesRefusing(
  files: { allow: HostsAccessFile; deny: HostsAccessFile },
  daemon: string,
  client: ClientInfo,
  opts: MatchOptions = {},
): RefusingRule[] {
  const m = boundClientMatcher(daemon, client, opts);
  const decision = decideAccess({ ...opts, ...files, daemon, client });
  const out: RefusingRule[] = [];
  for (const [file, parsed] of [
    ['allow', files.allow],
    ['deny', files.deny],
  ] as const) {
    for (const rule of parsed.rules) {
      if (!rule.active || !m.rule(rule)) continue;
      const effect = ruleEffect(rule, file);
      if (effect.verdict !== 'deny') continue;
      const top = rule.clients.patterns;
      const naming = top.filter((t) => tokenNamesClient(t, client));
      const namesOthers = naming.length > 0 && naming.length < top.length;
      out.push({
        file,
        rule,
        line: rule.firstLine,
        reason: effect.reason,
        scope: naming.length > 0 && naming.length === top.length ? 'client' : 'policy',
        matchedBy: top.filter((t) => m.clientToken(t)).map((pattern) => ({ pattern, kind: clientPatternKind(pattern) })),
        namesOthers,
        decisive: decision.rule === rule,
      });
    }
  }
  return out;
}

export interface PlanFile {
  text: string;
  path: string;
}

export interface PlanInput extends MatchOptions {
  allow: PlanFile;
  deny: PlanFile;
  client: ClientInfo;
  daemon?: string;
  /** Comment prefix word: lines become `# <marker>: <original>`. */
  marker?: string;
}

export interface PlanAction {
  /** Path of the edited file. */
  file: string;
  /** 1-based line in the OUTPUT text (first physical line of the rule / the added line). */
  line: number;
  action: 'comment-out' | 'add-allow';
  /** The rule text (continuations joined) commented out, or the line added. */
  rule: string;
  reason: string;
}

export interface UnblockPlan {
  allowText: string;
  denyText: string;
  actions: PlanAction[];
  verdictBefore: Verdict;
  verdictAfter: Verdict;
  decisionBefore: AccessDecision;
  decisionAfter: AccessDecision;
  /** Assumptions the decisions rested on (netgroups, unknown server address, ...). */
  notes: string[];
}

/** The client as a hosts.allow pattern: `a.b.c.d` or `[v6]`. */
export function clientToken(addr: string): string {
  const ip = clientIp(addr);
  if (!ip) throw new TypeError(`not an IP address: ${JSON.stringify(addr)}`);
  return ip.family === 4 ? ip.text : `[${ip.text}]`;
}

/** Prefixes each listed physical line (1-based) with `prefix`, keeping every byte after it. */
export function prefixLines(text: string, lineNumbers: Iterable<number>, prefix: string): string {
  const lines = physicalLines(text);
  for (const n of lineNumbers) if (lines[n - 1] !== undefined) lines[n - 1] = prefix + lines[n - 1];
  return lines.join('');
}

/** Inserts `line` so it becomes physical line `at` (lineCount + 1 = append, adding the missing LF). */
export function insertLine(text: string, at: number, line: string, eol: string): string {
  const lines = physicalLines(text);
  if (at > lines.length) return (text === '' || text.endsWith('\n') ? text : text + eol) + line + eol;
  lines.splice(at - 1, 0, line + eol);
  return lines.join('');
}

const stripCr = (s: string): string => (s.endsWith('\r') ? s.slice(0, -1) : s);

/** Rules libwrap reads, as text: the fingerprint that must survive our insertion unchanged. */
function activeRuleTexts(file: HostsAccessFile, skipLine?: number): string[] {
  return file.rules.filter((r) => r.active && r.firstLine !== skipLine).map((r) => stripCr(r.logical));
}

function sameList(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Plans the smallest change to hosts.allow/hosts.deny that lets the client reach the daemon. */
export function planUnblock(input: PlanInput): UnblockPlan {
  const daemon = input.daemon ?? 'sshd';
  const marker = input.marker ?? 'remedy';
  const { client } = input;
  const opts: MatchOptions = {
    ...(input.serverAddr === undefined ? {} : { serverAddr: input.serverAddr }),
    ...(input.serverName === undefined ? {} : { serverName: input.serverName }),
    ...(input.readFile === undefined ? {} : { readFile: input.readFile }),
  };
  const decide = (allowText: string, denyText: string): AccessDecision =>
    decideAccess({ ...opts, allow: parseHostsAccess(allowText), deny: parseHostsAccess(denyText), daemon, client });

  const before = decide(input.allow.text, input.deny.text);
  const notes = new Set(before.assumptions);
  const done = (allowText: string, denyText: string, actions: PlanAction[], after: AccessDecision): UnblockPlan => {
    for (const n of after.assumptions) notes.add(n);
    if (after.verdict !== 'allow')
      throw new Error(
        `planUnblock: ${client.addr} would still be refused for ${daemon} ` +
          `(${after.file === 'allow' ? input.allow.path : input.deny.path}:${after.line}: ${after.reason})`,
      );
    return {
      allowText,
      denyText,
      actions,
      verdictBefore: before.verdict,
      verdictAfter: after.verdict,
      decisionBefore: before,
      decisionAfter: after,
      notes: [...notes],
    };
  };
  if (before.verdict === 'allow') return done(input.allow.text, input.deny.text, [], before);

  // 1. Comment out the client's own bans (every one, shadowed or not, so none springs back).
  const parsed = { allow: parseHostsAccess(input.allow.text), deny: parseHostsAccess(input.deny.text) };
  const refusing = rulesRefusing(parsed, daemon, client, opts);
  const actions: PlanAction[] = [];
  const texts = { allow: input.allow.text, deny: input.deny.text };
  const paths = { allow: input.allow.path, deny: input.deny.path };
  for (const file of ['allow', 'deny'] as const) {
    const own = refusing.filter((r) => r.file === file && r.scope === 'client');
    const lines = own.flatMap((r) => range(r.rule.firstLine, r.rule.lastLine));
    texts[file] = prefixLines(texts[file], lines, `# ${marker}: `);
    for (const r of own)
      actions.push({
        file: paths[file],
        line: r.line,
        action: 'comment-out',
        rule: stripCr(r.rule.logical),
        reason: `names ${client.addr} itself and refuses it for ${daemon} (${r.reason})`,
      });
  }
  const mid = decide(texts.allow, texts.deny);
  for (const n of mid.assumptions) notes.add(n);
  if (mid.verdict === 'allow') return done(texts.allow, texts.deny, actions, mid);

  // 2. A policy still refuses: allow exactly this client in hosts.allow.
  const line = `${daemon}: ${clientToken(client.addr)}`;
  const allowFile = parseHostsAccess(texts.allow);
  const firstRule = allowFile.entries.find((e) => e.kind === 'rule' || e.kind === 'invalid');
  const append = allowFile.lineCount + 1;
  const top = firstRule ? firstRule.firstLine : append;
  const candidates = mid.file === 'deny' ? [append, top, 1] : [top, 1];
  const oldRules = activeRuleTexts(allowFile);
  for (const at of candidates) {
    const allowText = insertLine(texts.allow, at, line, allowFile.eol);
    const next = parseHostsAccess(allowText);
    const added = next.rules.find((r) => r.firstLine === at);
    if (!added?.active || stripCr(added.logical) !== line) continue;
    if (!sameList(activeRuleTexts(next, at), oldRules)) continue;
    const after = decide(allowText, texts.deny);
    if (after.verdict !== 'allow') continue;
    for (const a of actions) if (a.file === paths.allow && a.line >= at) a.line++;
    const policy = refusing.find((r) => r.rule === mid.rule) ?? refusing.find((r) => r.scope === 'policy');
    const where = `${mid.file === 'allow' ? paths.allow : paths.deny}:${mid.line}`;
    const kinds = policy ? policy.matchedBy.map((p) => `${p.pattern} = ${p.kind}`).join(', ') : '';
    actions.push({
      file: paths.allow,
      line: at,
      action: 'add-allow',
      rule: line,
      reason:
        `${where} "${stripCr(mid.rule?.logical ?? '')}" refuses ${client.addr} (${mid.reason}); ` +
        `it is a broader rule${kinds ? ` (${kinds})` : ''}` +
        `${policy?.namesOthers ? ' that also names other clients' : ''}, ` +
        `so it stays and only ${client.addr} is allowed for ${daemon}` +
        (at === append ? '' : ' (placed before the first rule so it is read before a refusing hosts.allow rule)'),
    });
    return done(allowText, texts.deny, actions, after);
  }
  // Unreachable in practice: line 1 keeps every other rule and matches first.
  return done(texts.allow, texts.deny, actions, mid);
}

function range(first: number, last: number): number[] {
  const out: number[] = [];
  for (let i = first; i <= last; i++) out.push(i);
  return out;
}
