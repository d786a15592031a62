// `node dist/bench/costs.js` (root): where the hosts' CPU goes, on a lab of one host.
//
// In the bench the hosts share the controller's cores, so every command a tool makes a host run
// costs wall time. This prints (1) the host-side CPU of the primitives tools are made of (a
// login, an exec session, a fail2ban-client call, sshd -t ...), measured with the bench's host
// cgroup over repeated runs, and (2) every command each tool runs on a host, with its own CPU,
// captured by a ForceCommand wrapper (time(1) around the command: sshd's share not included).
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLab, type Lab } from '../test/lab/lab.js';
import { prepareFleet, resetFleet, type Pristine } from './faults.js';
import { HostCpu } from './hostcpu.js';
import { ansibleAvailable, runAnsible, runFloor, runRemedy, writeAnsibleInventory, type BenchCtx, type ToolRun } from './tools.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const REPS = 5;

// Logs each command (first 160 characters, one line) and its CPU, then runs it as sshd would.
const TRACE_WRAPPER = `#!/bin/sh
printf '$ %s\\n' "$(printf '%s' "$SSH_ORIGINAL_COMMAND" | tr '\\n' ' ' | cut -c1-160)" >> /tmp/bench-trace.log
exec /usr/bin/time -a -o /tmp/bench-trace.log -f '  cpu %U+%S s, wall %e s' sh -c "$SSH_ORIGINAL_COMMAND"
`;

function sshArgs(lab: Lab, extra: string[]): string[] {
  return ['-F', '/dev/null', '-i', lab.keyFile, '-o', 'BatchMode=yes', '-o', 'IdentitiesOnly=yes', '-o', `UserKnownHostsFile=${lab.knownHostsFile}`,
    '-b', lab.mgmtIp, ...extra];
}

async function primitives(lab: Lab, cpu: HostCpu, scratch: string): Promise<string[]> {
  const host = lab.hosts[0]!;
  const sock = join(scratch, 'cm.sock');
  const each = async (what: string, fn: () => void): Promise<string> => {
    const a = await cpu.snapshot();
    for (let i = 0; i < REPS; i++) fn();
    const b = await cpu.snapshot();
    return `${(((b.hostsS ?? 0) - (a.hostsS ?? 0)) * 1000 / REPS).toFixed(1).padStart(6)} ms  ${what}`;
  };
  const overMaster = (cmd: string) => () => execFileSync('ssh', sshArgs(lab, ['-o', `ControlPath=${sock}`, `root@${host.ip}`, cmd]));
  const out = [await each('a new login running `true`', () => execFileSync('ssh', sshArgs(lab, ['-o', 'ControlPath=none', `root@${host.ip}`, 'true'])))];
  execFileSync('ssh', sshArgs(lab, ['-o', 'ControlMaster=yes', '-o', 'ControlPersist=60', '-o', `ControlPath=${sock}`, '-N', '-f', `root@${host.ip}`]));
  try {
    out.push(await each('an exec session `true` on an open connection', overMaster('true')));
    for (const cmd of ['fail2ban-client --version', 'fail2ban-client status', 'fail2ban-client status sshd', 'fail2ban-client get sshd ignoreip',
      'fail2ban-client banned', 'iptables -w -S', '/usr/sbin/sshd -t', '/usr/sbin/sshd -T >/dev/null', '/usr/bin/python3 -c pass']) {
      out.push(await each(`exec \`${cmd}\``, overMaster(cmd)));
    }
  } finally {
    execFileSync('ssh', ['-o', `ControlPath=${sock}`, '-O', 'exit', 'x'], { stdio: 'ignore' });
  }
  return out;
}

async function traces(ctx: BenchCtx, pristine: Map<string, Pristine>): Promise<string[]> {
  const { lab } = ctx;
  const host = lab.hosts[0]!;
  const tools: Array<[string, (c: BenchCtx) => Promise<ToolRun>]> = [['remedy', runRemedy], ['floor', runFloor]];
  if (ansibleAvailable()) tools.splice(1, 0, ['ansible', runAnsible]);
  const out: string[] = [];
  for (const [name, run] of tools) {
    await resetFleet(lab, pristine);
    await lab.writeFile(host, '/root/bench-trace.sh', TRACE_WRAPPER, '0755');
    await lab.exec(host, 'rm -f /tmp/bench-trace.log');
    await lab.setSshdOption(host, 'ForceCommand /root/bench-trace.sh'); // reset() rewrites sshd_config: gone next time
    const r = await run(ctx);
    const trace = await readFile(join(host.dir, 'tmp', 'bench-trace.log'), 'utf8').catch(() => '(no trace)\n');
    const verdict = r.problems.length ? `problems: ${r.problems.join('; ')}` : 'ok';
    out.push(`## ${name}: ${(r.measured.wallMs / 1000).toFixed(2)} s wall on 1 host, ${verdict}`, trace.trimEnd(), '');
  }
  return out;
}

async function main(): Promise<number> {
  if (process.getuid?.() !== 0) {
    process.stderr.write('costs: needs root (the lab)\n');
    return 1;
  }
  const scratch = await mkdtemp(join(os.tmpdir(), 'remedy-costs-'));
  const cpu = await HostCpu.create();
  const lab = await startLab({ hosts: 1, prefix: 'remedy-costs' });
  try {
    const pristine = await prepareFleet(lab);
    await cpu.adopt(lab);
    const ctx: BenchCtx = { lab, root: ROOT, scratch, timeoutMs: 300_000, ansibleInventory: join(scratch, 'inventory.yml'), forks: 1 };
    await writeAnsibleInventory(lab, ctx.ansibleInventory);
    const lines = [
      `# host-side CPU per primitive (mean of ${REPS}, sshd and fail2ban-server included)`,
      ...(await primitives(lab, cpu, scratch)),
      '',
      '# every command each tool runs on one host (ForceCommand wrapper; the command tree only)',
      ...(await traces(ctx, pristine)),
    ];
    process.stdout.write(lines.join('\n') + '\n');
    return 0;
  } finally {
    await lab.stop();
    await cpu.remove();
    await rm(scratch, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`costs: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exit(1);
  },
);
