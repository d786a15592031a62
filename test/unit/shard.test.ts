import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { inShard, parseShard, shardOf } from '../../src/shard.js';

describe('--shard K/N', () => {
  it('parses K/N and refuses the rest', () => {
    expect(parseShard('3/8')).toEqual({ index: 3, count: 8 });
    expect(parseShard('1/1')).toEqual({ index: 1, count: 1 });
    for (const bad of ['0/4', '5/4', '1/0', '2', 'a/b', '-1/4', '1/4/2']) expect(() => parseShard(bad), bad).toThrow(UsageError);
  });

  it('every name is in exactly one shard, whatever the order or who asks', () => {
    const names = Array.from({ length: 500 }, (_, i) => `web${i}.example.com`);
    for (const n of [1, 2, 3, 7]) {
      const shards = Array.from({ length: n }, (_, k) => ({ index: k + 1, count: n }));
      for (const name of names) expect(shards.filter((s) => inShard(name, s))).toHaveLength(1);
      const reversed = [...names].reverse();
      for (const s of shards) expect(reversed.filter((x) => inShard(x, s)).sort()).toEqual(names.filter((x) => inShard(x, s)).sort());
    }
  });

  it('is stable: the same name always lands in the same shard (pinned values)', () => {
    // Pinned: a change of hash would move hosts between the shards of an existing CI matrix.
    expect(['h1', 'h2', 'h3', 'h4', 'h5'].map((h) => shardOf(h, 3))).toEqual([1, 2, 1, 3, 2]);
  });

  it('is balanced within ±10% over 10,000 names', () => {
    const names = Array.from({ length: 10_000 }, (_, i) => `host-${i}.dc${i % 7}.example.net`);
    for (const n of [2, 4, 8, 16]) {
      const per = new Array<number>(n).fill(0);
      for (const name of names) per[shardOf(name, n) - 1]!++;
      const mean = names.length / n;
      for (const c of per) expect(Math.abs(c - mean) / mean, `N=${n}: ${per.join(',')}`).toBeLessThan(0.1);
    }
  });
});
