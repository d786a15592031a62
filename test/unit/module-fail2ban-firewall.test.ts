// The fail2ban and firewall modules plan from real captured probe outputs (fail2ban 1.0.2,
// iptables 1.8.9 nf_tables): exact commands, nothing when there is nothing to lift.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { fail2ban } from '../../src/modules/fail2ban.js';
import { firewall } from '../../src/modules/firewall.js';
import { parseFacts } from '../../src/facts.js';
import type { FileState } from '../../src/engine/change.js';
import type { ModuleDef, PlanContext } from '../../src/modules/module.js';

const fixture = (p: string) => readFileSync(`test/fixtures/${p}`, 'utf8');

function planWith<A>(mod: ModuleDef<A>, raw: Record<string, unknown>, probeOut: string, files: Record<string, string> = {}) {
  const args = mod.args.parse(raw);
  const ctx: PlanContext = {
    facts: parseFacts(''),
    check: true,
    vars: {},
    probe: () => ({ code: 0, stdout: probeOut, stderr: '' }),
    file: (path): FileState => (path in files
      ? { path, kind: 'file', content: Buffer.from(files[path]!), mode: '0644', uid: 0, gid: 0, owner: 'root', group: 'root' }
      : { path, kind: 'absent' }),
  };
  return mod.plan(args, ctx);
}

describe('fail2ban module', () => {
  const probe = fixture('fail2ban/probe-1.0.2.txt');
  it('unbans an address banned in several jails with one `unban` on 1.0', () => {
    const p = planWith(fail2ban, { ip: '203.0.113.7' }, probe);
    expect(p).toMatchObject({ kind: 'change', changes: [{ kind: 'run', command: 'fail2ban-client unban 203.0.113.7' }] });
    // What is needed to undo it is recorded with the change.
    expect(p.kind === 'change' && p.changes[0]!.kind === 'run' && p.changes[0]!.undo).toMatch(/^fail2ban-client set \S+ banip 203\.0\.113\.7 && fail2ban-client set \S+ banip 203\.0\.113\.7$/);
  });
  it('needs only `banned` (one fail2ban-client start) to unban on a current server', () => {
    const quick = "@@remedy-fail2ban@@ begin banned\n[{'recidive': ['203.0.113.7']}, {'sshd': ['203.0.113.7', '198.51.100.23']}]\n\n@@remedy-fail2ban@@ end 0\n";
    expect(planWith(fail2ban, { ip: '203.0.113.7' }, quick)).toMatchObject({ kind: 'change', changes: [{ kind: 'run', command: 'fail2ban-client unban 203.0.113.7' }] });
    expect(planWith(fail2ban, { ip: '192.0.2.1' }, quick).kind).toBe('ok');
    const down = '@@remedy-fail2ban@@ begin banned\nERROR   Failed to access socket path\n\n@@remedy-fail2ban@@ end 255\n@@remedy-fail2ban@@ begin status\nERROR   Failed to access socket path: Is fail2ban running?\n\n@@remedy-fail2ban@@ end 255\n';
    expect(planWith(fail2ban, { ip: '192.0.2.1' }, down).kind).toBe('skip');
  });
  it('limits to the named jails with `set <jail> unbanip`', () => {
    const p = planWith(fail2ban, { ip: '203.0.113.7', jails: ['sshd'] }, probe);
    expect(p).toMatchObject({ kind: 'change', changes: [{ kind: 'run', command: 'fail2ban-client set sshd unbanip 203.0.113.7' }] });
  });
  it('plans nothing for an address no jail bans', () => {
    expect(planWith(fail2ban, { ip: '192.0.2.99' }, probe).kind).toBe('ok');
  });
  it('whitelists lastingly in jail.local [DEFAULT] and at run time', () => {
    const p = planWith(fail2ban, { ip: '192.0.2.99', whitelist: true }, probe, { '/etc/fail2ban/jail.local': '[sshd]\nenabled = true\n' });
    expect(p.kind).toBe('change');
    if (p.kind !== 'change') return;
    const write = p.changes.find((c) => c.kind === 'write');
    expect(write && write.kind === 'write' && write.content.toString()).toMatch(/\[DEFAULT\]\nignoreip = 127\.0\.0\.1\/8 ::1 192\.0\.2\.99\n/);
    expect(p.changes.filter((c) => c.kind === 'run').map((c) => c.kind === 'run' && c.command)).toEqual([
      'fail2ban-client set recidive addignoreip 192.0.2.99',
      'fail2ban-client set sshd addignoreip 192.0.2.99',
    ]);
  });
  it('skips with the reason when fail2ban is absent', () => {
    expect(planWith(fail2ban, { ip: '192.0.2.99' }, fixture('fail2ban/probe-absent.txt'))).toMatchObject({ kind: 'skip', reason: 'fail2ban is not installed' });
  });
  it('rejects an argument that is not an address', () => {
    expect(() => fail2ban.args.parse({ ip: '1.2.3.4; rm -rf /' })).toThrow(/expected an IP address/);
  });
});

