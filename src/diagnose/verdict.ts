// The verdict: from what the client saw (vantage.ts) and what the server shows (evidence.ts), the
// causes of a lockout, most likely first, each with evidence lines a person can check and the
// command that fixes it. Pure: no I/O; the format libraries do the reading and matching
// (hosts_access, fail2ban, firewalls, sshd_config).
//
// Ranking. Each finding has a strength from the server's side (decisive: the server shows it
// refusing this client now; supporting: a sign of it; none: only the client's symptom, when the
// server could not be reached) and a fit with the client's symptom (match: the symptom this cause
// produces; compatible: it can produce it; mismatch). score = 3·fit + 2·strength, ties broken by
// a fixed order. So the symptom decides which of several real server-side findings comes first
// (a fail2ban ban and a hosts.deny rule: a refused TCP connect means fail2ban is what bites now),
// and a latent problem (a config that fails `sshd -t`) leads when the login itself still works.
import { matchPattern, matchPatternList } from '../transport/pattern.js';
import { isIP } from 'node:net';
import semver from 'semver';
import { quote, quoteArgv } from '../shell.js';
import { decideAccess, parseHostsAccess, rulesRefusing, type AccessDecision } from '../formats/hosts-access.js';
import { bansCovering } from '../formats/fail2ban.js';
import { isMaxStartupsDrop, isPenaltyLineOf } from '../formats/sshd-log.js';
import { missingPrivsepDir } from '../formats/sshd-privsep.js';
import { planFirewallFromProbe, type AnyBlock } from '../formats/firewall.js';
import { addrMatchList } from '../formats/addr-match-list.js';

export { addrMatchList };
import {
  DEFAULT_MAX_STARTUPS, effectiveValue, keywordInfo, parseMaxStartups, resolveConfig,
  type MaxStartups, type ResolvedConfig, type ResolvedDirective,
} from '../formats/sshd-config.js';
import { addressesReachableFrom } from '../facts.js';
import { configSource, HOSTS_ALLOW, HOSTS_DENY, SSHD_CONFIG, type ServerEvidence } from './evidence.js';
import type { Vantage, VantageOutcome } from './vantage.js';

export const CAUSE_IDS = [
  'tcp_wrappers', 'fail2ban', 'firewall', 'maxstartups', 'per_source_penalty', 'sshd_not_running',
  'sshd_config_invalid', 'user_not_allowed', 'kex_mismatch', 'host_down', 'healthy',
] as const;
export type CauseId = (typeof CAUSE_IDS)[number];

export interface Cause {
  id: CauseId;
  /** Lines a person can read and check, with file:line where there is one. */
  evidence: string[];
  /** The command (or, where no playbook fits, the exact steps) that fixes it. */
  fix: string;
}

/** One way over the working path, as tried. */
export interface PathReport {
  path: string;
  ok: boolean;
  phase?: string;
  message?: string;
  ms: number;
}

export interface VerdictInput {
  host: string;
  clientIp: string;
  user: string;
  port: number;
  vantage: Vantage;
  /** Undefined when the host was unreachable on every path. */
  evidence?: ServerEvidence;
  paths: PathReport[];
  /** The flags diagnose ran with that say how to reach the host (-i, --ssh-config, --known-hosts,
   *  --host-key-checking, -T): repeated in the fix so it works as printed. */
  reachArgs?: readonly string[];
}

export type Strength = 'decisive' | 'supporting' | 'none';
export type Fit = 'match' | 'compatible' | 'mismatch';

export interface Finding extends Cause {
  strength: Strength;
  fit: Fit;
  score: number;
}

const ORDER: CauseId[] = [
  'fail2ban', 'firewall', 'tcp_wrappers', 'maxstartups', 'per_source_penalty', 'sshd_not_running',
  'sshd_config_invalid', 'user_not_allowed', 'kex_mismatch', 'host_down', 'healthy',
];

/** The symptoms each cause produces (match) or can produce (compatible). */
const FIT: Partial<Record<CauseId, { match: VantageOutcome[]; compatible: VantageOutcome[] }>> = {
  tcp_wrappers: { match: ['reset_after_delay', 'closed_after_delay'], compatible: ['reset_at_once', 'closed_at_once', 'banner_timeout'] },
  fail2ban: { match: ['tcp_refused', 'tcp_timeout'], compatible: ['reset_at_once', 'closed_at_once', 'tcp_unreachable'] },
  firewall: { match: ['tcp_refused', 'tcp_timeout', 'tcp_unreachable'], compatible: ['reset_at_once', 'closed_at_once'] },
  // OpenSSH >= 9.8 answers a MaxStartups drop with "Not allowed at this time", as it does a penalty.
  maxstartups: { match: ['maxstartups_message', 'penalty_message', 'closed_at_once', 'reset_at_once'], compatible: ['ok', 'banner_timeout', 'login_failed'] },
  per_source_penalty: { match: ['penalty_message', 'closed_at_once', 'reset_at_once'], compatible: ['ok'] },
  sshd_not_running: { match: ['tcp_refused'], compatible: [] },
  user_not_allowed: { match: ['auth_failed'], compatible: [] },
  kex_mismatch: { match: ['kex_failed'], compatible: [] },
  host_down: { match: ['tcp_timeout', 'tcp_unreachable', 'resolve_failed'], compatible: [] },
};

export function fitOf(id: CauseId, outcome: VantageOutcome): Fit {
  if (id === 'sshd_config_invalid') return 'compatible'; // latent: bites at the next restart
  const f = FIT[id];
  if (!f) return 'mismatch';
  return f.match.includes(outcome) ? 'match' : f.compatible.includes(outcome) ? 'compatible' : 'mismatch';
}

