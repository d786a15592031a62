// A play across many hosts: batches (`serial`), bounded concurrency (`--forks`), and the failure
// budget (`max_fail_percentage`). Hosts progress independently inside a batch: a slow host
// never holds the others at a task boundary.
import type { Play } from '../playbook/model.js';
import { batchSizes, mapLimitUntil } from './batches.js';
import { runHost, type HostJob, type RunOptions } from './host-run.js';
import { playMagicVars } from './play-magic.js';
import { RunOnce } from './run-once.js';
import type { HostResult } from './results.js';
import type { HeapBudget } from './heap-budget.js';

export interface PlayOutcome {
  play: string;
  results: HostResult[];
  /** Hosts never started because the play stopped early (or never ran: `skipped`). */
  notRun: string[];
  stopped?: string;
  /**
   * Why no later play may run (as in Ansible): the play stopped early, or every host of its
   * last batch failed or was unreachable (no hosts left).
   */
  endsPlaybook?: string;
  /** The play never started: an earlier play ended the playbook (`stopped` says which). */
  skipped?: boolean;
}

export async function runPlay(play: Play, jobs: HostJob[], opts: RunOptions & { forks: number; heap?: HeapBudget }): Promise<PlayOutcome> {
  opts.observer.playStart?.(play.name, jobs.map((j) => j.name));
  const byName = new Map(jobs.map((j) => [j.name, j.vars] as const));
  const playMagic = playMagicVars([...byName.keys()], (h) => byName.get(h));
  const results: HostResult[] = [];
  let offset = 0;
  let stopped: string | undefined;
  /** Hosts of the last batch still queued (--forks) when Ctrl-C came: they never start. */
  let queued: HostJob[] = [];
  let noHostsLeft = false;
  for (const size of batchSizes(jobs.length, play.serial)) {
    const batch = jobs.slice(offset, offset + size);
    offset += size;
    const runOnce = new RunOnce(batch.map((j) => j.name));
    const { done, notStarted } = await mapLimitUntil(batch, opts.forks, async (job) => {
      const r = await runHost(play, job, { ...opts, playMagic, runOnce }).finally(() => runOnce.hostDone(job.name));
      opts.heap?.afterHost();
      return r;
    }, opts.signal);
    // Hosts never started (Ctrl-C) never reach a run_once task either.
    for (const j of notStarted) runOnce.hostDone(j.name);
    results.push(...done);
    queued = notStarted;
    const failed = done.filter((r) => r.status === 'failed' || r.status === 'unreachable').length;
    noHostsLeft = failed === batch.length;
    if (opts.signal?.aborted) stopped = 'interrupted';
    else if (play.maxFailPercentage !== undefined && (failed * 100) / batch.length > play.maxFailPercentage) {
      stopped = `max_fail_percentage ${play.maxFailPercentage}% exceeded: ${failed} of ${batch.length} hosts in the batch failed`;
    } else if (failed === batch.length && offset < jobs.length) {
      stopped = `every host of the batch failed`;
    }
    if (stopped) break;
  }
  const notRun = [...queued, ...jobs.slice(offset)].map((j) => j.name);
  if (stopped) opts.observer.notice?.(`play '${play.name}' stopped: ${stopped}${notRun.length ? `; not started: ${notRun.join(', ')}` : ''}`);
  opts.observer.playDone?.(play.name, notRun);
  const endsPlaybook = stopped ?? (noHostsLeft ? `no hosts left: every host of the ${play.serial?.length ? 'last batch' : 'play'} failed or was unreachable` : undefined);
  return { play: play.name, results, notRun, stopped, ...(endsPlaybook ? { endsPlaybook } : {}) };
}
