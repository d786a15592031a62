// iptables / ip6tables: read `iptables -S` (or iptables-save) output, find the rules that stop a
// client's new TCP connection to sshd, and plan the commands that let it through.
//
// How a rule is judged: remedy simulates the client's SYN (source = client, TCP, destination port
// = sshd's port, conntrack state NEW, arriving on some non-loopback interface) walking the filter
// table's INPUT chain, following jumps (-j CHAIN) and gotos (-g CHAIN) into user chains, as the
// kernel does. Each match is yes / no / maybe: maybe when it depends on something remedy cannot
// see (the interface, the server's own address, rate limits, ipsets, -m recent state...).
// - A rule whose matches are all yes and whose target is ACCEPT ends the walk: nothing after it
//   blocks the client (so a planned ACCEPT makes a second plan empty).
// - DROP / REJECT / TARPIT rules that match (yes or maybe) are findings; the walk goes on past
//   them, so every rule that would still block once the first is gone is found.
// - Falling off INPUT with policy DROP is a finding too.
// Only the filter table is read (`iptables -S` shows no other): raw/mangle/nat are out of scope.

import { quoteArgv, splitArgs } from '../shell.js';
import {
  type Manager,
  type PlannedCommand,
  type Tri,
  portListMatches,
  triAnd,
  triNot,
} from './firewall-common.js';
import { type IpAddr, type IpFamily, type IpNet, isHostNet, netContains, parseNet, parseRange, rangeContains, requireIp } from './ip.js';

export interface IptablesRule {
  chain: string;
  /** 1-based position in its chain, as `iptables -D CHAIN N` counts. */
  index: number;
  /** The words after `-A CHAIN`: exactly what `iptables -D CHAIN <spec>` takes. */
  spec: string[];
  /** The line as printed (`-A INPUT -s 1.2.3.4/32 -j DROP`). */
  text: string;
}

export interface IptablesRuleset {
  /** Built-in chains' policies (`-P INPUT DROP`). */
  policies: Map<string, string>;
  /** Every chain in the order first seen (built-ins first in `-S` output). */
  chains: string[];
  rules: Map<string, IptablesRule[]>;
  /** Lines that are not rules (`# Warning: iptables-legacy tables present...`). */
  warnings: string[];
}

/**
 * Parse `iptables -S` / `ip6tables -S` output, or iptables-save output (only its `*filter` table).
 * Words are split like iptables-save quotes them (`--comment "a \"b\""`).
 */
export function parseIptablesRules(text: string): IptablesRuleset {
  const rs: IptablesRuleset = { policies: new Map(), chains: [], rules: new Map(), warnings: [] };
  const addChain = (c: string) => {
    if (!rs.rules.has(c)) {
      rs.rules.set(c, []);
      rs.chains.push(c);
    }
  };
  let table = 'filter';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line === 'COMMIT') continue;
    if (line.startsWith('*')) {
      table = line.slice(1);
      continue;
    }
    if (line.startsWith('#')) {
      if (/warning/i.test(line)) rs.warnings.push(line);
      continue;
    }
    if (table !== 'filter') continue;
    if (line.startsWith(':')) {
      const [name, policy] = line.slice(1).split(/\s+/);
      if (!name) continue;
      addChain(name);
      if (policy && policy !== '-') rs.policies.set(name, policy);
      continue;
    }
    let words: string[];
    try {
      words = splitArgs(line);
    } catch {
      rs.warnings.push(line);
      continue;
    }
    const [op, chain, ...rest] = words;
    if (!chain) {
      rs.warnings.push(line);
      continue;
    }
    if (op === '-P') {
      addChain(chain);
      if (rest[0]) rs.policies.set(chain, rest[0]);
    } else if (op === '-N') addChain(chain);
    else if (op === '-A') {
      addChain(chain);
      const list = rs.rules.get(chain)!;
      list.push({ chain, index: list.length + 1, spec: rest, text: line });
    } else rs.warnings.push(line);
  }
  return rs;
}

// ---------------------------------------------------------------------------------------------
// Judging one rule spec against the client's SYN

export interface PacketContext {
  client: IpAddr;
  port: number;
  /** The server's own addresses, if known: lets `-d` be judged instead of maybe. */
  localAddresses?: IpNet[];
}

export type TargetKind = 'accept' | 'block' | 'return' | 'jump' | 'goto' | 'other' | 'none';