const FIT_W: Record<Fit, number> = { match: 2, compatible: 1, mismatch: 0 };
const STRENGTH_W: Record<Strength, number> = { decisive: 2, supporting: 1, none: 0 };

export function scoreOf(fit: Fit, strength: Strength): number {
  return FIT_W[fit] * 3 + STRENGTH_W[strength] * 2;
}

// ---------------------------------------------------------------------------------------------
// Fix commands

/** `remedy apply PLAYBOOK` with diagnose's reach flags and the host, shell-quoted. */
const applyCmd = (i: VerdictInput, playbook: string) =>
  `remedy apply ${quoteArgv([playbook, ...(i.reachArgs ?? []), '-l', i.host])}`;
const unblockFix = (i: VerdictInput) => `${applyCmd(i, 'playbooks/unblock.yml')} -e client_ip=${quote(i.clientIp)}`;
const restoreFix = (i: VerdictInput) => applyCmd(i, 'playbooks/restore-sshd.yml');
const raiseFix = (i: VerdictInput, floor?: string) =>
  `${applyCmd(i, 'playbooks/raise-maxstartups.yml')}${floor ? ` -e maxstartups_floor=${quote(floor)}` : ''}`;

// ---------------------------------------------------------------------------------------------
// Helpers over the evidence

const where = (d: { file: string; line: number }) => `${d.file}:${d.line}`;

function fileText(ev: ServerEvidence, path: string): string | undefined {
  const f = ev.files.get(path);
  return f?.state === 'file' ? f.text : undefined;
}

function resolved(ev: ServerEvidence): ResolvedConfig | undefined {
  if (ev.files.get(SSHD_CONFIG)?.state !== 'file') return undefined;
  const src = configSource(ev);
  return resolveConfig(SSHD_CONFIG, src.read, src.glob);
}

/** `sshd -T` value(s) of a keyword (lower case), when sshd -T ran. */
function effective(ev: ServerEvidence, key: string): string[] | undefined {
  return ev.sshdEffective?.rc === 0 ? ev.sshdEffective.values.get(key) : undefined;
}

/** The client address appears in the line as a whole address (198.18.0.1 is not in 198.18.0.10). */
export function lineNamesIp(line: string, ip: string): boolean {
  const esc = ip.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const re = isIP(ip) === 6 ? `(?<![0-9A-Fa-f:])${esc}(?![0-9A-Fa-f:])` : `(?<![0-9.])${esc}(?![0-9]|\\.[0-9])`;
  return new RegExp(re).test(line);
}

function logLines(ev: ServerEvidence, test: (l: string) => boolean, max = 5): string[] {
  const out: string[] = [];
  for (const src of ev.logs) {
    const hits = src.lines.filter(test);
    for (const l of hits.slice(-max)) out.push(`${src.source}: ${l.trim().slice(0, 300)}`);
  }
  return out.slice(-max);
}

/** The newest log lines that name the client address (all sources). */
export function clientLogLines(ev: ServerEvidence, ip: string, max = 10): string[] {
  return logLines(ev, (l) => lineNamesIp(l, ip), max);
}

const sshdPort = (i: VerdictInput) => i.port;

function listenersOn(ev: ServerEvidence, port: number) {
  return ev.listening.filter((r) => r.local.port === port);
}

/** Which running OpenSSH: the server's facts, else the client's banner. */
function opensshVersion(i: VerdictInput): string | undefined {
  return i.evidence?.facts.opensshVersion ?? i.vantage.opensshVersion ?? undefined;
}

function clientSaw(i: VerdictInput): string {
  const v = i.vantage;
  return `client (${v.from ?? i.clientIp} → ${v.target.address ?? v.target.host}:${v.target.port}): ${v.summary}`;
}

// ---------------------------------------------------------------------------------------------
// sshd's user matching (match.c): patterns with * and ?, `!` negation in lists, user@host with
// the host part matched against the client's address (wildcards or CIDR), as with UseDNS no.

/** match_user: `user` or `user@host` patterns. */
export function matchUser(user: string, ip: string, pattern: string): boolean {
  const at = pattern.indexOf('@');
  if (at < 0) return matchPattern(user, pattern, false);
  if (!matchPattern(user, pattern.slice(0, at), false)) return false;
  const hostPat = pattern.slice(at + 1);
  const byName = matchPatternList(ip, hostPat.split(','));
  const byAddr = addrMatchList(ip, hostPat);
  if (byName === -1 || byAddr === -1) return false;
  return byName === 1 || byAddr === 1;
}

// ---------------------------------------------------------------------------------------------
// Per-cause analysis from server evidence

type Draft = { id: CauseId; strength: Strength; evidence: string[]; fix: string; fit?: Fit };

/**
 * The server addresses the client's connection may have reached, for `sshd@host` rules: the
 * address it dialled when it is one of the host's own, else every address of the host (NAT, or
 * a name resolving elsewhere), else none known (the matcher then assumes the host part matches).
 */
function serverAddrsFor(i: VerdictInput, ev: ServerEvidence): string[] {
  const own = addressesReachableFrom(ev.facts, i.clientIp);
  const dialled = i.vantage.target.address ?? i.vantage.resolve.address;
  return dialled && own.includes(dialled) ? [dialled] : own;
}

