// `remedy report merge FILE...`: the `--json` reports of the shards of one run (--shard K/N)
// combined into one document, one recap and one exit code, by the rules of a single run: the
// worst outcome of any shard, changes if any shard changed something. The shards must add up to
// one run: the same playbook and mode, each shard 1..N exactly once, no host in two shards;
// otherwise the merge says what is missing and exits 1.
import { readFile } from 'node:fs/promises';
import { exitCodeForMerge } from '../errors.js';
import type { HostResult } from '../engine/results.js';

type Outcome = 'ok' | 'failed' | 'unreachable';
const WORST: Record<Outcome, number> = { ok: 0, unreachable: 1, failed: 2 };

interface ShardDoc {
  remedy: string;
  playbook: string;
  mode: 'apply' | 'check';
  run_id: string | null;
  shard: { index: number; count: number } | null;
  outcome: Outcome;
  changes: boolean;
  exit_code: number;
  detailed_exitcode?: boolean;
  interrupted?: boolean;
  plays: Array<{ name: string; stopped: string | null; not_run: string[]; hosts: Record<string, unknown> }>;
  recap: Record<string, RecapEntry>;
  /** Absent in reports of remedy before shared jump connections. */
  jump_chains?: Array<{ chain: string; logins: number; channels: number }>;
}

type RecapEntry = HostResult['recap'] & { status: HostResult['status']; path: string | null; rolled_back: string | null; stats?: unknown };

export interface MergedReport {
  doc: Record<string, unknown>;
  /** For the printed PLAY RECAP. */
  hosts: HostResult[];
  exitCode: number;
  problems: string[];
}

function asShardDoc(file: string, text: string): ShardDoc {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file}: not a JSON document (${(err as Error).message})`);
  }
  const d = doc as Partial<ShardDoc> | null;
  if (!d || typeof d !== 'object' || typeof d.playbook !== 'string' || !Array.isArray(d.plays) || !d.recap || typeof d.outcome !== 'string') {
    throw new Error(`${file}: not a report of remedy apply/plan --json (expected playbook, plays, recap, outcome)`);
  }
  return d as ShardDoc;
}

export async function readShardReports(files: string[]): Promise<Array<{ file: string; doc: ShardDoc }>> {
  return Promise.all(files.map(async (file) => ({ file, doc: asShardDoc(file, await readFile(file, 'utf8')) })));
}

/** What keeps the shards from adding up to one run (empty when they do). */
function coverageProblems(reports: Array<{ file: string; doc: ShardDoc }>): string[] {
  const problems: string[] = [];
  const first = reports[0]!.doc;
  for (const { file, doc } of reports) {
    if (doc.playbook !== first.playbook) problems.push(`${file}: playbook ${doc.playbook}, not ${first.playbook}`);
    if (doc.mode !== first.mode) problems.push(`${file}: mode ${doc.mode}, not ${first.mode}`);
    if (doc.plays.length !== first.plays.length) problems.push(`${file}: ${doc.plays.length} plays, not ${first.plays.length}`);
  }
  const counts = new Set(reports.map((r) => r.doc.shard?.count ?? 1));
  if (counts.size > 1) problems.push(`the reports are shards of different splits (N = ${[...counts].join(', ')})`);
  const n = Math.max(...counts);
  const seen = new Map<number, string>();
  for (const { file, doc } of reports) {
    const k = doc.shard?.index ?? 1;
    const twice = seen.get(k);
    if (twice) problems.push(`shard ${k}/${n} twice: ${twice} and ${file}`);
    seen.set(k, file);
  }
  for (let k = 1; k <= n; k++) if (!seen.has(k)) problems.push(`shard ${k}/${n} has no report: its hosts' outcome is unknown`);
  const owner = new Map<string, string>();
  for (const { file, doc } of reports) {
    for (const host of Object.keys(doc.recap)) {
      const other = owner.get(host);
      if (other) problems.push(`host ${host} is in two reports: ${other} and ${file}`);
      owner.set(host, file);
    }
  }
  return problems;
}

const natural = (a: string, b: string): number => a.localeCompare(b, 'en', { numeric: true });

export function mergeReports(reports: Array<{ file: string; doc: ShardDoc }>): MergedReport {
  if (reports.length === 0) throw new Error('report merge: no reports given');
  const problems = coverageProblems(reports);
  const docs = reports.map((r) => r.doc);
  const first = docs[0]!;
  const outcome = docs.map((d) => d.outcome).reduce((a, b) => (WORST[b] > WORST[a] ? b : a), 'ok' as Outcome);
  const changes = docs.some((d) => d.changes);
  const detailed = docs.some((d) => d.detailed_exitcode);
  const interrupted = docs.some((d) => d.interrupted);
  const exitCode = exitCodeForMerge(outcome, changes, detailed, interrupted, problems.length > 0);
  const plays = first.plays.map((p, i) => ({
    name: p.name,
    stopped: docs.map((d) => d.plays[i]?.stopped).filter(Boolean).join('; ') || null,
    not_run: docs.flatMap((d) => d.plays[i]?.not_run ?? []).sort(natural),
    hosts: Object.fromEntries(docs.flatMap((d) => Object.entries(d.plays[i]?.hosts ?? {})).sort(([a], [b]) => natural(a, b))),
  }));
  const recap = Object.fromEntries(docs.flatMap((d) => Object.entries(d.recap)).sort(([a], [b]) => natural(a, b)));
  const doc = {
    remedy: first.remedy,
    playbook: first.playbook,
    mode: first.mode,
    merged: true,
    shards: reports.map(({ file, doc: d }) => ({ file, index: d.shard?.index ?? 1, count: d.shard?.count ?? 1, run_id: d.run_id, exit_code: d.exit_code }))
      .sort((a, b) => a.index - b.index),
    run_ids: docs.map((d) => d.run_id).filter((x): x is string => !!x),
    outcome,
    changes,
    exit_code: exitCode,
    detailed_exitcode: detailed,
    interrupted,
    problems,
    plays,
    // Each shard is a run of its own: its chains' logins are its own, listed shard by shard.
    jump_chains: docs.flatMap((d) => d.jump_chains ?? []),
    recap,
  };
  const hosts = Object.entries(recap).map(([host, r]): HostResult => ({
    host, status: r.status, recap: { ok: r.ok, changed: r.changed, unreachable: r.unreachable, failed: r.failed, skipped: r.skipped, rescued: r.rescued, ignored: r.ignored },
    tasks: [], attempts: [], stats: r.stats as HostResult['stats'], ...(r.path ? { path: r.path } : {}), ...(r.rolled_back ? { rolledBack: r.rolled_back as HostResult['rolledBack'] } : {}),
  }));
  return { doc, hosts, exitCode, problems };
}
