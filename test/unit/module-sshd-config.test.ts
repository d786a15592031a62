// sshd_config / sshd_validate modules: planned against fake hosts (file states + probe outputs),
// with the engine's read/probe rounds simulated, then re-planned on what the plan would write.
import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sshdConfig, listIncludeCommand, globWord, dumpLine, convtime } from '../../src/modules/sshd-config.js';
import { sshdValidate } from '../../src/modules/sshd-validate.js';
import type { Change, FileState, ModulePlan, RunChange, WriteChange } from '../../src/engine/change.js';
import type { ModuleDef, ProbeResult } from '../../src/modules/module.js';
import { parseFacts, type Facts } from '../../src/facts.js';
import { globFromPaths, includeGlobs, parseSshdConfig } from '../../src/formats/sshd-config.js';
import { parseProbeOutput, probeScript } from '../../src/engine/remote-files.js';

const MAIN = '/etc/ssh/sshd_config';
const DROPIN_DIR = '/etc/ssh/sshd_config.d';
const DEBIAN = readFileSync(fileURLToPath(new URL('../fixtures/sshd-config/debian-default.conf', import.meta.url)), 'utf8');
const LIST = `for f in /etc/ssh/sshd_config.d/*.conf; do if [ -e "$f" ] || [ -L "$f" ]; then printf '%s\\0' "$f"; fi; done`;

function makeFacts(over: Partial<Facts> = {}): Facts {
  const base = parseFacts(
    ['init=systemd', 'sshd=/usr/sbin/sshd', 'sshd_version=OpenSSH_9.2p1 Debian-2+deb12u3, OpenSSL 3.0.15', 'libwrap_in=/usr/sbin/sshd', 'ssh_service=ssh', 'id=debian'].join('\n'),
  );
  return { ...base, ...over };
}

type Host = Map<string, FileState>;
const file = (path: string, content: string | Buffer, mode = '0644', uid = 0): FileState => ({
  path, kind: 'file', content: Buffer.isBuffer(content) ? content : Buffer.from(content), mode, uid, gid: 0, owner: uid ? 'u' : 'root', group: 'root',
});
function host(files: Record<string, string | Buffer>): Host {
  return new Map(Object.entries(files).map(([p, c]) => [p, file(p, c)]));
}
const stateOf = (h: Host, p: string): FileState => h.get(p) ?? { path: p, kind: 'absent' };

/**
 * Answers probe commands as the host would: an Include listing is recognised by regenerating the
 * listing command for each Include pattern of each file on the fake host.
 */
function prober(h: Host): (c: string) => ProbeResult {
  const paths = [...h.keys()];
  const glob = globFromPaths(paths);
  return (c) => {
    for (const s of h.values()) {
      if (s.kind !== 'file') continue;
      for (const pattern of includeGlobs(parseSshdConfig(s.content.toString('utf8'), s.path))) {
        if (listIncludeCommand(pattern) === c) return { code: 0, stdout: glob(pattern).map((p) => `${p}\0`).join(''), stderr: '' };
      }
    }
    throw new Error(`unexpected probe: ${c}`);
  };
}

/** The engine's rounds: ask for reads/probes until nothing new; returns what was asked. */
function learn<A>(mod: ModuleDef<A>, args: A, h: Host, facts: Facts) {
  const read = new Set<string>();
  const probed = new Map<string, ProbeResult>();
  const probe = prober(h);
  for (let round = 0; round < 6; round++) {
    const ctx = { facts, known: (p: string) => (read.has(p) ? stateOf(h, p) : undefined), probed: (c: string) => probed.get(c), vars: {} };
    const paths = (mod.reads?.(args, ctx) ?? []).filter((p) => !read.has(p));
    const cmds = (mod.probes?.(args, ctx) ?? []).filter((c) => !probed.has(c));
    if (!paths.length && !cmds.length) return { reads: [...read], probes: [...probed.keys()] };
    for (const p of paths) read.add(p);
    for (const c of cmds) probed.set(c, probe(c));
  }
  throw new Error('no convergence');
}

function run(rawArgs: Record<string, unknown>, h: Host, facts = makeFacts()) {
  const args = sshdConfig.args.parse(rawArgs);
  const known = learn(sshdConfig, args, h, facts);
  const probe = prober(h);
  const plan = sshdConfig.plan(args, {
    facts,
    file: (p) => {
      if (!known.reads.includes(p)) throw new Error(`planned without reading ${p}`);
      return stateOf(h, p);
    },
    probe: (c) => {
      if (!known.probes.includes(c)) throw new Error(`planned without probing ${c}`);
      return probe(c);
    },
    check: true,
    vars: {},
  });
  return { plan, known };
}

