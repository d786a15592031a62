// PerSourcePenalties: telling penalty refusals from MaxStartups drops in sshd's log, and the
// exemption sshd_config plans for a penalised client (lines captured from OpenSSH 9.2 and 10.0).
import { describe, expect, it } from 'vitest';
import { parseFacts, type Facts } from '../../src/facts.js';
import { isMaxStartupsDrop, isPenaltyLineOf, parseDropLine } from '../../src/formats/sshd-log.js';
import { resolveConfig } from '../../src/formats/sshd-config.js';
import { penaltyLogProbe, planPenaltyExemption } from '../../src/modules/penalty-exemption.js';

const C = '198.18.7.1';
const MS_92 = `drop connection #1 from [${C}]:50022 on [198.18.7.10]:22 past MaxStartups`;
const MS_10 = `Dec 03 06:16:23 h1 sshd[66]: drop connection #1 from [${C}]:53809 on [198.18.7.10]:22 Maxstartups`;
const PEN_10 = `Dec 03 06:20:01 h4 sshd[70]: drop connection #0 from [${C}]:41000 on [198.18.7.13]:22 penalty: failed authentication`;

const facts = (version: string): Facts =>
  parseFacts(`sshd=/usr/sbin/sshd\nsshd_version=OpenSSH_${version} Debian\nsshd_helpers=/usr/lib/openssh/sshd-auth /usr/lib/openssh/sshd-session\n`);

describe('sshd log lines', () => {
  it('parses the listener drop line of both generations', () => {
    expect(parseDropLine(MS_92)).toEqual({ reason: 'maxstartups', detail: 'past MaxStartups', from: { addr: C, port: 50022 }, on: { addr: '198.18.7.10', port: 22 } });
    expect(parseDropLine(MS_10)?.reason).toBe('maxstartups');
    expect(parseDropLine(PEN_10)).toMatchObject({ reason: 'penalty', detail: 'penalty: failed authentication' });
    expect(parseDropLine('sshd-session[115]: refused connect from 198.18.7.1 (198.18.7.1)')).toBeUndefined();
  });

  it('a penalty line is not a MaxStartups drop, and names only its own address', () => {
    expect(isMaxStartupsDrop(PEN_10)).toBe(false);
    expect(isMaxStartupsDrop(MS_10)).toBe(true);
    expect(isMaxStartupsDrop(MS_10, C)).toBe(true);
    expect(isMaxStartupsDrop(MS_10, '198.18.7.9')).toBe(false);
    expect(isPenaltyLineOf(PEN_10, C)).toBe(true);
    expect(isPenaltyLineOf(PEN_10, '198.18.7.10')).toBe(false); // the server's own address
    expect(isPenaltyLineOf(PEN_10, '198.18.7.11')).toBe(false);
    expect(isPenaltyLineOf(MS_10, C)).toBe(false);
    expect(isPenaltyLineOf(`srclimit_penalise: ipv4: new ${C}/32 active penalty of 30 seconds for penalty: failed authentication`, C)).toBe(true);
  });
});

describe('facts: generation, helpers, libwrap, firewall', () => {
  it('OpenSSH 10 with libwrap in sshd-session; 9.2 monolithic', () => {
    const f = parseFacts('sshd=/usr/sbin/sshd\nsshd_version=OpenSSH_10.0p2 Debian-7\nsshd_helpers=/usr/lib/openssh/sshd-auth /usr/lib/openssh/sshd-session\nlibwrap_in= /usr/lib/openssh/sshd-session\nfirewall=ufw\n');
    expect(f).toMatchObject({ libwrap: true, libwrapIn: ['/usr/lib/openssh/sshd-session'], opensshGeneration: 'sshd-auth', perSourcePenalties: true, firewallFrontend: 'ufw' });
    const old = parseFacts('sshd=/usr/sbin/sshd\nsshd_version=OpenSSH_9.2p1 Debian\nsshd_helpers=\nlibwrap_in= /usr/sbin/sshd\nfirewall=iptables\n');
    expect(old).toMatchObject({ libwrap: true, opensshGeneration: 'monolithic', perSourcePenalties: false, firewallFrontend: 'iptables' });
    expect(parseFacts('sshd_version=OpenSSH_9.9p1\nlibwrap_in=\nfirewall=bogus\n')).toMatchObject({ libwrap: false, opensshGeneration: 'sshd-session', firewallFrontend: 'none' });
  });
});

describe('planPenaltyExemption', () => {
  const MAIN = '/etc/ssh/sshd_config';
  const plan = (text: string, log: string, version = '10.0p2') => {
    const files = new Map([[MAIN, text]]);
    return planPenaltyExemption(C, facts(version), { code: 0, stdout: log, stderr: '' }, resolveConfig(MAIN, files, () => []), files);
  };

  it('adds the client when the log shows it penalised, before any Match, penalties left on', () => {
    const p = plan('PerSourcePenalties authfail:300s\nMatch User x\n  X11Forwarding no\n', `${MS_10}\n${PEN_10}\n`);
    expect(p.kind).toBe('set');
    if (p.kind !== 'set') return;
    expect(p.value).toBe(C);
    expect(p.plan.edits[0]!.newText).toMatch(new RegExp(`^PerSourcePenalties authfail:300s\\n(.*\\n)*PerSourcePenaltyExemptList ${C.replace(/\./g, '\\.')}\\n(.*\\n)*Match User x`));
    expect(p.message).toContain('drop connection #0');
  });

  it('extends an existing list in place; leaves a list that covers the client', () => {
    const p = plan('PerSourcePenaltyExemptList 10.0.0.0/8\n', PEN_10);
    expect(p.kind === 'set' && p.value).toBe(`10.0.0.0/8,${C}`);
    expect(plan('PerSourcePenaltyExemptList 198.18.0.0/15\n', PEN_10).kind).toBe('none');
    expect(plan(`PerSourcePenaltyExemptList !${C},198.18.0.0/15\n`, PEN_10).kind).toBe('fail');
  });

  it('changes nothing without a penalty of this client in the log, or before OpenSSH 9.8', () => {
    expect(plan('', MS_10)).toMatchObject({ kind: 'none', message: expect.stringContaining('no penalty') });
    expect(plan('', PEN_10.replace(C, '198.18.7.99'))).toMatchObject({ kind: 'none' });
    expect(plan('', PEN_10, '9.2p1')).toMatchObject({ kind: 'none', message: expect.stringContaining('no PerSourcePenalties') });
  });

  it('the log probe quotes the address and refuses anything else', () => {
    expect(penaltyLogProbe(C)).toContain(`grep -F -e '[${C}]' -e ${C}`);
    expect(() => penaltyLogProbe('1.2.3.4; rm -rf /')).toThrow(/not an IP address/);
  });
});
