// Timing one command as the controller sees it: wall time, CPU seconds of its whole process tree
// and peak RSS.
//
// CPU comes from a cpuacct cgroup the command is started in (race-free: a shell joins the cgroup,
// then execs the command). That counts every descendant, including the ssh ControlPersist masters
// Ansible daemonizes (reparented to init, so getrusage/time(1) never sees them, yet they do every
// key exchange). Without such a cgroup it falls back to time(1)'s user+sys, and says so.
// Peak RSS is time(1)'s %M: the largest single process of the tree (for remedy node's RSS; for
// Ansible its largest worker or the main process, an approximation of the tree's footprint).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const TIME_BIN = '/usr/bin/time';
const CPUACCT_ROOTS = ['/sys/fs/cgroup/cpuacct', '/sys/fs/cgroup/cpu,cpuacct'];

export interface Measured {
  code: number | null;
  wallMs: number;
  cpuS: number;
  cpuUserS: number;
  cpuSysS: number;
  cpuSource: 'cgroup' | 'time(1)' | 'none';
  maxRssKb: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export interface MeasureOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  scratchDir: string; // where time(1) writes its line
}

let seq = 0;
let current: { cgroup?: string; pid?: number } = {};

/** A fresh cpuacct cgroup, or undefined when this machine has none we may create. */
async function makeCgroup(): Promise<string | undefined> {
  const root = CPUACCT_ROOTS.find((r) => existsSync(join(r, 'cpuacct.usage')));
  if (!root) return undefined;
  const dir = join(root, `remedy-bench-${process.pid}-${++seq}`);
  try {
    await mkdir(dir);
    return dir;
  } catch {
    return undefined;
  }
}

async function cgroupPids(dir: string): Promise<number[]> {
  const text = await readFile(join(dir, 'cgroup.procs'), 'utf8').catch(() => '');
  return text.split('\n').filter(Boolean).map(Number);
}

/** Kill every process in the cgroup: only the measured command's tree (ControlPersist masters, a timed-out run). */
async function killCgroup(dir: string): Promise<void> {
  for (let i = 0; i < 50; i++) {
    const pids = await cgroupPids(dir);
    if (pids.length === 0) return;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function dropCgroup(dir: string): Promise<void> {
  await killCgroup(dir);
  await rmdir(dir).catch(() => {});
}

/** Kill the command being measured and what it started. */
async function killCurrent(): Promise<void> {
  const { cgroup, pid } = current;
  if (pid !== undefined) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  if (cgroup) await killCgroup(cgroup);
}

/** Ctrl-C: kill the command being measured and remove its cgroup. */
export async function abortCurrent(): Promise<void> {
  const { cgroup } = current;
  await killCurrent();
  if (cgroup) await rmdir(cgroup).catch(() => {});
}

const readNs = async (file: string): Promise<number> => Number((await readFile(file, 'utf8').catch(() => '0')).trim()) / 1e9;

export async function measure(argv: readonly string[], opts: MeasureOptions): Promise<Measured> {
  const cgroup = await makeCgroup();
  const haveTime = existsSync(TIME_BIN);
  const timeFile = join(opts.scratchDir, `time-${process.pid}-${++seq}.txt`);
  await writeFile(timeFile, '');
  const timed = haveTime ? [TIME_BIN, '-f', '%e %U %S %M', '-o', timeFile, ...argv] : [...argv];
  // $0 is the cgroup's procs file (or /dev/null): the shell joins it, then becomes the command.
  const prologue = 'echo $$ > "$0" && exec "$@"';
  const procs = cgroup ? join(cgroup, 'cgroup.procs') : '/dev/null';

  const t0 = process.hrtime.bigint();
  const child = spawn('sh', ['-c', prologue, procs, ...timed], { cwd: opts.cwd, env: opts.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  current = { cgroup, pid: child.pid };
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (d: Buffer) => out.push(d));
  child.stderr.on('data', (d: Buffer) => err.push(d));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void killCurrent();
  }, opts.timeoutMs);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (c) => resolve(c));
  });
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  clearTimeout(timer);

  let cpuUserS = 0;
  let cpuSysS = 0;
  let cpuSource: Measured['cpuSource'] = 'none';
  const [, u, s, m] = (await readFile(timeFile, 'utf8')).trim().split('\n').pop()!.split(' ');
  if (cgroup) {
    cpuUserS = await readNs(join(cgroup, 'cpuacct.usage_user'));
    cpuSysS = await readNs(join(cgroup, 'cpuacct.usage_sys'));
    cpuSource = 'cgroup';
    await dropCgroup(cgroup);
  } else if (u !== undefined && s !== undefined) {
    [cpuUserS, cpuSysS, cpuSource] = [Number(u), Number(s), 'time(1)'];
  }
  current = {};
  await rm(timeFile, { force: true });
  return {
    code, wallMs, cpuS: cpuUserS + cpuSysS, cpuUserS, cpuSysS, cpuSource,
    maxRssKb: m !== undefined && /^\d+$/.test(m) ? Number(m) : null,
    stdout: Buffer.concat(out).toString('utf8'),
    stderr: Buffer.concat(err).toString('utf8'),
    timedOut,
  };
}