/** The host after the plan's writes. */
function applied(h: Host, plan: ModulePlan): Host {
  const next = new Map(h);
  if (plan.kind === 'change') for (const c of plan.changes) if (c.kind === 'write') next.set(c.path, file(c.path, c.content, c.mode));
  return next;
}
const writes = (p: ModulePlan): WriteChange[] => (p.kind === 'change' ? p.changes.filter((c): c is WriteChange => c.kind === 'write') : []);
const runs = (p: ModulePlan): RunChange[] => (p.kind === 'change' ? p.changes.filter((c): c is RunChange => c.kind === 'run') : []);
const changedLines = (a: string, b: string) => {
  const x = a.split('\n');
  const y = b.split('\n');
  return y.length === x.length ? y.map((l, i) => [x[i], l] as const).filter(([o, n]) => o !== n) : null;
};

/** Plan, apply the writes, and plan again: nothing left to do. */
function idempotent(rawArgs: Record<string, unknown>, h: Host, facts = makeFacts()) {
  const first = run(rawArgs, h, facts);
  const after = applied(h, first.plan);
  const second = run(rawArgs, after, facts);
  expect(second.plan.kind, JSON.stringify(second.plan)).toBe('ok');
  return { ...first, after };
}

const TUNING = '# tuned for the bastion\nMaxStartups 3:50:5\nMaxAuthTries 3\n';
const debianHost = (extra: Record<string, string> = {}) =>
  host({ [MAIN]: DEBIAN, [`${DROPIN_DIR}/50-cloud-init.conf`]: 'PasswordAuthentication no\n', [`${DROPIN_DIR}/60-tuning.conf`]: TUNING, ...extra });

