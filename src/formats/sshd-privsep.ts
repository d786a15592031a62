// sshd's refusal to run without its privilege separation directory (/run/sshd on Debian): the
// one place that knows the message, for the checked restart (which makes the directory) and for
// diagnose (which must not call it an invalid configuration).
//
// OpenSSH's fatal() text, the same since 3.x. sshd reads and parses its whole configuration
// before it checks the directory, so a fatal with this text says the configuration parsed.

export const PRIVSEP_MISSING = 'Missing privilege separation directory: ';

/**
 * The directory when sshd's output ends in that fatal (lines end in \r\n on stderr; warnings
 * may come before it); undefined otherwise.
 */
export function missingPrivsepDir(output: string): string | undefined {
  const last = output.split('\n').map((l) => l.trim()).filter(Boolean).pop();
  const at = last?.indexOf(PRIVSEP_MISSING) ?? -1;
  if (last === undefined || at < 0) return undefined;
  const dir = last.slice(at + PRIVSEP_MISSING.length);
  return dir.startsWith('/') && !/\s/.test(dir) ? dir : undefined;
}
