// nftables: read `nft -a list ruleset`, find what stops the client's new TCP connection to sshd
// in the chains hooked at input, and plan `nft` commands.
//
// Same method as firewall-iptables.ts: the client's SYN walks each base chain with `hook input`
// (in ip / ip6 / inet tables of its family), following jump and goto; every expression is judged
// yes / no / maybe. Unlike iptables, an accept in one base chain does not spare the packet from
// another base chain on the same hook (each has its own priority), so every base chain is judged
// and fixed on its own. Tables another program owns are reported, not edited:
// - fail2ban's nftables actions (`table inet f2b-table`, chain `f2b-chain`, sets addr-set-<jail>):
//   lift the ban through fail2ban-client;
// - firewalld's `table inet firewalld`;
// - tables iptables-nft maintains (nft warns "table ip filter is managed by iptables-nft, do not
//   touch!"): plan those with the iptables planner.

import { quoteArgv } from '../shell.js';
import { chainManager } from './firewall-iptables.js';
import {
  type Manager,
  type PlannedCommand,
  type Tri,
  portListMatches,
  triAnd,
  triNot,
} from './firewall-common.js';
import { type IpAddr, type IpNet, isHostNet, netContains, parseNet, parseRange, rangeContains, requireIp } from './ip.js';

export interface NftRule {
  /** The rule as listed, without `# handle N`. */
  text: string;
  handle?: number;
}

export interface NftChain {
  name: string;
  handle?: number;
  type?: string;
  hook?: string;
  priority?: string;
  policy?: string;
  rules: NftRule[];
}

export interface NftSet {
  name: string;
  kind: 'set' | 'map';
  handle?: number;
  type?: string;
  flags: string[];
  /** Each element's key as listed (`203.0.113.7`, `192.0.2.0/24`, `10.0.0.1-10.0.0.9`, `22`). */
  elements: string[];
  /** The other lines of the set block, kept for printing. */
  extra: string[];
}

export interface NftTable {
  family: string;
  name: string;
  handle?: number;
  chains: NftChain[];
  sets: NftSet[];
  /** iptables-nft said it manages this table. */
  iptablesNft: boolean;
}

export interface NftRuleset {
  tables: NftTable[];
  /** Lines nft printed that are not rules (warnings, errors). */
  warnings: string[];
}


/**
 * A line without its trailing `# ...` comment (outside quotes), and the handle the comment names.
 * nft -a prints `# handle N` after a statement, and nft 1.1 more after it and after a brace:
 * `table inet firewalld { # handle 7 progname firewalld`, `chain x { # handle 3`.
 */
export function splitNftComment(line: string): { code: string; handle?: number; comment?: string } {
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (ch === '"') quoted = !quoted;
    else if (ch === '#' && !quoted && (i === 0 || /\s/.test(line[i - 1]!))) {
      const comment = line.slice(i + 1).trim();
      const h = /(?:^|\s)handle (\d+)(?:\s|$)/.exec(comment);
      return { code: line.slice(0, i).trimEnd(), comment, ...(h ? { handle: Number(h[1]) } : {}) };
    }
  }
  return { code: line };
}

/** Split on whitespace, keeping "quoted strings" and { brace groups } as single words. */
export function nftWords(text: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    let j = i;
    if (c === '{') {
      let depth = 0;
      for (; j < text.length; j++) {
        if (text[j] === '"') {
          const close = text.indexOf('"', j + 1);
          j = close < 0 ? text.length : close;
        } else if (text[j] === '{') depth++;
        else if (text[j] === '}' && --depth === 0) break;
      }
      j++;
    } else if (c === '"') {
      const end = text.indexOf('"', i + 1);
      j = end < 0 ? text.length : end + 1;
    } else {
      while (j < text.length && !/\s/.test(text[j]!) && text[j] !== '{') j++;
    }
    out.push(text.slice(i, j));
    i = j;
  }
  return out;
}

/** Net brace count of a line, ignoring braces in quotes. */
function braceDelta(line: string): number {
  let d = 0;
  let q = false;
  for (const ch of line) {
    if (ch === '"') q = !q;
    else if (!q && ch === '{') d++;
    else if (!q && ch === '}') d--;
  }
  return d;
}

/** The items of a `{ a, b c, d }` group (or a single word), each item's first word. */
function groupItems(word: string): string[] {
  const inner = word.startsWith('{') ? word.slice(1, word.lastIndexOf('}')) : word;
  return inner
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '');
}

