// Refusing-rule classification and the unblock planner: comment out the client's own bans, add a
// precise hosts.allow line for policies, never let anyone else in, idempotent, byte-faithful.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import {
  clientPatternKind,
  decideAccess,
  parseHostsAccess,
  planUnblock,
  rulesRefusing,
  tokenNamesClient,
  type ClientInfo,
  type PlanInput,
  type UnblockPlan,
} from '../../src/formats/hosts-access.js';

const A = '/etc/hosts.allow';
const D = '/etc/hosts.deny';

function plan(allow: string, deny: string, client: ClientInfo = { addr: '10.0.0.1' }, extra: Partial<PlanInput> = {}) {
  return planUnblock({ allow: { text: allow, path: A }, deny: { text: deny, path: D }, client, ...extra });
}

/** Planning again on the output must change nothing. */
function expectIdempotent(p: UnblockPlan, client: ClientInfo = { addr: '10.0.0.1' }, extra: Partial<PlanInput> = {}) {
  const again = plan(p.allowText, p.denyText, client, extra);
  expect(again.actions).toEqual([]);
  expect(again.allowText).toBe(p.allowText);
  expect(again.denyText).toBe(p.denyText);
}

/** Other clients get exactly the verdict they had before. */
function expectOthersUnchanged(before: [string, string], p: UnblockPlan, others: string[]) {
  for (const addr of others) {
    const q = (allow: string, deny: string) =>
      decideAccess({ allow: parseHostsAccess(allow), deny: parseHostsAccess(deny), daemon: 'sshd', client: { addr } })
        .verdict;
    expect(q(p.allowText, p.denyText), addr).toBe(q(...before));
  }
}

describe('rulesRefusing', () => {
  it('lists every refusing rule with its classification', () => {
    const allow = 'sshd: ALL EXCEPT 10.0.0.0/8 : deny\n';
    const deny = 'sshd: 10.0.0.1\nsshd: 10.0.0.1, 10.0.0.2\nALL: 10.0.0.\nin.ftpd: 10.0.0.1\nsshd: 10.0.0.1 : allow\n';
    const r = rulesRefusing(
      { allow: parseHostsAccess(allow), deny: parseHostsAccess(deny) },
      'sshd',
      { addr: '10.0.0.1' },
    );
    expect(r.map((x) => [x.file, x.line, x.scope, x.namesOthers, x.decisive])).toEqual([
      ['deny', 1, 'client', false, true],
      ['deny', 2, 'policy', true, false],
      ['deny', 3, 'policy', false, false],
    ]);
    expect(r[2]?.matchedBy).toEqual([{ pattern: '10.0.0.', kind: 'address-prefix' }]);
  });
  it('counts a hosts.allow rule with the deny option', () => {
    const r = rulesRefusing(
      { allow: parseHostsAccess('sshd: 10.0.0.1 : deny\n'), deny: parseHostsAccess('') },
      'sshd',
      { addr: '10.0.0.1' },
    );
    expect(r).toMatchObject([{ file: 'allow', scope: 'client', decisive: true, reason: 'matched, option "deny"' }]);
  });
  it('knows which tokens name the client and which are policy', () => {
    const c: ClientInfo = { addr: '10.0.0.1', name: 'laptop.example.com' };
    const v6: ClientInfo = { addr: '2001:db8::1' };
    expect(tokenNamesClient('10.0.0.1', c)).toBe(true);
    expect(tokenNamesClient('10.0.0.1/32', c)).toBe(true);
    expect(tokenNamesClient('10.0.0.1/255.255.255.255', c)).toBe(false); // never matches in libwrap
    expect(tokenNamesClient('LAPTOP.example.com', c)).toBe(true);
    expect(tokenNamesClient('root@10.0.0.1', c)).toBe(true);
    expect(tokenNamesClient('[2001:db8:0::1]', v6)).toBe(true);
    expect(tokenNamesClient('[2001:db8::1]/128', v6)).toBe(true);
    for (const t of ['ALL', '10.0.0.', '10.0.0.0/24', '.example.com', '*.example.com', 'KNOWN', 'LOCAL', '/etc/x', '@ng'])
      expect(tokenNamesClient(t, c), t).toBe(false);
    expect(tokenNamesClient('laptop.example.com', { addr: '10.0.0.1', name: 'laptop.example.com', nameStatus: 'paranoid' })).toBe(false);
    expect(['ALL', '10.0.0.', '10.0.0.0/24', '[::]/0', '.d', '*', 'KNOWN', 'UNKNOWN', 'PARANOID', 'LOCAL', '@n', '/f', 'h', '[::1]', '1.2.3.4'].map(clientPatternKind)).toEqual([
      'all', 'address-prefix', 'net-mask', 'ipv6-net', 'domain', 'wildcard', 'known', 'unknown', 'paranoid', 'local', 'netgroup', 'file', 'hostname', 'ipv6-address', 'address',
    ]);
  });
});

