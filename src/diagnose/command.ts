// `remedy diagnose [-i INVENTORY] [-l PATTERN] [--client-ip IP] [--json]`: for each host, what a
// brand-new connection from the client sees (vantage.ts), what the server shows over the working
// path in one read-only exec (evidence.ts), and the verdict (verdict.ts), printed by report.ts.
// Orchestration only. Hosts run concurrently; nothing on any host changes.
import { isIP } from 'node:net';
import { UsageError, ValidationError, exitCodeForDiagnosis } from '../errors.js';
import type { Facts } from '../facts.js';
import { openInventory } from '../inventory-source.js';
import { limitHosts, selectHosts } from '../inventory/patterns.js';
import { hostVars } from '../inventory/vars.js';
import { resolveReach, type Reach } from '../engine/reach.js';
import { loadSshConfig } from '../transport/ssh-config.js';
import { connectFirstWorking, type ConnectFirstOptions } from '../transport/connect.js';
import { mapLimit } from '../engine/batches.js';
import { JumpPool } from '../transport/jump-pool.js';
import { sourceAddressFor } from '../transport/source-address.js';
import type { HostKeyMode } from '../transport/known-hosts.js';
import { ExecTimeoutError, type SshConnection } from '../transport/ssh.js';
import { EVIDENCE_COMMAND, evidenceScript, parseEvidence, type ServerEvidence } from './evidence.js';
import { probeVantage } from './vantage.js';
import { clientLogLines, verdict, type PathReport } from './verdict.js';
import { jsonReport, textReport, type HostDiagnosis, type ServerSummary } from './report.js';

export interface DiagnoseFlags {
  inventory?: string;
  limit?: string;
  clientIp?: string;
  json?: boolean;
  knownHosts?: string[];
  sshConfig?: string;
  hostKeyChecking?: HostKeyMode;
  /** TCP connect timeout per path, seconds (default 10). */
  timeoutSec?: number;
  /** --reach-timeout: budget of a path's retries after immediate drops, seconds (default 30). */
  reachTimeoutSec?: number;
}

export interface DiagnoseIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
}

/** Hosts diagnosed at once. */
const CONCURRENCY = 20;
const pickFacts = ({ opensshGeneration, libwrapIn, perSourcePenalties, firewallFrontend, serviceMgr }: Facts): ServerSummary['facts'] =>
  ({ opensshGeneration, libwrapIn, perSourcePenalties, firewallFrontend, serviceMgr });

/** Wait for the banner after TCP connect: above libwrap's ~5 s delayed refusal. */
const BANNER_WAIT_MS = 10_000;
/** The evidence exec. */
const EVIDENCE_TIMEOUT_MS = 60_000;

export interface HostTarget {
  name: string;
  reach: Reach;
}

export interface DiagnoseHostOptions {
  ssh: ConnectFirstOptions;
  connectTimeoutMs: number;
  clientIp?: string;
  /** Repeated in the fix commands (see reachArgsOf). */
  reachArgs?: string[];
}

/** The flags that decide how `remedy apply` finds and reaches the host, as diagnose got them. */
export function reachArgsOf(flags: DiagnoseFlags): string[] {
  const args: string[] = [];
  if (flags.inventory !== undefined) args.push('-i', flags.inventory);
  if (flags.sshConfig !== undefined) args.push('--ssh-config', flags.sshConfig);
  for (const k of flags.knownHosts ?? []) args.push('--known-hosts', k);
  if (flags.hostKeyChecking !== undefined && flags.hostKeyChecking !== 'strict') args.push('--host-key-checking', flags.hostKeyChecking);
  if (flags.timeoutSec !== undefined && flags.timeoutSec !== 10) args.push('-T', String(flags.timeoutSec));
  if (flags.reachTimeoutSec !== undefined && flags.reachTimeoutSec !== 30) args.push('--reach-timeout', String(flags.reachTimeoutSec));
  return args;
}

