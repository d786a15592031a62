// ufw: read `ufw status numbered` (and `ufw status verbose` for the default incoming policy),
// find the rules that stop the client's connection to sshd, plan ufw commands.
//
// Format (ufw/backend_iptables.py get_status, captured from ufw 0.36.2):
//   "[%2d] " + "%-26s %-12s%-26s%s%s" % (To, "ACTION DIR", From, " (log)"|" (out)"|"", " # comment")
// To/From: `Anywhere`, `Anywhere (v6)`, an address or network, ports `22`, `22,2222`,
// `60000:61000`, with `/proto`, an application profile (`OpenSSH`), ` (v6)` for IPv6 rules
// without addresses, and ` on IFACE`. ufw evaluates its user rules in order, first match wins,
// IPv4 rules for IPv4 packets and IPv6 rules for IPv6 ones; then the default policy.
// LIMIT accepts unless the source opened 6 connections in 30 seconds, then denies.

import { quoteArgv } from '../shell.js';
import {
  type PlannedCommand,
  type Tri,
  portListMatches,
  triAnd,
} from './firewall-common.js';
import { type IpAddr, type IpNet, isHostNet, netContains, parseNet, requireIp } from './ip.js';
import semver from 'semver';

export interface UfwEndpoint {
  addr?: string;
  ports?: string;
  proto?: string;
  app?: string;
  iface?: string;
}

export interface UfwRule {
  number: number;
  action: 'ALLOW' | 'DENY' | 'REJECT' | 'LIMIT';
  direction: 'IN' | 'OUT' | 'FWD';
  to: UfwEndpoint;
  from: UfwEndpoint;
  v6: boolean;
  log?: 'log' | 'log-all';
  comment?: string;
  /** The line as printed. */
  text: string;
}

export interface UfwStatus {
  active: boolean;
  rules: UfwRule[];
  /** From `ufw status verbose`: `Default: deny (incoming), ...`. */
  defaultIncoming?: string;
  /** Lines that looked like rules but could not be read. */
  unreadable: string[];
}

const PROTOS = new Set(['tcp', 'udp', 'ah', 'esp', 'gre', 'ipv6', 'igmp']);

function parseEndpoint(text: string): UfwEndpoint & { v6: boolean } {
  let t = text.trim();
  const ep: UfwEndpoint & { v6: boolean } = { v6: false };
  const on = / on (\S+)$/.exec(t);
  if (on) {
    ep.iface = on[1]!;
    t = t.slice(0, on.index);
  }
  if (t.includes(' (v6)')) {
    ep.v6 = true;
    t = t.replace(' (v6)', '');
  }
  if (t.startsWith('Anywhere')) {
    const p = /^Anywhere\/(\w+)$/.exec(t);
    if (p) ep.proto = p[1]!;
    return ep;
  }
  const words = t.split(' ');
  const first = words[0] ?? '';
  const slash = first.lastIndexOf('/');
  if (parseNet(first)) {
    ep.addr = first;
    if (parseNet(first)!.family === 6) ep.v6 = true;
    words.shift();
  } else if (slash > 0 && PROTOS.has(first.slice(slash + 1)) && parseNet(first.slice(0, slash))) {
    ep.addr = first.slice(0, slash);
    ep.proto = first.slice(slash + 1);
    if (parseNet(ep.addr)!.family === 6) ep.v6 = true;
    words.shift();
  }
  const rest = words.join(' ');
  if (rest === '') return ep;
  const pm = /^([\d,:]+)(?:\/(\w+))?$/.exec(rest);
  if (pm) {
    ep.ports = pm[1]!;
    if (pm[2]) ep.proto = pm[2];
  } else ep.app = rest;
  return ep;
}

