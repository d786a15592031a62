// A guard that fired is a rescue only when its rollback put something back (issue 11, defect 9):
// the count comes from rollback.sh's line in the run's on-host log.
import { describe, it, expect } from 'vitest';
import { restoredInLog } from '../../src/engine/host-scripts.js';

describe('what a rollback restored, from the host log', () => {
  it('reads the last rollback line', () => {
    const log = `2026-12-03T06:00:00Z armed: rolls back unless its 6s lease is renewed
2026-12-03T06:00:07Z lease expired (deadline 1, now 2): the controller did not renew it; rolling back
2026-12-03T06:00:07Z rolled back: 0 change(s) undone (rc=0)`;
    expect(restoredInLog(log)).toBe(0);
    expect(restoredInLog(`${log}\n2026-12-03T06:01:00Z rolled back: 3 change(s) undone, sshd restarted (rc=0)`)).toBe(3);
  });
  it('says nothing when the log does not (a rollback still under way counts as a rescue)', () => {
    expect(restoredInLog('2026-12-03T06:00:07Z lease expired ...; rolling back')).toBeUndefined();
    expect(restoredInLog('')).toBeUndefined();
  });
});
