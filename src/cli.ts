#!/usr/bin/env node
// Command wiring only: parse arguments, call the command, and turn its outcome or error into an
// exit code (the only place that does).
import { Command, CommanderError, Option } from 'commander';
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { EXIT, UsageError, ValidationErrors, exitCodeFor, exitCodeForRun } from './errors.js';
import { runPlaybook, type RunRequest } from './run.js';
import { checkForksFit, raiseFdLimit } from './fd-limit.js';
import { painter } from './report/color.js';
import { plainObserver } from './report/plain.js';
import { TerminalView } from './report/terminal.js';
import { formatRecap } from './report/recap.js';
import { taskLines } from './report/task-lines.js';
import { jsonReport } from './report/json.js';
import { inventoryCommand, listCommand, validateCommand } from './commands.js';
import { readSecret } from './secret.js';
import { rollbackPlaybook, runsListing } from './rollback.js';
import { parseShard } from './shard.js';
import { mergeReports, readShardReports } from './report/merge.js';
import { diagnoseCommand } from './diagnose/command.js';
import type { HostKeyMode } from './transport/known-hosts.js';

export interface Io {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

/** remedy's version from package.json (one level up from src/, two from dist/src/). */
function version(): string {
  for (const rel of ['../package.json', '../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version: string };
      if (pkg.name === 'remedy') return pkg.version;
    } catch {
      // try the next location
    }
  }
  return 'unknown';
}
const VERSION = version();

interface RunFlags {
  inventory?: string;
  limit?: string;
  shard?: string;
  extraVars: string[];
  check?: boolean;
  diff?: boolean;
  forks: string;
  json?: boolean;
  hostKeyChecking: HostKeyMode;
  knownHosts: string[];
  sshConfig?: string;
  timeout: string;
  reachTimeout?: string;
  taskTimeout?: string;
  askBecomePass?: boolean;
  detailedExitcode?: boolean;
  confirmTimeout?: string;
  tags: string[];
  skipTags: string[];
  listTasks?: boolean;
  listHosts?: boolean;
}

const collect = (v: string, prev: string[]) => [...prev, v];
/** --tags a,b --tags c: Ansible's comma-separated, repeatable lists. */
const tagArgs = (v: string[]) => v.flatMap((t) => t.split(',')).map((t) => t.trim()).filter(Boolean);

/** The options of the commands that run a playbook's tasks (apply, plan). */
function taskOptions(cmd: Command): Command {
  return cmd
    .option('-t, --tags <tags>', 'only the tasks (and blocks, plays) with these tags; Ansible\'s specials: always, never, tagged, untagged, all', collect, [])
    .option('--skip-tags <tags>', 'not the tasks with these tags', collect, [])
    .option('--list-tasks', 'list the tasks that would run (after --tags/--skip-tags); change nothing')
    .option('--list-hosts', "list each play's hosts (after --limit); change nothing");
}

function positiveInt(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${name}: expected a positive integer, got '${v}'`);
  return n;
}

function runOptions(cmd: Command): Command {
  return cmd
    .option('-i, --inventory <file>', 'inventory file (default: $REMEDY_INVENTORY, then ./inventory.yml)')
    .option('-l, --limit <pattern>', 'further limit the hosts with a pattern (web:&prod, db*, a:!b)')
    .option('--shard <K/N>', 'only shard K of N of the selected hosts (a stable hash of each inventory name): one of N controllers')
    .option('-e, --extra-vars <vars>', 'KEY=VALUE, a JSON/YAML mapping or @FILE; repeatable; wins over every other variable', collect, [])
    .option('-f, --forks <n>', 'hosts worked on at once', '50')
    .option('--json', 'print exactly one JSON document on stdout and nothing else')
    .addOption(new Option('--host-key-checking <mode>', 'verify host keys against known_hosts').choices(['strict', 'accept-new', 'off']).default('strict'))
    .option('--known-hosts <file>', 'known_hosts file to use (repeatable; default ~/.ssh/known_hosts)', collect, [])
    .option('--ssh-config <file>', 'ssh client config (default ~/.ssh/config)')
    .option('-T, --timeout <seconds>', 'connection timeout per path', '20')
    .option('--reach-timeout <seconds>', "how long a path may be retried while sshd drops new connections at once (MaxStartups, penalties), with jittered backoff; then the next path", '30')
    .option('--task-timeout <seconds>', 'limit for each command run on a host: a hung host fails alone', '300')
    .option('-K, --ask-become-pass', 'prompt for the sudo password (or set REMEDY_BECOME_PASSWORD)')
    .option('--confirm-timeout <seconds>', "the on-host guard armed with a host's first change rolls it back when remedy has not renewed its lease for this long (remedy dead or the host lost)", '120');
}

export async function main(argv: string[], io: Io): Promise<number> {
  const paint = painter(io.stdout, io.env);
  const say = (s: string) => io.stdout.write(s + '\n');
  let code: number = EXIT.ok;
  const program = new Command('remedy')
    .description('Fix OpenSSH lockouts ("kex_exchange_identification: Connection reset by peer") across a fleet, over a working path, with exact plans.')
    .version(VERSION)
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });

  const run = async (playbook: string, flags: RunFlags, mode: 'apply' | 'plan', rollbackOf?: string) => {
    const check = mode === 'plan' || !!flags.check;
    const diff = mode === 'plan' || !!flags.diff;
    const controller = new AbortController();
    let interrupts = 0;
    const onSigint = () => {
      if (++interrupts > 1) process.exit(EXIT.interrupted);
      controller.abort();
      io.stderr.write('\nremedy: interrupted; hosts stop before their next task (Ctrl-C again to quit now)\n');
    };
    process.on('SIGINT', onSigint);
    try {
      const tags = { only: flags.tags?.length ? tagArgs(flags.tags) : ['all'], skip: tagArgs(flags.skipTags ?? []) };
      if (flags.listTasks || flags.listHosts) {
        const req = { playbook, inventory: flags.inventory, limit: flags.limit, tags, env: io.env, ...(flags.shard ? { shard: parseShard(flags.shard) } : {}) };
        say(await listCommand(req, { tasks: !!flags.listTasks, hosts: !!flags.listHosts }));
        return;
      }
      checkForksFit(positiveInt('--forks', flags.forks), raiseFdLimit());
      const req: RunRequest = {
        playbook, inventory: flags.inventory, limit: flags.limit, extraVars: flags.extraVars, check,
        ...(flags.shard ? { shard: parseShard(flags.shard) } : {}),
        forks: positiveInt('--forks', flags.forks), hostKeyChecking: flags.hostKeyChecking,
        knownHosts: flags.knownHosts, sshConfigFile: flags.sshConfig,
        connectTimeoutMs: positiveInt('--timeout', flags.timeout) * 1000,
        ...(flags.reachTimeout ? { reachBudgetMs: positiveInt('--reach-timeout', flags.reachTimeout) * 1000 } : {}),
        taskTimeoutMs: flags.taskTimeout ? positiveInt('--task-timeout', flags.taskTimeout) * 1000 : undefined,
        becomePassword: flags.askBecomePass ? await readSecret('BECOME password: ') : io.env.REMEDY_BECOME_PASSWORD,
        env: io.env, signal: controller.signal,
        confirmTimeoutSec: flags.confirmTimeout ? positiveInt('--confirm-timeout', flags.confirmTimeout) : undefined,
        tags,
      };
      if (rollbackOf) {
        const { playbook: pb } = await rollbackPlaybook(rollbackOf, io.env, flags.limit);
        Object.assign(req, { playbookObject: pb, rollbackOf });
      }
      const opts = { check, diff };
      let progress: TerminalView | undefined;
      const rows = (io.stdout as { rows?: number }).rows ?? 24;
      const observer = flags.json ? {} : io.stdout.isTTY ? (progress = new TerminalView(check, Math.max(5, rows - 8))) : plainObserver(say, opts, paint);
      const summary = await runPlaybook(req, observer);
      code = exitCodeForRun(summary.outcome, summary.changes, mode === 'plan' && !!flags.detailedExitcode, controller.signal.aborted);
      if (flags.json) {
        const meta = { playbook, mode: check ? 'check' as const : 'apply' as const, exitCode: code, version: VERSION,
          detailedExitcode: mode === 'plan' && !!flags.detailedExitcode, interrupted: controller.signal.aborted };
        say(JSON.stringify(jsonReport(summary, meta), null, 2));
        return;
      }
      if (progress) {
        await progress.finish();
        // After the live view: what changed and what failed, host by host.
        for (const h of summary.hosts) {
          if (h.status === 'unreachable') say(`${h.host} | ${paint('UNREACHABLE', 'red')} | ${h.msg}`);
          for (const r of h.tasks) if (r.status === 'changed' || r.status === 'failed') taskLines(h.host, r, opts, paint).forEach(say);
        }
      }
      say('');
      say(formatRecap(summary.hosts, paint));
      for (const p of summary.plays) if (p.stopped) say(paint(`play '${p.play}' stopped: ${p.stopped}${p.notRun.length ? `; not started: ${p.notRun.join(', ')}` : ''}`, 'yellow'));
      if (check) say(summary.changes ? paint('plan: changes pending (nothing was changed)', 'yellow') : paint('plan: nothing to change', 'green'));
      else if (summary.runId && summary.changes) say(`run ${summary.runId}: undo with 'remedy rollback ${summary.runId}'`);
    } finally {
      process.off('SIGINT', onSigint);
    }
  };

  taskOptions(runOptions(program.command('apply').argument('<playbook>').description('run a playbook against the inventory')))
    .option('-C, --check', 'do not change anything; report what would change')
    .option('-D, --diff', 'show file diffs and exact commands')
    .action((pb: string, flags: RunFlags) => run(pb, flags, 'apply'));

  taskOptions(runOptions(program.command('plan').argument('<playbook>').description('apply --check --diff: every diff and command the run would make; changes nothing')))
    .option('--detailed-exitcode', 'exit 0 when nothing would change, 2 when changes are pending, 1 on any error')
    .action((pb: string, flags: RunFlags) => run(pb, flags, 'plan'));

  runOptions(program.command('rollback').argument('<run-id>').description("put back what a past run changed, from the hosts' own backups (plan first with --check)"))
    .option('-C, --check', 'show what would be restored; change nothing')
    .option('-D, --diff', 'show file diffs and exact commands')
    .action((id: string, flags: RunFlags) => run(`rollback ${id}`, flags, 'apply', id));

  program.command('diagnose')
    .description('name the cause of a lockout, from the client\'s vantage point and from the server, with evidence and the fix')
    .option('-i, --inventory <file>', 'inventory file (default: $REMEDY_INVENTORY, then ./inventory.yml)')
    .option('-l, --limit <pattern>', 'only hosts matching this pattern')
    .option('--client-ip <ip>', 'the address the servers see for the client (behind NAT); default: this machine\'s source address')
    .option('--json', 'print exactly one JSON document on stdout and nothing else')
    .addOption(new Option('--host-key-checking <mode>', 'verify host keys against known_hosts').choices(['strict', 'accept-new', 'off']).default('strict'))
    .option('--known-hosts <file>', 'known_hosts file to use (repeatable)', collect, [])
    .option('--ssh-config <file>', 'ssh client config (default ~/.ssh/config)')
    .option('-T, --timeout <seconds>', 'TCP connect timeout of the client-side probe', '10')
    .option('--reach-timeout <seconds>', 'how long a working path may be retried while sshd drops new connections at once (MaxStartups, penalties)', '30')
    .action(async (flags: { inventory?: string; limit?: string; clientIp?: string; json?: boolean; hostKeyChecking: HostKeyMode; knownHosts: string[]; sshConfig?: string; timeout: string; reachTimeout: string }) => {
      const { reachTimeout, ...rest } = flags;
      code = await diagnoseCommand({ ...rest, timeoutSec: positiveInt('--timeout', flags.timeout), reachTimeoutSec: positiveInt('--reach-timeout', reachTimeout) }, io);
    });

  program.command('report').description('work with --json reports')
    .command('merge')
    .argument('<files...>', 'the --json reports of the shards of one run (--shard K/N)')
    .description('combine shard reports into one recap, one exit code (as one run would have) and, with --json, one document')
    .option('--json', 'print the merged JSON document')
    .action(async (files: string[], flags: { json?: boolean }) => {
      const merged = mergeReports(await readShardReports(files).catch((err: Error) => { throw new UsageError(err.message); }));
      code = merged.exitCode;
      if (flags.json) {
        say(JSON.stringify(merged.doc, null, 2));
        return;
      }
      say(formatRecap(merged.hosts, paint));
      const d = merged.doc as { shards: Array<{ index: number; count: number; run_id: string | null; exit_code: number }> };
      for (const sh of d.shards) say(`shard ${sh.index}/${sh.count}: run ${sh.run_id ?? '(plan)'}, exit ${sh.exit_code}`);
      for (const p of merged.problems) say(paint(`report merge: ${p}`, 'red'));
    });

  program.command('runs')
    .description('list past runs recorded on this machine, newest first')
    .action(async () => {
      for (const line of await runsListing(io.env)) say(line);
    });

  program.command('inventory')
    .description('show resolved hosts, groups and variables')
    .option('-i, --inventory <file>', 'inventory file (default: $REMEDY_INVENTORY, then ./inventory.yml)')
    .option('-l, --limit <pattern>', 'only hosts matching this pattern')
    .option('--list', 'JSON like ansible-inventory --list (default)')
    .option('--graph', 'group tree like ansible-inventory --graph')
    .action(async (flags: { inventory?: string; limit?: string; list?: boolean; graph?: boolean }) => {
      if (flags.list && flags.graph) throw new UsageError('--list and --graph are exclusive');
      const { out, warnings } = await inventoryCommand(flags, io.env);
      for (const w of warnings) io.stderr.write(`[WARNING]: ${w}\n`);
      say(out);
    });

  program.command('validate')
    .argument('<playbook>')
    .description('static check of a playbook and the inventory it runs on')
    .option('-i, --inventory <file>', 'inventory file (default: $REMEDY_INVENTORY, then ./inventory.yml)')
    .action(async (pb: string, flags: { inventory?: string }) => {
      for (const line of await validateCommand(pb, flags, io.env)) say(line);
    });

  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    const lines = err instanceof ValidationErrors ? err.errors.map((e) => e.message) : [(err as Error).message ?? String(err)];
    for (const l of lines) io.stderr.write(`remedy: ${l}\n`);
    const c = exitCodeFor(err);
    if (c === EXIT.unexpected && io.env.REMEDY_DEBUG) io.stderr.write(`${(err as Error).stack}\n`);
    return c;
  }
}

// Run when executed directly (also through the npm bin symlink).
const self = fileURLToPath(import.meta.url);
if (process.argv[1] && realpathSync(process.argv[1]) === self) {
  main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env }).then((c) => {
    process.exitCode = c;
  });
}
