import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { FileState, ModulePlan } from '../../src/engine/change.js';
import { parseFacts } from '../../src/facts.js';
import { sshClientConfig } from '../../src/modules/ssh-client-config.js';

const HOME = '/home/tester';
const CONFIG = `${HOME}/.ssh/config`;
const facts = parseFacts('');
const vars = { remedy_controller_home: HOME };
const dirState: FileState = { path: `${HOME}/.ssh`, kind: 'dir', mode: '0700', uid: 1000, gid: 1000, owner: 'tester', group: 'tester' };
const fileState = (content: string | Buffer, mode = '0600'): FileState =>
  ({ path: CONFIG, kind: 'file', content: Buffer.from(content), mode, uid: 1000, gid: 1000, owner: 'tester', group: 'tester' });

function plan(args: Record<string, unknown>, config: FileState | string | undefined, dir: FileState = dirState): ModulePlan {
  const a = sshClientConfig.args.parse(args);
  const reads = sshClientConfig.reads!(a, { facts, known: () => undefined, probed: () => undefined, vars });
  expect(reads).toEqual([CONFIG, `${HOME}/.ssh`]);
  const state = typeof config === 'string' ? fileState(config) : config ?? { path: CONFIG, kind: 'absent' as const };
  return sshClientConfig.plan(a, {
    facts, check: true, vars, probe: () => { throw new Error('no probes'); },
    file: (p) => (p === CONFIG ? state : p === `${HOME}/.ssh` ? dir : { path: p, kind: 'absent' }),
  });
}

/** The new file text (or the old one when nothing changes), checked to be idempotent. */
function edit(text: string, host: string, options: Record<string, string | number | boolean>): { text: string; message: string } {
  const p = plan({ host, options }, text);
  if (p.kind === 'ok') return { text, message: p.message ?? '' };
  if (p.kind !== 'change') throw new Error(`unexpected ${p.kind}: ${JSON.stringify(p)}`);
  const w = p.changes[0]!;
  if (w.kind !== 'write') throw new Error('expected a write');
  const again = plan({ host, options }, w.content.toString('latin1') === w.content.toString('utf8') ? w.content.toString() : fileState(w.content));
  expect(again.kind, 'second apply plans nothing').toBe('ok');
  return { text: w.content.toString(), message: p.message ?? '' };
}

