// firewalld: read `firewall-cmd --list-all` / `--list-all-zones`, decide whether the client's
// connection to sshd is let through, plan firewall-cmd commands.
//
// Format (firewall/command.py print_zone_policy_info, firewalld 1.3): a header line
// `public (default, active)` (0.x: `public (active)`), then `  key: value` lines (target,
// icmp-block-inversion, interfaces, sources, services, ports, protocols, forward, masquerade,
// forward-ports, source-ports, icmp-blocks, rich rules); rich rules and forward ports continue on
// lines starting with a tab. --list-all-zones prints a blank line after each zone.
// Evaluation inside a zone (firewalld.richlanguage(5)): rich rules with priority < 0, then rich
// deny rules (priority 0), then what the zone allows (services, ports, protocols, rich accept
// rules with priority 0), then priority > 0 rich rules, then the zone's target
// (default/%%REJECT%%/REJECT reject, DROP drops, ACCEPT accepts). A packet is handled by the zone
// its source address is bound to, else the zone of the interface it arrives on, else the default
// zone. remedy cannot know the interface: it uses the only zone holding interfaces, or the
// default zone (options.zone overrides).

import { quoteArgv } from '../shell.js';
import {
  type PlannedCommand,
  type Tri,
  portListMatches,
  triAnd,
  triNot,
} from './firewall-common.js';
import { type IpAddr, isHostNet, netContains, parseNet, requireIp } from './ip.js';

export interface FirewalldZone {
  name: string;
  isDefault: boolean;
  active: boolean;
  target: string;
  interfaces: string[];
  sources: string[];
  services: string[];
  ports: string[];
  protocols: string[];
  richRules: string[];
  /** Every key as printed, for what remedy does not model. */
  fields: Record<string, string[]>;
}

/** Parse `--list-all` (one zone) or `--list-all-zones` output. */
export function parseFirewalldZones(text: string, defaultZone?: string): FirewalldZone[] {
  const zones: FirewalldZone[] = [];
  let cur: FirewalldZone | undefined;
  let lastKey = '';
  for (const line of text.split(/\r?\n/)) {
    if (line.trim() === '') continue;
    if (line.startsWith('\t')) {
      if (cur && lastKey) cur.fields[lastKey]!.push(line.trim());
      continue;
    }
    const kv = /^\s+([\w -]+):\s?(.*)$/.exec(line);
    if (kv && cur) {
      lastKey = kv[1]!.trim();
      const v = kv[2]!.trim();
      cur.fields[lastKey] = lastKey === 'rich rules' || lastKey === 'forward-ports' ? (v ? [v] : []) : v.split(/\s+/).filter((x) => x !== '');
      continue;
    }
    const h = /^(\S+)(?:\s+\(([^)]*)\))?\s*$/.exec(line);
    if (h) {
      const attrs = (h[2] ?? '').split(/,\s*/);
      cur = {
        name: h[1]!,
        isDefault: attrs.includes('default') || h[1] === defaultZone,
        active: attrs.includes('active'),
        target: 'default',
        interfaces: [],
        sources: [],
        services: [],
        ports: [],
        protocols: [],
        richRules: [],
        fields: {},
      };
      zones.push(cur);
      lastKey = '';
    }
  }
  for (const z of zones) {
    z.target = z.fields['target']?.[0] ?? 'default';
    z.interfaces = z.fields['interfaces'] ?? [];
    z.sources = z.fields['sources'] ?? [];
    z.services = z.fields['services'] ?? [];
    z.ports = z.fields['ports'] ?? [];
    z.protocols = z.fields['protocols'] ?? [];
    z.richRules = z.fields['rich rules'] ?? [];
  }
  return zones;
}

export interface RichRule {
  text: string;
  priority: number;
  family?: string;
  source?: { kind: 'address' | 'mac' | 'ipset'; value: string; not: boolean };
  destination?: { value: string; not: boolean };
  element?: { kind: string; attrs: Record<string, string> };
  action?: string;
  limit: boolean;
}