// `twist` hands the connection to a shell command that answers and exits at once: the client
// sees a line (or nothing) and a close before any banner, the same signature as a MaxStartups
// drop. The rule that matches is server-side evidence, so it is that symptom's match.
const TWIST_SYMPTOMS: VantageOutcome[] = ['closed_at_once', 'reset_at_once', 'banner_timeout'];

/** The deciding rule's last option is a (valid) twist. */
const refusesByTwist = (d: AccessDecision): boolean =>
  !!d.rule && !d.rule.optionError && d.rule.options.at(-1)?.name.toLowerCase() === 'twist';

function tcpWrappers(i: VerdictInput, ev: ServerEvidence): Draft | undefined {
  const allowText = fileText(ev, HOSTS_ALLOW);
  const denyText = fileText(ev, HOSTS_DENY);
  if (allowText === undefined && denyText === undefined) return undefined;
  // OpenSSH without libwrap never reads these files: a rule there refuses nobody.
  const linked = ev.facts.libwrap || !!ev.libwrapLine;
  if (!linked) return undefined;
  const files = { allow: parseHostsAccess(allowText ?? ''), deny: parseHostsAccess(denyText ?? '') };
  const client = { addr: i.clientIp };
  const addrs: Array<string | undefined> = serverAddrsFor(i, ev);
  if (addrs.length === 0) addrs.push(undefined);
  const optsFor = (serverAddr: string | undefined) => ({ serverPort: sshdPort(i), ...(serverAddr === undefined ? {} : { serverAddr }) });
  const decisions = addrs.map((a) => decideAccess({ ...files, ...optsFor(a), daemon: 'sshd', client }));
  const k = decisions.findIndex((d) => d.verdict === 'deny');
  if (k < 0) return undefined;
  const decision = decisions[k]!;
  const refusing = rulesRefusing(files, 'sshd', client, optsFor(addrs[k]));
  const evidence: string[] = [];
  if (!decision.rule) evidence.push(`${HOSTS_DENY}:${decision.line}: ${decision.reason}`);
  for (const r of refusing) {
    const path = r.file === 'allow' ? HOSTS_ALLOW : HOSTS_DENY;
    const text = r.rule.logical.trim();
    const scope = r.scope === 'client'
      ? 'names this client'
      : `a policy that matches this client (${r.matchedBy.map((m) => `${m.pattern}: ${m.kind}`).join(', ') || 'via EXCEPT'})`;
    evidence.push(`${path}:${r.line}: ${text} — ${r.reason}, ${scope}${r.decisive ? '; hosts_access stops here: refused' : ''}`);
  }
  const refusedOn = addrs.filter((_, j) => decisions[j]!.verdict === 'deny');
  if (addrs.length > 1 && refusedOn.length < addrs.length)
    evidence.push(`refused only on ${refusedOn.join(', ')} of the host's addresses ${addrs.join(', ')} (a daemon@host rule)`);
  if (decision.assumptions.length) evidence.push(`assuming ${decision.assumptions.join('; ')}`);
  const wrapped = ev.facts.libwrapIn.length ? ev.facts.libwrapIn.join(', ') : 'sshd';
  evidence.push(`libwrap is linked into ${wrapped}${ev.libwrapLine ? ` (ldd: ${ev.libwrapLine.replace(/\s+/g, ' ')})` : ''}, so these rules apply`);
  const twist = refusesByTwist(decision);
  if (twist) evidence.push('twist replaces sshd with its command: the client gets its output and an immediate close, before any SSH banner');
  evidence.push(...logLines(ev, (l) => /refused connect/i.test(l) && lineNamesIp(l, i.clientIp)));
  const fit: Fit | undefined = twist && TWIST_SYMPTOMS.includes(i.vantage.outcome) ? 'match' : undefined;
  return { id: 'tcp_wrappers', strength: 'decisive', evidence, fix: unblockFix(i), ...(fit ? { fit } : {}) };
}

function describeBlock(b: AnyBlock): string {
  const cond = b.certainty === 'conditional' && b.conditions.length ? ` (only if ${b.conditions.join('; ')})` : '';
  const names = b.classification === 'names-client' ? 'names this client' : 'a broad rule that matches this client';
  switch (b.tool) {
    case 'iptables':
    case 'ip6tables': {
      const via = b.via.length ? `, reached via ${b.via.join(' → ')}` : '';
      const pos = b.kind === 'policy' ? `${b.tool} policy` : `${b.tool} chain ${b.chain} rule ${b.index}`;
      return `${pos}: ${b.rule} — ${names}${via}${cond}`;
    }
    case 'nft':
      return `nft ${b.family} ${b.table} chain ${b.chain}${b.handle !== undefined ? ` handle ${b.handle}` : ''}: ${b.rule} — ${names}${cond}`;
    case 'ufw':
      return `ufw${b.number ? ` [${b.number}]` : ' policy'}: ${b.text} — ${names}${cond}`;
    case 'firewalld':
      return `firewalld zone ${b.zone} (${b.kind}): ${b.text} — ${names}${cond}`;
  }
}

function firewallPlan(i: VerdictInput, ev: ServerEvidence) {
  try {
    return planFirewallFromProbe(ev.firewall, { clientIp: i.clientIp, port: sshdPort(i) });
  } catch {
    return undefined;
  }
}

