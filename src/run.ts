// `apply` and `plan`: inventory and playbook in, one HostResult per host and play out. Everything
// here is orchestration; the work is in engine/, the words in report/.
import { loadPlaybook } from './playbook/load.js';
import { selectHosts, limitHosts } from './inventory/patterns.js';
import { hostVars } from './inventory/vars.js';
import type { Inventory } from './inventory/model.js';
import { openInventory, needsImplicitLocalhost } from './inventory-source.js';
import { parseExtraVars } from './extra-vars.js';
import { loadSshConfig, type ParsedSshConfig } from './transport/ssh-config.js';
import type { HostKeyMode as HostKeyChecking } from './transport/known-hosts.js';
import { resolveReach } from './engine/reach.js';
import { runPlay, type PlayOutcome } from './engine/fleet.js';
import type { HostJob, HostState } from './engine/host-run.js';
import type { RunObserver } from './engine/observer.js';
import type { HostResult } from './engine/results.js';
import type { Play, Playbook } from './playbook/model.js';
import { newRunId } from './engine/run-dir.js';
import { HeapBudget } from './engine/heap-budget.js';
import { writeAhead, writeJournal, type RunJournal } from './journal.js';
import { ValidationError, formatPos } from './errors.js';
import { inShard, type Shard } from './shard.js';
import { JumpPool, type JumpChainStats } from './transport/jump-pool.js';
import { DEFAULT_SELECTION, selectPlay, type TagSelection } from './playbook/tags.js';

export interface RunRequest {
  playbook: string;
  inventory?: string;
  limit?: string;
  /** --shard K/N: only the hosts whose name hashes to shard K. */
  shard?: Shard;
  extraVars: string[];
  check: boolean;
  forks: number;
  hostKeyChecking: HostKeyChecking;
  knownHosts?: string[];
  sshConfigFile?: string;
  connectTimeoutMs: number;
  /** --reach-timeout: budget of a path's retries after immediate drops. */
  reachBudgetMs?: number;
  taskTimeoutMs?: number;
  becomePassword?: string;
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** Seconds the on-host rollback timer waits for the run to confirm (default 120). */
  confirmTimeoutSec?: number;
  /** A playbook built in code (remedy rollback) instead of the file `playbook` names. */
  playbookObject?: Playbook;
  /** For remedy rollback: the run being rolled back. */
  rollbackOf?: string;
  /** --tags / --skip-tags (default: everything not tagged `never`). */
  tags?: TagSelection;
}

export interface RunSummary {
  plays: PlayOutcome[];
  /** One entry per host over all plays: recaps summed, the worst status kept. */
  hosts: HostResult[];
  outcome: 'ok' | 'failed' | 'unreachable';
  changes: boolean;
  /** apply: the run's id, for `remedy rollback`. */
  runId?: string;
  shard?: Shard;
  /** The jump chains the run rode, each one shared connection: its logins on the jump hosts. */
  jumpChains?: JumpChainStats[];
}

const RANK: Record<HostResult['status'], number> = { ok: 0, changed: 1, unreachable: 2, failed: 3 };

