// `--shard K/N`: a deterministic slice of the selected hosts, so N controllers (a Kubernetes
// Indexed Job, a CI matrix) split a fleet with no coordination: a host belongs to shard
// 1 + (hash(inventory name) mod N). The hash is of the name alone, so every host is in exactly one
// shard whatever the inventory's order, the --limit, or which shard asks.
import { createHash } from 'node:crypto';
import { UsageError } from './errors.js';

export interface Shard {
  /** 1-based: shard K of N. */
  index: number;
  count: number;
}

/** `3/8` → { index: 3, count: 8 }; a usage error for anything else. */
export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || !Number.isSafeInteger(count) || count < 1 || index < 1 || index > count) {
    throw new UsageError(`--shard: expected K/N with 1 <= K <= N (shard K of N), got '${text}'`);
  }
  return { index, count };
}

/** The shard (1..count) a host name belongs to: the first 8 bytes of its SHA-256, mod count. */
export function shardOf(name: string, count: number): number {
  const digest = createHash('sha256').update(name, 'utf8').digest();
  return Number(digest.readBigUInt64BE(0) % BigInt(count)) + 1;
}

export const inShard = (name: string, shard: Shard | undefined): boolean => !shard || shardOf(name, shard.count) === shard.index;
