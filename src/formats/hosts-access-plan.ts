// Which rules refuse a client, whether each one is the client's own ban or a broader policy,
// and the smallest edit that lets the client in again without letting anyone else in:
// - a ban that covers this daemon and this client and nothing else is commented out (`# remedy: `
//   before each of its physical lines, original bytes kept), never deleted;
// - anything broader stays: a policy (ALL, a subnet, a domain, a ban that also names other
//   clients), a ban of the client for other daemons too (`ALL: <addr>`, `sshd, vsftpd: <addr>`,
//   with or without options), a hosts.deny that libwrap cannot read to its end. One
//   `sshd: <addr>` line naming only this client is added to hosts.allow: it matches no other
//   request, so no other verdict changes wherever it goes.
// Where the allow line goes: appended when that lets the client in (the refusal comes from
// hosts.deny, so the end of hosts.allow is reached); when a hosts.allow rule refuses (a
// `deny`/`twist` option or an option error), appending would land behind it, so the line goes
// before the first rule (after the leading comments). A candidate is only accepted if every other
// rule keeps its exact text and activity (e.g. adding a newline after an unterminated last rule
// would switch that rule on for everyone) and the client is allowed afterwards; the last resort,
// line 1, always satisfies the first condition.

import { clientIp } from './ip.js';
import { clientPatternKind, ruleCoversOnly, tokenNamesClient, type ClientPatternKind } from './hosts-access-scope.js';
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
  /** Matches no request but this (daemon, client): commenting it out changes nothing else. */
  coversOnly: boolean;
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
        coversOnly: ruleCoversOnly(rule, daemon, client),
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
  /**
   * Every address of the server the client may connect to (for `daemon@host`); the plan must let
   * the client in on each. Empty or absent: serverAddr alone, or unknown (host parts assumed to match).
   */
  serverAddrs?: string[];
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

/** The decision for every address the client may connect to (one, unknown, when none is given). */
function decideEach(
  files: { allow: HostsAccessFile; deny: HostsAccessFile },
  daemon: string,
  client: ClientInfo,
  opts: MatchOptions,
  serverAddrs: Array<string | undefined>,
): AccessDecision[] {
  return serverAddrs.map((serverAddr) =>
    decideAccess({ ...opts, ...(serverAddr === undefined ? {} : { serverAddr }), ...files, daemon, client }),
  );
}

/** The first refusal among the decisions, else the first decision. */
const worst = (ds: AccessDecision[]): AccessDecision => ds.find((d) => d.verdict === 'deny') ?? ds[0]!;

/** The addresses that differ in their verdict, said once: only these depend on `daemon@host`. */
function addressNote(ds: AccessDecision[], addrs: Array<string | undefined>, client: string): string | undefined {
  const refused = addrs.filter((_, k) => ds[k]!.verdict === 'deny');
  if (refused.length === 0 || refused.length === addrs.length) return undefined;
  return `${client} is refused only when it connects to ${refused.join(', ')} (a daemon@host rule); the fix lets it in on every address`;
}

