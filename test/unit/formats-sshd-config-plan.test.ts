import { describe, it, expect } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { planSetKeyword, resolveConfig, effectiveValue, type SetKeywordOptions, type SetKeywordPlan } from '../../src/formats/sshd-config.js';

const CORPUS = fileURLToPath(new URL('../fixtures/sshd-config/', import.meta.url));
const MAIN = '/etc/ssh/sshd_config';

function tree(name: string): Map<string, string> {
  const root = join(CORPUS, name);
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : [join(dir, n)]));
  return new Map(walk(root).map((p) => [`/${relative(root, p)}`, readFileSync(p, 'utf8')]));
}
const single = (name: string): Map<string, string> => new Map([[MAIN, readFileSync(join(CORPUS, name), 'utf8')]]);
const text = (t: string): Map<string, string> => new Map([[MAIN, t]]);

function plan(files: Map<string, string>, keyword: string, value: string, opts: SetKeywordOptions = {}): SetKeywordPlan {
  return planSetKeyword(resolveConfig(MAIN, files), files, keyword, value, opts);
}
function apply(files: Map<string, string>, p: SetKeywordPlan): Map<string, string> {
  const next = new Map(files);
  for (const e of p.edits) next.set(e.path, e.newText);
  return next;
}
/** Plan, apply, and check that planning again on the result changes nothing. */
function setAndCheck(files: Map<string, string>, keyword: string, value: string, opts: SetKeywordOptions = {}) {
  const p = plan(files, keyword, value, opts);
  const after = apply(files, p);
  const again = plan(after, keyword, value, opts);
  expect(again.edits).toEqual([]);
  expect(again.status).toBe('unchanged');
  expect(effectiveValue(resolveConfig(MAIN, after), keyword, opts).value).toBe(value);
  return { p, after };
}
/** Lines that differ between two texts (same line count), or the inserted line. */
function diffLines(a: string, b: string): string[] {
  const x = a.split('\n');
  const y = b.split('\n');
  if (x.length === y.length) return y.filter((l, i) => l !== x[i]);
  return y.filter((l) => !x.includes(l));
}

describe('planSetKeyword: where the line goes', () => {
  it('trailing Match User block and no MaxStartups: inserted before the Match, never at EOF', () => {
    const files = single('match-trailing.conf');
    const { p, after } = setAndCheck(files, 'MaxStartups', '10:30:100');
    expect(p.status).toBe('inserted');
    expect(after.get(MAIN)).toBe(
      'Port 22\nPermitRootLogin no\nSubsystem sftp internal-sftp\nMaxStartups 10:30:100\n\n# SFTP-only account for the deploy robot\nMatch User deploy\n    ChrootDirectory /srv/deploy\n    ForceCommand internal-sftp\n    AllowTcpForwarding no\n',
    );
    expect(p.changes).toEqual([{ path: MAIN, line: 4, action: 'insert', before: null, after: 'MaxStartups 10:30:100' }]);
    expect(p.reason).toContain('before the first Match block (line 6)');
  });

  it('keyword present in a drop-in: edited in the drop-in, the main file untouched', () => {
    const files = tree('debian-dropins');
    const { p, after } = setAndCheck(files, 'MaxStartups', '10:30:100');
    expect(p.status).toBe('edited');
    expect(p.edits.map((e) => e.path)).toEqual(['/etc/ssh/sshd_config.d/60-tuning.conf']);
    expect(after.get('/etc/ssh/sshd_config.d/60-tuning.conf')).toBe('# tuned for the bastion\nMaxStartups 10:30:100\nMaxAuthTries 3\n');
    expect(after.get(MAIN)).toBe(files.get(MAIN));
    expect(p.reason).toBe('MaxStartups comes from /etc/ssh/sshd_config.d/60-tuning.conf:2; changed it there to 10:30:100');
  });

  it('keyword set only inside a Match block: a global line goes before the first Match; the block is reported', () => {
    const files = text('Port 22\n\nMatch Address 192.0.2.0/24\n\tPasswordAuthentication yes\n');
    const { p, after } = setAndCheck(files, 'PasswordAuthentication', 'no');
    expect(after.get(MAIN)).toBe('Port 22\nPasswordAuthentication no\n\nMatch Address 192.0.2.0/24\n\tPasswordAuthentication yes\n');
    expect(p.matchOverrides.map((d) => d.line)).toEqual([4]);
    expect(p.reason).toContain('still override it for matching connections');
  });

  it('Debian default: the commented default in the global section becomes the active line', () => {
    const files = single('debian-default.conf');
    const { p, after } = setAndCheck(files, 'MaxStartups', '10:30:200');
    expect(p.changes).toEqual([{ path: MAIN, line: 104, action: 'uncomment', before: '#MaxStartups 10:30:100', after: 'MaxStartups 10:30:200' }]);
    expect(diffLines(files.get(MAIN)!, after.get(MAIN)!)).toEqual(['MaxStartups 10:30:200']);
  });

  it('a commented default after the first Match is not used', () => {
    const files = single('commented-default-after-match.conf');
    const { after } = setAndCheck(files, 'MaxStartups', '10:30:100');
    expect(after.get(MAIN)).toBe('Port 22\nMaxStartups 10:30:100\n\nMatch User git\n\tAllowTcpForwarding no\n#MaxStartups 10:30:100\n');
  });

  it('Match all is still a Match block for placement: new lines go above it', () => {
    const files = single('match-all.conf');
    const { after } = setAndCheck(files, 'UseDNS', 'no');
    expect(after.get(MAIN)!.startsWith('PasswordAuthentication no\nUseDNS no\n\nMatch Address')).toBe(true);
  });

  it('edits the line in a Match all block when that is where sshd takes the value from', () => {
    const files = single('match-all.conf');
    const { p } = setAndCheck(files, 'MaxStartups', '30:30:200', { opensshVersion: '9.6.0' });
    expect(p.changes).toEqual([{ path: MAIN, line: 8, action: 'replace', before: 'MaxStartups 20:30:100', after: 'MaxStartups 30:30:200' }]);
    expect(p.reason).toContain('(a Match all block)');
  });

  it('no Match block at all: appended at the end, adding the missing final newline', () => {
    const files = single('no-trailing-newline.conf');
    const { after } = setAndCheck(files, 'UseDNS', 'no');
    expect(after.get(MAIN)).toBe('Port 22\nPermitRootLogin no\nMaxStartups 10:30:100\nUseDNS no\n');
    expect(setAndCheck(text(''), 'MaxStartups', '10:30:100').after.get(MAIN)).toBe('MaxStartups 10:30:100\n');
  });
});

