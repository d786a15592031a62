// hosts.allow/hosts.deny parsing: byte-identical round trips over a corpus of awkward files, and
// the logical-line / field structure libwrap would see.
import { describe, it, expect } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  parseHostsAccess,
  serializeHostsAccess,
  parseOptions,
  parsePatternList,
  type Rule,
} from '../../src/formats/hosts-access.js';

const DIR = 'test/fixtures/hosts-access';
const corpus = readdirSync(DIR)
  .filter((f) => /\.(allow|deny)$/.test(f))
  .sort();
const read = (name: string): string => readFileSync(join(DIR, name), 'utf8');
const rules = (text: string): Rule[] => parseHostsAccess(text).rules;

describe('round trip', () => {
  it('has a corpus of at least 15 files', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(15);
  });
  it.each(corpus)('%s serializes back byte for byte', (name) => {
    const text = read(name);
    const parsed = parseHostsAccess(text);
    expect(serializeHostsAccess(parsed)).toBe(text);
    // Entries tile the physical lines with no gap or overlap.
    let next = 1;
    for (const e of parsed.entries) {
      expect(e.firstLine).toBe(next);
      expect(e.lastLine).toBeGreaterThanOrEqual(e.firstLine);
      next = e.lastLine + 1;
    }
    expect(next - 1).toBe(parsed.lineCount);
  });
  it('round-trips random byte soup made of the awkward characters', () => {
    const alphabet = ['\n', '\r\n', '\r', '\\', '\\\n', ':', '\\:', '#', ' ', '\t', ',', '[', ']', 'a', 'EXCEPT', '1.2.3.4'];
    let seed = 42;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let i = 0; i < 500; i++) {
      let s = '';
      for (let j = rnd(40); j > 0; j--) s += alphabet[rnd(alphabet.length)];
      expect(serializeHostsAccess(parseHostsAccess(s))).toBe(s);
    }
  });
});

describe('logical lines', () => {
  it('follows backslash-newline continuations across several physical lines', () => {
    const f = parseHostsAccess(read('05-continuations.allow'));
    const [first, third] = f.rules;
    expect(f.rules).toHaveLength(2);
    expect([first?.firstLine, first?.lastLine]).toEqual([1, 3]);
    expect(first?.clients.patterns).toEqual(['10.0.0.1', '10.0.0.2', '10.0.0.3']);
    // A comment ending in a backslash swallows the next line (libwrap joins before testing '#').
    const comment = f.entries.find((e) => e.kind === 'comment');
    expect([comment?.firstLine, comment?.lastLine]).toEqual([4, 5]);
    expect(f.rules.some((r) => r.clientText.includes('10.9.9.9'))).toBe(false);
    // The join is exact: no space is inserted.
    expect(third?.clients.patterns).toEqual(['10.0.0.7']);
    expect([third?.firstLine, third?.lastLine]).toEqual([6, 7]);
  });
  it('does not continue a line whose backslash precedes CRLF', () => {
    const f = parseHostsAccess(read('12-crlf-continuation.deny'));
    expect(f.eol).toBe('\r\n');
    expect(f.rules[0]?.lastLine).toBe(1);
    expect(f.rules[0]?.notes.join()).toMatch(/CRLF/);
    expect(f.entries[1]?.kind).toBe('invalid');
  });
  it('does not continue when a space follows the backslash, but does after a doubled one', () => {
    const f = parseHostsAccess(read('20-backslash-not-last.deny'));
    expect(f.rules[0]?.lastLine).toBe(1);
    expect(f.rules[1]?.firstLine).toBe(3);
    expect(f.rules[1]?.lastLine).toBe(4);
    expect(f.rules[1]?.clients.patterns).toEqual(['10.0.0.3', '\\10.0.0.4']);
  });
  it('marks an unterminated last line and a continuation into EOF as inactive', () => {
    const a = rules(read('04-no-trailing-newline.deny'));
    expect(a.map((r) => r.active)).toEqual([true, false]);
    const b = rules(read('13-continuation-at-eof.deny'));
    expect(b.map((r) => r.active)).toEqual([true, false]);
    expect(b[1]?.complete).toBe(false);
  });
  it('treats only a first-column # as a comment', () => {
    const f = parseHostsAccess(read('11-leading-whitespace.allow'));
    expect(f.entries.map((e) => e.kind)).toEqual(['rule', 'rule', 'rule']);
    expect(f.rules[1]?.daemons.patterns).toEqual(['#', 'looks', 'like', 'a', 'comment']);
    expect(f.rules[1]?.notes.join()).toMatch(/indented/);
    const inline = rules(read('22-inline-hash.deny'));
    expect(inline[0]?.clients.patterns).toEqual(['10.0.0.1', '#', 'my', 'laptop']);
  });
  it('classifies blank, whitespace-only, invalid and unicode lines', () => {
    const f = parseHostsAccess(read('19-invalid-lines.deny'));
    expect(f.entries.map((e) => e.kind)).toEqual(['invalid', 'invalid', 'rule', 'rule', 'comment', 'invalid']);
    expect(parseHostsAccess(read('15-only-newlines.allow')).entries.map((e) => e.kind)).toEqual([
      'blank',
      'blank',
      'blank',
    ]);
    expect(parseHostsAccess('').entries).toEqual([]);
  });
  it('reads a lone CR as part of the line, as libwrap does', () => {
    const f = parseHostsAccess(read('16-mixed-eol.allow'));
    expect(f.rules.map((r) => [r.firstLine, r.clients.patterns])).toEqual([
      [2, ['10.0.0.1']],
      [3, ['10.0.0.2', 'sshd']],
    ]);
  });
});

