// `npm run demo`: the main job on an embedded default, on each kind of server the lab has:
// Debian 12 hosts in network namespaces, then booted Debian 13 systemd hosts (OpenSSH 10,
// nftables) when their image is built. Each lab locks the client out of every host a different
// way (tcp_wrappers, fail2ban, firewall, MaxStartups; on OpenSSH 10 also a PerSourcePenalties
// penalty), shows the lockout, lets remedy plan and apply playbooks/unblock.yml over the working
// path, and proves the client gets in again with plain OpenSSH. Needs root; tears down after.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { labKinds, type NamedKind } from './kinds.js';
import { requireRoot, startLab, type Lab, type LabHost } from './lab.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const cli = path.join(root, 'dist/src/cli.js');

function banner(text: string): void {
  process.stdout.write(`\n\x1b[1m== ${text}\x1b[0m\n`);
}

function remedy(args: string[]): Promise<number> {
  process.stdout.write(`$ remedy ${args.join(' ')}\n`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: 'inherit', cwd: root });
    child.on('exit', (code) => resolve(code ?? 1));
  });
}

async function logins(lab: Lab): Promise<boolean> {
  const results = await Promise.all(lab.hosts.map((h) => lab.sshLogin(h, { from: 'client' })));
  results.forEach((r, i) => {
    const why = r.ok ? 'login ok' : r.stderr.trim().split('\n').pop();
    process.stdout.write(`  ssh root@${lab.hosts[i]!.ip} from ${lab.clientIp}: ${why} (${(r.ms / 1000).toFixed(1)} s)\n`);
  });
  return results.every((r) => r.ok);
}

const DESCRIBE: Record<NamedKind['kind'], string> = {
  netns: 'Debian 12, OpenSSH 9.2, sysvinit, iptables: network namespaces',
  systemd: 'Debian 13, OpenSSH 10, systemd as PID 1, nftables: booted containers',
};

async function main(): Promise<number> {
  try {
    requireRoot();
  } catch (err) {
    process.stderr.write(`remedy demo: ${(err as Error).message}\n`);
    return 1;
  }
  let code = 0;
  for (const kind of labKinds()) code = Math.max(code, await demoOn(kind));
  return code;
}

async function demoOn(kind: NamedKind): Promise<number> {
  const penalty = kind.kind === 'systemd'; // OpenSSH >= 9.8
  const n = penalty ? 4 : 3;
  banner(`Starting a lab of ${n} real sshd hosts (${DESCRIBE[kind.kind]}, on 198.18.0.0/15)`);
  const lab = await startLab({ hosts: n, prefix: 'remedy-demo', ...kind });
  try {
    for (const h of lab.hosts) process.stdout.write(`  ${h.name} ${h.ip}\n`);
    process.stdout.write(`  client (blocked vantage point) ${lab.clientIp}, management path ${lab.mgmtIp}\n`);

    banner('Locking the client out, a different way on each host');
    const [h1, h2, h3] = lab.hosts as [LabHost, LabHost, LabHost];
    process.stdout.write(`  ${h1.name}: hosts.deny names the client, and fail2ban bans it in two jails\n`);
    await lab.denyClient(h1);
    await lab.startFail2ban(h1, ['sshd', 'recidive']);
    await lab.fail2banBan(h1, 'sshd');
    await lab.fail2banBan(h1, 'recidive');
    process.stdout.write(`  ${h2.name}: hosts.deny refuses everyone but the management address; a firewall REJECT\n`);
    await lab.denyAllExcept(h2, lab.mgmtIp);
    await lab.firewallReject(h2);
    process.stdout.write(`  ${h3.name}: hosts.deny names the client; a drop-in sets MaxStartups 2:30:10\n`);
    await lab.denyClient(h3);
    await lab.writeFile(h3, '/etc/ssh/sshd_config.d/50-low.conf', 'MaxStartups 2:30:10\n');
    await lab.reloadSshd(h3);
    if (penalty) {
      process.stdout.write(`  h4: one failed authentication from the client earned it a PerSourcePenalties penalty\n`);
      await lab.penalise('h4');
    }
    await logins(lab);

    const common = ['-i', lab.inventoryFile, '--known-hosts', lab.knownHostsFile];
    banner('remedy plan: the exact diffs and commands, nothing changed');
    await remedy(['plan', 'playbooks/unblock.yml', ...common]);

    banner('remedy apply: over the working path (source address ' + lab.mgmtIp + ')');
    const applied = await remedy(['apply', 'playbooks/unblock.yml', ...common]);

    banner('The client logs in again with plain OpenSSH');
    const ok = await logins(lab);

    banner('A second apply changes nothing');
    const again = await remedy(['apply', 'playbooks/unblock.yml', ...common]);
    return applied === 0 && again === 0 && ok ? 0 : 1;
  } finally {
    banner('Tearing the lab down');
    await lab.stop();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`remedy demo failed: ${(err as Error).stack ?? err}\n`);
    process.exitCode = 1;
  },
);