/** Parse `ufw status numbered`, and optionally `ufw status verbose` for the default policy. */
export function parseUfwStatus(numbered: string, verbose?: string): UfwStatus {
  const st: UfwStatus = { active: /^Status: active/m.test(numbered), rules: [], unreadable: [] };
  for (const line of numbered.split(/\r?\n/)) {
    const m = /^\[\s*(\d+)\]\s(.*)$/.exec(line);
    if (!m) continue;
    const body = m[2]!;
    const a = /\s(ALLOW|DENY|REJECT|LIMIT)(?: (IN|OUT|FWD))?(?=\s|$)/.exec(' ' + body);
    if (!a) {
      st.unreadable.push(line);
      continue;
    }
    const toText = (' ' + body).slice(0, a.index);
    let fromText = (' ' + body).slice(a.index + a[0].length);
    let comment: string | undefined;
    const c = / # (.*)$/.exec(fromText);
    if (c) {
      comment = c[1]!;
      fromText = fromText.slice(0, c.index);
    }
    let log: UfwRule['log'];
    const at = /\s\((log|log-all)?(?:, )?(out)?\)\s*$/.exec(fromText);
    if (at) {
      if (at[1]) log = at[1] as 'log' | 'log-all';
      fromText = fromText.slice(0, at.index);
    }
    const to = parseEndpoint(toText);
    const from = parseEndpoint(fromText);
    const { v6: tv6, ...toEp } = to;
    const { v6: fv6, ...fromEp } = from;
    const rule: UfwRule = {
      number: Number(m[1]),
      action: a[1] as UfwRule['action'],
      direction: (a[2] ?? 'IN') as UfwRule['direction'],
      to: toEp,
      from: fromEp,
      v6: tv6 || fv6,
      text: line,
    };
    if (log) rule.log = log;
    if (comment !== undefined) rule.comment = comment;
    st.rules.push(rule);
  }
  const d = verbose ? /^Default:\s*(\w+) \(incoming\)/m.exec(verbose) : null;
  if (d) st.defaultIncoming = d[1]!;
  return st;
}

/** Ports of the application profiles remedy knows (openssh-server ships `OpenSSH`). */
const APP_PORTS: Record<string, { ports: string; proto: string }> = {
  OpenSSH: { ports: '22', proto: 'tcp' },
};

export interface UfwBlock {
  kind: 'rule' | 'policy';
  /** The number `ufw status numbered` shows (0 for the policy). */
  number: number;
  rule: UfwRule | undefined;
  text: string;
  action: string;
  classification: 'names-client' | 'broad';
  certainty: 'certain' | 'conditional';
  conditions: string[];
}

export interface UfwFindOptions {
  numbered: string;
  verbose?: string;
  clientIp: string;
  port?: number;
  localAddresses?: string[];
}

function judgeUfw(r: UfwRule, client: IpAddr, port: number, local: IpNet[] | undefined): { match: Tri; conditions: string[] } {
  const conditions: string[] = [];
  let match: Tri = 'yes';
  const add = (t: Tri, what: string) => {
    if (t === 'maybe') conditions.push(what);
    match = triAnd(match, t);
  };
  if (r.direction !== 'IN') return { match: 'no', conditions };
  add(r.v6 === (client.family === 6) ? 'yes' : 'no', 'family');
  const src = r.from;
  if (src.addr) {
    const n = parseNet(src.addr);
    add(n && netContains(n, client) ? 'yes' : 'no', `from ${src.addr}`);
  }
  if (src.ports || src.app) add('maybe', `source port ${src.ports ?? src.app}`);
  const dst = r.to;
  if (dst.addr) {
    const n = parseNet(dst.addr);
    add(!local || !n ? 'maybe' : local.some((l) => netContains(n, l)) ? 'yes' : 'no', `to ${dst.addr}`);
  }
  const proto = dst.proto ?? src.proto;
  if (proto) add(proto === 'tcp' ? 'yes' : 'no', `proto ${proto}`);
  if (dst.ports) add(portListMatches(dst.ports, port, ':'), `port ${dst.ports}`);
  if (dst.app) {
    const a = APP_PORTS[dst.app];
    add(a ? (a.proto === 'tcp' && portListMatches(a.ports, port, ':') === 'yes' ? 'yes' : 'no') : 'maybe', `app ${dst.app}`);
  }
  if (dst.iface) add(dst.iface === 'lo' ? 'no' : 'maybe', `on ${dst.iface}`);
  return { match, conditions };
}

/**
 * ufw's rules that deny, reject or rate-limit the client's connection to `port`, in order, up to
 * the first rule that certainly allows it; then the default incoming policy when it is deny or
 * reject. Empty when ufw is inactive.
 */
