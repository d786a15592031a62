// hosts.allow/hosts.deny cases where libwrap reads the files differently than they look (issue
// 14), against real sshd linked with libwrap: the client is refused by plain OpenSSH before,
// `remedy apply playbooks/unblock.yml` lets it in, and nothing else changes: other daemons and
// other clients keep libwrap's verdict (asked with tcpdmatch on the host itself).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { labKinds } from '../lab/kinds.js';
import { labAvailable, startLab, type Lab, type LabHost } from '../lab/lab.js';
import { runCli, json } from './run-cli.js';
import { quote } from '../../src/shell.js';

const ALLOW = '/etc/hosts.allow';
const DENY = '/etc/hosts.deny';

describe.skipIf(!labAvailable()).each(labKinds())('libwrap as sshd reads hosts.allow/hosts.deny, end to end ($name)', (kind) => {
  let lab: Lab;
  let h1: LabHost, h2: LabHost;
  let client: string;
  let common: string[];

  const files = async (h: LabHost, allow: string, deny: string) => {
    await lab.writeFile(h, ALLOW, allow);
    await lab.writeFile(h, DENY, deny);
  };
  const cat = async (h: LabHost, path: string) => (await lab.exec(h, `cat ${quote(path)}`)).stdout;
  /** libwrap's own verdict on the host, from its files. */
  const tcpdmatch = async (h: LabHost, daemon: string, addr: string) => {
    const r = await lab.exec(h, `tcpdmatch ${quote(daemon)} ${quote(addr)}`);
    return /^access:\s+(\w+)/m.exec(r.stdout)?.[1];
  };
  const login = async (h: LabHost) => (await lab.sshLogin(h, { from: 'client' })).ok;
  const apply = async (...hosts: LabHost[]) => {
    const run = await runCli(['apply', 'playbooks/unblock.yml', ...common, '-l', hosts.map((h) => h.name).join(','), '--json']);
    expect(run.code, run.stderr + run.stdout.slice(0, 3000)).toBe(0);
    return json(run);
  };
  const diagnose = async (h: LabHost) => {
    const run = await runCli(['diagnose', '-i', lab.inventoryFile, '--known-hosts', lab.knownHostsFile, '-l', h.name, '--json']);
    return JSON.parse(run.stdout).hosts[h.name];
  };

  beforeAll(async () => {
    lab = await startLab({ hosts: 2, prefix: 'remedy-libwrap', ...kind });
    [h1, h2] = lab.hosts as [LabHost, LabHost];
    client = lab.clientIp;
    common = ['-i', lab.inventoryFile, '--known-hosts', lab.knownHostsFile, '-e', `client_ip=${client}`];
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it('1. ALL: <client> (with options) stays; only sshd is opened to the client, not vsftpd or in.telnetd', async () => {
    const deny = `ALL: ${client} : severity auth.info\nsshd, vsftpd: ${client}\n`;
    await files(h1, '', deny);
    expect(await login(h1)).toBe(false);
    await apply(h1);
    expect(await login(h1)).toBe(true);
    expect(await cat(h1, DENY)).toBe(deny);
    expect(await cat(h1, ALLOW)).toBe(`sshd: ${client}\n`);
    expect(await tcpdmatch(h1, 'vsftpd', client)).toBe('denied');
    expect(await tcpdmatch(h1, 'in.telnetd', client)).toBe('denied');
  });

  it('2. a hosts.deny without its final newline refuses the client: diagnose names it, apply lets only the client in', async () => {
    const deny = 'sshd: 10.0.0.1'; // no newline: Debian's libwrap refuses all hosts.allow does not grant
    await files(h2, `sshd: ${lab.mgmtIp}\n`, deny);
    expect(await login(h2)).toBe(false);
    const d = await diagnose(h2);
    expect(d.causes[0]?.id).toBe('tcp_wrappers');
    expect(d.causes[0].evidence.join('\n')).toContain(`${DENY}:1: hosts.deny line 1: no newline at the end of the file`);
    await apply(h2);
    expect(await login(h2)).toBe(true);
    expect(await cat(h2, DENY)).toBe(deny);
    expect(await cat(h2, ALLOW)).toBe(`sshd: ${lab.mgmtIp}\nsshd: ${client}\n`);
    expect(await tcpdmatch(h2, 'sshd', '10.0.0.9')).toBe('denied');
    expect(await tcpdmatch(h2, 'vsftpd', client)).toBe('denied');
  });

  it('3. <client>/255.255.255.255 never matches: an allow with it grants nothing, a deny with it is left alone', async () => {
    const allow = `sshd: ${lab.mgmtIp}\nsshd: ${client}/255.255.255.255\n`;
    await files(h1, allow, 'ALL: ALL\n');
    const deny2 = `sshd: ${client}/255.255.255.255\nsshd: ${client}\n`;
    await files(h2, '', deny2);
    expect(await login(h1)).toBe(false);
    expect(await login(h2)).toBe(false);
    await apply(h1, h2);
    expect(await login(h1)).toBe(true);
    expect(await login(h2)).toBe(true);
    expect(await cat(h1, ALLOW)).toBe(`${allow}sshd: ${client}\n`);
    expect(await cat(h2, DENY)).toBe(`sshd: ${client}/255.255.255.255\n# remedy: sshd: ${client}\n`);
  });

  it("4. sshd@<another address of the host> does not let the client in on the address it connects to", async () => {
    const other = client.replace(/\.\d+$/, '.240');
    await lab.exec(h1, `ip addr add ${quote(other)}/32 dev eth0`);
    const allow = `sshd@${other}: ${client}\n`;
    await files(h1, allow, `sshd: ${client}\n`);
    expect(await login(h1)).toBe(false);
    const doc = await apply(h1);
    expect(await login(h1)).toBe(true);
    expect(await cat(h1, DENY)).toBe(`# remedy: sshd: ${client}\n`);
    expect(await cat(h1, ALLOW)).toBe(allow);
    // Judged on each of the host's addresses (facts): refused on all but the one sshd@ names.
    const said = JSON.stringify(doc.plays[0].hosts.h1.tasks);
    expect(said).toMatch(new RegExp(`refused only when it connects to [^"]*\\b${h1.ip.replace(/\./g, '\\.')}\\b`));
    expect(said).not.toMatch(new RegExp(`refused only when it connects to [^"]*${other.replace(/\./g, '\\.')}\\b`));
  });

  it('5. a twist in hosts.allow: diagnose ranks tcp_wrappers first, not MaxStartups; apply lets the client in', async () => {
    const allow = `sshd: ${lab.mgmtIp}\nsshd: ${client} : twist /bin/echo go away\n`;
    await files(h2, allow, '');
    expect(await login(h2)).toBe(false);
    const d = await diagnose(h2);
    expect(d.causes.map((c: any) => c.id)[0]).toBe('tcp_wrappers');
    expect(d.causes[0].evidence.join('\n')).toContain(`${ALLOW}:2: sshd: ${client} : twist /bin/echo go away`);
    await apply(h2);
    expect(await login(h2)).toBe(true);
    expect(await tcpdmatch(h2, 'sshd', lab.mgmtIp)).toBe('granted');
  });
});