describe('sshd_config: Debian layout, MaxStartups in a drop-in', () => {
  it('lists the Include glob, reads the matches, and raises the drop-in line in place', () => {
    const h = debianHost({ [`${DROPIN_DIR}/README`]: 'not a .conf\n' });
    const { plan, known, after } = idempotent({ raise_maxstartups: '10:30:100' }, h);
    expect(known.probes).toEqual([LIST]);
    expect(known.reads).toEqual([MAIN, `${DROPIN_DIR}/50-cloud-init.conf`, `${DROPIN_DIR}/60-tuning.conf`]);
    expect(plan.kind).toBe('change');
    const [w] = writes(plan);
    expect(writes(plan)).toHaveLength(1);
    expect(w!.path).toBe(`${DROPIN_DIR}/60-tuning.conf`);
    // rate is a drop probability: the existing 50 is kept; start and full are raised.
    expect(w!.content.toString()).toBe('# tuned for the bastion\nMaxStartups 10:50:100\nMaxAuthTries 3\n');
    expect(w!.validate).toBeUndefined(); // a fragment is not a configuration
    expect(w!.mode).toBe('0644');
    expect(w!.owner).toBe('0');
    expect(runs(plan)).toEqual([
      { kind: 'run', command: '/usr/sbin/sshd -t', readOnly: true },
      { kind: 'run', command: "/usr/sbin/sshd -T | grep -Fix 'maxstartups 10:50:100'", readOnly: true },
    ]);
    expect(plan.kind === 'change' && plan.message).toContain(`${DROPIN_DIR}/60-tuning.conf:2: changed "MaxStartups 3:50:5" → "MaxStartups 10:50:100"`);
    expect(after.get(MAIN)).toBe(h.get(MAIN)); // main file untouched
  });

  it('never lowers a larger value', () => {
    const h = debianHost({ [`${DROPIN_DIR}/60-tuning.conf`]: 'MaxStartups 50:10:500\n' });
    const { plan } = run({ raise_maxstartups: '10:30:100' }, h);
    expect(plan.kind).toBe('ok');
    expect(plan.kind === 'ok' && plan.message).toContain('MaxStartups: 50:10:500 (/etc/ssh/sshd_config.d/60-tuning.conf:1) already admits at least 10:30:100');
  });

  it('raises only what is short: start kept when larger, full raised', () => {
    const h = debianHost({ [`${DROPIN_DIR}/60-tuning.conf`]: 'MaxStartups 20:30:60\n' });
    const { plan } = idempotent({ raise_maxstartups: '10:30:100' }, h);
    expect(writes(plan)[0]!.content.toString()).toBe('MaxStartups 20:30:100\n');
  });

  it('single-number MaxStartups (start = full) is raised to the full triple form', () => {
    const h = debianHost({ [`${DROPIN_DIR}/60-tuning.conf`]: 'MaxStartups 5\n' });
    const { plan } = idempotent({ raise_maxstartups: '10:30:100' }, h);
    expect(writes(plan)[0]!.content.toString()).toBe('MaxStartups 10:30:100\n');
  });

  it('unset MaxStartups means the default 10:30:100: a lower floor changes nothing', () => {
    const h = host({ [MAIN]: DEBIAN });
    const { plan, known } = run({ raise_maxstartups: '10:30:100' }, h);
    expect(known.probes).toEqual([LIST]); // listed, nothing matched
    expect(known.reads).toEqual([MAIN]);
    expect(plan).toEqual({ kind: 'ok', message: 'MaxStartups: 10:30:100 (sshd default, not set anywhere) already admits at least 10:30:100; not lowered' });
  });

  it('OpenSSH 9.2 (last wins): a later main-file line shadows the drop-in; 10.1 (first wins): the drop-in rules', () => {
    const main = DEBIAN.replace('#MaxStartups 10:30:100', 'MaxStartups 10:30:100');
    const h = debianHost({ [MAIN]: main });
    const old = run({ raise_maxstartups: '10:30:100' }, h);
    expect(old.plan.kind).toBe('ok');
    expect(old.plan.kind === 'ok' && old.plan.message).toContain(`shadowed (sshd ignores it, left as is): ${DROPIN_DIR}/60-tuning.conf:2 (MaxStartups 3:50:5)`);

    const facts = makeFacts({ opensshVersion: '10.1.0', opensshVersionRaw: '10.1p1' });
    const { plan } = idempotent({ raise_maxstartups: '10:30:100' }, h, facts);
    expect(writes(plan).map((w) => w.path)).toEqual([`${DROPIN_DIR}/60-tuning.conf`]);
    expect(plan.kind === 'change' && plan.message).toContain(`shadowed (sshd ignores it, left as is): ${MAIN}:`);
  });

  it('unknown OpenSSH version with two MaxStartups lines: every candidate is set, none lowered', () => {
    const main = DEBIAN.replace('#MaxStartups 10:30:100', 'MaxStartups 20:40:60');
    const h = debianHost({ [MAIN]: main });
    const facts = makeFacts({ opensshVersion: null, opensshVersionRaw: '' });
    const { plan, after } = idempotent({ raise_maxstartups: '10:30:100' }, h, facts);
    // start = max(3, 20, 10), rate = the least strict (40), full = max(5, 60, 100)
    expect(after.get(`${DROPIN_DIR}/60-tuning.conf`)!.kind === 'file' && (after.get(`${DROPIN_DIR}/60-tuning.conf`) as { content: Buffer }).content.toString()).toContain('MaxStartups 20:40:100\n');
    // drop-in written first, then the main file with its whole-config validation
    expect(writes(plan).map((w) => [w.path, w.validate])).toEqual([
      [`${DROPIN_DIR}/60-tuning.conf`, undefined],
      [MAIN, '/usr/sbin/sshd -t -f %s'],
    ]);
    // the main file's validation covers the whole configuration: no separate sshd -t
    expect(runs(plan).map((r) => r.command)).toEqual(["/usr/sbin/sshd -T | grep -Fix 'maxstartups 20:40:100'"]);
  });
});

