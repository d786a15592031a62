import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { checkForksFit, fdsNeeded, parseFdLimits, raiseFdLimit } from '../../src/fd-limit.js';
import { UsageError } from '../../src/errors.js';

describe('open-file limit and --forks', () => {
  it('parses /proc/<pid>/limits, unlimited included', () => {
    expect(parseFdLimits('Max cpu time  unlimited unlimited seconds\nMax open files            1024                 524288               files\n')).toEqual({ soft: 1024, hard: 524288 });
    expect(parseFdLimits('Max open files  unlimited unlimited files')).toEqual({ soft: Infinity, hard: Infinity });
    expect(parseFdLimits('nothing here')).toBeUndefined();
  });

  it('refuses a --forks that cannot fit before the run, naming one that does', () => {
    expect(() => checkForksFit(300, { soft: 1024, hard: 1024 })).toThrow(UsageError);
    expect(() => checkForksFit(300, { soft: 1024, hard: 1024 })).toThrow(/--forks 300 needs about 1264 open files.*use --forks 240/);
    expect(() => checkForksFit(240, { soft: 1024, hard: 1024 })).not.toThrow();
    expect(fdsNeeded(240)).toBeLessThanOrEqual(1024);
    expect(() => checkForksFit(100_000, undefined)).not.toThrow(); // unknown limits: nothing to say
  });

  it('raises this process to its hard limit', () => {
    const after = raiseFdLimit();
    const now = parseFdLimits(readFileSync('/proc/self/limits', 'utf8'));
    expect(after).toEqual(now);
    if (now && Number.isFinite(now.hard)) expect(now.soft).toBe(now.hard);
  });
});