export async function runPlaybook(req: RunRequest, observer: RunObserver): Promise<RunSummary> {
  const playbook = await selectedPlaybook(req);
  const extraVars = parseExtraVars(req.extraVars);
  const localOnly = playbook.plays.every((p) => p.connection === 'local' || p.hosts === 'localhost');
  const inv = await openInventory(req.inventory, req.env, localOnly);
  const sshConfig = loadSshConfig(req.sshConfigFile, { homeDir: req.env.HOME });
  // Per host what the run keeps between plays (path, facts, transaction); connections live
  // only as long as a host's play, so a run holds at most --forks of them, plus one shared
  // connection per jump chain: the pool belongs to the run, so a run of several plays costs a
  // bastion one login; a chain unused for 15 s closes, and every chain closes at the run's end.
  const jumpPool = new JumpPool();
  const hosts = new Map<string, HostState>();
  // apply keeps a transaction per host (backups, rollback timer) and a journal on this machine.
  const runId = req.check ? undefined : newRunId();
  const journal: RunJournal | undefined = runId
    ? {
      id: runId, kind: req.rollbackOf ? 'rollback' : 'apply', of: req.rollbackOf, playbook: req.playbook,
      inventory: req.inventory ?? req.env.REMEDY_INVENTORY, started: new Date().toISOString(), hosts: {},
      ...(req.shard ? { shard: `${req.shard.index}/${req.shard.count}` } : {}),
    }
    : undefined;
  if (journal) await writeJournal(req.env, journal);
  const opts = {
    runId, confirmTimeoutSec: req.confirmTimeoutSec, runStartedAt: Date.now(),
    check: req.check, extraVars, hostKeyChecking: req.hostKeyChecking,
    connectTimeoutMs: req.connectTimeoutMs, reachBudgetMs: req.reachBudgetMs, taskTimeoutMs: req.taskTimeoutMs,
    becomePassword: req.becomePassword, agentSocket: req.env.SSH_AUTH_SOCK,
    observer, signal: req.signal, forks: req.forks, hosts, heap: new HeapBudget(req.forks), jumpPool,
    touching: journal ? (host: string) => writeAhead(req.env, journal.id, host) : undefined,
  };
  const plays: PlayOutcome[] = [];
  // As in Ansible, a host that failed or was unreachable takes no part in the later plays.
  const out = new Set<string>();
  /** Why the playbook ended before its last play, once it has. */
  let ended: { play: string; why: string } | undefined;
  try {
    for (const play of playbook.plays) {
      if (ended) {
        // Never started: its hosts are reported as not run, nothing touches them.
        const notRun = hostNamesFor(play, inv, req).filter((h) => !out.has(h));
        plays.push({ play: play.name, results: [], notRun, skipped: true, ...(notRun.length ? { stopped: `not run: play '${ended.play}' ended the playbook` } : {}) });
        continue;
      }
      const jobs = jobsFor(play, inv, req, sshConfig).filter((j) => !out.has(j.name));
      const outcome = await runPlay(play, jobs, opts);
      plays.push(outcome);
      for (const r of outcome.results) if (r.status === 'failed' || r.status === 'unreachable') out.add(r.host);
      ended = playbookEnd(outcome, req.signal);
    }
    const skipped = plays.filter((p) => p.skipped && p.notRun.length);
    if (ended && skipped.length) {
      observer.notice?.(`the playbook ended at play '${ended.play}' (${ended.why}); not run: ${skipped.map((p) => `play '${p.play}' on ${p.notRun.join(', ')}`).join('; ')}`);
    }
    // Commit: a host that came through every play is confirmed (its guard was disarmed at the
    // end of its last play, after a fresh login proved it still takes new logins).
    for (const [host, entry] of hosts) if (!out.has(host) && entry.tx?.started) await entry.tx.confirm();
  } finally {
    for (const entry of hosts.values()) entry.tx?.attach(undefined);
    await jumpPool.close();
  }
  const summary = summarize(plays);
  if (req.shard) summary.shard = req.shard;
  summary.jumpChains = jumpPool.stats();
  if (journal) {
    for (const h of summary.hosts) {
      const rec = hosts.get(h.host)?.tx?.record;
      if (!hosts.get(h.host)?.tx?.started || !rec) continue;
      journal.hosts[h.host] = {
        status: h.status, path: h.path, files: rec.files, undo: rec.undo,
        rolledBack: rec.rolledBack, rolledBackBy: rec.rolledBackBy, confirmed: rec.confirmed, msg: h.msg,
      };
    }
    journal.finished = new Date().toISOString();
    await writeJournal(req.env, journal);
    summary.runId = journal.id;
  }
  return summary;
}

/** The playbook with only the tasks --tags/--skip-tags select. */
export async function selectedPlaybook(req: Pick<RunRequest, 'playbook' | 'playbookObject' | 'tags'>): Promise<Playbook> {
  const playbook = req.playbookObject ?? (await loadPlaybook(req.playbook));
  return { ...playbook, plays: playbook.plays.map((p) => selectPlay(p, req.tags ?? DEFAULT_SELECTION)) };
}

