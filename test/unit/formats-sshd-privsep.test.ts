// The message sshd exits with when its privilege separation directory is missing, as sshd -t
// prints it on stderr (lines end in \r\n), with or without warnings before it.
import { describe, it, expect } from 'vitest';
import { missingPrivsepDir } from '../../src/formats/sshd-privsep.js';

describe('missingPrivsepDir', () => {
  it("reads the directory from sshd's fatal line, \\r\\n and all", () => {
    expect(missingPrivsepDir('Missing privilege separation directory: /run/sshd\r\n')).toBe('/run/sshd');
  });

  it('warnings before the fatal do not hide it', () => {
    expect(missingPrivsepDir('/etc/ssh/sshd_config line 12: Deprecated option UsePrivilegeSeparation\r\nMissing privilege separation directory: /var/empty\r\n')).toBe('/var/empty');
  });

  it('any other failure is not it: a configuration error, or the message before a later fatal', () => {
    expect(missingPrivsepDir('/etc/ssh/sshd_config line 3: Bad configuration option: Nope\r\n')).toBeUndefined();
    expect(missingPrivsepDir('Missing privilege separation directory: /run/sshd\r\nsshd: no hostkeys available -- exiting.\r\n')).toBeUndefined();
    expect(missingPrivsepDir('Missing privilege separation directory: run/sshd\n')).toBeUndefined();
    expect(missingPrivsepDir('')).toBeUndefined();
  });
});
