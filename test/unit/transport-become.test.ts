import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BecomePasswordError, becomeCommand, becomeFailure } from '../../src/transport/become.js';
import { LocalConnection } from '../../src/transport/local.js';
import { quote } from '../../src/shell.js';

describe('becomeCommand', () => {
  it('without a password uses sudo -n and passes stdin through', () => {
    const w = becomeCommand("echo 'hi' > /tmp/x", { user: 'postgres' }, 'data');
    expect(w.command).toBe(`sudo -n -u postgres -- sh -c 'echo '\\''hi'\\'' > /tmp/x'`);
    expect(w.stdin?.toString()).toBe('data');
    expect(becomeCommand('true').command).toBe('sudo -n -u root -- sh -c true');
    expect(becomeCommand('true').stdin).toBeUndefined();
  });

  it('with a password: sudo -S -p "", password + marker first on stdin, never in argv', () => {
    const w = becomeCommand('cat > /etc/motd', { password: 's3cret pw', marker: 'MRK' }, Buffer.from('motd\n'));
    expect(w.command.startsWith(`sudo -S -p '' -u root -- sh -c `)).toBe(true);
    expect(w.command).not.toContain('s3cret');
    expect(w.command.endsWith(` sh 'cat > /etc/motd'`)).toBe(true);
    expect(w.stdin?.toString()).toBe('s3cret pw\nMRK\nmotd\n');
  });

  it('uses a random marker by default', () => {
    const a = becomeCommand('true', { password: 'p' }).stdin?.toString();
    const b = becomeCommand('true', { password: 'p' }).stdin?.toString();
    expect(a).toMatch(/^p\nremedy-become-[0-9a-f]{24}\n$/);
    expect(a).not.toBe(b);
  });

  it('refuses passwords sudo -S cannot read, without echoing them', () => {
    expect(() => becomeCommand('true', { password: 'a\nb' })).toThrow(BecomePasswordError);
    try {
      becomeCommand('true', { password: 'top\nsecret' });
    } catch (e) {
      expect((e as Error).message).not.toContain('secret');
    }
  });

  it('recognises sudo refusals', () => {
    expect(becomeFailure('sudo: a password is required\n')).toBe('password-required');
    expect(becomeFailure('Sorry, try again.\nsudo: 3 incorrect password attempts\n')).toBe('incorrect-password');
    expect(becomeFailure('bob is not in the sudoers file.  This incident will be reported.\n')).toBe('not-allowed');
    expect(becomeFailure('cat: x: No such file')).toBeNull();
  });
});

// The wrapped command run by a real `sh` against a stand-in sudo that, like sudo -S, reads the
// password line byte by byte when it "asks", and runs the command right away when it doesn't
// (NOPASSWD). Either way the command must see exactly the caller's stdin.
describe('becomeCommand through sh with a stand-in sudo', () => {
  const dir = mkdtempSync(join(tmpdir(), 'remedy-become-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(
    join(dir, 'sudo'),
    `#!/bin/sh
ask=0
while [ $# -gt 0 ]; do
  case "$1" in -S) ask=1 ;; -u|-p) shift ;; --) shift; break ;; esac
  shift
done
if [ "$ask" = 1 ] && [ "$FAKE_SUDO_ASK" = 1 ]; then
  IFS= read -r pw
  [ "$pw" = "$FAKE_SUDO_PW" ] || { echo 'Sorry, try again.' >&2; exit 1; }
fi
exec "$@"
`,
  );
  chmodSync(join(dir, 'sudo'), 0o755);
  const conn = new LocalConnection();
  const payload = Buffer.from([0x6c, 0x31, 0x0a, 0x00, 0xff, 0x6e, 0x6f, 0x2d, 0x6e, 0x6c]); // binary, no final newline

  for (const ask of ['1', '0']) {
    it(`stdin reaches the command intact (sudo ${ask === '1' ? 'asks' : 'does not ask'})`, async () => {
      const w = becomeCommand('od -An -tx1 | tr -d " \\n"', { password: 'pw x' }, payload);
      const env = `PATH=${quote(dir)}:"$PATH" FAKE_SUDO_ASK=${ask} FAKE_SUDO_PW=${quote('pw x')}`;
      const res = await conn.exec(`export ${env}; ${w.command}`, { stdin: w.stdin });
      expect(res.code).toBe(0);
      expect(res.stdout.toString().trim()).toBe(payload.toString('hex'));
    });
  }
});