/**
 * As in Ansible, a play stopped by its failure budget, or one that left no host standing, ends
 * the playbook; so does Ctrl-C. Later plays would otherwise run on hosts the stopped play never
 * started (and report them ok).
 */
function playbookEnd(outcome: PlayOutcome, signal: AbortSignal | undefined): { play: string; why: string } | undefined {
  const why = signal?.aborted ? 'interrupted' : outcome.endsPlaybook;
  return why ? { play: outcome.play, why } : undefined;
}

/** The play's hosts after the pattern and --limit, in inventory order. */
export function hostNamesFor(play: Play, inv: Inventory, req: Pick<RunRequest, 'limit' | 'shard'>): string[] {
  let names = selectHosts(inv, play.hosts);
  const implicitLocal = needsImplicitLocalhost(inv, play.hosts);
  if (implicitLocal) names = [...names, 'localhost'];
  if (req.limit) names = limitHosts(names, inv, req.limit).concat(implicitLocal && limitMatchesLocal(req.limit) ? ['localhost'] : []);
  return [...new Set(names)].filter((n) => inShard(n, req.shard));
}

function jobsFor(play: Play, inv: Inventory, req: RunRequest, sshConfig: ParsedSshConfig): HostJob[] {
  const names = hostNamesFor(play, inv, req);
  const varsOf = (name: string) => (inv.hosts.has(name) ? hostVars(inv, name) : undefined);
  return names.map((name) => {
    const vars = varsOf(name) ?? { inventory_hostname: name, ansible_connection: 'local' };
    if (play.connection === 'local' || vars.ansible_connection === 'local') return { name, vars };
    try {
      const reach = resolveReach(name, vars, { sshConfig, hostVars: varsOf, remoteUser: play.remoteUser });
      reach.knownHostsFiles ??= req.knownHosts?.length ? req.knownHosts : reach.configKnownHostsFiles;
      return { name, vars, reach };
    } catch (err) {
      if (err instanceof ValidationError) throw new ValidationError(undefined, `${inv.source}: ${err.detail} (play at ${formatPos(play.pos)})`);
      throw err;
    }
  });
}

function limitMatchesLocal(limit: string): boolean {
  return limit.split(/[:,]/).some((p) => p === 'localhost' || p === 'all' || p === '*');
}

export function summarize(plays: PlayOutcome[]): RunSummary {
  const byHost = new Map<string, HostResult>();
  for (const play of plays) {
    for (const r of play.results) {
      const prev = byHost.get(r.host);
      if (!prev) {
        byHost.set(r.host, { ...r, recap: { ...r.recap }, tasks: [...r.tasks], attempts: [...r.attempts], stats: { ...r.stats } });
        continue;
      }
      for (const k of Object.keys(prev.recap) as (keyof HostResult['recap'])[]) prev.recap[k] += r.recap[k];
      prev.tasks.push(...r.tasks);
      prev.attempts.push(...r.attempts);
      // Counters add up over plays; the time from the run's start to done is the latest play's.
      const since = Math.max(prev.stats.sinceStartMs, r.stats.sinceStartMs);
      for (const k of Object.keys(prev.stats) as (keyof HostResult['stats'])[]) prev.stats[k] += r.stats[k];
      prev.stats.sinceStartMs = since;
      if (RANK[r.status] > RANK[prev.status]) [prev.status, prev.msg] = [r.status, r.msg];
      prev.path ??= r.path;
      prev.rolledBack ??= r.rolledBack;
    }
  }
  const hosts = [...byHost.values()];
  // A play stopped early failed the run; a play never started says nothing of its own.
  const failed = hosts.some((h) => h.status === 'failed') || plays.some((p) => p.stopped && !p.skipped);
  const unreachable = hosts.some((h) => h.status === 'unreachable');
  return {
    plays,
    hosts,
    outcome: failed ? 'failed' : unreachable ? 'unreachable' : 'ok',
    changes: hosts.some((h) => h.recap.changed > 0),
  };
}


