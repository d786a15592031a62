// Numbers to a table: per tool the wall time (median, range), ratios, controller CPU and peak
// RSS, per-host time (p50/p95) and round trips per host; plus the machine it ran on. Written to
// the terminal and to bench/results/<date>-N<hosts>.md|.json with every raw run.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import type { Logins } from './observe.js';
import type { ToolName } from './tools.js';

export interface RunRecord {
  tool: ToolName;
  round: number;
  ok: boolean;
  problems: string[];
  exitCode: number | null;
  wallS: number;
  cpuS: number;
  cpuUserS: number;
  cpuSysS: number;
  cpuSource: string;
  /** CPU of the hosts' processes during the run (null: no cgroup to count it). */
  hostCpuS: number | null;
  /** Machine busy time during the run minus controller and hosts: load from outside the bench. */
  otherCpuS: number;
  maxRssMb: number | null;
  hostMs: number[];
  /** Median over hosts of the tool's commands/sessions per host (null: not reported). */
  execsPerHost: number | null;
  /** Median over hosts of the logins each host's sshd logged during the run. */
  loginsPerHost: Logins;
  /** --scenario jump: logins the jump host's sshd logged during the run (null: no jump host). */
  jumpLogins: number | null;
  /** --scenario jump: connections the jump host dropped as "past MaxStartups" during the run. */
  jumpDrops: number | null;
  resetS: number; // untimed: putting the faults back before this run
}

export interface Machine {
  date: string;
  nproc: number;
  model: string;
  memGiB: number;
  kernel: string;
  node: string;
  openssh: string;
  ansible: string | null;
  loadavgAtStart: number[];
}

export interface ToolSummary {
  tool: ToolName;
  runs: number;
  okRuns: number;
  wallMedianS: number | null;
  wallMinS: number | null;
  wallMaxS: number | null;
  cpuMedianS: number | null;
  hostCpuMedianS: number | null;
  otherCpuMedianS: number | null;
  peakRssMb: number | null;
  hostP50S: number | null;
  hostP95S: number | null;
  execsPerHost: number | null;
  loginsPerHost: Logins | null;
  /** Median over every run, counted or not (a run failed by the jump host's drops cost it too). */
  jumpLogins: number | null;
  jumpDrops: number | null;
}

export interface Ratio {
  of: string;
  medians: number | null;
  perRound: Array<{ round: number; ratio: number }>;
}

export interface Results {
  machine: Machine;
  hosts: number;
  rounds: number;
  /** 'jump': the fleet behind one jump host (bench/jump.ts); absent: reached directly. */
  scenario?: 'jump';
  /** Hosts at once for every tool. */
  forks?: number;
  notes: string[];
  summaries: ToolSummary[];
  ratios: Ratio[];
  runs: RunRecord[];
  profile?: string;
}

// ---- statistics -----------------------------------------------------------------------------

export function percentile(xs: readonly number[], p: number): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

