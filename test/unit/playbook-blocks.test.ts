// Task structure at load time: blocks and what they pass down, imports and includes read from
// their files (errors at the included file's line:col), vars_files, import_playbook, meta, and
// the refusals `remedy validate` keeps.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parsePlaybook } from '../../src/playbook/load.js';
import type { Block, Meta, Step, Task } from '../../src/playbook/model.js';
import { validationMessages } from './support/validation.js';

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'remedy-blocks-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Write the files (name → text) under a fresh directory; the playbook is `pb.yml`. */
function files(spec: Record<string, string>): string {
  const d = mkdtempSync(join(dir, 'case-'));
  for (const [name, text] of Object.entries(spec)) {
    mkdirSync(join(d, name, '..'), { recursive: true });
    writeFileSync(join(d, name), text);
  }
  return join(d, 'pb.yml');
}
const load = (text: string, file = 'pb.yml') => parsePlaybook(text, file);
const errorsOf = (text: string, file = 'pb.yml') => validationMessages(() => parsePlaybook(text, file));
const steps = (text: string, file?: string): Step[] => load(text, file).plays[0]!.steps!;
const play = (tasks: string) => `- hosts: all\n  tasks:\n${tasks}`;

describe('block / rescue / always', () => {
  it('keeps the sections and pushes the block\'s keywords down into each task', () => {
    const s = steps(play(`    - name: guarded
      when: a
      become: true
      become_user: bob
      vars: { x: 1, y: 2 }
      ignore_errors: true
      tags: [web]
      block:
        - command: one
          when: b
          vars: { y: 3 }
          become_user: carol
          tags: db
      rescue:
        - command: two
          ignore_errors: false
      always:
        - command: three
`));
    const b = s[0] as Block;
    expect(b).toMatchObject({ kind: 'block', name: 'guarded', tags: ['web'] });
    const [one] = b.block as Task[];
    expect(one).toMatchObject({ when: ['a', 'b'], become: true, becomeUser: 'carol', vars: { x: 1, y: 3 }, ignoreErrors: true, tags: ['db', 'web'] });
    expect((b.rescue[0] as Task).ignoreErrors).toBe(false);
    expect(b.always[0] as Task).toMatchObject({ when: ['a'], becomeUser: 'bob', tags: ['web'] });
  });

  it('flattens every task into play.tasks (checks, prefetch) and keeps a plain task as written', () => {
    const pb = load(play(`    - command: zero\n      when: z\n    - block:\n        - command: one\n      rescue:\n        - command: two\n`));
    expect(pb.plays[0]!.tasks.map((t) => t.args.cmd)).toEqual(['zero', 'one', 'two']);
    expect(pb.plays[0]!.tasks[0]!.when).toBe('z');
  });

  it('play tags reach every task; a comma-separated string is split as Ansible does', () => {
    const pb = load(`- hosts: all\n  tags: p\n  tasks:\n    - command: x\n      tags: "b, a"\n`);
    expect(pb.plays[0]!.tags).toEqual(['p']);
    expect(pb.plays[0]!.tasks[0]!.tags).toEqual(['a', 'b', 'p']);
  });

  it('names wrong sections and keywords at their line:col', () => {
    expect(errorsOf(play(`    - rescue:\n        - command: x\n`))).toEqual([`pb.yml:3:7: 'rescue' belongs to a 'block': write the tasks under 'block:' and 'rescue:' beside it`]);
    expect(errorsOf(play(`    - block: {a: 1}\n`))[0]).toMatch(/^pb\.yml:3:14: block: expected a list of tasks, got a mapping/);
    expect(errorsOf(play(`    - block:\n        - command: x\n      register: r\n`))[0]).toMatch(/^pb\.yml:5:7: unknown block keyword 'register'/);
    expect(errorsOf(play(`    - block:\n        - comand: x\n`))[0]).toMatch(/^pb\.yml:4:11: unknown module 'comand'/);
    expect(errorsOf(play(`    - block: []\n      when: "a ==="\n`))[0]).toMatch(/^pb\.yml:4:\d+: when: invalid expression/);
  });

  it('a handler notified from inside a block must exist', () => {
    expect(errorsOf(`- hosts: all\n  tasks:\n    - block:\n        - command: x\n          notify: nope\n`)[0]).toMatch(/^pb\.yml:4:11: task 'command x' notifies 'nope'/);
  });
});