/** Parse one rich rule (`rule family="ipv4" source address="1.2.3.4" service name="ssh" reject`). */
export function parseRichRule(text: string): RichRule {
  const words = text.match(/\w[\w-]*="[^"]*"|\S+/g) ?? [];
  const rr: RichRule = { text, priority: 0, limit: false };
  const attr = (w: string | undefined) => {
    const m = /^([\w-]+)="([^"]*)"$/.exec(w ?? '');
    return m ? ([m[1]!, m[2]!] as const) : undefined;
  };
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const a = attr(w);
    if (a && a[0] === 'priority') rr.priority = Number(a[1]);
    else if (a && a[0] === 'family') rr.family = a[1];
    else if (w === 'source' || w === 'destination') {
      let not = false;
      if (words[i + 1] === 'NOT' || words[i + 1] === 'not') {
        not = true;
        i++;
      }
      const v = attr(words[i + 1]);
      if (v) i++;
      if (w === 'source' && v) rr.source = { kind: v[0] as 'address' | 'mac' | 'ipset', value: v[1], not };
      if (w === 'destination' && v) rr.destination = { value: v[1], not };
    } else if (['service', 'port', 'protocol', 'icmp-block', 'icmp-type', 'masquerade', 'forward-port', 'source-port', 'tcp-mss-clamp'].includes(w)) {
      const attrs: Record<string, string> = {};
      while (attr(words[i + 1]) && !['log', 'audit'].includes(words[i + 1]!)) {
        const [k, v] = attr(words[++i])!;
        attrs[k] = v;
      }
      rr.element = { kind: w, attrs };
    } else if (['accept', 'reject', 'drop', 'mark'].includes(w)) {
      rr.action = w;
      while (attr(words[i + 1])) i++;
    } else if (w === 'limit') {
      rr.limit = true;
      if (attr(words[i + 1])) i++;
    } else if (w === 'log' || w === 'nflog' || w === 'audit') {
      while (attr(words[i + 1])) i++;
    }
  }
  return rr;
}

function judgeRich(rr: RichRule, client: IpAddr, port: number): { match: Tri; conditions: string[] } {
  let match: Tri = 'yes';
  const conditions: string[] = [];
  const add = (t: Tri, what: string) => {
    if (t === 'maybe') conditions.push(what);
    match = triAnd(match, t);
  };
  if (rr.family) add(rr.family === (client.family === 4 ? 'ipv4' : 'ipv6') ? 'yes' : 'no', `family ${rr.family}`);
  if (rr.source) {
    let t: Tri = 'maybe';
    if (rr.source.kind === 'address') {
      const n = parseNet(rr.source.value);
      t = n ? (netContains(n, client) ? 'yes' : 'no') : 'maybe';
    }
    add(rr.source.not ? triNot(t) : t, `source ${rr.source.kind} ${rr.source.value}`);
  }
  if (rr.destination) add('maybe', `destination ${rr.destination.value}`);
  const el = rr.element;
  if (el) {
    if (el.kind === 'service') add(el.attrs['name'] === 'ssh' ? (port === 22 ? 'yes' : 'no') : 'no', `service ${el.attrs['name']}`);
    else if (el.kind === 'port') {
      add(el.attrs['protocol'] === 'tcp' ? portListMatches(el.attrs['port'] ?? '', port, '-') : 'no', `port ${el.attrs['port']}`);
    } else if (el.kind === 'protocol') add(['tcp', '6'].includes(el.attrs['value'] ?? '') ? 'yes' : 'no', `protocol ${el.attrs['value']}`);
    else if (el.kind === 'source-port') add('maybe', `source-port ${el.attrs['port']}`);
    else add('no', el.kind);
  }
  if (rr.limit) add('maybe', 'limit');
  return { match, conditions };
}

/** Does the zone's allow list (services, ports, protocols) let tcp/port in? */
function zoneAllows(z: FirewalldZone, port: number): boolean {
  if (port === 22 && z.services.includes('ssh')) return true;
  if (z.ports.some((p) => p.endsWith('/tcp') && portListMatches(p.slice(0, -4), port, '-') === 'yes')) return true;
  return z.protocols.includes('tcp');
}

