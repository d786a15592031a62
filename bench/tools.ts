// The three contenders, each run once per call against the whole lab with concurrency N:
// remedy (playbooks/unblock.yml), ansible-playbook (bench/ansible/unblock.yml) and the floor
// (bench/floor.sh). Each returns what it measured and what it reports per host.
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { CLEAN_ENV } from '../test/lab/run.js';
import type { Lab, LabHost } from '../test/lab/lab.js';
import { measure, type Measured } from './measure.js';

export type ToolName = 'remedy' | 'ansible' | 'floor';

export interface BenchCtx {
  lab: Lab;
  root: string; // the repository
  scratch: string; // the bench's own temp dir (removed at the end)
  timeoutMs: number;
  ansibleInventory: string;
  /** Hosts at once for every tool: remedy's --forks, Ansible's -f, the floor's pool. */
  forks: number;
  /** --scenario jump (bench/jump.ts): remedy's own inventory and --limit, and the jump host. */
  remedyInventory?: string;
  limit?: string;
  jump?: LabHost;
}

export interface ToolRun {
  measured: Measured;
  /** Empty when the tool did its job; else why this run does not count. */
  problems: string[];
  /** Per host, in ms, as the tool reports it (see README for what each one covers). */
  hostMs: number[];
  /** Commands/sessions per host over the working path, when the tool reports them. */
  execs: number[] | null;
}

const benchPath = (ctx: BenchCtx, ...p: string[]): string => join(ctx.root, 'bench', ...p);
const exitProblem = (m: Measured): string[] =>
  m.timedOut ? ['timed out'] : m.code === 0 ? [] : [`exit ${m.code}: ${lastLines(m.stderr || m.stdout)}`];
const lastLines = (s: string, n = 3): string => s.trim().split('\n').slice(-n).join(' | ');

// ---- remedy ---------------------------------------------------------------------------------

interface RemedyJson {
  exit_code: number;
  plays: Array<{ hosts: Record<string, { status: string; msg: string | null; stats: { execs: number; ms: number; sinceStartMs?: number } }> }>;
}

/** argv of one remedy apply; `nodeFlags` e.g. --cpu-prof for the profile run. */
export function remedyArgv(ctx: BenchCtx, nodeFlags: string[] = []): string[] {
  const { lab } = ctx;
  return [process.execPath, ...nodeFlags, join(ctx.root, 'dist/src/cli.js'), 'apply', 'playbooks/unblock.yml',
    '-i', ctx.remedyInventory ?? lab.inventoryFile, ...(ctx.limit ? ['-l', ctx.limit] : []),
    '--known-hosts', lab.knownHostsFile, '--forks', String(ctx.forks), '--json'];
}

export async function runRemedy(ctx: BenchCtx, nodeFlags: string[] = [], extraEnv: Record<string, string> = {}): Promise<ToolRun> {
  // The run journal goes to the bench's scratch dir, not ~/.local/state.
  const env = { ...CLEAN_ENV, NO_COLOR: '1', XDG_STATE_HOME: join(ctx.scratch, 'state'), ...extraEnv };
  const m = await measure(remedyArgv(ctx, nodeFlags), { cwd: ctx.root, env, timeoutMs: ctx.timeoutMs, scratchDir: ctx.scratch });
  const problems = exitProblem(m);
  let report: RemedyJson;
  try {
    report = JSON.parse(m.stdout) as RemedyJson;
  } catch {
    return { measured: m, problems: [...problems, 'no JSON report on stdout'], hostMs: [], execs: null };
  }
  // Per host: from the run's start to the host verified (the last play), as remedy reports it.
  const hostMs: number[] = [];
  const execs: number[] = [];
  for (const h of ctx.lab.hosts) {
    const per = report.plays.map((p) => p.hosts[h.name]);
    const bad = per.find((r) => !r || (r.status !== 'ok' && r.status !== 'changed'));
    if (bad !== undefined || per.length === 0) problems.push(`${h.name}: ${bad?.status ?? 'missing'} ${bad?.msg ?? ''}`.trim());
    hostMs.push(Math.max(...per.map((r) => r?.stats.sinceStartMs ?? r?.stats.ms ?? 0)));
    execs.push(per.reduce((s, r) => s + (r?.stats.execs ?? 0), 0));
  }
  return { measured: m, problems, hostMs, execs };
}

// ---- ansible --------------------------------------------------------------------------------

/** ansible-playbook on the PATH the bench runs it with. */
export const ansibleAvailable = (): boolean =>
  (CLEAN_ENV.PATH ?? '').split(':').some((dir) => existsSync(join(dir, 'ansible-playbook')));

/**
 * The lab's inventory for Ansible: the same hosts and key, the working path's source address
 * (remedy_bind_address) and the lab's known_hosts through ansible_ssh_common_args.
 */
