// One lab host: its private files, the holder process that keeps its namespaces, and `exec`.
//
// A host is a network namespace plus private mount, UTS and PID namespaces. The mount namespace
// gets bind-mounted copies of the directories a host writes (so /etc/hosts.deny, sshd_config,
// fail2ban's ban db are per host); the UTS namespace gives it its hostname; the PID namespace
// keeps a `pkill sshd` or `service ssh stop` on one host away from every other sshd, and its
// init (the holder) reaps the daemons' children.
import { spawn } from 'node:child_process';
import { chmod, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { HostNet } from './netns.js';
import { CLEAN_ENV, check, run } from './run.js';
import type { ExecOptions, ExecResult, LabHost } from './types.js';

/** Root-namespace directory (under the host's dir) -> where the host sees it. /tmp last: the lab lives under it. */
const PRIVATE_DIRS: ReadonlyArray<readonly [string, string]> = [
  ['etc', '/etc'],
  ['run', '/run'],
  ['log', '/var/log'],
  ['fail2ban', '/var/lib/fail2ban'],
  ['backups', '/var/backups'],
  ['remedy', '/var/lib/remedy'],
  ['root', '/root'], // so nothing a host does lands in the real root's home
  ['tmp', '/tmp'],
];

// Inserted at the very top of each host's sshd_config: first value wins, and above the Include
// and any Match block these settings hold however a test edits the rest.
const SSHD_LAB_BLOCK = `# remedy lab: per-host keys, root by key only
PermitRootLogin prohibit-password
AuthorizedKeysFile /etc/ssh/authorized_keys/%u
PasswordAuthentication no
`;

/** Write the host's private copies of /etc and friends (in the root namespace, before it starts). */
export async function prepareHostFiles(dir: string, net: HostNet, authorizedKey: string): Promise<void> {
  await mkdir(dir, { mode: 0o755 });
  for (const [sub] of PRIVATE_DIRS) if (sub !== 'etc') await mkdir(join(dir, sub));
  await chmod(join(dir, 'tmp'), 0o1777);
  await chmod(join(dir, 'root'), 0o700);
  await check('cp', ['-a', '/etc', join(dir, 'etc')]);
  await configureEtc(join(dir, 'etc'), net, authorizedKey);
  for (const sub of ['sshd', 'fail2ban', 'lock']) await mkdir(join(dir, 'run', sub), { mode: 0o755 });
  for (const f of ['auth.log', 'wtmp', 'btmp', 'lastlog']) await writeFile(join(dir, 'log', f), '', { mode: 0o640 });
  // Mount points must exist in the shared filesystem; /var/lib/remedy is the only one we add.
  await mkdir('/var/lib/remedy', { recursive: true });
  await mkdir('/var/lib/fail2ban', { recursive: true });
}

async function configureEtc(etc: string, net: HostNet, authorizedKey: string): Promise<void> {
  const ssh = join(etc, 'ssh');
  // Every host makes its own host keys when it boots (ssh-keygen -A).
  for (const f of await readdir(ssh)) if (f.startsWith('ssh_host_')) await rm(join(ssh, f));
  await rm(join(ssh, 'sshd_not_to_be_run'), { force: true });
  await removeMatching(join(ssh, 'sshd_config.d'), /\.conf$/); // a bare Debian host: no drop-ins
  const sshdConfig = await readFile(join(ssh, 'sshd_config'), 'utf8');
  await writeFile(join(ssh, 'sshd_config'), SSHD_LAB_BLOCK + sshdConfig);
  await mkdir(join(ssh, 'authorized_keys'), { mode: 0o755 });
  await writeFile(join(ssh, 'authorized_keys', 'root'), authorizedKey, { mode: 0o600 });
  // sshd logs to a plain file (there is no syslog in a namespace); the init script passes it on.
  await writeFile(join(etc, 'default', 'ssh'), 'SSHD_OPTS="-E /var/log/auth.log"\n');
  // No nameserver: libwrap's and sshd's lookups fail at once instead of timing out.
  await replaceFile(join(etc, 'resolv.conf'), '# remedy lab: no nameservers on purpose\n');
  await replaceFile(join(etc, 'hostname'), `${net.name}\n`);
  await replaceFile(join(etc, 'hosts'), `127.0.0.1\tlocalhost\n::1\tlocalhost\n${net.ip}\t${net.name}\n`);
  await replaceFile(join(etc, 'hosts.allow'), '# /etc/hosts.allow: hosts allowed to access the system (remedy lab: no rules)\n');
  await replaceFile(join(etc, 'hosts.deny'), '# /etc/hosts.deny: hosts not allowed to access the system (remedy lab: no rules)\n');
  await rm(join(etc, 'fail2ban', 'jail.local'), { force: true });
  await removeMatching(join(etc, 'fail2ban', 'jail.d'), /\.local$/);
}

/** Replace a file that may be a symlink or have odd modes in the root's /etc. */
async function replaceFile(path: string, content: string): Promise<void> {
  await rm(path, { force: true });
  await writeFile(path, content, { mode: 0o644 });
}

async function removeMatching(dir: string, re: RegExp): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  for (const n of names) if (re.test(n)) await rm(join(dir, n), { force: true });
}

// Runs as pid 1 of the host's PID namespace: mount the private dirs, then become a reaper.
const HOLDER_SCRIPT = `set -e
D=$1
${PRIVATE_DIRS.map(([sub, at]) => `mount --bind "$D/${sub}" ${at}`).join('\n')}
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

/** Run `sh -c cmd` inside the host: its network, mount, UTS and PID namespaces. */
export function execIn(host: LabHost, cmd: string, opts: ExecOptions = {}): Promise<ExecResult> {
  const p = `/proc/${host.holderPid}/ns`;
  return run('nsenter', [`--net=/run/netns/${host.ns}`, `--mount=${p}/mnt`, `--uts=${p}/uts`, `--pid=${p}/pid_for_children`,
    '--', 'sh', '-c', cmd], opts);
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
