// Task structure judged by ansible-core: each case of test/oracle/ansible/blocks.ts (blocks with
// rescue/always, inherited keywords, imports, tags, flush_handlers) is one small playbook run by
// ansible-playbook and by `remedy apply` against localhost (connection: local, controller-side
// modules only). Which tasks run, in which order with which status, and the recap counts must
// agree. Skipped, loudly, where ansible-core is not installed.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ansibleInstalled, inParallel, runAnsible, tally, warnSkipped } from './ansible/run.js';
import { BLOCK_CASES, type BlockCase } from './ansible/blocks.js';
import { runCli, json } from '../e2e/run-cli.js';

/** Known differences, each with its reason (the README lists them too). */
const DOCUMENTED: Record<string, string> = {};
const DOCUMENTED_LISTING: Record<string, string> = {};

const installed = ansibleInstalled();
if (!installed) warnSkipped('test/oracle/ansible-blocks.test.ts');

const RECAP_KEYS = ['ok', 'changed', 'failed', 'skipped', 'rescued', 'ignored'] as const;

interface Trace {
  tasks: string[];
  recap: string;
}

/** The default callback's task headers and localhost's status lines, and its recap. */
function ansibleTrace(out: string): Trace {
  const tasks: string[] = [];
  let task: string | undefined;
  for (const line of out.split('\n')) {
    const head = /^(?:TASK|RUNNING HANDLER) \[(.*)\]/.exec(line);
    if (head) task = head[1];
    // An include_tasks that ran says `included: FILE for localhost`.
    const st = /^(ok|changed|skipping|fatal): \[localhost\]/.exec(line) ?? (/^included: .* for localhost$/.test(line) ? [line, 'ok'] : null);
    // A meta step is no task result in remedy's report (Ansible shows a skipped one, counts none).
    if (task && st && task !== 'meta') {
      const status = { ok: 'ok', changed: 'changed', skipping: 'skipped', fatal: 'failed' }[st[1] as 'ok'];
      tasks.push(`${task}:${status}`);
      task = undefined;
    }
  }
  // No recap line when no task ran (nothing was selected).
  const recap = /localhost\s+: (.*)/.exec(out)?.[1] ?? '';
  const counts = Object.fromEntries(recap.trim().split(/\s+/).map((kv) => kv.split('=')));
  return { tasks, recap: RECAP_KEYS.map((k) => `${k}=${counts[k] ?? 0}`).join(' ') };
}

function remedyTrace(report: any): Trace {
  const plays = report.plays as Array<{ hosts: Record<string, { tasks: Array<{ task: string; status: string }> }> }>;
  const tasks = plays.flatMap((p) => p.hosts.localhost?.tasks ?? []).map((t) => `${t.task}:${t.status}`);
  const r = report.recap.localhost ?? {};
  return { tasks, recap: RECAP_KEYS.map((k) => `${k}=${r[k] ?? 0}`).join(' ') };
}

describe.skipIf(!installed)('blocks, imports and tags, judged by ansible-core', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'remedy-ansible-blocks-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const write = (c: BlockCase, i: number): string => {
    const d = join(dir, `case-${i}`);
    mkdirSync(d, { recursive: true });
    for (const [name, text] of Object.entries(c.files ?? {})) {
      mkdirSync(dirname(join(d, name)), { recursive: true });
      writeFileSync(join(d, name), text);
    }
    const file = join(d, 'play.yml');
    writeFileSync(file, `- hosts: localhost\n  connection: local\n  gather_facts: false\n${c.play}`);
    return file;
  };

  it(`${BLOCK_CASES.length} playbooks: the same tasks run in the same order, with the same recap`, async () => {
    const files = BLOCK_CASES.map(write);
    const theirs = await inParallel(BLOCK_CASES, 2, async (c) => {
      const run = await runAnsible('ansible-playbook', ['-i', 'localhost,', files[BLOCK_CASES.indexOf(c)]!, ...(c.args ?? [])], { ANSIBLE_STDOUT_CALLBACK: 'default', ANSIBLE_DISPLAY_SKIPPED_HOSTS: 'True' });
      return { ...ansibleTrace(run.stdout), code: run.code, out: run.stdout + run.stderr };
    });
    const results = [];
    for (const [i, c] of BLOCK_CASES.entries()) {
      const run = await runCli(['apply', files[i]!, '-i', 'localhost,', '--json', ...(c.args ?? [])]);
      const mine = run.stdout.startsWith('{') ? remedyTrace(json(run)) : { tasks: [`error: ${run.stderr}`], recap: '' };
      const want = theirs[i]!;
      expect([0, 2], want.out).toContain(want.code);
      const agree = mine.tasks.join(' ') === want.tasks.join(' ') && mine.recap === want.recap;
      results.push({ id: c.id, agree, detail: `\n  remedy  ${mine.tasks.join(' ')} | ${mine.recap}\n  ansible ${want.tasks.join(' ')} | ${want.recap}` });
    }
    expect(tally('task structure', results, DOCUMENTED)).toEqual([]);
  }, 600_000);

  it('--list-tasks --list-hosts print what ansible-playbook prints', async () => {
    const files = BLOCK_CASES.map(write);
    const listed = (out: string) => out.replace(/(TAGS: \[)([^\]]*)\]$/gm, (_, a: string, t: string) => `${a}${t.split(/,\s*/).sort().join(',')}]`).trimEnd();
    const theirs = await inParallel(BLOCK_CASES, 2, async (c) => (await runAnsible('ansible-playbook', ['-i', 'localhost,', files[BLOCK_CASES.indexOf(c)]!, '--list-tasks', '--list-hosts', ...(c.args ?? [])])).stdout);
    const results = [];
    for (const [i, c] of BLOCK_CASES.entries()) {
      const run = await runCli(['apply', files[i]!, '-i', 'localhost,', '--list-tasks', '--list-hosts', ...(c.args ?? [])]);
      const mine = listed(run.stdout + run.stderr);
      const want = listed(theirs[i]!);
      results.push({ id: c.id, agree: mine === want, detail: `\n--- remedy\n${mine}\n--- ansible\n${want}` });
    }
    expect(tally('--list-tasks', results, DOCUMENTED_LISTING)).toEqual([]);
  }, 600_000);
});
