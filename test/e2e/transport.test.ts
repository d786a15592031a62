// Real sshd processes on loopback addresses only (127.0.0.1-3, free high ports), each with
// its own temporary config, host key and authorized_keys; nothing leaves this machine.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { createServer, connect as netConnect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { becomeCommand, becomeFailure } from '../../src/transport/become.js';
import { connectFirstWorking } from '../../src/transport/connect.js';
import type { Endpoint, PathSpec } from '../../src/transport/connection.js';
import { fingerprintSha256 } from '../../src/transport/known-hosts.js';
import { JumpPool } from '../../src/transport/jump-pool.js';
import { ConnectError, ExecTimeoutError, SshConnection, type SshConnectOptions } from '../../src/transport/ssh.js';

const SSHD = '/usr/sbin/sshd';
const canRun = process.getuid?.() === 0 && existsSync(SSHD) && existsSync('/usr/bin/ssh-keygen');
const DIRECT: PathSpec = { label: 'direct', via: [] };

interface Sshd {
  host: string;
  port: number;
  proc: ChildProcess;
  log: string[];
  hostKeyPub: string;
}

async function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** Resolves once the server sends its SSH identification. */
async function waitForBanner(host: string, port: number, log: string[]): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = netConnect({ host, port });
      s.setTimeout(1_000, () => {
        s.destroy();
        resolve(false);
      });
      s.once('data', (d) => {
        s.destroy();
        resolve(d.toString().startsWith('SSH-2.0'));
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`sshd on ${host}:${port} did not start:\n${log.join('')}`);
}

function keygen(file: string, type = 'ed25519'): void {
  execFileSync('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', '', '-f', file]);
}

