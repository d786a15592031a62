import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  endpointFromConfig,
  expandTokens,
  hostKeyModeFor,
  loadSshConfig,
  parseProxyJump,
  parseSshConfig,
  parseTimeSpec,
  resolveSshConfig,
  splitConfigLine,
  type SshConfigIo,
} from '../../src/transport/ssh-config.js';

const ctx = { homeDir: '/home/me', localUser: 'me', localHostName: 'ctl.example', env: { SSH_AUTH_SOCK: '/run/agent.sock' } };

/** In-memory files for Include. */
function memIo(files: Record<string, string>): SshConfigIo {
  return {
    readFile: (p) => files[p],
    glob: (pat) => {
      const re = new RegExp(`^${pat.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')}$`);
      return Object.keys(files).filter((f) => re.test(f)).sort();
    },
  };
}

const parse = (text: string, files: Record<string, string> = {}) =>
  parseSshConfig(text, { file: '/home/me/.ssh/config', homeDir: '/home/me', io: memIo(files) });

describe('lexing', () => {
  it('splits words with quotes, escapes and comments', () => {
    expect(splitConfigLine('a "b c" \'d e\' f\\"g # comment')).toEqual(['a', 'b c', 'd e', 'f"g']);
    expect(splitConfigLine('"C:\\\\x"')).toEqual(['C:\\x']);
  });
  it('accepts Key=Value, Key = Value and any keyword case', () => {
    const p = parse('HOSTNAME=10.0.0.1\nport = 2200\n  uSeR\tadmin\n');
    const s = resolveSshConfig(p, 'x', ctx);
    expect(s).toMatchObject({ hostName: '10.0.0.1', port: 2200, user: 'admin' });
  });
});

describe('Host blocks', () => {
  const cfg = parse(`
# global defaults come last in a typical file; first value still wins
Host web* !web9
  User deploy
  Port 2222
  IdentityFile ~/.ssh/web_%h_%r
Host web1
  HostName 10.1.0.1
  User ignored-already-set
  IdentityFile %d/.ssh/id_web1
Host *.lab lab?
  HostName %h.internal
  ProxyJump jump@bastion:2200,ops@[fd00::1]:22
Host *
  User fallback
  IdentityFile ~/.ssh/id_ed25519
  IdentitiesOnly yes
  StrictHostKeyChecking accept-new
  ConnectTimeout 1m30s
  UserKnownHostsFile ~/.ssh/kh1 /tmp/kh_%h
`);

  it('first obtained value wins; IdentityFile accumulates with tokens', () => {
    const s = resolveSshConfig(cfg, 'web1', ctx);
    expect(s.user).toBe('deploy');
    expect(s.port).toBe(2222);
    expect(s.hostName).toBe('10.1.0.1');
    // %h is the final HostName, %r the final remote user.
    expect(s.identityFiles).toEqual(['/home/me/.ssh/web_10.1.0.1_deploy', '/home/me/.ssh/id_web1', '/home/me/.ssh/id_ed25519']);
    expect(s.identitiesOnly).toBe(true);
    expect(s.strictHostKeyChecking).toBe('accept-new');
    expect(s.connectTimeoutSec).toBe(90);
    expect(s.userKnownHostsFiles).toEqual(['/home/me/.ssh/kh1', '/tmp/kh_10.1.0.1']);
  });

  it('negated patterns exclude a host from the block', () => {
    const s = resolveSshConfig(cfg, 'web9', ctx);
    expect(s.user).toBe('fallback');
    expect(s.port).toBe(22);
    expect(s.hostName).toBe('web9');
  });

  it('several patterns, %h in HostName, ProxyJump lists', () => {
    const s = resolveSshConfig(cfg, 'db.lab', ctx);
    expect(s.hostName).toBe('db.lab.internal');
    expect(s.proxyJump).toEqual([
      { user: 'jump', host: 'bastion', port: 2200 },
      { user: 'ops', host: 'fd00::1', port: 22 },
    ]);
    expect(resolveSshConfig(cfg, 'lab1', ctx).hostName).toBe('lab1.internal');
    expect(resolveSshConfig(cfg, 'lab12', ctx).hostName).toBe('lab12');
  });

  it('ProxyJump none set first disables a later ProxyJump', () => {
    const p = parse('Host direct.lab\n  ProxyJump none\nHost *.lab\n  ProxyJump bastion\n');
    expect(resolveSshConfig(p, 'direct.lab', ctx).proxyJump).toEqual([]);
    expect(resolveSshConfig(p, 'x.lab', ctx).proxyJump).toEqual([{ host: 'bastion' }]);
    expect(resolveSshConfig(p, 'other', ctx).proxyJump).toBeUndefined();
  });
});

