// One lab host: its private files, the holder process that keeps its namespaces, and `exec`.
//
// A host is a network namespace plus private mount, UTS and PID namespaces. The mount namespace
// gets private copies of the directories a host writes (so /etc/hosts.deny, sshd_config,
// fail2ban's ban db are per host); the UTS namespace gives it its hostname; the PID namespace
// keeps a `pkill sshd` or `service ssh stop` on one host away from every other sshd, and its
// init (the holder) reaps the daemons' children.
//
// /etc is an overlay: the root's /etc read-only below, the host's changes in <dir>/etc above.
// A `cp -a /etc` costs ~1 s of system time per host on this VM (20 hosts: 20 s of 2 cores);
// the overlay costs nothing, and renames, in-place writes and deletions behave as on a real /etc.
import { spawn } from 'node:child_process';
import { chmod, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { execInContainer } from './container.js';
import { SSHD_LAB_BLOCK, baselineEtc, mkdirLike } from './host-files.js';
import type { HostNet } from './netns.js';
import { CLEAN_ENV, run } from './run.js';
import type { ExecOptions, ExecResult, LabHost } from './types.js';

/** Root-namespace directory (under the host's dir) -> where the host sees it. /tmp last: the lab lives under it. */
const PRIVATE_DIRS: ReadonlyArray<readonly [string, string]> = [
  ['run', '/run'],
  ['log', '/var/log'],
  ['fail2ban', '/var/lib/fail2ban'],
  ['backups', '/var/backups'],
  ['remedy', '/var/lib/remedy'],
  ['root', '/root'], // so nothing a host does lands in the real root's home
  ['tmp', '/tmp'],
];

/** The host's files in the root namespace, written before it starts. */
export async function prepareHostFiles(dir: string, net: HostNet, authorizedKey: string): Promise<void> {
  await mkdir(dir, { mode: 0o755 });
  for (const sub of ['etc', 'etc.work', ...PRIVATE_DIRS.map(([sub]) => sub)]) await mkdir(join(dir, sub));
  await chmod(join(dir, 'tmp'), 0o1777);
  await chmod(join(dir, 'root'), 0o700);
  await writeEtc(join(dir, 'etc'), net, authorizedKey);
  for (const sub of ['sshd', 'fail2ban', 'lock']) await mkdir(join(dir, 'run', sub), { mode: 0o755 });
  for (const f of ['auth.log', 'wtmp', 'btmp', 'lastlog']) await writeFile(join(dir, 'log', f), '', { mode: 0o640 });
  // Mount points must exist in the shared filesystem; /var/lib/remedy is the only one we add.
  await mkdir('/var/lib/remedy', { recursive: true });
  await mkdir('/var/lib/fail2ban', { recursive: true });
}

/** Files of the host's /etc that differ from the root's, written into the overlay's upper dir. */
async function writeEtc(upper: string, net: HostNet, authorizedKey: string): Promise<void> {
  const put = async (path: string, content: string, mode = 0o644): Promise<void> => {
    await mkdirLike('/etc', upper, dirname(path));
    await writeFile(join(upper, path), content, { mode });
  };
  const sshdConfig = await readFile('/etc/ssh/sshd_config', 'utf8');
  await put('ssh/sshd_config', SSHD_LAB_BLOCK + sshdConfig);
  await put('ssh/authorized_keys/root', authorizedKey, 0o600);
  // sshd logs to a plain file (there is no syslog in a namespace); the init script passes it on.
  await put('default/ssh', 'SSHD_OPTS="-E /var/log/auth.log"\n');
  // No nameserver: libwrap's and sshd's lookups fail at once instead of timing out.
  await put('resolv.conf', '# remedy lab: no nameservers on purpose\n');
  for (const [path, content] of Object.entries(baselineEtc(net))) await put(path, content);
}

// What the host must not inherit from the root's /etc: its host keys (each host makes its own),
// drop-ins and local fail2ban settings. Removing through the overlay leaves whiteouts above.
const FORGET_FROM_ETC = [
  '/etc/ssh/ssh_host_*', '/etc/ssh/sshd_not_to_be_run', '/etc/ssh/sshd_config.d/*.conf',
  '/etc/fail2ban/jail.local', '/etc/fail2ban/jail.d/*.local',
];

// Runs as pid 1 of the host's PID namespace: mount the private dirs, then become a reaper.
const HOLDER_SCRIPT = `set -e
D=$1
mount -t overlay overlay -o "lowerdir=/etc,upperdir=$D/etc,workdir=$D/etc.work" /etc
${PRIVATE_DIRS.map(([sub, at]) => `mount --bind "$D/${sub}" ${at}`).join('\n')}
rm -f ${FORGET_FROM_ETC.join(' ')}
hostname "$2"
echo ready
exec perl -e '$0 = "remedy-lab-holder $ARGV[0]"; while (1) { sleep 1 if wait() < 0 }' "$2" </dev/null >/dev/null 2>&1
`;

/**
 * Start the holder: `ip netns exec` puts it in the host's netns; unshare creates the mount, UTS
 * and PID namespaces. The returned pid is unshare's (it owns the mount and UTS namespaces and
 * `ns/pid_for_children`); --kill-child makes its death take the whole host with it.
 */
export function spawnHolder(ns: string, dir: string, name: string): Promise<number> {
  const args = ['netns', 'exec', ns, 'unshare', '--mount', '--uts', '--pid', '--fork', '--kill-child', '--mount-proc',
    '--propagation', 'private', 'sh', '-c', HOLDER_SCRIPT, 'holder', dir, name];
  return new Promise((resolve, reject) => {
    const child = spawn('ip', args, { env: CLEAN_ENV, cwd: '/', stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => fail(new Error(`lab: holder of ${name} not ready after 15 s: ${err}`)), 15_000);
    const fail = (e: Error): void => {
      clearTimeout(timer);
      child.kill('SIGKILL'); // --kill-child takes the host's init along
      reject(e);
    };
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (!out.includes('ready\n')) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      child.stdout.destroy();
      child.stderr.destroy();
      child.unref(); // the holder outlives this call; stop() kills it
      resolve(child.pid!);
    });
    child.on('error', (e) => fail(e));
    child.on('exit', (code) => fail(new Error(`lab: holder of ${name} exited (${code}): ${err.trim()}`)));
  });
}

