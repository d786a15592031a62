import { describe, it, expect } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  accessLists,
  effectiveValue,
  formatMaxStartups,
  globFromPaths,
  includeGlobs,
  parseMaxStartups,
  resolveConfig,
  type MaxStartups,
} from '../../src/formats/sshd-config.js';

const CORPUS = fileURLToPath(new URL('../fixtures/sshd-config/', import.meta.url));

/** A fixture directory as the host's file system: '<fixture>/etc/ssh/x' → '/etc/ssh/x'. */
function tree(name: string): Map<string, string> {
  const root = join(CORPUS, name);
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : [join(dir, n)]));
  return new Map(walk(root).map((p) => [`/${relative(root, p)}`, readFileSync(p, 'utf8')]));
}
const single = (name: string): Map<string, string> => new Map([['/etc/ssh/sshd_config', readFileSync(join(CORPUS, name), 'utf8')]]);
const MAIN = '/etc/ssh/sshd_config';

describe('resolveConfig: Include like sshd', () => {
  it('expands Debian drop-ins at the Include line, in lexical order, skipping non-.conf files', () => {
    const files = tree('debian-dropins');
    const r = resolveConfig(MAIN, files, globFromPaths(files.keys()));
    expect(r.problems).toEqual([]);
    expect(r.includes).toEqual([
      {
        file: MAIN, line: 13, pattern: '/etc/ssh/sshd_config.d/*.conf', scope: 'global',
        matched: ['/etc/ssh/sshd_config.d/50-cloud-init.conf', '/etc/ssh/sshd_config.d/60-tuning.conf'],
      },
    ]);
    expect(r.directives.map((d) => `${d.file.replace('/etc/ssh/', '')}:${d.line} ${d.keyword}`).slice(0, 5)).toEqual([
      'sshd_config:13 Include',
      'sshd_config.d/50-cloud-init.conf:1 PasswordAuthentication',
      'sshd_config.d/60-tuning.conf:2 MaxStartups',
      'sshd_config.d/60-tuning.conf:3 MaxAuthTries',
      'sshd_config:63 KbdInteractiveAuthentication',
    ]);
    expect(r.directives[1]!.includedFrom).toEqual([{ file: MAIN, line: 13 }]);
  });

  it('the engine can fetch in rounds: main file, then its Include patterns, then the drop-ins', () => {
    const host = tree('debian-dropins');
    const main = resolveConfig(MAIN, new Map([[MAIN, host.get(MAIN)!]]), () => []);
    const patterns = includeGlobs(main.files.get(MAIN)!);
    expect(patterns).toEqual(['/etc/ssh/sshd_config.d/*.conf']);
    const listing = new Map(patterns.map((p) => [p, globFromPaths(host.keys())(p)]));
    const r = resolveConfig(MAIN, (p) => host.get(p), (p) => listing.get(p) ?? []);
    expect([...r.files.keys()]).toEqual([MAIN, '/etc/ssh/sshd_config.d/50-cloud-init.conf', '/etc/ssh/sshd_config.d/60-tuning.conf']);
  });

  it('takes several patterns per Include, relative ones under /etc/ssh; a pattern without matches is fine', () => {
    const r = resolveConfig(MAIN, tree('include-globs'));
    expect(r.includes.map((i) => [i.pattern, i.matched])).toEqual([
      ['/etc/ssh/sshd_config.d/*.conf', ['/etc/ssh/sshd_config.d/10-first.conf', '/etc/ssh/sshd_config.d/20-second.conf']],
      ['/etc/ssh/extra/[0-9]*.conf', ['/etc/ssh/extra/5-extra.conf']],
      ['/etc/ssh/missing.d/*.conf', []],
    ]);
    expect(effectiveValue(r, 'PermitRootLogin')).toMatchObject({ value: 'no', source: { file: '/etc/ssh/sshd_config.d/10-first.conf', line: 1 } });
    expect(effectiveValue(r, 'UseDNS').value).toBe('yes');
    expect(r.problems).toEqual([]);
  });

  it('reports files it was not given and include loops', () => {
    const r = resolveConfig(MAIN, new Map([[MAIN, 'Include /etc/ssh/a.conf\n']]), () => ['/etc/ssh/a.conf']);
    expect(r.problems).toEqual([{ file: MAIN, line: 1, message: 'included file /etc/ssh/a.conf was not read' }]);
    const loop = resolveConfig(MAIN, new Map([[MAIN, 'Include sshd_config\n']]));
    expect(loop.problems.some((p) => p.message === 'Too many recursive configuration includes')).toBe(true);
    expect(resolveConfig(MAIN, new Map()).problems).toEqual([{ file: MAIN, message: `${MAIN} was not read` }]);
  });

  it('an Include inside a Match block makes the included lines conditional, Match all there included', () => {
    const r = resolveConfig(MAIN, tree('include-in-match'));
    const pick = (k: string) => r.directives.find((d) => d.key === k)!;
    expect(pick('permitrootlogin').scope).toBe('global');
    expect(pick('passwordauthentication')).toMatchObject({ scope: 'match', file: '/etc/ssh/admins.d/10-admins.conf' });
    expect(pick('passwordauthentication').matchChain.map((m) => m.criteria)).toEqual([['Group', 'admins']]);
    // "Match all" inside a file included from a conditional block never activates at start-up (SSHCFG_NEVERMATCH).
    expect(pick('maxsessions').scope).toBe('match');
    // After the include, the includer's own Match state continues.
    expect(pick('x11forwarding')).toMatchObject({ scope: 'match', file: MAIN, line: 5 });
    expect(effectiveValue(r, 'PasswordAuthentication')).toMatchObject({ isDefault: true, value: 'yes', matchOverrides: [expect.objectContaining({ line: 1 })] });
  });

  it('a Match block inside a drop-in ends with that file (the includer\'s state is restored)', () => {
    const files = new Map([
      [MAIN, 'Include /etc/ssh/sshd_config.d/*.conf\nMaxStartups 10:30:100\n'],
      ['/etc/ssh/sshd_config.d/a.conf', 'Match User x\nPasswordAuthentication yes\n'],
    ]);
    const r = resolveConfig(MAIN, files);
    expect(r.directives.map((d) => [d.keyword, d.scope])).toEqual([
      ['Include', 'global'], ['Match', 'global'], ['PasswordAuthentication', 'match'], ['MaxStartups', 'global'],
    ]);
  });

  it('annotates the OpenSSH regress include config (servcfginclude.sh) with conditional scopes', () => {
    const r = resolveConfig('/etc/ssh/sshd_config.i', tree('upstream-servcfginclude'));
    expect(r.problems).toEqual([]);
    const banners = r.directives.filter((d) => d.key === 'banner');
    expect(banners.every((b) => b.scope === 'match')).toBe(true);
    const xxxx = banners.filter((b) => b.args[0] === '/xxxx');
    // i.2's trailing "Match all" is included from inside conditional blocks (b, c, m, e, f, n).
    expect(xxxx.length).toBe(6);
    expect(xxxx[0]!.matchChain.map((m) => [m.line, m.all])).toEqual([[5, false], [19, true]]);
    expect(effectiveValue(r, 'Banner').isDefault).toBe(true);
    expect(effectiveValue(r, 'HostKey').args).toEqual(['/etc/ssh/host.ssh-ed25519']);
  });
});

