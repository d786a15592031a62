import { describe, it, expect } from 'vitest';
import { createHash } from 'node:crypto';
import { stat, checksumProbe } from '../../src/modules/stat.js';
import { dirAt, fileAt, planOn } from './support/plan-module.js';
import { validationMessages } from './support/validation.js';
import { parsePlaybook } from '../../src/playbook/load.js';

const registered = (p: ReturnType<typeof planOn>['plan']) => (p.kind === 'ok' ? p.registered : { plan: p });

describe('stat', () => {
  it('registers a regular file as Ansible does (sha1 checksum, permission bits)', () => {
    const { plan } = planOn(stat, { path: '/etc/x' }, { files: { '/etc/x': fileAt('hello\n', { mode: '0640', uid: 0, gid: 4, group: 'adm' }) } });
    expect(registered(plan)).toEqual({
      changed: false, failed: false,
      stat: {
        exists: true, path: '/etc/x', mode: '0640', isdir: false, isreg: true, islnk: false, uid: 0, gid: 4, pw_name: 'root', gr_name: 'adm', size: 6,
        rusr: true, wusr: true, xusr: false, rgrp: true, wgrp: false, xgrp: false, roth: false, woth: false, xoth: false, isuid: false, isgid: false,
        checksum: 'f572d396fae9206628714fb2ce00f72e94f2258f',
      },
    });
  });
  it('a missing path: exists false and nothing else', () => {
    expect(registered(planOn(stat, { path: '/nope' }, { files: {} }).plan)).toEqual({ changed: false, failed: false, stat: { exists: false } });
  });
  it('a directory: no checksum, its own size', () => {
    const st = (registered(planOn(stat, { name: '/d' }, { files: { '/d': dirAt() } }).plan) as { stat: Record<string, unknown> }).stat;
    expect(st).toMatchObject({ isdir: true, isreg: false, mode: '0755', size: 4096, xoth: true });
    expect(st).not.toHaveProperty('checksum');
  });
  it('checksum_algorithm (alias checksum), and get_checksum: no', () => {
    const host = { files: { '/f': fileAt('abc') } };
    const sha256 = createHash('sha256').update('abc').digest('hex');
    expect((registered(planOn(stat, { dest: '/f', checksum: 'sha256' }, host).plan) as { stat: { checksum: string } }).stat.checksum).toBe(sha256);
    expect((registered(planOn(stat, { path: '/f', get_checksum: 'no' }, host).plan) as { stat: object }).stat).not.toHaveProperty('checksum');
  });
  it('a symlink without follow is the link (islnk, lnk_source); with follow, its target', () => {
    const host = { files: { '/l': fileAt('x', { link: '/real' }) } };
    expect((registered(planOn(stat, { path: '/l' }, host).plan) as { stat: object }).stat).toEqual({ exists: true, path: '/l', islnk: true, isreg: false, isdir: false, mode: '0777', lnk_source: '/real' });
    expect((registered(planOn(stat, { path: '/l', follow: true }, host).plan) as { stat: object }).stat).toMatchObject({ isreg: true, islnk: false, size: 1 });
  });
  it("a file too large to fetch gets its checksum from the host's sha1sum", () => {
    const probe = checksumProbe('/big', 'sha1');
    const { plan, probes } = planOn(stat, { path: '/big' }, {
      files: { '/big': { kind: 'large', size: 9e6, mode: '0644', uid: 0, gid: 0, owner: 'root', group: 'root' } },
      probes: { [probe]: { code: 0, stdout: `${'a'.repeat(40)}  /big\n`, stderr: '' } },
    });
    expect(probes).toEqual(['sha1sum -- /big']);
    expect((registered(plan) as { stat: object }).stat).toMatchObject({ size: 9e6, checksum: 'a'.repeat(40) });
  });
  it('refuses unknown algorithms and arguments at file:line:col', () => {
    const errs = validationMessages(() => parsePlaybook(`- hosts: all\n  tasks:\n    - stat: {path: /x, checksum_algorithm: crc32}\n    - stat: {path: /x, folow: true}\n`, 'pb.yml'));
    expect(errs).toEqual([expect.stringMatching(/^pb\.yml:3:44: stat: 'checksum_algorithm'/), expect.stringMatching(/^pb\.yml:4:24: stat: unknown argument 'folow'/)]);
  });
});
