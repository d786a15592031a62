// `npm run bench [-- --hosts N --rounds R]`: remedy against Ansible and against the floor (plain
// OpenSSH, one command per host), on the same lab of N real sshd hosts, in one run. Needs root.
//
// Per round, in turn: remedy, ansible-playbook, floor. Before every timed run each host is put back
// into the same broken state (bench/faults.ts); after it, every host must let the client's own
// address log in again (plain ssh -b <clientIp>) or the run does not count. See bench/README.md.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startLab, type Lab } from '../test/lab/lab.js';
import { FAIL2BAN_HOSTS, prepareFleet, resetFleet, type Pristine } from './faults.js';
import { HostCpu } from './hostcpu.js';
import { abortCurrent, TIME_BIN } from './measure.js';
import { countLogins, loginsSince, logOffset, logOffsets, unverifiedHosts } from './observe.js';
import { jumpScenario, writeAnsibleJumpInventory } from './jump.js';
import { summarizeHeapProfile, summarizeMemTrace, summarizeProfile } from './profile.js';
import {
  machine, median, ratio, summarize, textReport, writeResults, type Results, type RunRecord,
} from './report.js';
import {
  ansibleAvailable, ansibleCensus, runAnsible, runFloor, runRemedy, writeAnsibleInventory, type BenchCtx, type ToolName, type ToolRun,
} from './tools.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..'); // dist/bench -> repo
const USAGE = 'usage: npm run bench [-- --hosts N (1..1000, default 20) --rounds R (default 3) --forks F (default N) --tools remedy,floor[,ansible] --scenario jump --profile --timeout SECONDS]';

interface Options {
  hosts: number;
  rounds: number;
  profile: boolean;
  timeoutS: number;
  /** Hosts at once, for every tool (default: all of them). */
  forks?: number;
  /** Which contenders (default: all that are installed). */
  tools?: ToolName[];
  /** --scenario jump: the N hosts behind one more, a jump host (bench/jump.ts). */
  jump: boolean;
}

const TOOL_NAMES: readonly ToolName[] = ['remedy', 'ansible', 'floor'];

function parseArgs(argv: string[]): Options {
  const o: Options = { hosts: 20, rounds: 3, profile: false, timeoutS: 900, jump: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const int = (): number => {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < 1) throw new Error(`${a} wants a positive integer`);
      return v;
    };
    if (a === '--hosts') o.hosts = int();
    else if (a === '--rounds') o.rounds = int();
    else if (a === '--timeout') o.timeoutS = int();
    else if (a === '--forks') o.forks = int();
    else if (a === '--tools') {
      const names = (argv[++i] ?? '').split(',').filter(Boolean);
      const bad = names.filter((n) => !TOOL_NAMES.includes(n as ToolName));
      if (names.length === 0 || bad.length || !names.includes('remedy')) throw new Error(`--tools: a list of ${TOOL_NAMES.join(', ')} including remedy`);
      o.tools = names as ToolName[];
    } else if (a === '--scenario') {
      const v = argv[++i];
      if (v !== 'jump' && v !== 'direct') throw new Error('--scenario: direct (the default) or jump');
      o.jump = v === 'jump';
    } else if (a === '--profile') o.profile = true;
    else throw new Error(`unknown argument ${a}`);
  }
  if (o.hosts > (o.jump ? 999 : 1000)) throw new Error('--hosts: the lab supports at most 1000 (the jump host is one)');
  return o;
}

const log = (msg: string): void => void process.stderr.write(`[bench] ${msg}\n`);
const secs = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** One timed run of one tool from a freshly broken fleet, checked from the client's address. */
async function timedRun(ctx: BenchCtx, pristine: Map<string, Pristine>, cpu: HostCpu, tool: ToolName, round: number): Promise<RunRecord> {
  const { lab } = ctx;
  const t0 = Date.now();
  await resetFleet(lab, pristine);
  await cpu.adopt(lab);
  const resetS = (Date.now() - t0) / 1000;
  const offsets = await logOffsets(lab);
  const jumpAt = ctx.jump ? await logOffset(ctx.jump) : 0;
  const before = await cpu.snapshot();
  const run: ToolRun = await (tool === 'remedy' ? runRemedy(ctx) : tool === 'ansible' ? runAnsible(ctx) : runFloor(ctx));
  const after = await cpu.snapshot();
  const hostCpuS = after.hostsS === null || before.hostsS === null ? null : after.hostsS - before.hostsS;
  // Before our own check adds its logins; behind the jump host, the working path comes from it.
  const logins = await countLogins(lab, offsets, ctx.jump?.ip);
  const atJump = ctx.jump ? await loginsSince(ctx.jump, jumpAt) : null;
  const unverified = await unverifiedHosts(lab);
  const problems = [...run.problems, ...unverified.map((u) => `not verified from ${lab.clientIp}: ${u}`)];
  const m = run.measured;
  return {
    tool, round, ok: problems.length === 0, problems, exitCode: m.code,
    wallS: m.wallMs / 1000, cpuS: m.cpuS, cpuUserS: m.cpuUserS, cpuSysS: m.cpuSysS, cpuSource: m.cpuSource,
    hostCpuS,
    otherCpuS: Math.max(0, after.machineBusyS - before.machineBusyS - m.cpuS - (hostCpuS ?? 0)), // jiffy resolution
    maxRssMb: m.maxRssKb === null ? null : m.maxRssKb / 1024,
    hostMs: run.hostMs,
    execsPerHost: run.execs ? median(run.execs) : null,
    loginsPerHost: { mgmt: median(logins.map((l) => l.mgmt)) ?? 0, client: median(logins.map((l) => l.client)) ?? 0 },
    jumpLogins: atJump?.logins ?? null,
    jumpDrops: atJump?.drops ?? null,
    resetS,
  };
}

