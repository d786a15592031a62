// The retry schedule through a starved sshd, and the condensed report of its attempts.
import { describe, it, expect } from 'vitest';
import { backoffDelay, BACKOFF_CAP_MS } from '../../src/transport/backoff.js';
import { connectFirstWorking } from '../../src/transport/connect.js';
import { ConnectError } from '../../src/transport/errors.js';
import { condenseAttempts, describeRun } from '../../src/engine/attempt-summary.js';
import { UnreachableError } from '../../src/engine/host-link.js';
import type { Endpoint } from '../../src/transport/connection.js';

const target: Endpoint = { alias: 't', host: '198.18.0.9', port: 22, user: 'root', identityFiles: [] };

describe('backoff', () => {
  it('doubles from 200 ms, half of it jitter, capped', () => {
    expect([0, 1, 2, 3].map((n) => backoffDelay(n, () => 0))).toEqual([100, 200, 400, 800]);
    expect([0, 1, 2, 3].map((n) => backoffDelay(n, () => 1))).toEqual([200, 400, 800, 1600]);
    expect(backoffDelay(20, () => 1)).toBe(BACKOFF_CAP_MS);
  });

  it('retries immediate drops within the reach budget, then the next path', async () => {
    const waits: number[] = [];
    let clock = 0;
    const tried: string[] = [];
    const res = await connectFirstWorking(target, [{ label: 'direct', via: [] }, { label: 'bind 198.18.0.2', via: [], bindAddress: '198.18.0.2' }], {
      reachBudgetMs: 5_000, random: () => 0.5, now: () => clock,
      sleep: async (ms) => { waits.push(ms); clock += ms; },
      connect: async (_t, p) => {
        tried.push(p.label);
        if (p.bindAddress) throw new ConnectError('banner', 't', p.label, 'reset by peer');
        throw new ConnectError('banner', 't', p.label, 'closed');
      },
    });
    expect(res.ok).toBe(false);
    // 150+300+600+1200+2400 = 4650 fits in 5 s; the sixth wait (3750) would overrun it.
    expect(waits.slice(0, 4)).toEqual([150, 300, 600, 1200]);
    expect(tried.filter((l) => l === 'direct')).toHaveLength(6);
    // The next path gets a budget of its own.
    expect(tried.filter((l) => l !== 'direct')).toHaveLength(6);
    expect(waits).toHaveLength(10);
  });
});

describe('condensed attempts', () => {
  const drop = (ms: number, message = 'closed') => ({ path: 'direct', ok: false, phase: 'banner', message, ms });
  it('a run of drops on one path is one line with count, time and the last message', () => {
    const attempts = [drop(5), drop(7), drop(6, 'reset'), { path: 'via b', ok: false, phase: 'connect', message: 'refused', ms: 3 }];
    const runs = condenseAttempts(attempts);
    expect(runs).toEqual([
      { path: 'direct', phase: 'banner', first: 'closed', last: 'reset', count: 3, ms: 18 },
      { path: 'via b', phase: 'connect', first: 'refused', last: 'refused', count: 1, ms: 3 },
    ]);
    expect(runs.map(describeRun)).toEqual(['direct: 3 attempts over 0 s: banner: reset (MaxStartups?)', 'via b: connect: refused']);
    expect(new UnreachableError(attempts).message).toBe('unreachable on every path (direct: 3 attempts over 0 s: banner: reset (MaxStartups?); via b: connect: refused)');
  });
});
