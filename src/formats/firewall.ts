// Firewalls between a client and sshd: one read-only probe script for every tool present on the
// host, and a planner combining iptables, nftables, ufw and firewalld. The per-tool parsers and
// planners live in firewall-*.ts and are re-exported here.
//
// Who edits what: a rule belongs to the program that wrote it. fail2ban's chains/tables are left
// to fail2ban-client (bans live in its database and come back otherwise); with ufw active its
// iptables chains are changed through ufw; with firewalld running, through firewall-cmd;
// iptables-nft tables seen by nft are handled with iptables. Cloud security groups and other
// filters outside the host are not visible here at all.

import { quoteArgv } from '../shell.js';
import { splitProbeSections } from './fail2ban.js';
import { type Manager, type PlannedCommand } from './firewall-common.js';
import { requireIp } from './ip.js';
import { type IptablesBlock, planFirewallUnblock } from './firewall-iptables.js';
import { type NftBlock, planNftUnblock } from './firewall-nft.js';
import { type UfwBlock, parseUfwStatus, parseUfwVersion, planUfwUnblock } from './firewall-ufw.js';
import { type FirewalldBlock, planFirewalldUnblock } from './firewall-firewalld.js';

export * from './firewall-common.js';
export * from './firewall-iptables.js';
export * from './firewall-nft.js';
export * from './firewall-ufw.js';
export * from './firewall-firewalld.js';

export const FIREWALL_PROBE_MARK = '@@remedy-firewall@@';

/**
 * One POSIX sh script, read-only, printing a section per tool that exists (`command -v`):
 * iptables (--version, -S), ip6tables -S, nft -a list ruleset, ufw (version, status numbered,
 * status verbose), firewalld (--state, then --version, --get-default-zone, --list-all-zones when
 * running). Each section: `@@remedy-firewall@@ begin <name>`, the output (stderr too), then
 * `@@remedy-firewall@@ end <exit code>`. Read with parseFirewallProbe.
 */
export function firewallProbeScript(): string {
  const section = (name: string, argv: string[]) => `  b ${quoteArgv([name])}; ${quoteArgv(argv)} 2>&1; e $?`;
  const has = (tool: string) => `if command -v ${quoteArgv([tool])} >/dev/null 2>&1; then`;
  return [
    `M=${quoteArgv([FIREWALL_PROBE_MARK])}`,
    `b() { printf '%s begin %s\\n' "$M" "$*"; }`,
    `e() { printf '\\n%s end %s\\n' "$M" "$1"; }`,
    has('iptables'),
    section('iptables-version', ['iptables', '--version']),
    section('iptables', ['iptables', '-S']),
    'fi',
    has('ip6tables'),
    section('ip6tables', ['ip6tables', '-S']),
    'fi',
    has('nft'),
    section('nft', ['nft', '-a', 'list', 'ruleset']),
    'fi',
    has('ufw'),
    section('ufw-version', ['ufw', 'version']),
    section('ufw-numbered', ['ufw', 'status', 'numbered']),
    section('ufw-verbose', ['ufw', 'status', 'verbose']),
    'fi',
    has('firewall-cmd'),
    `  b firewalld-state; st=$(firewall-cmd --state 2>&1); rc=$?; printf '%s\\n' "$st"; e $rc`,
    `  if [ "$rc" -eq 0 ]; then`,
    `  ${section('firewalld-version', ['firewall-cmd', '--version'])}`,
    `  ${section('firewalld-default-zone', ['firewall-cmd', '--get-default-zone'])}`,
    `  ${section('firewalld-zones', ['firewall-cmd', '--list-all-zones'])}`,
    '  fi',
    'fi',
    '',
  ].join('\n');
}

export interface ToolOutput {
  text: string;
  rc: number | undefined;
}

export interface FirewallProbe {
  /** Tools found on the host, by section name. */
  present: string[];
  iptables?: { variant?: 'nf_tables' | 'legacy'; version?: string; rules?: ToolOutput };
  ip6tables?: { rules: ToolOutput };
  nft?: { ruleset: ToolOutput };
  ufw?: { version?: string; active: boolean; numbered?: string; verbose?: string };
  firewalld?: { running: boolean; version?: string; defaultZone?: string; zones?: string };
  problems: string[];
}

/** Read firewallProbeScript's output. Never throws; failed commands land in `problems`. */
export function parseFirewallProbe(output: string): FirewallProbe {
  const { sections } = splitProbeSections(output, FIREWALL_PROBE_MARK);
  const p: FirewallProbe = { present: [], problems: [] };
  const ok = (s: { rc: number | undefined; name: string; output: string }) => {
    if (s.rc === 0 || s.rc === undefined) return true;
    p.problems.push(`${s.name} exited ${s.rc}: ${s.output.split('\n').slice(-1)[0] ?? ''}`);
    return false;
  };
  for (const s of sections) {
    const out: ToolOutput = { text: s.output, rc: s.rc };
    switch (s.name) {
      case 'iptables-version': {
        p.iptables ??= {};
        const m = /iptables v(\S+)(?: \((nf_tables|legacy)\))?/.exec(s.output);
        if (m) {
          p.iptables.version = m[1]!;
          p.iptables.variant = (m[2] as 'nf_tables' | 'legacy' | undefined) ?? 'legacy';
        }
        break;
      }
      case 'iptables':
        p.iptables ??= {};
        if (ok(s)) p.iptables.rules = out;
        break;
      case 'ip6tables':
        if (ok(s)) p.ip6tables = { rules: out };
        break;
      case 'nft':
        if (ok(s)) p.nft = { ruleset: out };
        break;
      case 'ufw-version': {
        p.ufw ??= { active: false };
        const v = parseUfwVersion(s.output);
        if (v) p.ufw.version = v;
        break;
      }
      case 'ufw-numbered':
        p.ufw ??= { active: false };
        if (ok(s)) {
          p.ufw.numbered = s.output;
          p.ufw.active = parseUfwStatus(s.output).active;
        }
        break;
      case 'ufw-verbose':
        p.ufw ??= { active: false };
        if (ok(s)) p.ufw.verbose = s.output;
        break;
      case 'firewalld-state':
        p.firewalld = { running: s.rc === 0 && /^running/m.test(s.output) };
        break;
      case 'firewalld-version':
        if (p.firewalld && ok(s)) p.firewalld.version = s.output.trim();
        break;
      case 'firewalld-default-zone':
        if (p.firewalld && ok(s)) p.firewalld.defaultZone = s.output.trim();
        break;
      case 'firewalld-zones':
        if (p.firewalld && ok(s)) p.firewalld.zones = s.output;
        break;
    }
    const tool = s.name.replace(/-.*$/, '');
    if (!p.present.includes(tool)) p.present.push(tool);
  }
  return p;
}

