// Where a run keeps its state on a host, and the run id that names it: shared by the
// transaction, the controller's journal, `remedy rollback` and the restore_run module.
import { createHash } from 'node:crypto';

export const RUNS_DIR = '/var/lib/remedy/runs';
export const RUN_ID = /^\d{8}T\d{6}-[0-9a-f]{6}$/;

export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, '');
  return `${stamp}-${createHash('sha256').update(`${now.getTime()}${Math.random()}${process.pid}`).digest('hex').slice(0, 6)}`;
}

export function runDir(runId: string): string {
  if (!RUN_ID.test(runId)) throw new Error(`not a run id: ${runId}`);
  return `${RUNS_DIR}/${runId}`;
}

/** Stable file name of a path's backup inside the run directory. */
export function backupKey(realPath: string): string {
  return createHash('sha256').update(realPath).digest('hex').slice(0, 16);
}
