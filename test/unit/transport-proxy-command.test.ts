import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveReach } from '../../src/engine/reach.js';
import { ValidationError } from '../../src/errors.js';
import { expandProxyCommand, startProxyCommand } from '../../src/transport/proxy-command.js';
import { ConnectError, SshConnection } from '../../src/transport/ssh.js';
import { endpointFromConfig, parseSshConfig, resolveSshConfig } from '../../src/transport/ssh-config.js';

const tokens = { host: 'i-0abc.example', port: 2222, user: 'ops', original: 'web1' };
const ctx = { homeDir: '/home/me', localUser: 'me', localHostName: 'ctl.example', env: {} };

describe('ProxyCommand token expansion', () => {
  it('expands %h %p %r %n and %%', () => {
    expect(expandProxyCommand('tsh proxy ssh %r@%h:%p # %n 100%%', tokens)).toBe('tsh proxy ssh ops@i-0abc.example:2222 # web1 100%');
  });

  it('accepts IPv6 addresses, bracketed or not', () => {
    expect(expandProxyCommand('nc %h %p', { ...tokens, host: 'fd00::1' })).toBe('nc fd00::1 2222');
    expect(expandProxyCommand('nc %h %p', { ...tokens, host: '[fd00::1]' })).toBe('nc [fd00::1] 2222');
  });

  it.each([['a;reboot'], ['$(id)'], ['a b'], ['`x`'], ['a|b'], ["o'k"], ['a\nb'], ['']])('refuses %j as a value', (host) => {
    expect(() => expandProxyCommand('nc %h %p', { ...tokens, host })).toThrow(ValidationError);
    expect(() => expandProxyCommand('nc %h %p', { ...tokens, host })).toThrow(/refusing to put/);
  });

  it('refuses an unsafe user only where %r is used', () => {
    expect(() => expandProxyCommand('x %r', { ...tokens, user: 'a&b' })).toThrow(/%r/);
    expect(expandProxyCommand('x %h', { ...tokens, user: 'a&b' })).toBe('x i-0abc.example');
  });

  it('refuses tokens ProxyCommand does not accept', () => {
    expect(() => expandProxyCommand('x %d', tokens)).toThrow(/%d is not one ProxyCommand accepts/);
  });
});

describe('running a ProxyCommand', () => {
  it('runs through the shell with exec; stdin and stdout are the stream', async () => {
    const p = startProxyCommand('cat', { ...process.env, SHELL: '/bin/sh' });
    const chunks: Buffer[] = [];
    p.stream.on('data', (b: Buffer) => chunks.push(b));
    const ended = new Promise((r) => p.stream.once('close', r));
    p.stream.end('hello');
    await ended;
    expect(Buffer.concat(chunks).toString()).toBe('hello');
  });

  it('reports stderr and exit code of a failing command', async () => {
    const p = startProxyCommand(`sh -c 'echo no route >&2; exit 7'`, { ...process.env, SHELL: '/bin/sh' });
    p.stream.resume();
    await p.settle(5_000);
    expect(p.describe()).toBe('ProxyCommand exited with code 7: no route');
  });

  it('keeps only the last 4 KB of stderr', async () => {
    const p = startProxyCommand(`sh -c 'head -c 20000 /dev/zero | tr "\\0" x >&2; echo END >&2'`, { ...process.env, SHELL: '/bin/sh' });
    p.stream.resume();
    await p.settle(5_000);
    expect(p.describe().length).toBeLessThan(4200);
    expect(p.describe()).toMatch(/END$/);
  });

  it('destroying the stream kills the child', async () => {
    const p = startProxyCommand('sleep 30', { ...process.env, SHELL: '/bin/sh' });
    p.stream.destroy();
    await p.settle(5_000);
    expect(p.describe()).toBe('ProxyCommand killed by SIGTERM');
  });
});