export interface SpecJudgement {
  match: Tri;
  /** The parts of the rule that made it `maybe`, as written. */
  conditions: string[];
  target: string;
  kind: TargetKind;
  /** `-s` as written, whether negated, and whether it is exactly the client (/32, /128). */
  source?: { text: string; negated: boolean; exactClient: boolean };
}

const BLOCK_TARGETS = new Set(['DROP', 'REJECT', 'TARPIT']);
const BUILTIN_TARGETS = new Set([
  'ACCEPT', 'DROP', 'REJECT', 'TARPIT', 'RETURN', 'LOG', 'NFLOG', 'ULOG', 'QUEUE', 'NFQUEUE', 'MARK',
  'CONNMARK', 'CT', 'NOTRACK', 'SET', 'TRACE', 'AUDIT', 'CLASSIFY', 'DSCP', 'TOS', 'TCPMSS', 'TTL', 'HL',
]);
const ALL_TCP_FLAGS = ['FIN', 'SYN', 'RST', 'PSH', 'ACK', 'URG'];

function flagSet(list: string): Set<string> {
  const up = list.toUpperCase();
  if (up === 'ALL') return new Set(ALL_TCP_FLAGS);
  if (up === 'NONE') return new Set();
  return new Set(up.split(',').filter((f) => f !== ''));
}

/** Options judgeSpec understands; anything else belongs to a module it does not model. */
const KNOWN_OPTIONS = new Set([
  '-s', '--source', '--src', '-d', '--destination', '--dst', '-p', '--protocol', '-i', '--in-interface',
  '-o', '--out-interface', '-f', '--fragment', '-m', '--match', '-c', '--set-counters', '-j', '--jump',
  '-g', '--goto', '--dport', '--destination-port', '--dports', '--destination-ports', '--ports', '--sport',
  '--source-port', '--sports', '--source-ports', '--syn', '--tcp-flags', '--state', '--ctstate',
  '--src-range', '--dst-range', '--dst-type', '--comment',
]);

/**
 * Judge a rule spec (the words after `-A CHAIN`) against the client's SYN. `chains` are the
 * user-defined chains, to tell a jump from a target extension.
 */