describe('Match', () => {
  it('supports all, host (after HostName), originalhost, user, negation', () => {
    const p = parse(`
Host app
  HostName 192.168.7.5
Match host 192.168.7.*
  User netops
Match originalhost app !user root
  Port 2022
Match all
  BindAddress 127.0.0.2
`);
    const s = resolveSshConfig(p, 'app', ctx);
    expect(s).toMatchObject({ hostName: '192.168.7.5', user: 'netops', port: 2022, bindAddress: '127.0.0.2' });
    const other = resolveSshConfig(p, 'zzz', ctx);
    expect(other.user).toBeUndefined();
    expect(other.port).toBe(22);
  });

  it('unknown or unsupported criteria make the block not apply, with a warning', () => {
    const p = parse('Match exec "true"\n  User viaexec\nMatch canonical all\n  Port 9\nHost *\n  User plain\n');
    const s = resolveSshConfig(p, 'h', ctx);
    expect(s.user).toBe('plain');
    expect(s.port).toBe(22);
    expect(s.warnings.join('\n')).toMatch(/Match exec is not supported/);
  });
});

describe('Include', () => {
  it('includes relative to ~/.ssh with globs, conditionally inside a Host block', () => {
    const files = {
      '/home/me/.ssh/conf.d/10-a.conf': 'Host a\n  User from-a\n',
      '/home/me/.ssh/conf.d/20-b.conf': 'Port 2020\nHost b\n  User from-b\n',
      '/etc/extra.conf': 'IdentityAgent none\n',
    };
    const p = parse('Include conf.d/*.conf\nHost special\n  Include /etc/extra.conf\n  User after-include\n', files);
    expect(resolveSshConfig(p, 'a', ctx)).toMatchObject({ user: 'from-a', port: 2020 });
    expect(resolveSshConfig(p, 'b', ctx)).toMatchObject({ user: 'from-b', port: 2020 });
    const sp = resolveSshConfig(p, 'special', ctx);
    expect(sp.identityAgent).toBe('none');
    expect(sp.user).toBe('after-include');
    expect(resolveSshConfig(p, 'other', ctx).identityAgent).toBeUndefined();
  });

  it('reads real files through loadSshConfig', () => {
    const home = mkdtempSync(join(tmpdir(), 'remedy-cfg-'));
    try {
      mkdirSync(join(home, '.ssh', 'inc'), { recursive: true });
      writeFileSync(join(home, '.ssh', 'config'), 'Include inc/*\nHost *\n  User z\n');
      writeFileSync(join(home, '.ssh', 'inc', 'one'), 'Host h1\n  HostName 10.9.9.9\n');
      writeFileSync(join(home, '.ssh', 'inc', '.hidden'), 'Host h1\n  HostName wrong\n');
      const p = loadSshConfig(undefined, { homeDir: home });
      expect(resolveSshConfig(p, 'h1', { ...ctx, homeDir: home })).toMatchObject({ hostName: '10.9.9.9', user: 'z' });
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});

describe('values', () => {
  it('IdentityAgent: SSH_AUTH_SOCK, env vars, paths', () => {
    expect(resolveSshConfig(parse('IdentityAgent SSH_AUTH_SOCK'), 'h', ctx).identityAgent).toBe('/run/agent.sock');
    expect(resolveSshConfig(parse('IdentityAgent ~/.agent/%r.sock'), 'h', ctx).identityAgent).toBe('/home/me/.agent/me.sock');
  });
  it('tokens and time specs', () => {
    expect(expandTokens('%%h=%h %x', { h: 'H' })).toBe('%h=H %x');
    expect(parseTimeSpec('30')).toBe(30);
    expect(parseTimeSpec('1h2m')).toBe(3720);
    expect(parseTimeSpec('10q')).toBeUndefined();
    expect(parseProxyJump('ssh://u@h:2')).toEqual([{ user: 'u', host: 'h', port: 2 }]);
    expect(parseProxyJump('h:99999')).toBeUndefined();
    expect(hostKeyModeFor('ask')).toBe('strict');
    expect(hostKeyModeFor('no')).toBe('off');
    expect(hostKeyModeFor(undefined, 'accept-new')).toBe('accept-new');
  });
});

describe('endpointFromConfig', () => {
  it('builds the target and a path with jump hops resolved through the config', () => {
    const p = parse(`
Host target
  HostName 10.0.0.5
  User root
  ProxyJump bastion,ops@inner:2200
  BindAddress 127.0.0.2
Host bastion
  HostName 203.0.113.1
  User jump
  ProxyJump outer
Host inner
  HostName 10.0.0.2
  ProxyJump ignored-for-later-hops
Host outer
  HostName 198.51.100.1
  BindAddress 127.0.0.3
Host *
  IdentityFile ~/.ssh/id_ed25519
`);
    const { target, path } = endpointFromConfig(p, 'target', ctx);
    expect(target).toEqual({ alias: 'target', host: '10.0.0.5', port: 22, user: 'root', identityFiles: ['/home/me/.ssh/id_ed25519'] });
    expect(path.via.map((e) => [e.alias, e.user, e.host, e.port])).toEqual([
      ['outer', 'me', '198.51.100.1', 22],
      ['bastion', 'jump', '203.0.113.1', 22],
      ['inner', 'ops', '10.0.0.2', 2200],
    ]);
    // As with ssh -J: the first hop's own BindAddress binds the one socket this machine opens;
    // the target's BindAddress has no socket to apply to.
    expect(path.bindAddress).toBe('127.0.0.3');
    expect(path.label).toBe('via outer,bastion,inner');
  });
});
