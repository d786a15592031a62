// The mission end to end: three real hosts, each locked out a different way, one
// `remedy apply playbooks/unblock.yml`, and the client logs in again with plain OpenSSH from its
// own address. `plan` beforehand changes nothing; a second apply changes nothing.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { labKinds } from '../lab/kinds.js';
import { labAvailable, startLab, type Lab, type LabHost } from '../lab/lab.js';
import { runCli, json } from './run-cli.js';
import { SOCKET_BANNED_PY } from '../../src/formats/fail2ban.js';
import { quote } from '../../src/shell.js';

const FILES = [
  '/etc/hosts.deny', '/etc/hosts.allow', '/etc/ssh/sshd_config', '/etc/ssh/sshd_config.d/50-low.conf',
  '/etc/fail2ban/jail.local',
];

// The command that lifts the firewall reject, by front end.
const LIFT_REJECT: Record<Lab['firewall'], RegExp> = {
  iptables: /iptables.* -D INPUT/,
  nftables: /nft .*delete rule inet filter input handle \d+/,
  ufw: /ufw .*delete/,
  firewalld: /firewall-cmd .*--remove-rich-rule/,
};

describe.skipIf(!labAvailable()).each(labKinds())('playbooks/unblock.yml on a fleet with mixed faults ($name)', (kind) => {
  let lab: Lab;
  let h1: LabHost, h2: LabHost, h3: LabHost;
  // OpenSSH >= 9.8 (the booted Debian 13 hosts): a fourth host that penalises the client.
  const penalties = kind.kind === 'systemd';
  let release: (() => void) | undefined;
  let common: string[];

  /** Files, firewall rules and fail2ban bans: everything the playbook could touch. */
  const state = async () => {
    const out: Record<string, unknown> = {};
    for (const h of lab.hosts) {
      const rules = await lab.firewallRules(h);
      const banned = await lab.exec(h, 'fail2ban-client banned 2>/dev/null || true');
      out[h.name] = { files: await lab.fileState(h, FILES), rules, banned: banned.stdout };
    }
    return out;
  };

  beforeAll(async () => {
    lab = await startLab({ hosts: penalties ? 4 : 3, prefix: 'remedy-unblock', ...kind });
    [h1, h2, h3] = lab.hosts as [LabHost, LabHost, LabHost];
    if (penalties) {
      // h4: one failed authentication from the client earns it a 5-minute penalty.
      await lab.penalise('h4');
    }
    // h1: a deny rule naming the client, and a fail2ban ban in two jails.
    await lab.denyClient(h1);
    await lab.startFail2ban(h1, ['sshd', 'recidive']);
    await lab.fail2banBan(h1, 'sshd');
    await lab.fail2banBan(h1, 'recidive');
    // h2: a policy refusing everyone but the management address, and a firewall REJECT.
    await lab.denyAllExcept(h2, lab.mgmtIp);
    await lab.firewallReject(h2);
    // h3: a drop-in with a low MaxStartups, a trailing Match block, and unauthenticated
    // connections held open past `start`, so new logins are dropped at random (38% here: low
    // enough that remedy's retries get in, as they do on a real overloaded host).
    await lab.writeFile(h3, '/etc/ssh/sshd_config.d/50-low.conf', 'MaxStartups 2:30:10\n');
    const cfg = await lab.exec(h3, 'cat /etc/ssh/sshd_config');
    await lab.writeFile(h3, '/etc/ssh/sshd_config', `${cfg.stdout}\nMatch User nobody\n    X11Forwarding no\n`);
    await lab.reloadSshd(h3);
    release = await lab.holdConnections(h3, 3, 'client');
    common = ['-i', lab.inventoryFile, '--known-hosts', lab.knownHostsFile];
  });
  afterAll(async () => {
    release?.();
    await lab?.stop();
  });

  it("fail2ban's control socket, asked directly, answers `banned` exactly as fail2ban-client does", async () => {
    const direct = await lab.exec(h1, `python3 -I -S -c ${quote(SOCKET_BANNED_PY)}`);
    const client = await lab.exec(h1, 'fail2ban-client banned');
    expect(direct.code, direct.stderr).toBe(0);
    expect(direct.stdout).toBe(client.stdout);
    expect(direct.stdout).toContain(lab.clientIp);
  });

  it('the client is refused before the fix', async () => {
    for (const h of [h1, h2, ...(penalties ? [lab.host('h4')] : [])]) expect((await lab.sshLogin(h, { from: 'client' })).ok, h.name).toBe(false);
  });

  it('plan shows every fix and changes nothing', async () => {
    const before = await state();
    const plan = await runCli(['plan', 'playbooks/unblock.yml', ...common, '--json', '--detailed-exitcode']);
    expect(plan.code, plan.stderr + plan.stdout.slice(0, 4000)).toBe(2);
    expect(await state()).toEqual(before);
    const doc = json(plan);
    const commands = (h: string) => doc.plays[0].hosts[h].tasks.flatMap((t: any) => t.commands).join('\n');
    const diffs = (h: string) => doc.plays[0].hosts[h].tasks.flatMap((t: any) => t.diffs.map((d: any) => d.path));
    expect(commands('h1')).toMatch(/fail2ban-client (unban|set \S+ unbanip) /);
    expect(diffs('h1')).toContain('/etc/hosts.deny');
    expect(diffs('h2')).toContain('/etc/hosts.allow');
    expect(commands('h2')).toMatch(LIFT_REJECT[lab.firewall]);
    expect(diffs('h3')).toContain('/etc/ssh/sshd_config.d/50-low.conf');
    if (penalties) {
      expect(diffs('h4')).toContain('/etc/ssh/sshd_config');
      // After the write, sshd -T must print the client in the exemption list.
      expect(commands('h4')).toContain(`grep -Fix 'persourcepenaltyexemptlist ${lab.clientIp}'`);
      // The other hosts did not penalise the client: their exemption task changes nothing.
      for (const h of ['h1', 'h2', 'h3']) {
        const t = doc.plays[0].hosts[h].tasks.find((x: any) => /PerSourcePenalties/.test(x.task));
        expect(t.status, h).toBe('ok');
      }
    }
  });

  it('apply lets the client in with plain OpenSSH from its own address, and a second apply changes nothing', async () => {
    const apply = await runCli(['apply', 'playbooks/unblock.yml', ...common, '--json']);
    expect(apply.code, apply.stderr + JSON.stringify(json(apply).recap)).toBe(0);
    // One control connection per host for the whole run: the second play only verifies from
    // outside, so it never logs in (verification logins are fresh connections, not counted).
    for (const h of lab.hosts) {
      expect(json(apply).plays.reduce((n: number, p: any) => n + p.hosts[h.name].stats.connections, 0), h.name).toBe(1);
      // From the run's start to verified (the second play), per host.
      const { stats } = json(apply).recap[h.name];
      expect(stats.sinceStartMs).toBeGreaterThanOrEqual(json(apply).plays[1].hosts[h.name].stats.sinceStartMs);
      // Round trips of the fix (first play): facts, one exec reading every file and probe the
      // tasks need (sshd_config.d read ahead), one batch carrying out every change of the host
      // (its guard armed in it), one checkpoint disarming the guard at the end of the play.
      expect(json(apply).plays[0].hosts[h.name].stats.execs, h.name).toBe(4);
      expect(json(apply).plays[1].hosts[h.name].stats.connections, h.name).toBe(0);
    }
    release?.();
    release = undefined;
    for (const h of lab.hosts) {
      const login = await lab.sshLogin(h, { from: 'client' });
      expect(login.ok, `${h.name}: ${login.stderr}`).toBe(true);
    }
    // How to undo each command is recorded with it (fail2ban: ban again in the jails it left).
    const f2b = json(apply).plays[0].hosts.h1.tasks.find((t: any) => /fail2ban/.test(t.task));
    expect(f2b.undo.join('\n')).toMatch(/fail2ban-client set (sshd|recidive) banip /);
    const journal = (await runCli(['runs'])).stdout;
    expect(journal).toContain(json(apply).run_id);
    // The policy on h2 stays; only the client was let in.
    const h2deny = await lab.exec(h2, 'cat /etc/hosts.deny /etc/hosts.allow');
    expect(h2deny.stdout).toContain(`sshd: ALL EXCEPT ${lab.mgmtIp}`);
    expect(h2deny.stdout).toContain(`sshd: ${lab.clientIp}`);
    // The trailing Match block still ends the file; the global value was set where sshd reads it.
    const h3cfg = await lab.exec(h3, 'sshd -T -C user=root,host=x,addr=127.0.0.1 | grep -i ^maxstartups');
    expect(h3cfg.stdout.trim()).toBe('maxstartups 10:30:100');
    if (penalties) {
      // The client is exempt; penalties stay on for everyone else.
      const h4 = await lab.exec('h4', 'sshd -T | grep -i -e ^persourcepenaltyexemptlist -e ^persourcepenalties');
      expect(h4.stdout).toContain(`persourcepenaltyexemptlist ${lab.clientIp}\n`);
      expect(h4.stdout).toMatch(/^persourcepenalties (?!no)\S/m);
    }

    const again = await runCli(['apply', 'playbooks/unblock.yml', ...common, '--json']);
    expect(again.code).toBe(0);
    for (const h of lab.hosts) expect(json(again).recap[h.name].changed, h.name).toBe(0);
  });
});
