// Privilege escalation with sudo, as pure functions: a command string and the stdin to send.
//
// With a password, sudo -S reads it from stdin one byte at a time up to the newline, so the
// bytes after it reach the command untouched (verified with sudo 1.9.13 on Debian 12: the
// password line followed by "line1\nline2\n" and by an unterminated "abc" both arrived intact).
// The password never appears in argv (process listings) nor in any message built here.
//
// One trap remains: when sudo does NOT ask (NOPASSWD, cached credentials), the password line
// would flow into the command's stdin. So after the password we send a random marker line,
// and a tiny shell prologue discards everything up to and including it before exec'ing the
// real command: if sudo consumed the password, the first line read is the marker; if not,
// the password line is read and dropped. `read` on a pipe consumes byte by byte, so the
// caller's stdin after the marker is left intact (verified the same way, both cases).

import { randomBytes } from 'node:crypto';
import { RemedyError } from '../errors.js';
import { quote, quoteArgv } from '../shell.js';

export interface BecomeOptions {
  /** Target user; default root. */
  user?: string;
  /** sudo password; omitted means `sudo -n` (fail instead of prompting). */
  password?: string;
  /** Marker line for the password case; random unless a test fixes it. */
  marker?: string;
}

export interface BecomeCommand {
  command: string;
  /** What to write to the command's stdin (password and marker first, when given). */
  stdin?: Buffer;
}

export class BecomePasswordError extends RemedyError {
  override name = 'BecomePasswordError';
}

/** Wrap `command` to run as another user via sudo; `stdin` is the caller's own input. */
export function becomeCommand(command: string, opts: BecomeOptions = {}, stdin?: string | Buffer): BecomeCommand {
  const user = opts.user ?? 'root';
  const input = stdin === undefined ? undefined : Buffer.isBuffer(stdin) ? stdin : Buffer.from(stdin);
  if (opts.password === undefined) {
    const cmd = `${quoteArgv(['sudo', '-n', '-u', user, '--', 'sh', '-c'])} ${quote(command)}`;
    return input === undefined ? { command: cmd } : { command: cmd, stdin: input };
  }
  if (/[\r\n\0]/.test(opts.password)) {
    // sudo -S stops at the first newline: such a password cannot be sent this way.
    throw new BecomePasswordError('become password contains a newline or NUL byte');
  }
  const marker = opts.marker ?? `remedy-become-${randomBytes(12).toString('hex')}`;
  if (!/^[A-Za-z0-9_.-]+$/.test(marker)) throw new Error('become marker must be a plain word');
  const prologue = `while IFS= read -r l; do [ "$l" = ${marker} ] && break; done; exec sh -c "$1"`;
  const cmd = `${quoteArgv(['sudo', '-S', '-p', '', '-u', user, '--', 'sh', '-c', prologue, 'sh'])} ${quote(command)}`;
  const head = Buffer.from(`${opts.password}\n${marker}\n`);
  return { command: cmd, stdin: input === undefined ? head : Buffer.concat([head, input]) };
}

export type BecomeFailure = 'password-required' | 'incorrect-password' | 'not-allowed';

/** Recognise sudo's own refusals in stderr (C locale messages), else null. */
export function becomeFailure(stderr: string | Buffer): BecomeFailure | null {
  const s = stderr.toString();
  // "Sorry, try again." first: after a wrong password sudo may also run out of input.
  if (/incorrect password attempts?|Sorry, try again\./.test(s)) return 'incorrect-password';
  if (/sudo: (a )?password is required|no password was provided/.test(s)) return 'password-required';
  if (/is not in the sudoers file|is not allowed to execute|may not run sudo/.test(s)) return 'not-allowed';
  return null;
}
