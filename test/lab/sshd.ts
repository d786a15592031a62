// sshd inside a host, driven the way an admin (and remedy) would: Debian's sysvinit script on a
// plain host, systemctl on a booted one. Readiness is read from the kernel, not guessed with
// sleeps: the sockets sshd listens on.
import { checkIn, execIn } from './host.js';
import { poll } from './run.js';
import type { LabHost } from './types.js';

// The pid of the listening sshd: ssh.service's main pid (systemd), /run/sshd.pid (sysvinit).
const SSHD_PID: Record<LabHost['kind'], string> = {
  netns: 'p=$(cat /run/sshd.pid 2>/dev/null) || exit 0',
  systemd: 'p=$(systemctl show -p MainPID --value ssh.service); [ "$p" != 0 ] || exit 0',
};

// Inodes of the TCP sockets the running sshd listens on ('' when none).
const listenInodesScript = (host: LabHost): string => `${SSHD_PID[host.kind]}
ss -Htlnpe | grep "pid=$p," | grep -o 'ino:[0-9]*' | sort | tr '\\n' ' '`;

async function listenInodes(host: LabHost): Promise<string[]> {
  return (await checkIn(host, listenInodesScript(host))).split(' ').filter(Boolean);
}

/** Anything listening on port 22: sshd itself, or systemd holding ssh.socket. */
async function portOpen(host: LabHost): Promise<boolean> {
  return (await execIn(host, `ss -Htln 'sport = :22' | grep -q .`)).code === 0;
}

/** First start of a plain host: host keys of its own (the copied /etc has none), then start. A booted host is up already. */
export async function bootSshd(host: LabHost): Promise<void> {
  if (host.kind === 'systemd') return;
  await checkIn(host, 'ssh-keygen -A >/dev/null');
  await startSshd(host);
}

export async function startSshd(host: LabHost): Promise<void> {
  if (host.kind === 'systemd') {
    await checkIn(host, 'if systemctl -q is-enabled ssh.socket; then systemctl start ssh.socket; else systemctl start ssh.service; fi');
    await poll(`port 22 on ${host.name} to open`, () => portOpen(host));
    return;
  }
  await checkIn(host, 'mkdir -p /run/sshd && service ssh start >/dev/null');
  await poll(`sshd on ${host.name} to listen`, async () => (await listenInodes(host)).length > 0);
}

export async function stopSshd(host: LabHost): Promise<void> {
  await checkIn(host, host.kind === 'systemd' ? 'systemctl stop ssh.socket ssh.service' : 'service ssh stop >/dev/null');
  // start-stop-daemon only sends SIGTERM; wait until nothing listens any more.
  await poll(`sshd on ${host.name} to stop`, async () => !(await portOpen(host)));
}

/**
 * Reload: the init script or ssh.service runs `sshd -t` first and fails on a bad config, then
 * SIGHUP. sshd re-executes itself under the same pid, so "reloaded" means: listening on new sockets.
 * Under socket activation systemd owns the socket: a reload is done when the reload job is.
 */
export async function reloadSshd(host: LabHost): Promise<void> {
  const before = await listenInodes(host);
  await checkIn(host, host.kind === 'systemd' ? 'systemctl reload ssh.service' : 'service ssh reload >/dev/null');
  if (before.length === 0) return; // not running (or socket-activated): reload is a no-op, as on a real host
  await poll(`sshd on ${host.name} to re-execute`, async () => {
    const now = await listenInodes(host);
    return now.length > 0 && now.every((ino) => !before.includes(ino));
  });
}

/** Ubuntu's way (and Debian's README's): ssh.service disabled, ssh.socket listening on port 22. */
export async function useSocketActivation(host: LabHost): Promise<void> {
  if (host.kind !== 'systemd') throw new Error(`lab: ${host.name} has no systemd: no socket activation`);
  await checkIn(host, 'systemctl disable -q --now ssh.service && systemctl enable -q --now ssh.socket');
  await poll(`ssh.socket on ${host.name} to listen`, () => portOpen(host));
}

// --sync first: journald stores what sshd logged before it returns, so a line logged by a login
// that just ended is in the read (the journal is written asynchronously, auth.log is not).
const SSHD_LOG: Record<LabHost['kind'], string> = {
  netns: 'cat /var/log/auth.log',
  systemd: 'journalctl --sync && journalctl --no-pager -o short -t sshd -t sshd-session -t sshd-auth',
};

export async function sshdLog(host: LabHost): Promise<string> {
  return checkIn(host, SSHD_LOG[host.kind]);
}
