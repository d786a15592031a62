import { describe, it, expect } from 'vitest';
import { file, emptyProbe } from '../../src/modules/file.js';
import { dirAt, fileAt, planOn, steps } from './support/plan-module.js';
import { validationMessages } from './support/validation.js';
import { parsePlaybook } from '../../src/playbook/load.js';

const root = { '/': dirAt(), '/etc': dirAt() };

describe('file: directory', () => {
  it('makes each missing directory, outermost first, each with the mode; rollback removes them', () => {
    const { plan, reads } = planOn(file, { path: '/etc/a/b', state: 'directory', mode: '0750' }, { files: root });
    expect(reads).toEqual(['/etc/a/b', '/etc/a', '/etc', '/']); // in one round
    expect(steps(plan)).toEqual(['mkdir -- /etc/a && chmod 0750 -- /etc/a', 'mkdir -- /etc/a/b && chmod 0750 -- /etc/a/b']);
    expect(plan).toMatchObject({ changes: [{ undo: 'rmdir -- /etc/a', undoOnRollback: true }, { undo: 'rmdir -- /etc/a/b', undoOnRollback: true }] });
  });
  it('a deep new tree is read in one round and made level by level', () => {
    const { plan } = planOn(file, { path: '/etc/a/b/c/d/e/f/g', state: 'directory' }, { files: root });
    expect(steps(plan)).toHaveLength(7);
  });
  it('is idempotent, and fixes mode and owner of an existing one (undone on rollback)', () => {
    const host = { files: { ...root, '/etc/d': dirAt({ mode: '0755' }) } };
    expect(planOn(file, { path: '/etc/d', state: 'directory', mode: '0755', owner: 'root' }, host).plan.kind).toBe('ok');
    const { plan } = planOn(file, { path: '/etc/d', state: 'directory', mode: '0700', owner: 'nobody', group: 0 }, host);
    expect(steps(plan)).toEqual(['chown nobody:0 -- /etc/d', 'chmod 0700 -- /etc/d']);
    expect(plan).toMatchObject({ changes: [{ undo: 'chown 0:0 -- /etc/d' }, { undo: 'chmod 0755 -- /etc/d' }] });
  });
  it('refuses a path that exists as a file, or under one', () => {
    expect(planOn(file, { path: '/etc/f', state: 'directory' }, { files: { ...root, '/etc/f': fileAt('') } }).plan).toMatchObject({ kind: 'fail', message: '/etc/f already exists as a file' });
    expect(planOn(file, { path: '/etc/f/x', state: 'directory' }, { files: { ...root, '/etc/f': fileAt('') } }).plan).toMatchObject({ kind: 'fail', message: /\/etc\/f exists and is not a directory/ });
  });
});

describe('file: file, touch, absent', () => {
  const host = { files: { ...root, '/etc/f': fileAt('x', { mode: '0644' }) } };
  it('state=file: attributes of an existing file, backed up first (saves); absent fails as in Ansible', () => {
    const { plan } = planOn(file, { path: '/etc/f', mode: '0600' }, host);
    expect(steps(plan)).toEqual(['chmod 0600 -- /etc/f']);
    expect(plan).toMatchObject({ changes: [{ saves: ['/etc/f'] }] });
    expect(planOn(file, { path: '/etc/f', mode: '0644' }, host).plan.kind).toBe('ok');
    expect(planOn(file, { path: '/etc/g', state: 'file' }, host).plan).toEqual({ kind: 'fail', message: 'file (/etc/g) is absent, cannot continue' });
  });
  it('without state, an existing directory is a directory', () => {
    expect(planOn(file, { path: '/etc', mode: '0755' }, host).plan.kind).toBe('ok');
  });
  it('touch: creates with the attributes (saved: rollback removes it); always changed, as in Ansible', () => {
    const made = planOn(file, { path: '/etc/new', state: 'touch', mode: '0600', owner: 'nobody' }, host).plan;
    expect(steps(made)).toEqual(['touch -- /etc/new', 'chown nobody -- /etc/new', 'chmod 0600 -- /etc/new']);
    expect(made).toMatchObject({ changes: [{ saves: ['/etc/new'] }, { saves: ['/etc/new'] }, { saves: ['/etc/new'] }] });
    expect(steps(planOn(file, { path: '/etc/f', state: 'touch' }, host).plan)).toEqual(['touch -- /etc/f']);
  });
  it('absent: a file removed after its backup; an empty directory with its way back; a missing one is ok', () => {
    expect(planOn(file, { path: '/etc/f', state: 'absent' }, host).plan).toMatchObject({ kind: 'change', changes: [{ command: 'rm -f -- /etc/f', saves: ['/etc/f'] }] });
    expect(planOn(file, { path: '/etc/none', state: 'absent' }, host).plan.kind).toBe('ok');
    const dirHost = (ls: string) => ({ files: { ...root, '/etc/d': dirAt({ mode: '0711', uid: 5, gid: 6 }) }, probes: { [emptyProbe('/etc/d')]: { code: 0, stdout: ls, stderr: '' } } });
    const { plan, probes } = planOn(file, { path: '/etc/d', state: 'absent' }, dirHost(''));
    expect(probes).toEqual(['ls -A -- /etc/d']);
    expect(plan).toMatchObject({ changes: [{ command: 'rmdir -- /etc/d', undo: 'mkdir -- /etc/d && chown 5:6 -- /etc/d && chmod 0711 -- /etc/d', undoOnRollback: true }] });
    expect(planOn(file, { path: '/etc/d', state: 'absent' }, dirHost('x\n')).plan).toMatchObject({ kind: 'fail', message: /not empty/ });
  });
  it('refuses links: removing one, follow: false on one; changes a link\'s target', () => {
    const l = { files: { ...root, '/etc/l': fileAt('x', { link: '/etc/f' }) } };
    expect(planOn(file, { path: '/etc/l', state: 'absent' }, l).plan).toMatchObject({ kind: 'fail', message: /symbolic link/ });
    expect(planOn(file, { path: '/etc/l', follow: false, mode: '0600' }, l).plan).toMatchObject({ kind: 'fail', message: /follow: false/ });
    expect(steps(planOn(file, { path: '/etc/l', mode: '0600' }, l).plan)).toEqual(['chmod 0600 -- /etc/f']);
  });
});

describe('file: arguments', () => {
  it('refuses recurse, src and relative paths at file:line:col; dest and name mean path', () => {
    const errs = validationMessages(() => parsePlaybook(
      `- hosts: all\n  tasks:\n    - file: {path: /d, state: directory, recurse: yes}\n    - file: {dest: x}\n    - file: {name: /a, src: /b, state: link}\n    - file: {path: /a, state: hard}\n`, 'pb.yml'));
    expect(errs).toEqual([
      expect.stringMatching(/^pb\.yml:3:51: file: 'recurse': true is not supported/),
      expect.stringMatching(/^pb\.yml:4:20: file: 'dest': expected an absolute path/),
      expect.stringMatching(/^pb\.yml:5:40: file: 'state': link and hard are not supported/),
      expect.stringMatching(/^pb\.yml:5:29: file: 'src': not supported/),
      expect.stringMatching(/^pb\.yml:6:31: file: 'state': link and hard are not supported/),
    ]);
  });
});
