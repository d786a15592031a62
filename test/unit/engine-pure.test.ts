import { describe, it, expect } from 'vitest';
import { batchSizes, mapLimit } from '../../src/engine/batches.js';
import { parseListedReads, parseReadOutput, readScript, writeScript, sha256, probeScript, parseProbeOutput } from '../../src/engine/remote-files.js';
import { FACTS_SCRIPT, parseFacts, parseOpensshVersion } from '../../src/facts.js';
import { parseExtraVars } from '../../src/extra-vars.js';
import { quote, splitArgs } from '../../src/shell.js';
import { UsageError, exitCodeForRun } from '../../src/errors.js';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, statSync, chmodSync, symlinkSync, readdirSync } from 'node:fs';
import { hostname, release as osRelease, tmpdir, type as osType, userInfo } from 'node:os';
import { join } from 'node:path';

describe('serial batches', () => {
  it('splits like Ansible', () => {
    expect(batchSizes(10, undefined)).toEqual([10]);
    expect(batchSizes(10, [3])).toEqual([3, 3, 3, 1]);
    expect(batchSizes(20, [1, '10%', '50%'])).toEqual([1, 2, 10, 7]);
    expect(batchSizes(3, ['10%'])).toEqual([1, 1, 1]);
    expect(batchSizes(0, [1])).toEqual([]);
  });
  it('mapLimit bounds concurrency and keeps order', async () => {
    let live = 0;
    let peak = 0;
    const out = await mapLimit([5, 1, 3, 2], 2, async (n) => {
      peak = Math.max(peak, ++live);
      await new Promise((r) => setTimeout(r, n));
      live--;
      return n * 2;
    });
    expect(out).toEqual([10, 2, 6, 4]);
    expect(peak).toBe(2);
  });
});

describe('shell quoting', () => {
  it('round-trips through a real sh', () => {
    for (const s of ['plain', "it's", 'a b', '$(rm -rf /)', '`x`', '"q"', '\\', 'new\nline', '']) {
      expect(execFileSync('sh', ['-c', `printf %s ${quote(s)}`]).toString()).toBe(s);
    }
  });
  it('splits command lines like shlex', () => {
    expect(splitArgs(`echo "a b" 'c d' e\\ f`)).toEqual(['echo', 'a b', 'c d', 'e f']);
    expect(() => splitArgs(`echo "x`)).toThrow(/unterminated/);
  });
});

describe('remote file scripts (run with a local sh)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'remedy-rf-'));
  it('reads state, content and symlink targets in one script', () => {
    writeFileSync(join(dir, 'a'), 'hello\n');
    chmodSync(join(dir, 'a'), 0o640);
    symlinkSync(join(dir, 'a'), join(dir, 'link'));
    const paths = [join(dir, 'a'), join(dir, 'missing'), dir, join(dir, 'link')];
    const out = execFileSync('sh', ['-c', readScript(paths)]).toString();
    const [a, missing, d, link] = parseReadOutput(paths, out);
    expect(a!.state).toMatchObject({ kind: 'file', mode: '0640', content: Buffer.from('hello\n') });
    expect(missing!.state.kind).toBe('absent');
    expect(d!.state).toMatchObject({ kind: 'dir', size: expect.any(Number) });
    expect(link!.realPath).toBe(join(dir, 'a'));
    expect(link!.state).toMatchObject({ kind: 'file', link: join(dir, 'a') });
    expect(a!.state).not.toHaveProperty('link');
  });
  it('runs each probe apart: no script arguments, its exit stays inside, a listing reads what it lists', () => {
    writeFileSync(join(dir, 'l1'), 'one\n');
    writeFileSync(join(dir, 'l2'), 'two\n');
    const listing = `printf '%s\\0' ${join(dir, 'l1')} ${join(dir, 'l2')} ${join(dir, 'gone')}`;
    const cmds = ['echo "[$1][$2]"', 'echo err >&2; exit 3', 'echo after', listing];
    const out = execFileSync('sh', ['-c', probeScript(cmds, (c) => c === listing)]).toString();
    const [args, exit, after] = parseProbeOutput(cmds, out);
    expect(args).toEqual({ code: 0, stdout: '[][]\n', stderr: '' });
    expect(exit).toEqual({ code: 3, stdout: '', stderr: 'err\n' });
    expect(after!.stdout).toBe('after\n');
    const listed = parseListedReads(3, [join(dir, 'l1'), join(dir, 'l2'), join(dir, 'gone')], out);
    expect(listed.get(join(dir, 'l1'))!.state).toMatchObject({ kind: 'file', content: Buffer.from('one\n') });
    expect(listed.get(join(dir, 'l2'))!.state).toMatchObject({ kind: 'file', content: Buffer.from('two\n') });
    expect(listed.get(join(dir, 'gone'))!.state.kind).toBe('absent');
  });
  it('writes atomically with mode, and refuses truncated content', () => {
    const target = join(dir, 'w');
    const change = { kind: 'write' as const, path: target, before: { path: target, kind: 'absent' as const }, content: Buffer.from('new\n'), mode: '0600' };
    execFileSync('sh', ['-c', writeScript(change, target)], { input: change.content });
    expect(readFileSync(target, 'utf8')).toBe('new\n');
    expect(statSync(target).mode & 0o777).toBe(0o600);
    let code = 0;
    try {
      execFileSync('sh', ['-c', writeScript({ ...change, content: Buffer.from('other\n') }, target)], { input: 'oth', stdio: 'pipe' });
    } catch (e) {
      code = (e as { status: number }).status;
    }
    expect(code).toBe(97);
    expect(readFileSync(target, 'utf8')).toBe('new\n');
    expect(readdirSync(dir).filter((f) => f.startsWith('.remedy.'))).toEqual([]);
  });
  it('runs the validator on the candidate and keeps the original when it fails', () => {
    const target = join(dir, 'v');
    writeFileSync(target, 'good\n');
    const change = { kind: 'write' as const, path: target, before: { path: target, kind: 'absent' as const }, content: Buffer.from('bad\n'), mode: '0644', validate: 'grep -q good %s' };
    let code = 0;
    try {
      execFileSync('sh', ['-c', writeScript(change, target)], { input: change.content, stdio: 'pipe' });
    } catch (e) {
      code = (e as { status: number }).status;
    }
    expect(code).toBe(98);
    expect(readFileSync(target, 'utf8')).toBe('good\n');
    expect(sha256(Buffer.from(''))).toMatch(/^e3b0c442/);
  });
});