export function findUfwBlocks(opts: UfwFindOptions): UfwBlock[] {
  const st = parseUfwStatus(opts.numbered, opts.verbose);
  if (!st.active) return [];
  const client = requireIp(opts.clientIp);
  const port = opts.port ?? 22;
  const local = opts.localAddresses?.map((a) => parseNet(a)).filter((n): n is IpNet => !!n);
  const out: UfwBlock[] = [];
  let conditionalAllow = false;
  for (const r of st.rules) {
    const j = judgeUfw(r, client, port, local);
    if (j.match === 'no') continue;
    if (r.action === 'ALLOW') {
      if (j.match === 'yes') return out;
      conditionalAllow = true;
      continue;
    }
    const src = r.from.addr ? parseNet(r.from.addr) : undefined;
    const limit = r.action === 'LIMIT';
    out.push({
      kind: 'rule',
      number: r.number,
      rule: r,
      text: r.text,
      action: r.action,
      classification: src && isHostNet(src) ? 'names-client' : 'broad',
      certainty: j.match === 'yes' && !limit ? 'certain' : 'conditional',
      conditions: limit ? [...j.conditions, 'after 6 connections in 30 seconds'] : j.conditions,
    });
    // A LIMIT rule that matches accepts the connection while under the rate.
    if (limit && j.match === 'yes') return out;
  }
  const pol = st.defaultIncoming;
  if (pol === 'deny' || pol === 'reject') {
    out.push({
      kind: 'policy',
      number: 0,
      rule: undefined,
      text: `Default: ${pol} (incoming)`,
      action: pol.toUpperCase(),
      classification: 'broad',
      certainty: conditionalAllow ? 'conditional' : 'certain',
      conditions: conditionalAllow ? ['unless a conditional allow rule before it matches'] : [],
    });
  }
  return out;
}

/** The words after `ufw delete` that name this rule (ufw matches rules ignoring the comment). */
export function ufwRuleWords(r: UfwRule): string[] {
  const w: string[] = [r.action.toLowerCase()];
  if (r.to.iface) w.push('in', 'on', r.to.iface);
  if (r.log) w.push(r.log);
  w.push('from', r.from.addr ?? 'any');
  if (r.from.ports) w.push('port', r.from.ports);
  if (r.from.app) w.push('app', r.from.app);
  w.push('to', r.to.addr ?? 'any');
  if (r.to.ports) w.push('port', r.to.ports);
  if (r.to.app) w.push('app', r.to.app);
  const proto = r.to.proto ?? r.from.proto;
  if (proto && !r.to.app && !r.from.app) w.push('proto', proto);
  return w;
}

export interface UfwPlanOptions extends UfwFindOptions {
  /** From `ufw version` (`ufw 0.36.2`): `prepend` exists since 0.35. Unknown → assumed. */
  version?: string;
}

export interface UfwPlan {
  commands: string[];
  steps: PlannedCommand[];
  blocks: UfwBlock[];
  warnings: string[];
}

/** `ufw 0.36.2` → `0.36.2`. */
export function parseUfwVersion(text: string): string | undefined {
  const m = /ufw\s+v?(\d+\.\d+(?:\.\d+)?)/i.exec(text);
  return m ? semver.coerce(m[1])?.version : undefined;
}

/**
 * Commands that let the client reach sshd through ufw:
 * - deny/reject/limit rules whose source is exactly the client → `ufw delete <rule>` written
 *   from the rule's fields (by content, so renumbering cannot hit the wrong rule);
 * - broad ones (networks, Anywhere, the default policy) → `ufw prepend allow from <client> to
 *   any port <port> proto tcp`. Not `ufw allow`: an appended rule comes after the deny it is
 *   meant to beat. ufw before 0.35 has no prepend: `ufw insert <first rule of the client's
 *   family>` instead, or a plain allow when that family has no rules.
 * Deletes come first: ufw refuses to insert a rule equal to an existing one but for the action.
 * Nothing when ufw is inactive; a second plan after running these is empty.
 */