const isDirect = (p: { via: unknown[]; bindAddress?: string }) => p.via.length === 0 && !p.bindAddress;

/** One host: vantage, then evidence over the working path, then the verdict. Never throws. */
export async function diagnoseHost(t: HostTarget, opts: DiagnoseHostOptions): Promise<HostDiagnosis> {
  const started = Date.now();
  const { reach } = t;
  const { vantage, conn: vconn } = await probeVantage(reach.target, reach.direct, {
    connectTimeoutMs: opts.connectTimeoutMs,
    bannerTimeoutMs: BANNER_WAIT_MS,
    ssh: opts.ssh,
    keepConnection: true,
  });
  const clientIp = opts.clientIp ?? vantage.from ?? (await sourceAddressFor(reach.target.host, reach.target.port)) ?? '0.0.0.0';

  // The working path. The client's own login is reused when the direct path is one of them, and
  // as a last resort when no working path gets in.
  let conn: SshConnection | undefined;
  let pathLabel = '';
  const paths: PathReport[] = [];
  if (vconn && reach.paths.some(isDirect)) {
    conn = vconn;
    pathLabel = 'direct';
    paths.push({ path: 'direct', ok: true, ms: vantage.login?.ms ?? 0 });
  } else {
    // connectFirstWorking already retries MaxStartups' immediate drops on each path.
    const res = await connectFirstWorking(reach.target, reach.paths, opts.ssh);
    for (const a of res.attempts) paths.push({ path: a.path, ok: false, phase: a.phase, message: a.message, ms: a.ms });
    if (res.ok) {
      conn = res.conn;
      pathLabel = res.path.label;
      paths.push({ path: res.path.label, ok: true, ms: res.ms });
      await vconn?.close().catch(() => undefined);
    } else if (vconn) {
      conn = vconn;
      pathLabel = "direct (the client's own login)";
      paths.push({ path: pathLabel, ok: true, ms: vantage.login?.ms ?? 0 });
    }
  }

  let evidence: ServerEvidence | undefined;
  let server: ServerSummary | undefined;
  let evidenceError: string | undefined;
  if (conn) {
    const e0 = Date.now();
    try {
      const stdin = evidenceScript({ clientIp, user: reach.target.user, port: reach.target.port });
      let out: { code: number | null; stdout: Buffer; stderr: Buffer; late?: string };
      try {
        out = await conn.exec(EVIDENCE_COMMAND, { stdin, timeoutMs: EVIDENCE_TIMEOUT_MS });
      } catch (err) {
        // A probe that hangs (a slow journal, a stuck fail2ban) costs the sections after it only.
        if (!(err instanceof ExecTimeoutError)) throw err;
        out = { code: null, stdout: err.stdout, stderr: err.stderr, late: err.message };
      }
      evidence = parseEvidence(out.stdout.toString('utf8'));
      if (out.late) evidence.problems.push(`evidence script: ${out.late}; later sections are missing`);
      if (evidence.problems.includes('the evidence script printed no sections')) {
        evidenceError = `exit ${out.code}: ${out.stderr.toString('utf8').trim().slice(0, 300) || out.late || 'no output'}`;
        evidence = undefined;
      } else {
        const problems = [...evidence.problems, ...evidence.fail2ban.problems.filter((p) => evidence!.fail2ban.installed && !/^status:/.test(p)), ...evidence.firewall.problems];
        server = {
          path: pathLabel,
          uid: evidence.uid,
          hostname: evidence.facts.hostname,
          openssh: vantage.software ?? (evidence.facts.opensshVersionRaw ? `OpenSSH ${evidence.facts.opensshVersionRaw}` : ''),
          libwrap: evidence.facts.libwrap,
          facts: pickFacts(evidence.facts),
          problems,
          clientLog: clientLogLines(evidence, clientIp),
          ms: Date.now() - e0,
        };
      }
    } catch (err) {
      evidenceError = (err as Error).message;
    } finally {
      await conn.close().catch(() => undefined);
    }
  }
  const causes = verdict({
    host: t.name,
    clientIp,
    user: reach.target.user,
    port: reach.target.port,
    vantage,
    ...(evidence ? { evidence } : {}),
    paths,
    ...(opts.reachArgs ? { reachArgs: opts.reachArgs } : {}),
  });
  return {
    host: t.name,
    clientIp,
    vantage,
    paths,
    ...(server ? { server } : {}),
    unreachable: !conn,
    ...(evidenceError ? { evidenceError } : {}),
    causes,
    ms: Date.now() - started,
  };
}

