// `--json`: exactly one document on stdout, describing every host of every play.
import type { RunSummary } from '../run.js';
import { groupAttempts } from '../engine/attempt-summary.js';
import type { PathAttempt } from '../engine/results.js';

export interface ReportMeta {
  playbook: string;
  mode: 'apply' | 'check';
  exitCode: number;
  version: string;
  /** plan --detailed-exitcode: how exit_code was computed (report merge computes it the same way). */
  detailedExitcode?: boolean;
  interrupted?: boolean;
}

export function jsonReport(s: RunSummary, meta: ReportMeta): unknown {
  return {
    remedy: meta.version,
    playbook: meta.playbook,
    mode: meta.mode,
    run_id: s.runId ?? null,
    shard: s.shard ? { index: s.shard.index, count: s.shard.count } : null,
    outcome: s.outcome,
    changes: s.changes,
    exit_code: meta.exitCode,
    detailed_exitcode: meta.detailedExitcode ?? false,
    interrupted: meta.interrupted ?? false,
    plays: s.plays.map((p) => ({
      name: p.play,
      stopped: p.stopped ?? null,
      not_run: p.notRun,
      hosts: Object.fromEntries(p.results.map((r) => [r.host, {
        status: r.status,
        path: r.path ?? null,
        attempts: attemptsJson(r.attempts),
        msg: r.msg ?? null,
        rolled_back: r.rolledBack ?? null,
        tasks: r.tasks,
        recap: r.recap,
        stats: r.stats,
      }])),
    })),
    // Each jump chain is one shared connection for the run: its logins are counted here, once,
    // and a target's stats.connections counts only its own login(s).
    jump_chains: (s.jumpChains ?? []).map((c) => ({ chain: c.chain, logins: c.logins, channels: c.channels })),
    recap: Object.fromEntries(s.hosts.map((h) => [h.host, { ...h.recap, status: h.status, path: h.path ?? null, rolled_back: h.rolledBack ?? null, stats: h.stats }])),
  };
}

/**
 * A host's connection attempts, one entry per run of the same outcome on one path: a path
 * retried 40 times through a starved sshd is one entry with its count, not 40. `message` is the
 * last one's; `ms` the connecting time of all, `max_ms` the slowest, `span_ms` including the
 * backoff waits between them.
 */
function attemptsJson(attempts: readonly PathAttempt[]): unknown[] {
  return groupAttempts(attempts).map((g) => ({
    path: g.path, ok: g.ok, phase: g.phase ?? null, count: g.count,
    message: g.ok ? null : g.last, first_message: g.ok ? null : g.first,
    ms: g.ms, max_ms: g.maxMs, span_ms: g.spanMs,
  }));
}