export interface FirewalldBlock {
  zone: string;
  kind: 'rich-rule' | 'zone-target' | 'source-binding';
  /** The rich rule, the zone's target, or the bound source. */
  text: string;
  classification: 'names-client' | 'broad';
  certainty: 'certain' | 'conditional';
  conditions: string[];
  priority?: number;
}

export interface FirewalldFindOptions {
  zones: string;
  defaultZone?: string;
  clientIp: string;
  port?: number;
  /** The zone to judge, when the interface's zone is known. */
  zone?: string;
}

/** Which zone handles the client: source binding (most specific), else the only zone with interfaces, else the default. */
export function firewalldZoneFor(zones: FirewalldZone[], client: IpAddr, preferred?: string, ignoreSources: Set<string> = new Set()): { zone?: FirewalldZone; reason: string; source?: string } {
  let best: { zone: FirewalldZone; prefix: number; source: string } | undefined;
  for (const z of zones) {
    for (const s of z.sources) {
      if (ignoreSources.has(`${z.name}\0${s}`)) continue;
      const n = parseNet(s);
      if (n && netContains(n, client) && (!best || n.prefix > best.prefix)) best = { zone: z, prefix: n.prefix, source: s };
    }
  }
  if (best) return { zone: best.zone, reason: `source ${best.source} is bound to zone ${best.zone.name}`, source: best.source };
  if (preferred) {
    const z = zones.find((x) => x.name === preferred);
    return z ? { zone: z, reason: `zone ${preferred} given` } : { reason: `no zone ${preferred}` };
  }
  const withIf = zones.filter((z) => z.interfaces.length > 0);
  if (withIf.length === 1) return { zone: withIf[0]!, reason: `zone ${withIf[0]!.name} holds the interfaces (${withIf[0]!.interfaces.join(' ')})` };
  const d = zones.find((z) => z.isDefault) ?? (zones.length === 1 ? zones[0] : undefined);
  return d ? { zone: d, reason: `default zone ${d.name}` } : { reason: 'no default zone in the listing' };
}

/** Judge one zone: the blocking rich rules before any allow, and the target if nothing allows. */
function judgeZone(z: FirewalldZone, client: IpAddr, port: number): { blocks: FirewalldBlock[]; allowed: boolean } {
  const rules = z.richRules.map(parseRichRule);
  const blocks: FirewalldBlock[] = [];
  const denyAct = (r: RichRule) => r.action === 'reject' || r.action === 'drop';
  const stage = (r: RichRule) => (r.priority < 0 ? 0 : r.priority > 0 ? 3 : denyAct(r) ? 1 : 2);
  const ordered = rules.map((r, k) => ({ r, k })).sort((a, b) => stage(a.r) - stage(b.r) || a.r.priority - b.r.priority || a.k - b.k);
  const check = (r: RichRule): 'accept' | undefined => {
    const j = judgeRich(r, client, port);
    if (j.match === 'no') return undefined;
    if (r.action === 'accept' && j.match === 'yes') return 'accept';
    if (denyAct(r)) {
      const n = r.source?.kind === 'address' ? parseNet(r.source.value) : undefined;
      const b: FirewalldBlock = {
        zone: z.name,
        kind: 'rich-rule',
        text: r.text,
        classification: n && isHostNet(n) && !r.source!.not ? 'names-client' : 'broad',
        certainty: j.match === 'yes' ? 'certain' : 'conditional',
        conditions: j.conditions,
      };
      if (r.priority !== 0) b.priority = r.priority;
      blocks.push(b);
    }
    return undefined;
  };
  let allowed = false;
  for (const { r } of ordered.filter((x) => stage(x.r) < 2)) if (check(r) === 'accept') return { blocks, allowed: true };
  if (zoneAllows(z, port)) allowed = true;
  for (const { r } of ordered.filter((x) => stage(x.r) >= 2)) {
    if (allowed) break;
    if (check(r) === 'accept') allowed = true;
  }
  const t = z.target.toUpperCase();
  if (!allowed && t !== 'ACCEPT') {
    blocks.push({ zone: z.name, kind: 'zone-target', text: `target: ${z.target}`, classification: 'broad', certainty: 'certain', conditions: [] });
  }
  return { blocks, allowed };
}

