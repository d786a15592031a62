import { describe, expect, it, vi } from 'vitest';
import { createRequire } from 'node:module';
import { once } from 'node:events';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { connectFirstWorking, sshOptionsFrom } from '../../src/transport/connect.js';
import type { Endpoint, PathSpec } from '../../src/transport/connection.js';
import { ConnectError, ExecTimeoutError } from '../../src/transport/errors.js';
import { LocalConnection } from '../../src/transport/local.js';
import {
  classifyHandshakeError,
  classifySocketError,
  preferredHostKeyAlgorithms,
  signalChannel,
  withRemoteTimeout,
  type HandshakeProgress,
  type SshConnection,
} from '../../src/transport/ssh.js';

const fresh: HandshakeProgress = { hostKeyRefused: false, bytesSeen: false, kexDone: false };
const mkErr = (message: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(message), extra);

describe('failure phases', () => {
  it('DNS and TCP errors', () => {
    expect(classifySocketError(mkErr('getaddrinfo ENOTFOUND x', { code: 'ENOTFOUND' }))).toBe('resolve');
    expect(classifySocketError(mkErr('x', { code: 'EAI_AGAIN' }))).toBe('resolve');
    for (const code of ['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'EADDRNOTAVAIL']) {
      expect(classifySocketError(mkErr('x', { code }))).toBe('connect');
    }
    // Node's happy eyeballs wraps per-address errors.
    expect(classifySocketError({ errors: [{ code: 'ENOTFOUND' }] })).toBe('resolve');
  });

  it('ssh2 handshake errors, by level and by how far the handshake got', () => {
    expect(classifyHandshakeError(mkErr('Host denied (verification failed)', { level: 'handshake' }), { ...fresh, bytesSeen: true, hostKeyRefused: true })).toBe('hostkey');
    expect(classifyHandshakeError(mkErr('Handshake failed: no matching key exchange algorithm', { level: 'handshake' }), { ...fresh, bytesSeen: true })).toBe('kex');
    expect(classifyHandshakeError(mkErr('read ECONNRESET', { level: 'client-socket', code: 'ECONNRESET' }), fresh)).toBe('banner');
    expect(classifyHandshakeError(mkErr('Connection lost before handshake', { level: 'protocol' }), fresh)).toBe('banner');
    expect(classifyHandshakeError(mkErr('Timed out while waiting for handshake', { level: 'client-timeout' }), fresh)).toBe('timeout');
    expect(classifyHandshakeError(mkErr('All configured authentication methods failed', { level: 'client-authentication' }), { ...fresh, bytesSeen: true, kexDone: true })).toBe('auth');
    // Server hangs up with no ssh2 error after the banner: during kex, or during auth.
    expect(classifyHandshakeError(mkErr('No response from server'), { ...fresh, bytesSeen: true })).toBe('kex');
    expect(classifyHandshakeError(mkErr('Too many authentication failures', { code: 2 }), { ...fresh, bytesSeen: true, kexDone: true })).toBe('auth');
  });

  it('prefers host key algorithms of already-known key types', () => {
    expect(preferredHostKeyAlgorithms(['ssh-rsa', 'ecdsa-sha2-nistp256', 'ssh-dss'])).toEqual([
      'rsa-sha2-512',
      'rsa-sha2-256',
      'ecdsa-sha2-nistp256',
    ]);
  });
});

describe('connectFirstWorking', () => {
  const target: Endpoint = { alias: 't', host: '192.0.2.1', port: 22, user: 'root', identityFiles: [] };
  const paths: PathSpec[] = [
    { label: 'direct', via: [] },
    { label: 'via b', via: [{ ...target, alias: 'b' }] },
    { label: 'bind 198.18.0.2', via: [], bindAddress: '198.18.0.2' },
  ];

  it('returns the first working path and the failed attempts before it', async () => {
    const fake = { stats: {} } as unknown as SshConnection;
    const seen: string[] = [];
    const res = await connectFirstWorking(target, paths, {
      hostKeyChecking: 'accept-new',
      timeoutMs: 1234,
      connect: async (_t, p, o) => {
        seen.push(`${p.label}:${o.hostKeyMode}:${o.connectTimeoutMs}`);
        if (p.label === 'direct') throw new ConnectError('connect', 't', p.label, 'reset');
        return fake;
      },
    });
    expect(seen).toEqual(['direct:accept-new:1234', 'via b:accept-new:1234']);
    expect(res.ok).toBe(true);
    if (!res.ok) return;
    expect(res.conn).toBe(fake);
    expect(res.path.label).toBe('via b');
    expect(res.attempts).toEqual([{ path: 'direct', phase: 'connect', hop: 't', message: 'reset', ms: expect.any(Number) }]);
  });

  it('retries a path closed at once before the banner (MaxStartups drops at random), not a slow reset', async () => {
    const fake = { stats: {} } as unknown as SshConnection;
    let tries = 0;
    const dropped = await connectFirstWorking(target, [paths[0]!], {
      connect: async (_t, p) => {
        if (++tries < 3) throw new ConnectError('banner', 't', p.label, 'closed');
        return fake;
      },
    });
    expect(dropped.ok).toBe(true);
    expect(tries).toBe(3);
    expect(dropped.attempts).toHaveLength(2);

    tries = 0;
    const never = await connectFirstWorking(target, [paths[0]!], {
      immediateCloseRetries: 2,
      connect: async (_t, p) => {
        tries++;
        throw new ConnectError('banner', 't', p.label, 'closed');
      },
    });
    expect(never.ok).toBe(false);
    expect(tries).toBe(3);
  });

  it('reports every failure instead of throwing', async () => {
    const res = await connectFirstWorking(target, paths, {
      connect: async (_t, p) => {
        throw new ConnectError('connect', p.via[0]?.alias ?? 't', p.label, `fail ${p.label}`);
      },
    });
    expect(res.ok).toBe(false);
    expect(res.attempts.map((a) => [a.path, a.hop])).toEqual([
      ['direct', 't'],
      ['via b', 'b'],
      ['bind 198.18.0.2', 't'],
    ]);
  });

  it('still throws programming errors', async () => {
    await expect(connectFirstWorking(target, paths, { connect: async () => { throw new TypeError('bug'); } })).rejects.toThrow('bug');
  });

  it('maps shorthands without overriding explicit options', () => {
    expect(sshOptionsFrom({ knownHostsFiles: ['/k'], hostKeyChecking: 'off', hostKeyMode: 'strict' })).toEqual({
      userKnownHostsFiles: ['/k'],
      hostKeyMode: 'strict',
    });
  });

  it('-T bounds the SSH handshake as well as the TCP connect (README: -T per connection path)', () => {
    // A host that accepts the connection and never sends its banner waits -T, not ssh2's 20 s.
    expect(sshOptionsFrom({ timeoutMs: 2000 })).toEqual({ connectTimeoutMs: 2000, readyTimeoutMs: 2000 });
    expect(sshOptionsFrom({ timeoutMs: 2000, readyTimeoutMs: 700 })).toEqual({ connectTimeoutMs: 2000, readyTimeoutMs: 700 });
    expect(sshOptionsFrom({})).toEqual({});
  });
});

describe('LocalConnection', () => {
  const conn = new LocalConnection();
  it('runs sh -c with stdin, exit codes and signals', async () => {
    const r = await conn.exec('cat; echo e >&2; exit 4', { stdin: Buffer.from([1, 2, 3]) });
    expect(r).toMatchObject({ code: 4, signal: null });
    expect([...r.stdout]).toEqual([1, 2, 3]);
    expect(r.stderr.toString()).toBe('e\n');
    const k = await conn.exec('kill -9 $$');
    expect(k).toMatchObject({ code: null, signal: 'SIGKILL' });
    const ignored = await conn.exec('exit 0', { stdin: 'x'.repeat(1 << 20) });
    expect(ignored.code).toBe(0);
  });
  it('kills the whole command on timeout', async () => {
    const started = Date.now();
    await expect(conn.exec('sleep 5 | cat', { timeoutMs: 200 })).rejects.toBeInstanceOf(ExecTimeoutError);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(conn.stats.execs).toBe(4);
  });
});

describe('signalChannel (a command that timed out is killed on the host)', () => {
  // ssh2's own Channel, over a fake client that records what would go on the wire.
  const { Channel } = createRequire(import.meta.url)('ssh2/lib/Channel.js') as { Channel: new (client: unknown, info: unknown) => any };
  const open = () => {
    const sent: string[] = [];
    const client = {
      _protocol: {
        signal: (id: number, sig: string) => sent.push(`signal ${id} ${sig}`),
        channelEOF: (id: number) => sent.push(`eof ${id}`),
        channelClose: (id: number) => sent.push(`close ${id}`),
        channelData: () => undefined,
      },
    };
    const side = (id: number) => ({ id, window: 2 ** 20, packetSize: 32768, state: 'open' });
    const channel = new Channel(client, { type: 'session', incoming: side(0), outgoing: side(7) });
    channel.subtype = 'exec';
    return { channel, sent };
  };

  it('sends the signal request after stdin ended, where ssh2 1.17 Channel.signal() sends nothing', async () => {
    const { channel, sent } = open();
    channel.end(); // every exec ends stdin at once
    await once(channel, 'finish');
    expect(sent).toEqual(['eof 7']);
    channel.signal('TERM'); // the library's own method: a silent no-op once EOF was sent
    expect(sent).toEqual(['eof 7']);
    expect(signalChannel(channel, 'TERM')).toBe(true);
    expect(signalChannel(channel, 'KILL')).toBe(true);
    expect(sent).toEqual(['eof 7', 'signal 7 TERM', 'signal 7 KILL']);
  });

  it('sends nothing on a channel that is closing or closed', () => {
    const { channel, sent } = open();
    channel.close();
    expect(signalChannel(channel, 'KILL')).toBe(false);
    expect(sent).toEqual(['close 7']);
    expect(signalChannel({} as never, 'KILL')).toBe(false);
  });
});

describe('withRemoteTimeout (the host ends a command that ran past --task-timeout)', () => {
  // As sshd runs it: the login shell with -c and the command string; $SHELL is the login shell.
  const sh = (command: string, opts: { input?: string; env?: NodeJS.ProcessEnv } = {}) =>
    spawnSync('/bin/sh', ['-c', command], { input: opts.input ?? '', env: opts.env ?? { PATH: process.env.PATH, SHELL: '/bin/sh' }, encoding: 'utf8', timeout: 20_000 });
  const alive = (pid: number) => {
    try {
      return existsSync(`/proc/${pid}`) && !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    } catch {
      return false; // gone between the two reads
    }
  };

  it('leaves a command within its limit as it was: stdin, stdout, stderr, exit code, quotes', () => {
    const r = sh(withRemoteTimeout(`cat; echo "it's" >&2; exit 3`, 5000), { input: 'abc' });
    expect([r.status, r.stdout, r.stderr]).toEqual([3, 'abc', "it's\n"]);
  });

  it('ends the command and everything it started once the limit is past (rounded up to seconds)', async () => {
    expect(withRemoteTimeout('x', 1500)).toContain('timeout -k 1 2 ');
    expect(withRemoteTimeout('x', 300_000)).toContain('timeout -k 1 300 ');
    const t0 = Date.now();
    const r = sh(withRemoteTimeout('sleep 30 & echo $!; sleep 30', 1000));
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(r.status).toBe(124);
    const pid = Number(r.stdout.trim());
    expect(pid).toBeGreaterThan(0);
    // TERM went to the whole group; on a loaded machine the background sleep may take a moment to die.
    await vi.waitFor(() => expect(alive(pid)).toBe(false), { timeout: 3_000, interval: 50 });
  });

  it('KILLs a command that ignores TERM a second later', () => {
    const t0 = Date.now();
    const r = sh(withRemoteTimeout(`trap '' TERM; sleep 30`, 1000));
    // KILL goes to the whole process group, `timeout` included.
    expect([r.status, r.signal]).toEqual([null, 'SIGKILL']);
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('runs the command as it is on a host without timeout', () => {
    const r = sh(withRemoteTimeout('echo hi; exit 5', 1000), { env: { PATH: '/nonexistent' } });
    expect([r.status, r.stdout]).toEqual([5, 'hi\n']);
  });
});