/** Run `sh -c cmd` inside the host: its network, mount, UTS and PID namespaces (a container: all of its). */
export function execIn(host: LabHost, cmd: string, opts: ExecOptions = {}): Promise<ExecResult> {
  if (host.kind === 'systemd') return execInContainer(host, cmd, opts);
  const p = `/proc/${host.holderPid}/ns`;
  return run('nsenter', [`--net=/run/netns/${host.ns}`, `--mount=${p}/mnt`, `--uts=${p}/uts`, `--pid=${p}/pid_for_children`,
    '--', 'sh', '-c', cmd], opts);
}

/**
 * The network namespace only, entered by the pid of the host's init (the holder, or the
 * container's systemd): the same for both kinds, and no lab file paths in it.
 */
export function netnsCommand(host: LabHost): string[] {
  return ['nsenter', '-t', String(host.holderPid), '-n', '--'];
}

/** execIn that throws on a non-zero exit; returns stdout. */
export async function checkIn(host: LabHost, cmd: string, opts: ExecOptions = {}): Promise<string> {
  const r = await execIn(host, cmd, opts);
  if (r.code !== 0) throw new Error(`lab: on ${host.name}: \`${cmd}\` failed (exit ${r.code}): ${r.stderr.trim() || r.stdout.trim()}`);
  return r.stdout;
}

/** The host's public host keys as known_hosts lines (`ip type key`), read from its private /etc. */
export async function knownHostsLines(host: LabHost): Promise<string[]> {
  const ssh = join(host.dir, 'etc', 'ssh');
  const pubs = (await readdir(ssh)).filter((f) => /^ssh_host_.*_key\.pub$/.test(f)).sort();
  const lines: string[] = [];
  for (const f of pubs) {
    const [type, key] = (await readFile(join(ssh, f), 'utf8')).trim().split(/\s+/);
    if (type && key) lines.push(`${host.ip} ${type} ${key}`);
  }
  return lines;
}
