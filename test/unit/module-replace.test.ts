import { describe, it, expect } from 'vitest';
import { replace, replaceText } from '../../src/modules/replace.js';
import { fileAt, parsedArgs, planOn, steps, CLOCK } from './support/plan-module.js';
import { validationMessages } from './support/validation.js';
import { parsePlaybook } from '../../src/playbook/load.js';
import { pyExpand, pyRegex } from '../../src/modules/py-regex.js';

const text = (t: string, args: Record<string, unknown>) => replaceText(t, parsedArgs(replace, { path: '/f', ...args })).text;

describe('replace: Python re semantics', () => {
  it('MULTILINE: ^ and $ at every line; backreferences \\1 and \\g<name>', () => {
    expect(text('a 1\nb 2\na 3\n', { regexp: '^a (\\d)$', replace: 'A \\1' })).toBe('A 1\nb 2\nA 3\n');
    expect(text('x=1\n', { regexp: '(?P<k>\\w)=(?P<v>\\d)', replace: '\\g<v>=\\g<k>' })).toBe('1=x\n');
  });
  it('after/before bound the section (DOTALL between them)', () => {
    expect(text('a\n[s]\nx=1\n[t]\nx=1\n', { regexp: 'x=1', replace: 'x=2', after: '\\[s\\]', before: '\\[t\\]' })).toBe('a\n[s]\nx=2\n[t]\nx=1\n');
  });
  it('$ and & in the replacement are literal; escapes \\t \\\\ are Python\'s', () => {
    expect(text('keep\n', { regexp: 'keep', replace: '$1 $& kept' })).toBe('$1 $& kept\n');
    expect(text('tab\n', { regexp: 'tab', replace: 'a\\tb\\\\c' })).toBe('a\tb\\c\n');
  });
  it('translates Python-only syntax and refuses what JS cannot mean', () => {
    expect(pyRegex('(?P<a>x)(?P=a)').test('xx')).toBe(true);
    expect(pyRegex('[]a]').test(']')).toBe(true);
    expect(() => pyRegex('(a)?(?(1)b|c)')).toThrow(/conditional/);
    expect(() => pyExpand('\\q', ['x'] as unknown as RegExpExecArray)).toThrow(/bad escape/);
    expect(() => pyExpand('\\3', ['x'] as unknown as RegExpExecArray)).toThrow(/invalid group/);
  });
  it('plans the exact new content as one write, and nothing when the text is already so', () => {
    const host = { files: { '/etc/f': fileAt('a=1\n', { mode: '0600' }) } };
    const { plan } = planOn(replace, { path: '/etc/f', regexp: '1', replace: '2' }, host);
    expect(plan).toMatchObject({ kind: 'change', message: '1 replacements made' });
    expect(steps(plan)).toEqual(['write /etc/f 0600: a=2\n']);
    expect(planOn(replace, { path: '/etc/f', regexp: '1', replace: '1' }, host).plan.kind).toBe('ok');
    expect(planOn(replace, { path: '/etc/f', regexp: 'z', replace: 'y', mode: '0644' }, host).plan).toMatchObject({ kind: 'change', changes: [{ kind: 'write', mode: '0644' }] });
  });
  it('backup: a cp -p to dest.PID.YYYY-MM-DD@HH:MM:SS~ first, registered as backup_file', () => {
    const { plan } = planOn(replace, { path: '/etc/f', regexp: '1', replace: '2', backup: true }, { files: { '/etc/f': fileAt('a=1\n') } });
    const name = `/etc/f.${CLOCK.pid}.2026-12-03@09:05:07~`;
    expect(steps(plan)).toEqual([`cp -p -- /etc/f '${name}'`, 'write /etc/f 0644: a=2\n']);
    expect(plan).toMatchObject({ registered: { backup_file: name }, changes: [{ saves: [name] }, { kind: 'write' }] });
  });
  it('a missing file fails as Ansible does', () => {
    expect(planOn(replace, { path: '/nope', regexp: 'a' }, { files: {} }).plan).toEqual({ kind: 'fail', message: 'Path /nope does not exist !', registered: { rc: 257 } });
  });
  it('argument errors name file:line:col', () => {
    const errs = validationMessages(() => parsePlaybook(`- hosts: all\n  tasks:\n    - replace: {path: /x, regexp: "(", replace: a}\n    - replace: {path: /x}\n`, 'pb.yml'));
    expect(errs).toEqual([expect.stringMatching(/^pb\.yml:3:35: replace: 'regexp': invalid regular expression/), expect.stringMatching(/^pb\.yml:4:16: replace: missing required argument 'regexp'/)]);
  });
});