describe('sshd_config: the main file', () => {
  const MATCH_TRAILING = 'Port 22\nSubsystem sftp internal-sftp\n\n# deploy robot\nMatch User x\n    PasswordAuthentication yes\n    ForceCommand internal-sftp\n';

  it('inserts before a trailing Match block, never at the end; candidate checked with sshd -t -f', () => {
    const h = host({ [MAIN]: MATCH_TRAILING });
    const { plan, after } = idempotent({ raise_maxstartups: '10:30:100', set: {} }, host({ [MAIN]: MATCH_TRAILING.replace('Port 22\n', 'Port 22\nMaxStartups 2:30:4\n') }));
    expect(writes(plan)[0]!.validate).toBe('/usr/sbin/sshd -t -f %s');
    expect((after.get(MAIN) as { content: Buffer }).content.toString()).toContain('MaxStartups 10:30:100\nSubsystem');

    const ins = idempotent({ raise_maxstartups: '20:30:200' }, h);
    expect((ins.after.get(MAIN) as { content: Buffer }).content.toString()).toBe(
      'Port 22\nSubsystem sftp internal-sftp\nMaxStartups 20:30:200\n\n# deploy robot\nMatch User x\n    PasswordAuthentication yes\n    ForceCommand internal-sftp\n',
    );
    expect(ins.plan.kind === 'change' && ins.plan.message).toContain('before the first Match block (line 5)');
    expect(ins.plan.kind === 'change' && ins.plan.message).toContain(`${MAIN}:3: inserted "MaxStartups 20:30:200"`);
    expect(ins.known.probes).toEqual([]); // no Include: nothing to list
    expect(runs(ins.plan)).toEqual([{ kind: 'run', command: "/usr/sbin/sshd -T | grep -Fix 'maxstartups 20:30:200'", readOnly: true }]);
  });

  it("uses Debian's commented default line in the global section", () => {
    const h = host({ [MAIN]: DEBIAN });
    const { plan } = idempotent({ raise_maxstartups: '20:30:200' }, h);
    const [w] = writes(plan);
    expect(changedLines(DEBIAN, w!.content.toString())).toEqual([['#MaxStartups 10:30:100', 'MaxStartups 20:30:200']]);
  });

  it('set: a keyword the Match block overrides is set globally and the override is reported', () => {
    const h = host({ [MAIN]: MATCH_TRAILING });
    const { plan } = idempotent({ set: { PasswordAuthentication: 'no', MaxAuthTries: 4 } }, h);
    expect(writes(plan)[0]!.content.toString()).toBe(
      'Port 22\nSubsystem sftp internal-sftp\nPasswordAuthentication no\nMaxAuthTries 4\n\n# deploy robot\nMatch User x\n    PasswordAuthentication yes\n    ForceCommand internal-sftp\n',
    );
    const msg = plan.kind === 'change' ? plan.message! : '';
    expect(msg).toContain(`still overridden for matching connections by the Match block line ${MAIN}:6 (PasswordAuthentication yes)`);
    expect(runs(plan).map((r) => r.command)).toEqual([
      "/usr/sbin/sshd -T | grep -Fix 'passwordauthentication no'",
      "/usr/sbin/sshd -T | grep -Fix 'maxauthtries 4'",
    ]);
  });

  it('set: a drop-in value wins over the main file, so the drop-in is edited', () => {
    const h = debianHost();
    const { plan } = idempotent({ set: { PasswordAuthentication: 'yes' } }, h);
    expect(writes(plan).map((w) => w.path)).toEqual([`${DROPIN_DIR}/50-cloud-init.conf`]);
    expect(writes(plan)[0]!.content.toString()).toBe('PasswordAuthentication yes\n');
    expect(runs(plan).map((r) => r.command)).toEqual(['/usr/sbin/sshd -t', "/usr/sbin/sshd -T | grep -Fix 'passwordauthentication yes'"]);
  });

  it('a value whose sshd -T spelling is unknown is written but not confirmed', () => {
    const { plan } = idempotent({ set: { Banner: '/etc/issue.net' } }, host({ [MAIN]: DEBIAN }));
    expect(runs(plan)).toEqual([]);
    expect(plan.kind === 'change' && plan.message).toContain('not confirmed with sshd -T (its spelling there is not predictable): Banner');
  });

  it('OpenSSH 8.2 host asked for PerSourcePenalties: fails with the version gate, nothing planned', () => {
    const facts = makeFacts({ opensshVersion: '8.2.0', opensshVersionRaw: '8.2p1' });
    const { plan } = run({ set: { PerSourcePenalties: 'authfail:5m' } }, debianHost(), facts);
    expect(plan).toEqual({ kind: 'fail', message: 'PerSourcePenalties needs OpenSSH 9.8 or later; this host runs 8.2' });
    const ok = run({ set: { PerSourcePenalties: 'authfail:5m' } }, host({ [MAIN]: 'Port 22\n' }), makeFacts({ opensshVersion: '9.8.0' }));
    expect(ok.plan.kind).toBe('change');
    // and 10.0 is newer than 9.8 (semver, not text)
    const ten = run({ set: { PerSourcePenalties: 'authfail:5m' } }, host({ [MAIN]: 'Port 22\n' }), makeFacts({ opensshVersion: '10.0.0' }));
    expect(ten.plan.kind).toBe('change');
  });

  it('validate: false runs no sshd; without an sshd binary validation is refused', () => {
    const h = host({ [MAIN]: 'Port 22\n' });
    const off = run({ raise_maxstartups: '20:30:200', validate: 'no' }, h);
    expect(writes(off.plan)[0]!.validate).toBeUndefined();
    expect(runs(off.plan)).toEqual([]);
    const none = run({ raise_maxstartups: '20:30:200' }, h, makeFacts({ sshdPath: '' }));
    expect(none.plan.kind === 'fail' && none.plan.message).toContain('no sshd binary');
    // nothing to write: no sshd needed
    expect(run({ raise_maxstartups: '10:30:100' }, h, makeFacts({ sshdPath: '' })).plan.kind).toBe('ok');
  });

  it('fails on a missing main file, an unreadable drop-in, and non-UTF-8 bytes it would rewrite', () => {
    expect(run({ raise_maxstartups: '20:30:200' }, host({})).plan).toEqual({ kind: 'fail', message: `${MAIN} does not exist` });
    const h = host({ [MAIN]: DEBIAN });
    h.set(`${DROPIN_DIR}/big.conf`, { path: `${DROPIN_DIR}/big.conf`, kind: 'large', size: 9e6, mode: '0644', uid: 0, gid: 0, owner: 'root', group: 'root' });
    const big = run({ raise_maxstartups: '20:30:200' }, h).plan;
    expect(big.kind === 'fail' && big.message).toContain('matched by the Include at /etc/ssh/sshd_config:13');
    const latin1 = Buffer.concat([Buffer.from('# caf'), Buffer.from([0xe9]), Buffer.from('\nPort 22\n')]);
    const bad = run({ raise_maxstartups: '20:30:200' }, host({ [MAIN]: latin1 })).plan;
    expect(bad.kind === 'fail' && bad.message).toContain('not valid UTF-8');
  });

  it('keeps CRLF endings and the keyword spelling of the edited line', () => {
    const h = host({ [MAIN]: 'Port 22\r\nmaxstartups=2:30:4 # low\r\nMatch all\r\n' });
    const { plan } = idempotent({ raise_maxstartups: '10:30:100' }, h);
    expect(writes(plan)[0]!.content.toString()).toBe('Port 22\r\nmaxstartups=10:30:100 # low\r\nMatch all\r\n');
  });

  it('a non-default path is checked with -f', () => {
    const p = '/srv/sshd/sshd_config';
    const { plan } = run({ path: p, raise_maxstartups: '20:30:200' }, host({ [p]: 'Port 22\n' }));
    expect(runs(plan).map((r) => r.command)).toEqual(["/usr/sbin/sshd -T -f /srv/sshd/sshd_config | grep -Fix 'maxstartups 20:30:200'"]);
  });
});