export async function writeAnsibleInventory(lab: Lab, path: string): Promise<void> {
  const inv = yaml.load(await readFile(lab.inventoryFile, 'utf8')) as { all: { vars: Record<string, unknown> } };
  const vars = inv.all.vars;
  const bind = vars.remedy_bind_address;
  if (typeof bind !== 'string') throw new Error('bench: the lab inventory has no remedy_bind_address');
  delete vars.remedy_bind_address;
  vars.ansible_ssh_common_args = `-b ${bind} -o UserKnownHostsFile=${lab.knownHostsFile} -o IdentitiesOnly=yes`;
  vars.known_hosts = lab.knownHostsFile; // for the verification login from the client's address
  await writeFile(path, `# generated by bench/bench.ts from ${lab.inventoryFile}\n${yaml.dump(inv)}`);
}

let ansibleSeq = 0;

/** A fresh dir per Ansible run: its ControlPath dir (every run starts cold, never riding on the
 *  last run's masters) and the callback's per-host times. */
async function ansibleRunEnv(ctx: BenchCtx): Promise<{ env: NodeJS.ProcessEnv; timesFile: string }> {
  const dir = join(ctx.scratch, `ansible-${++ansibleSeq}`);
  await mkdir(join(dir, 'cp'), { recursive: true, mode: 0o700 });
  const timesFile = join(dir, 'times.json');
  const env = {
    ...CLEAN_ENV,
    ANSIBLE_CONFIG: benchPath(ctx, 'ansible', 'ansible.cfg'),
    ANSIBLE_SSH_CONTROL_PATH_DIR: join(dir, 'cp'),
    ANSIBLE_LOCAL_TEMP: join(ctx.scratch, 'ansible-tmp'),
    ANSIBLE_NOCOLOR: '1',
    PYTHONDONTWRITEBYTECODE: '1',
    BENCH_TIMES_FILE: timesFile,
  };
  return { env, timesFile };
}

function ansibleArgv(ctx: BenchCtx, extra: string[] = []): string[] {
  return ['ansible-playbook', '-i', ctx.ansibleInventory, '-f', String(ctx.forks), '-e', `client_ip=${ctx.lab.clientIp}`,
    ...extra, benchPath(ctx, 'ansible', 'unblock.yml')];
}

export async function runAnsible(ctx: BenchCtx): Promise<ToolRun> {
  const { env, timesFile } = await ansibleRunEnv(ctx);
  const m = await measure(ansibleArgv(ctx), { cwd: ctx.root, env, timeoutMs: ctx.timeoutMs, scratchDir: ctx.scratch });
  const problems = exitProblem(m);
  const times = JSON.parse(await readFile(timesFile, 'utf8').catch(() => '{}')) as Record<string, { start: number; end: number }>;
  const hostMs: number[] = [];
  for (const h of ctx.lab.hosts) {
    const t = times[h.name];
    if (!t) problems.push(`${h.name}: no task results`);
    else hostMs.push((t.end - t.start) * 1000);
  }
  return { measured: m, problems, hostMs, execs: null };
}

/**
 * Ansible's round trips per host, counted untimed (-vvv output is costly): every `SSH: EXEC`
 * line is one ssh invocation (a session over the ControlMaster). Run on a few freshly broken
 * hosts; the count per host does not depend on N.
 */
export async function ansibleCensus(ctx: BenchCtx, hosts: LabHost[]): Promise<number[]> {
  const { env } = await ansibleRunEnv(ctx);
  const argv = ansibleArgv(ctx, ['-vvv', '--limit', hosts.map((h) => h.name).join(',')]);
  const m = await measure(argv, { cwd: ctx.root, env, timeoutMs: ctx.timeoutMs, scratchDir: ctx.scratch });
  if (m.code !== 0) throw new Error(`bench: ansible census run failed (exit ${m.code}): ${lastLines(m.stdout)}`);
  return hosts.map((h) => m.stdout.split('\n').filter((l) => l.startsWith(`<${h.ip}> SSH: EXEC`)).length);
}

// ---- floor ----------------------------------------------------------------------------------

export async function runFloor(ctx: BenchCtx): Promise<ToolRun> {
  const { lab } = ctx;
  const argv = ['sh', benchPath(ctx, 'floor.sh'), lab.mgmtIp, lab.clientIp, lab.keyFile, lab.knownHostsFile, ...lab.hosts.map((h) => h.ip)];
  const env = ctx.forks < lab.hosts.length ? { ...CLEAN_ENV, FLOOR_FORKS: String(ctx.forks) } : CLEAN_ENV;
  const m = await measure(argv, { cwd: ctx.root, env, timeoutMs: ctx.timeoutMs, scratchDir: ctx.scratch });
  const problems = exitProblem(m);
  const rows = new Map(m.stdout.trim().split('\n').map((l) => l.split(' ')).map(([ip, rc, ms]) => [ip, { rc, ms: Number(ms) }]));
  const hostMs: number[] = [];
  for (const h of lab.hosts) {
    const r = rows.get(h.ip);
    if (!r || r.rc !== '0') problems.push(`${h.name}: ${r ? `exit ${r.rc}` : 'no result'}`);
    if (r) hostMs.push(r.ms);
  }
  return { measured: m, problems, hostMs, execs: lab.hosts.map(() => 1) };
}