describe('planSetKeyword: rewriting only the value', () => {
  it('keeps Keyword=value style, spacing around =, and trailing comments', () => {
    const files = single('equals.conf');
    expect(setAndCheck(files, 'MaxStartups', '10:30:200').p.changes[0]).toMatchObject({ before: 'MaxStartups = 10:30:60', after: 'MaxStartups = 10:30:200' });
    expect(plan(files, 'Port', '22').status).toBe('unsupported');
    expect(setAndCheck(files, 'LoginGraceTime', '60').p.changes[0]).toMatchObject({ before: 'LoginGraceTime=30 # short', after: 'LoginGraceTime=60 # short' });
  });

  it('keeps indentation, the keyword\'s case, tabs and CRLF', () => {
    const tabs = setAndCheck(single('tabs.conf'), 'PermitRootLogin', 'prohibit-password');
    expect(tabs.after.get(MAIN)!.split('\n')[1]).toBe('\t\tPermitRootLogin\t\tprohibit-password\t');
    const crlf = setAndCheck(single('crlf.conf'), 'MaxStartups', '10:30:100');
    expect(crlf.after.get(MAIN)).toBe('# written on Windows\r\nPort 22\r\nPermitRootLogin no\r\nMaxStartups 10:30:100\r\n\r\nMatch User backup\r\n\tForceCommand /usr/local/bin/backup\r\n');
    const inserted = setAndCheck(single('crlf.conf'), 'UseDNS', 'no');
    expect(inserted.after.get(MAIN)).toContain('MaxStartups 10:30:60\r\nUseDNS no\r\n\r\nMatch User backup\r\n');
    const lower = setAndCheck(single('case-and-aliases.conf'), 'MaxStartups', '10:30:100', { opensshVersion: '9.2.0' });
    expect(lower.p.changes[0]!.after).toBe('maxstartups 10:30:100');
  });

  it('sets the alias line that wins (ChallengeResponseAuthentication before KbdInteractiveAuthentication)', () => {
    const { p } = setAndCheck(single('case-and-aliases.conf'), 'KbdInteractiveAuthentication', 'yes');
    expect(p.changes).toEqual([{ path: MAIN, line: 2, action: 'replace', before: 'CHALLENGERESPONSEAUTHENTICATION no', after: 'CHALLENGERESPONSEAUTHENTICATION yes' }]);
    expect(p.shadowed.map((d) => d.line)).toEqual([3]);
  });

  it('reports later global lines as shadowed and leaves them alone', () => {
    const files = single('duplicates.conf');
    const { p, after } = setAndCheck(files, 'PasswordAuthentication', 'yes');
    expect(p.changes.map((c) => c.line)).toEqual([4]);
    expect(p.shadowed.map((d) => `${d.line}:${d.args.join(' ')}`)).toEqual(['6:yes']);
    expect(after.get(MAIN)!.split('\n')[5]).toBe('PasswordAuthentication yes');
  });

  it('MaxStartups: edits the line the host\'s sshd reads, or every candidate when the version is unknown', () => {
    const files = single('duplicates.conf');
    const old = setAndCheck(files, 'MaxStartups', '30:30:300', { opensshVersion: '9.2.0' }).p;
    expect(old.changes.map((c) => c.line)).toEqual([5]);
    expect(old.shadowed.map((d) => d.line)).toEqual([3]);
    const recent = setAndCheck(files, 'MaxStartups', '30:30:300', { opensshVersion: '10.1.0' }).p;
    expect(recent.changes.map((c) => c.line)).toEqual([3]);
    const unknown = setAndCheck(files, 'MaxStartups', '30:30:300').p;
    expect(unknown.changes.map((c) => c.line)).toEqual([3, 5]);
    expect(unknown.reason).toContain('depends on the OpenSSH version');
  });

  it('a quoted value equal to the wanted one is already fine', () => {
    const p = plan(text('MaxStartups "10:30:100"\n'), 'MaxStartups', '10:30:100');
    expect(p).toMatchObject({ status: 'unchanged', edits: [] });
  });
});