export function findFirewalldBlocks(opts: FirewalldFindOptions): { zone?: string; reason: string; blocks: FirewalldBlock[] } {
  const zones = parseFirewalldZones(opts.zones, opts.defaultZone);
  const client = requireIp(opts.clientIp);
  const pick = firewalldZoneFor(zones, client, opts.zone);
  if (!pick.zone) return { reason: pick.reason, blocks: [] };
  const r = { zone: pick.zone.name, reason: pick.reason, blocks: judgeZone(pick.zone, client, opts.port ?? 22).blocks };
  return r;
}

export interface FirewalldPlanOptions extends FirewalldFindOptions {
  /**
   * runtime+permanent (default): each change twice, at run time and in the permanent config, no
   * reload. permanent+reload: `--permanent` changes then one `firewall-cmd --reload`, which also
   * drops every run-time-only change others made (fail2ban's firewallcmd bans among them).
   */
  mode?: 'runtime+permanent' | 'permanent+reload';
}

export interface FirewalldPlan {
  commands: string[];
  steps: PlannedCommand[];
  blocks: FirewalldBlock[];
  zone?: string;
  reason: string;
  warnings: string[];
}

/**
 * Commands that let the client reach sshd through firewalld:
 * - the client's own address bound as a source of a zone that blocks it → `--remove-source`;
 * - rich rules rejecting or dropping exactly the client → `--remove-rich-rule='<rule>'`;
 * - broader rich deny rules, or a blocking zone the client reaches through a network bound as
 *   its source → a rich accept for the client placed before them
 *   (`rule priority="-1" family="ipv4" source address="<client>" service name="ssh" accept`;
 *   priorities exist since firewalld 0.9);
 * - nothing in the zone allows the port → `--add-service=ssh` (port 22) or `--add-port=<p>/tcp`.
 */
export function planFirewalldUnblock(opts: FirewalldPlanOptions): FirewalldPlan {
  const client = requireIp(opts.clientIp);
  const port = opts.port ?? 22;
  const zones = parseFirewalldZones(opts.zones, opts.defaultZone);
  const mode = opts.mode ?? 'runtime+permanent';
  const plan: FirewalldPlan = { commands: [], steps: [], blocks: [], reason: '', warnings: [] };
  const change = (zone: string, add: string, remove: string, reason: string) => {
    const forms = mode === 'runtime+permanent' ? [[], ['--permanent']] : [['--permanent']];
    for (const f of forms) {
      const argv = ['firewall-cmd', ...f, `--zone=${zone}`, add];
      const undoArgv = ['firewall-cmd', ...f, `--zone=${zone}`, remove];
      plan.steps.push({ argv, command: quoteArgv(argv), undo: quoteArgv(undoArgv), undoArgv, reason });
    }
  };
  const ignored = new Set<string>();
  for (let round = 0; round < 4; round++) {
    const pick = firewalldZoneFor(zones, client, opts.zone, ignored);
    plan.reason = pick.reason;
    if (!pick.zone) {
      plan.warnings.push(pick.reason);
      break;
    }
    const z = pick.zone;
    plan.zone = z.name;
    const { blocks } = judgeZone(z, client, port);
    plan.blocks.push(...blocks);
    if (blocks.length === 0) break;
    const src = pick.source ? parseNet(pick.source) : undefined;
    if (pick.source && src && isHostNet(src) && blocks.some((b) => b.kind === 'zone-target')) {
      // The client itself is bound to a blocking zone: unbind it, then judge the zone it falls to.
      plan.blocks.push({ zone: z.name, kind: 'source-binding', text: `sources: ${pick.source}`, classification: 'names-client', certainty: 'certain', conditions: [] });
      change(z.name, `--remove-source=${pick.source}`, `--add-source=${pick.source}`, `${opts.clientIp} is bound to zone ${z.name} (target ${z.target})`);
      ignored.add(`${z.name}\0${pick.source}`);
      continue;
    }
    for (const b of blocks.filter((x) => x.kind === 'rich-rule' && x.classification === 'names-client')) {
      change(z.name, `--remove-rich-rule=${b.text}`, `--add-rich-rule=${b.text}`, `rich rule in zone ${z.name} ${b.text.includes(' drop') ? 'drops' : 'rejects'} ${opts.clientIp} by name`);
    }
    const broadRich = blocks.filter((x) => x.kind === 'rich-rule' && x.classification === 'broad');
    const target = blocks.some((x) => x.kind === 'zone-target');
    const fam = client.family === 4 ? 'ipv4' : 'ipv6';
    const element = port === 22 ? 'service name="ssh"' : `port port="${port}" protocol="tcp"`;
    // A zone reached through a source binding is narrowed to the client with a rich rule rather
    // than opened to the whole bound network.
    if (broadRich.length > 0 || (target && pick.source)) {
      const prio = Math.max(-32768, Math.min(-1, ...broadRich.map((b) => (b.priority ?? 0) - 1)));
      const rule = `rule priority="${prio}" family="${fam}" source address="${client.text}" ${element} accept`;
      const before = [...broadRich.map((b) => b.text), ...(target ? [`target ${z.target}`] : [])].join('; ');
      change(z.name, `--add-rich-rule=${rule}`, `--remove-rich-rule=${rule}`, `accept ${opts.clientIp} in zone ${z.name} before ${before}`);
    } else if (target) {
      if (port === 22) change(z.name, '--add-service=ssh', '--remove-service=ssh', `zone ${z.name} (target ${z.target}) allows neither the ssh service nor 22/tcp`);
      else change(z.name, `--add-port=${port}/tcp`, `--remove-port=${port}/tcp`, `zone ${z.name} (target ${z.target}) does not allow ${port}/tcp`);
    }
    break;
  }
  if (mode === 'permanent+reload' && plan.steps.length > 0) {
    const argv = ['firewall-cmd', '--reload'];
    plan.steps.push({ argv, command: quoteArgv(argv), reason: 'apply the permanent configuration' });
  }
  plan.commands = plan.steps.map((s) => s.command);
  return plan;
}