describe('effectiveValue', () => {
  it('a drop-in MaxStartups 3:50:5 overrides the Debian main file (whose default is only a comment)', () => {
    const r = resolveConfig(MAIN, tree('debian-dropins'));
    expect(effectiveValue(r, 'MaxStartups')).toMatchObject({
      keyword: 'MaxStartups', value: '3:50:5', args: ['3:50:5'], isDefault: false,
      source: { file: '/etc/ssh/sshd_config.d/60-tuning.conf', line: 2 }, shadowed: [],
    });
    expect(effectiveValue(r, 'passwordauthentication')).toMatchObject({ value: 'no', source: { file: '/etc/ssh/sshd_config.d/50-cloud-init.conf', line: 1 } });
    expect(effectiveValue(r, 'LoginGraceTime')).toMatchObject({ value: '120', isDefault: true, source: null });
  });

  it('first obtained value wins; later global lines are shadowed', () => {
    const r = resolveConfig(MAIN, single('duplicates.conf'));
    const pa = effectiveValue(r, 'PasswordAuthentication');
    expect(pa).toMatchObject({ value: 'no', source: { line: 4 }, precedence: 'first' });
    expect(pa.shadowed.map((d) => d.line)).toEqual([6]);
  });

  it('Port, AllowUsers and friends accumulate', () => {
    const r = resolveConfig(MAIN, single('duplicates.conf'));
    expect(effectiveValue(r, 'Port')).toMatchObject({ precedence: 'accumulate', args: ['22', '2222'], source: { line: 1 } });
    expect(accessLists(r).allowUsers).toMatchObject({ values: ['alice', 'bob', 'carol'], conditional: [] });
    expect(accessLists(r).denyUsers.values).toEqual([]);
  });

  it('MaxStartups was last-wins before OpenSSH 10.1 (bz3859): the version decides, unknown is flagged', () => {
    const r = resolveConfig(MAIN, single('duplicates.conf'));
    expect(effectiveValue(r, 'MaxStartups', { opensshVersion: '9.2.0' })).toMatchObject({ precedence: 'last', value: '20:30:100', source: { line: 5 }, ambiguous: false });
    expect(effectiveValue(r, 'MaxStartups', { opensshVersion: 'OpenSSH_10.1p1' })).toMatchObject({ precedence: 'first', value: '10:30:60', source: { line: 3 } });
    const unknown = effectiveValue(r, 'MaxStartups');
    expect(unknown).toMatchObject({ precedence: 'ambiguous', ambiguous: true, value: '10:30:60' });
    expect(unknown.shadowed.map((d) => d.line)).toEqual([5]);
  });

  it('drop-in vs main file with an active MaxStartups too: 10.1+ takes the drop-in, older sshd the main file', () => {
    const files = tree('debian-dropins');
    files.set(MAIN, files.get(MAIN)!.replace('#MaxStartups 10:30:100', 'MaxStartups 10:30:100'));
    const r = resolveConfig(MAIN, files);
    expect(effectiveValue(r, 'MaxStartups', { opensshVersion: '10.2.0' }).source).toEqual({ file: '/etc/ssh/sshd_config.d/60-tuning.conf', line: 2 });
    expect(effectiveValue(r, 'MaxStartups', { opensshVersion: '9.2.0' }).source).toEqual({ file: MAIN, line: 104 });
  });

  it('only global lines count; conditional Match lines are overrides, Match all applies to everyone', () => {
    const r = resolveConfig(MAIN, single('match-all.conf'));
    // Global-only keyword after "Match all": active at start-up (match_cfg_line returns 1 for all).
    expect(effectiveValue(r, 'MaxStartups', { opensshVersion: '9.6.0' })).toMatchObject({ value: '20:30:100', source: { line: 8 } });
    // Match-capable keyword: the conditional block is an override, not the global value.
    const pa = effectiveValue(r, 'PasswordAuthentication');
    expect(pa).toMatchObject({ value: 'no', source: { line: 1 } });
    expect(pa.matchOverrides.map((d) => d.line)).toEqual([4]);
    expect(effectiveValue(r, 'PermitRootLogin')).toMatchObject({ value: 'no', source: { line: 9 } });
  });

  it('a Match all line beats the global line for Match-capable keywords (sshd -T / every connection)', () => {
    const r = resolveConfig(MAIN, new Map([[MAIN, 'PasswordAuthentication no\nAllowUsers alice\nMatch all\nPasswordAuthentication yes\nAllowUsers bob\n']]));
    const pa = effectiveValue(r, 'PasswordAuthentication');
    expect(pa).toMatchObject({ value: 'yes', source: { line: 4 } });
    expect(pa.shadowed.map((d) => d.line)).toEqual([1]);
    // A matching block's AllowUsers list replaces the global one.
    expect(accessLists(r).allowUsers.values).toEqual(['bob']);
  });

  it('folds aliases and case: ChallengeResponseAuthentication is KbdInteractiveAuthentication', () => {
    const r = resolveConfig(MAIN, single('case-and-aliases.conf'));
    expect(effectiveValue(r, 'KbdInteractiveAuthentication')).toMatchObject({ keyword: 'KbdInteractiveAuthentication', value: 'no', source: { line: 2 } });
    expect(effectiveValue(r, 'maxstartups', { opensshVersion: '9.2.0' }).value).toBe('5');
    expect(effectiveValue(r, 'TCPKeepAlive').source).toEqual({ file: MAIN, line: 4 });
  });

  it('notes global-only keywords that sit in a conditional Match (sshd refuses to start)', () => {
    const r = resolveConfig(MAIN, new Map([[MAIN, 'Port 22\nMatch User x\nMaxStartups 5\n']]));
    const ev = effectiveValue(r, 'MaxStartups');
    expect(ev.isDefault).toBe(true);
    expect(ev.notes).toEqual([`MaxStartups at ${MAIN}:3 is inside a Match block, which sshd refuses ("not allowed within a Match block")`]);
  });

  it('ignores lines sshd would reject', () => {
    const r = resolveConfig(MAIN, single('broken.conf'));
    expect(effectiveValue(r, 'Port').isDefault).toBe(true);
    expect(r.problems.map((p) => p.line)).toEqual([1, 2, 3]);
  });
});