function fail2ban(i: VerdictInput, ev: ServerEvidence, plan: ReturnType<typeof firewallPlan>): Draft | undefined {
  const bans = ev.fail2ban.running ? bansCovering(ev.fail2ban, i.clientIp) : [];
  const rules = plan?.fail2ban ?? [];
  if (bans.length === 0 && rules.length === 0) return undefined;
  const evidence: string[] = [];
  for (const b of bans) evidence.push(`fail2ban jail ${b.jail} bans ${b.id}${b.id !== i.clientIp ? ` (covers ${i.clientIp})` : ''} (fail2ban-client status ${b.jail})`);
  for (const r of rules) evidence.push(`its firewall rule: ${describeBlock(r)}`);
  if (!ev.fail2ban.running && rules.length) evidence.push(`fail2ban is not running, but its rules are still in the firewall`);
  if (ev.fail2ban.version) evidence.push(`fail2ban ${ev.fail2ban.version}; bans live in its database: lift them with fail2ban-client, not with iptables`);
  evidence.push(...logLines(ev, (l) => /\bBan\b/.test(l) && lineNamesIp(l, i.clientIp), 3));
  return { id: 'fail2ban', strength: 'decisive', evidence, fix: unblockFix(i) };
}

function firewall(i: VerdictInput, plan: ReturnType<typeof firewallPlan>): Draft | undefined {
  if (!plan) return undefined;
  const own = plan.blocks.filter((b) => !plan.fail2ban.includes(b));
  if (own.length === 0) return undefined;
  const certain = own.some((b) => b.certainty === 'certain');
  const evidence = own.map(describeBlock);
  const reject = own.some((b) => ('target' in b ? /REJECT/i.test(b.target) : /reject/i.test('verdict' in b ? b.verdict : 'action' in b ? b.action : b.text)));
  evidence.push(reject ? 'REJECT answers the SYN: the client sees "Connection refused"' : 'DROP answers nothing: the client sees a connect timeout');
  return { id: 'firewall', strength: certain ? 'decisive' : 'supporting', evidence, fix: unblockFix(i) };
}

interface MaxStartupsState {
  value: MaxStartups;
  text: string;
  source?: string;
  evidence: string[];
  /** Unauthenticated connections now, and how that was counted. */
  now?: number;
  method?: string;
}

function maxStartupsState(ev: ServerEvidence, cfg: ResolvedConfig | undefined): MaxStartupsState {
  const evidence: string[] = [];
  let text = effective(ev, 'maxstartups')?.[0];
  let source: string | undefined;
  const fromFiles = cfg ? effectiveValue(cfg, 'MaxStartups', { opensshVersion: ev.facts.opensshVersion }) : undefined;
  if (fromFiles?.source) {
    source = where(fromFiles.source);
    const inc = fromFiles.directive?.includedFrom ?? [];
    const drop = inc.length ? ` (a drop-in, included from ${inc.map(where).join(' → ')})` : '';
    evidence.push(`MaxStartups ${fromFiles.value} at ${source}${drop}`);
    const rule = fromFiles.precedence === 'last'
      ? `OpenSSH ${ev.facts.opensshVersionRaw || ev.facts.opensshVersion} takes the last MaxStartups it reads; the first only from 10.1`
      : 'sshd takes the first value it reads';
    for (const s of fromFiles.shadowed) evidence.push(`  it overrides ${where(s)}: MaxStartups ${s.args.join(' ')} (${rule})`);
  } else if (fromFiles) {
    evidence.push(`MaxStartups is not set in ${SSHD_CONFIG} or its includes: the default ${fromFiles.value ?? '10:30:100'}`);
  }
  text ??= fromFiles?.value ?? '10:30:100';
  const parsed = parseMaxStartups(text);
  let value = parsed.ok ? parsed.value : DEFAULT_MAX_STARTUPS;
  const title = ev.sshd.startupsTitle;
  if (title && (title.start !== value.start || title.full !== value.full)) {
    evidence.push(`the running sshd uses ${title.start}-${title.full} (its title), not the files' ${value.start}:${value.rate}:${value.full}: the files changed after sshd last (re)started`);
    value = { ...value, start: title.start, full: title.full };
  }
  const st: MaxStartupsState = { value, text, evidence, ...(source ? { source } : {}) };
  if (title) {
    st.now = title.now;
    st.method = `sshd's listener title "[listener] ${title.now} of ${title.start}-${title.full} startups"`;
  } else if (ev.sshd.listener) {
    st.now = ev.sshd.preauth.length;
    st.method = `pre-authentication children of the listener (pid ${ev.sshd.listener.pid}): ${ev.sshd.preauth.map((p) => p.cmdline.trim()).slice(0, 3).join(', ') || 'none'}`;
  }
  return st;
}

/** sshd.c should_drop_connection: percent chance that a new connection is dropped now. */
export function dropChance(ms: MaxStartups, unauthenticated: number): number {
  if (unauthenticated < ms.start) return 0;
  if (unauthenticated >= ms.full) return 100;
  return Math.round(ms.rate + ((100 - ms.rate) * (unauthenticated - ms.start)) / (ms.full - ms.start));
}

