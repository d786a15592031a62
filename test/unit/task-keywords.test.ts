// environment, delegate_to, run_once and diff: loading, and what the engine does with them
// (commands run for real through `sh` on this machine: LocalConnection).
import { describe, it, expect } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parsePlaybook } from '../../src/playbook/load.js';
import { runTask, type TaskEnv, type TaskOutcome } from '../../src/engine/task-run.js';
import { HostSession } from '../../src/engine/host-session.js';
import { LocalConnection } from '../../src/transport/local.js';
import { RunOnce } from '../../src/engine/run-once.js';
import { envExports, renderEnvironment } from '../../src/engine/environment.js';
import { taskLines } from '../../src/report/task-lines.js';
import { validationMessages } from './support/validation.js';
import type { Facts } from '../../src/facts.js';
import type { Play } from '../../src/playbook/model.js';
import { writeFileSync } from 'node:fs';
import { runCli } from '../e2e/run-cli.js';

const playOf = (text: string): Play => parsePlaybook(text, 'pb.yml').plays[0]!;
const errorsOf = (text: string): string[] => validationMessages(() => parsePlaybook(text, 'pb.yml'));

function envFor(play: Play, session: HostSession, extra: Partial<TaskEnv> = {}): TaskEnv {
  return {
    session, facts: { userId: 0 } as Facts, baseVars: { ...play.vars }, registered: {}, extraVars: {}, check: false,
    playEnvironment: play.environment, playDiff: play.diff, verify: async () => undefined, ...extra,
  };
}

async function runPlay(play: Play, env: TaskEnv): Promise<TaskOutcome[]> {
  const out: TaskOutcome[] = [];
  for (const t of play.tasks) {
    const o = await runTask(t, env);
    if (o.pending) {
      await env.session.flush();
      out.push(await o.pending.settle());
    } else out.push(o);
  }
  return out;
}

describe('environment', () => {
  it('reaches the command, quoted, templated; the task wins over the play', async () => {
    const play = playOf(`- hosts: all
  vars: {who: "it's \\"$HOME\\" \`id\`"}
  environment: {GREETING: play, ONLY_PLAY: p}
  tasks:
    - shell: printf '%s|%s|%s' "$GREETING" "$ONLY_PLAY" "$N"
      environment: {GREETING: "{{ who }}", N: 3}
      register: r
`);
    const [o] = await runPlay(play, envFor(play, new HostSession(new LocalConnection())));
    expect(o!.result.status).toBe('changed');
    expect(o!.registered.stdout).toBe(`it's "$HOME" \`id\`|p|3`);
    expect(o!.result.commands[0]).toMatch(/^export GREETING='it'\\''s /);
  });
  it('batched commands of different tasks do not see each other\'s environment', async () => {
    const s = new HostSession(new LocalConnection());
    const a = await s.enqueue({ kind: 'run', command: 'printf %s "${X-unset}"', env: { X: 'one' }, touches: { files: [], probes: [] } }, {});
    const b = await s.enqueue({ kind: 'run', command: 'printf %s "${X-unset}"', touches: { files: [], probes: [] } }, { timeoutMs: 5000 });
    await s.flush();
    expect([a.outcome, b.outcome]).toMatchObject([{ ran: true, stdout: 'one' }, { ran: true, stdout: 'unset' }]);
  });
  it('refuses names that are not shell identifiers, at load and at run time, without values', () => {
    expect(errorsOf(`- hosts: all\n  tasks:\n    - command: env\n      environment: {"A-B": x}\n`))
      .toEqual([expect.stringMatching(/^pb\.yml:4:21: environment: 'A-B' is not a valid shell variable name/)]);
    expect(() => renderEnvironment([{ '{{ n }}': 'secret' }], { n: 'a b' })).toThrow(/'{{ n }}' is not a valid/);
    expect(errorsOf(`- hosts: all\n  tasks:\n    - command: env\n      environment: {A: }\n`))
      .toEqual([expect.stringMatching(/^pb\.yml:4:\d+: environment: the value of 'A' must be a string/)]);
    expect(errorsOf(`- hosts: all\n  tasks:\n    - command: env\n      delegate_to: "{{ x"\n`)).toEqual([expect.stringMatching(/^pb\.yml:4:\d+: template error/)]);
    expect(() => renderEnvironment([{ A: ['secret'] }], {})).toThrow(/^((?!secret).)*$/);
    expect(envExports({ A: "x'y" })).toBe(`export A='x'\\''y'; `);
  });
  it('a no_log task shows none of its environment', async () => {
    const play = playOf(`- hosts: all\n  tasks:\n    - command: "true"\n      environment: {TOKEN: s3cret}\n      no_log: true\n`);
    const [o] = await runPlay(play, envFor(play, new HostSession(new LocalConnection())));
    expect(JSON.stringify(o!.result)).not.toContain('s3cret');
  });
});