export function judgeSpec(spec: string[], ctx: PacketContext, chains: ReadonlySet<string>): SpecJudgement {
  let match: Tri = 'yes';
  const conditions: string[] = [];
  let neg = false;
  let target = '';
  let kind: TargetKind = 'none';
  let source: SpecJudgement['source'];
  let module = '';
  const family = ctx.client.family;
  const apply = (t: Tri, words: string[]) => {
    const r = neg ? triNot(t) : t;
    if (r === 'maybe') conditions.push((neg ? '! ' : '') + words.join(' '));
    match = triAnd(match, r);
    neg = false;
  };
  const addrList = (val: string, local: boolean): Tri => {
    let any: Tri = 'no';
    for (const part of val.split(',')) {
      const net = parseNet(part);
      if (!net) return 'maybe';
      if (net.prefix === 0 && net.family === family) return 'yes';
      if (local) {
        if (!ctx.localAddresses) any = 'maybe';
        else if (ctx.localAddresses.some((l) => l.family === net.family && netContains(net, l))) return 'yes';
      } else if (netContains(net, ctx.client)) return 'yes';
    }
    return any;
  };
  for (let i = 0; i < spec.length; i++) {
    const w = spec[i]!;
    const val = () => spec[++i] ?? '';
    switch (w) {
      case '!':
        neg = true;
        break;
      case '-s':
      case '--source':
      case '--src': {
        const v = val();
        const negated = neg;
        const net = parseNet(v);
        source = {
          text: v,
          negated,
          exactClient: !negated && !!net && isHostNet(net) && net.family === family && net.value === ctx.client.value,
        };
        apply(addrList(v, false), [w, v]);
        break;
      }
      case '-d':
      case '--destination':
      case '--dst': {
        const v = val();
        apply(addrList(v, true), [w, v]);
        break;
      }
      case '-p':
      case '--protocol': {
        const v = val().toLowerCase();
        apply(['tcp', '6', 'all', '0'].includes(v) ? 'yes' : 'no', [w, v]);
        break;
      }
      case '-i':
      case '--in-interface': {
        const v = val();
        const loop = family === 4 ? ctx.client.value >> 24n === 127n : ctx.client.value === 1n;
        apply(v === 'lo' ? (loop ? 'yes' : 'no') : 'maybe', [w, v]);
        break;
      }
      case '-o':
      case '--out-interface':
        apply('maybe', [w, val()]);
        break;
      case '-f':
      case '--fragment':
        apply('no', [w]);
        break;
      case '-m':
      case '--match':
        module = val();
        neg = false;
        break;
      case '-c':
      case '--set-counters':
        i += 2;
        break;
      case '-j':
      case '--jump':
      case '-g':
      case '--goto': {
        target = val();
        if (w === '-g' || w === '--goto') kind = 'goto';
        else if (target === 'ACCEPT') kind = 'accept';
        else if (BLOCK_TARGETS.has(target)) kind = 'block';
        else if (target === 'RETURN') kind = 'return';
        else if (chains.has(target) && !BUILTIN_TARGETS.has(target)) kind = 'jump';
        else kind = 'other';
        i = spec.length; // the rest are the target's options
        break;
      }
      case '--dport':
      case '--destination-port':
      case '--dports':
      case '--destination-ports': {
        const v = val();
        apply(portListMatches(v, ctx.port, ':'), [w, v]);
        break;
      }
      case '--ports': {
        // source or destination port: the client's source port is unknown
        const v = val();
        const r = portListMatches(v, ctx.port, ':');
        apply(r === 'yes' ? 'yes' : 'maybe', [w, v]);
        break;
      }
      case '--sport':
      case '--source-port':
      case '--sports':
      case '--source-ports':
        apply('maybe', [w, val()]);
        break;
      case '--syn':
        apply('yes', [w]);
        break;
      case '--tcp-flags': {
        const mask = val();
        const comp = val();
        const m = flagSet(mask);
        const c = flagSet(comp);
        const set = m.has('SYN') ? new Set(['SYN']) : new Set<string>();
        const eq = set.size === c.size && [...set].every((f) => c.has(f));
        apply(eq ? 'yes' : 'no', [w, mask, comp]);
        break;
      }
      case '--state':
      case '--ctstate': {
        const v = val();
        apply(v.toUpperCase().split(',').includes('NEW') ? 'yes' : 'no', [w, v]);
        break;
      }
      case '--dst-range':
        apply('maybe', [w, val()]);
        break;
      case '--src-range': {
        const v = val();
        const r = parseRange(v);
        apply(r ? (rangeContains(r, ctx.client) ? 'yes' : 'no') : 'maybe', [w, v]);
        break;
      }
      case '--dst-type': {
        const v = val();
        apply(v.toUpperCase() === 'LOCAL' ? 'yes' : 'maybe', [w, v]);
        break;
      }
      case '--comment':
        val();
        neg = false;
        break;
      default: {
        // Options of a module remedy does not model (recent, limit, set, time, ...): maybe,
        // reported as one condition per module.
        const words = [w];
        const stop = (k: number) => KNOWN_OPTIONS.has(spec[k]!) || (spec[k] === '!' && KNOWN_OPTIONS.has(spec[k + 1] ?? ''));
        while (i + 1 < spec.length && !stop(i + 1)) words.push(spec[++i]!);
        apply('maybe', module ? ['-m', module, ...words] : words);
      }
    }
  }
  const j: SpecJudgement = { match, conditions, target, kind };
  if (source) j.source = source;
  return j;
}

// ---------------------------------------------------------------------------------------------
// Walking INPUT

export interface IptablesBlock {
  kind: 'rule' | 'policy';
  chain: string;
  /** 1-based position in the chain (0 for the policy). */
  index: number;
  spec: string[];
  /** The rule as printed, or `-P INPUT DROP`. */
  rule: string;
  target: string;
  /**
   * names-client: `-s` is exactly the client (/32 or /128, not negated);
   * broad: a network containing it, a negated source, no source at all, or the policy.
   */
  classification: 'names-client' | 'broad';
  /** certain: blocks whatever the interface, rate, set...; conditional: see `conditions`. */
  certainty: 'certain' | 'conditional';
  conditions: string[];
  /** The jump rules that lead here from INPUT (`INPUT 3 -j f2b-sshd`). */
  via: string[];
  /**
   * When the blocking rule itself names no source but the packet got there through a jump rule
   * naming the client (`-A INPUT -s <client>/32 -j LOGDROP`): that jump rule, which is what a fix
   * deletes (the shared chain stays).
   */
  namedBy?: { chain: string; index: number; spec: string[]; rule: string };
  /** Rules in chains another tool owns: fail2ban (f2b-*, fail2ban-*), ufw (ufw-*), firewalld. */
  managedBy?: Manager;
}

