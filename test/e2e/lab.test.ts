// The lab harness itself, against real sshd hosts: each fault injector must produce the lockout
// a real client sees, while the management path keeps working.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labKinds } from '../lab/kinds.js';
import { labAvailable, startLab, type Lab } from '../lab/lab.js';
import { q } from '../lab/run.js';

const sh = (cmd: string): string => execFileSync('sh', ['-c', cmd], { encoding: 'utf8' });

// Per firewall front end: its rules as text, and the command that deletes the client's reject.
const FIREWALL: Record<Lab['firewall'], { list: string; del: (ip: string) => string; count: RegExp }> = {
  iptables: {
    list: 'iptables -S INPUT', count: /--reject-with tcp-reset/g,
    del: (ip) => `iptables -D INPUT -s ${ip} -p tcp --dport 22 -j REJECT --reject-with tcp-reset`,
  },
  nftables: {
    list: 'nft list chain inet filter input', count: /reject with tcp reset/g,
    del: (ip) => `h=$(nft -a list chain inet filter input | grep 'ip saddr ${ip} ' | grep -o 'handle [0-9]*$' | cut -d' ' -f2); nft delete rule inet filter input handle $h`,
  },
  ufw: {
    list: 'ufw status numbered', count: /REJECT IN/g,
    del: (ip) => `ufw --force delete reject proto tcp from ${ip} to any port 22`,
  },
  firewalld: {
    list: 'firewall-cmd --list-rich-rules', count: /reject/g,
    del: (ip) => {
      const rule = q(`rule family="ipv4" source address="${ip}" port port="22" protocol="tcp" reject`);
      return `firewall-cmd -q --remove-rich-rule=${rule} && firewall-cmd -q --permanent --remove-rich-rule=${rule}`;
    },
  },
};

