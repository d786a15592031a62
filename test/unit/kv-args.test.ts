import { describe, it, expect } from 'vitest';
import { parsePlaybook } from '../../src/playbook/load.js';
import { parseKv, splitKvArgs } from '../../src/playbook/kv-args.js';
import { validationMessages } from './support/validation.js';
import { runTask, type TaskEnv } from '../../src/engine/task-run.js';
import type { Facts } from '../../src/facts.js';

const errorsOf = (text: string): string[] => validationMessages(() => parsePlaybook(text, 'pb.yml'));
const task = (yaml: string) => parsePlaybook(`- hosts: all\n  tasks:\n${yaml}`, 'pb.yml').plays[0]!.tasks[0]!;

describe('parse_kv', () => {
  it('keeps quoted values and Jinja blocks whole, unquotes once', () => {
    expect(parseKv(`path=/x line="a b" msg='hi {{ x | default("y z") }}'`)).toEqual({ path: '/x', line: 'a b', msg: 'hi {{ x | default("y z") }}' });
  });
  it('decodes escapes and splits at the first unescaped =', () => {
    expect(parseKv('line="a\\tb" a\\=b=c')).toEqual({ line: 'a\tb', 'a\\=b': 'c' });
  });
  it('free-form: only the command options come out, the rest stays the command as written', () => {
    expect(parseKv('chdir=/tmp echo a=b "x  y" creates=/f', true)).toEqual({ chdir: '/tmp', creates: '/f', _raw_params: 'echo a=b "x  y"' });
  });
  it('refuses unbalanced quotes or blocks', () => {
    expect(() => splitKvArgs('a="x')).toThrow(/unbalanced/);
    expect(() => splitKvArgs('a={{ x')).toThrow(/unbalanced/);
  });
});

describe('module arguments as key=value strings', () => {
  it('lineinfile, copy, debug, set_fact take k=v', () => {
    expect(task(`    - lineinfile: path=/x line="a b"\n`).args).toEqual({ path: '/x', line: 'a b' });
    expect(task(`    - copy: dest=/x content="one two"\n`).args).toEqual({ dest: '/x', content: 'one two' });
    expect(task(`    - debug: msg="hi {{ x }}"\n`).args).toEqual({ msg: 'hi {{ x }}' });
    expect(task(`    - set_fact: a=1 b=two\n`).args).toEqual({ a: '1', b: 'two' });
  });
  it('command/shell: chdir=, creates=, removes= prefixes are options', () => {
    expect(task(`    - command: chdir=/tmp ls -l creates=/etc/x\n`).args).toEqual({ chdir: '/tmp', creates: '/etc/x', cmd: 'ls -l' });
    expect(task(`    - shell: echo $HOME > /tmp/f removes=/y\n`).args).toEqual({ removes: '/y', cmd: 'echo $HOME > /tmp/f' });
  });
  it('a non-free-form module with extra words is refused at file:line:col', () => {
    expect(errorsOf(`- hosts: all\n  tasks:\n    - debug: hello there\n`)).toEqual([expect.stringMatching(/^pb\.yml:3:14: debug: expected key=value arguments, got extra words 'hello there'/)]);
  });
  it('an unknown key in a k=v string is refused like in a mapping', () => {
    expect(errorsOf(`- hosts: all\n  tasks:\n    - lineinfile: path=/x bogus=1 line=a\n`)).toEqual([expect.stringMatching(/^pb\.yml:3:19: lineinfile: unknown argument 'bogus'/)]);
  });
  it("a script with a lone quote: refused as a free-form string (as Ansible does), taken as it is under cmd:", () => {
    expect(errorsOf(`- hosts: all\n  tasks:\n    - shell: |\n        # don't\n        echo hi\n`)).toEqual([expect.stringMatching(/^pb\.yml:3:14: shell: failed at splitting arguments/)]);
    expect(task(`    - shell:\n        cmd: |\n          # don't\n          echo hi\n`).args).toEqual({ cmd: "# don't\necho hi\n" });
  });
  it('unbalanced quotes are refused at file:line:col', () => {
    expect(errorsOf(`- hosts: all\n  tasks:\n    - lineinfile: path=/x line="a\n`)).toEqual([expect.stringMatching(/^pb\.yml:3:19: lineinfile: failed at splitting arguments/)]);
  });
});

describe('set_fact with k=v, run', () => {
  it('gives the types Ansible gives: text, a yes/no boolean, a rendered list', async () => {
    const env = { session: {} as TaskEnv['session'], facts: {} as Facts, baseVars: {}, registered: {}, extraVars: {}, check: false, verify: async () => undefined } as TaskEnv;
    await runTask(task(`    - set_fact: a=1 b=yes c="x y" d={{ [1,2] }}\n`), env);
    expect(env.registered).toEqual({ a: '1', b: true, c: 'x y', d: [1, 2] });
  });
});
