// template and copy's src: controller files found as Ansible finds them, rendered or read in
// `prepare` (the controller's I/O), then planned as exact writes.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, expect, afterAll } from 'vitest';
import { template } from '../../src/modules/template.js';
import { copy } from '../../src/modules/copy.js';
import { lineinfile } from '../../src/modules/lineinfile.js';
import { searchPath } from '../../src/modules/controller-file.js';
import { fileAt, parsedArgs, planOn, steps } from './support/plan-module.js';
import { validationMessages } from './support/validation.js';
import { parsePlaybook } from '../../src/playbook/load.js';

const dir = mkdtempSync(join(tmpdir(), 'remedy-template-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
mkdirSync(join(dir, 'templates'));
mkdirSync(join(dir, 'files'));
writeFileSync(join(dir, 'templates', 'motd.j2'), '# {{ ansible_managed }}\n{% for u in users %}\nuser {{ u }}\n{% endfor %}\nport={{ port }}\n\n');
writeFileSync(join(dir, 'beside.j2'), 'beside {{ port }}');
writeFileSync(join(dir, 'templates', 'bad.j2'), 'line one\n{{ port + }}\n');
writeFileSync(join(dir, 'files', 'blob'), Buffer.from([0, 1, 2, 255]));

const vars = { users: ['ann', 'bo'], port: 2222 };
// Prepared arguments: the parsed ones plus what prepare loaded (any: each module's own type).
const prepared = (mod: typeof template | typeof copy, raw: Record<string, unknown>): Promise<any> =>
  mod.prepare!(parsedArgs(mod as typeof template, raw) as never, { vars, baseDirs: [dir] });

describe('where src is looked for (DataLoader.path_dwim_relative_stack)', () => {
  it('templates/ (or files/) next to the playbook first, then the playbook directory; absolute as is', () => {
    expect(searchPath('templates', 'a.j2', ['/pb'])).toEqual(['/pb/templates/a.j2', '/pb/a.j2']);
    expect(searchPath('templates', 'templates/a.j2', ['/pb'])).toEqual(['/pb/templates/a.j2']);
    expect(searchPath('files', '/abs/x', ['/pb'])).toEqual(['/abs/x']);
  });
  it('a missing src names where it looked', async () => {
    await expect(prepared(template, { src: 'nope.j2', dest: '/x' })).rejects.toThrow(`could not find src nope.j2 on the controller; searched: ${dir}/templates/nope.j2, ${dir}/nope.j2`);
  });
});

describe('template', () => {
  it('renders with the host vars: loops, trim_blocks, ansible_managed, every trailing newline kept', async () => {
    const a = await prepared(template, { src: 'motd.j2', dest: '/etc/motd' });
    expect(a.rendered!.toString()).toBe('# Ansible managed\nuser ann\nuser bo\nport=2222\n\n');
    expect((await prepared(template, { src: 'beside.j2', dest: '/x' })).rendered!.toString()).toBe('beside 2222');
  });
  it('a template syntax error names the template file:line:col', async () => {
    await expect(prepared(template, { src: 'bad.j2', dest: '/x' })).rejects.toThrow(new RegExp(`^template ${dir}/templates/bad.j2:2:\\d+: `));
  });
  it('plans the exact bytes; idempotent; mode and backup as copy', async () => {
    const a = await prepared(template, { src: 'beside.j2', dest: '/etc/b', mode: '0600', backup: true });
    const created = planOn(template, a, { files: {} }, { parsed: true }).plan;
    expect(steps(created)).toEqual(['write /etc/b 0600: beside 2222']); // nothing to back up yet
    expect(planOn(template, a, { files: { '/etc/b': fileAt('beside 2222', { mode: '0600' }) } }, { parsed: true }).plan.kind).toBe('ok');
    const changed = planOn(template, a, { files: { '/etc/b': fileAt('old', { mode: '0600' }) } }, { parsed: true }).plan;
    expect(steps(changed)).toEqual([expect.stringMatching(/^cp -p -- \/etc\/b '\/etc\/b\.4242\.2026-12-03@09:05:07~'$/), 'write /etc/b 0600: beside 2222']);
  });
});

describe('copy: src', () => {
  it("registers Ansible's copy result: dest, checksum (sha1), size, state, mode", () => {
    const fresh = planOn(copy, { dest: '/etc/n', content: 'hello\n' }, { files: {} }).plan;
    expect(fresh).toMatchObject({ registered: { dest: '/etc/n', checksum: 'f572d396fae9206628714fb2ce00f72e94f2258f', size: 6, state: 'file', mode: '0644' } });
    expect(planOn(copy, { dest: '/etc/n', content: 'hello\n' }, { files: { '/etc/n': fileAt('hello\n', { mode: '0600' }) } }).plan)
      .toEqual({ kind: 'ok', registered: { changed: false, failed: false, dest: '/etc/n', checksum: 'f572d396fae9206628714fb2ce00f72e94f2258f', size: 6, state: 'file', mode: '0600' } });
  });
  it('reads files/<src> byte for byte', async () => {
    const a = await prepared(copy, { src: 'blob', dest: '/etc/blob' });
    expect(planOn(copy, a, { files: {} }, { parsed: true }).plan).toMatchObject({ kind: 'change', changes: [{ kind: 'write', content: Buffer.from([0, 1, 2, 255]) }] });
  });
  it('refuses a directory as src', async () => {
    await expect(prepared(copy, { src: dir, dest: '/x' })).rejects.toThrow(/is a directory/);
  });
  it('src and content are exclusive, one is needed: file:line:col', () => {
    const errs = validationMessages(() => parsePlaybook(`- hosts: all\n  tasks:\n    - copy: {src: a, content: b, dest: /x}\n    - copy: {dest: /x}\n`, 'pb.yml'));
    expect(errs).toEqual([expect.stringMatching(/^pb\.yml:3:13: copy: 'src' and 'content' are mutually exclusive/), expect.stringMatching(/^pb\.yml:4:13: copy: needs 'src' or 'content'/)]);
  });
  it('backup: only when the content changes (not for a mode change); lineinfile too', () => {
    const host = { files: { '/etc/c': fileAt('same', { mode: '0644' }) } };
    expect(steps(planOn(copy, { dest: '/etc/c', content: 'same', mode: '0600', backup: true }, host).plan)).toEqual(['write /etc/c 0600: same']);
    expect(planOn(copy, { dest: '/etc/c', content: 'new', backup: 'yes' }, host).plan).toMatchObject({ changes: [{ kind: 'run', registers: false }, { kind: 'write' }] });
    expect(planOn(lineinfile, { path: '/etc/c', line: 'more', backup: true }, host, { check: true }).plan).toMatchObject({ changes: [{ kind: 'run' }, { kind: 'write' }] });
    expect(planOn(lineinfile, { path: '/etc/c', line: 'more', backup: true }, host, { check: true }).plan).not.toHaveProperty('registered.backup');
    // lineinfile names the copy `backup`, as ansible.builtin.lineinfile returns it
    expect(planOn(lineinfile, { path: '/etc/c', line: 'more', backup: true }, host).plan).toHaveProperty('registered.backup', expect.stringMatching(/^\/etc\/c\.4242\./));
  });
});
