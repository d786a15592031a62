// debug, fail, set_fact: modules that run on the controller and change nothing on the host.
import { describe, it, expect } from 'vitest';
import { parsePlaybook } from '../../src/playbook/load.js';
import { runTask, type TaskEnv } from '../../src/engine/task-run.js';
import { validationMessages } from './support/validation.js';
import type { Facts } from '../../src/facts.js';
import { taskLines } from '../../src/report/task-lines.js';

const tasksOf = (yaml: string) => parsePlaybook(`- hosts: all\n  vars: {v: play}\n  tasks:\n${yaml}`, 'pb.yml').plays[0]!.tasks;

/** No session: a module that touched the host would throw here. */
function envWith(extraVars: Record<string, unknown> = {}): TaskEnv {
  const session = new Proxy({}, { get: (_t, k) => (k === "resume" ? () => {} : (() => { throw new Error(`touched the host: ${String(k)}`); })()) });
  return {
    session: session as TaskEnv['session'], facts: {} as Facts, baseVars: { v: 'play', h: 'host' }, registered: {}, extraVars, check: false,
    verify: async () => undefined,
  };
}

async function runAll(yaml: string, env = envWith()) {
  const out = [];
  for (const t of tasksOf(yaml)) out.push(await runTask(t, env));
  return { out, env };
}

const errorsOf = (yaml: string): string[] => validationMessages(() => tasksOf(yaml));

describe('debug', () => {
  it('registers msg as Ansible does', async () => {
    const { out } = await runAll(`    - debug: {msg: "v is {{ v }}"}\n      register: d\n`);
    expect(out[0]!.result).toMatchObject({ status: 'ok', changed: false, msg: 'v is play', executed: false });
    expect(out[0]!.registered).toEqual({ msg: 'v is play', changed: false, failed: false });
  });
  it('prints its message in the log, and hides it under no_log', async () => {
    const { out } = await runAll(`    - debug: {var: v}\n    - debug: {msg: secret}\n      no_log: true\n`);
    expect(taskLines('h', out[0]!.result, { check: false, diff: false }, (t) => t)).toEqual(['h | ok | debug', '    v: play']);
    expect(out[1]!.result.output).toMatch(/output hidden/);
  });
  it('says Hello world! without arguments', async () => {
    const { out } = await runAll(`    - debug:\n`);
    expect(out[0]!.registered.msg).toBe('Hello world!');
  });
  it('var: registers the value under the expression, or VARIABLE IS NOT DEFINED!', async () => {
    const { out } = await runAll(`    - debug: {var: v}\n    - debug: {var: nope}\n    - debug: {var: "[1, 2] | length"}\n`);
    expect(out.map((o) => o.registered)).toEqual([
      { v: 'play', changed: false, failed: false },
      { nope: 'VARIABLE IS NOT DEFINED!', changed: false, failed: false },
      { '[1, 2] | length': 2, changed: false, failed: false },
    ]);
  });
  it('skips verbosity above 0 (remedy has no -v levels)', async () => {
    const { out } = await runAll(`    - debug: {var: v, verbosity: 2}\n`);
    expect(out[0]!.result.status).toBe('skipped');
  });
  it('refuses msg with var, and unknown arguments, at file:line:col', () => {
    expect(errorsOf(`    - debug: {msg: a, var: b}\n`)).toEqual([expect.stringMatching(/^pb\.yml:4:14: debug: 'msg' and 'var' are incompatible/)]);
    expect(errorsOf(`    - debug: {mgs: a}\n`)).toEqual([expect.stringMatching(/^pb\.yml:4:15: debug: unknown argument 'mgs'/)]);
  });
});

describe('fail', () => {
  it('fails with Ansible\'s default message and result', async () => {
    const { out } = await runAll(`    - fail:\n      ignore_errors: true\n      register: f\n`);
    expect(out[0]!.result.status).toBe('failed');
    expect(out[0]!.registered).toEqual({ failed: true, changed: false, msg: 'Failed as requested from task' });
  });
  it('fails with msg, rendered', async () => {
    const { out } = await runAll(`    - fail: {msg: "bad {{ v }}"}\n      when: v == 'play'\n`);
    expect(out[0]!.result).toMatchObject({ status: 'failed', msg: 'bad play' });
  });
});

describe('set_fact', () => {
  it('sets vars above play and host vars, below extra vars, for later tasks', async () => {
    const { out, env } = await runAll(
      `    - set_fact: {v: fact, h: fact, x: fact, flag: "yes"}\n      register: sf\n    - debug: {msg: "{{ v }} {{ h }} {{ x }} {{ flag }}"}\n`,
      envWith({ x: 'extra' }),
    );
    expect(out[0]!.registered).toEqual({ ansible_facts: { v: 'fact', h: 'fact', x: 'fact', flag: true }, changed: false, failed: false });
    expect(out[1]!.registered.msg).toBe('fact fact extra True');
    expect(env.registered.v).toBe('fact');
  });
  it('wins over task vars, as Ansible\'s set_fact does', async () => {
    const { out } = await runAll(`    - set_fact: {t: fact}\n    - debug: {msg: "{{ t }}"}\n      vars: {t: task}\n`);
    expect(out[1]!.registered.msg).toBe('fact');
  });
  it('refuses cacheable: true, bad names and nothing to set, at file:line:col', () => {
    expect(errorsOf(`    - set_fact: {a: 1, cacheable: true}\n`)).toEqual([expect.stringMatching(/^pb\.yml:4:35: set_fact: 'cacheable': remedy keeps no fact cache/)]);
    expect(errorsOf(`    - set_fact: {a: 1, cacheable: no}\n`)).toEqual([]);
    expect(errorsOf(`    - set_fact: {"a-b": 1}\n`)).toEqual([expect.stringMatching(/^pb\.yml:4:25: set_fact: 'a-b': 'a-b' is not a valid variable name/)]);
    expect(errorsOf(`    - set_fact: {}\n`)).toEqual([expect.stringMatching(/set_fact: no variables to set/)]);
  });
});

describe('assert', () => {
  it('passes with Ansible\'s message, printed unless quiet', async () => {
    const { out } = await runAll(`    - assert: {that: "v == 'play'"}\n    - assert: {that: [true], quiet: true, success_msg: fine}\n      register: a\n`);
    expect(out[0]!.registered).toEqual({ changed: false, failed: false, msg: 'All assertions passed' });
    expect(out[0]!.result.output).toBe('All assertions passed');
    expect(out[1]!.result.output).toBeUndefined();
    expect(out[1]!.registered.msg).toBe('fine');
  });
  it('fails with Ansible\'s result: assertion, evaluated_to, msg (fail_msg before msg)', async () => {
    const { out } = await runAll(`    - assert: {that: [true, "v == 'x'"]}\n      ignore_errors: true\n    - assert: {that: false, fail_msg: [a, b], msg: m}\n      ignore_errors: true\n`);
    expect(out[0]!.registered).toEqual({ failed: true, changed: false, assertion: "v == 'x'", evaluated_to: false, msg: 'Assertion failed' });
    expect(out[1]!.result.msg).toBe('a\nb');
    expect(out[1]!.registered.msg).toEqual(['a', 'b']);
  });
  it('refuses a quiet that is not a boolean, at file:line:col', () => {
    expect(errorsOf(`    - assert: {that: true, quiet: maybe}\n`)).toEqual([expect.stringMatching(/^pb\.yml:4:35: assert: 'quiet'/)]);
  });
});