describe('import_tasks / include_tasks / import_playbook / vars_files', () => {
  it('import_tasks: the file\'s tasks with the import\'s keywords; nested names relative to the including file', () => {
    const text = play(`    - import_tasks: tasks/a.yml\n      when: w\n      tags: imp\n`);
    const pb = files({ 'pb.yml': text, 'tasks/a.yml': `- command: a\n- import_tasks: b.yml\n`, 'tasks/b.yml': `- name: from b\n  command: b\n` });
    const p = parsePlaybook(text, pb).plays[0]!;
    expect(p.tasks.map((t) => [t.name, t.when, t.tags])).toEqual([['command a', ['w'], ['imp']], ['from b', ['w'], ['imp']]]);
    expect(p.tasks[1]!.pos).toMatchObject({ file: join(pb, '..', 'tasks', 'b.yml'), line: 1, col: 3 });
  });

  it('include_tasks is a task of its own: its when and tags stay on it, its vars reach the tasks', () => {
    const pb = files({ 'pb.yml': '', 'inc.yml': `- command: a\n  tags: x\n` });
    const s = steps(play(`    - include_tasks: { file: inc.yml }\n      when: w\n      tags: t\n      vars: { v: 1 }\n`), pb);
    const b = s[0] as Block;
    expect(b).toMatchObject({ name: 'include_tasks', tags: ['t'], include: { file: join(pb, '..', 'inc.yml'), when: ['w'] } });
    expect(b.block[0]).toMatchObject({ when: undefined, tags: ['x'], vars: { v: 1 } });
    expect(errorsOf(play(`    - include_tasks: inc.yml\n      become: true\n`), pb)[0]).toMatch(/^.*pb\.yml:4:7: unknown include_tasks keyword 'become'/);
  });

  it('errors inside an included file name that file\'s line:col', () => {
    const pb = files({ 'pb.yml': '', 'bad.yml': `- command: ok\n- comand: x\n`, 'syntax.yml': `- command: [\n` });
    const inc = join(pb, '..', 'bad.yml');
    expect(errorsOf(play(`    - import_tasks: bad.yml\n`), pb)).toEqual([`${inc}:2:3: unknown module 'comand' (did you mean 'command'?); expected one of: ${errorsOf(play(`    - comand: x\n`))[0]!.split('expected one of: ')[1]}`]);
    expect(errorsOf(play(`    - include_tasks: syntax.yml\n`), pb)[0]).toMatch(/syntax\.yml:2:1: YAML syntax error/);
  });

  it('a missing file, a templated name, a cycle and a file that is not a task list are named at the include', () => {
    const pb = files({ 'pb.yml': '', 'self.yml': `- import_tasks: self.yml\n`, 'map.yml': `a: 1\n` });
    expect(errorsOf(play(`    - import_tasks: nope.yml\n`), pb)[0]).toMatch(/pb\.yml:3:21: import_tasks: cannot find 'nope\.yml' \(looked for .*nope\.yml\)/);
    expect(errorsOf(play(`    - include_tasks: "{{ f }}.yml"\n`), pb)[0]).toMatch(/pb\.yml:3:22: include_tasks: a templated file name \('\{\{ f \}\}\.yml'\) is not supported by remedy/);
    expect(errorsOf(play(`    - import_tasks: self.yml\n`), pb)[0]).toMatch(/self\.yml:1:17: import_tasks: 'self\.yml' includes itself/);
    expect(errorsOf(play(`    - import_tasks: map.yml\n`), pb)[0]).toMatch(/map\.yml:1:1: import_tasks: a tasks file is a list of tasks, got a mapping/);
  });

  it('import_playbook: the plays of a file relative to the playbook, with its tags', () => {
    const pb = files({ 'pb.yml': '', 'more/other.yml': `- hosts: db\n  tags: o\n  tasks:\n    - command: x\n` });
    const plays = load(`- import_playbook: more/other.yml\n  tags: imp\n- hosts: web\n  tasks: []\n`, pb).plays;
    expect(plays.map((p) => [p.hosts, p.tags])).toEqual([['db', ['imp', 'o']], ['web', []]]);
    expect(plays[0]!.tasks[0]!.tags).toEqual(['imp', 'o']);
    expect(errorsOf(`- import_playbook: more/other.yml\n  when: x\n`, pb)[0]).toMatch(/pb\.yml:2:3: unknown import_playbook keyword 'when'/);
  });

  it('vars_files: YAML 1.1 mappings over the play\'s vars, later files winning', () => {
    const pb = files({ 'pb.yml': '', 'a.yml': `flag: no\nmode: 0644\nx: a\n`, 'b.yml': `x: b\n`, 'list.yml': `- 1\n` });
    const p = load(`- hosts: all\n  vars: { x: play, y: play }\n  vars_files: [a.yml, b.yml]\n  tasks: []\n`, pb).plays[0]!;
    expect(p.vars).toEqual({ flag: false, mode: 420, x: 'b', y: 'play' });
    expect(errorsOf(`- hosts: all\n  vars_files: [list.yml]\n  tasks: []\n`, pb)[0]).toMatch(/list\.yml:1:1: vars_files: .* must hold a mapping of variables, got a list/);
    expect(errorsOf(`- hosts: all\n  vars_files: [nope.yml]\n  tasks: []\n`, pb)[0]).toMatch(/pb\.yml:2:16: vars_files: cannot find 'nope\.yml'/);
  });
});