function describe(r: RunRecord): string {
  const rss = r.maxRssMb === null ? 'n/a' : `${r.maxRssMb.toFixed(0)} MB`;
  const verdict = r.ok ? 'verified' : `FAILED, not counted: ${r.problems.slice(0, 3).join('; ')}`;
  const host = r.hostCpuS === null ? '' : `, hosts ${r.hostCpuS.toFixed(2)} s CPU, other load ${r.otherCpuS.toFixed(1)} s`;
  const jump = r.jumpLogins === null ? '' : `, ${r.jumpLogins} jump-host logins, ${r.jumpDrops} dropped past its MaxStartups`;
  return `round ${r.round} ${r.tool.padEnd(7)} ${r.wallS.toFixed(2).padStart(7)} s wall, ${r.cpuS.toFixed(2)} s CPU${host}, ${rss}${jump} — ${verdict}`;
}

/** Extra remedy run under --cpu-prof (untimed, excluded from the table). */
async function profileRemedy(ctx: BenchCtx, pristine: Map<string, Pristine>): Promise<string> {
  await resetFleet(ctx.lab, pristine);
  const dir = join(ctx.scratch, 'prof');
  const trace = join(ctx.scratch, 'memtrace.json');
  const memtrace = pathToFileURL(join(ROOT, 'dist/bench/memtrace.js')).href;
  const run = await runRemedy(ctx, ['--cpu-prof', '--cpu-prof-dir', dir, '--heap-prof', '--heap-prof-dir', dir, '--import', memtrace], { REMEDY_MEMTRACE_OUT: trace });
  const summary = [await summarizeProfile(dir), await summarizeHeapProfile(dir), await summarizeMemTrace(trace)].join('\n');
  const status = run.problems.length ? ` (that run had problems: ${run.problems.slice(0, 2).join('; ')})` : '';
  return `${summary}\nprofiled run: ${(run.measured.wallMs / 1000).toFixed(2)} s wall, ${run.measured.cpuS.toFixed(2)} s CPU${status}`;
}

function notes(cpuSource: Set<string>, hasAnsible: boolean, jump: boolean): string[] {
  const n = [
    'wall: from spawning the tool to its exit, which comes after its own verification login from the client address',
    `CPU: user+sys of the tool's whole process tree (${[...cpuSource].join(', ')}); cgroup includes Ansible's daemonized ssh ControlPersist masters`,
    "host CPU: what the hosts' processes (sshd sessions, shells, fail2ban-client, python modules) burned during the run — on the same cores as the controller",
    'other: machine busy time during the run minus controller and hosts (load from outside the bench: noise)',
    "peak RSS: time(1) %M, the largest single process (remedy: node; Ansible: its largest process, the tree's total is higher)",
    'host p50/p95: remedy: stats.sinceStartMs, from the run\'s start to the host verified (last play); Ansible: first task start to last result (callback); floor: fix+verify ssh per host',
    'execs/host: remedy: stats.execs (both plays); Ansible: `SSH: EXEC` lines of an untimed -vvv run on 2 hosts; floor: 1',
    "logins/host: successful authentications in each host's sshd log during the run, over the working path + from the client address",
    'faults on every host: hosts.deny `sshd: <client>`, a fail2ban ban (sshd jail), MaxStartups 5:30:10 in sshd_config.d/50-low.conf',
  ];
  if (jump) {
    n.push('scenario jump: one more lab host (h1, default MaxStartups 10:30:100, no faults) is the only way in; remedy: remedy_via, Ansible: -o ProxyJump; logins/host "mgmt" = from the jump host; jump-host logins: Accepted lines in its sshd log during the run (drops: its "past MaxStartups" lines)');
  }
  if (!hasAnsible) n.unshift('ansible-playbook is MISSING (apt-get install -y ansible-core): Ansible was not run');
  if (!existsSync(TIME_BIN)) n.unshift(`${TIME_BIN} is missing (apt-get install -y time): no peak RSS`);
  return n;
}