describe('ProxyCommand in ~/.ssh/config', () => {
  const text = [
    'Host jump-first',
    '  ProxyJump j1',
    '  ProxyCommand nc %h %p',
    'Host command-first',
    "  ProxyCommand sh -c 'nc %h %p'",
    '  ProxyJump j1',
    'Host none-first',
    '  ProxyCommand none',
    '  ProxyJump j1',
    'Host jump-none-first',
    '  ProxyJump none',
    '  ProxyCommand nc x %p',
    'Host *',
    '  ProxyCommand nc fallback %p',
    '',
  ].join('\n');
  const parsed = parseSshConfig(text);
  const ours = (h: string) => {
    const s = resolveSshConfig(parsed, h, ctx);
    return { command: s.proxyCommand, jump: s.proxyJump?.length ? s.proxyJump.map((j) => j.host).join(',') : undefined };
  };

  it('keeps the command as written, quotes and all', () => {
    expect(ours('command-first')).toEqual({ command: "sh -c 'nc %h %p'", jump: undefined });
  });

  it('the first of ProxyCommand and ProxyJump obtained wins', () => {
    expect(ours('jump-first')).toEqual({ command: undefined, jump: 'j1' });
    expect(ours('none-first')).toEqual({ command: undefined, jump: undefined });
    expect(ours('jump-none-first')).toEqual({ command: 'nc x %p', jump: undefined });
    expect(ours('other')).toEqual({ command: 'nc fallback %p', jump: undefined });
  });

  const hasSsh = spawnSync('ssh', ['-V']).status === 0;
  it.skipIf(!hasSsh).each([['jump-first'], ['command-first'], ['none-first'], ['jump-none-first'], ['other']])('agrees with ssh -G for %s', (h) => {
    const dir = mkdtempSync(join(tmpdir(), 'remedy-pc-'));
    try {
      const file = join(dir, 'config');
      writeFileSync(file, text);
      const out = spawnSync('ssh', ['-G', '-F', file, h], { encoding: 'utf8' }).stdout;
      const get = (k: string) => out.split('\n').find((l) => l.startsWith(`${k} `))?.slice(k.length + 1);
      const theirs = { command: get('proxycommand'), jump: get('proxyjump') };
      const mine = ours(h);
      expect({ command: theirs.command, jump: theirs.jump }).toEqual({ command: mine.command, jump: mine.jump });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the config path carries the command and a proxy label', () => {
    const { path } = endpointFromConfig(parsed, 'command-first', ctx);
    expect(path).toMatchObject({ label: "proxy sh -c 'nc %h %p'", via: [], proxyCommand: "sh -c 'nc %h %p'" });
  });
});

describe('ProxyCommand from the inventory', () => {
  const rctx = { sshConfig: parseSshConfig(''), hostVars: () => undefined, resolve: ctx };

  it('remedy_proxy_command makes the one path', () => {
    const r = resolveReach('web1', { ansible_host: '10.0.0.5', remedy_proxy_command: 'aws ssm start-session --target %h --document-name AWS-StartSSHSession --parameters portNumber=%p' }, rctx);
    expect(r.paths).toHaveLength(1);
    expect(r.paths[0]?.proxyCommand).toMatch(/^aws ssm/);
    expect(r.paths[0]?.label).toBe('proxy aws ssm start-session --target %h --docu…');
    expect(r.direct).toEqual({ label: 'direct', via: [] });
  });

  it('proxy_command is one entry of remedy_paths, tried in order', () => {
    const r = resolveReach('web1', { remedy_paths: ['direct', { proxy_command: 'nc %h %p' }] }, rctx);
    expect(r.paths.map((p) => p.label)).toEqual(['direct', 'proxy nc %h %p']);
  });

  it('refuses a ProxyCommand together with jump hosts', () => {
    expect(() => resolveReach('web1', { remedy_paths: [{ via: 'j1', proxy_command: 'nc %h %p' }] }, rctx)).toThrow(/either a ProxyCommand or jump hosts/);
  });
});

describe('connecting over a ProxyCommand', () => {
  const target = { alias: 'web1', host: 'web1.example', port: 22, user: 'root', identityFiles: [] };
  const opts = { agent: 'none', userKnownHostsFiles: ['/dev/null'], globalKnownHostsFiles: [], defaultIdentityFiles: [] };

  it('an unsafe value is refused as a ConnectError before anything runs', async () => {
    const err = await SshConnection.connect({ ...target, host: 'x;touch /tmp/pwned' }, { label: 'proxy', via: [], proxyCommand: 'nc %h %p' }, opts).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).phase).toBe('connect');
    expect((err as ConnectError).message).toMatch(/refusing to put "x;touch \/tmp\/pwned"/);
  });

  it('a command that exits before the banner is a connect failure with its stderr and exit code', async () => {
    const err = await SshConnection.connect(target, { label: 'proxy', via: [], proxyCommand: `sh -c 'echo no route to %h >&2; exit 7'` }, opts).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).phase).toBe('connect');
    expect((err as ConnectError).message).toMatch(/ProxyCommand exited with code 7: no route to web1\.example$/);
  });

  it('a command that never answers is killed at the connect timeout', async () => {
    const err = await SshConnection.connect(target, { label: 'proxy', via: [], proxyCommand: 'sleep 30' }, { ...opts, readyTimeoutMs: 300 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).message).toMatch(/ProxyCommand killed by SIGTERM/);
  });

  it('a ProxyCommand with jump hosts on one path is refused', async () => {
    const err = await SshConnection.connect(target, { label: 'x', via: [{ ...target, alias: 'j' }], proxyCommand: 'nc %h %p' }, opts).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).message).toBe('web1: a path has either a ProxyCommand or jump hosts (via), not both, as in OpenSSH');
  });
});