describe('facts', () => {
  it('parses versions with semver, never as strings', () => {
    expect(parseOpensshVersion('OpenSSH_9.2p1 Debian-2+deb12u3, OpenSSL 3.0.11')).toEqual({ raw: '9.2p1', version: '9.2.0' });
    expect(parseOpensshVersion('OpenSSH_10.0, LibreSSL')).toEqual({ raw: '10.0', version: '10.0.0' });
    expect(parseOpensshVersion('nothing')).toEqual({ raw: '', version: null });
  });
  it('the fact script runs under a plain sh and says what this machine is', () => {
    const f = parseFacts(execFileSync('sh', ['-c', FACTS_SCRIPT], { env: { PATH: process.env.PATH ?? '' } }).toString());
    expect(f.userId).toBe(process.getuid?.());
    expect(f.user).toBe(userInfo().username);
    expect(f.kernel).toBe(`${osType()} ${osRelease()}`);
    expect(f.architecture).toBe(execFileSync('uname', ['-m']).toString().trim());
    expect(f.hostname).toBe(hostname());
    if (f.sshdPath) expect(f.opensshVersion).toMatch(/^\d+\.\d+\.\d+$/);
    if (execFileSync('sh', ['-c', 'command -v ip || true']).length) expect(f.addresses).toContain('127.0.0.1');
  });
  it("gathers every address of the host's interfaces from ip -o addr", () => {
    const out = [
      '1: lo    inet 127.0.0.1/8 scope host lo\\       valid_lft forever preferred_lft forever',
      '2: eth0    inet 198.18.0.2/15 brd 198.19.255.255 scope global eth0\\       valid_lft forever',
      '2: eth0    inet 10.9.0.7/24 scope global secondary eth0:1\\       valid_lft forever',
      '2: eth0    inet6 2001:db8::7/64 scope global \\       valid_lft forever',
    ].join(' ');
    expect(parseFacts(`addrs=${out}\n`).addresses).toEqual(['127.0.0.1', '198.18.0.2', '10.9.0.7', '2001:db8::7']);
    expect(parseFacts('').addresses).toEqual([]);
  });
  it('parses the fact script output', () => {
    const f = parseFacts('hostname=h1\nid=debian\nversion_id=12\nuid=0\nuser=root\ninit=sysvinit\nsshd=/usr/sbin/sshd\nsshd_version=unknown option -- V OpenSSH_7.4p1, OpenSSL\nlibwrap_in=/usr/sbin/sshd\nssh_service=ssh\nsudo=0\nfail2ban=1\n');
    expect(f).toMatchObject({ hostname: 'h1', osFamily: 'Debian', userId: 0, serviceMgr: 'sysvinit', opensshVersion: '7.4.0', libwrap: true, sshService: 'ssh', fail2ban: true });
  });
});

describe('extra vars', () => {
  it('reads key=value words, JSON and YAML', () => {
    expect(parseExtraVars(['a=1 b="x y"', '{"c": [1]}', 'd: true'.replace('d: true', '{d: true}')])).toEqual({ a: '1', b: 'x y', c: [1], d: true });
  });
  it('rejects malformed input as a usage error', () => {
    expect(() => parseExtraVars(['novalue'])).toThrow(UsageError);
    expect(() => parseExtraVars(['@/nonexistent/file.yml'])).toThrow(/cannot read/);
  });
});

describe('exit codes', () => {
  it('maps outcomes in one place', () => {
    expect(exitCodeForRun('ok', true, false)).toBe(0);
    expect(exitCodeForRun('failed', false, false)).toBe(2);
    expect(exitCodeForRun('unreachable', false, false)).toBe(3);
    expect(exitCodeForRun('ok', true, true)).toBe(2);
    expect(exitCodeForRun('ok', false, true)).toBe(0);
    expect(exitCodeForRun('unreachable', false, true)).toBe(1);
  });
});

describe('probe script (run with a local sh)', () => {
  it('runs every probe apart and returns code, stdout and stderr', () => {
    const cmds = ['echo out; echo err >&2; exit 3', 'printf "a b\\n"', 'cat', 'true'];
    const out = execFileSync('sh', ['-c', probeScript(cmds)]).toString();
    expect(parseProbeOutput(cmds, out)).toEqual([
      { code: 3, stdout: 'out\n', stderr: 'err\n' },
      { code: 0, stdout: 'a b\n', stderr: '' },
      { code: 0, stdout: '', stderr: '' },
      { code: 0, stdout: '', stderr: '' },
    ]);
  });

  it("exits 0 when the last probe does not: a probe's exit code is its answer, not a failed read", () => {
    // `systemctl is-active` of a stopped unit exits 3: that is the state `service: started` plans on.
    const cmds = ['true', 'echo inactive; exit 3'];
    const r = spawnSync('sh', ['-c', probeScript(cmds)]);
    expect(r.status).toBe(0);
    expect(parseProbeOutput(cmds, r.stdout.toString())[1]).toEqual({ code: 3, stdout: 'inactive\n', stderr: '' });
  });
});