describe('planUnblock', () => {
  it('comments out a rule that names the client', () => {
    const deny = '# bans\nsshd: 10.0.0.1\nsshd: 10.0.0.9\n';
    const p = plan('', deny);
    expect(p.verdictBefore).toBe('deny');
    expect(p.verdictAfter).toBe('allow');
    expect(p.denyText).toBe('# bans\n# remedy: sshd: 10.0.0.1\nsshd: 10.0.0.9\n');
    expect(p.allowText).toBe('');
    expect(p.actions).toEqual([
      { file: D, line: 2, action: 'comment-out', rule: 'sshd: 10.0.0.1', reason: expect.stringMatching(/names 10\.0\.0\.1 itself/) },
    ]);
    expectIdempotent(p);
    expectOthersUnchanged(['', deny], p, ['10.0.0.9', '10.0.0.2']);
  });

  it('adds an allow line for "sshd: ALL EXCEPT 10.0.0.2"', () => {
    const deny = 'sshd: ALL EXCEPT 10.0.0.2\n';
    const allow = '# allowed\nsshd: 192.0.2.7\n';
    const p = plan(allow, deny);
    expect(p.denyText).toBe(deny);
    expect(p.allowText).toBe('# allowed\nsshd: 192.0.2.7\nsshd: 10.0.0.1\n');
    expect(p.actions).toMatchObject([{ file: A, line: 3, action: 'add-allow', rule: 'sshd: 10.0.0.1' }]);
    expect(p.actions[0]?.reason).toMatch(/ALL = all/);
    expectIdempotent(p);
    expectOthersUnchanged([allow, deny], p, ['10.0.0.2', '10.0.0.3', '192.0.2.7']);
  });

  it('adds an allow line for "ALL: 198.18.0.0/15"', () => {
    const client = { addr: '198.19.4.5' };
    const p = plan('', 'ALL: 198.18.0.0/15\n', client);
    expect(p.allowText).toBe('sshd: 198.19.4.5\n');
    expect(p.actions[0]?.reason).toMatch(/198\.18\.0\.0\/15 = net-mask/);
    expectIdempotent(p, client);
    expectOthersUnchanged(['', 'ALL: 198.18.0.0/15\n'], p, ['198.19.4.6', '198.18.0.1']);
  });

  it('keeps a rule that also names other clients and adds an allow line instead', () => {
    const deny = 'sshd: 1.2.3.4, 10.0.0.1\n';
    const p = plan('', deny);
    expect(p.denyText).toBe(deny);
    expect(p.allowText).toBe('sshd: 10.0.0.1\n');
    expect(p.actions).toMatchObject([{ action: 'add-allow', reason: expect.stringMatching(/also names other clients/) }]);
    expectIdempotent(p);
    expectOthersUnchanged(['', deny], p, ['1.2.3.4']);
  });

  it('does nothing when the client is already allowed', () => {
    const allow = 'sshd: 10.0.0.1\n';
    const deny = 'ALL: ALL\n';
    const p = plan(allow, deny);
    expect(p).toMatchObject({ allowText: allow, denyText: deny, actions: [], verdictBefore: 'allow', verdictAfter: 'allow' });
  });

  it('comments out the client ban and still adds an allow line for a remaining policy', () => {
    const deny = 'sshd: 10.0.0.1\nALL: ALL\n';
    const p = plan('', deny);
    expect(p.denyText).toBe('# remedy: sshd: 10.0.0.1\nALL: ALL\n');
    expect(p.allowText).toBe('sshd: 10.0.0.1\n');
    expect(p.actions.map((a) => a.action)).toEqual(['comment-out', 'add-allow']);
    expectIdempotent(p);
  });

  it('preserves CRLF, in commented lines and in the added line', () => {
    const allow = '# allow\r\nsshd: 192.0.2.7\r\n';
    const deny = '# deny\r\nsshd: 10.0.0.1\r\nALL: 10.0.0.0/255.0.0.0\r\n';
    const p = plan(allow, deny);
    expect(p.denyText).toBe('# deny\r\n# remedy: sshd: 10.0.0.1\r\nALL: 10.0.0.0/255.0.0.0\r\n');
    expect(p.allowText).toBe('# allow\r\nsshd: 192.0.2.7\r\nsshd: 10.0.0.1\r\n');
    expectIdempotent(p);
  });

  it('prefixes every physical line of a continued rule', () => {
    const deny = 'sshd: \\\n  10.0.0.1 \\\n  : severity auth.warning\nsshd: 10.0.0.5\n';
    const p = plan('', deny);
    expect(p.denyText).toBe(
      '# remedy: sshd: \\\n# remedy:   10.0.0.1 \\\n# remedy:   : severity auth.warning\nsshd: 10.0.0.5\n',
    );
    expect(p.actions[0]).toMatchObject({ line: 1, rule: 'sshd:   10.0.0.1   : severity auth.warning' });
    expectIdempotent(p);
    expectOthersUnchanged(['', deny], p, ['10.0.0.5']);
  });

  it('adds a newline before appending to a hosts.allow that lacks one', () => {
    const p = plan('# the end', 'ALL: ALL\n');
    expect(p.allowText).toBe('# the end\nsshd: 10.0.0.1\n');
    expectIdempotent(p);
  });

  it('does not switch on an unterminated last rule when adding its line', () => {
    // "sshd: 10.9.9.9" has no newline, so libwrap ignores it; appending would activate it.
    const allow = '# x\nsshd: 10.9.9.9';
    const p = plan(allow, 'ALL: ALL\n');
    expect(p.allowText).toBe('# x\nsshd: 10.0.0.1\nsshd: 10.9.9.9');
    expect(p.actions).toMatchObject([{ action: 'add-allow', line: 2 }]);
    expectOthersUnchanged([allow, 'ALL: ALL\n'], p, ['10.9.9.9']);
    expectIdempotent(p);
  });

  it('does not append onto a dangling continuation', () => {
    const allow = 'sshd: 10.9.9.9, \\\n';
    const p = plan(allow, 'ALL: ALL\n');
    expect(p.allowText).toBe('sshd: 10.0.0.1\nsshd: 10.9.9.9, \\\n');
    expectIdempotent(p);
  });

  it('inserts before a hosts.allow rule that refuses by policy (deny option)', () => {
    const allow = '# hosts.allow\n#\n\nsshd: 192.0.2.7\nALL: ALL : deny\n';
    const p = plan(allow, '');
    expect(p.allowText).toBe('# hosts.allow\n#\n\nsshd: 10.0.0.1\nsshd: 192.0.2.7\nALL: ALL : deny\n');
    expect(p.actions).toMatchObject([{ file: A, line: 4, action: 'add-allow', reason: expect.stringMatching(/before the first rule/) }]);
    expectIdempotent(p);
    expectOthersUnchanged([allow, ''], p, ['192.0.2.7', '10.0.0.2']);
  });

  it('numbers actions in the output text when both edits hit hosts.allow', () => {
    const allow = 'sshd: 10.0.0.1 : deny\nALL: ALL : deny\n';
    const p = plan(allow, '');
    expect(p.allowText).toBe('# remedy: sshd: 10.0.0.1 : deny\nsshd: 10.0.0.1\nALL: ALL : deny\n');
    expect(p.actions.map((a) => [a.action, a.line])).toEqual([
      ['comment-out', 1],
      ['add-allow', 2],
    ]);
    expectIdempotent(p);
  });

  it('comments out a hosts.allow deny rule that names only the client', () => {
    const allow = 'sshd: 10.0.0.1 : spawn /bin/logger bad : deny\nsshd: ALL\n';
    const p = plan(allow, '');
    expect(p.allowText).toBe('# remedy: sshd: 10.0.0.1 : spawn /bin/logger bad : deny\nsshd: ALL\n');
    expect(p.actions).toMatchObject([{ file: A, line: 1, action: 'comment-out' }]);
    expectIdempotent(p);
  });

  it('handles a hosts.allow rule broken by an unescaped colon', () => {
    const allow = 'sshd: 10.0.0.0/8 : spawn echo %a at $(date +%H:%M) >> /var/log/ssh\n';
    const p = plan(allow, '');
    expect(p.verdictBefore).toBe('deny');
    expect(p.allowText.split('\n')[0]).toBe('sshd: 10.0.0.1');
    expect(p.actions[0]?.reason).toMatch(/option error/);
    expectIdempotent(p);
  });

  it('writes an IPv6 client in brackets', () => {
    const client = { addr: '2001:DB8:0::1' };
    const p = plan('', 'sshd: [2001:db8::]/32\n', client);
    expect(p.allowText).toBe('sshd: [2001:db8::1]\n');
    expectIdempotent(p, client);
    const own = plan('', 'sshd: [2001:db8::1]\n', client);
    expect(own.denyText).toBe('# remedy: sshd: [2001:db8::1]\n');
  });

  it('comments out a DenyHosts entry and leaves its marker', () => {
    const deny = readFileSync('test/fixtures/hosts-access/10-denyhosts.deny', 'utf8');
    const client = { addr: '203.0.113.9' };
    const p = plan('', deny, client);
    expect(p.denyText).toBe(deny.replace('\nsshd: 203.0.113.9\n', '\n# remedy: sshd: 203.0.113.9\n'));
    expectIdempotent(p, client);
  });

  it('treats the client hostname as naming the client, but keeps a ban for ALL daemons', () => {
    const client = { addr: '10.0.0.1', name: 'laptop.example.com' };
    const p = plan('', 'ALL: laptop.example.com\nsshd: 10.0.0.1/32\n', client);
    // Commenting out `ALL: <client>` would open every other daemon to the client too.
    expect(p.denyText).toBe('ALL: laptop.example.com\n# remedy: sshd: 10.0.0.1/32\n');
    expect(p.allowText).toBe('sshd: 10.0.0.1\n');
    expect(p.actions.map((a) => a.action)).toEqual(['comment-out', 'add-allow']);
    expect(p.actions[1]?.reason).toMatch(/also refuses it for other daemons \(ALL\)/);
    expectIdempotent(p, client);
  });
  it('never comments out a ban that also covers other daemons, whatever its options', () => {
    for (const deny of ['ALL: 10.0.0.1\n', 'sshd, vsftpd: 10.0.0.1\n', 'ALL: 10.0.0.1 : severity auth.info\n', 's*: 10.0.0.1\n', '22: 10.0.0.1\n']) {
      const p = plan('', deny, { addr: '10.0.0.1' }, { serverPort: 22 });
      expect(p.denyText, deny).toBe(deny);
      expect(p.allowText, deny).toBe('sshd: 10.0.0.1\n');
    }
    const allow = 'ALL: 10.0.0.1 : deny\n';
    expect(plan(allow, '').allowText).toBe('sshd: 10.0.0.1\nALL: 10.0.0.1 : deny\n');
  });
  it('judges daemon@host on every server address, and fixes all of them', () => {
    const deny = 'sshd@10.9.0.1: 10.0.0.1\n';
    expect(plan('', deny, { addr: '10.0.0.1' }, { serverAddrs: ['10.9.0.2'] }).actions).toEqual([]);
    const p = plan('', deny, { addr: '10.0.0.1' }, { serverAddrs: ['10.9.0.2', '10.9.0.1'] });
    expect(p.denyText).toBe('# remedy: sshd@10.9.0.1: 10.0.0.1\n');
    expect(p.notes.join('\n')).toMatch(/refused only when it connects to 10\.9\.0\.1/);
    const allow = 'sshd@10.9.0.1: 10.0.0.1\n';
    const q = plan(allow, 'ALL: ALL\n', { addr: '10.0.0.1' }, { serverAddrs: ['10.9.0.1', '10.9.0.2'] });
    expect(q.allowText).toBe(`${allow}sshd: 10.0.0.1\n`);
  });
  it('does not comment out a line the prefix would push past libwrap\'s 2048-byte buffer', () => {
    const deny = `sshd: ${'10.0.0.1 '.repeat(226)}\nsshd: 10.0.0.7\n`; // 2041 bytes: fits, with "# remedy: " it would not
    const p = plan('', deny);
    expect(p.denyText).toBe(deny);
    expect(p.allowText).toBe('sshd: 10.0.0.1\n');
    expectOthersUnchanged(['', deny], p, ['10.0.0.7', '10.0.0.8']);
  });
  it('lets the client in past a hosts.deny without its final newline, and nobody else', () => {
    const deny = 'sshd: 10.0.0.9';
    const p = plan('sshd: 192.0.2.7\n', deny);
    expect(p.denyText).toBe(deny);
    expect(p.allowText).toBe('sshd: 192.0.2.7\nsshd: 10.0.0.1\n');
    expect(p.decisionBefore).toMatchObject({ verdict: 'deny', file: 'deny', line: 1 });
    expectOthersUnchanged(['sshd: 192.0.2.7\n', deny], p, ['10.0.0.9', '10.0.0.2']);
  });

  it('uses the marker and daemon given', () => {
    const p = plan('', 'in.sshd: 10.0.0.1\nin.sshd: ALL\n', { addr: '10.0.0.1' }, { marker: 'ops-123', daemon: 'in.sshd' });
    expect(p.denyText).toBe('# ops-123: in.sshd: 10.0.0.1\nin.sshd: ALL\n');
    expect(p.allowText).toBe('in.sshd: 10.0.0.1\n');
  });

  it('plans over the fixture corpus: always ends allowed and is idempotent', () => {
    const files = ['01-debian-style.deny', '03-crlf.deny', '06-except-nested.deny', '08-ipv6.deny', '09-tabs.deny', '17-masks.deny', '18-keywords.deny', '22-inline-hash.deny'];
    const clients = ['10.0.0.1', '192.0.2.9', '2001:db8::1', '198.18.7.7', '203.0.113.9'].map((addr) => ({ addr }));
    const allow = readFileSync('test/fixtures/hosts-access/23-long-mixed.allow', 'utf8');
    for (const f of files) {
      const deny = readFileSync(`test/fixtures/hosts-access/${f}`, 'utf8');
      for (const client of clients) {
        const p = plan(allow, deny, client);
        expect(p.verdictAfter, `${f} ${client.addr}`).toBe('allow');
        expectIdempotent(p, client);
      }
    }
  });

  it('rejects a client that is not an address', () => {
    expect(() => plan('', 'ALL: ALL\n', { addr: 'laptop' })).toThrow(TypeError);
  });
});