async function main(): Promise<number> {
  let opts: Options;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`bench: ${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (process.getuid?.() !== 0) {
    process.stderr.write('bench: needs root: the lab builds network namespaces, bridges and bind mounts. Run it as root.\n');
    return 1;
  }
  if (!existsSync(join(ROOT, 'dist/src/cli.js'))) {
    process.stderr.write('bench: dist/src/cli.js is missing: run `npm run build` first (npm run bench does)\n');
    return 1;
  }
  const hasAnsible = ansibleAvailable();
  if (!hasAnsible) log('ansible-playbook is MISSING (apt-get install -y ansible-core): running remedy and the floor only');
  if (!existsSync(TIME_BIN)) log(`${TIME_BIN} is missing (apt-get install -y time): peak RSS will be n/a`);
  const installed: ToolName[] = hasAnsible ? ['remedy', 'ansible', 'floor'] : ['remedy', 'floor'];
  const tools = opts.tools ? installed.filter((t) => opts.tools!.includes(t)) : installed;
  const forks = Math.min(opts.forks ?? opts.hosts, opts.hosts);

  const mach = machine();
  const scratch = await mkdtemp(join(os.tmpdir(), 'remedy-bench-'));
  let lab: Lab | undefined;
  const cpu = await HostCpu.create();
  let cleaning: Promise<void> | undefined;
  const cleanup = (): Promise<void> =>
    (cleaning ??= (async () => {
      await abortCurrent();
      if (lab) await lab.stop().catch((err: Error) => log(`lab teardown: ${err.message}`));
      await cpu.remove();
      await rm(scratch, { recursive: true, force: true });
    })());
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      log(`${sig}: stopping the run and tearing the lab down`);
      void cleanup().finally(() => process.exit(130));
    });
  }

  try {
    let t = Date.now();
    log(`starting a lab of ${opts.hosts} hosts${opts.jump ? ' behind one jump host' : ''}`);
    lab = await startLab({ hosts: opts.hosts + (opts.jump ? 1 : 0), prefix: 'remedy-bench' });
    log(`lab up in ${secs(Date.now() - t)}: client ${lab.clientIp}, management path ${lab.mgmtIp}`);
    const scenario = opts.jump ? await jumpScenario(lab, scratch) : undefined;
    const fleet = scenario?.fleet ?? lab;
    t = Date.now();
    const pristine = await prepareFleet(fleet);
    log(`fail2ban started on ${Math.min(opts.hosts, FAIL2BAN_HOSTS)} of ${opts.hosts} hosts in ${secs(Date.now() - t)}`);
    const ctx: BenchCtx = {
      lab: fleet, root: ROOT, scratch, timeoutMs: opts.timeoutS * 1000, ansibleInventory: join(scratch, 'ansible-inventory.yml'), forks,
      ...(scenario ? { remedyInventory: scenario.remedyInventory, limit: scenario.limit, jump: scenario.jump } : {}),
    };
    await (scenario ? writeAnsibleJumpInventory(scenario, ctx.ansibleInventory) : writeAnsibleInventory(lab, ctx.ansibleInventory));

    let censusExecs: number | null = null;
    if (tools.includes('ansible')) {
      const few = fleet.hosts.slice(0, 2);
      await resetFleet(fleet, pristine);
      censusExecs = median(await ansibleCensus(ctx, few));
      log(`Ansible: ${censusExecs} ssh invocations per host (-vvv, untimed, on ${few.map((h) => h.name).join(', ')})`);
    }

    const runs: RunRecord[] = [];
    for (let round = 1; round <= opts.rounds; round++) {
      for (const tool of tools) {
        const r = await timedRun(ctx, pristine, cpu, tool, round);
        runs.push(r);
        log(describe(r));
      }
    }
    const profile = opts.profile ? await profileRemedy(ctx, pristine) : undefined;

    const summaries = tools.map((tool) => summarize(tool, runs, tool === 'ansible' ? censusExecs : null));
    const results: Results = {
      machine: mach, hosts: opts.hosts, rounds: opts.rounds, forks, ...(opts.jump ? { scenario: 'jump' as const } : {}),
      notes: notes(new Set(runs.map((r) => r.cpuSource)), hasAnsible, opts.jump),
      summaries,
      ratios: tools.filter((x) => x !== 'remedy').map((other) => ratio(runs, summaries, other)),
      runs, profile,
    };
    process.stdout.write(`\n${textReport(results)}\n\n`);
    const files = await writeResults(join(ROOT, 'bench', 'results'), results);
    log(`written: ${files.join(', ')}`);
    return runs.some((r) => !r.ok) ? 2 : 0;
  } finally {
    await cleanup();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exit(1);
  },
);