describe('meta', () => {
  it('flush_handlers, noop and end_host; others refused at their line:col', () => {
    const s = steps(play(`    - meta: flush_handlers\n    - meta: end_host\n      when: done\n      tags: t\n`));
    expect(s as Meta[]).toMatchObject([{ kind: 'meta', action: 'flush_handlers', name: 'meta' }, { kind: 'meta', action: 'end_host', when: ['done'], tags: ['t'] }]);
    expect(errorsOf(play(`    - meta: end_play\n`))[0]).toBe(`pb.yml:3:13: meta: 'end_play' is not supported by remedy; expected one of: flush_handlers, noop, end_host`);
    expect(errorsOf(play(`    - meta: flush_handlers\n      when: x\n`))[0]).toMatch(/^pb\.yml:4:7: meta: flush_handlers takes no 'when'/);
  });

  it('pre_tasks and post_tasks are followed and preceded by Ansible\'s implicit flush_handlers', () => {
    const s = steps(`- hosts: all\n  pre_tasks:\n    - command: p\n  tasks:\n    - command: t\n  post_tasks:\n    - command: q\n`);
    expect(s.map((x) => (x.kind === 'meta' ? `meta:${x.implicit}` : (x as Task).args.cmd))).toEqual(['p', 'meta:true', 't', 'meta:true', 'q']);
  });

  it('handlers still refuse blocks and includes', () => {
    expect(errorsOf(`- hosts: all\n  handlers:\n    - name: h\n      block: []\n`)[0]).toMatch(/^pb\.yml:4:7: 'block' is not supported by remedy/);
  });
});

describe("a block's environment, no_log, check_mode, run_once and diff", () => {
  it('reach each of its tasks; a task\'s own value wins, environments stack (block under task)', () => {
    const p = load(play(`    - block:
        - command: env
        - command: env
          environment: { B: task }
          no_log: false
          run_once: false
          diff: true
      environment: { A: block, B: block }
      no_log: true
      check_mode: true
      run_once: true
      diff: false
`)).plays[0]!;
    const [first, second] = p.tasks as [Task, Task];
    expect(first).toMatchObject({ environment: [{ A: 'block', B: 'block' }], noLog: true, checkMode: true, runOnce: true, diff: false });
    expect(second).toMatchObject({ environment: [{ A: 'block', B: 'block' }, { B: 'task' }], noLog: false, checkMode: true, runOnce: false, diff: true });
  });

  it('a bad environment on a block is named at its position', () => {
    expect(errorsOf(play(`    - block:
        - command: env
      environment: { "1X": a }
`))).toEqual([expect.stringMatching(/^pb\.yml:5:22: environment: '1X' is not a valid shell variable name$/)]);
  });
});
