import { describe, expect, it } from 'vitest';
import { mergeReports } from '../../src/report/merge.js';

type Status = 'ok' | 'changed' | 'failed' | 'unreachable';
const recap = (status: Status, over: Record<string, number> = {}) => ({
  ok: 3, changed: 1, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0, ...over, status, path: 'bind 198.18.0.2', rolled_back: null,
});
const shard = (index: number, count: number, hosts: Record<string, ReturnType<typeof recap>>, outcome = 'ok', extra: Record<string, unknown> = {}) => ({
  file: `s${index}.json`,
  doc: {
    remedy: '0.1.0', playbook: 'playbooks/unblock.yml', mode: 'apply' as 'apply' | 'check', run_id: `2026120${index}T000000-abcdef`,
    shard: { index, count }, outcome: outcome as 'ok' | 'failed' | 'unreachable', changes: Object.values(hosts).some((h) => h.changed > 0), exit_code: outcome === 'failed' ? 2 : 0,
    plays: [{ name: 'Unblock', stopped: null, not_run: [], hosts: Object.fromEntries(Object.keys(hosts).map((h) => [h, { status: hosts[h]!.status }])) }],
    recap: hosts, ...extra,
  },
});

describe('report merge', () => {
  it('one recap and the exit code a single run would have', () => {
    const m = mergeReports([shard(2, 2, { h2: recap('changed') }), shard(1, 2, { h10: recap('changed'), h1: recap('ok', { changed: 0 }) })]);
    expect(m.problems).toEqual([]);
    expect(m.exitCode).toBe(0);
    expect(Object.keys((m.doc as any).recap)).toEqual(['h1', 'h2', 'h10']);
    expect((m.doc as any).run_ids).toHaveLength(2);
    expect((m.doc as any).plays[0].hosts).toHaveProperty('h2');
    expect(m.hosts.map((h) => h.host)).toEqual(['h1', 'h2', 'h10']);
  });

  it('a failed shard fails the merge (2), an unreachable host alone gives 3, plan --detailed-exitcode 2 when changes are pending', () => {
    expect(mergeReports([shard(1, 2, { h1: recap('failed', { failed: 1 }) }, 'failed'), shard(2, 2, { h2: recap('ok') })]).exitCode).toBe(2);
    expect(mergeReports([shard(1, 2, { h1: recap('unreachable', { unreachable: 1 }) }, 'unreachable'), shard(2, 2, { h2: recap('ok') })]).exitCode).toBe(3);
    expect(mergeReports([shard(1, 2, { h1: recap('unreachable') }, 'unreachable'), shard(2, 2, { h2: recap('failed') }, 'failed')]).exitCode).toBe(2);
    const plan = (i: number, changed: number) => shard(i, 2, { [`h${i}`]: recap('ok', { changed }) }, 'ok', { mode: 'check', detailed_exitcode: true, run_id: null });
    expect(mergeReports([plan(1, 0), plan(2, 1)]).exitCode).toBe(2);
    expect(mergeReports([plan(1, 0), plan(2, 0)]).exitCode).toBe(0);
  });

  it('shards that do not add up to one run: said, and exit 1', () => {
    const missing = mergeReports([shard(1, 3, { h1: recap('ok') }), shard(3, 3, { h3: recap('ok') })]);
    expect(missing.problems).toEqual(['shard 2/3 has no report: its hosts\' outcome is unknown']);
    expect(missing.exitCode).toBe(1);
    const twice = mergeReports([shard(1, 2, { h1: recap('ok') }), shard(1, 2, { h2: recap('ok') }), shard(2, 2, { h1: recap('ok') })]);
    expect(twice.problems).toEqual(expect.arrayContaining([expect.stringMatching(/^shard 1\/2 twice/), expect.stringMatching(/^host h1 is in two reports/)]));
    expect(mergeReports([shard(1, 2, { h1: recap('ok') }), shard(2, 3, { h2: recap('ok') })]).problems[0]).toMatch(/different splits/);
  });
});