const hasSsh = spawnSync('ssh', ['-V']).error === undefined;
const tmp = mkdtempSync(join(tmpdir(), 'remedy-sshcfg-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
/** What real ssh makes of a config for an alias (`ssh -G -F file alias`), lowercased keys. */
function sshG(text: string, alias: string): Record<string, string> {
  const file = join(tmp, `config${n++}`);
  writeFileSync(file, text, { mode: 0o600 });
  const r = spawnSync('ssh', ['-G', '-F', file, alias], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ssh -G failed: ${r.stderr}`);
  return Object.fromEntries(r.stdout.split('\n').filter(Boolean).map((l) => [l.slice(0, l.indexOf(' ')), l.slice(l.indexOf(' ') + 1)]));
}

const KEEPALIVE = { ServerAliveInterval: 60, ServerAliveCountMax: 3 };

describe('ssh_client_config: placement and byte-preserving edits', () => {
  it('creates a new file 0600 with a Host * block', () => {
    const p = plan({ host: '*', options: KEEPALIVE }, undefined);
    expect(p).toMatchObject({ kind: 'change', changes: [{ kind: 'write', path: CONFIG, mode: '0600' }] });
    const w = p.kind === 'change' ? p.changes[0] : undefined;
    if (p.kind !== 'change' || w?.kind !== 'write') return;
    expect(w.content.toString()).toBe('Host *\n    ServerAliveInterval 60\n    ServerAliveCountMax 3\n');
    expect(w.owner).toBeUndefined();
    expect(p.message).toBe(`create, Host * in ${CONFIG}: new Host * block at the end: ServerAliveInterval 60, ServerAliveCountMax 3`);
  });

  it('fails clearly without the parent directory, or with create: false', () => {
    expect(plan({ host: '*', options: KEEPALIVE }, undefined, { path: `${HOME}/.ssh`, kind: 'absent' })).toEqual({ kind: 'fail', message: `${HOME}/.ssh does not exist; create it first (mode 0700)` });
    expect(plan({ host: '*', options: KEEPALIVE, create: false }, undefined).kind).toBe('fail');
    expect(plan({ host: '*', options: KEEPALIVE }, { ...dirState, path: CONFIG }).kind).toBe('fail');
  });

  it('replaces values in the existing block, keeping indentation, case, `=` style and comments', () => {
    const before = '# mine\nHost *\n\tserveraliveinterval=30   # keep me\n  ServerAliveCountMax = 3\n\tUser me\n';
    const r = edit(before, '*', KEEPALIVE);
    expect(r.text).toBe('# mine\nHost *\n\tserveraliveinterval=60   # keep me\n  ServerAliveCountMax = 3\n\tUser me\n');
    expect(r.message).toBe(`Host * in ${CONFIG}: ServerAliveInterval 60: was '30' at line 3`);
    expect(edit(r.text, '*', KEEPALIVE).text).toBe(r.text);
  });

  it('inserts a missing option right after the Host line, with the block\'s indentation', () => {
    expect(edit('Host *\n\tUser me\n', '*', { ServerAliveInterval: 60 }).text).toBe('Host *\n\tServerAliveInterval 60\n\tUser me\n');
    expect(edit('Host web1\nUser me\n', 'web1', { ConnectTimeout: '10s' }).text).toBe('Host web1\nConnectTimeout 10s\nUser me\n');
    expect(edit('Host=web1', 'web1', { Port: 2222 }).text).toBe('Host=web1\n    Port 2222\n');
  });

  it.skipIf(!hasSsh)('Host * goes at the END, so per-host overrides that come first keep winning', () => {
    const before = 'Host *\n    AddKeysToAgent yes\n\nHost github.com\n    ServerAliveInterval 30\n';
    const r = edit(before, '*', KEEPALIVE);
    // ServerAliveInterval would clobber github.com's override in the first block: new block at the end
    expect(r.text).toBe('Host *\n    ServerAliveCountMax 3\n    AddKeysToAgent yes\n\nHost github.com\n    ServerAliveInterval 30\n\nHost *\n    ServerAliveInterval 60\n');
    expect(sshG(r.text, 'github.com')).toMatchObject({ serveraliveinterval: '30', serveralivecountmax: '3' });
    expect(sshG(r.text, 'other')).toMatchObject({ serveraliveinterval: '60', serveralivecountmax: '3' });
    expect(r.message).toBe(`Host * in ${CONFIG}: ServerAliveCountMax 3: added to Host * (line 1); new Host * block at the end: ServerAliveInterval 60 (line 5 sets it for some hosts and must keep winning)`);
  });

  it.skipIf(!hasSsh)('edits an option set before any Host line for Host * (same scope)', () => {
    const r = edit('ServerAliveInterval 10\n\nHost web1\n  User x\n', '*', KEEPALIVE);
    expect(r.text).toBe('ServerAliveInterval 60\n\nHost web1\n  User x\n\nHost *\n  ServerAliveCountMax 3\n');
    expect(sshG(r.text, 'web1')).toMatchObject({ serveraliveinterval: '60', serveralivecountmax: '3' });
  });

  it.skipIf(!hasSsh)('puts a new specific block before Host * and Match (and the comments above them)', () => {
    const before = 'Host bastion\n  User ops\n\n# defaults\nHost *\n  ServerAliveInterval 5\n\nMatch user root\n  ServerAliveInterval 1\n';
    const r = edit(before, 'web1 web2', { ServerAliveInterval: 60, User: 'deploy' });
    expect(r.text).toBe('Host bastion\n  User ops\n\nHost web1 web2\n  ServerAliveInterval 60\n  User deploy\n\n# defaults\nHost *\n  ServerAliveInterval 5\n\nMatch user root\n  ServerAliveInterval 1\n');
    expect(sshG(r.text, 'web2')).toMatchObject({ serveraliveinterval: '60', user: 'deploy' });
    expect(sshG(r.text, 'bastion')).toMatchObject({ serveraliveinterval: '5' });
    expect(r.message).toBe(`Host web1 web2 in ${CONFIG}: new Host web1 web2 block before line 4: ServerAliveInterval 60, User deploy`);
  });

  it.skipIf(!hasSsh)('goes before a broader Host pattern that matches it', () => {
    const r = edit('Host web*\n  ServerAliveInterval 5\n', 'web1', { ServerAliveInterval: 60 });
    expect(r.text).toBe('Host web1\n  ServerAliveInterval 60\n\nHost web*\n  ServerAliveInterval 5\n');
    expect(sshG(r.text, 'web1').serveraliveinterval).toBe('60');
    expect(sshG(r.text, 'web2').serveraliveinterval).toBe('5');
  });

  it.skipIf(!hasSsh)('reports (does not edit) an earlier broader block that shadows an existing block', () => {
    const before = 'Host *\n  ServerAliveInterval 30\n\nHost web1\n  User x\n';
    const r = edit(before, 'web1', { ServerAliveInterval: 60 });
    expect(r.text).toBe('Host *\n  ServerAliveInterval 30\n\nHost web1\n  ServerAliveInterval 60\n  User x\n');
    expect(sshG(r.text, 'web1').serveraliveinterval).toBe('30'); // what the message says
    expect(r.message).toContain("ServerAliveInterval is shadowed: line 2 in Host * sets '30' first, so ssh uses that for Host web1; not edited, because it applies to other hosts as well");
    // the second run still says so
    expect(edit(r.text, 'web1', { ServerAliveInterval: 60 }).message).toContain('ServerAliveInterval is shadowed');
    // a global line shadows everything, a new block too
    expect(edit('ServerAliveInterval 30\n', 'web1', { ServerAliveInterval: 60 }).message).toContain('line 1 before any Host line');
  });

  it.skipIf(!hasSsh)('Host * after Match blocks; a Match that comes first is reported as possibly overriding', () => {
    const before = 'Match user root\n  ServerAliveInterval 1\n';
    const r = edit(before, '*', { ServerAliveInterval: 60 });
    expect(r.text).toBe('Match user root\n  ServerAliveInterval 1\n\nHost *\n  ServerAliveInterval 60\n');
    expect(r.message).toContain('ServerAliveInterval may be overridden by a Match block that comes first: line 2 (in Match user root)');
    expect(sshG(r.text, 'x').serveraliveinterval).toMatch(/^(1|60)$/);
    // Match all applies to every host: it shadows
    expect(edit('Match all\n  ServerAliveInterval 1\n', '*', { ServerAliveInterval: 60 }).message).toContain('ServerAliveInterval is shadowed: line 2 in Match all');
  });

  it('mentions Include lines, whose files it does not read', () => {
    const r = edit('Include ~/.ssh/config.d/*\n\nHost *\n  User me\n', '*', { TCPKeepAlive: true });
    expect(r.text).toBe('Include ~/.ssh/config.d/*\n\nHost *\n  TCPKeepAlive yes\n  User me\n');
    expect(r.message).toContain('included files were not examined (Include at line 1)');
  });

  it('keeps CRLF, a missing final newline and non-UTF-8 bytes', () => {
    expect(edit('Host *\r\n  User me\r\n', '*', { ServerAliveInterval: 60 }).text).toBe('Host *\r\n  ServerAliveInterval 60\r\n  User me\r\n');
    expect(edit('Host a\n  User me', 'b', { User: 'x' }).text).toBe('Host a\n  User me\n\nHost b\n  User x\n');
    expect(edit('Host *', '*', { User: 'x' }).text).toBe('Host *\n    User x\n');
    const latin = Buffer.concat([Buffer.from('# caf'), Buffer.from([0xe9]), Buffer.from('\nHost *\n  User me\n')]);
    const p = plan({ host: '*', options: { Port: 2222 } }, fileState(latin));
    const w = p.kind === 'change' ? p.changes[0] : undefined;
    expect(w?.kind === 'write' && w.content.equals(
      Buffer.concat([Buffer.from('# caf'), Buffer.from([0xe9]), Buffer.from('\nHost *\n  Port 2222\n  User me\n')]),
    )).toBe(true);
  });

  it('compares values the way ssh reads them', () => {
    expect(edit('Host *\n  TCPKeepAlive Yes\n', '*', { tcpkeepalive: 'yes' }).text).toBe('Host *\n  TCPKeepAlive Yes\n');
    expect(edit('Host *\n  User "me"\n', '*', { User: 'me' }).text).toBe('Host *\n  User "me"\n');
    expect(edit('Host *\n  User Me\n', '*', { User: 'me' }).text).toBe('Host *\n  User me\n');
    expect(edit('Host *\n  ServerAliveInterval\n', '*', { ServerAliveInterval: 60 }).text).toBe('Host *\n  ServerAliveInterval 60\n');
  });

  it('adds IdentityFile lines instead of replacing them (they accumulate)', () => {
    const before = 'Host web1\n  IdentityFile ~/.ssh/id_old\n';
    const r = edit(before, 'web1', { IdentityFile: '~/.ssh/id_new' });
    expect(r.text).toBe('Host web1\n  IdentityFile ~/.ssh/id_new\n  IdentityFile ~/.ssh/id_old\n');
    expect(edit(before, 'web1', { IdentityFile: '~/.ssh/id_old' }).text).toBe(before);
  });

  it('matches a block by its whole pattern list, case-insensitively', () => {
    expect(edit('Host WEB1 web2\n  User a\n', 'web1 web2', { User: 'b' }).text).toBe('Host WEB1 web2\n  User b\n');
    expect(edit('Host web1\n  User a\n', 'web1 web2', { User: 'b' }).text).toBe('Host web1 web2\n  User b\n\nHost web1\n  User a\n');
  });

  it('clears group/other write bits ssh refuses, and keeps owner', () => {
    const p = plan({ host: '*', options: { User: 'me' } }, fileState('Host *\n  User me\n', '0664'));
    expect(p).toMatchObject({ kind: 'change', changes: [{ kind: 'write', mode: '0644', owner: '1000' }] });
    expect(p.kind === 'change' && p.message).toContain('mode 0664 -> 0644');
    expect(plan({ host: '*', options: { User: 'me' } }, fileState('Host *\n  User me\n', '0644'))).toEqual({ kind: 'ok', message: `already set for Host * in ${CONFIG}` });
  });
});

describe('ssh_client_config arguments', () => {
  const bad = (args: Record<string, unknown>) => {
    const r = sshClientConfig.args.safeParse(args);
    return r.success ? '' : r.error.issues.map((i) => i.message).join('; ');
  };
  it('validates keywords and values', () => {
    expect(bad({ host: '*', options: { ServerAliveIntreval: 60 } })).toContain("did you mean 'ServerAliveInterval'?");
    expect(bad({ host: '*', options: { Host: 'x' } })).toContain('not an ssh_config keyword');
    expect(bad({ host: '*', options: { User: 'a\nHost *' } })).toContain('one line');
    expect(bad({ host: '*', options: { ServerAliveCountMax: -1 } })).toContain('integer');
    expect(bad({ host: '*', options: { Port: 70000 } })).toContain('from 1 to 65535');
    expect(bad({ host: '*', options: { ConnectTimeout: 'soon' } })).toContain('time');
    expect(bad({ host: '*', options: { StrictHostKeyChecking: 'maybe' } })).toContain('accept-new');
    expect(bad({ host: '*', options: { User: 'a b' } })).toContain('single argument');
    expect(bad({ host: '*', options: { user: 'a', User: 'b' } })).toContain('given twice');
    expect(bad({ host: '*', options: {} })).toContain('at least one option');
    expect(bad({ host: '!web1', options: { User: 'a' } })).toContain('not negated');
    expect(bad({ host: '*', options: { User: 'me # you' } })).toContain('comment');
    expect(sshClientConfig.args.parse({ host: ['web1', 'web2'], options: { User: 'a' } }).host).toEqual(['web1', 'web2']);
    expect(bad({ host: 'a#b', options: { User: 'a' } })).toContain('not a Host pattern');
    expect(bad({ host: '*', options: { User: 'a' }, path: 'config' })).toContain('absolute');
    expect(bad({ host: '*', options: { ServerAliveInterval: '1m30s', TCPKeepAlive: false, IPQoS: 'lowdelay throughput', KexAlgorithms: '+diffie-hellman-group14-sha1' } })).toBe('');
  });
});