describe("a jump host's own ProxyCommand carries the first hop (as ssh -J's inner ssh -W)", () => {
  const text = [
    'Host target',
    '  HostName 10.0.0.9',
    '  ProxyJump bastion,inner',
    'Host bastion',
    '  ProxyCommand aws ssm start-session --target %h --parameters portNumber=%p',
    'Host inner',
    '  ProxyCommand nc never-used %p',
    '',
  ].join('\n');
  const parsed = parseSshConfig(text);

  it('the first hop from ~/.ssh/config keeps its ProxyCommand; later hops ride channels', () => {
    const { path } = endpointFromConfig(parsed, 'target', ctx);
    expect(path.via.map((e) => [e.alias, e.proxyCommand])).toEqual([
      ['bastion', 'aws ssm start-session --target %h --parameters portNumber=%p'],
      ['inner', undefined],
    ]);
    expect(path.proxyCommand).toBeUndefined();
  });

  const hasSsh = spawnSync('ssh', ['-V']).status === 0;
  it.skipIf(!hasSsh)("is the command `ssh -G` gives for the jump host itself", () => {
    const dir = mkdtempSync(join(tmpdir(), 'remedy-pc-'));
    try {
      const file = join(dir, 'config');
      writeFileSync(file, text);
      const get = (h: string, k: string) => spawnSync('ssh', ['-G', '-F', file, h], { encoding: 'utf8' }).stdout.split('\n').find((l) => l.startsWith(`${k} `))?.slice(k.length + 1);
      expect(get('target', 'proxyjump')).toBe('bastion,inner');
      const { path } = endpointFromConfig(parsed, 'target', ctx);
      expect(path.via[0]?.proxyCommand).toBe(get('bastion', 'proxycommand'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("an inventory jump host's remedy_proxy_command reaches it when it is the first hop", () => {
    const jumpVars: Record<string, Record<string, unknown>> = {
      bastion: { ansible_host: '10.0.0.1', remedy_proxy_command: 'tsh proxy ssh %r@%h:%p' },
      inner: { ansible_host: '10.0.0.2', remedy_proxy_command: 'nc never-used %p' },
    };
    const r = resolveReach('web1', { ansible_host: '10.0.0.9', remedy_via: ['bastion', 'inner'] }, {
      sshConfig: parseSshConfig(''), hostVars: (n: string) => jumpVars[n], resolve: ctx,
    });
    expect(r.paths[0]?.via.map((e) => [e.alias, e.proxyCommand])).toEqual([['bastion', 'tsh proxy ssh %r@%h:%p'], ['inner', undefined]]);
  });

  it('two chains that differ only in how their first hop is reached do not share a connection', async () => {
    const { chainKey } = await import('../../src/transport/jump-pool.js');
    const hop = { alias: 'bastion', host: '10.0.0.1', port: 22, user: 'root', identityFiles: [] };
    expect(chainKey([hop], undefined, {})).not.toBe(chainKey([{ ...hop, proxyCommand: 'nc %h %p' }], undefined, {}));
  });

  it('connecting runs the jump host\'s command, and its failure names the jump host with stderr and exit code', async () => {
    const jump = { alias: 'bastion', host: 'bastion.example', port: 22, user: 'root', identityFiles: [], proxyCommand: `sh -c 'echo cannot reach %h >&2; exit 3'` };
    const target = { alias: 'web1', host: '10.0.0.9', port: 22, user: 'root', identityFiles: [] };
    const opts = { agent: 'none', userKnownHostsFiles: ['/dev/null'], globalKnownHostsFiles: [], defaultIdentityFiles: [] };
    const err = await SshConnection.connect(target, { label: 'via bastion', via: [jump] }, opts).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).hop).toBe('bastion');
    expect((err as ConnectError).phase).toBe('connect');
    expect((err as ConnectError).message).toMatch(/^bastion \(root@bastion\.example:22\): .*ProxyCommand exited with code 3: cannot reach bastion\.example$/);
  });


});
