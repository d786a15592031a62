import { describe, it, expect } from 'vitest';
import { parsePlaybook } from '../../src/playbook/load.js';
import { validationMessages } from './support/validation.js';

const errorsOf = (text: string): string[] => validationMessages(() => parsePlaybook(text, 'pb.yml'));

const task = (yaml: string) => parsePlaybook(`- hosts: all\n  tasks:\n${yaml}`, 'pb.yml').plays[0]!.tasks[0]!;

describe('task keyword args:', () => {
  it('merges under the free-form command', () => {
    expect(task(`    - command: pwd\n      args: {chdir: /tmp, creates: /x}\n`).args).toEqual({ cmd: 'pwd', chdir: '/tmp', creates: '/x' });
  });
  it('lets the inline arguments win, as Ansible does', () => {
    expect(task(`    - command: {cmd: pwd, chdir: /tmp}\n      args: {chdir: /}\n`).args).toEqual({ cmd: 'pwd', chdir: '/tmp' });
  });
  it('names an unknown argument under args: at its own file:line:col', () => {
    expect(errorsOf(`- hosts: all\n  tasks:\n    - command: pwd\n      args: {chdir: /tmp, bogus: 1}\n`))
      .toEqual([expect.stringMatching(/^pb\.yml:4:27: command: unknown argument 'bogus'/)]);
  });
  it('refuses args: that is not a mapping', () => {
    expect(errorsOf(`- hosts: all\n  tasks:\n    - command: pwd\n      args: chdir=/tmp\n`))
      .toEqual([expect.stringMatching(/^pb\.yml:4:13: args: expected a mapping/)]);
  });
  it('checks templates under args:', () => {
    expect(errorsOf(`- hosts: all\n  tasks:\n    - command: pwd\n      args: {chdir: "{{ x "}\n`)).toEqual([expect.stringMatching(/^pb\.yml:4:/)]);
  });
});
