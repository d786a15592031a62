// The controller's journal of each run: which hosts were changed, which files, how to undo the
// commands, and how it ended. One JSON file per run under $XDG_STATE_HOME/remedy/runs (default
// ~/.local/state), readable only by its owner. `remedy runs` lists them; `remedy rollback` reads one.
import { mkdir, readFile, readdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from './errors.js';
import { RUN_ID } from './engine/transaction.js';

export interface HostJournal {
  status: string;
  path?: string;
  /** Files this run changed on the host (backed up under /var/lib/remedy/runs/<id>/). */
  files: string[];
  /** Commands that reverse what ran, newest first. */
  undo: string[];
  rolledBack: boolean;
  confirmed: boolean;
  msg?: string;
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

export async function readJournal(env: NodeJS.ProcessEnv, id: string): Promise<RunJournal> {
  if (!RUN_ID.test(id)) throw new UsageError(`'${id}' is not a run id (like 20261121T154012-a1b2c3); see 'remedy runs'`);
  try {
    return JSON.parse(await readFile(join(journalDir(env), `${id}.json`), 'utf8')) as RunJournal;
  } catch (err) {
    throw new UsageError(`no journal for run ${id} in ${journalDir(env)} (${(err as NodeJS.ErrnoException).code ?? err})`);
  }
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
      out.push(JSON.parse(await readFile(join(journalDir(env), n), 'utf8')) as RunJournal);
    } catch {
      // a journal being written right now, or damaged: skip it
    }
  }
  return out;
}