export function median(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function summarize(tool: ToolName, runs: RunRecord[], censusExecs: number | null): ToolSummary {
  const mine = runs.filter((r) => r.tool === tool);
  const ok = mine.filter((r) => r.ok);
  const walls = ok.map((r) => r.wallS);
  const hostS = ok.flatMap((r) => r.hostMs.map((ms) => ms / 1000));
  const rss = ok.map((r) => r.maxRssMb).filter((x): x is number => x !== null);
  const execs = ok.map((r) => r.execsPerHost).filter((x): x is number => x !== null);
  return {
    tool, runs: mine.length, okRuns: ok.length,
    wallMedianS: median(walls), wallMinS: walls.length ? Math.min(...walls) : null, wallMaxS: walls.length ? Math.max(...walls) : null,
    cpuMedianS: median(ok.map((r) => r.cpuS)),
    hostCpuMedianS: median(ok.map((r) => r.hostCpuS).filter((x): x is number => x !== null)),
    otherCpuMedianS: median(ok.map((r) => r.otherCpuS)),
    peakRssMb: rss.length ? Math.max(...rss) : null,
    hostP50S: percentile(hostS, 50), hostP95S: percentile(hostS, 95),
    execsPerHost: median(execs) ?? censusExecs,
    loginsPerHost: ok.length ? { mgmt: median(ok.map((r) => r.loginsPerHost.mgmt))!, client: median(ok.map((r) => r.loginsPerHost.client))! } : null,
    jumpLogins: median(mine.map((r) => r.jumpLogins).filter((x): x is number => x !== null)),
    jumpDrops: median(mine.map((r) => r.jumpDrops).filter((x): x is number => x !== null)),
  };
}

/** remedy's wall time over another tool's: of the medians, and within each round where both counted. */
export function ratio(runs: RunRecord[], summaries: ToolSummary[], other: ToolName): Ratio {
  const wall = (t: ToolName): number | null => summaries.find((s) => s.tool === t)?.wallMedianS ?? null;
  const [a, b] = [wall('remedy'), wall(other)];
  const perRound: Ratio['perRound'] = [];
  for (const round of new Set(runs.map((r) => r.round))) {
    const x = runs.find((r) => r.round === round && r.tool === 'remedy' && r.ok);
    const y = runs.find((r) => r.round === round && r.tool === other && r.ok);
    if (x && y) perRound.push({ round, ratio: x.wallS / y.wallS });
  }
  return { of: `remedy/${other}`, medians: a !== null && b !== null ? a / b : null, perRound };
}

// ---- the machine ----------------------------------------------------------------------------

function firstLine(file: string, args: string[]): string | null {
  try {
    const out = execFileSync(file, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return out.split('\n')[0]!.trim();
  } catch {
    return null;
  }
}

export function machine(): Machine {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  return {
    date: new Date().toISOString(),
    nproc: os.availableParallelism(),
    model: /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1]?.trim() ?? 'unknown',
    memGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    kernel: os.release(),
    node: process.version,
    openssh: execFileSync('sh', ['-c', 'ssh -V 2>&1'], { encoding: 'utf8' }).trim(), // ssh -V prints on stderr
    ansible: firstLine('ansible-playbook', ['--version']),
    loadavgAtStart: os.loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

// ---- formatting -----------------------------------------------------------------------------

const s = (x: number | null, digits = 2): string => (x === null ? 'n/a' : `${x.toFixed(digits)} s`);
const num = (x: number | null, digits = 0): string => (x === null ? 'n/a' : x.toFixed(digits));

function rows(r: Results): string[][] {
  const remedyWall = r.summaries.find((t) => t.tool === 'remedy')?.wallMedianS ?? null;
  const header = ['tool', 'runs ok', 'wall median', 'wall range', 'remedy/this', 'CPU s (median)', 'host CPU s', 'other load s', 'peak RSS', 'host p50', 'host p95', 'execs/host', 'logins/host (mgmt+client)'];
  const body = r.summaries.map((t) => [
    t.tool,
    `${t.okRuns}/${t.runs}`,
    s(t.wallMedianS),
    t.wallMinS === null ? 'n/a' : `${t.wallMinS.toFixed(2)}–${t.wallMaxS!.toFixed(2)} s`,
    remedyWall === null || t.wallMedianS === null ? 'n/a' : (remedyWall / t.wallMedianS).toFixed(2),
    num(t.cpuMedianS, 2),
    num(t.hostCpuMedianS, 2),
    num(t.otherCpuMedianS, 1),
    t.peakRssMb === null ? 'n/a' : `${t.peakRssMb.toFixed(0)} MB`,
    s(t.hostP50S),
    s(t.hostP95S),
    num(t.execsPerHost, 0),
    t.loginsPerHost ? `${t.loginsPerHost.mgmt}+${t.loginsPerHost.client}` : 'n/a',
    ...(r.scenario === 'jump' ? [num(t.jumpLogins, 0), num(t.jumpDrops, 0)] : []),
  ]);
  return [r.scenario === 'jump' ? [...header, 'jump-host logins', 'jump-host drops'] : header, ...body];
}

const ratioLine = (q: Ratio): string =>
  `${q.of}: ${q.medians === null ? 'n/a' : q.medians.toFixed(2)} (wall medians)` +
  (q.perRound.length ? `; same round: ${q.perRound.map((p) => `r${p.round} ${p.ratio.toFixed(2)}`).join(', ')}` : '');

function machineLine(m: Machine): string {
  return `${m.nproc} × ${m.model}, ${m.memGiB} GiB, Linux ${m.kernel}, Node ${m.node}, ${m.openssh}` +
    (m.ansible ? `, ${m.ansible}` : ', no Ansible') + `; load average at start ${m.loadavgAtStart.join(' ')}`;
}

const scenarioText = (r: Results): string => (r.scenario === 'jump' ? ' behind one jump host' : '');

export function textReport(r: Results): string {
  const table = rows(r);
  const widths = table[0]!.map((_, c) => Math.max(...table.map((row) => row[c]!.length)));
  const line = (row: string[]): string => row.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd();
  return [
    `remedy bench — ${r.machine.date} — N=${r.hosts} hosts${scenarioText(r)}, R=${r.rounds} rounds, forks ${r.forks ?? r.hosts}`,
    `machine: ${machineLine(r.machine)}`,
    '',
    line(table[0]!),
    ...table.slice(1).map(line),
    '',
    ...r.ratios.map(ratioLine),
    ...r.notes.map((n) => `note: ${n}`),
    ...(r.profile ? ['', r.profile] : []),
  ].join('\n');
}

export function markdownReport(r: Results): string {
  const table = rows(r);
  const md = (row: string[]): string => `| ${row.join(' | ')} |`;
  return [
    `# remedy bench: N=${r.hosts} hosts${scenarioText(r)}, R=${r.rounds} rounds, forks ${r.forks ?? r.hosts}`,
    '',
    `- date: ${r.machine.date}`,
    `- machine: ${machineLine(r.machine)}`,
    '',
    md(table[0]!),
    md(table[0]!.map(() => '---')),
    ...table.slice(1).map(md),
    '',
    ...r.ratios.map((q) => `- ${ratioLine(q)}`),
    ...r.notes.map((n) => `- ${n}`),
    '',
    '## Runs',
    '',
    md(['round', 'tool', 'ok', 'wall', 'CPU s (user+sys)', 'host CPU s', 'other load s', 'peak RSS', 'host p50', 'host p95', 'reset before (untimed)', 'problems']),
    md(Array(12).fill('---')),
    ...r.runs.map((x) => md([
      String(x.round), x.tool, x.ok ? 'yes' : 'NO', s(x.wallS), `${x.cpuS.toFixed(2)} (${x.cpuUserS.toFixed(2)}+${x.cpuSysS.toFixed(2)}, ${x.cpuSource})`,
      num(x.hostCpuS, 2), num(x.otherCpuS, 1),
      x.maxRssMb === null ? 'n/a' : `${x.maxRssMb.toFixed(0)} MB`,
      s(percentile(x.hostMs, 50) === null ? null : percentile(x.hostMs, 50)! / 1000),
      s(percentile(x.hostMs, 95) === null ? null : percentile(x.hostMs, 95)! / 1000),
      s(x.resetS, 1), x.problems.slice(0, 3).join('; ').replace(/\|/g, '\\|') || '—',
    ])),
    ...(r.profile ? ['', '## Profile of one remedy run', '', '```', r.profile, '```'] : []),
    '',
  ].join('\n');
}

/** bench/results/<date>-N<hosts>.json and .md; returns the two paths. */
export async function writeResults(dir: string, r: Results): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const base = join(dir, `${r.machine.date.slice(0, 10)}-N${r.hosts}${r.forks && r.forks < r.hosts ? `-F${r.forks}` : ''}${r.scenario ? `-${r.scenario}` : ''}`);
  await writeFile(`${base}.json`, JSON.stringify(r, null, 2) + '\n');
  await writeFile(`${base}.md`, markdownReport(r));
  return [`${base}.md`, `${base}.json`];
}
