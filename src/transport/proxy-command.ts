// ProxyCommand, as OpenSSH runs it: `exec <command>` through the user's shell, its stdin/stdout
// the SSH byte stream. The working path of a locked-out cloud host is often no IP at all (AWS
// SSM, GCP IAP, Teleport): it reaches sshd from localhost, which is why it still works.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { Duplex } from 'node:stream';
import type { Readable, Writable } from 'node:stream';
import { ValidationError } from '../errors.js';

/** The tokens ssh_config(5) allows in ProxyCommand: %h %n %p %r and %%. */
export interface ProxyTokens {
  /** %h: the host name to connect to (HostName / ansible_host). */
  host: string;
  /** %p: the port. */
  port: number;
  /** %r: the remote user. */
  user: string;
  /** %n: the host name as given (inventory name or ssh alias). */
  original: string;
}

/** Values that go into a shell command line unquoted: no shell metacharacter passes. */
const SAFE = /^(?:[A-Za-z0-9._:@%+-]+|\[[0-9A-Fa-f:.%A-Za-z]+\])$/;

/** Expand %-tokens; a value outside the safe set is refused rather than quoted (OpenSSH pastes it). */
export function expandProxyCommand(template: string, t: ProxyTokens): string {
  const values: Record<string, string> = { h: t.host, p: String(t.port), r: t.user, n: t.original };
  return template.replace(/%(.)/g, (whole, k: string) => {
    if (k === '%') return '%';
    const v = values[k];
    if (v === undefined) throw new ValidationError(undefined, `ProxyCommand "${template}": token ${whole} is not one ProxyCommand accepts (%h %n %p %r %%)`);
    if (!SAFE.test(v)) {
      throw new ValidationError(undefined, `ProxyCommand "${template}": refusing to put ${JSON.stringify(v)} into a shell command for ${whole} (allowed: letters, digits and . _ : @ % + -)`);
    }
    return v;
  });
}

const STDERR_TAIL = 4096;

/** A running ProxyCommand: its byte stream, and what it said and how it ended when it fails. */
export class ProxyProcess {
  readonly stream: Duplex;
  private tail = '';
  private exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private readonly exited: Promise<void>;

  constructor(readonly command: string, private readonly child: ChildProcessByStdio<Writable, Readable, Readable>) {
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (s: string) => {
      this.tail = (this.tail + s).slice(-STDERR_TAIL);
    });
    this.exited = new Promise((resolve) => {
      child.once('close', (code, signal) => {
        this.exit = { code, signal };
        resolve();
      });
      child.once('error', (err) => {
        this.tail = (this.tail + err.message).slice(-STDERR_TAIL);
        this.exit ??= { code: null, signal: null };
        resolve();
      });
    });
    this.stream = proxyStream(child);
  }

  /** Wait up to `ms` for the child to end (it usually has, when the handshake failed). */
  async settle(ms: number): Promise<void> {
    let t: NodeJS.Timeout | undefined;
    await Promise.race([this.exited, new Promise<void>((r) => (t = setTimeout(r, ms)))]);
    clearTimeout(t);
  }

  get hasExited(): boolean {
    return this.exit !== undefined;
  }

  /** `ProxyCommand exited with code 7: no route`, or `ProxyCommand still running` with its stderr. */
  describe(): string {
    const e = this.exit;
    const how = !e ? 'still running' : e.signal ? `killed by ${e.signal}` : `exited with code ${e.code}`;
    const err = this.tail.trim().replace(/\s*\n\s*/g, ' | ');
    return `ProxyCommand ${how}${err ? `: ${err}` : ''}`;
  }

  kill(): void {
    if (this.exit === undefined) this.child.kill('SIGTERM');
  }
}

/** Start `command` (already expanded) as `$SHELL -c 'exec command'`, OpenSSH's way. */
export function startProxyCommand(command: string, env: NodeJS.ProcessEnv = process.env): ProxyProcess {
  const shell = env.SHELL || '/bin/sh';
  const child = spawn(shell, ['-c', `exec ${command}`], { stdio: ['pipe', 'pipe', 'pipe'], env });
  return new ProxyProcess(command, child);
}

/** The child's stdout/stdin as one Duplex for ssh2's `sock`; destroying it kills the child. */
function proxyStream(child: ChildProcessByStdio<Writable, Readable, Readable>): Duplex {
  const { stdin, stdout } = child;
  stdin.on('error', () => undefined); // EPIPE after the child exited: the read side reports the end
  const d = new Duplex({
    allowHalfOpen: false,
    read() {
      stdout.resume();
    },
    write(chunk: Buffer, _enc, cb) {
      if (stdin.destroyed) return cb();
      stdin.write(chunk, () => cb());
    },
    final(cb) {
      stdin.end();
      cb();
    },
    destroy(err, cb) {
      stdout.destroy();
      stdin.destroy();
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      cb(err);
    },
  });
  stdout.on('data', (b: Buffer) => {
    if (!d.push(b)) stdout.pause();
  });
  stdout.once('end', () => d.push(null));
  return d;
}