describe('delegate_to', () => {
  it('refuses other hosts, host-changing modules and become, at file:line:col', () => {
    expect(errorsOf(`- hosts: all\n  tasks:\n    - command: "true"\n      delegate_to: web1\n`))
      .toEqual([expect.stringMatching(/^pb\.yml:4:20: delegate_to: remedy delegates only to the controller/)]);
    expect(errorsOf(`- hosts: all\n  tasks:\n    - lineinfile: {path: /x, line: a}\n      delegate_to: localhost\n`))
      .toEqual([expect.stringMatching(/^pb\.yml:4:20: delegate_to: lineinfile cannot run on the controller/)]);
    expect(errorsOf(`- hosts: all\n  tasks:\n    - command: "true"\n      delegate_to: localhost\n      become: true\n`))
      .toEqual([expect.stringMatching(/^pb\.yml:5:7: become on a delegated task is not supported/)]);
    expect(errorsOf(`- hosts: all\n  tasks:\n    - local_action: command true\n      delegate_to: localhost\n`)).toEqual([expect.stringMatching(/^pb\.yml:3:7: 'local_action' and 'delegate_to' together/)]);
    expect(errorsOf(`- hosts: all\n  tasks:\n    - local_action: {src: a}\n`)).toEqual([expect.stringMatching(/^pb\.yml:3:21: local_action: expected 'MODULE ARGS'/)]);
    expect(errorsOf(`- hosts: all\n  tasks:\n    - local_action: lineinfile path=/x line=a\n`)).toEqual([expect.stringMatching(/^pb\.yml:3:7: delegate_to: lineinfile cannot run on the controller/)]);
  });
  it('local_action is delegate_to: localhost, as a string or a mapping with module:', () => {
    const tasks = playOf(`- hosts: all\n  tasks:\n    - local_action: command echo hi chdir=/tmp\n    - local_action: {module: debug, msg: hi}\n`).tasks;
    expect(tasks.map((t) => [t.module, t.args, t.delegateTo])).toEqual([['command', { chdir: '/tmp', cmd: 'echo hi' }, 'localhost'], ['debug', { msg: 'hi' }, 'localhost']]);
  });
  it('runs the command on the controller session, never the host\'s', async () => {
    const play = playOf(`- hosts: all\n  tasks:\n    - command: echo here\n      delegate_to: "{{ 'local' ~ 'host' }}"\n      register: r\n    - command: echo no\n      delegate_to: "{{ 'elsewhere' }}"\n`);
    const host = new HostSession({ exec: async () => { throw new Error('touched the host'); }, close: async () => undefined, stats: {} } as never);
    const controller = new HostSession(new LocalConnection());
    const out = await runPlay(play, envFor(play, host, { controller: () => controller }));
    expect(out[0]!.registered.stdout).toBe('here');
    expect(taskLines('web1', out[0]!.result, { check: false, diff: false }, (t) => t)[0]).toMatch(/^web1 -> localhost \| changed \| command echo here/);
    expect(out[1]!.result).toMatchObject({ status: 'failed', msg: expect.stringMatching(/not to 'elsewhere'/) });
  });
});