/** Plans the smallest change to hosts.allow/hosts.deny that lets the client reach the daemon. */
export function planUnblock(input: PlanInput): UnblockPlan {
  const daemon = input.daemon ?? 'sshd';
  const marker = input.marker ?? 'remedy';
  const { client } = input;
  const opts: MatchOptions = {
    ...(input.serverName === undefined ? {} : { serverName: input.serverName }),
    ...(input.serverPort === undefined ? {} : { serverPort: input.serverPort }),
    ...(input.readFile === undefined ? {} : { readFile: input.readFile }),
  };
  // Every address the client may connect to is judged: a fix must hold on all of them.
  const addrs: Array<string | undefined> = input.serverAddrs?.length
    ? input.serverAddrs
    : [input.serverAddr];
  const parse = (allowText: string, denyText: string) => ({
    allow: parseHostsAccess(allowText),
    deny: parseHostsAccess(denyText),
  });
  const decide = (allowText: string, denyText: string): AccessDecision[] =>
    decideEach(parse(allowText, denyText), daemon, client, opts, addrs);

  const beforeAll = decide(input.allow.text, input.deny.text);
  const before = worst(beforeAll);
  const notes = new Set(beforeAll.flatMap((d) => d.assumptions));
  const split = addressNote(beforeAll, addrs, client.addr);
  if (split) notes.add(split);
  const done = (allowText: string, denyText: string, actions: PlanAction[], afterAll: AccessDecision[]): UnblockPlan => {
    for (const n of afterAll.flatMap((d) => d.assumptions)) notes.add(n);
    const after = worst(afterAll);
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
  if (before.verdict === 'allow') return done(input.allow.text, input.deny.text, [], beforeAll);

  // 1. Comment out the client's own bans (every one, shadowed or not, so none springs back), but
  //    only those that refuse nothing else: a ban that also covers another daemon or client stays.
  const parsed = parse(input.allow.text, input.deny.text);
  const refusing = uniqueRules(addrs.flatMap((serverAddr) =>
    rulesRefusing(parsed, daemon, client, { ...opts, ...(serverAddr === undefined ? {} : { serverAddr }) }),
  ));
  const actions: PlanAction[] = [];
  const texts = { allow: input.allow.text, deny: input.deny.text };
  const paths = { allow: input.allow.path, deny: input.deny.path };
  for (const file of ['allow', 'deny'] as const) {
    const own = refusing.filter((r) => r.file === file && r.coversOnly);
    const lines = own.flatMap((r) => range(r.rule.firstLine, r.rule.lastLine));
    const commented = prefixLines(texts[file], lines, `# ${marker}: `);
    // The prefix lengthens lines: one pushed past libwrap's buffer would end the file there.
    if (!sameStop(parsed[file], parseHostsAccess(commented))) continue;
    texts[file] = commented;
    for (const r of own)
      actions.push({
        file: paths[file],
        line: r.line,
        action: 'comment-out',
        rule: stripCr(r.rule.logical),
        reason: `names ${client.addr} itself and refuses it for ${daemon} alone (${r.reason})`,
      });
  }
  const midAll = decide(texts.allow, texts.deny);
  for (const n of midAll.flatMap((d) => d.assumptions)) notes.add(n);
  const mid = worst(midAll);
  if (mid.verdict === 'allow') return done(texts.allow, texts.deny, actions, midAll);

  // 2. Something broader still refuses: allow exactly this client for this daemon in hosts.allow.
  const line = `${daemon}: ${clientToken(client.addr)}`;
  const allowFile = parseHostsAccess(texts.allow);
  const firstRule = allowFile.entries.find((e) => e.kind === 'rule' || e.kind === 'invalid');
  const append = allowFile.lineCount + 1;
  const top = firstRule ? firstRule.firstLine : append;
  const oldRules = activeRuleTexts(allowFile);
  for (const at of [append, top, 1]) {
    const allowText = insertLine(texts.allow, at, line, allowFile.eol);
    const next = parseHostsAccess(allowText);
    const added = next.rules.find((r) => r.firstLine === at);
    if (!added?.active || stripCr(added.logical) !== line) continue;
    if (!sameList(activeRuleTexts(next, at), oldRules)) continue;
    const afterAll = decide(allowText, texts.deny);
    if (afterAll.some((d) => d.verdict !== 'allow')) continue;
    for (const a of actions) if (a.file === paths.allow && a.line >= at) a.line++;
    actions.push({ file: paths.allow, line: at, action: 'add-allow', rule: line, reason: addAllowReason(mid, refusing, input, at === append) });
    return done(allowText, texts.deny, actions, afterAll);
  }
  // Unreachable in practice: line 1 keeps every other rule and matches first.
  return done(texts.allow, texts.deny, actions, midAll);
}

/** libwrap stops reading both at the same line, or neither stops. */
const sameStop = (a: HostsAccessFile, b: HostsAccessFile): boolean => a.broken?.line === b.broken?.line;

/** The same rule refusing on several server addresses, listed once. */
function uniqueRules(rs: RefusingRule[]): RefusingRule[] {
  const seen = new Set<Rule>();
  return rs.filter((r) => !seen.has(r.rule) && seen.add(r.rule));
}

/** Why a hosts.allow line, and not an edit of the refusing rule. */
function addAllowReason(mid: AccessDecision, refusing: RefusingRule[], input: PlanInput, appended: boolean): string {
  const daemon = input.daemon ?? 'sshd';
  const addr = input.client.addr;
  const where = `${mid.file === 'allow' ? input.allow.path : input.deny.path}:${mid.line}`;
  const placed = appended ? '' : ' (placed before the first rule so it is read before a refusing hosts.allow rule)';
  // Ending that line would switch on a rule libwrap never read, for every client it names.
  if (!mid.rule)
    return `${where}: ${mid.reason}; the file stays as it is (completing the line would change what it does for everyone), and only ${addr} is allowed for ${daemon}${placed}`;
  // mid comes from a fresh parse; commenting out only prefixes lines, so file and line identify it.
  const r = refusing.find((x) => x.file === mid.file && x.line === mid.line);
  const kinds = r ? r.matchedBy.map((p) => `${p.pattern} = ${p.kind}`).join(', ') : '';
  const wider = r?.scope === 'client'
    ? `it names ${addr} but also refuses it for other daemons (${r.rule.daemonText.trim()})`
    : `it is a broader rule${kinds ? ` (${kinds})` : ''}${r?.namesOthers ? ' that also names other clients' : ''}`;
  return (
    `${where} "${stripCr(mid.rule.logical)}" refuses ${addr} (${mid.reason}); ${wider}, ` +
    `so it stays and only ${addr} is allowed for ${daemon}${placed}`
  );
}

function range(first: number, last: number): number[] {
  const out: number[] = [];
  for (let i = first; i <= last; i++) out.push(i);
  return out;
}