export type AnyBlock =
  | ({ tool: 'iptables' | 'ip6tables' } & IptablesBlock)
  | ({ tool: 'nft' } & NftBlock)
  | ({ tool: 'ufw' } & UfwBlock)
  | ({ tool: 'firewalld' } & FirewalldBlock);

export interface FirewallPlan {
  commands: string[];
  steps: PlannedCommand[];
  /** Everything that blocks, per tool. */
  blocks: AnyBlock[];
  /** Blocks in fail2ban's chains or tables: lift them through fail2ban-client, not here. */
  fail2ban: AnyBlock[];
  notes: string[];
}

export interface FirewallPlanOptions {
  clientIp: string;
  port?: number;
  localAddresses?: string[];
  /** firewalld zone of the interface the client arrives on, when known. */
  firewalldZone?: string;
}

/**
 * Plan across every tool the probe found. ufw (when active) and firewalld (when running) are
 * planned through their own commands, and their chains and tables are skipped by the iptables
 * and nft planners; so are iptables-nft's tables in nft's listing, and fail2ban's everywhere
 * (returned in `fail2ban`).
 */
export function planFirewallFromProbe(probe: FirewallProbe, opts: FirewallPlanOptions): FirewallPlan {
  const client = requireIp(opts.clientIp);
  const port = opts.port ?? 22;
  const plan: FirewallPlan = { commands: [], steps: [], blocks: [], fail2ban: [], notes: [...probe.problems] };
  const skip = new Set<Manager>(['fail2ban']);
  if (probe.ufw?.active) skip.add('ufw');
  if (probe.firewalld?.running) skip.add('firewalld');
  const keep = (b: AnyBlock, manager: Manager | undefined) => {
    plan.blocks.push(b);
    if (manager === 'fail2ban') plan.fail2ban.push(b);
  };

  const ipt = client.family === 4 ? probe.iptables?.rules : probe.ip6tables?.rules;
  if (ipt) {
    const tool = client.family === 4 ? 'iptables' : 'ip6tables';
    const p = planFirewallUnblock({
      rules: ipt.text,
      family: client.family,
      clientIp: opts.clientIp,
      port,
      leaveTo: [...skip],
      ...(opts.localAddresses ? { localAddresses: opts.localAddresses } : {}),
    });
    for (const b of p.blocks) keep({ tool, ...b }, b.managedBy);
    plan.steps.push(...p.steps);
    plan.notes.push(...p.warnings);
  }
  if (probe.nft) {
    // iptables-nft's tables are planned through iptables above.
    const p = planNftUnblock({
      ruleset: probe.nft.ruleset.text,
      clientIp: opts.clientIp,
      port,
      iptablesNft: probe.iptables?.variant === 'nf_tables',
      leaveTo: [...skip, 'iptables-nft'],
      ...(opts.localAddresses ? { localAddresses: opts.localAddresses } : {}),
    });
    for (const b of p.blocks) if (b.managedBy !== 'iptables-nft') keep({ tool: 'nft', ...b }, b.managedBy);
    plan.steps.push(...p.steps);
    plan.notes.push(...p.warnings.filter((w) => !/managed by iptables-nft/.test(w)));
  }
  if (probe.ufw?.active && probe.ufw.numbered) {
    const p = planUfwUnblock({
      numbered: probe.ufw.numbered,
      clientIp: opts.clientIp,
      port,
      ...(probe.ufw.verbose ? { verbose: probe.ufw.verbose } : {}),
      ...(probe.ufw.version ? { version: probe.ufw.version } : {}),
    });
    for (const b of p.blocks) keep({ tool: 'ufw', ...b }, undefined);
    plan.steps.push(...p.steps);
    plan.notes.push(...p.warnings);
  }
  if (probe.firewalld?.running && probe.firewalld.zones) {
    const p = planFirewalldUnblock({
      zones: probe.firewalld.zones,
      clientIp: opts.clientIp,
      port,
      ...(probe.firewalld.defaultZone ? { defaultZone: probe.firewalld.defaultZone } : {}),
      ...(opts.firewalldZone ? { zone: opts.firewalldZone } : {}),
    });
    for (const b of p.blocks) keep({ tool: 'firewalld', ...b }, undefined);
    plan.steps.push(...p.steps);
    plan.notes.push(p.reason, ...p.warnings);
  }
  if (plan.fail2ban.length > 0) plan.notes.push('fail2ban blocks the client: lift the ban with fail2ban-client (see fail2ban.ts planUnban)');
  plan.commands = plan.steps.map((s) => s.command);
  return plan;
}
