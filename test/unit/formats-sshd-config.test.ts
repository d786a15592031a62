import { describe, it, expect } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  globFromPaths,
  globToRegExp,
  includeGlobs,
  matchBlocks,
  parseSshdConfig,
  serializeSshdConfig,
  splitArgs,
} from '../../src/formats/sshd-config.js';

const CORPUS = fileURLToPath(new URL('../fixtures/sshd-config/', import.meta.url));

function corpusFiles(dir = CORPUS): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return corpusFiles(p);
    return dir === CORPUS && (name === '.gitattributes' || name === 'README.md') ? [] : [p];
  });
}
const fixture = (name: string): string => readFileSync(join(CORPUS, name), 'utf8');
const parse = (text: string) => parseSshdConfig(text, '/etc/ssh/sshd_config');

describe('sshd_config corpus round trip', () => {
  const files = corpusFiles();
  it('has at least 15 tricky files', () => {
    expect(files.length).toBeGreaterThanOrEqual(15);
  });
  it.each(files.map((f) => [relative(CORPUS, f), f]))('%s serializes back byte for byte', (_name, path) => {
    const bytes = readFileSync(path);
    const text = bytes.toString('utf8');
    const out = serializeSshdConfig(parseSshdConfig(text, path));
    expect(out).toBe(text);
    expect(Buffer.from(out, 'utf8').equals(bytes)).toBe(true);
  });
  it('keeps odd endings: CRLF, a lone CR, no final newline, empty input', () => {
    for (const t of ['a\r\nb\r\n', 'a\rb\n', 'x\ny', '', '\n', '\r\n', 'Port 22\r']) {
      expect(serializeSshdConfig(parse(t))).toBe(t);
    }
  });
});

describe('parseSshdConfig', () => {
  it('records keyword, args and 1-based lines for the Debian default', () => {
    const f = parse(fixture('debian-default.conf'));
    const inc = f.directives.find((d) => d.key === 'include')!;
    expect(inc).toMatchObject({ line: 13, keyword: 'Include', args: ['/etc/ssh/sshd_config.d/*.conf'], block: null });
    const sub = f.directives.find((d) => d.key === 'subsystem')!;
    expect(sub.args).toEqual(['sftp', '/usr/lib/openssh/sftp-server']);
    expect(sub.separator).toBe('\t');
    expect(f.directives.map((d) => d.keyword)).toEqual([
      'Include', 'KbdInteractiveAuthentication', 'UsePAM', 'X11Forwarding', 'PrintMotd', 'AcceptEnv', 'Subsystem',
    ]);
    // The commented "#Match User anoncvs" example is only a comment: no Match block.
    expect(matchBlocks(f)).toEqual([]);
  });

  it('reads Keyword=value, Keyword = value and tab separators like strdelim()', () => {
    const f = parse(fixture('equals.conf'));
    const by = (k: string) => f.directives.find((d) => d.key === k)!;
    expect(by('port')).toMatchObject({ args: ['2222'], separator: '=' });
    expect(by('maxstartups')).toMatchObject({ args: ['10:30:60'], separator: ' = ' });
    expect(by('permitrootlogin')).toMatchObject({ args: ['no'], separator: '= ' });
    expect(by('usedns')).toMatchObject({ args: ['no'], separator: ' =' });
    expect(by('x11forwarding')).toMatchObject({ args: ['no'], separator: '\t=\t' });
    expect(by('logingracetime')).toMatchObject({ args: ['30'], valueText: '30', trailing: ' # short' });
  });

  it('unquotes and unescapes arguments like argv_split(), keeping the raw text for layout', () => {
    const f = parse(fixture('quoted.conf'));
    const by = (k: string) => f.directives.find((d) => d.key === k)!;
    expect(by('authorizedkeyscommand').args).toEqual(['/usr/local/bin/keys', 'a b', '%u']);
    expect(by('banner').args).toEqual(['/etc/issue net']);
    expect(by('allowusers').args).toEqual(['alice', 'bob', 'c d', 'e"f']);
    expect(by('forcecommand').args).toEqual(['echo', 'hi # there']);
    expect(by('chrootdirectory')).toMatchObject({ args: ['/srv/chroot/%u'], valueText: '"/srv/chroot/%u"', trailing: ' # quoted with comment' });
  });

  it('splits comments only at a token start, as sshd does', () => {
    const f = parse(fixture('trailing-comments.conf'));
    // "no# no space before the hash" is not a comment to sshd: it sees six arguments (and rejects them).
    expect(f.directives.map((d) => d.args)).toEqual([['10:30:100'], ['no#', 'no', 'space', 'before', 'the', 'hash'], ['no']]);
    expect(f.directives[2]!.trailing).toBe('   #   spaced');
    expect(splitArgs('a #b c').tokens.map((t) => t.value)).toEqual(['a']);
  });

  it('ignores leading and trailing whitespace (tabs, CR) around directives', () => {
    const f = parse(fixture('tabs.conf'));
    expect(f.directives.map((d) => [d.keyword, d.args, d.indent])).toEqual([
      ['Port', ['22'], '\t'],
      ['PermitRootLogin', ['no'], '\t\t'],
      ['UseDNS', ['no'], '    '],
      ['X11Forwarding', ['no'], ''],
    ]);
    const crlf = parse(fixture('crlf.conf'));
    expect(crlf.lines.every((l) => l.eol === '\r\n')).toBe(true);
    expect(crlf.directives.find((d) => d.key === 'maxstartups')!.args).toEqual(['10:30:60']);
  });

  it('matches keywords case-insensitively and folds aliases', () => {
    const f = parse(fixture('case-and-aliases.conf'));
    expect(f.directives.map((d) => [d.keyword, d.key, d.canonical])).toEqual([
      ['maxstartups', 'maxstartups', 'maxstartups'],
      ['CHALLENGERESPONSEAUTHENTICATION', 'challengeresponseauthentication', 'kbdinteractiveauthentication'],
      ['KbdInteractiveAuthentication', 'kbdinteractiveauthentication', 'kbdinteractiveauthentication'],
      ['KeepAlive', 'keepalive', 'tcpkeepalive'],
      ['PUBKEYACCEPTEDKEYTYPES', 'pubkeyacceptedkeytypes', 'pubkeyacceptedalgorithms'],
    ]);
  });

  it('treats a lone form feed as sshd does: a keyword without argument, not a blank line', () => {
    const f = parse(readFileSync(join(CORPUS, 'whitespace-lines.conf'), 'utf8'));
    expect(f.lines.map((l) => l.kind)).toEqual(['blank', 'blank', 'blank', 'directive', 'blank']);
    expect(f.directives[0]!.error).toBe('no argument after keyword "\f"');
    expect(parse('Port 22\f\n').directives[0]!.args).toEqual(['22']);
  });

  it('marks lines sshd would reject, without losing them', () => {
    const f = parse(fixture('broken.conf'));
    expect(f.directives.map((d) => [d.keyword, d.error ?? null])).toEqual([
      ['Port', 'no argument after keyword "Port"'],
      ['Banner', 'unterminated quote'],
      ['Match', 'no argument after keyword "Match"'],
      ['PermitRootLogin', null],
    ]);
  });

  it('tracks Match blocks: to the next Match or the end of the file; Match all is still a block', () => {
    const f = parse(fixture('match-all.conf'));
    const blocks = matchBlocks(f);
    expect(blocks.map((b) => ({ line: b.line, endLine: b.endLine, all: b.all, keys: b.directives.map((d) => d.key) }))).toEqual([
      { line: 3, endLine: 5, all: false, keys: ['passwordauthentication'] },
      { line: 6, endLine: 9, all: true, keys: ['maxstartups', 'permitrootlogin'] },
    ]);
    const ms = f.directives.find((d) => d.key === 'maxstartups')!;
    expect(ms).toMatchObject({ inMatch: true, block: 6, blockIsAll: true });
    expect(f.directives[0]).toMatchObject({ key: 'passwordauthentication', inMatch: false, block: null });
    expect(f.lines[6]).toMatchObject({ kind: 'comment', block: 6 });
  });

  it('lists Include patterns with relative paths under /etc/ssh', () => {
    const f = parseSshdConfig(fixture('include-globs/etc/ssh/sshd_config'), '/etc/ssh/sshd_config');
    expect(includeGlobs(f)).toEqual(['/etc/ssh/sshd_config.d/*.conf', '/etc/ssh/extra/[0-9]*.conf', '/etc/ssh/missing.d/*.conf']);
    expect(includeGlobs(parse('Include a.conf ~/b.conf\nInclude a.conf\n'))).toEqual(['/etc/ssh/a.conf', '~/b.conf']);
  });
});

