// `remedy rollback RUN_ID`: a play built in code around the restore_run module, run over the
// same working paths as any apply (and itself a run with backups, so it can be rolled back
// too). Hosts come from the run's journal; with no journal entry for a host (the controller died
// before writing it) `-l` picks the hosts, and a host without that run's backups is skipped.
import type { Playbook, Task } from './playbook/model.js';
import { readJournal, listJournals, journalDir, type RunJournal } from './journal.js';
import { RUN_ID } from './engine/run-dir.js';
import { UsageError } from './errors.js';

export async function rollbackPlaybook(runId: string, env: NodeJS.ProcessEnv, limit: string | undefined): Promise<{ playbook: Playbook; journal?: RunJournal }> {
  if (!RUN_ID.test(runId)) throw new UsageError(`'${runId}' is not a run id (like 20261121T154012-a1b2c3); see 'remedy runs'`);
  let journal: RunJournal | undefined;
  try {
    journal = await readJournal(env, runId);
  } catch (err) {
    if (!limit) throw err;
  }
  const recorded = journal ? Object.keys(journal.hosts) : [];
  if (journal && recorded.length === 0 && !limit) {
    throw new UsageError(`run ${runId} recorded no changed host (it may have been cut short): name the hosts with -l PATTERN`);
  }
  const pos = { file: `rollback ${runId}`, line: 1, col: 1 };
  const task: Task = {
    name: `restore the files run ${runId} changed`, module: 'restore_run', args: { run_id: runId },
    notify: [], ignoreErrors: false, loopVar: 'item', vars: {}, listen: [], noLog: false, pos, argsPos: pos,
  };
  const playbook: Playbook = {
    file: `rollback ${runId}`,
    plays: [{
      name: `Roll back run ${runId}`,
      // Hosts named in the journal (a limit narrows them further), or the limit alone.
      hosts: recorded.length ? recorded.join(',') : 'all',
      vars: {}, tasks: [task], handlers: [], become: true, becomeUser: 'root', gatherFacts: true, connection: 'ssh', pos,
    }],
  };
  return { playbook, journal };
}

export async function runsListing(env: NodeJS.ProcessEnv): Promise<string[]> {
  const runs = await listJournals(env);
  if (runs.length === 0) return [`no runs recorded in ${journalDir(env)}`];
  return runs.map((j) => {
    const hosts = Object.entries(j.hosts);
    const state = hosts.map(([h, r]) => `${h}:${r.rolledBack ? 'rolled-back' : r.confirmed ? 'committed' : r.status}`).join(' ');
    const what = j.kind === 'rollback' ? `rollback of ${j.of}` : j.playbook;
    return `${j.id}  ${j.finished ? '' : '(unfinished) '}${what}  ${hosts.length} host(s) changed${state ? `  ${state}` : ''}`;
  });
}
