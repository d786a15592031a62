import { describe, it, expect } from 'vitest';
import { editLines, lineinfile } from '../../src/modules/lineinfile.js';
import type { FileState } from '../../src/engine/change.js';
import { parseFacts } from '../../src/facts.js';

const edit = (text: string, args: Record<string, unknown>) => editLines(text, lineinfile.args.parse({ path: '/f', ...args }));

describe('lineinfile edits (Ansible semantics)', () => {
  it('replaces the LAST regexp match by default, the first with firstmatch', () => {
    const t = 'Port 22\nX\nPort 2222\n';
    expect(edit(t, { regexp: '^Port ', line: 'Port 2200' })).toBe('Port 22\nX\nPort 2200\n');
    expect(edit(t, { regexp: '^Port ', line: 'Port 2200', firstmatch: true })).toBe('Port 2200\nX\nPort 2222\n');
  });
  it('appends at EOF when nothing matches, adding the missing newline first', () => {
    expect(edit('a\nb', { line: 'c' })).toBe('a\nb\nc\n');
    expect(edit('', { line: 'c' })).toBe('c\n');
  });
  it('is idempotent when the line exists', () => {
    expect(edit('a\nc\n', { line: 'c', regexp: '^x' })).toBe('a\nc\n');
    expect(edit('a\nc\n', { line: 'c' })).toBe('a\nc\n');
  });
  it('inserts after/before the last matching anchor', () => {
    expect(edit('a\nb\na\n', { line: 'N', insertafter: '^a' })).toBe('a\nb\na\nN\n');
    expect(edit('a\nb\na\n', { line: 'N', insertafter: '^a', firstmatch: true })).toBe('a\nN\nb\na\n');
    expect(edit('a\nMatch x\n', { line: 'N', insertbefore: '^Match' })).toBe('a\nN\nMatch x\n');
    expect(edit('a\n', { line: 'N', insertbefore: 'BOF' })).toBe('N\na\n');
  });
  it('keeps CRLF line endings and every other byte', () => {
    expect(edit('a\r\nb\r\n', { regexp: '^b', line: 'B' })).toBe('a\r\nB\r\n');
    expect(edit('a\r\n', { line: 'z' })).toBe('a\r\nz\r\n');
  });
  it('expands backrefs and changes nothing without a match', () => {
    expect(edit('MaxStartups 10:30:100\n', { regexp: '^MaxStartups (\\d+):', line: 'MaxStartups \\1:50:200', backrefs: true })).toBe('MaxStartups 10:50:200\n');
    expect(edit('x\n', { regexp: '^nomatch(.)', line: '\\1', backrefs: true })).toBe('x\n');
  });
  it('removes every matching line with state=absent', () => {
    expect(edit('sshd: 1.2.3.4\nALL: x\nsshd: 1.2.3.4\n', { state: 'absent', line: 'sshd: 1.2.3.4' })).toBe('ALL: x\n');
    expect(edit('a1\nb\na2\n', { state: 'absent', regexp: '^a' })).toBe('b\n');
  });
});

describe('lineinfile plan', () => {
  const facts = parseFacts('');
  const file = (content: string, mode = '0640'): FileState => ({ path: '/f', kind: 'file', content: Buffer.from(content), mode, uid: 0, gid: 0, owner: 'root', group: 'root' });
  const plan = (state: FileState, args: Record<string, unknown>) =>
    lineinfile.plan(lineinfile.args.parse({ path: '/f', ...args }), { facts, check: true, file: () => state, probe: () => { throw new Error('no probes'); }, vars: {} });

  it('plans nothing when nothing changes', () => {
    expect(plan(file('a\n'), { line: 'a' })).toEqual({ kind: 'ok', registered: { msg: '' } });
  });
  it('keeps mode and owner of an existing file', () => {
    const p = plan(file('a\n'), { line: 'b' });
    expect(p.kind).toBe('change');
    if (p.kind !== 'change') return;
    expect(p.changes[0]).toMatchObject({ kind: 'write', mode: '0640', owner: '0', group: '0' });
  });
  it('plans a mode-only change', () => {
    const p = plan(file('a\n'), { line: 'a', mode: '0600' });
    expect(p.kind === 'change' && p.changes[0]!.kind === 'write' && p.changes[0]!.content.toString()).toBe('a\n');
  });
  it('fails on a missing file unless create is set', () => {
    const absent: FileState = { path: '/f', kind: 'absent' };
    expect(plan(absent, { line: 'a' })).toMatchObject({ kind: 'fail' });
    expect(plan(absent, { line: 'a', create: 'yes' })).toMatchObject({ kind: 'change' });
  });
});