export async function diagnoseCommand(flags: DiagnoseFlags, io: DiagnoseIo): Promise<number> {
  if (flags.clientIp !== undefined && !isIP(flags.clientIp)) throw new UsageError(`--client-ip: expected an IP address, got '${flags.clientIp}'`);
  const timeoutSec = flags.timeoutSec ?? 10;
  if (!Number.isFinite(timeoutSec) || timeoutSec <= 0) throw new UsageError(`--timeout: expected a positive number of seconds, got '${flags.timeoutSec}'`);
  const inv = await openInventory(flags.inventory, io.env);
  let names = selectHosts(inv, 'all');
  if (flags.limit) names = limitHosts(names, inv, flags.limit);
  const sshConfig = loadSshConfig(flags.sshConfig, { homeDir: io.env.HOME });
  const varsOf = (name: string) => (inv.hosts.has(name) ? hostVars(inv, name) : undefined);
  const targets: HostTarget[] = [];
  for (const name of names) {
    const vars = varsOf(name) ?? {};
    if (vars.ansible_connection === 'local') {
      io.stderr.write(`diagnose: skipping ${name} (ansible_connection: local has no SSH to diagnose)\n`);
      continue;
    }
    let reach: Reach;
    try {
      reach = resolveReach(name, vars, { sshConfig, hostVars: varsOf });
    } catch (err) {
      if (err instanceof ValidationError) throw new ValidationError(undefined, `${inv.source}: ${err.detail}`);
      throw err;
    }
    reach.knownHostsFiles ??= flags.knownHosts?.length ? flags.knownHosts : reach.configKnownHostsFiles;
    targets.push({ name, reach });
  }
  if (targets.length === 0) io.stderr.write(`diagnose: no hosts matched${flags.limit ? ` the limit '${flags.limit}'` : ''}\n`);
  // Hosts behind the same jump chain share one login on it, as in apply (transport/jump-pool.ts).
  const jumpPool = new JumpPool();
  const results = await mapLimit(targets, CONCURRENCY, (t) =>
    diagnoseHost(t, {
      connectTimeoutMs: t.reach.ssh.connectTimeoutMs ?? timeoutSec * 1000,
      ...(flags.clientIp ? { clientIp: flags.clientIp } : {}),
      reachArgs: reachArgsOf(flags),
      ssh: {
        hostKeyChecking: flags.hostKeyChecking ?? 'strict',
        timeoutMs: t.reach.ssh.connectTimeoutMs ?? timeoutSec * 1000,
        knownHostsFiles: t.reach.knownHostsFiles,
        identitiesOnly: t.reach.ssh.identitiesOnly,
        agent: t.reach.ssh.agent ?? io.env.SSH_AUTH_SOCK ?? null,
        jumpPool,
        ...(flags.reachTimeoutSec ? { reachBudgetMs: flags.reachTimeoutSec * 1000 } : {}),
      },
    }),
  ).finally(() => jumpPool.close());
  if (flags.json) io.stdout.write(`${JSON.stringify(jsonReport(results), null, 2)}\n`);
  else io.stdout.write(textReport(results));
  return exitCodeForDiagnosis(results.some((r) => r.unreachable), results.some((r) => r.causes.length === 0));
}