describe('firewall module', () => {
  const probe = fixture('firewall/probe-iptables-f2b.txt');
  it('leaves fail2ban chains to fail2ban and plans nothing else for a banned address', () => {
    const p = planWith(firewall, { client: '203.0.113.7' }, probe);
    expect(p.kind === 'ok' || p.kind === 'change').toBe(true);
    const cmds = p.kind === 'change' ? p.changes.map((c) => (c.kind === 'run' ? c.command : '')) : [];
    expect(cmds.join('\n')).not.toMatch(/f2b-/);
    expect(p.kind === 'ok' ? p.message : (p as { message?: string }).message).toMatch(/fail2ban/);
  });
  it('deletes a REJECT naming the client by its spec', () => {
    const out = '@@remedy-firewall@@ begin iptables\n-P INPUT ACCEPT\n-A INPUT -s 192.0.2.5/32 -p tcp -m tcp --dport 22 -j REJECT --reject-with tcp-reset\n\n@@remedy-firewall@@ end 0\n';
    expect(planWith(firewall, { client: '192.0.2.5' }, out)).toMatchObject({
      kind: 'change',
      changes: [{ kind: 'run', command: 'iptables -D INPUT -s 192.0.2.5/32 -p tcp -m tcp --dport 22 -j REJECT --reject-with tcp-reset' }],
    });
    expect(planWith(firewall, { client: '192.0.2.6' }, out).kind).toBe('ok');
  });
  it('keeps a broad DROP and lets the client alone in before it', () => {
    const out = '@@remedy-firewall@@ begin iptables\n-P INPUT ACCEPT\n-A INPUT -p tcp -m tcp --dport 22 -j DROP\n\n@@remedy-firewall@@ end 0\n';
    const p = planWith(firewall, { client: '192.0.2.5' }, out);
    expect(p.kind).toBe('change');
    if (p.kind !== 'change') return;
    expect(p.changes).toHaveLength(1);
    expect(p.changes[0]).toMatchObject({ kind: 'run', command: expect.stringMatching(/^iptables -I INPUT 1 -s 192\.0\.2\.5(\/32)? -p tcp .*--dport 22 -j ACCEPT/) });
  });
  it('reads firewalld 2.3 under nft 1.1 and says so in a few lines, never the ruleset', () => {
    const nft = fixture('firewall/nft-firewalld-1.1.txt');
    const out = `@@remedy-firewall@@ begin nft\n${nft}\n@@remedy-firewall@@ end 0\n`;
    const p = planWith(firewall, { client: '203.0.113.7' }, out);
    expect(p.kind).toBe('change');
    const msg = p.kind === 'change' ? p.message ?? '' : '';
    expect(msg.split('\n').length).toBeLessThanOrEqual(9);
    expect(msg.length).toBeLessThan(2_000);
    // An unreadable ruleset (259 lines nobody parses) is summarised, not echoed.
    const junk = Array.from({ length: 259 }, (_, i) => `garbage line ${i} {`).join('\n');
    const q = planWith(firewall, { client: '203.0.113.7' }, `@@remedy-firewall@@ begin nft\n${junk}\n@@remedy-firewall@@ end 0\n`);
    const qm = q.kind === 'ok' || q.kind === 'change' ? q.message ?? '' : q.kind === 'fail' ? q.message : q.reason;
    expect(qm.split('\n').length).toBeLessThanOrEqual(9);
    expect(qm).toMatch(/more note\(s\)/);
  });
});