function maxstartups(i: VerdictInput, ev: ServerEvidence, cfg: ResolvedConfig | undefined): Draft | undefined {
  const st = maxStartupsState(ev, cfg);
  const v = i.vantage;
  const evidence = [...st.evidence];
  const port = sshdPort(i);
  const est = ev.established.filter((r) => r.local.port === port);
  const fromClient = est.filter((r) => r.peer && r.peer.addr === i.clientIp).length;
  let strength: Strength | undefined;
  if (st.now !== undefined) {
    const p = dropChance(st.value, st.now);
    evidence.push(
      `unauthenticated connections now: ${st.now} (${st.method}) — start ${st.value.start}, full ${st.value.full}: ` +
        (p === 0 ? 'below start, nothing is dropped at this moment' : `a new connection is dropped with probability ${p}%`),
    );
    if (p > 0) strength = 'decisive';
  }
  if (est.length) {
    evidence.push(`ESTABLISHED TCP connections to :${port}: ${est.length} (${ev.sshd.sessions.length} logged-in sessions; ${fromClient} from ${i.clientIp})`);
  }
  const perSource = effective(ev, 'persourcemaxstartups')?.[0];
  if (perSource && /^\d+$/.test(perSource) && fromClient >= Number(perSource)) {
    evidence.push(`PerSourceMaxStartups ${perSource}: ${i.clientIp} already has ${fromClient} connections open`);
    strength = 'decisive';
  }
  if (v.outcome === 'maxstartups_message') {
    evidence.push(`the server answered the client "Exceeded MaxStartups" instead of its banner`);
    strength = 'decisive';
  } else if (v.dropped > 0 && (v.outcome === 'closed_at_once' || v.outcome === 'reset_at_once')) {
    evidence.push(`the client's new connections were dropped at once before the banner (${v.dropped} of ${v.probes.length + (v.login ? 1 : 0)}): MaxStartups' random early drop`);
    strength ??= 'supporting';
  }
  // Only the listener's MaxStartups drops: OpenSSH >= 9.8 logs penalty refusals as drops too.
  const logs = logLines(ev, (l) => isMaxStartupsDrop(l));
  evidence.push(...logs);
  // Log lines are history: once the client gets in again they explain nothing by themselves.
  if (logs.length && v.outcome !== 'ok') strength ??= 'supporting';
  if (!strength) return undefined;
  if (ev.loadavg) evidence.push(`load average: ${ev.loadavg.split(' ').slice(0, 3).join(' ')}`);
  // A floor above the unauthenticated connections now, never below the default.
  let floor: string | undefined;
  const busy = st.now ?? 0;
  if (busy >= DEFAULT_MAX_STARTUPS.start) floor = `${busy + 10}:30:${Math.max(DEFAULT_MAX_STARTUPS.full, 2 * (busy + 10))}`;
  return { id: 'maxstartups', strength, evidence, fix: raiseFix(i, floor) };
}

function perSourcePenalty(i: VerdictInput, ev: ServerEvidence | undefined): Draft | undefined {
  const ver = opensshVersion(i);
  const v = i.vantage;
  const supported = ver ? semver.gte(ver, '9.8.0') : undefined;
  const evidence: string[] = [];
  let strength: Strength | undefined;
  if (v.outcome === 'penalty_message') {
    // The same words answer a MaxStartups drop: only the server's log (below) makes it decisive.
    evidence.push(`the server answered the client ${JSON.stringify((v.probes[0]?.lines ?? []).join(' '))} instead of its banner`);
    strength = ev ? 'supporting' : 'decisive';
  }
  if (ev) {
    if (supported === false) return undefined;
    const setting = effective(ev, 'persourcepenalties')?.[0];
    if (setting !== undefined) evidence.push(`PerSourcePenalties ${setting} (sshd -T)${setting === 'no' ? ': off' : ''}`);
    if (setting === 'no') return undefined;
    const exempt = effective(ev, 'persourcepenaltyexemptlist')?.[0];
    if (exempt && exempt !== 'none' && addrMatchList(i.clientIp, exempt) === 1) return undefined;
    const logs = logLines(ev, (l) => isPenaltyLineOf(l, i.clientIp));
    evidence.push(...logs);
    if (logs.length && v.outcome !== 'ok') strength = 'decisive';
    else if (logLines(ev, (l) => isMaxStartupsDrop(l, i.clientIp)).length) {
      return undefined; // the log says the client's drops were MaxStartups', and no penalty
    } else if (supported && v.dropped > 0 && (v.outcome === 'closed_at_once' || v.outcome === 'reset_at_once')) {
      evidence.push(`the client's connection was closed at once before the banner, and sshd ${ver} penalises sources (PerSourcePenalties is on by default since 9.8)`);
      strength = 'supporting';
    }
  }
  if (!strength) return undefined;
  if (ver) evidence.push(`OpenSSH ${ver}${supported ? ' (≥ 9.8: has PerSourcePenalties)' : ''}`);
  return {
    id: 'per_source_penalty',
    strength,
    evidence,
    // unblock.yml exempts the client (PerSourcePenaltyExemptList) and restarts sshd, which clears the penalty table.
    fix: unblockFix(i),
  };
}

