// Failed connection attempts, condensed: a path retried through a starved sshd gives one line,
// `7 attempts over 31 s: banner: closed (MaxStartups?)`, not one line per attempt.
import type { PathAttempt } from './results.js';

export interface AttemptRun {
  path: string;
  phase?: string;
  /** The first and the last message of the run (they differ only in detail). */
  first: string;
  last: string;
  count: number;
  /** Time spent connecting, summed over the attempts (retry waits not included). */
  ms: number;
}

/** Consecutive failures on one path in one phase, as one run each. */
export function condenseAttempts(attempts: readonly PathAttempt[]): AttemptRun[] {
  const runs: AttemptRun[] = [];
  for (const a of attempts) {
    if (a.ok) continue;
    const prev = runs.at(-1);
    const msg = a.message ?? '';
    if (prev && prev.path === a.path && prev.phase === a.phase) {
      prev.count++;
      prev.last = msg;
      prev.ms += a.ms;
      continue;
    }
    runs.push({ path: a.path, ...(a.phase ? { phase: a.phase } : {}), first: msg, last: msg, count: 1, ms: a.ms });
  }
  return runs;
}

/** 'direct: 7 attempts over 31 s: banner: closed (MaxStartups?)' or 'direct: connect: refused'. */
export function describeRun(r: AttemptRun): string {
  const what = `${r.phase ? `${r.phase}: ` : ''}${r.last}`;
  if (r.count === 1) return `${r.path}: ${what}`;
  const hint = r.phase === 'banner' || r.phase === 'kex' ? ' (MaxStartups?)' : '';
  return `${r.path}: ${r.count} attempts over ${Math.round(r.ms / 1000)} s: ${what}${hint}`;
}
