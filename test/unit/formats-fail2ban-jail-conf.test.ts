import { describe, it, expect } from 'vitest';
import { parseJailConf, planIgnoreIp, planIgnoreIpDetailed, serializeJailConf, splitIgnoreIp } from '../../src/formats/jail-conf.js';

const IP = '203.0.113.7';

describe('parseJailConf (Python configparser rules)', () => {
  const text = [
    '# local overrides',
    '[DEFAULT]',
    'IgnoreIP = 127.0.0.1/8 ::1',
    '    10.0.0.0/8 ; office',
    '',
    '# a comment inside the value does not end it',
    '  192.168.0.0/16',
    'bantime: 1h',
    ';[sshd] commented out',
    '[sshd]',
    'enabled = true # not a comment',
    '',
  ].join('\n');
  const conf = parseJailConf(text);
  it('serializes byte for byte', () => {
    expect(serializeJailConf(conf)).toBe(text);
    for (const t of ['', 'a', '\n', '[x]\r\nk=v', '[x]\rk=v\r', '\ufeff[DEFAULT]\n', 'k = v\n  cont\n']) {
      expect(serializeJailConf(parseJailConf(t))).toBe(t);
    }
  });
  it('lower-cases keys, joins continuation lines, strips `;` inline comments but not `#`', () => {
    const d = conf.sections[0]!;
    expect(d.name).toBe('DEFAULT');
    expect(d.options.map((o) => [o.key, o.name, o.value])).toEqual([
      ['ignoreip', 'IgnoreIP', '127.0.0.1/8 ::1\n10.0.0.0/8\n\n192.168.0.0/16'],
      ['bantime', 'bantime', '1h'],
    ]);
    expect(conf.sections[1]!.options[0]!.value).toBe('true # not a comment');
    expect(splitIgnoreIp(d.options[0]!.value)).toEqual(['127.0.0.1/8', '::1', '10.0.0.0/8', '192.168.0.0/16']);
  });
  it('reports text before any section as an error line', () => {
    expect(parseJailConf('ignoreip = 1.2.3.4\n[DEFAULT]\n').errors).toEqual([0]);
  });
});