describe('run_once', () => {
  it('one host runs it, every host gets its result and register', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'remedy-once-'));
    try {
      const play = playOf(`- hosts: all\n  tasks:\n    - shell: echo x >> ${dir}/log; echo done\n      run_once: true\n      delegate_to: localhost\n      register: r\n`);
      const once = new RunOnce(['h1', 'h2', 'h3']);
      const envs = ['h3', 'h1', 'h2'].map((h) => envFor(play, new HostSession(new LocalConnection()), { host: h, once, controller: () => new HostSession(new LocalConnection()) }));
      const outs = await Promise.all(envs.map((e) => runPlay(play, e)));
      expect(readFileSync(join(dir, 'log'), 'utf8')).toBe('x\n');
      expect(outs.map((o) => o[0]!.registered.stdout)).toEqual(['done', 'done', 'done']);
      expect(envs.map((e) => (e.registered.r as { stdout: string }).stdout)).toEqual(['done', 'done', 'done']);
      // As in Ansible the other hosts take the register only: no result of their own.
      expect(outs.map((o) => o[0]!.result.sharedFrom)).toEqual(['h1', undefined, 'h1']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('a failure on the host that ran it fails the others, naming that host', async () => {
    const once = new RunOnce(['h1', 'h2']);
    const task = playOf(`- hosts: all\n  tasks:\n    - fail: {msg: no}\n      run_once: true\n`).tasks[0]!;
    const run = async () => ({ result: { task: 'x', status: 'failed' as const, changed: false, msg: 'no', diffs: [], commands: [], executed: true }, registered: {} });
    const [a, b] = await Promise.all([once.outcome(task, 'h1', {}, run), once.outcome(task, 'h2', {}, run)]);
    expect([a.result.status, b.result.status, b.result.msg, b.result.sharedFrom]).toEqual(['failed', 'failed', 'run_once: the task failed on h1: no', undefined]);
  });
  it('the next host runs it when the first ended before reaching it', async () => {
    const once = new RunOnce(['h1', 'h2']);
    const task = playOf(`- hosts: all\n  tasks:\n    - debug: {msg: hi}\n      run_once: true\n`).tasks[0]!;
    const got = once.outcome(task, 'h2', {}, async () => ({ result: { task: 'x', status: 'ok', changed: false, diffs: [], commands: [], executed: true }, registered: { by: 'h2' } }));
    once.hostDone('h1');
    expect((await got).registered).toEqual({ by: 'h2' });
  });
});

describe('diff keyword', () => {
  const r = { task: 't', status: 'changed' as const, changed: true, executed: false, commands: [], diffs: [{ path: '/x', created: false, attrs: [], unified: '--- a\n+++ b\n+secret\n' }] };
  it('diff: false hides the content even under --diff; diff: true shows it without', () => {
    expect(taskLines('h', { ...r, diff: false, diffs: [{ ...r.diffs[0]!, unified: '' }] }, { check: true, diff: true }, (t) => t).join('\n')).not.toContain('secret');
    expect(taskLines('h', { ...r, diff: true }, { check: true, diff: false }, (t) => t).join('\n')).toContain('+secret');
    expect(taskLines('h', r, { check: true, diff: false }, (t) => t).join('\n')).not.toContain('secret');
  });
  it('plan (check + diff) of a local play: the diff: false task names its file, shows no content, in the log and in --json', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'remedy-diffkw-'));
    try {
      const pb = join(dir, 'pb.yml');
      writeFileSync(pb, `- hosts: localhost\n  connection: local\n  gather_facts: false\n  tasks:\n    - copy: {dest: ${dir}/a, content: "secret-one\\n"}\n      diff: false\n    - copy: {dest: ${dir}/b, content: "shown-two\\n"}\n`);
      const log = await runCli(['plan', pb, '-i', 'localhost,']);
      expect(log.stdout).toContain(`create ${dir}/a (new file, mode 0644) (diff hidden: diff: false)`);
      expect(log.stdout).toContain('+shown-two');
      expect(log.stdout).not.toContain('secret-one');
      expect((await runCli(['plan', pb, '-i', 'localhost,', '--json'])).stdout).not.toContain('secret-one');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('is read on tasks and plays', () => {
    const play = playOf(`- hosts: all\n  diff: false\n  tasks:\n    - debug:\n      diff: yes\n`);
    expect([play.diff, play.tasks[0]!.diff]).toEqual([false, true]);
  });
});
