// lineinfile's result as ansible.builtin.lineinfile gives it — the messages its users' asserts
// and rescue blocks test for ('line added', 'line replaced', 'N line(s) removed', found, the
// missing destination's words and rc) — and create: true making the missing directories,
// which rollback removes again. The words are Ansible's own (lib/ansible/modules/lineinfile.py).
import { describe, it, expect } from 'vitest';
import { lineinfile } from '../../src/modules/lineinfile.js';
import { dirAt, fileAt, planOn, steps } from './support/plan-module.js';

const root = { '/': dirAt(), '/etc': dirAt() };
const host = { files: { ...root, '/etc/f': fileAt('a\nb\n') } };
const plan = (args: Record<string, unknown>, h = host) => planOn(lineinfile, args, h).plan as any;

describe('lineinfile results', () => {
  it("says 'line added', 'line replaced' and 'N line(s) removed' with found", () => {
    expect(plan({ path: '/etc/f', line: 'c' }).registered).toEqual({ msg: 'line added' });
    expect(plan({ path: '/etc/f', line: 'B', regexp: '^b' }).registered).toEqual({ msg: 'line replaced' });
    expect(plan({ path: '/etc/f', state: 'absent', regexp: '^[ab]$' }).registered).toEqual({ msg: '2 line(s) removed', found: 2 });
  });
  it('unchanged: an empty msg (and found 0 for absent)', () => {
    expect(plan({ path: '/etc/f', line: 'a' })).toEqual({ kind: 'ok', registered: { msg: '' } });
    expect(plan({ path: '/etc/f', state: 'absent', line: 'zz' })).toEqual({ kind: 'ok', registered: { msg: '', found: 0 } });
  });
  it("a missing file: Ansible's words, and rc 257 without create", () => {
    expect(plan({ path: '/etc/nope', line: 'x' })).toEqual({ kind: 'fail', message: 'Destination /etc/nope does not exist !', registered: { rc: 257 } });
    expect(plan({ path: '/etc/nope', state: 'absent', line: 'x' })).toMatchObject({ kind: 'ok', registered: { msg: 'file not present' } });
  });
  it('create: true makes the missing directories first (undone on rollback), reading every ancestor in one round', () => {
    const { plan: p, reads } = planOn(lineinfile, { path: '/etc/a/b/x.conf', line: 'x', create: true }, { files: root });
    expect(reads).toEqual(['/etc/a/b/x.conf', '/etc/a/b', '/etc/a', '/etc', '/']);
    expect(steps(p)).toEqual(['mkdir -- /etc/a', 'mkdir -- /etc/a/b', 'write /etc/a/b/x.conf 0644: x\n']);
    expect(p).toMatchObject({ kind: 'change', changes: [{ undo: 'rmdir -- /etc/a', undoOnRollback: true }, { undo: 'rmdir -- /etc/a/b' }, { kind: 'write', path: '/etc/a/b/x.conf' }] });
  });
  it('create: true under a file that is no directory fails as Ansible does, naming the parent', () => {
    const p = plan({ path: '/etc/f/x', line: 'x', create: true });
    expect(p).toMatchObject({ kind: 'fail', message: /^Error creating \/etc\/f \(\/etc\/f exists and is not a directory/ });
  });
});