describe('a drop-in included twice', () => {
  it('is processed twice, like sshd, but its lines are reported once', () => {
    const files = new Map([
      [MAIN, 'Include /etc/ssh/d/a.conf\nInclude /etc/ssh/d/*.conf\n'],
      ['/etc/ssh/d/a.conf', 'MaxAuthTries 3\n'],
    ]);
    const r = resolveConfig(MAIN, files);
    expect(r.directives.filter((d) => d.key === 'maxauthtries').map((d) => d.includedFrom[0]!.line)).toEqual([1, 2]);
    expect(effectiveValue(r, 'MaxAuthTries')).toMatchObject({ value: '3', source: { file: '/etc/ssh/d/a.conf', line: 1 }, shadowed: [] });
  });
});

describe('agrees with what sshd 9.2 printed (sshd -T -f, observed on Debian 12)', () => {
  const cases: Array<[string, Record<string, string>, string, string]> = [
    ['duplicate MaxStartups: last wins before 10.1', { [MAIN]: 'MaxStartups 10:30:60\nMaxStartups 20:30:100\n' }, 'MaxStartups', '20:30:100'],
    ['global-only keyword after Match all', { [MAIN]: 'Port 22\nMatch all\nMaxStartups 5\n' }, 'MaxStartups', '5:30:5'],
    ['Match all overrides a global value', { [MAIN]: 'PasswordAuthentication no\nAllowUsers alice\nMatch all\nPasswordAuthentication yes\nAllowUsers bob\n' }, 'PasswordAuthentication', 'yes'],
    ['Match all replaces the AllowUsers list', { [MAIN]: 'PasswordAuthentication no\nAllowUsers alice\nMatch all\nPasswordAuthentication yes\nAllowUsers bob\n' }, 'AllowUsers', 'bob'],
    ['a drop-in Match block ends with the drop-in', { [MAIN]: 'Include /etc/ssh/d/*.conf\nMaxStartups 7:30:70\nPasswordAuthentication no\n', '/etc/ssh/d/a.conf': 'Match User x\nPasswordAuthentication yes\n' }, 'PasswordAuthentication', 'no'],
    ['alias spelled first wins', { [MAIN]: 'ChallengeResponseAuthentication no\nKbdInteractiveAuthentication yes\n' }, 'KbdInteractiveAuthentication', 'no'],
    ['duplicate PerSourceNetBlockSize: last wins before 10.1', { [MAIN]: 'PersourceNetBlockSize 24:64\nPerSourceNetBlockSize 32:128\n' }, 'PerSourceNetBlockSize', '32:128'],
    ['= separators', { [MAIN]: 'Port=22\nMaxStartups = 10:30:61\nUseDNS =yes\nPermitRootLogin= no\n' }, 'MaxStartups', '10:30:61'],
    ['Match all inside a conditionally included file stays conditional', { [MAIN]: 'Port 22\nMatch Group admins\nInclude /etc/ssh/d2/*.conf\n', '/etc/ssh/d2/b.conf': 'Match all\nMaxAuthTries 2\n' }, 'MaxAuthTries', '6'],
    ['single-number MaxStartups', { [MAIN]: 'MaxStartups 10\n' }, 'MaxStartups', '10:30:10'],
  ];
  it.each(cases)('%s', (_name, files, keyword, printed) => {
    const ev = effectiveValue(resolveConfig(MAIN, new Map(Object.entries(files))), keyword, { opensshVersion: '9.2.0' });
    const value = keyword === 'MaxStartups' ? formatMaxStartups((parseMaxStartups(ev.value!) as { value: MaxStartups }).value) : ev.value;
    expect(value).toBe(printed);
  });
});