describe('fields', () => {
  it('splits daemon, client and option fields at colons outside brackets', () => {
    const [a, b, c] = rules(read('08-ipv6.deny'));
    expect(a?.daemonText).toBe('sshd');
    expect(a?.clients.patterns).toEqual(['[2001:db8::1]']);
    expect(b?.clients.patterns).toEqual(['[2001:db8:1::]/48', '[fe80::]/10']);
    expect(c?.optionText).toBe(' allow');
    expect(c?.options.map((o) => o.name)).toEqual(['allow']);
  });
  it('keeps tabs and leading whitespace out of tokens', () => {
    const [a, b] = rules(read('09-tabs.deny'));
    expect(a?.daemons.patterns).toEqual(['sshd']);
    expect(a?.clients.patterns).toEqual(['10.0.0.1', '10.0.0.2']);
    expect(b?.daemons.patterns).toEqual(['sshd']);
  });
  it('nests EXCEPT to the right in both lists', () => {
    const [a, , c] = rules(read('06-except-nested.deny'));
    expect(a?.clients).toEqual({
      patterns: ['ALL'],
      except: { patterns: ['10.0.0.'], except: { patterns: ['10.0.0.66'] } },
    });
    expect(c?.daemons).toEqual({ patterns: ['ALL'], except: { patterns: ['sshd', 'in.ftpd'] } });
    expect(parsePatternList('a except b')).toEqual({ patterns: ['a'], except: { patterns: ['b'] } });
  });
  it('parses options: \\: escapes, spawn/twist commands, errors libwrap would jump on', () => {
    const r = rules(read('07-options-colons.allow'));
    expect(r[0]?.options.map((o) => [o.name, o.value])).toEqual([
      ['spawn', '/bin/echo %a at 12:00 >> /var/log/ssh.log'],
      ['allow', undefined],
    ]);
    expect(r[0]?.optionError).toBeUndefined();
    expect(r[1]?.options[0]?.value).toBe('/bin/echo "go away: now"');
    // An unescaped colon inside a spawn command splits it; "%M >> /tmp/x)" is a bad option name.
    expect(r[2]?.optionError).toMatch(/bad option name/);
    expect(r[3]?.optionError).toBeUndefined();
    // A trailing colon leaves an empty field: "missing option name".
    expect(r[4]?.optionError).toBe('missing option name');
    expect(r[5]?.options[0]?.name).toBe('DENY');
    expect(r[5]?.optionError).toBeUndefined();
  });
  it('checks option arity and position', () => {
    expect(parseOptions(' deny : spawn x\n').error).toMatch(/must be at end/);
    expect(parseOptions(' allow now\n').error).toMatch(/requires no value/);
    expect(parseOptions(' spawn\n').error).toMatch(/requires value/);
    expect(parseOptions(' umask 0999\n').error).toMatch(/umask/);
    expect(parseOptions(' setenv = FOO bar\n').options[0]?.value).toBe('FOO bar');
    expect(parseOptions(' severity local0.bogus\n').error).toMatch(/severity/);
    expect(parseOptions(' rfc931 : nice 5 : keepalive : linger 10 : banners /etc/b\n').error).toBeUndefined();
  });
  it('keeps options that sit on a continuation line', () => {
    const r = rules(read('23-long-mixed.allow'));
    const multi = r.find((x) => x.firstLine === 7);
    expect(multi?.lastLine).toBe(8);
    expect(multi?.options.map((o) => o.name)).toEqual(['severity']);
    expect(multi?.clients).toEqual({ patterns: ['.corp.example.com'], except: { patterns: ['laptop.corp.example.com'] } });
  });
});
