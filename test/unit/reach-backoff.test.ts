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
    // Each wait is recorded on the attempt it followed; the last attempt of a path has none.
    const direct = res.attempts.filter((a) => a.path === 'direct');
    expect(direct.map((a) => a.waitMs)).toEqual([...waits.slice(0, 5), undefined]);
  });
});

describe('condensed attempts', () => {
  const drop = (ms: number, message = 'closed') => ({ path: 'direct', ok: false, phase: 'banner', message, ms });
  it('a run of drops on one path is one line with count, time and the last message', () => {
    const attempts = [drop(5), drop(7), drop(6, 'reset'), { path: 'via b', ok: false, phase: 'connect', message: 'refused', ms: 3 }];
    const runs = condenseAttempts(attempts);
    expect(runs).toEqual([
      { path: 'direct', ok: false, phase: 'banner', drops: true, first: 'closed', last: 'reset', count: 3, ms: 18, maxMs: 7, spanMs: 18 },
      { path: 'via b', ok: false, phase: 'connect', drops: false, first: 'refused', last: 'refused', count: 1, ms: 3, maxMs: 3, spanMs: 3 },
    ]);
    expect(runs.map(describeRun)).toEqual(['direct: 3 attempts over 0 s: banner: reset (MaxStartups?)', 'via b: connect: refused']);
    expect(new UnreachableError(attempts).message).toBe('unreachable on every path (direct: 3 attempts over 0 s: banner: reset (MaxStartups?); via b: connect: refused)');
  });
});

describe('start-up drops on both sides of the banner are one run', () => {
  const at = (phase: string, message: string) => ({ path: 'direct', ok: false, phase, message, ms: 5 });
  it("OpenSSH 10's mix of banner closes and kex resets condenses to one line", () => {
    const attempts = [at('banner', 'closed before the SSH banner'), at('kex', 'connection reset'), at('banner', 'closed before the SSH banner'), at('kex', 'connection lost')];
    const runs = condenseAttempts(attempts);
    expect(runs.map((r) => [r.phase, r.count, r.drops])).toEqual([['banner+kex', 4, true]]);
    expect(describeRun(runs[0]!)).toBe('direct: 4 attempts over 0 s: banner+kex: connection lost (MaxStartups?)');
  });
  it('a kex failure that is no drop (a timeout, a key mismatch) stays its own run, without the hint', () => {
    const runs = condenseAttempts([at('banner', 'closed'), at('kex', 'handshake timed out'), at('kex', 'handshake timed out')]);
    expect(runs.map((r) => [r.phase, r.count, r.drops])).toEqual([['banner', 1, true], ['kex', 2, false]]);
    expect(describeRun(runs[1]!)).toBe('direct: 2 attempts over 0 s: kex: handshake timed out');
  });
  it('the retry loop and the summary agree on what a drop is', async () => {
    const { isStartupDrop } = await import('../../src/transport/backoff.js');
    expect([at('banner', 'x'), at('kex', 'reset by peer'), at('kex', 'timed out'), at('connect', 'refused')].map(isStartupDrop)).toEqual([true, true, false, false]);
  });
});

describe('condensed attempts span the backoff waits', () => {
  it('"over N s" counts the waits between the attempts, not only connecting', () => {
    const attempts = [1, 2, 3].map((i) => ({ path: 'direct', ok: false, phase: 'banner', message: 'closed', ms: 10, ...(i < 3 ? { waitMs: 2_000 } : {}) }));
    const [run] = condenseAttempts(attempts);
    expect(run).toMatchObject({ count: 3, ms: 30, spanMs: 4_030 });
    expect(describeRun(run!)).toBe('direct: 3 attempts over 4 s: banner: closed (MaxStartups?)');
  });

  it("the JSON report gives one entry per run, the working path's own included", async () => {
    const { jsonReport } = await import('../../src/report/json.js');
    const attempts = [
      ...[0, 1, 2].map((i) => ({ path: 'direct', ok: false, phase: 'banner', message: `closed ${i}`, ms: 5, waitMs: 100 })),
      { path: 'direct', ok: true, ms: 40 },
    ];
    const host = { host: 'h1', status: 'ok', attempts, tasks: [], recap: {}, stats: {} };
    const doc = jsonReport({ plays: [{ play: 'p', notRun: [], results: [host] }], hosts: [], outcome: 'ok', changes: 0 } as any, { playbook: 'x', mode: 'apply', exitCode: 0, version: '0' }) as any;
    expect(doc.plays[0].hosts.h1.attempts).toEqual([
      { path: 'direct', ok: false, phase: 'banner', count: 3, message: 'closed 2', first_message: 'closed 0', ms: 15, max_ms: 5, span_ms: 315 },
      { path: 'direct', ok: true, phase: null, count: 1, message: null, first_message: null, ms: 40, max_ms: 40, span_ms: 40 },
    ]);
  });
});