export function planUfwUnblock(opts: UfwPlanOptions): UfwPlan {
  const client = requireIp(opts.clientIp);
  const port = opts.port ?? 22;
  const st = parseUfwStatus(opts.numbered, opts.verbose);
  const plan: UfwPlan = { commands: [], steps: [], blocks: findUfwBlocks(opts), warnings: st.unreadable.map((l) => `unreadable ufw rule: ${l}`) };
  if (!st.active) return plan;
  if (!opts.verbose) plan.warnings.push('no `ufw status verbose`: the default incoming policy was not checked');
  let deleted = 0;
  for (const b of plan.blocks) {
    if (b.classification !== 'names-client' || !b.rule) continue;
    const words = ufwRuleWords(b.rule);
    const argv = ['ufw', 'delete', ...words];
    const undoWords = b.rule.comment !== undefined ? [...words, 'comment', b.rule.comment] : words;
    // Undo runs in reverse order: earlier deletions are still missing, so the old number shifts
    // down by their count; ufw refuses to insert past the end, so the last rule is appended.
    const undo = b.number >= st.rules.length ? ['ufw', ...undoWords] : ['ufw', 'insert', String(b.number - deleted), ...undoWords];
    deleted++;
    plan.steps.push({
      argv,
      command: quoteArgv(argv),
      undo: quoteArgv(undo),
      undoArgv: undo,
      reason: `ufw rule ${b.number} ${b.action.toLowerCase()}s ${opts.clientIp} by name: ${b.text.trim()}`,
    });
  }
  const broad = plan.blocks.filter((b) => b.classification === 'broad');
  if (broad.length > 0) {
    const allow = ['allow', 'from', client.text, 'to', 'any', 'port', String(port), 'proto', 'tcp'];
    let argv = ['ufw', 'prepend', ...allow];
    if (opts.version && semver.valid(opts.version) && semver.lt(opts.version, '0.35.0')) {
      // Rules left after the deletes above (all of the client's family).
      const v4Left = st.rules.filter((r) => !r.v6).length - (client.family === 4 ? deleted : 0);
      const sameLeft = st.rules.filter((r) => r.v6 === (client.family === 6)).length - deleted;
      argv = sameLeft > 0 ? ['ufw', 'insert', String(client.family === 4 ? 1 : v4Left + 1), ...allow] : ['ufw', ...allow];
    }
    const undoArgv = ['ufw', 'delete', ...allow];
    plan.steps.push({
      argv,
      command: quoteArgv(argv),
      undo: quoteArgv(undoArgv),
      undoArgv,
      reason: `allow ${opts.clientIp} to tcp/${port} before ${broad.map((b) => (b.kind === 'policy' ? 'the default policy' : `rule ${b.number}`)).join(', ')}`,
    });
  }
  plan.commands = plan.steps.map((s) => s.command);
  return plan;
}

/**
 * Apply planned ufw argvs to `ufw status numbered` text (delete by content, prepend/insert/allow),
 * printing the listing ufw would show. For check mode and tests.
 */
export function applyUfwCommands(numbered: string, argvs: string[][]): string {
  const st = parseUfwStatus(numbered);
  const rules = st.rules.map((r) => ({ r, line: r.text.replace(/^\[\s*\d+\]\s/, '') }));
  const fmt = (to: string, action: string, from: string) => `${to.padEnd(26)} ${action.padEnd(12)}${from.padEnd(26)}`;
  for (const argv of argvs) {
    const [, verb, ...rest] = argv;
    if (verb === 'delete') {
      const i = rules.findIndex((x) => ufwRuleWords(x.r).join(' ') === rest.join(' '));
      if (i >= 0) rules.splice(i, 1);
      continue;
    }
    let words = rest;
    let at: number | 'prepend' | 'append' = 'append';
    if (verb === 'prepend') at = 'prepend';
    else if (verb === 'insert') {
      at = Number(rest[0]) - 1;
      words = rest.slice(1);
    } else words = [verb ?? '', ...rest];
    // Only the shape remedy plans: allow from A to any port P proto T
    const m = /^allow from (\S+) to any port (\S+) proto (\w+)$/.exec(words.join(' '));
    if (!m) throw new Error(`cannot simulate ${argv.join(' ')}`);
    const v6 = parseNet(m[1]!)?.family === 6;
    const line = fmt(`${m[2]}/${m[3]}`, 'ALLOW IN', m[1]!);
    const r = parseUfwStatus(`Status: active\n[ 1] ${line}`).rules[0]!;
    const entry = { r, line };
    const firstV6 = rules.findIndex((x) => x.r.v6);
    const v6Start = firstV6 < 0 ? rules.length : firstV6;
    if (at === 'prepend') rules.splice(v6 ? v6Start : 0, 0, entry);
    else if (at === 'append') rules.splice(v6 ? rules.length : v6Start, 0, entry);
    else rules.splice(at, 0, entry);
  }
  const head = ['Status: active', '', '     To                         Action      From', '     --                         ------      ----'];
  return [...head, ...rules.map((x, k) => `[${String(k + 1).padStart(2)}] ${x.line}`), ''].join('\n');
}
