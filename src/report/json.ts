// `--json`: exactly one document on stdout, describing every host of every play.
import type { RunSummary } from '../run.js';

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
        attempts: r.attempts,
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
