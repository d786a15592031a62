// The client side, in the root namespace: plain OpenSSH logins and raw TCP to a host's port 22,
// from either bridge address (the blocked client or the management path).
import { connect, type Socket } from 'node:net';
import { poll, run } from './run.js';
import type { LoginResult } from './types.js';

export interface ClientFiles {
  keyFile: string;
  knownHostsFile: string;
  strangerKeyFile?: string; // a key no host authorizes
}

// Above the ~5 s libwrap waits before resetting a refused connection, so that refusal is seen.
export const DEFAULT_LOGIN_TIMEOUT_MS = 15_000;

/** `ssh -b from root@ip command` with nothing but the lab's key and known_hosts (-F /dev/null). */
export async function sshLogin(
  files: ClientFiles,
  ip: string,
  from: string,
  { timeoutMs = DEFAULT_LOGIN_TIMEOUT_MS, command = 'true', stranger = false }: { timeoutMs?: number; command?: string; stranger?: boolean } = {},
): Promise<LoginResult> {
  const connectTimeout = Math.max(1, Math.floor(timeoutMs / 1000) - 2); // also bounds the banner wait
  if (stranger && !files.strangerKeyFile) throw new Error('lab: no stranger key');
  const args = [
    '-F', '/dev/null', '-b', from, '-i', stranger ? files.strangerKeyFile! : files.keyFile,
    '-o', 'BatchMode=yes', '-o', 'IdentitiesOnly=yes', '-o', 'IdentityAgent=none',
    '-o', 'StrictHostKeyChecking=yes', '-o', `UserKnownHostsFile=${files.knownHostsFile}`,
    '-o', 'GlobalKnownHostsFile=/dev/null', '-o', 'UpdateHostKeys=no',
    '-o', `ConnectTimeout=${connectTimeout}`, '-o', 'ConnectionAttempts=1',
    '-o', 'ControlMaster=no', '-o', 'ControlPath=none', '-T',
    `root@${ip}`, command,
  ];
  const t0 = Date.now();
  const r = await run('ssh', args, { timeoutMs });
  return { ok: r.code === 0, code: r.code, stderr: r.stderr, ms: Date.now() - t0 };
}

/** Resolves with the server's identification line, or rejects if the connection ends without one. */
export function readBanner(ip: string, from: string, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host: ip, port: 22, localAddress: from, timeout: timeoutMs });
    let buf = '';
    const done = (err: Error | null, line?: string): void => {
      sock.destroy();
      if (err) reject(err);
      else resolve(line!);
    };
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => {
      buf += d;
      const line = buf.split('\r\n').find((l) => l.startsWith('SSH-'));
      if (line) done(null, line);
    });
    sock.on('timeout', () => done(new Error(`no SSH banner from ${ip} within ${timeoutMs} ms`)));
    sock.on('error', (err) => done(err));
    sock.on('close', () => done(new Error(`${ip}:22 closed without a banner (from ${from})`)));
  });
}

export async function waitForBanner(ip: string, from: string, timeoutMs = 20_000): Promise<string> {
  return poll(`an SSH banner from ${ip} (from ${from})`, () => readBanner(ip, from, 3_000), { timeoutMs, intervalMs: 100 });
}

/**
 * Open n TCP connections to ip:22 that never send an identification string: each stays an
 * unauthenticated "startup" for sshd until LoginGraceTime, which is how MaxStartups fills up.
 * Resolves once every connection got its banner or was dropped; the closer ends them all.
 */
export async function holdConnections(ip: string, from: string, n: number): Promise<() => void> {
  const sockets: Socket[] = [];
  const settled = Array.from({ length: n }, () => {
    const sock = connect({ host: ip, port: 22, localAddress: from });
    sockets.push(sock);
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 5_000);
      const end = (): void => {
        clearTimeout(timer);
        resolve();
      };
      sock.once('data', end);
      sock.once('close', end);
      sock.on('error', () => {}); // dropped connections are part of the experiment
    });
  });
  await Promise.all(settled);
  return () => {
    for (const s of sockets) s.destroy();
  };
}