function parseSet(name: string, kind: 'set' | 'map', handle: number | undefined, body: string[]): NftSet {
  const set: NftSet = { name, kind, flags: [], elements: [], extra: [] };
  if (handle !== undefined) set.handle = handle;
  const text = body.join('\n');
  const el = /elements\s*=\s*\{/.exec(text);
  if (el) {
    let depth = 0;
    let end = el.index + el[0].length - 1;
    for (; end < text.length; end++) {
      if (text[end] === '{') depth++;
      else if (text[end] === '}' && --depth === 0) break;
    }
    const inner = text.slice(el.index + el[0].length, end);
    set.elements = inner
      .split(',')
      .map((x) => x.trim().split(/\s+/)[0] ?? '')
      .filter((x) => x !== '');
  }
  const rest = el ? text.slice(0, el.index) : text;
  for (const line of rest.split('\n').map((l) => l.trim().replace(/;$/, ''))) {
    if (line === '') continue;
    const t = /^type\s+(.*)$/.exec(line);
    const f = /^flags\s+(.*)$/.exec(line);
    if (t) set.type = t[1]!;
    else if (f) set.flags = f[1]!.split(/\s*,\s*/);
    else set.extra.push(line);
  }
  return set;
}

/** Parse `nft -a list ruleset` (handles are optional; without them nothing can be deleted). */
export function parseNftRuleset(text: string): NftRuleset {
  const rs: NftRuleset = { tables: [], warnings: [] };
  const managed = new Set<string>();
  let table: NftTable | undefined;
  let chain: NftChain | undefined;
  let setBlock: { name: string; kind: 'set' | 'map'; handle: number | undefined; depth: number; body: string[] } | undefined;
  let otherDepth = 0;
  for (const raw of text.split(/\r?\n/)) {
    const trimmed = raw.trim();
    if (trimmed === '') continue;
    if (setBlock) {
      setBlock.depth += braceDelta(splitNftComment(trimmed).code);
      if (setBlock.depth <= 0) {
        table?.sets.push(parseSet(setBlock.name, setBlock.kind, setBlock.handle, setBlock.body));
        setBlock = undefined;
      } else setBlock.body.push(splitNftComment(trimmed).code);
      continue;
    }
    if (otherDepth > 0) {
      otherDepth += braceDelta(splitNftComment(trimmed).code);
      continue;
    }
    if (trimmed.startsWith('#')) {
      rs.warnings.push(trimmed);
      const m = /table (\S+) (\S+) is managed by iptables-nft/.exec(trimmed);
      if (m) managed.add(`${m[1]} ${m[2]}`);
      continue;
    }
    const { code: line, handle } = splitNftComment(trimmed);
    if (!table) {
      const t = /^table\s+(\S+)\s+(\S+)\s*\{$/.exec(line);
      if (t) {
        table = { family: t[1]!, name: t[2]!, chains: [], sets: [], iptablesNft: managed.has(`${t[1]} ${t[2]}`) };
        if (handle !== undefined) table.handle = handle;
        rs.tables.push(table);
      } else rs.warnings.push(trimmed);
      continue;
    }
    if (!chain) {
      if (line === '}') {
        table = undefined;
        continue;
      }
      const c = /^chain\s+(\S+)\s*\{$/.exec(line);
      if (c) {
        chain = { name: c[1]!, rules: [] };
        if (handle !== undefined) chain.handle = handle;
        table.chains.push(chain);
        continue;
      }
      const s = /^(set|map)\s+(\S+)\s*\{$/.exec(line);
      if (s) {
        setBlock = { name: s[2]!, kind: s[1] as 'set' | 'map', handle, depth: 1, body: [] };
        continue;
      }
      if (braceDelta(line) > 0) otherDepth = braceDelta(line);
      continue;
    }
    if (line === '}') {
      chain = undefined;
      continue;
    }
    const hook = /^type\s+(\S+)\s+hook\s+(\S+)(?:\s+device\s+\S+)?\s+priority\s+([^;]+);\s*(?:policy\s+(\w+);)?/.exec(line);
    if (hook) {
      chain.type = hook[1]!;
      chain.hook = hook[2]!;
      chain.priority = hook[3]!.trim();
      if (hook[4]) chain.policy = hook[4];
      continue;
    }
    if (/^(policy\s+\w+;|comment\s+".*"|device\s+\S+;?)$/.test(line)) {
      const p = /^policy\s+(\w+);$/.exec(line);
      if (p) chain.policy = p[1]!;
      continue;
    }
    const rule: NftRule = { text: line };
    if (handle !== undefined) rule.handle = handle;
    chain.rules.push(rule);
  }
  return rs;
}

// ---------------------------------------------------------------------------------------------
// Judging one rule

export interface NftPacket {
  client: IpAddr;
  port: number;
  localAddresses?: IpNet[];
}

export type NftVerdict = 'accept' | 'drop' | 'reject' | 'return' | 'jump' | 'goto' | 'continue' | 'other' | 'none';

export interface NftJudgement {
  match: Tri;
  conditions: string[];
  verdict: NftVerdict;
  target?: string;
  /** `ip saddr <client>` (one address, equal): the rule names the client. */
  namesClient: boolean;
  /** `ip saddr @set` where the set holds the client: the set and the element that matched. */
  viaSet?: { name: string; element: string; exact: boolean };
}

const RELOPS = new Set(['==', '!=', '<', '>', '<=', '>=', 'eq', 'ne']);
const VERDICTS = new Set(['accept', 'drop', 'reject', 'return', 'continue', 'jump', 'goto', 'queue']);

/** Judge one rule's text against the client's SYN. `sets` resolves `@name`. */
export function judgeNftRule(text: string, pkt: NftPacket, sets: readonly NftSet[] = []): NftJudgement {
  const w = nftWords(text);
  const fam = pkt.client.family;
  const j: NftJudgement = { match: 'yes', conditions: [], verdict: 'none', namesClient: false };
  const apply = (t: Tri, words: string[]) => {
    if (t === 'maybe') j.conditions.push(words.join(' '));
    j.match = triAnd(j.match, t);
  };
  const setOf = (v: string) => (v.startsWith('@') ? sets.find((s) => s.name === v.slice(1)) : undefined);
  /** Items of a value: a literal, a { group }, or @set elements. */
  const items = (v: string): string[] | undefined => {
    if (v.startsWith('@')) return setOf(v)?.elements;
    return groupItems(v);
  };
  /** Does an address value (literal, range, { group } or @set) hold the client (or, with local, the server)? */
  const addrTri = (v: string, local: boolean): { t: Tri; hits: string[] } => {
    const list = items(v);
    if (!list) return { t: 'maybe', hits: [] };
    let unknown = false;
    const hits: string[] = [];
    for (const it of list) {
      const n = parseNet(it);
      const r = n ? undefined : parseRange(it);
      if (!n && !r) {
        unknown = true;
        continue;
      }
      if (local) {
        if (!pkt.localAddresses) unknown = true;
        else if (pkt.localAddresses.some((l) => (n ? netContains(n, l) : rangeContains(r!, l)))) hits.push(it);
      } else if (n ? netContains(n, pkt.client) : rangeContains(r!, pkt.client)) hits.push(it);
    }
    return { t: hits.length > 0 ? 'yes' : unknown ? 'maybe' : 'no', hits };
  };
  const portTri = (v: string): Tri => {
    const list = items(v);
    if (!list) return 'maybe';
    return portListMatches(list.join(','), pkt.port, '-');
  };
  const protoTri = (v: string): Tri => {
    const list = items(v);
    if (!list) return 'maybe';
    return list.some((p) => p === 'tcp' || p === '6') ? 'yes' : 'no';
  };
  const takeOp = (i: number): { op: string; next: number } =>
    RELOPS.has(w[i] ?? '') ? { op: w[i]!, next: i + 1 } : { op: '==', next: i };
  const vmapVerdict = (v: string, key: (k: string) => Tri): { verdict?: string; target?: string } => {
    for (const entry of groupItems(v)) {
      const [k, verdict] = entry.split(/\s+:\s+/); // spaces around the colon: IPv6 keys have colons too
      if (k === undefined || verdict === undefined) continue;
      const keys = k.startsWith('{') ? groupItems(k) : [k];
      if (keys.some((x) => key(x) === 'yes')) {
        const [vv, tgt] = verdict.split(/\s+/);
        return tgt ? { verdict: vv!, target: tgt } : { verdict: vv! };
      }
    }
    return {};
  };
  const setVerdict = (v: string, target?: string) => {
    if (v === 'drop' || v === 'accept' || v === 'reject' || v === 'return' || v === 'continue' || v === 'jump' || v === 'goto') {
      j.verdict = v;
    } else j.verdict = 'other';
    if (target) j.target = target;
  };

  let i = 0;
  while (i < w.length) {
    const a = w[i]!;
    const b = w[i + 1] ?? '';
    // payload / meta matches: "<proto> <field> [op] <value>" or "... vmap { }"
    if ((a === 'ip' || a === 'ip6') && b === 'saddr' && w[i + 2] === 'vmap') {
      const v = w[i + 3] ?? '';
      i += 4;
      if ((a === 'ip' ? 4 : 6) !== fam) continue;
      const r = vmapVerdict(v, (k) => addrTri(k, false).t);
      if (r.verdict) setVerdict(r.verdict, r.target);
      continue;
    }
    if ((a === 'ip' || a === 'ip6') && ['saddr', 'daddr'].includes(b)) {
      const famOk = (a === 'ip' ? 4 : 6) === fam;
      const { op, next } = takeOp(i + 2);
      const v = w[next] ?? '';
      i = next + 1;
      if (!famOk) {
        apply('no', [a, b, v]);
        continue;
      }
      if (b === 'saddr') {
        const r = addrTri(v, false);
        const t = op === '!=' || op === 'ne' ? triNot(r.t) : r.t;
        apply(t, [a, b, op === '==' ? '' : op, v].filter((x) => x !== ''));
        if (op === '==' && r.t === 'yes') {
          const net = parseNet(v);
          if (!v.startsWith('{') && !v.startsWith('@') && net && isHostNet(net)) j.namesClient = true;
          const s = setOf(v);
          if (s && r.hits[0] !== undefined) {
            // Exact only when the one element holding the client is the client itself.
            const en = parseNet(r.hits[0]);
            j.viaSet = { name: s.name, element: r.hits[0], exact: r.hits.length === 1 && !!en && isHostNet(en) };
          }
        }
      } else {
        const r = addrTri(v, true);
        apply(op === '!=' || op === 'ne' ? triNot(r.t) : r.t, [a, b, op, v]);
      }
      continue;
    }
    if ((a === 'ip' && b === 'protocol') || (a === 'ip6' && b === 'nexthdr') || (a === 'meta' && b === 'l4proto') || a === 'l4proto') {
      const start = a === 'l4proto' ? i + 1 : i + 2;
      const { op, next } = takeOp(start);
      const v = w[next] ?? '';
      i = next + 1;
      const famT: Tri = a === 'ip' ? (fam === 4 ? 'yes' : 'no') : a === 'ip6' ? (fam === 6 ? 'yes' : 'no') : 'yes';
      const t = triAnd(famT, op === '!=' ? triNot(protoTri(v)) : protoTri(v));
      apply(t, [a, b, v]);
      continue;
    }
    if (a === 'meta' && (b === 'nfproto' || b === 'protocol')) {
      const { op, next } = takeOp(i + 2);
      const v = w[next] ?? '';
      i = next + 1;
      const want = fam === 4 ? ['ipv4', 'ip'] : ['ipv6', 'ip6'];
      const list = groupItems(v);
      const t: Tri = list.some((x) => want.includes(x)) ? 'yes' : 'no';
      apply(op === '!=' ? triNot(t) : t, [a, b, v]);
      continue;
    }
    if (['tcp', 'udp', 'th', 'sctp', 'dccp', 'udplite'].includes(a) && ['dport', 'sport', 'flags'].includes(b)) {
      const protoT: Tri = a === 'tcp' || a === 'th' ? 'yes' : 'no';
      if (w[i + 2] === 'vmap') {
        const v = w[i + 3] ?? '';
        i += 4;
        if (protoT === 'no' || b !== 'dport') continue;
        const r = vmapVerdict(v, (k) => portListMatches(k, pkt.port, '-'));
        if (r.verdict) setVerdict(r.verdict, r.target);
        continue;
      }
      if (b === 'flags') {
        // "tcp flags syn / syn,rst,ack" (value / mask) is judged; other forms are maybe.
        const v = w[i + 2] ?? '';
        if (w[i + 3] === '/' && w[i + 4]) {
          const mask = w[i + 4]!.split(',');
          const vals = v.split(',').filter((x) => x !== '');
          const seen = mask.includes('syn') ? ['syn'] : [];
          const eq = seen.length === vals.length && seen.every((x) => vals.includes(x));
          apply(triAnd(protoT, eq ? 'yes' : 'no'), w.slice(i, i + 5));
          i += 5;
        } else {
          let k = i + 2;
          while (k < w.length && !VERDICTS.has(w[k]!) && !['counter', 'log', 'limit', 'comment', 'ip', 'ip6', 'tcp', 'ct', 'meta'].includes(w[k]!)) k++;
          apply(protoT === 'no' ? 'no' : 'maybe', w.slice(i, k));
          i = k;
        }
        continue;
      }
      const { op, next } = takeOp(i + 2);
      const v = w[next] ?? '';
      i = next + 1;
      let t: Tri = b === 'dport' ? portTri(v) : 'maybe';
      if (op === '!=' || op === 'ne') t = triNot(t);
      else if (op === '<' || op === '>' || op === '<=' || op === '>=') {
        const n = Number(v);
        t = b !== 'dport' || Number.isNaN(n) ? 'maybe' : (op === '<' ? pkt.port < n : op === '>' ? pkt.port > n : op === '<=' ? pkt.port <= n : pkt.port >= n) ? 'yes' : 'no';
      }
      apply(triAnd(protoT, t), [a, b, op === '==' ? '' : op, v].filter((x) => x !== ''));
      continue;
    }
    if (a === 'ct' && b === 'state') {
      if (w[i + 2] === 'vmap') {
        const v = w[i + 3] ?? '';
        i += 4;
        const r = vmapVerdict(v, (k) => (k === 'new' ? 'yes' : 'no'));
        if (r.verdict) setVerdict(r.verdict, r.target);
        continue;
      }
      const { op, next } = takeOp(i + 2);
      const v = w[next] ?? '';
      i = next + 1;
      const list = v.startsWith('{') ? groupItems(v) : v.split(',');
      const t: Tri = list.includes('new') ? 'yes' : 'no';
      apply(op === '!=' ? triNot(t) : t, [a, b, v]);
      continue;
    }
    if (a === 'iif' || a === 'iifname' || (a === 'meta' && (b === 'iif' || b === 'iifname'))) {
      const start = a === 'meta' ? i + 2 : i + 1;
      const { op, next } = takeOp(start);
      const v = w[next] ?? '';
      i = next + 1;
      const name = v.replace(/^"|"$/g, '');
      const loop = fam === 4 ? pkt.client.value >> 24n === 127n : pkt.client.value === 1n;
      let t: Tri = name === 'lo' ? (loop ? 'yes' : 'no') : 'maybe';
      if (op === '!=') t = triNot(t);
      apply(t, [a, ...(a === 'meta' ? [b] : []), op === '==' ? '' : op, v].filter((x) => x !== ''));
      continue;
    }
    if (a === 'counter') {
      i++;
      if (w[i] === 'packets') i += 4; // packets N bytes M
      continue;
    }
    if (a === 'comment') {
      i += 2;
      continue;
    }
    if (a === 'log') {
      i++;
      while (['prefix', 'level', 'flags', 'group', 'snaplen', 'queue-threshold'].includes(w[i] ?? '')) i += 2;
      continue;
    }
    if (a === 'limit') {
      let k = i + 1;
      while (k < w.length && !VERDICTS.has(w[k]!) && !['counter', 'log', 'comment'].includes(w[k]!)) k++;
      apply('maybe', w.slice(i, k));
      i = k;
      continue;
    }
    if (a === 'reject') {
      setVerdict('reject');
      i++;
      // with icmp port-unreachable | with tcp reset | with icmpx type admin-prohibited
      if (w[i] === 'with') i += w[i + 2] === 'type' ? 4 : 3;
      continue;
    }
    if (a === 'jump' || a === 'goto') {
      setVerdict(a, b);
      i += 2;
      continue;
    }
    if (VERDICTS.has(a)) {
      setVerdict(a);
      i++;
      if (a === 'queue') while (i < w.length) i++;
      continue;
    }
    // Anything else (fib, meta mark, ct status, xt match, sets of concatenations...): maybe,
    // up to the next known keyword.
    let k = i + 1;
    while (k < w.length && !VERDICTS.has(w[k]!) && !['counter', 'log', 'limit', 'comment', 'ip', 'ip6', 'tcp', 'udp', 'th', 'ct', 'meta', 'iif', 'iifname'].includes(w[k]!)) k++;
    apply('maybe', w.slice(i, k));
    i = k;
  }
  return j;
}

// ---------------------------------------------------------------------------------------------
// Walking the input base chains

export interface NftBlock {
  kind: 'rule' | 'policy';
  family: string;
  table: string;
  chain: string;
  /** The base chain (hook input) the packet entered. */
  baseChain: string;
  handle?: number;
  rule: string;
  verdict: 'drop' | 'reject';
  /**
   * names-client: `ip saddr <client>` alone, or through a named set holding exactly the client;
   * broad: networks, several addresses, no source, the policy.
   */
  classification: 'names-client' | 'broad';
  certainty: 'certain' | 'conditional';
  conditions: string[];
  via: string[];
  /** The named set the client was found in, and the element. */
  set?: { name: string; element: string };
  /** The jump/goto rule naming the client that led here, when this rule names no source. */
  namedBy?: { chain: string; handle?: number; rule: string };
  managedBy?: Manager;
}

export interface NftFindOptions {
  ruleset: string | NftRuleset;
  clientIp: string;
  port?: number;
  localAddresses?: string[];
  /** Treat `ip filter` / `ip6 filter` as iptables-nft's even without nft's warning (older nft). */
  iptablesNft?: boolean;
}

/** Who owns a table: fail2ban (f2b-table), firewalld, iptables-nft. */
export function nftTableManager(t: NftTable, iptablesNft = false): Manager | undefined {
  if (/^f2b-/.test(t.name) || t.chains.some((c) => c.name === 'f2b-chain')) return 'fail2ban';
  if (t.name === 'firewalld') return 'firewalld';
  if (t.iptablesNft || (iptablesNft && t.name === 'filter' && (t.family === 'ip' || t.family === 'ip6'))) return 'iptables-nft';
  return undefined;
}

/** Base chains with `hook input` that see the client's family, in priority order as listed. */
function inputBaseChains(rs: NftRuleset, fam: 4 | 6): Array<{ table: NftTable; chain: NftChain }> {
  const fams = fam === 4 ? ['ip', 'inet'] : ['ip6', 'inet'];
  const out: Array<{ table: NftTable; chain: NftChain }> = [];
  for (const t of rs.tables) {
    if (!fams.includes(t.family)) continue;
    for (const c of t.chains) if (c.hook === 'input' && (c.type ?? 'filter') === 'filter') out.push({ table: t, chain: c });
  }
  return out;
}

export function findNftBlocks(opts: NftFindOptions): NftBlock[] {
  const rs = typeof opts.ruleset === 'string' ? parseNftRuleset(opts.ruleset) : opts.ruleset;
  const pkt: NftPacket = { client: requireIp(opts.clientIp), port: opts.port ?? 22 };
  if (opts.localAddresses) pkt.localAddresses = opts.localAddresses.map((a) => parseNet(a)).filter((n): n is IpNet => !!n);
  const out: NftBlock[] = [];
  for (const { table, chain: base } of inputBaseChains(rs, pkt.client.family)) {
    const manager = nftTableManager(table, opts.iptablesNft);
    let conditionalAccept = false;
    const walk = (
      chain: NftChain,
      certain: boolean,
      via: string[],
      inherited: string[],
      stack: string[],
      naming: { chain: string; rule: NftRule } | undefined,
    ): 'accept' | 'return' | 'end' => {
      for (const r of chain.rules) {
        const j = judgeNftRule(r.text, pkt, table.sets);
        if (j.match === 'no') continue;
        const sure = certain && j.match === 'yes';
        const conds = [...inherited, ...j.conditions];
        if (j.verdict === 'accept') {
          if (sure) return 'accept';
          conditionalAccept = true;
        } else if (j.verdict === 'drop' || j.verdict === 'reject') {
          const exactSet = j.viaSet?.exact === true;
          const b: NftBlock = {
            kind: 'rule',
            family: table.family,
            table: table.name,
            chain: chain.name,
            baseChain: base.name,
            rule: r.text,
            verdict: j.verdict,
            classification: j.namesClient || exactSet || (naming && !j.viaSet) ? 'names-client' : 'broad',
            certainty: sure ? 'certain' : 'conditional',
            conditions: conds,
            via,
          };
          if (r.handle !== undefined) b.handle = r.handle;
          if (naming && !j.namesClient && !j.viaSet) {
            b.namedBy = { chain: naming.chain, rule: naming.rule.text };
            if (naming.rule.handle !== undefined) b.namedBy.handle = naming.rule.handle;
          }
          if (j.viaSet) b.set = { name: j.viaSet.name, element: j.viaSet.element };
          const m = manager ?? chainManager(chain.name);
          if (m) b.managedBy = m;
          out.push(b);
        } else if (j.verdict === 'return') {
          if (sure) return 'return';
        } else if ((j.verdict === 'jump' || j.verdict === 'goto') && j.target) {
          const next = table.chains.find((c) => c.name === j.target);
          if (!next || stack.includes(next.name) || stack.length > 32) continue;
          const step = `${chain.name} handle ${r.handle ?? '?'} ${j.verdict} ${next.name}`;
          const res = walk(next, sure, [...via, step], conds, [...stack, next.name], j.namesClient ? { chain: chain.name, rule: r } : naming);
          if (res === 'accept') return 'accept';
          if (j.verdict === 'goto' && sure) return 'return';
        }
      }
      return 'end';
    };
    const res = walk(base, true, [], [], [base.name], undefined);
    if (res !== 'accept' && base.policy === 'drop') {
      const b: NftBlock = {
        kind: 'policy',
        family: table.family,
        table: table.name,
        chain: base.name,
        baseChain: base.name,
        rule: 'policy drop',
        verdict: 'drop',
        classification: 'broad',
        certainty: conditionalAccept ? 'conditional' : 'certain',
        conditions: conditionalAccept ? ['unless a conditional accept before it matches'] : [],
        via: [],
      };
      if (manager) b.managedBy = manager;
      out.push(b);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Planning

export interface NftPlanOptions extends NftFindOptions {
  /** Owners whose tables are left to them (default: all). */
  leaveTo?: Manager[];
}

export interface NftPlan {
  commands: string[];
  steps: PlannedCommand[];
  blocks: NftBlock[];
  managed: NftBlock[];
  warnings: string[];
}

/** The rule remedy inserts at the top of an input base chain, as nft lists it back. */
export function nftAcceptRule(client: IpAddr, port: number): string[] {
  return [client.family === 4 ? 'ip' : 'ip6', 'saddr', client.text, 'tcp', 'dport', String(port), 'accept'];
}

/**
 * Commands that let the client through nftables:
 * - a rule naming the client (`ip saddr <client> ... drop|reject`) → `nft delete rule <family>
 *   <table> <chain> handle <N>` (needs `nft -a` output; undo re-adds the listed text at its place);
 * - the client as an element of a named set a blocking rule uses → `nft delete element <family>
 *   <table> <set> { <client> }` (the rule stays for the other elements);
 * - broad blocks (networks, several addresses, every source, policy drop) → once per input base
 *   chain: `nft insert rule <family> <table> <chain> ip saddr <client> tcp dport <port> accept`
 *   (insert without a position puts it first);
 * - tables owned by fail2ban, firewalld or iptables-nft → nothing, reported as managed.
 * Planning again after the commands ran yields nothing.
 */
export function planNftUnblock(opts: NftPlanOptions): NftPlan {
  const rs = typeof opts.ruleset === 'string' ? parseNftRuleset(opts.ruleset) : opts.ruleset;
  const client = requireIp(opts.clientIp);
  const port = opts.port ?? 22;
  const plan: NftPlan = { commands: [], steps: [], blocks: [], managed: [], warnings: [...rs.warnings] };
  plan.blocks = findNftBlocks({ ...opts, ruleset: rs });
  const leave = new Set<Manager>(opts.leaveTo ?? ['fail2ban', 'ufw', 'firewalld', 'iptables-nft']);
  const left = (b: NftBlock) => b.managedBy !== undefined && leave.has(b.managedBy);
  plan.managed = plan.blocks.filter(left);
  const own = plan.blocks.filter((b) => !left(b));
  const done = new Set<string>();

  // Rules to delete (the blocking rule, or the jump naming the client), per chain, so undo
  // anchors skip rules deleted by the same plan.
  const ruleDeletes: Array<{ family: string; table: string; chain: string; handle?: number; rule: string; why: string }> = [];
  for (const b of own) {
    if (b.kind !== 'rule' || b.classification !== 'names-client' || b.set) continue;
    const d = b.namedBy ?? b;
    const why = b.namedBy
      ? `${b.family} ${b.table} ${d.chain}: "${d.rule}" sends ${opts.clientIp} to ${b.chain}, where "${b.rule}" ${b.verdict}s it`
      : `${b.family} ${b.table} ${b.chain}: "${b.rule}" ${b.verdict}s ${opts.clientIp} by name`;
    const key = `rule ${b.family} ${b.table} ${d.chain} ${d.handle ?? d.rule}`;
    if (done.has(key)) continue;
    done.add(key);
    const entry: (typeof ruleDeletes)[number] = { family: b.family, table: b.table, chain: d.chain, rule: d.rule, why };
    if (d.handle !== undefined) entry.handle = d.handle;
    ruleDeletes.push(entry);
  }
  for (const d of ruleDeletes) {
    if (d.handle === undefined) {
      plan.warnings.push(`no handle for "${d.rule}" in ${d.family} ${d.table} ${d.chain}: list the ruleset with nft -a`);
      continue;
    }
    const chain = rs.tables.find((t) => t.family === d.family && t.name === d.table)!.chains.find((c) => c.name === d.chain)!;
    const deleted = new Set(ruleDeletes.filter((x) => x.chain === d.chain && x.table === d.table && x.family === d.family).map((x) => x.handle));
    const pos = chain.rules.findIndex((r) => r.handle === d.handle);
    const anchor = chain.rules.slice(0, pos).filter((r) => !deleted.has(r.handle)).pop();
    const argv = ['nft', 'delete', 'rule', d.family, d.table, d.chain, 'handle', String(d.handle)];
    const undo = anchor?.handle !== undefined
      ? ['nft', 'add', 'rule', d.family, d.table, d.chain, 'position', String(anchor.handle), d.rule]
      : ['nft', 'insert', 'rule', d.family, d.table, d.chain, d.rule];
    plan.steps.push({ argv, command: quoteArgv(argv), undo: quoteArgv(undo), undoArgv: undo, reason: d.why });
  }
  for (const b of own.filter((x) => x.set && x.classification === 'names-client')) {
    const key = `set ${b.family} ${b.table} ${b.set!.name} ${b.set!.element}`;
    if (done.has(key)) continue;
    done.add(key);
    const argv = ['nft', 'delete', 'element', b.family, b.table, b.set!.name, '{', b.set!.element, '}'];
    const undo = ['nft', 'add', 'element', b.family, b.table, b.set!.name, '{', b.set!.element, '}'];
    plan.steps.push({ argv, command: quoteArgv(argv), undo: quoteArgv(undo), undoArgv: undo, reason: `set ${b.set!.name} in ${b.family} ${b.table} holds ${opts.clientIp}, used by "${b.rule}"` });
  }
  const bases = new Map<string, NftBlock[]>();
  for (const b of own.filter((x) => x.classification === 'broad')) {
    const k = `${b.family}\0${b.table}\0${b.baseChain}`;
    bases.set(k, [...(bases.get(k) ?? []), b]);
  }
  for (const [k, list] of bases) {
    const [family, table, chain] = k.split('\0') as [string, string, string];
    const rule = nftAcceptRule(client, port);
    const argv = ['nft', 'insert', 'rule', family, table, chain, ...rule];
    // Undo: find the inserted rule's handle and delete it.
    const list2 = quoteArgv(['nft', '-a', 'list', 'chain', family, table, chain]);
    const sed = quoteArgv(['sed', '-n', `s/^[[:space:]]*${rule.join(' ').replace(/[.]/g, '\\.')} # handle \\([0-9]*\\)$/\\1/p`]);
    const del = quoteArgv(['xargs', '-r', '-n', '1', 'nft', 'delete', 'rule', family, table, chain, 'handle']);
    plan.steps.push({
      argv,
      command: quoteArgv(argv),
      undo: `${list2} | ${sed} | head -n 1 | ${del}`,
      reason: `accept ${opts.clientIp} to tcp/${port} first in ${family} ${table} ${chain}, before ${list.map((b) => (b.kind === 'policy' ? 'policy drop' : `"${b.rule}"`)).join(', ')}`,
    });
  }
  plan.commands = plan.steps.map((s) => s.command);
  return plan;
}

// ---------------------------------------------------------------------------------------------
// Simulation, for check mode and tests

function printNft(rs: NftRuleset): string {
  const out: string[] = [];
  for (const t of rs.tables) {
    out.push(`table ${t.family} ${t.name} {${t.handle !== undefined ? ` # handle ${t.handle}` : ''}`);
    const blocks: string[][] = [];
    for (const s of t.sets) {
      const b = [`\t${s.kind} ${s.name} {${s.handle !== undefined ? ` # handle ${s.handle}` : ''}`];
      if (s.type) b.push(`\t\ttype ${s.type}`);
      if (s.flags.length) b.push(`\t\tflags ${s.flags.join(',')}`);
      for (const e of s.extra) b.push(`\t\t${e}`);
      if (s.elements.length) b.push(`\t\telements = { ${s.elements.join(', ')} }`);
      b.push('\t}');
      blocks.push(b);
    }
    for (const c of t.chains) {
      const b = [`\tchain ${c.name} {${c.handle !== undefined ? ` # handle ${c.handle}` : ''}`];
      if (c.hook) b.push(`\t\ttype ${c.type ?? 'filter'} hook ${c.hook} priority ${c.priority ?? 'filter'}; policy ${c.policy ?? 'accept'};`);
      for (const r of c.rules) b.push(`\t\t${r.text}${r.handle !== undefined ? ` # handle ${r.handle}` : ''}`);
      b.push('\t}');
      blocks.push(b);
    }
    blocks.forEach((b, k) => {
      if (k > 0) out.push('');
      out.push(...b);
    });
    out.push('}');
  }
  return out.join('\n') + '\n';
}

/**
 * Apply `nft delete rule ... handle N`, `nft insert|add rule ... [position N] <rule>`,
 * `nft delete|add element ... { e }` argvs to listed ruleset text; returns the new listing.
 */
export function applyNftCommands(text: string, argvs: string[][]): string {
  const rs = parseNftRuleset(text);
  let next = 1;
  for (const t of rs.tables) for (const c of t.chains) for (const r of c.rules) next = Math.max(next, (r.handle ?? 0) + 1);
  for (const argv of argvs) {
    const [, verb, what, family, tname, cname, ...rest] = argv;
    const t = rs.tables.find((x) => x.family === family && x.name === tname);
    if (!t || !cname) throw new Error(`Error: No such file or directory (table): ${argv.join(' ')}`);
    if (what === 'element') {
      const s = t.sets.find((x) => x.name === cname);
      if (!s) throw new Error(`Error: No such set: ${argv.join(' ')}`);
      const els = rest.filter((x) => x !== '{' && x !== '}');
      if (verb === 'delete') {
        for (const e of els) {
          const i = s.elements.indexOf(e);
          if (i < 0) throw new Error(`Error: Could not process rule: No such file or directory: ${e}`);
          s.elements.splice(i, 1);
        }
      } else s.elements.push(...els);
      continue;
    }
    const c = t.chains.find((x) => x.name === cname);
    if (!c || what !== 'rule') throw new Error(`cannot simulate ${argv.join(' ')}`);
    if (verb === 'delete') {
      const h = Number(rest[1]);
      const i = c.rules.findIndex((r) => r.handle === h);
      if (i < 0) throw new Error(`Error: Could not process rule: No such file or directory: handle ${h}`);
      c.rules.splice(i, 1);
    } else {
      let body = rest;
      let at = verb === 'insert' ? 0 : c.rules.length;
      if (rest[0] === 'position') {
        const i = c.rules.findIndex((r) => r.handle === Number(rest[1]));
        if (i < 0) throw new Error(`Error: Could not process rule: No such file or directory: position ${rest[1]}`);
        at = verb === 'insert' ? i : i + 1;
        body = rest.slice(2);
      }
      c.rules.splice(at, 0, { text: body.join(' '), handle: next++ });
    }
  }
  return printNft(rs);
}