/** Owner of a chain, from the names fail2ban, ufw and firewalld (iptables backend) give theirs. */
export function chainManager(chain: string): Manager | undefined {
  if (/^(f2b|fail2ban)-/.test(chain)) return 'fail2ban';
  if (/^ufw6?-/.test(chain)) return 'ufw';
  if (/^(IN_|INPUT_direct$|INPUT_ZONES)/.test(chain)) return 'firewalld';
  return undefined;
}

export interface FindBlocksOptions {
  rules: string | IptablesRuleset;
  clientIp: string;
  port?: number;
  localAddresses?: string[];
}

/**
 * Every rule reachable from INPUT that drops or rejects the client's connection to `port`
 * (default 22), in the order the packet meets them, plus the INPUT policy when it is DROP and no
 * certain ACCEPT comes first. Rules after a certain ACCEPT are not reported: they never see the
 * packet.
 */
export function findIptablesBlocks(opts: FindBlocksOptions): IptablesBlock[] {
  const rs = typeof opts.rules === 'string' ? parseIptablesRules(opts.rules) : opts.rules;
  const ctx: PacketContext = { client: requireIp(opts.clientIp), port: opts.port ?? 22 };
  if (opts.localAddresses) {
    ctx.localAddresses = opts.localAddresses.map((a) => parseNet(a)).filter((n): n is IpNet => !!n);
  }
  const userChains = new Set(rs.chains.filter((c) => !rs.policies.has(c)));
  const out: IptablesBlock[] = [];
  let conditionalAccept = false;

  const walk = (
    chain: string,
    certain: boolean,
    via: string[],
    inherited: string[],
    stack: string[],
    naming: IptablesRule | undefined,
  ): 'accept' | 'return' | 'end' => {
    for (const r of rs.rules.get(chain) ?? []) {
      const j = judgeSpec(r.spec, ctx, userChains);
      if (j.match === 'no') continue;
      const sure = certain && j.match === 'yes';
      const conds = [...inherited, ...j.conditions];
      switch (j.kind) {
        case 'accept':
          if (sure) return 'accept';
          conditionalAccept = true;
          break;
        case 'block': {
          const b: IptablesBlock = {
            kind: 'rule',
            chain,
            index: r.index,
            spec: r.spec,
            rule: r.text,
            target: j.target,
            classification: j.source?.exactClient || naming ? 'names-client' : 'broad',
            certainty: sure ? 'certain' : 'conditional',
            conditions: conds,
            via,
          };
          if (!j.source?.exactClient && naming) {
            b.namedBy = { chain: naming.chain, index: naming.index, spec: naming.spec, rule: naming.text };
          }
          const m = chainManager(chain) ?? (b.namedBy ? chainManager(b.namedBy.chain) : undefined);
          if (m) b.managedBy = m;
          out.push(b);
          break;
        }
        case 'return':
          if (sure) return 'return';
          break;
        case 'jump':
        case 'goto': {
          if (stack.includes(j.target) || stack.length > 32) break;
          const step = `${chain} ${r.index} ${j.kind === 'goto' ? '-g' : '-j'} ${j.target}`;
          const res = walk(j.target, sure, [...via, step], conds, [...stack, j.target], j.source?.exactClient ? r : naming);
          if (res === 'accept') return 'accept';
          if (j.kind === 'goto' && sure) return 'return';
          break;
        }
        default:
          break;
      }
    }
    return 'end';
  };

  const res = walk('INPUT', true, [], [], ['INPUT'], undefined);
  if (res !== 'accept' && (rs.policies.get('INPUT') ?? 'ACCEPT') === 'DROP') {
    const b: IptablesBlock = {
      kind: 'policy',
      chain: 'INPUT',
      index: 0,
      spec: [],
      rule: '-P INPUT DROP',
      target: 'DROP',
      classification: 'broad',
      certainty: conditionalAccept ? 'conditional' : 'certain',
      conditions: conditionalAccept ? ['unless a conditional ACCEPT before it matches'] : [],
      via: [],
    };
    if (rs.chains.some((c) => chainManager(c) === 'ufw')) b.managedBy = 'ufw';
    else if (rs.chains.some((c) => chainManager(c) === 'firewalld')) b.managedBy = 'firewalld';
    out.push(b);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Planning

export interface IptablesPlanOptions {
  /** `iptables -S` (family 4) or `ip6tables -S` (family 6) output. */
  rules: string;
  family: IpFamily;
  clientIp: string;
  port?: number;
  localAddresses?: string[];
  /**
   * Owners whose rules are left to them (default: all). A planner that knows ufw is inactive
   * passes the others, so rules left behind in ufw's chains are handled like any other.
   */
  leaveTo?: Manager[];
}

export interface IptablesPlan {
  /** Shell text, in order. */
  commands: string[];
  steps: PlannedCommand[];
  /** Everything found, managed or not. */
  blocks: IptablesBlock[];
  /** Findings remedy leaves to their owner (fail2ban: unban through fail2ban-client). */
  managed: IptablesBlock[];
  warnings: string[];
}

/** The canonical spec of the ACCEPT remedy inserts, as `iptables -S` prints it back. */
export function acceptSpec(client: IpAddr, port: number): string[] {
  const host = `${client.text}/${client.family === 4 ? 32 : 128}`;
  return ['-s', host, '-p', 'tcp', '-m', 'tcp', '--dport', String(port), '-j', 'ACCEPT'];
}

/**
 * Commands that let the client reach sshd through iptables:
 * - a rule naming the client (`-s <client>/32`) outside fail2ban's chains →
 *   `iptables -D <chain> <spec>`: by spec, not number, since numbers shift as rules go;
 * - rules in fail2ban's chains (f2b-*, and fail2ban-* from 0.8) → no command, reported as
 *   managed: fail2ban re-creates them from its database unless the ban is lifted through
 *   fail2ban-client; likewise ufw's and firewalld's chains belong to their planners;
 * - broad rules (a subnet, a negated source, every source, the DROP policy) stay, and one
 *   `iptables -I INPUT 1 -s <client>/32 -p tcp -m tcp --dport <port> -j ACCEPT` goes before them.
 * Nothing is planned for rules a certain ACCEPT already shadows, so running the plan and
 * planning again yields nothing. Each step carries its undo (re-insert at the old position,
 * delete the ACCEPT); run undos in reverse order. Not persistent: saving the rules
 * (netfilter-persistent, iptables-save) is the caller's decision.
 */
export function planFirewallUnblock(opts: IptablesPlanOptions): IptablesPlan {
  const client = requireIp(opts.clientIp);
  const port = opts.port ?? 22;
  const bin = opts.family === 4 ? 'iptables' : 'ip6tables';
  const plan: IptablesPlan = { commands: [], steps: [], blocks: [], managed: [], warnings: [] };
  const rs = parseIptablesRules(opts.rules);
  plan.warnings.push(...rs.warnings);
  if (client.family !== opts.family) {
    plan.warnings.push(`${opts.clientIp} is not an IPv${opts.family} address: ${bin} rules do not apply to it`);
    return plan;
  }
  const find: FindBlocksOptions = { rules: rs, clientIp: opts.clientIp, port };
  if (opts.localAddresses) find.localAddresses = opts.localAddresses;
  plan.blocks = findIptablesBlocks(find);
  const leave = new Set<Manager>(opts.leaveTo ?? ['fail2ban', 'ufw', 'firewalld', 'iptables-nft']);
  const left = (b: IptablesBlock) => b.managedBy !== undefined && leave.has(b.managedBy);
  plan.managed = plan.blocks.filter(left);

  // The rule to delete: the blocking rule itself, or the jump rule naming the client.
  const seen = new Set<string>();
  const deletes: Array<{ chain: string; index: number; spec: string[]; rule: string; why: string }> = [];
  for (const b of plan.blocks) {
    if (left(b) || b.kind !== 'rule' || b.classification !== 'names-client') continue;
    const d = b.namedBy ?? b;
    const k = `${d.chain}\0${d.index}`;
    if (seen.has(k)) continue;
    seen.add(k);
    const why = b.namedBy
      ? `${d.chain} rule ${d.index} sends ${opts.clientIp} to ${b.chain}, whose rule ${b.index} ${b.target}s it: ${d.rule}`
      : `${b.chain} rule ${b.index} ${b.target}s ${opts.clientIp} by name: ${b.rule}`;
    deletes.push({ chain: d.chain, index: d.index, spec: d.spec, rule: d.rule, why });
  }
  deletes.sort((a, b) => (a.chain === b.chain ? a.index - b.index : rs.chains.indexOf(a.chain) - rs.chains.indexOf(b.chain)));
  const deletedBefore = new Map<string, number>();
  for (const d of deletes) {
    const n = deletedBefore.get(d.chain) ?? 0;
    deletedBefore.set(d.chain, n + 1);
    const argv = [bin, '-D', d.chain, ...d.spec];
    const undoArgv = [bin, '-I', d.chain, String(d.index - n), ...d.spec];
    plan.steps.push({ argv, command: quoteArgv(argv), undo: quoteArgv(undoArgv), undoArgv, reason: d.why });
  }
  const broad = plan.blocks.filter((b) => !left(b) && b.classification === 'broad');
  if (broad.length > 0) {
    const spec = acceptSpec(client, port);
    const argv = [bin, '-I', 'INPUT', '1', ...spec];
    const undoArgv = [bin, '-D', 'INPUT', ...spec];
    plan.steps.push({
      argv,
      command: quoteArgv(argv),
      undo: quoteArgv(undoArgv),
      undoArgv,
      reason: `accept ${opts.clientIp} to tcp/${port} before ${broad.map((b) => (b.kind === 'policy' ? 'the DROP policy' : `${b.chain} rule ${b.index}`)).join(', ')}`,
    });
  }
  plan.commands = plan.steps.map((s) => s.command);
  return plan;
}

// ---------------------------------------------------------------------------------------------
// Simulation, for check mode and tests

/** Quote a word as iptables-save does for strings (double quotes, backslash before " \ '). */
function saveWord(w: string): string {
  return /^[A-Za-z0-9_\-./:,!=@%+]+$/.test(w) ? w : `"${w.replace(/["\\']/g, (c) => `\\${c}`)}"`;
}

/**
 * Apply `iptables -D/-I/-A/-N/-P` argvs (the program name first, as in PlannedCommand.argv) to
 * `-S` text and print the result the way `iptables -S` would. A delete that matches nothing
 * throws, as iptables fails with "Bad rule (does a matching rule exist in that chain?)".
 */
export function applyIptablesCommands(text: string, argvs: string[][]): string {
  const rs = parseIptablesRules(text);
  const list = (c: string) => {
    if (!rs.rules.has(c)) throw new Error(`iptables: No chain/target/match by that name: ${c}`);
    return rs.rules.get(c)!;
  };
  for (const argv of argvs) {
    const [, op, chain, ...rest] = argv;
    if (!chain) throw new Error(`cannot simulate ${argv.join(' ')}`);
    if (op === '-D' && rest.length === 1 && /^\d+$/.test(rest[0]!)) {
      const l = list(chain);
      if (Number(rest[0]) > l.length || Number(rest[0]) < 1) throw new Error(`iptables: Index of deletion too big: ${argv.join(' ')}`);
      l.splice(Number(rest[0]) - 1, 1);
    } else if (op === '-D') {
      const l = list(chain);
      const i = l.findIndex((r) => r.spec.length === rest.length && r.spec.every((w, k) => w === rest[k]));
      if (i < 0) throw new Error(`iptables: Bad rule (does a matching rule exist in that chain?): ${argv.join(' ')}`);
      l.splice(i, 1);
    } else if (op === '-I' || op === '-A') {
      const l = list(chain);
      let pos = op === '-A' ? l.length : 0;
      let spec = rest;
      if (op === '-I' && rest[0] && /^\d+$/.test(rest[0])) {
        pos = Number(rest[0]) - 1;
        spec = rest.slice(1);
      }
      if (pos > l.length) throw new Error(`iptables: Index of insertion too big: ${argv.join(' ')}`);
      l.splice(pos, 0, { chain, index: 0, spec, text: ['-A', chain, ...spec].map(saveWord).join(' ') });
    } else if (op === '-N') {
      rs.chains.push(chain);
      rs.rules.set(chain, []);
    } else if (op === '-P') rs.policies.set(chain, rest[0] ?? 'ACCEPT');
    else throw new Error(`cannot simulate ${argv.join(' ')}`);
  }
  const lines: string[] = [];
  for (const c of rs.chains) if (rs.policies.has(c)) lines.push(`-P ${c} ${rs.policies.get(c)}`);
  for (const c of rs.chains) if (!rs.policies.has(c)) lines.push(`-N ${c}`);
  for (const c of rs.chains) for (const r of rs.rules.get(c) ?? []) lines.push(r.text);
  return lines.join('\n') + '\n';
}
