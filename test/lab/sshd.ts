// sshd inside a host, driven the way an admin (and remedy) would: Debian's sysvinit script.
// Readiness is read from the kernel, not guessed with sleeps: the sockets sshd listens on.
import { checkIn, execIn } from './host.js';
import { poll } from './run.js';
import type { LabHost } from './types.js';

// Inodes of the TCP sockets the sshd of /run/sshd.pid listens on ('' when none).
const LISTEN_INODES = `p=$(cat /run/sshd.pid 2>/dev/null) || exit 0
ss -Htlnpe | grep "pid=$p," | grep -o 'ino:[0-9]*' | sort | tr '\\n' ' '`;

async function listenInodes(host: LabHost): Promise<string[]> {
  return (await checkIn(host, LISTEN_INODES)).split(' ').filter(Boolean);
}

/** First start: host keys of its own (the copied /etc has none), then start. */
export async function bootSshd(host: LabHost): Promise<void> {
  await checkIn(host, 'ssh-keygen -A >/dev/null');
  await startSshd(host);
}

export async function startSshd(host: LabHost): Promise<void> {
  await checkIn(host, 'mkdir -p /run/sshd && service ssh start >/dev/null');
  await poll(`sshd on ${host.name} to listen`, async () => (await listenInodes(host)).length > 0);
}

export async function stopSshd(host: LabHost): Promise<void> {
  await checkIn(host, 'service ssh stop >/dev/null');
  // start-stop-daemon only sends SIGTERM; wait until no sshd listens any more.
  await poll(`sshd on ${host.name} to stop`, async () => {
    const r = await execIn(host, `ss -Htlnp | grep -q '"sshd"'`);
    return r.code === 1;
  });
}

/**
 * SIGHUP through the init script (which runs `sshd -t` first and fails on a bad config). sshd
 * re-executes itself under the same pid, so "reloaded" means: listening on new sockets.
 */
export async function reloadSshd(host: LabHost): Promise<void> {
  const before = await listenInodes(host);
  await checkIn(host, 'service ssh reload >/dev/null');
  if (before.length === 0) return; // not running: reload is a no-op, as on a real host
  await poll(`sshd on ${host.name} to re-execute`, async () => {
    const now = await listenInodes(host);
    return now.length > 0 && now.every((ino) => !before.includes(ino));
  });
}