describe.skipIf(!labAvailable()).each(labKinds(['nftables', 'ufw', 'firewalld']))('test lab (2 real sshd hosts: $name)', (kind) => {
  let lab: Lab;

  beforeAll(async () => {
    const t0 = Date.now();
    lab = await startLab({ hosts: 2, ...kind });
    console.log(`lab ${lab.id} (${kind.name}): 2 hosts ready in ${Date.now() - t0} ms`);
  });

  afterAll(async () => {
    await lab?.stop();
  });

  it('accepts plain ssh from the client and the management address', async () => {
    for (const host of lab.hosts) {
      for (const from of ['client', 'mgmt'] as const) {
        const r = await lab.sshLogin(host, { from, command: 'echo $SSH_CLIENT; hostname' });
        expect(r.stderr).toBe('');
        expect(r.ok).toBe(true);
      }
    }
    const who = await lab.exec('h2', 'hostname; cat /etc/hostname');
    expect(who.stdout).toBe('h2\nh2\n');
  });

  it('writes an inventory and a known_hosts with a distinct key per host', async () => {
    const inventory = readFileSync(lab.inventoryFile, 'utf8');
    expect(inventory).toContain(`remedy_bind_address: "${lab.mgmtIp}"`);
    expect(inventory).toContain(`ansible_host: "${lab.hosts[1]!.ip}"`);
    const ed25519 = (ip: string): string | undefined =>
      readFileSync(lab.knownHostsFile, 'utf8').split('\n').find((l) => l.startsWith(`${ip} ssh-ed25519 `));
    const [k1, k2] = lab.hosts.map((h) => ed25519(h.ip));
    expect(k1).toBeDefined();
    expect(k2).toBeDefined();
    expect(k1!.split(' ')[2]).not.toBe(k2!.split(' ')[2]);
    const inside = await lab.exec('h1', 'cut -d" " -f2 /etc/ssh/ssh_host_ed25519_key.pub');
    expect(inside.stdout.trim()).toBe(k1!.split(' ')[2]);
  });

  it('denyClient: the client is reset after ~5 s, the management path works, undo restores', async () => {
    const before = await lab.exec('h1', 'cat /etc/hosts.deny');
    const stateBefore = await lab.fileState('h1', ['/etc/hosts.deny', '/nonexistent']);
    expect(stateBefore['/etc/hosts.deny']).toMatchObject({ mode: '0644', owner: 'root:root' });
    expect(stateBefore['/nonexistent']).toBeNull();

    await lab.denyClient('h1');
    await lab.denyClient('h1'); // idempotent
    const deny = await lab.exec('h1', 'cat /etc/hosts.deny');
    expect(deny.stdout.split('\n').filter((l) => l === `sshd: ${lab.clientIp}`)).toHaveLength(1);

    const refused = await lab.sshLogin('h1', { from: 'client' });
    expect(refused.ok).toBe(false);
    expect(refused.stderr).toContain('kex_exchange_identification: read: Connection reset by peer');
    expect(refused.ms).toBeGreaterThan(4_000);
    expect((await lab.sshLogin('h1', { from: 'mgmt' })).ok).toBe(true);
    expect((await lab.sshLogin('h2', { from: 'client' })).ok).toBe(true); // per-host /etc

    await lab.writeFile('h1', '/etc/hosts.deny', before.stdout, '644');
    expect(await lab.fileState('h1', ['/etc/hosts.deny'])).toEqual({ '/etc/hosts.deny': stateBefore['/etc/hosts.deny'] });
    expect((await lab.sshLogin('h1', { from: 'client' })).ok).toBe(true);
  });

  it('fail2ban: bans in two jails refuse the client, not the management path', async () => {
    await lab.startFail2ban('h2', ['sshd', 'sshd-ddos']);
    await lab.fail2banBan('h2', 'sshd');
    await lab.fail2banBan('h2', 'sshd-ddos');
    const status = await lab.exec('h2', 'fail2ban-client status sshd; fail2ban-client status sshd-ddos');
    expect(status.stdout.match(new RegExp(`Banned IP list:\\s*${lab.clientIp.replace(/\./g, '\\.')}`, 'g'))).toHaveLength(2);

    const refused = await lab.sshLogin('h2', { from: 'client' });
    expect(refused.ok).toBe(false);
    expect(refused.stderr).toContain('Connection refused');
    expect((await lab.sshLogin('h2', { from: 'mgmt' })).ok).toBe(true);
    expect((await lab.sshLogin('h1', { from: 'client' })).ok).toBe(true); // bans are per host

    await lab.exec('h2', `fail2ban-client unban ${lab.clientIp}`);
    expect((await lab.sshLogin('h2', { from: 'client' })).ok).toBe(true);
  });

  it('firewallReject: the client is refused until the rule goes', async () => {
    await lab.firewallReject('h1');
    await lab.firewallReject('h1'); // idempotent
    const fw = FIREWALL[lab.firewall];
    const rules = await lab.exec('h1', fw.list);
    expect(rules.stdout.match(fw.count)).toHaveLength(1);
    const refused = await lab.sshLogin('h1', { from: 'client' });
    expect(refused.ok).toBe(false);
    expect(refused.stderr).toContain('Connection refused');
    expect((await lab.sshLogin('h1', { from: 'mgmt' })).ok).toBe(true);

    expect((await lab.exec('h1', fw.del(lab.clientIp))).code).toBe(0);
    expect((await lab.sshLogin('h1', { from: 'client' })).ok).toBe(true);
  });

  it('MaxStartups exhaustion: held connections make sshd drop new ones', async () => {
    await lab.setSshdOption('h1', 'MaxStartups 1'); // start = full = 1: beyond one, always drop
    const eff = await lab.exec('h1', 'sshd -T | grep -i ^maxstartups');
    expect(eff.stdout.trim()).toBe('maxstartups 1:30:1');
    const release = await lab.holdConnections('h1', 1, 'client');
    try {
      const dropped = await lab.sshLogin('h1', { from: 'mgmt' });
      expect(dropped.ok).toBe(false);
      // sshd closes the accepted socket at once; if the client's banner is already in it, the
      // close is a RST: the same words as a libwrap refusal, but immediate instead of ~5 s.
      expect(dropped.stderr).toMatch(/kex_exchange_identification: (read: Connection reset by peer|Connection closed by remote host)/);
      expect(dropped.ms).toBeLessThan(3_000);
      // OpenSSH 9.2 logs `drop connection #1 from [A]:P on [B]:22 past MaxStartups`, 10.0
      // `... on [B]:22 Maxstartups`; journald may take a moment to store the line.
      await expect.poll(() => lab.sshdLog('h1'), { timeout: 5_000 }).toMatch(/drop connection #\d+ from \S+ on \S+ (past )?MaxStartups/i);
    } finally {
      release();
    }
    await expect.poll(async () => (await lab.sshLogin('h1', { from: 'mgmt' })).ok, { timeout: 10_000 }).toBe(true);
  });

  it('stopSshd / startSshd', async () => {
    await lab.stopSshd('h2');
    const r = await lab.sshLogin('h2', { from: 'mgmt' });
    expect(r.stderr).toContain('Connection refused');
    await lab.startSshd('h2');
    expect((await lab.sshLogin('h2', { from: 'mgmt' })).ok).toBe(true);
  });

  it.runIf(kind.kind === 'systemd')('socket activation: ssh.socket listens, a login starts sshd, a restart keeps it listening', async () => {
    await lab.useSocketActivation('h2');
    expect((await lab.exec('h2', 'systemctl is-enabled ssh.service; systemctl is-active ssh.socket')).stdout).toBe('disabled\nactive\n');
    expect((await lab.sshLogin('h2', { from: 'mgmt' })).ok).toBe(true);
    expect((await lab.exec('h2', 'systemctl restart ssh.service && systemctl is-active ssh.service')).stdout).toBe('active\n');
    expect((await lab.sshLogin('h2', { from: 'client' })).ok).toBe(true);
  });

  it('stop() removes every namespace, link and file of the lab, and is idempotent', async () => {
    const { id, dir } = lab;
    const holders = lab.hosts.map((h) => h.holderPid);
    await lab.stop();
    await lab.stop();
    expect(sh('ip netns list')).not.toMatch(new RegExp(`-${id}-h\\d`));
    expect(sh('ip -o link show')).not.toMatch(new RegExp(`\\b(rb${id}|rv${id}h\\d+)\\b`));
    expect(existsSync(dir)).toBe(false);
    for (const pid of holders) expect(existsSync(`/proc/${pid}/ns`)).toBe(false);
    expect(sh('ls /sys/fs/cgroup/unified/remedy-lab 2>/dev/null | grep -c -e "-${id}-" || true').trim()).toBe('0');
  });
});
