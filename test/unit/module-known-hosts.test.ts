import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { FileState } from '../../src/engine/change.js';
import { parseFacts } from '../../src/facts.js';
import { parseKnownHostsLines, removeKnownHost } from '../../src/formats/known-hosts-edit.js';
import { controllerPath, knownHosts } from '../../src/modules/known-hosts.js';
import { verifySsh } from '../../src/modules/verify-ssh.js';
import { hashHostName } from '../../src/transport/known-hosts.js';

// A real ed25519 key (ssh-keygen -R does not decode keys, but ssh-keygen -H needs real ones).
const K1 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFhTqKcqOqifZURCjjHIZs0+++oVpe0h6lsceDmQeHPm';
const K2 = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICswgHIJxDKbPt6/d66u7lbYtM6GtKXq+ZP5szhmPjVk';
const salt = (n: number) => Buffer.alloc(20, n);

/** Every kind of line ssh-keygen -R has an opinion about. */
const FIXTURE = [
  '# known hosts of the test user',
  '',
  `foo ${K1}`,
  `Foo ${K2}`,
  `bar,foo,baz ${K1}`,
  `bar,10.0.0.1 ${K2}`,
  `[foo]:2222 ${K1}`,
  `[foo]:2222,[10.0.0.1]:2222 ${K2}`,
  `*.example.com ${K1}`,
  `fo? ${K2}`,
  `!foo,f* ${K1}`,
  `@revoked foo ${K2}`,
  `@cert-authority *.example.com ${K1}`,
  `${hashHostName('foo', salt(1))} ${K1}`,
  `${hashHostName('[foo]:2222', salt(2))} ${K2}`,
  `${hashHostName('bar', salt(3))} ${K1}`,
  `${hashHostName('10.0.0.1', salt(4))} ${K2}`,
  `  foo ${K1} trailing comment`,
  `foo\t${K2}`,
  `   # indented comment foo ${K1}`,
  `::1 ${K1}`,
  `[::1]:2200 ${K2}`,
  `foo ${K2}`,
  '',
].join('\n');