function sshdNotRunning(i: VerdictInput, ev: ServerEvidence): Draft | undefined {
  const port = sshdPort(i);
  const evidence: string[] = [];
  const listeners = listenersOn(ev, port);
  // Socket activation (ssh.socket): systemd holds the port and starts sshd for connections.
  const sshdListens = listeners.some((r) => !r.process || /"(sshd|systemd)"/.test(r.process));
  const pf = ev.sshd.pidfile;
  const listener = ev.sshd.listener;
  if (ev.socketSource && sshdListens) return undefined;
  if (!ev.socketSource && listener) return undefined;
  if (ev.socketSource) {
    if (listeners.length === 0) evidence.push(`nothing listens on TCP port ${port} (${ev.socketSource === 'ss' ? 'ss -tlnp' : '/proc/net/tcp'})`);
    else evidence.push(`port ${port} is held by ${listeners.map((r) => r.process ?? '?').join(', ')}, not sshd`);
    const elsewhere = ev.listening.filter((r) => r.process && /"sshd"/.test(r.process));
    if (elsewhere.length) evidence.push(`sshd listens on ${elsewhere.map((r) => `${r.local.addr}:${r.local.port}`).join(', ')} instead`);
  }
  if (!pf) evidence.push(`no /run/sshd.pid`);
  else if (!pf.alive) evidence.push(`${pf.path} names pid ${pf.pid}, which is not running`);
  if (!listener) evidence.push(`no sshd listener process`);
  const privsep = ev.sshdTest && ev.sshdTest.rc !== 0 ? missingPrivsepDir(ev.sshdTest.output) : undefined;
  if (privsep) evidence.push(`sshd -t stops at "Missing privilege separation directory: ${privsep}", which sshd checks after it read its configuration: systemd removes that directory when ssh.service stops, and a checked start makes it again`);
  else if (ev.sshdTest && ev.sshdTest.rc !== 0) evidence.push(`sshd -t fails, so sshd cannot start as configured (see sshd_config_invalid)`);
  if (!ev.sshdTest && !ev.facts.sshdPath) evidence.push(`no sshd binary found (openssh-server not installed?)`);
  return { id: 'sshd_not_running', strength: 'decisive', evidence, fix: restoreFix(i) };
}

function sshdConfigInvalid(i: VerdictInput, ev: ServerEvidence, cfg: ResolvedConfig | undefined): Draft | undefined {
  const t = ev.sshdTest;
  if (!t || t.rc === 0 || t.rc === undefined || missingPrivsepDir(t.output)) return undefined;
  const evidence: string[] = [];
  const lines = t.output.split('\n').map((l) => l.trim()).filter(Boolean);
  const located = lines.map((l) => /^(\S+): line (\d+): (.*)$/.exec(l)).filter((m): m is RegExpExecArray => !!m);
  for (const m of located) evidence.push(`${m[1]}:${m[2]}: ${m[3]}`);
  for (const l of lines.filter((l) => !/^(\S+): line (\d+): /.test(l)).slice(0, 5)) evidence.push(`sshd -t: ${l}`);
  evidence.push(`sshd -t exits ${t.rc}`);
  if (cfg) {
    for (const d of cfg.directives) {
      if (d.key === 'match' || d.key === 'include' || keywordInfo(d.keyword)) continue;
      const loc = where(d);
      if (!located.some((m) => `${m[1]}:${m[2]}` === loc)) evidence.push(`${loc}: unknown keyword ${d.keyword}`);
    }
    for (const p of cfg.problems) if (p.line !== undefined) evidence.push(`${p.file}:${p.line}: ${p.message}`);
  }
  const listener = ev.sshd.listener;
  evidence.push(
    listener
      ? `sshd (pid ${listener.pid}) still runs with the configuration it read when it started: the next restart or reload fails and locks everyone out`
      : `sshd cannot start with this configuration`,
  );
  const first = located[0];
  const fix = `${first ? `correct ${first[1]}:${first[2]} (${first[3]})` : 'correct the configuration sshd -t rejects'}, then ${restoreFix(i)} (it checks sshd -t and starts sshd)`;
  return { id: 'sshd_config_invalid', strength: 'decisive', fit: listener ? 'compatible' : fitOf('sshd_not_running', i.vantage.outcome), evidence, fix };
}

function userNotAllowed(i: VerdictInput, ev: ServerEvidence, cfg: ResolvedConfig | undefined): Draft | undefined {
  const evidence: string[] = [];
  const listOf = (key: string, keyword: string): { values: string[]; from: string } => {
    // sshd -T has Match evaluated for this user and address; it omits empty lists.
    if (ev.sshdEffective?.rc === 0) {
      const t = ev.sshdEffective.values.get(key) ?? [];
      return { values: t.flatMap((x) => x.split(/\s+/)).filter(Boolean), from: 'sshd -T' };
    }
    if (!cfg) return { values: [], from: 'unknown' };
    const ev2 = effectiveValue(cfg, keyword);
    return { values: ev2.args ?? [], from: 'the files' };
  };
  const at = (keyword: string, pattern: string): string => {
    const d = cfg?.directives.find((x: ResolvedDirective) => x.canonical === keyword.toLowerCase() && x.args.includes(pattern));
    if (!d) return '';
    const m = d.matchChain[d.matchChain.length - 1];
    return ` at ${where(d)}${m ? ` (in Match ${m.criteria.join(' ')} at ${where(m)})` : ''}`;
  };
  const user = i.user;
  const ip = i.clientIp;
  const deny = listOf('denyusers', 'DenyUsers');
  for (const p of deny.values) if (matchUser(user, ip, p)) evidence.push(`DenyUsers ${p}${at('DenyUsers', p)} matches ${user} from ${ip}`);
  const allow = listOf('allowusers', 'AllowUsers');
  if (allow.values.length && !allow.values.some((p) => matchUser(user, ip, p))) {
    evidence.push(`AllowUsers ${allow.values.join(' ')}${at('AllowUsers', allow.values[0]!)} does not include ${user} from ${ip}`);
  }
  const groups = ev.userGroups;
  if (groups) {
    const dg = listOf('denygroups', 'DenyGroups');
    for (const p of dg.values) {
      const g = groups.find((x) => matchPatternList(x, p.split(','), false) === 1);
      if (g) evidence.push(`DenyGroups ${p}${at('DenyGroups', p)} matches ${user}'s group ${g}`);
    }
    const ag = listOf('allowgroups', 'AllowGroups');
    if (ag.values.length && !groups.some((x) => ag.values.some((p) => matchPatternList(x, p.split(','), false) === 1))) {
      evidence.push(`AllowGroups ${ag.values.join(' ')}${at('AllowGroups', ag.values[0]!)} includes none of ${user}'s groups (${groups.join(', ')})`);
    }
  }
  if (user === 'root' && effective(ev, 'permitrootlogin')?.[0] === 'no') evidence.push(`PermitRootLogin no (sshd -T for ${user} from ${ip})`);
  if (evidence.length === 0) return undefined;
  evidence.push(...logLines(ev, (l) => /not allowed because|ROOT LOGIN REFUSED/i.test(l) && lineNamesIp(l, ip)));
  const loc = /at (\S+:\d+)/.exec(evidence[0]!)?.[1];
  return {
    id: 'user_not_allowed',
    strength: 'decisive',
    evidence,
    fix: `edit ${loc ?? SSHD_CONFIG} so that it no longer excludes ${user} from ${ip}, check with sshd -t, then reload sshd (service ${ev.facts.sshService} reload)`,
  };
}

