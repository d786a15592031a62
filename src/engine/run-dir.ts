// Where a run keeps its state on a host, and the run id that names it: shared by the
// transaction, the controller's journal, `remedy rollback` and the restore_run module.
import { createHash } from 'node:crypto';

export const RUNS_DIR = '/var/lib/remedy/runs';
export const RUN_ID = /^\d{8}T\d{6}-[0-9a-f]{6}$/;

export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, '');
  return `${stamp}-${createHash('sha256').update(`${now.getTime()}${Math.random()}${process.pid}`).digest('hex').slice(0, 6)}`;
}

/**
 * A run's directory on a host, one per inventory name: two names that reach one machine (an
 * address and a DNS name, say) each keep their own guard, lease, lock and log, and never
 * disarm or roll back the other's. Their backups of a shared file hold the same original (see
 * backupLines). `runDir(id)` alone is the run's parent directory (and a run's layout before
 * this split: backups right in it).
 */
export function runDir(runId: string, host?: string): string {
  if (!RUN_ID.test(runId)) throw new Error(`not a run id: ${runId}`);
  return host === undefined ? `${RUNS_DIR}/${runId}` : `${RUNS_DIR}/${runId}/${hostDirName(host)}`;
}

/**
 * An inventory name as one safe path component: kept when it is plainly a host name (readable
 * for whoever looks on the host), else `~` and a hash of it (`~` never starts a kept name, so
 * the two forms cannot collide).
 */
export function hostDirName(host: string): string {
  if (/^[A-Za-z0-9_][A-Za-z0-9._-]{0,63}$/.test(host)) return host;
  return `~${createHash('sha256').update(host).digest('hex').slice(0, 16)}`;
}

/** Stable file name of a path's backup inside the run directory. */
export function backupKey(realPath: string): string {
  return createHash('sha256').update(realPath).digest('hex').slice(0, 16);
}
