// Open files are what a fleet run holds (a socket per connection, a pipe here and there): the
// soft limit is raised to the hard one at start (as ssh-agent-heavy tools do), and a --forks
// that cannot fit is refused before any host is touched, never discovered as EMFILE mid-run.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { UsageError } from './errors.js';

/** Descriptors one fork may hold at once: control connection, a fresh login, a jump hop, slack. */
export const FDS_PER_FORK = 4;
/** What the process itself holds (stdio, the journal, node's own). */
export const FDS_BASE = 64;

export interface FdLimits {
  soft: number;
  hard: number;
}

/** `Max open files  <soft> <hard> files` of /proc/<pid>/limits; `unlimited` counts as Infinity. */
export function parseFdLimits(text: string): FdLimits | undefined {
  const m = /^Max open files\s+(\S+)\s+(\S+)/m.exec(text);
  if (!m) return undefined;
  const n = (v: string) => (v === 'unlimited' ? Infinity : Number(v));
  return { soft: n(m[1]!), hard: n(m[2]!) };
}

export function fdsNeeded(forks: number): number {
  return FDS_BASE + FDS_PER_FORK * forks;
}

/** Raise the soft limit to the hard one (util-linux prlimit on this process); the limits now. */
export function raiseFdLimit(): FdLimits | undefined {
  const read = () => {
    try {
      return parseFdLimits(readFileSync('/proc/self/limits', 'utf8'));
    } catch {
      return undefined;
    }
  };
  const now = read();
  if (!now || now.soft >= now.hard || !Number.isFinite(now.hard)) return now;
  spawnSync('prlimit', ['--pid', String(process.pid), `--nofile=${now.hard}:${now.hard}`], { stdio: 'ignore', timeout: 5000 });
  return read();
}

/** The usage error when `forks` cannot fit the limit, before the run starts. */
export function checkForksFit(forks: number, limits: FdLimits | undefined): void {
  if (!limits || fdsNeeded(forks) <= limits.soft) return;
  const max = Math.max(1, Math.floor((limits.soft - FDS_BASE) / FDS_PER_FORK));
  throw new UsageError(`--forks ${forks} needs about ${fdsNeeded(forks)} open files, but this process may open ${limits.soft} (hard limit ${limits.hard}): use --forks ${max} or raise the limit (ulimit -n)`);
}