const hasKeygen = spawnSync('ssh-keygen', ['-?']).error === undefined;
const tmp = mkdtempSync(join(tmpdir(), 'remedy-kh-mod-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let n = 0;
/** Real `ssh-keygen -f copy -R name`: the resulting bytes (the .old backup aside). */
function keygenR(content: Buffer | string, name: string): { after: Buffer; code: number | null } {
  const file = join(tmp, `kh${n++}`);
  writeFileSync(file, content);
  const r = spawnSync('ssh-keygen', ['-f', file, '-R', name], { encoding: 'utf8' });
  return { after: readFileSync(file), code: r.status };
}
const ours = (content: Buffer | string, name: string) =>
  Buffer.from(removeKnownHost(Buffer.from(content).toString('latin1'), name).text, 'latin1');

describe('known_hosts removal is ssh-keygen -R', () => {
  it('classifies comments, blanks, entries and markers', () => {
    const kinds = parseKnownHostsLines(FIXTURE).map((l) => `${l.kind}${l.marker ? `:${l.marker}` : ''}`);
    expect(kinds.slice(0, 3)).toEqual(['comment', 'blank', 'entry']);
    expect(kinds[11]).toBe('entry:revoked');
    expect(kinds[12]).toBe('entry:cert-authority');
    expect(kinds).not.toContain('invalid');
  });

  it('removes whole lines: plain, any case, comma lists, wildcards, hashed; keeps markers, ports, comments', () => {
    const r = removeKnownHost(FIXTURE, 'foo');
    expect(r.removed.map((l) => l.line)).toEqual([3, 4, 5, 10, 14, 18, 19, 23]);
    expect(r.keptMarked.map((l) => l.line)).toEqual([12]);
    expect(r.text).toContain(`[foo]:2222 ${K1}`);
    expect(r.text).toContain(`!foo,f* ${K1}`); // the negation vetoes the line
    expect(r.text).toContain(`   # indented comment foo ${K1}`);
    expect(r.text.startsWith('# known hosts of the test user\n\nbar,10.0.0.1')).toBe(true);
  });

  it('[host]:port only removes the port entries', () => {
    const r = removeKnownHost(FIXTURE, '[foo]:2222');
    expect(r.removed.map((l) => l.line)).toEqual([7, 8, 15]);
  });

  it.skipIf(!hasKeygen)('is byte-identical to ssh-keygen -R for a range of names', () => {
    for (const name of ['foo', 'bar', '[foo]:2222', '[10.0.0.1]:2222', 'a.example.com', '10.0.0.1', '::1', '[::1]:2200', 'fx', 'absent.example.org']) {
      const real = keygenR(FIXTURE, name);
      expect(real.code, name).toBe(0);
      expect(ours(FIXTURE, name).toString('latin1'), name).toBe(real.after.toString('latin1'));
    }
  });

  it.skipIf(!hasKeygen)('differs on purpose: an upper-case name also removes hashed entries (ssh lowercases names)', () => {
    const real = keygenR(FIXTURE, 'FOO').after.toString('latin1');
    const mine = ours(FIXTURE, 'FOO').toString('latin1');
    expect(mine).toBe(ours(FIXTURE, 'foo').toString('latin1'));
    expect(real).toContain(`${hashHostName('foo', salt(1))} ${K1}\n`);
    expect(real.replace(`${hashHostName('foo', salt(1))} ${K1}\n`, '')).toBe(mine);
  });

  it.skipIf(!hasKeygen)('matches ssh-keygen on a file hashed by ssh-keygen -H', () => {
    const file = join(tmp, 'hashed');
    writeFileSync(file, `foo,bar ${K1}\n[foo]:2222 ${K2}\n# note\nbaz ${K1}\n@revoked foo ${K2}\n`);
    execFileSync('ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' });
    const hashed = readFileSync(file);
    expect(hashed.toString()).toMatch(/^\|1\|/);
    for (const name of ['foo', 'bar', '[foo]:2222', 'baz', 'nothing']) {
      expect(ours(hashed, name).toString('latin1'), name).toBe(keygenR(hashed, name).after.toString('latin1'));
    }
    expect(removeKnownHost(hashed.toString('latin1'), 'foo').removed).toHaveLength(1);
  });

  it.skipIf(!hasKeygen)('keeps CRLF and other odd bytes exactly as ssh-keygen does', () => {
    const crlf = Buffer.concat([
      Buffer.from(`foo ${K1}\r\nbar ${K2}\r\n`),
      Buffer.from([0x23, 0xff, 0xfe, 0x0a]), // a comment that is not UTF-8
      Buffer.from(`foo ${K2}\r\n`),
    ]);
    const got = ours(crlf, 'foo');
    expect(got.equals(keygenR(crlf, 'foo').after)).toBe(true);
    expect(got.equals(Buffer.concat([Buffer.from(`bar ${K2}\r\n`), Buffer.from([0x23, 0xff, 0xfe, 0x0a])]))).toBe(true);
  });

  it.skipIf(!hasKeygen)('removes entries whose key blob is corrupt, as ssh-keygen does (it never decodes keys)', () => {
    const t = `foo ssh-ed25519 not-base64!\nfoo ecdsa-sha2-nistp256 ${K1.split(' ')[1]}\nfoo RSA AAAA\nbar ${K1}\n`;
    expect(ours(t, 'foo').toString()).toBe(keygenR(t, 'foo').after.toString());
    expect(ours(t, 'foo').toString()).toBe(`bar ${K1}\n`);
  });

  it.skipIf(!hasKeygen)('differs on purpose: invalid lines are kept and reported instead of refusing the whole file', () => {
    const t = `foo ssh-unknown AAAA\n@bogus foo ${K1}\n|1|short|x ${K1}\nfoo\nfoo ${K1}\n`;
    const real = keygenR(t, 'foo');
    expect(real.code).not.toBe(0);
    expect(real.after.toString()).toBe(t); // ssh-keygen changed nothing
    const r = removeKnownHost(t, 'foo');
    expect(r.invalid.map((l) => l.line)).toEqual([1, 2, 3, 4]);
    expect(r.text).toBe(`foo ssh-unknown AAAA\n@bogus foo ${K1}\n|1|short|x ${K1}\nfoo\n`);
  });

  it.skipIf(!hasKeygen)('differs on purpose: a last line without a newline keeps lacking it', () => {
    const t = `foo ${K1}\nbar ${K2}`;
    expect(keygenR(t, 'foo').after.toString()).toBe(`bar ${K2}\n`);
    expect(ours(t, 'foo').toString()).toBe(`bar ${K2}`);
    expect(ours(`bar ${K2}\nfoo ${K1}`, 'foo').toString()).toBe(`bar ${K2}\n`);
  });

  it('mirrors ssh-keygen\'s marker parsing (a marker ends at the first space on the line)', () => {
    const [l] = parseKnownHostsLines(`@revoked\tfoo ${K1}\n`);
    expect(l?.kind).toBe('invalid');
  });
});

describe('known_hosts module', () => {
  const facts = parseFacts('');
  const HOME = '/home/tester';
  const file = (content: string | Buffer, mode = '0600', path = `${HOME}/.ssh/known_hosts`): FileState =>
    ({ path, kind: 'file', content: Buffer.from(content), mode, uid: 1000, gid: 1000, owner: 'tester', group: 'tester' });
  const vars = { remedy_controller_home: HOME };
  const run = (args: Record<string, unknown>, state: FileState | ((p: string) => FileState), v: Record<string, unknown> = vars) => {
    const a = knownHosts.args.parse(args);
    const reads = knownHosts.reads!(a, { facts, known: () => undefined, probed: () => undefined, vars: v });
    const plan = knownHosts.plan(a, {
      facts, check: true, vars: v, probe: () => { throw new Error('no probes'); },
      file: (p) => {
        expect(reads).toContain(p);
        return typeof state === 'function' ? state(p) : state;
      },
    });
    return { reads, plan };
  };

  it('plans the write without the removed lines, keeping mode and owner', () => {
    const { reads, plan } = run({ name: 'foo' }, file(FIXTURE, '0644'));
    expect(reads).toEqual([`${HOME}/.ssh/known_hosts`]);
    expect(plan.kind).toBe('change');
    if (plan.kind !== 'change') return;
    const w = plan.changes[0]!;
    expect(w).toMatchObject({ kind: 'write', path: `${HOME}/.ssh/known_hosts`, mode: '0644', owner: '1000', group: '1000' });
    if (w.kind !== 'write') return;
    expect(w.content.toString()).toBe(removeKnownHost(FIXTURE, 'foo').text);
    expect(plan.message).toMatch(/^remove 8 entries for foo from \/home\/tester\/.ssh\/known_hosts \(line 3, 4, 5, 10, 14, 18, 19, 23\)/);
    expect(plan.message).toContain('kept 1 @revoked/@cert-authority line naming it (line 12)');
    expect(plan.message).toContain('line 10 matched through a wildcard pattern');
    // second apply: nothing left to do
    expect(run({ name: 'foo' }, file(w.content)).plan).toMatchObject({ kind: 'ok' });
  });

  it('turns port into [host]:port, and a missing file or host into ok', () => {
    const { plan } = run({ name: 'FOO', port: 2222 }, file(FIXTURE));
    expect(plan.kind === 'change' && plan.message).toMatch(/^remove 3 entries for \[foo\]:2222 /);
    expect(run({ name: 'foo', port: 22 }, file(`bar ${K1}\n`)).plan).toEqual({ kind: 'ok', message: `no entry for foo in ${HOME}/.ssh/known_hosts` });
    expect(run({ name: 'foo' }, { path: `${HOME}/.ssh/known_hosts`, kind: 'absent' }).plan).toEqual({ kind: 'ok', message: `${HOME}/.ssh/known_hosts does not exist` });
    expect(run({ name: 'foo', port: '2222' }, file(`[foo]:2222 ${K1}\n`)).plan.kind).toBe('change');
  });

  it('fails on a directory and rejects ambiguous arguments', () => {
    expect(run({ name: 'foo' }, { path: `${HOME}/.ssh/known_hosts`, kind: 'dir', mode: '0700', uid: 0, gid: 0, owner: 'root', group: 'root' }).plan.kind).toBe('fail');
    expect(run({ name: '[foo]:2222', port: 22 }, file(`[foo]:2222 ${K1}\n`)).plan.kind).toBe('change'); // a playbook's default port
    expect(run({ name: '[foo]:2222', port: 2222 }, file(`[foo]:2222 ${K1}\n`)).plan.kind).toBe('change');
    for (const bad of [{ name: '[foo]:2222', port: 2200 }, { name: 'a b' }, { name: 'a,b' }, { name: 'web*' }, { name: 'foo', state: 'present' }, { name: 'foo', path: 'relative/kh' }, { name: 'foo', port: 0 }]) {
      expect(knownHosts.args.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
  });

  it('expands ~ with remedy_controller_home, else the HOME known when the arguments were parsed', () => {
    const a = knownHosts.args.parse({ name: 'foo', path: '~/kh' });
    expect(controllerPath(a.path, vars)).toBe(`${HOME}/kh`);
    expect(controllerPath(a.path, {})).toBe(join(homedir(), 'kh'));
    expect(controllerPath(knownHosts.args.parse({ name: 'foo', path: '/etc/ssh/ssh_known_hosts' }).path, vars)).toBe('/etc/ssh/ssh_known_hosts');
    expect(run({ name: 'foo' }, { path: '', kind: 'absent' }, {}).reads).toEqual([join(homedir(), '.ssh/known_hosts')]);
  });

  it('reports invalid lines it keeps', () => {
    const { plan } = run({ name: 'foo' }, file(`junk\nfoo ${K1}\n`));
    expect(plan.kind === 'change' && plan.message).toContain("kept 1 line ssh-keygen would reject as invalid (line 1; ssh-keygen -R would refuse to rewrite this file)");
  });
});

describe('verify_ssh module', () => {
  const plan = (args: Record<string, unknown>) => verifySsh.plan(verifySsh.args.parse(args), {
    facts: parseFacts(''), check: false, vars: {}, file: () => { throw new Error('no files'); }, probe: () => { throw new Error('no probes'); },
  });
  it('asks the engine for a fresh connection over the chosen paths', () => {
    expect(plan({})).toMatchObject({ kind: 'change', changes: [{ kind: 'verify', over: ['direct'] }] });
    expect(plan({ over: 'working' })).toMatchObject({ changes: [{ kind: 'verify', over: ['working'] }] });
    const both = plan({ over: 'both' });
    expect(both).toMatchObject({ changes: [{ kind: 'verify', over: ['direct', 'working'] }] });
    expect(both.kind === 'change' && both.message).toBe('a new SSH connection over the direct and the working path must get through the banner exchange and authentication');
    expect(verifySsh.args.safeParse({ over: 'jump' }).success).toBe(false);
    expect(verifySsh.reads).toBeUndefined();
  });
});
