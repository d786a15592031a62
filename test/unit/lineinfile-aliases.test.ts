import { describe, it, expect } from 'vitest';
import { lineinfile } from '../../src/modules/lineinfile.js';
import { checkModuleArgs, parseModuleArgs } from '../../src/playbook/args.js';
import { parsePlaybook } from '../../src/playbook/load.js';
import { ValidationError } from '../../src/errors.js';

describe('lineinfile argument aliases (as ansible.builtin.lineinfile declares them)', () => {
  it.each(['dest', 'destfile', 'name'])('%s: means path', (alias) => {
    const r = parseModuleArgs(lineinfile, { [alias]: '/etc/x', line: 'a' });
    expect(r.ok && (r.value as { path: string }).path).toBe('/etc/x');
  });
  it('regex: means regexp and value: means line', () => {
    const r = parseModuleArgs(lineinfile, { path: '/etc/x', regex: '^a', value: 'b' });
    expect(r.ok && r.value).toMatchObject({ regexp: '^a', line: 'b' });
  });
  it('refuses the same argument under two names', () => {
    expect(checkModuleArgs(lineinfile, { path: '/a', dest: '/b', line: 'x' })).toEqual([
      { path: ['dest'], message: "'dest' and 'path' are the same argument ('path'); give it once", atKey: true },
    ]);
  });
  it('reports an issue under the name the playbook wrote, at its file:line:col', () => {
    let msg = '';
    try {
      parsePlaybook(`- hosts: all\n  tasks:\n    - lineinfile: {dest: /x, line: a, regex: "("}\n`, 'pb.yml');
    } catch (e) {
      msg = (e as ValidationError).message;
    }
    expect(msg).toMatch(/^pb\.yml:3:46: lineinfile: 'regex': invalid regular expression/);
  });
  it('leaves a templated alias for run time', () => {
    expect(checkModuleArgs(lineinfile, { dest: '{{ f }}', line: 'a' })).toEqual([]);
  });
});
