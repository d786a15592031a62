// The controller's journal of each run: which hosts were changed, which files, how to undo the
// commands, and how it ended. One JSON file per run under $XDG_STATE_HOME/remedy/runs (default
// ~/.local/state), readable only by its owner, written at the start and at the end; beside it a
// write-ahead log (`<id>.wal`, one JSON line per host) names each host before the first exec
// that may change it, so a controller killed at any instant still leaves a journal that knows
// every host the run may have touched. `remedy runs` lists them; `remedy rollback` reads one.
import { mkdir, open, readFile, readdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from './errors.js';
import { RUN_ID } from './engine/run-dir.js';

export interface HostJournal {
  status: string;
  path?: string;
  /** Files this run changed on the host (backed up under /var/lib/remedy/runs/<id>/<host>/). */
  files: string[];
  /** Commands that reverse what ran, newest first. */
  undo: string[];
  rolledBack: boolean;
  /** Who put the host back: remedy, or the host's own timer when its lease ran out. */
  rolledBackBy?: 'remedy' | 'timer';
  confirmed: boolean;
  msg?: string;
}

/** A host the write-ahead log names but whose outcome the run never recorded (it was cut short). */
function unfinishedHost(): HostJournal {
  return { status: 'unfinished', files: [], undo: [], rolledBack: false, confirmed: false, msg: 'the run may have changed this host (write-ahead record) and never recorded how it ended' };
}

export interface RunJournal {
  id: string;
  kind: 'apply' | 'rollback';
  /** For a rollback: the run it rolled back. */
  of?: string;
  playbook: string;
  inventory?: string;
  started: string;
  finished?: string;
  /** `K/N` when the run was one shard of a sharded run (each shard is its own run). */
  shard?: string;
  hosts: Record<string, HostJournal>;
}

export function journalDir(env: NodeJS.ProcessEnv): string {
  const base = env.XDG_STATE_HOME || join(env.HOME || '/root', '.local', 'state');
  return join(base, 'remedy', 'runs');
}

export async function writeJournal(env: NodeJS.ProcessEnv, j: RunJournal): Promise<void> {
  const dir = journalDir(env);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, `${j.id}.json`);
  await writeFile(`${file}.tmp`, JSON.stringify(j, null, 2) + '\n', { mode: 0o600 });
  await rename(`${file}.tmp`, file);
}

/**
 * Name `host` in the run's write-ahead log before anything may change it; synced to disk
 * before the exec that may change it is sent.
 */
export async function writeAhead(env: NodeJS.ProcessEnv, id: string, host: string): Promise<void> {
  const f = await open(join(journalDir(env), `${id}.wal`), 'a', 0o600);
  try {
    await f.appendFile(JSON.stringify({ host, at: new Date().toISOString(), event: 'touching' }) + '\n');
    await f.datasync();
  } finally {
    await f.close();
  }
}

/** Hosts of the write-ahead log (a torn last line, from a kill mid-append, is skipped). */
async function writeAheadHosts(env: NodeJS.ProcessEnv, id: string): Promise<string[]> {
  const text = await readFile(join(journalDir(env), `${id}.wal`), 'utf8').catch(() => '');
  const hosts: string[] = [];
  for (const line of text.split('\n')) {
    try {
      const h = (JSON.parse(line) as { host?: unknown }).host;
      if (typeof h === 'string' && !hosts.includes(h)) hosts.push(h);
    } catch {
      // empty or torn line
    }
  }
  return hosts;
}

/** The journal with every host of its write-ahead log that the final record does not name. */
async function withWriteAhead(env: NodeJS.ProcessEnv, j: RunJournal): Promise<RunJournal> {
  for (const h of await writeAheadHosts(env, j.id)) j.hosts[h] ??= unfinishedHost();
  return j;
}

export async function readJournal(env: NodeJS.ProcessEnv, id: string): Promise<RunJournal> {
  if (!RUN_ID.test(id)) throw new UsageError(`'${id}' is not a run id (like 20261121T154012-a1b2c3); see 'remedy runs'`);
  let j: RunJournal;
  try {
    j = JSON.parse(await readFile(join(journalDir(env), `${id}.json`), 'utf8')) as RunJournal;
  } catch (err) {
    throw new UsageError(`no journal for run ${id} in ${journalDir(env)} (${(err as NodeJS.ErrnoException).code ?? err})`);
  }
  return withWriteAhead(env, j);
}

export async function listJournals(env: NodeJS.ProcessEnv): Promise<RunJournal[]> {
  let names: string[];
  try {
    names = await readdir(journalDir(env));
  } catch {
    return [];
  }
  const out: RunJournal[] = [];
  for (const n of names.filter((n) => n.endsWith('.json')).sort().reverse()) {
    try {
      out.push(await withWriteAhead(env, JSON.parse(await readFile(join(journalDir(env), n), 'utf8')) as RunJournal));
    } catch {
      // a journal being written right now, or damaged: skip it
    }
  }
  return out;
}
