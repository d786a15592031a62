// Connection attempts, condensed: a path retried through a starved sshd gives one line,
// `7 attempts over 31 s: banner: closed (MaxStartups?)`, not one line per attempt.
import type { PathAttempt } from './results.js';
import { isStartupDrop } from '../transport/backoff.js';

export interface AttemptRun {
  path: string;
  ok: boolean;
  /** The attempts' phase; 'banner+kex' for start-up drops seen on both sides of the banner. */
  phase?: string;
  /** Every attempt of the run was a start-up drop (MaxStartups, penalties): retried, hinted. */
  drops: boolean;
  /** The first and the last message of the run (they differ only in detail). */
  first: string;
  last: string;
  count: number;
  /** Time spent connecting, summed over the attempts (retry waits not included), and the slowest one. */
  ms: number;
  maxMs: number;
  /** From the first attempt's start to the last one's end: connecting plus the backoff waits between. */
  spanMs: number;
}

/** Phase of a run of start-up drops that mixed both (OpenSSH 10 closes on either side of its banner). */
const BOTH_DROP_PHASES = 'banner+kex';

/** Whether attempt `a` continues `run`: same path and outcome, and the same phase or both start-up drops. */
function continues(run: AttemptRun, a: PathAttempt): boolean {
  if (run.path !== a.path || run.ok !== a.ok) return false;
  if (run.phase === a.phase) return true;
  return run.drops && isStartupDrop(a);
}

/** Consecutive attempts on one path with one outcome (and phase, start-up drops being one), as one run each. */
export function groupAttempts(attempts: readonly PathAttempt[]): AttemptRun[] {
  const runs: AttemptRun[] = [];
  for (const a of attempts) {
    const prev = runs.at(-1);
    const msg = a.message ?? '';
    const span = a.ms + (a.waitMs ?? 0);
    if (prev && continues(prev, a)) {
      if (prev.phase !== a.phase) prev.phase = BOTH_DROP_PHASES;
      prev.count++;
      prev.last = msg;
      prev.ms += a.ms;
      prev.maxMs = Math.max(prev.maxMs, a.ms);
      prev.spanMs += span;
      continue;
    }
    runs.push({
      path: a.path, ok: a.ok, ...(a.phase ? { phase: a.phase } : {}), drops: !a.ok && isStartupDrop(a),
      first: msg, last: msg, count: 1, ms: a.ms, maxMs: a.ms, spanMs: span,
    });
  }
  return runs;
}

/** The failed attempts, as runs. */
export function condenseAttempts(attempts: readonly PathAttempt[]): AttemptRun[] {
  return groupAttempts(attempts.filter((a) => !a.ok));
}

/** 'direct: 7 attempts over 31 s: banner: closed (MaxStartups?)' or 'direct: connect: refused'. */
export function describeRun(r: AttemptRun): string {
  const what = `${r.phase ? `${r.phase}: ` : ''}${r.last}`;
  if (r.count === 1) return `${r.path}: ${what}`;
  const hint = r.drops ? ' (MaxStartups?)' : '';
  return `${r.path}: ${r.count} attempts over ${Math.round(r.spanMs / 1000)} s: ${what}${hint}`;
}