/** Print zones in `--list-all-zones` form. */
export function printFirewalldZones(zones: FirewalldZone[]): string {
  const out: string[] = [];
  for (const z of zones) {
    const attrs = [z.isDefault ? 'default' : '', z.active || z.interfaces.length > 0 || z.sources.length > 0 ? 'active' : ''].filter((x) => x);
    out.push(attrs.length ? `${z.name} (${attrs.join(', ')})` : z.name);
    const f = { ...z.fields, target: [z.target], interfaces: z.interfaces, sources: z.sources, services: z.services, ports: z.ports, protocols: z.protocols };
    for (const [k, v] of Object.entries(f)) {
      if (k === 'rich rules' || k === 'forward-ports') continue;
      out.push(`  ${k}: ${v.join(' ')}`);
    }
    out.push(`  rich rules: ${z.richRules.length ? '\n\t' + z.richRules.join('\n\t') : ''}`);
    out.push('');
  }
  return out.join('\n');
}

/** Apply run-time firewall-cmd argvs (those without --permanent) to zone listings. */
export function applyFirewalldCommands(zonesText: string, argvs: string[][], defaultZone?: string): string {
  const zones = parseFirewalldZones(zonesText, defaultZone);
  for (const argv of argvs) {
    if (argv.includes('--permanent') || argv.includes('--reload')) continue;
    const zname = argv.find((a) => a.startsWith('--zone='))?.slice(7);
    const z = zones.find((x) => x.name === zname) ?? zones.find((x) => x.isDefault);
    if (!z) throw new Error(`no zone for ${argv.join(' ')}`);
    for (const a of argv) {
      const m = /^--(add|remove)-(service|port|rich-rule|source)=(.*)$/.exec(a);
      if (!m) continue;
      const list = m[2] === 'service' ? z.services : m[2] === 'port' ? z.ports : m[2] === 'source' ? z.sources : z.richRules;
      if (m[1] === 'add') {
        if (!list.includes(m[3]!)) list.push(m[3]!);
      } else {
        const i = list.indexOf(m[3]!);
        if (i >= 0) list.splice(i, 1);
      }
    }
  }
  return printFirewalldZones(zones);
}