describe('planSetKeyword: refusals', () => {
  it('does not "set" keywords whose lines add up', () => {
    for (const k of ['Port', 'AllowUsers', 'HostKey', 'ListenAddress', 'AcceptEnv', 'Include', 'Match']) {
      expect(plan(text('Port 22\n'), k, 'x').status).toBe('unsupported');
    }
  });
  it('rejects multi-line, empty and comment values', () => {
    for (const v of ['', '  ', 'a\nb', '# x', '"open']) expect(plan(text('Port 22\n'), 'UseDNS', v).status).toBe('invalid');
  });
  it('refuses to plan against text that changed since resolving', () => {
    const files = text('MaxStartups 10:30:60\n');
    const r = resolveConfig(MAIN, files);
    const p = planSetKeyword(r, text('# edited meanwhile\nMaxStartups 10:30:60\n'), 'MaxStartups', '10:30:100');
    expect(p).toMatchObject({ status: 'invalid', edits: [], reason: `${MAIN} changed since the configuration was resolved` });
  });
  it('warns about a global-only keyword inside a Match block but still adds the global line', () => {
    const { p } = setAndCheck(text('Port 22\nMatch User x\n\tMaxStartups 5\n'), 'MaxStartups', '10:30:100');
    expect(p.warnings[0]).toContain('is inside a Match block, which sshd refuses');
  });
});

describe('keywords sshd reads verbatim', () => {
  it('ForceCommand: the quoted text and even a trailing "# …" are the value', () => {
    const files = text('ForceCommand echo "hi # there" # not a comment to sshd\nMatch User x\n\tX11Forwarding no\n');
    expect(effectiveValue(resolveConfig(MAIN, files), 'ForceCommand').value).toBe('echo "hi # there" # not a comment to sshd');
    const { p } = setAndCheck(files, 'ForceCommand', 'internal-sftp');
    expect(p.changes[0]).toMatchObject({ before: 'ForceCommand echo "hi # there" # not a comment to sshd', after: 'ForceCommand internal-sftp' });
    expect(plan(text('ForceCommand echo "hi"\n'), 'ForceCommand', 'echo hi').status).toBe('edited');
  });
});

describe('properties over generated configurations', () => {
  // Deterministic LCG so failures reproduce.
  const rng = (seed: number) => () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const VOCAB = [
    'MaxStartups 1:30:9', 'maxstartups=2', '#MaxStartups 10:30:100', 'Match User x', 'Match all', 'Match Address 10.0.0.0/8',
    'Include /etc/ssh/d/*.conf', '', '# comment', 'Port 22', '\tPasswordAuthentication no', 'PasswordAuthentication yes # c',
  ];
  const DROPIN = ['MaxStartups 3:50:5', 'Match User y', 'PasswordAuthentication no', '', 'Match all'];
  const gen = (r: () => number, vocab: string[], n: number): string =>
    Array.from({ length: Math.floor(r() * n) }, () => vocab[Math.floor(r() * vocab.length)]!).map((l) => `${l}${r() < 0.2 ? '\r\n' : '\n'}`).join('');

  it('setting a keyword is idempotent and lands where sshd reads it', () => {
    const r = rng(42);
    for (let i = 0; i < 300; i++) {
      const files = new Map([[MAIN, gen(r, VOCAB, 10)], ['/etc/ssh/d/a.conf', gen(r, DROPIN, 4)]]);
      for (const [keyword, value, opts] of [
        ['MaxStartups', '10:30:100', { opensshVersion: '10.1.0' }],
        ['MaxStartups', '10:30:100', { opensshVersion: '9.2.0' }],
        ['MaxStartups', '10:30:100', {}],
        ['PasswordAuthentication', 'no', {}],
      ] as const) {
        const { p, after } = setAndCheck(files, keyword, value, opts);
        const resolved = resolveConfig(MAIN, after);
        for (const c of p.changes) {
          const d = resolved.directives.find((x) => x.file === c.path && x.line === c.line)!;
          expect(d.scope === 'global' || d.scope === 'match-all').toBe(true);
        }
      }
    }
  });

  it('round-trips arbitrary text', () => {
    const r = rng(7);
    const alphabet = [' ', '\t', '\r', '\n', '\r\n', '#', '"', "'", '\\', '=', '\f', 'Port', 'Match', 'all', 'x', 'é'];
    for (let i = 0; i < 500; i++) {
      const t = Array.from({ length: Math.floor(r() * 40) }, () => alphabet[Math.floor(r() * alphabet.length)]!).join('');
      const f = resolveConfig(MAIN, new Map([[MAIN, t]])).files.get(MAIN)!;
      expect(f.lines.map((l) => l.text + l.eol).join('')).toBe(t);
    }
  });
});
