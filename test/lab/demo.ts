// `npm run demo`: the main job on an embedded default. Builds a lab of 3 real sshd hosts in
// network namespaces, locks the client out of each a different way (tcp_wrappers, fail2ban,
// firewall, MaxStartups), shows the lockout, then lets remedy plan and apply
// playbooks/unblock.yml over the working path, and proves the client gets in again with plain
// OpenSSH. Needs root (network namespaces); tears everything down after.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
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

async function main(): Promise<number> {
  try {
    requireRoot();
  } catch (err) {
    process.stderr.write(`remedy demo: ${(err as Error).message}\n`);
    return 1;
  }
  banner('Starting a lab of 3 real sshd hosts (network namespaces on 198.18.0.0/15)');
  const lab = await startLab({ hosts: 3, prefix: 'remedy-demo' });
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
