// The bench's faults: every host gets the same mix, re-created before every timed run from a
// snapshot of the host's pristine files, so each tool starts from the same broken state:
//   - hosts.deny names the client (`sshd: <clientIp>`): libwrap resets it ~5 s after connect;
//   - fail2ban's sshd jail bans the client (a real ban: fail2ban's db and an iptables REJECT), on
//     the first FAIL2BAN_HOSTS hosts: a fail2ban-server is ~25 MB of Python, 1,000 of them would
//     not fit the machine (the others are locked out by the two other faults);
//   - a drop-in lowers MaxStartups (`MaxStartups 5:30:10`), effective after a reload.
import { mapLimit } from '../test/lab/run.js';
import type { Lab, LabHost } from '../test/lab/lab.js';

export const DROP_IN = '/etc/ssh/sshd_config.d/50-low.conf';
export const LOW_MAXSTARTUPS = '5:30:10';
// Resets use nsenter, not ssh: they never touch sshd's login path or the controller's counters.
const RESET_CONCURRENCY = 8;
const FAIL2BAN_CONCURRENCY = 4; // a fail2ban-server start costs ~0.1 s of CPU
export const FAIL2BAN_HOSTS = 200;
const LOGIN_CHECK_CONCURRENCY = 100;

const hasFail2ban = (lab: Lab, host: LabHost): boolean => lab.hosts.indexOf(host) < FAIL2BAN_HOSTS;

export interface Pristine {
  hostsAllow: string;
  hostsDeny: string;
  sshdConfig: string;
}

const PRISTINE_FILES = { hostsAllow: '/etc/hosts.allow', hostsDeny: '/etc/hosts.deny', sshdConfig: '/etc/ssh/sshd_config' } as const;

async function readIn(lab: Lab, host: LabHost, path: string): Promise<string> {
  const r = await lab.exec(host, `cat ${path}`);
  if (r.code !== 0) throw new Error(`bench: cannot read ${path} on ${host.name}: ${r.stderr.trim()}`);
  return r.stdout;
}

/** Snapshot each host's files before any fault, and start fail2ban (sshd jail) on the first FAIL2BAN_HOSTS. */
export async function prepareFleet(lab: Lab): Promise<Map<string, Pristine>> {
  const pristine = new Map<string, Pristine>();
  await mapLimit(lab.hosts, RESET_CONCURRENCY, async (h) => {
    pristine.set(h.name, {
      hostsAllow: await readIn(lab, h, PRISTINE_FILES.hostsAllow),
      hostsDeny: await readIn(lab, h, PRISTINE_FILES.hostsDeny),
      sshdConfig: await readIn(lab, h, PRISTINE_FILES.sshdConfig),
    });
  });
  await mapLimit(lab.hosts.slice(0, FAIL2BAN_HOSTS), FAIL2BAN_CONCURRENCY, (h) => lab.startFail2ban(h, ['sshd']));
  return pristine;
}

/** Put one host back into the broken state: pristine files plus the three faults. */
async function resetHost(lab: Lab, host: LabHost, p: Pristine): Promise<void> {
  // What a previous run left: remedy's on-host backups (and with them any armed rollback timer,
  // whose script then no longer exists) and any drop-in besides ours.
  const clean = await lab.exec(host, 'rm -rf /var/lib/remedy/runs && rm -f /etc/ssh/sshd_config.d/*.conf');
  if (clean.code !== 0) throw new Error(`bench: cleaning ${host.name} failed: ${clean.stderr.trim()}`);
  await lab.writeFile(host, PRISTINE_FILES.hostsAllow, p.hostsAllow);
  await lab.writeFile(host, PRISTINE_FILES.hostsDeny, `${p.hostsDeny}sshd: ${lab.clientIp}\n`);
  await lab.writeFile(host, PRISTINE_FILES.sshdConfig, p.sshdConfig);
  await lab.writeFile(host, DROP_IN, `MaxStartups ${LOW_MAXSTARTUPS}\n`);
  // A tool that failed mid-restart may have left sshd down: start it, else reload the low value in.
  const running = await lab.exec(host, 'service ssh status >/dev/null');
  await (running.code === 0 ? lab.reloadSshd(host) : lab.startSshd(host));
  if (hasFail2ban(lab, host)) await lab.fail2banBan(host, 'sshd');
  const t = await lab.exec(host, 'sshd -T | grep -ix "maxstartups 5:30:10"');
  if (t.code !== 0) throw new Error(`bench: ${host.name}: the low MaxStartups is not in effect after the reset`);
}

/**
 * Reset every host, then prove the client is locked out of each (fail2ban's REJECT refuses the
 * connection at once, so this costs little).
 */
export async function resetFleet(lab: Lab, pristine: Map<string, Pristine>): Promise<void> {
  await mapLimit(lab.hosts, RESET_CONCURRENCY, (h) => resetHost(lab, h, pristine.get(h.name)!));
  const logins = await mapLimit(lab.hosts, LOGIN_CHECK_CONCURRENCY, (h) => lab.sshLogin(h, { from: 'client', timeoutMs: 10_000 }));
  const open = lab.hosts.filter((_, i) => logins[i]!.ok).map((h) => h.name);
  if (open.length) throw new Error(`bench: after the reset the client can still log in to ${open.join(', ')}`);
}