describe('sshd_config arguments', () => {
  const bad = (a: Record<string, unknown>) => sshdConfig.args.safeParse(a).success;
  it('needs set or raise_maxstartups, valid MaxStartups, single-line values', () => {
    expect(bad({})).toBe(false);
    expect(bad({ set: {} })).toBe(false);
    expect(bad({ raise_maxstartups: '10:30' })).toBe(false);
    expect(bad({ raise_maxstartups: '100:30:10' })).toBe(false);
    expect(bad({ set: { MaxStartups: 'lots' } })).toBe(false);
    expect(bad({ set: { MaxStartups: '10:30:100' }, raise_maxstartups: '10:30:100' })).toBe(false);
    expect(bad({ set: { Banner: 'a\nPermitRootLogin yes' } })).toBe(false);
    expect(bad({ set: { 'Port 22\nX': 'y' } })).toBe(false);
    expect(bad({ set: { Match: 'all' } })).toBe(false);
    expect(bad({ set: { UseDNS: 'no', usedns: 'yes' } })).toBe(false);
    expect(bad({ path: 'sshd_config', raise_maxstartups: '10:30:100' })).toBe(false);
    expect(bad({ raise_maxstartups: 100 })).toBe(true);
    expect(bad({ set: { MaxAuthTries: 4 }, validate: 'yes' })).toBe(true);
  });
});

