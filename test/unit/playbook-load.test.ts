import { describe, it, expect } from 'vitest';
import { parsePlaybook } from '../../src/playbook/load.js';
import { validationMessages } from './support/validation.js';

const errorsOf = (text: string): string[] => validationMessages(() => parsePlaybook(text, 'pb.yml'));

describe('parsePlaybook', () => {
  it('reads plays, tasks, handlers and Ansible keywords', () => {
    const pb = parsePlaybook(`
- name: fix
  hosts: web:&prod
  become: yes
  vars: { port: 22 }
  tasks:
    - name: say
      command: echo "hello world"
      register: out
      changed_when: false
    - ansible.builtin.lineinfile:
        path: /etc/x
        line: a
      notify: restart
  handlers:
    - name: restart
      shell: service ssh restart
`, 'pb.yml');
    const play = pb.plays[0]!;
    expect(play.hosts).toBe('web:&prod');
    expect(play.become).toBe(true);
    expect(play.tasks.map((t) => t.module)).toEqual(['command', 'lineinfile']);
    expect(play.tasks[0]!.args).toEqual({ cmd: 'echo "hello world"' });
    expect(play.tasks[0]!.register).toBe('out');
    expect(play.tasks[1]!.name).toBe('lineinfile');
    expect(play.tasks[1]!.notify).toEqual(['restart']);
    expect(play.handlers[0]!.name).toBe('restart');
    expect(play.tasks[1]!.pos).toEqual({ file: 'pb.yml', line: 11, col: 7 });
  });

  it('names the position of an unknown task keyword, with a suggestion', () => {
    const errs = errorsOf(`- hosts: all\n  tasks:\n    - command: true\n      registr: x\n`);
    expect(errs).toHaveLength(1);
    expect(errs[0]).toMatch(/^pb\.yml:4:7: unknown module or task keyword 'registr' \(did you mean 'register'\?\)/);
  });

  it('names an unknown module', () => {
    expect(errorsOf(`- hosts: all\n  tasks:\n    - comand: ls\n`)[0]).toMatch(/^pb\.yml:3:7: unknown module 'comand' \(did you mean 'command'\?\)/);
  });

  it('names an unknown module argument at its key', () => {
    expect(errorsOf(`- hosts: all\n  tasks:\n    - copy:\n        dest: /x\n        content: y\n        mod: '0644'\n`)[0])
      .toMatch(/^pb\.yml:6:9: copy: unknown argument 'mod'/);
  });

  it('names a wrong type at the value', () => {
    expect(errorsOf(`- hosts: all\n  tasks:\n    - copy:\n        dest: [1]\n        content: y\n`)[0]).toMatch(/^pb\.yml:4:15: copy: 'dest': /);
    expect(errorsOf(`- hosts: all\n  become: maybe\n  tasks: []\n`)[0]).toMatch(/^pb\.yml:2:11: become: expected a boolean/);
  });

  it('names a missing required argument', () => {
    expect(errorsOf(`- hosts: all\n  tasks:\n    - copy:\n        content: y\n`)[0]).toMatch(/^pb\.yml:4:9: copy: missing required argument 'dest'/);
  });

  it('leaves type checks of templated values to run time', () => {
    expect(errorsOf(`- hosts: all\n  tasks:\n    - lineinfile:\n        path: /x\n        line: a\n        create: "{{ make_it }}"\n`)).toEqual([]);
  });

  it('reports template syntax errors with their position', () => {
    expect(errorsOf(`- hosts: all\n  tasks:\n    - command: echo {{ a + }}\n`)[0]).toMatch(/^pb\.yml:3:28: template error: /);
    expect(errorsOf(`- hosts: all\n  tasks:\n    - command: echo hi\n      when: a ==\n`)[0]).toMatch(/^pb\.yml:4:17: when: invalid expression: /);
  });

  it('checks that notified handlers exist', () => {
    expect(errorsOf(`- hosts: all\n  tasks:\n    - command: echo\n      notify: restrat\n  handlers:\n    - name: restart\n      command: echo\n`)[0])
      .toMatch(/^pb\.yml:3:7: task 'command echo' notifies 'restrat', but no handler .* \(did you mean 'restart'\?\)/);
  });

  it('reports several mistakes at once', () => {
    expect(errorsOf(`- hosts: all\n  tasks:\n    - bogus: 1\n    - command: echo\n      loop: 3\n`)).toHaveLength(2);
  });

  it('explains what a playbook is when given something else', () => {
    expect(errorsOf(`hosts: all\n`)[0]).toMatch(/^pb\.yml:1:1: a playbook is a list of plays/);
    expect(errorsOf(`- hosts: all\n  tasks:\n    - command: true\n      command: false\n`)[0]).toMatch(/^pb\.yml:4:7: YAML syntax error: duplicated mapping key/);
  });

  it('accepts serial lists and rejects nonsense', () => {
    expect(parsePlaybook(`- hosts: all\n  serial: [1, "10%", "50%"]\n  tasks: []\n`, 'p').plays[0]!.serial).toEqual([1, '10%', '50%']);
    expect(errorsOf(`- hosts: all\n  serial: lots\n  tasks: []\n`)[0]).toMatch(/^pb\.yml:2:11: serial: expected/);
  });
});