describe('glob(3) matching for Include', () => {
  const paths = [
    '/etc/ssh/sshd_config.d/20-b.conf',
    '/etc/ssh/sshd_config.d/10-a.conf',
    '/etc/ssh/sshd_config.d/.hidden.conf',
    '/etc/ssh/sshd_config.d/README',
    '/etc/ssh/sshd_config.d/sub/x.conf',
    '/etc/ssh/sshd_config.d/B.conf',
  ];
  const glob = globFromPaths(paths);
  it('matches within one directory, skips dotfiles, sorts in C-locale order', () => {
    expect(glob('/etc/ssh/sshd_config.d/*.conf')).toEqual([
      '/etc/ssh/sshd_config.d/10-a.conf',
      '/etc/ssh/sshd_config.d/20-b.conf',
      '/etc/ssh/sshd_config.d/B.conf',
    ]);
    expect(glob('/etc/ssh/sshd_config.d/.*.conf')).toEqual(['/etc/ssh/sshd_config.d/.hidden.conf']);
  });
  it('supports ?, classes, negation, and plain paths', () => {
    expect(glob('/etc/ssh/sshd_config.d/[0-9]?-*.conf')).toEqual(['/etc/ssh/sshd_config.d/10-a.conf', '/etc/ssh/sshd_config.d/20-b.conf']);
    expect(glob('/etc/ssh/sshd_config.d/[!0-9]*')).toEqual(['/etc/ssh/sshd_config.d/B.conf', '/etc/ssh/sshd_config.d/README']);
    expect(glob('/etc/ssh/sshd_config.d/README')).toEqual(['/etc/ssh/sshd_config.d/README']);
    expect(glob('/etc/ssh/nope')).toEqual([]);
    expect(globToRegExp('/a/[b').test('/a/[b')).toBe(true);
  });
});