describe('Include listing command', () => {
  it('quotes everything but the glob characters', () => {
    expect(listIncludeCommand('/etc/ssh/sshd_config.d/*.conf')).toBe(LIST);
    expect(globWord('/etc/ssh/my dir/$HOME*.conf')).toBe("'/etc/ssh/my dir/$HOME'*.conf");
    expect(globWord("/etc/ssh/it's/[0-9]?.conf")).toBe("'/etc/ssh/it'\\''s/'[0-9]?.conf");
    expect(globWord('/etc/ssh/\\*literal')).toBe("'/etc/ssh/*literal'");
    expect(globWord('/etc/ssh/[;reboot]*')).toBeNull();
    expect(globWord('/etc/ssh/[unclosed')).toBe("'/etc/ssh/[unclosed'");
  });

  it('lists what sh expands, like glob(3): sorted, no dot-files, dangling links kept, metacharacters inert', () => {
    const root = mkdtempSync(join(tmpdir(), 'remedy glob $x '));
    try {
      const dir = join(root, "d'$(touch pwned)");
      mkdirSync(dir);
      for (const n of ['b.conf', 'a.conf', '.hidden.conf', 'README', '1.conf']) writeFileSync(join(dir, n), '');
      symlinkSync(join(dir, 'missing'), join(dir, 'z.conf'));
      const out = execFileSync('sh', ['-c', listIncludeCommand(`${dir}/*.conf`)!], { cwd: root }).toString();
      expect(out.split('\0').filter(Boolean)).toEqual(['1.conf', 'a.conf', 'b.conf', 'z.conf'].map((n) => join(dir, n)));
      const none = execFileSync('sh', ['-c', listIncludeCommand(`${dir}/*.nothing`)!], { cwd: root }).toString();
      expect(none).toBe('');
      // and through the engine's own probe runner, exactly as a host runs it
      const cmds = [listIncludeCommand(`${dir}/[ab].conf`)!, listIncludeCommand(`${dir}/*.nothing`)!];
      const [ab, nothing] = parseProbeOutput(cmds, execFileSync('sh', { input: probeScript(cmds), cwd: root }).toString());
      expect(ab).toEqual({ code: 0, stdout: `${join(dir, 'a.conf')}\0${join(dir, 'b.conf')}\0`, stderr: '' });
      expect(nothing).toEqual({ code: 0, stdout: '', stderr: '' });
      expect(() => readFileSync(join(root, 'pwned'))).toThrow();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('what sshd -T prints (OpenSSH 9.2)', () => {
  it('spells values the way the dump does, or declines', () => {
    expect(dumpLine('MaxStartups', '7')).toBe('maxstartups 7:30:7');
    expect(dumpLine('maxstartups', '10:30:100')).toBe('maxstartups 10:30:100');
    expect(dumpLine('PasswordAuthentication', 'YES')).toBe('passwordauthentication yes');
    expect(dumpLine('ChallengeResponseAuthentication', 'no')).toBe('kbdinteractiveauthentication no');
    expect(dumpLine('LoginGraceTime', '2m')).toBe('logingracetime 120');
    expect(dumpLine('ClientAliveInterval', '1h30s')).toBe('clientaliveinterval 3630');
    expect(dumpLine('PermitRootLogin', 'prohibit-password')).toBeNull();
    expect(dumpLine('PerSourceNetBlockSize', '24')).toBeNull();
    expect(convtime('1W')).toBe(604800);
    expect(convtime('x')).toBeNull();
  });
});

describe('sshd_validate', () => {
  const plan = (a: Record<string, unknown>, facts = makeFacts()) =>
    sshdValidate.plan(sshdValidate.args.parse(a), { facts, file: () => { throw new Error('no reads'); }, probe: () => { throw new Error('no probes'); }, check: false, vars: {} });
  it('plans a read-only sshd -t (a check never counts as changed)', () => {
    const p = plan({});
    expect(p.kind === 'change' && p.changes).toEqual([{ kind: 'run', command: '/usr/sbin/sshd -t', readOnly: true }] satisfies Change[]);
    const f = plan({ path: "/etc/ssh/it's.conf" });
    expect(f.kind === 'change' && f.changes).toEqual([{ kind: 'run', command: "/usr/sbin/sshd -t -f '/etc/ssh/it'\\''s.conf'", readOnly: true }]);
  });
  it('fails without an sshd binary and rejects relative paths', () => {
    expect(plan({}, makeFacts({ sshdPath: '' })).kind).toBe('fail');
    expect(sshdValidate.args.safeParse({ path: 'x' }).success).toBe(false);
  });
});