describe('planIgnoreIp', () => {
  it.each<[string, string, string]>([
    ['appends to a one-line ignoreip', '[DEFAULT]\nignoreip = 127.0.0.1/8 ::1\nbantime = 1h\n', '[DEFAULT]\nignoreip = 127.0.0.1/8 ::1 203.0.113.7\nbantime = 1h\n'],
    [
      'appends on the last physical line of a multi-line value',
      '[DEFAULT]\nignoreip = 127.0.0.1/8 ::1\n           10.0.0.0/8\n\n[sshd]\nenabled = true\n',
      '[DEFAULT]\nignoreip = 127.0.0.1/8 ::1\n           10.0.0.0/8 203.0.113.7\n\n[sshd]\nenabled = true\n',
    ],
    [
      'skips comment lines inside the value and keeps inline ; comments after the insertion',
      '[DEFAULT]\nignoreip = 127.0.0.1/8,\n  10.0.0.0/8   ; office\n# old: 192.0.2.1\nbantime = 1h\n',
      '[DEFAULT]\nignoreip = 127.0.0.1/8,\n  10.0.0.0/8 203.0.113.7   ; office\n# old: 192.0.2.1\nbantime = 1h\n',
    ],
    ['fills an empty value', '[DEFAULT]\nignoreip =\n', '[DEFAULT]\nignoreip = 203.0.113.7\n'],
    ['adds the key to a [DEFAULT] without one, keeping the loopback defaults', '[DEFAULT]\nbantime = 1h\n', '[DEFAULT]\nignoreip = 127.0.0.1/8 ::1 203.0.113.7\nbantime = 1h\n'],
    [
      'adds [DEFAULT] at the top, after leading comments',
      '# Local jail settings\n#\n\n[sshd]\nenabled = true\n',
      '# Local jail settings\n#\n\n[DEFAULT]\nignoreip = 127.0.0.1/8 ::1 203.0.113.7\n\n[sshd]\nenabled = true\n',
    ],
    ['adds [DEFAULT] before the first section', '[sshd]\nenabled = true\n', '[DEFAULT]\nignoreip = 127.0.0.1/8 ::1 203.0.113.7\n\n[sshd]\nenabled = true\n'],
    ['creates a file from nothing', '', '[DEFAULT]\nignoreip = 127.0.0.1/8 ::1 203.0.113.7\n'],
    ['completes a last line without newline', '# only a comment', '# only a comment\n[DEFAULT]\nignoreip = 127.0.0.1/8 ::1 203.0.113.7\n'],
    ['adds after a header that ends the file', '[DEFAULT]', '[DEFAULT]\nignoreip = 127.0.0.1/8 ::1 203.0.113.7'],
    ['indents like the section, so indented options stay options', '[DEFAULT]\n  bantime = 1h\n', '[DEFAULT]\n  ignoreip = 127.0.0.1/8 ::1 203.0.113.7\n  bantime = 1h\n'],
    ['keys are case-insensitive', '[DEFAULT]\nIgnoreIP = 10.0.0.0/8\n', '[DEFAULT]\nIgnoreIP = 10.0.0.0/8 203.0.113.7\n'],
    ['[default] is a jail, not the defaults', '[default]\nx = 1\n', '[DEFAULT]\nignoreip = 127.0.0.1/8 ::1 203.0.113.7\n\n[default]\nx = 1\n'],
  ])('%s', (_name, before, after) => {
    expect(planIgnoreIp(before, IP)).toBe(after);
    expect(planIgnoreIp(after, IP)).toBe(after); // idempotent
  });

  it('keeps CRLF line endings', () => {
    expect(planIgnoreIp('[DEFAULT]\r\nignoreip = ::1\r\n', IP)).toBe('[DEFAULT]\r\nignoreip = ::1 203.0.113.7\r\n');
    expect(planIgnoreIp('[sshd]\r\nenabled = true\r\n', IP)).toBe('[DEFAULT]\r\nignoreip = 127.0.0.1/8 ::1 203.0.113.7\r\n\r\n[sshd]\r\nenabled = true\r\n');
    expect(planIgnoreIp('[DEFAULT]\r\nbantime = 1h\r\n', IP)).toBe('[DEFAULT]\r\nignoreip = 127.0.0.1/8 ::1 203.0.113.7\r\nbantime = 1h\r\n');
  });

  it.each<[string, string, string]>([
    ['exact', '[DEFAULT]\nignoreip = 127.0.0.1/8 203.0.113.7\n', '203.0.113.7'],
    ['CIDR', '[DEFAULT]\nignoreip = 127.0.0.1/8 203.0.113.0/24\n', '203.0.113.0/24'],
    ['dotted mask', '[DEFAULT]\nignoreip = 203.0.0.0/255.255.0.0\n', '203.0.0.0/255.255.0.0'],
    ['comma separated, on a continuation line', '[DEFAULT]\nignoreip = 127.0.0.1/8,\n   198.51.100.1,203.0.113.7\n', '203.0.113.7'],
  ])('leaves the file alone when an entry already covers the address (%s)', (_n, text, entry) => {
    const r = planIgnoreIpDetailed(text, IP);
    expect(r).toMatchObject({ text, changed: false, action: 'unchanged', coveredBy: entry });
  });

  it('compares IPv6 addresses in any spelling', () => {
    const text = '[DEFAULT]\nignoreip = 127.0.0.1/8 2001:0db8:0000::0007\n';
    expect(planIgnoreIp(text, '2001:db8::7')).toBe(text);
    expect(planIgnoreIp('[DEFAULT]\nignoreip = 2001:db8::/32\n', '2001:db8:1::1')).toBe('[DEFAULT]\nignoreip = 2001:db8::/32\n');
    expect(planIgnoreIp('[DEFAULT]\nignoreip = ::1\n', '2001:db8::7')).toBe('[DEFAULT]\nignoreip = ::1 2001:db8::7\n');
  });

  it('does not count hostnames as covering', () => {
    expect(planIgnoreIp('[DEFAULT]\nignoreip = admin.example.org\n', IP)).toBe('[DEFAULT]\nignoreip = admin.example.org 203.0.113.7\n');
  });

  it('reports jails whose own ignoreip overrides [DEFAULT]', () => {
    const r = planIgnoreIpDetailed('[DEFAULT]\nignoreip = ::1\n[sshd]\nignoreip = 10.0.0.1\n[recidive]\nignoreip = 203.0.113.0/24\n', IP);
    expect(r.action).toBe('appended');
    expect(r.overriddenIn).toEqual(['sshd']);
  });

  it('edits the last ignoreip when [DEFAULT] appears twice', () => {
    expect(planIgnoreIp('[DEFAULT]\nbantime = 1h\n[sshd]\nx = 1\n[DEFAULT]\nignoreip = ::1\n', IP)).toBe('[DEFAULT]\nbantime = 1h\n[sshd]\nx = 1\n[DEFAULT]\nignoreip = ::1 203.0.113.7\n');
  });

  it('falls back to the end of the file when the top would swallow an indented line', () => {
    // `  [sshd]` indented after our new option line would read as its continuation.
    const before = '# c\n  [sshd]\nenabled = true\n';
    const out = planIgnoreIp(before, IP);
    expect(out).toBe('# c\n  [sshd]\nenabled = true\n\n[DEFAULT]\nignoreip = 127.0.0.1/8 ::1 203.0.113.7\n');
    expect(planIgnoreIp(out, IP)).toBe(out);
  });

  it('refuses something that is not an address', () => {
    expect(() => planIgnoreIp('', '203.0.113.0/24')).toThrow();
    expect(() => planIgnoreIp('', 'example.org')).toThrow();
  });
});