describe.skipIf(!canRun)('ssh transport against real sshd', () => {
  const dir = mkdtempSync(join(tmpdir(), 'remedy-e2e-ssh-'));
  const servers: Sshd[] = [];
  const cleanups: Array<() => void> = [];
  let A: Sshd; // 127.0.0.1: the usual target, also the jump host
  let B: Sshd; // 127.0.0.3 only, MaxSessions 3: reached through A
  let K: Sshd; // 127.0.0.1: key exchange nobody in ssh2 speaks
  const clientKey = join(dir, 'id_client');
  const strangerKey = join(dir, 'id_stranger');
  const knownHosts = join(dir, 'known_hosts');

  async function startSshd(name: string, host: string, extra: string[] = []): Promise<Sshd> {
    const port = await freePort(host);
    const hostKey = join(dir, `host_${name}`);
    keygen(hostKey);
    const cfg = join(dir, `sshd_${name}.conf`);
    writeFileSync(
      cfg,
      [
        `Port ${port}`,
        `ListenAddress ${host}`,
        `HostKey ${hostKey}`,
        'PidFile none',
        `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
        'StrictModes no',
        'UsePAM no',
        'PermitRootLogin yes',
        'PasswordAuthentication yes',
        'KbdInteractiveAuthentication no',
        'AllowTcpForwarding yes',
        'PrintMotd no',
        'LogLevel VERBOSE',
        ...extra,
        '',
      ].join('\n'),
    );
    const log: string[] = [];
    const proc = spawn(SSHD, ['-D', '-e', '-f', cfg], { stdio: ['ignore', 'ignore', 'pipe'] });
    proc.stderr?.on('data', (d: Buffer) => log.push(d.toString()));
    const s: Sshd = { host, port, proc, log, hostKeyPub: readFileSync(`${hostKey}.pub`, 'utf8').trim() };
    servers.push(s);
    await waitForBanner(host, port, log);
    return s;
  }

  const knownLine = (s: Sshd, name = s.host): string => {
    const [type, b64] = s.hostKeyPub.split(' ');
    return `[${name}]:${s.port} ${type} ${b64}`;
  };
  const fpOf = (s: Sshd): string => fingerprintSha256(Buffer.from(s.hostKeyPub.split(' ')[1] ?? '', 'base64'));

  const ep = (s: Sshd, over: Partial<Endpoint> = {}): Endpoint => ({
    alias: `sshd-${s.host}-${s.port}`,
    host: s.host,
    port: s.port,
    user: 'root',
    identityFiles: [clientKey],
    ...over,
  });
  /** Hermetic options: our known_hosts only, no agent, no ~/.ssh keys. */
  const opts = (over: SshConnectOptions = {}): SshConnectOptions => ({
    userKnownHostsFiles: [knownHosts],
    globalKnownHostsFiles: [],
    agent: null,
    defaultIdentityFiles: [],
    readyTimeoutMs: 10_000,
    ...over,
  });

  async function connectError(p: Promise<unknown>): Promise<ConnectError> {
    try {
      const c = await p;
      await (c as SshConnection).close();
    } catch (err) {
      expect(err).toBeInstanceOf(ConnectError);
      return err as ConnectError;
    }
    throw new Error('expected the connection to fail');
  }

  beforeAll(async () => {
    if (!existsSync('/run/sshd')) {
      // sshd insists on its privilege separation directory even for a test instance.
      mkdirSync('/run/sshd', { mode: 0o755 });
      cleanups.push(() => rmdirSync('/run/sshd'));
    }
    keygen(clientKey);
    keygen(strangerKey);
    writeFileSync(join(dir, 'authorized_keys'), readFileSync(`${clientKey}.pub`));
    // A also has an ECDSA host key: known_hosts listing only that one must steer negotiation.
    keygen(join(dir, 'host_a_ecdsa'), 'ecdsa');
    A = await startSshd('a', '127.0.0.1', [`HostKey ${join(dir, 'host_a_ecdsa')}`]);
    B = await startSshd('b', '127.0.0.3', ['MaxSessions 3']);
    K = await startSshd('k', '127.0.0.1', ['KexAlgorithms sntrup761x25519-sha512@openssh.com']);
    writeFileSync(knownHosts, `${knownLine(A)}\n${knownLine(B)}\n${knownLine(K)}\n`);
  });

  afterAll(async () => {
    await Promise.all(
      servers.map(
        (s) =>
          new Promise<void>((resolve) => {
            if (s.proc.exitCode !== null || s.proc.signalCode !== null) return resolve();
            s.proc.once('exit', () => resolve());
            s.proc.kill('SIGTERM');
          }),
      ),
    );
    for (const c of cleanups.reverse()) {
      try {
        c();
      } catch {
        /* best effort */
      }
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs commands with stdin, exit codes, signals and separate stderr', async () => {
    const conn = await SshConnection.connect(ep(A), DIRECT, opts());
    try {
      const bin = Buffer.from([0, 1, 2, 255, 10, 13, 65]);
      const r1 = await conn.exec('cat; echo err >&2; exit 3', { stdin: bin });
      expect(r1.code).toBe(3);
      expect(r1.signal).toBeNull();
      expect(r1.stdout.equals(bin)).toBe(true);
      expect(r1.stderr.toString()).toBe('err\n');
      const r2 = await conn.exec('kill -9 $$');
      expect(r2.code).toBeNull();
      expect(r2.signal).toBe('SIGKILL');
      const r3 = await conn.exec('printf %s "$USER"');
      expect(r3.stdout.toString()).toBe('root');
      await expect(conn.exec('sleep 5', { timeoutMs: 300 })).rejects.toBeInstanceOf(ExecTimeoutError);
      expect(conn.stats).toMatchObject({ connections: 1, execs: 4 });
      expect(conn.stats.bytesOut).toBe(bin.length);
      expect(conn.stats.bytesIn).toBe(bin.length + 4 + 4);
    } finally {
      await conn.close();
    }
  });

  it('runs many commands concurrently on one connection (more than MaxSessions)', async () => {
    const conn = await SshConnection.connect(ep(A), DIRECT, opts());
    try {
      const started = Date.now();
      const results = await Promise.all(
        Array.from({ length: 14 }, (_, i) => conn.exec(`sleep 0.5; echo ${i}`, { stdin: `in${i}` })),
      );
      expect(results.map((r) => r.stdout.toString().trim())).toEqual(Array.from({ length: 14 }, (_, i) => String(i)));
      // 14 × 0.5 s one after another would take 7 s; in parallel about 1-2 s.
      expect(Date.now() - started).toBeLessThan(6_000);
    } finally {
      await conn.close();
    }
  });

  it('adapts to a server with a low MaxSessions', async () => {
    const conn = await SshConnection.connect(ep(B), DIRECT, opts());
    try {
      const results = await Promise.all(Array.from({ length: 8 }, (_, i) => conn.exec(`sleep 0.2; echo ${i}`)));
      expect(results.map((r) => r.stdout.toString().trim())).toEqual(Array.from({ length: 8 }, (_, i) => String(i)));
      expect(conn.stats.execs).toBe(8);
    } finally {
      await conn.close();
    }
  });

  it('strict mode refuses an unknown host key, naming type and SHA256 fingerprint', async () => {
    const empty = join(dir, 'kh-empty');
    writeFileSync(empty, '');
    const err = await connectError(SshConnection.connect(ep(A), DIRECT, opts({ userKnownHostsFiles: [empty] })));
    expect(err.phase).toBe('hostkey');
    expect(err.message).toContain(fpOf(A));
    expect(err.message).toContain('ssh-ed25519');
    expect(err.message).toContain(`[127.0.0.1]:${A.port}`);
    expect(readFileSync(empty, 'utf8')).toBe('');
  });

  it('accept-new records an unknown key (creating ~/.ssh-like dirs) and then it matches', async () => {
    const file = join(dir, 'fresh-home', '.ssh', 'known_hosts');
    const conn = await SshConnection.connect(ep(A), DIRECT, opts({ userKnownHostsFiles: [file], hostKeyMode: 'accept-new' }));
    await conn.close();
    expect(readFileSync(file, 'utf8')).toBe(`${knownLine(A)}\n`);
    const again = await SshConnection.connect(ep(A), DIRECT, opts({ userKnownHostsFiles: [file], hostKeyMode: 'strict' }));
    await again.close();
  });

  it('negotiates the host key type known_hosts already has (like OpenSSH)', async () => {
    const file = join(dir, 'kh-ecdsa');
    const [type, b64] = readFileSync(join(dir, 'host_a_ecdsa.pub'), 'utf8').split(' ');
    writeFileSync(file, `[127.0.0.1]:${A.port} ${type} ${b64}\n`);
    const conn = await SshConnection.connect(ep(A), DIRECT, opts({ userKnownHostsFiles: [file] }));
    await conn.close();
  });

  it('a changed key is refused even with accept-new', async () => {
    const file = join(dir, 'kh-changed');
    const [type, b64] = B.hostKeyPub.split(' ');
    writeFileSync(file, `[127.0.0.1]:${A.port} ${type} ${b64}\n`); // B's key listed for A
    const err = await connectError(
      SshConnection.connect(ep(A), DIRECT, opts({ userKnownHostsFiles: [file], hostKeyMode: 'accept-new' })),
    );
    expect(err.phase).toBe('hostkey');
    expect(err.message).toMatch(/CHANGED/);
    expect(err.message).toContain(fpOf(A));
    expect(err.message).toContain(`${file}:1`);
    expect(readFileSync(file, 'utf8').split('\n').filter(Boolean)).toHaveLength(1);
  });

  it('a revoked key is refused even with host key checking off', async () => {
    const file = join(dir, 'kh-revoked');
    writeFileSync(file, `@revoked * ${A.hostKeyPub}\n`);
    const err = await connectError(SshConnection.connect(ep(A), DIRECT, opts({ userKnownHostsFiles: [file], hostKeyMode: 'off' })));
    expect(err.phase).toBe('hostkey');
    expect(err.message).toMatch(/REVOKED/);
  });

  it('authentication failure is phase auth on the failing hop', async () => {
    const err = await connectError(SshConnection.connect(ep(A, { alias: 'a-target', identityFiles: [strangerKey] }), DIRECT, opts()));
    expect(err.phase).toBe('auth');
    expect(err.hop).toBe('a-target');
    expect(err.path).toBe('direct');
    expect(err.message).toContain(strangerKey);
    expect(err.message).toMatch(/server accepts .*publickey/);
  });

  it('a refused port is phase connect', async () => {
    const port = await freePort('127.0.0.1');
    const err = await connectError(SshConnection.connect(ep(A, { port }), DIRECT, opts()));
    expect(err.phase).toBe('connect');
    expect(err.message).toContain('ECONNREFUSED');
  });

  it('no common key exchange algorithm is phase kex', async () => {
    const err = await connectError(SshConnection.connect(ep(K), DIRECT, opts()));
    expect(err.phase).toBe('kex');
    expect(err.message).toMatch(/key exchange/);
  });

  describe('servers that break before the SSH banner', () => {
    const fakes: Server[] = [];
    const held: Socket[] = [];
    afterAll(async () => {
      for (const s of held) s.destroy();
      await Promise.all(fakes.map((f) => new Promise((r) => f.close(r))));
    });
    async function fake(onConn: (s: Socket) => void): Promise<number> {
      const srv = createServer(onConn);
      fakes.push(srv);
      return new Promise((resolve) => srv.listen(0, '127.0.0.1', () => resolve((srv.address() as { port: number }).port)));
    }

    it('reset after a delay (tcp_wrappers) is phase banner', async () => {
      const port = await fake((s) => setTimeout(() => s.resetAndDestroy(), 300));
      const err = await connectError(SshConnection.connect(ep(A, { port }), DIRECT, opts()));
      expect(err.phase).toBe('banner');
      expect(err.message).toMatch(/ECONNRESET|Connection lost/);
    });

    it('closed at once (MaxStartups) is phase banner', async () => {
      const port = await fake((s) => s.destroy()); // close(fd) right after accept, like sshd
      const err = await connectError(SshConnection.connect(ep(A, { port }), DIRECT, opts()));
      expect(err.phase).toBe('banner');
    });

    it('silence until readyTimeout is phase timeout', async () => {
      const port = await fake((s) => held.push(s));
      const err = await connectError(SshConnection.connect(ep(A, { port }), DIRECT, opts({ readyTimeoutMs: 700 })));
      expect(err.phase).toBe('timeout');
    });
  });

  it('jumps through one sshd to another listening only on 127.0.0.3', async () => {
    const jump = ep(A, { alias: 'bastion' });
    const path: PathSpec = { label: 'via bastion', via: [jump] };
    const conn = await SshConnection.connect(ep(B, { alias: 'inner' }), path, opts());
    try {
      const r = await conn.exec('echo "$SSH_CONNECTION"');
      const [src, , dst, dport] = r.stdout.toString().trim().split(' ');
      expect(src).toMatch(/^127\./);
      expect(dst).toBe('127.0.0.3');
      expect(Number(dport)).toBe(B.port);
      expect(conn.stats.connections).toBe(2);
    } finally {
      await conn.close();
    }
    // Host keys are checked on the target behind the jump too.
    const onlyA = join(dir, 'kh-only-a');
    writeFileSync(onlyA, `${knownLine(A)}\n`);
    const err = await connectError(SshConnection.connect(ep(B, { alias: 'inner' }), path, opts({ userKnownHostsFiles: [onlyA] })));
    expect(err).toMatchObject({ phase: 'hostkey', hop: 'inner', path: 'via bastion' });
    expect(err.message).toContain(fpOf(B));
  });

  it('with a JumpPool, targets behind the same jump host share one login on it; its key is still checked', async () => {
    const path: PathSpec = { label: 'via bastion', via: [ep(A, { alias: 'bastion' })] };
    const logins = (): number => A.log.join('').split('\n').filter((l) => l.includes('Accepted publickey')).length;
    const pool = new JumpPool();
    try {
      const before = logins();
      const conns = await Promise.all(Array.from({ length: 6 }, (_, i) => SshConnection.connect(ep(B, { alias: `inner${i}` }), path, opts({ jumpPool: pool }))));
      try {
        const out = await Promise.all(conns.map((c) => c.exec('echo "$SSH_CONNECTION"')));
        for (const r of out) expect(r.stdout.toString().split(' ')[2]).toBe('127.0.0.3');
        // The target's own login only; the jump is counted once, by the pool.
        for (const c of conns) expect(c.stats.connections).toBe(1);
      } finally {
        await Promise.all(conns.map((c) => c.close()));
      }
      await new Promise((r) => setTimeout(r, 200)); // sshd logs the login as it happens; let it land
      expect(logins()).toBe(before + 1);
      expect(pool.stats()).toEqual([{ chain: `root@${A.host}:${A.port}`, logins: 1, channels: 6 }]);
    } finally {
      await pool.close();
    }
    // A jump host whose key is unknown refuses every target behind it: the shared opening fails
    // for all of them, with each target's own path.
    const onlyB = join(dir, 'kh-only-b');
    writeFileSync(onlyB, `${knownLine(B)}\n`);
    const strict = new JumpPool();
    try {
      const errs = await Promise.all([0, 1, 2].map((i) => connectError(SshConnection.connect(ep(B, { alias: `inner${i}` }), path, opts({ jumpPool: strict, userKnownHostsFiles: [onlyB] })))));
      for (const e of errs) expect(e).toMatchObject({ phase: 'hostkey', hop: 'bastion', path: 'via bastion' });
      expect(strict.stats()).toEqual([]);
    } finally {
      await strict.close();
    }
  });

  it('names the hop that failed on a jump path', async () => {
    const path: PathSpec = { label: 'via bastion', via: [ep(A, { alias: 'bastion' })] };
    const closed = await freePort('127.0.0.3');
    const e1 = await connectError(SshConnection.connect(ep(B, { alias: 'inner', port: closed }), path, opts()));
    expect(e1).toMatchObject({ phase: 'connect', hop: 'inner' });
    const badJump: PathSpec = { label: 'via bastion', via: [ep(A, { alias: 'bastion', identityFiles: [strangerKey] })] };
    const e2 = await connectError(SshConnection.connect(ep(B, { alias: 'inner' }), badJump, opts()));
    expect(e2).toMatchObject({ phase: 'auth', hop: 'bastion' });
  });

  it('bindAddress is the source address the target sees', async () => {
    const conn = await SshConnection.connect(ep(A), { label: 'bind 127.0.0.2', via: [], bindAddress: '127.0.0.2' }, opts());
    try {
      const r = await conn.exec('echo "$SSH_CONNECTION"');
      expect(r.stdout.toString().split(' ')[0]).toBe('127.0.0.2');
    } finally {
      await conn.close();
    }
  });

  it('connectFirstWorking falls through failed paths and never throws for unreachable hosts', async () => {
    const closed = await freePort('127.0.0.1');
    const badJump: PathSpec = { label: 'via dead-bastion', via: [ep(A, { alias: 'dead-bastion', port: closed })] };
    const res = await connectFirstWorking(ep(A), [badJump, DIRECT], opts());
    expect(res.ok).toBe(true);
    if (!res.ok) return;
    expect(res.path.label).toBe('direct');
    expect(res.attempts).toHaveLength(1);
    expect(res.attempts[0]).toMatchObject({ path: 'via dead-bastion', phase: 'connect', hop: 'dead-bastion' });
    await res.conn.close();
    const none = await connectFirstWorking(ep(A, { port: closed }), [DIRECT, { label: 'bind 127.0.0.2', via: [], bindAddress: '127.0.0.2' }], opts());
    expect(none.ok).toBe(false);
    expect(none.attempts.map((a) => a.phase)).toEqual(['connect', 'connect']);
  });

  it.skipIf(!existsSync('/usr/bin/ssh-agent'))('authenticates with ssh-agent when no identity file is given', async () => {
    const sock = join(dir, 'agent.sock');
    const agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
    try {
      for (let i = 0; i < 50 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 100));
      execFileSync('ssh-add', ['-q', clientKey], { env: { ...process.env, SSH_AUTH_SOCK: sock }, stdio: 'ignore' });
      const conn = await SshConnection.connect(ep(A, { identityFiles: [] }), DIRECT, opts({ agent: sock }));
      const r = await conn.exec('echo ok');
      expect(r.stdout.toString()).toBe('ok\n');
      await conn.close();
      // Without the agent the same endpoint has nothing to offer.
      const err = await connectError(SshConnection.connect(ep(A, { identityFiles: [] }), DIRECT, opts()));
      expect(err.phase).toBe('auth');
    } finally {
      agent.kill('SIGTERM');
    }
  });

  it('closes every hop connection on close()', async () => {
    const path: PathSpec = { label: 'via bastion', via: [ep(A, { alias: 'bastion' })] };
    const conn = await SshConnection.connect(ep(B, { alias: 'inner' }), path, opts());
    await conn.close();
    await expect(conn.exec('true')).rejects.toThrow(/closed/);
  });

  const canSudo = existsSync('/usr/bin/sudo') && existsSync('/usr/sbin/useradd') && existsSync('/usr/sbin/userdel');
  it.skipIf(!canSudo)('sudo become with a password sent on stdin (temporary user, removed afterwards)', async () => {
    const user = `rmdy${randomBytes(3).toString('hex')}`;
    const password = `pw-${randomBytes(6).toString('hex')} x`;
    const sudoers = `/etc/sudoers.d/${user}`;
    execFileSync('useradd', ['-M', '-s', '/bin/sh', user]);
    cleanups.push(() => execFileSync('userdel', [user], { stdio: 'ignore' }));
    execFileSync('chpasswd', { input: `${user}:${password}\n` });
    writeFileSync(sudoers, `${user} ALL=(ALL) ALL\n`, { mode: 0o440 });
    cleanups.push(() => rmSync(sudoers, { force: true }));

    // Password authentication for the login itself, too.
    const conn = await SshConnection.connect(ep(A, { user, identityFiles: [], password }), DIRECT, opts());
    try {
      const payload = 'line1\nline2 no newline';
      const w = becomeCommand('id -un; cat', { password }, payload);
      const r = await conn.exec(w.command, { stdin: w.stdin });
      // sshd's "Could not chdir to home directory" is expected: the user has no home.
      expect(r.stderr.toString()).not.toMatch(/sudo|Sorry/);
      expect(r.stdout.toString()).toBe(`root\n${payload}`);

      const bad = becomeCommand('id -un', { password: 'wrong' });
      const rb = await conn.exec(bad.command, { stdin: bad.stdin });
      expect(rb.code).not.toBe(0);
      expect(becomeFailure(rb.stderr)).toBe('incorrect-password');

      const none = becomeCommand('id -un', {});
      const rn = await conn.exec(none.command);
      expect(becomeFailure(rn.stderr)).toBe('password-required');

      // NOPASSWD: sudo does not read the password; the command must still not see it.
      writeFileSync(sudoers, `${user} ALL=(ALL) NOPASSWD: ALL\n`, { mode: 0o440 });
      const w2 = becomeCommand('cat', { password }, 'only this');
      const r2 = await conn.exec(w2.command, { stdin: w2.stdin });
      expect(r2.stdout.toString()).toBe('only this');
    } finally {
      await conn.close();
    }
  });
});
