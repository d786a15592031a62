// `connection: local`: commands run with `sh -c` on the controller, same contract as SSH.

import { spawn } from 'node:child_process';
import type { Connection, ExecOptions, ExecResult } from './connection.js';
import { ExecTimeoutError } from './errors.js';

export class LocalConnection implements Connection {
  readonly stats = { connections: 0, execs: 0, bytesIn: 0, bytesOut: 0 };

  async exec(command: string, opts: ExecOptions = {}): Promise<ExecResult> {
    this.stats.execs++;
    const input = opts.stdin === undefined ? undefined : Buffer.isBuffer(opts.stdin) ? opts.stdin : Buffer.from(opts.stdin);
    return new Promise<ExecResult>((resolve, reject) => {
      // Own process group, so a timeout kills the whole pipeline, not just sh.
      const child = spawn('sh', ['-c', command], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let timedOut = false;
      let timer: NodeJS.Timeout | undefined;
      child.stdout.on('data', (b: Buffer) => {
        out.push(b);
        this.stats.bytesIn += b.length;
      });
      child.stderr.on('data', (b: Buffer) => {
        err.push(b);
        this.stats.bytesIn += b.length;
      });
      // A command that exits without reading its stdin makes the write fail with EPIPE.
      child.stdin.on('error', () => undefined);
      child.on('error', (e) => {
        if (timer) clearTimeout(timer);
        reject(e);
      });
      child.on('close', (code, signal) => {
        if (timer) clearTimeout(timer);
        if (timedOut) reject(new ExecTimeoutError(opts.timeoutMs ?? 0, Buffer.concat(out), Buffer.concat(err)));
        else resolve({ code, signal, stdout: Buffer.concat(out), stderr: Buffer.concat(err) });
      });
      if (opts.timeoutMs !== undefined && opts.timeoutMs > 0) {
        timer = setTimeout(() => {
          timedOut = true;
          try {
            if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
          } catch {
            child.kill('SIGKILL');
          }
        }, opts.timeoutMs);
      }
      if (input?.length) {
        this.stats.bytesOut += input.length;
        child.stdin.end(input);
      } else {
        child.stdin.end();
      }
    });
  }

  async close(): Promise<void> {
    // Nothing held open between commands.
  }
}