function kexMismatch(i: VerdictInput, ev: ServerEvidence | undefined): Draft | undefined {
  const v = i.vantage;
  if (v.outcome !== 'kex_failed') return undefined;
  const evidence = [clientSaw(i)];
  for (const k of ['kexalgorithms', 'hostkeyalgorithms', 'ciphers', 'macs']) {
    const val = ev ? effective(ev, k)?.[0] : undefined;
    if (val) evidence.push(`server ${k}: ${val}`);
  }
  if (v.software) evidence.push(`server software: ${v.software}`);
  return {
    id: 'kex_mismatch',
    strength: 'decisive',
    evidence,
    fix: `upgrade the side that only offers legacy algorithms (server: ${v.software ?? 'unknown'}); only as a stop-gap for a legacy server: ssh -o KexAlgorithms=+<one the server lists> ${i.host}`,
  };
}

// ---------------------------------------------------------------------------------------------
// From the client's side only (the server could not be reached, or shows nothing that fits)

const refusedEverywhere = (i: VerdictInput) =>
  i.paths.length > 0 && i.paths.every((p) => !p.ok && p.phase === 'connect' && /ECONNREFUSED/.test(p.message ?? ''));
const silentEverywhere = (i: VerdictInput) =>
  i.paths.every((p) => !p.ok && (p.phase === 'connect' || p.phase === 'timeout' || p.phase === 'resolve') && !/ECONNREFUSED/.test(p.message ?? ''));

function pathLines(i: VerdictInput): string[] {
  return i.paths.filter((p) => !p.ok).map((p) => `path ${p.path}: ${p.phase}: ${p.message} (${p.ms} ms)`);
}

function clientOnly(i: VerdictInput, ev: ServerEvidence | undefined): Draft[] {
  const v = i.vantage;
  const seen = [clientSaw(i)];
  const none = ev
    ? 'the server shows nothing that explains it now'
    : i.paths.some((p) => p.ok)
      ? 'server evidence unavailable: the evidence script failed'
      : 'server evidence unavailable: unreachable on every path';
  const out: Draft[] = [];
  const add = (id: CauseId, extra: string[], fix: string) => out.push({ id, strength: 'none', evidence: [...seen, ...extra, none], fix });
  switch (v.outcome) {
    case 'tcp_refused':
      if (!ev && refusedEverywhere(i)) {
        add('sshd_not_running', [
          ...pathLines(i),
          `every path was refused at the TCP level: the host is up (its kernel answers) but nothing accepts connections on port ${v.target.port}, from any source address`,
        ], `${restoreFix(i)} -e ansible_port=PORT over a path that does not need this sshd (a second sshd on PORT), or on the host's console: remedy apply playbooks/restore-sshd.yml -i localhost, -e ansible_connection=local`);
        add('firewall', ['or a firewall REJECT for every source'], unblockFix(i));
      } else {
        if (ev) add('firewall', ['no rule on the host refuses the client: a firewall between (network firewall, cloud security group) answers with a reject'], `open TCP port ${v.target.port} for ${i.clientIp} on the filter in front of ${i.host}`);
        else {
          add('firewall', pathLines(i), unblockFix(i));
          add('fail2ban', [], unblockFix(i));
          add('sshd_not_running', [], restoreFix(i));
        }
      }
      break;
    case 'tcp_timeout':
    case 'tcp_unreachable':
      if (!ev && silentEverywhere(i)) {
        add('host_down', [...pathLines(i), 'no path got any answer (timeouts / unreachable): the host or its network is down'],
          `check ${i.host} from its console or provider (power, network, routing, security group); no path reaches it`);
        if (v.outcome === 'tcp_timeout') add('firewall', ['or a firewall DROP in front of every path'], unblockFix(i));
      } else {
        add('firewall', [ev ? `no rule on the host drops the client: a filter between (cloud security group, network ACL) drops its SYN` : 'a firewall DROP for the client', ...pathLines(i)],
          ev ? `open TCP port ${v.target.port} for ${i.clientIp} in the security group / network ACL in front of ${i.host}` : unblockFix(i));
        if (!ev) add('fail2ban', ['a fail2ban ban with a DROP action'], unblockFix(i));
      }
      break;
    case 'resolve_failed':
      add('host_down', [`the name ${v.target.host} does not resolve (${v.resolve.error})`, ...pathLines(i)], `fix the name (DNS, /etc/hosts, ansible_host) for ${i.host}`);
      break;
    case 'reset_after_delay':
    case 'closed_after_delay':
      add('tcp_wrappers', [`closed ${v.probes[0]?.preBannerMs} ms after connecting, before any banner: libwrap's delayed refusal`], unblockFix(i));
      break;
    case 'maxstartups_message':
      add('maxstartups', [], raiseFix(i));
      break;
    case 'penalty_message':
      add('per_source_penalty', [], `wait for the penalty to expire, or add "PerSourcePenaltyExemptList ${i.clientIp}" to ${SSHD_CONFIG}`);
      break;
    case 'closed_at_once':
    case 'reset_at_once': {
      add('maxstartups', [`${v.dropped} of ${v.probes.length + (v.login ? 1 : 0)} new connections were dropped at once, before any banner`], raiseFix(i));
      const ver = opensshVersion(i);
      if (!ver || semver.gte(ver, '9.8.0')) add('per_source_penalty', [ver ? `OpenSSH ${ver}` : 'OpenSSH version unknown'], `wait for the penalty to expire, or add "PerSourcePenaltyExemptList ${i.clientIp}" to ${SSHD_CONFIG}`);
      break;
    }
    case 'banner_timeout':
      add('maxstartups', ['the server accepted the connection but sent no banner: overloaded (MaxStartups, load) or slow reverse DNS'], raiseFix(i));
      break;
    case 'auth_failed':
      add('user_not_allowed', [`or the key is not in the user's authorized_keys`], `check AllowUsers/DenyUsers/AllowGroups/DenyGroups in ${SSHD_CONFIG} and the user's authorized_keys`);
      break;
    default:
      break;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

function healthyEvidence(i: VerdictInput, ev: ServerEvidence | undefined): string[] {
  const out = [`${clientSaw(i)}: the login got through from the client's vantage point`];
  if (!ev) return [...out, 'server evidence unavailable'];
  const port = sshdPort(i);
  const l = listenersOn(ev, port);
  if (l.length) out.push(`sshd${ev.sshd.listener ? ` (pid ${ev.sshd.listener.pid})` : ''} listens on ${l.map((r) => `${r.local.addr}:${r.local.port}`).join(', ')}`);
  if (ev.sshdTest?.rc === 0) out.push('sshd -t: the configuration is valid');
  const ms = effective(ev, 'maxstartups')?.[0];
  const t = ev.sshd.startupsTitle;
  if (ms) out.push(`MaxStartups ${ms}; unauthenticated connections now: ${t ? t.now : ev.sshd.preauth.length}`);
  if (ev.facts.libwrap) out.push(`hosts.allow/hosts.deny: no rule refuses ${i.clientIp}`);
  out.push(ev.fail2ban.installed ? (ev.fail2ban.running ? `fail2ban: ${ev.fail2ban.jails.length} jail(s), none bans ${i.clientIp}` : 'fail2ban installed but not running') : 'fail2ban not installed');
  if (ev.firewall.present.length) out.push(`firewall (${ev.firewall.present.join(', ')}): no rule blocks ${i.clientIp} to port ${port}`);
  out.push(...clientLogLines(ev, i.clientIp, 1).map((l) => `latest log line for ${i.clientIp}: ${l}`));
  return out;
}

/** Every finding, ranked (score, then the fixed order). */
export function findings(i: VerdictInput): Finding[] {
  const ev = i.evidence;
  const drafts: Draft[] = [];
  const push = (d: Draft | undefined) => {
    if (d) drafts.push(d);
  };
  if (ev) {
    const cfg = resolved(ev);
    const plan = firewallPlan(i, ev);
    push(fail2ban(i, ev, plan));
    push(firewall(i, plan));
    push(tcpWrappers(i, ev));
    push(maxstartups(i, ev, cfg));
    push(perSourcePenalty(i, ev));
    push(sshdNotRunning(i, ev));
    push(sshdConfigInvalid(i, ev, cfg));
    push(userNotAllowed(i, ev, cfg));
    push(kexMismatch(i, ev));
  } else {
    push(kexMismatch(i, undefined));
    push(perSourcePenalty(i, undefined));
  }
  const out: Finding[] = drafts.map((d) => {
    const fit = d.fit ?? fitOf(d.id, i.vantage.outcome);
    return { id: d.id, evidence: d.evidence, fix: d.fix, strength: d.strength, fit, score: scoreOf(fit, d.strength) };
  });
  // The client's symptom alone, when nothing the server shows produces it.
  if (i.vantage.outcome !== 'ok' && !out.some((f) => f.fit === 'match')) {
    for (const d of clientOnly(i, ev)) {
      if (out.some((f) => f.id === d.id)) continue;
      const fit = fitOf(d.id, i.vantage.outcome);
      out.push({ id: d.id, evidence: d.evidence, fix: d.fix, strength: d.strength, fit, score: scoreOf(fit, d.strength) });
    }
  }
  // Among client-only candidates the order given by clientOnly is the likelihood order.
  const rank = new Map(out.map((f, k) => [f, k]));
  out.sort((a, b) => b.score - a.score || (a.strength === 'none' && b.strength === 'none' ? rank.get(a)! - rank.get(b)! : ORDER.indexOf(a.id) - ORDER.indexOf(b.id)));
  if (out.length === 0 && i.vantage.outcome === 'ok') {
    out.push({ id: 'healthy', evidence: healthyEvidence(i, ev), fix: '', strength: ev ? 'decisive' : 'none', fit: 'match', score: 0 });
  }
  return out;
}

/** The causes, most likely first (empty when the client failed and nothing explains it). */
export function verdict(i: VerdictInput): Cause[] {
  return findings(i).map(({ id, evidence, fix }) => ({ id, evidence, fix }));
}
