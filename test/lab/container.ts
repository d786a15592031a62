// One booted systemd lab host: a Debian 13 root filesystem (built once by scripts/lab-image.sh)
// under an overlay of the host's own, booted by `systemd-nspawn -b` in the host's network
// namespace on the lab bridge. systemd is PID 1, sshd is ssh.service, logs go to journald: the
// host is what a Debian 13 server is, not an imitation of one.
//
// Why each part (../shared/docs/lab-notes.md has the facts):
// - the overlay is mounted in a private mount namespace of the launcher, so it vanishes with the
//   container and a crashed test leaves no mount behind;
// - each container gets a cgroup directory of its own (unified, name=systemd, memory) before
//   nspawn starts: sharing one, logins hang ~2 min in user@0.service's cleanup;
// - --register=no --keep-unit: the machine's PID 1 is not systemd, there is nothing to register
//   with; --capability=CAP_NET_ADMIN: nspawn drops it with --network-namespace-path, and nft,
//   firewalld and fail2ban need it; --resolv-conf=off: the host's resolv.conf has no nameserver.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { SSHD_LAB_BLOCK, baselineEtc, mkdirLike } from './host-files.js';
import type { HostNet } from './netns.js';
import { CLEAN_ENV, check, poll, q, run } from './run.js';
import type { ExecOptions, ExecResult, LabHost, SystemdFirewall } from './types.js';

export const IMAGES_DIR = process.env.REMEDY_LAB_IMAGES ?? '/var/cache/remedy-lab';
const CGROUP_HIERARCHIES = ['unified', 'systemd', 'memory'];
const CGROUP_PARENT = 'remedy-lab';
const BOOT_TIMEOUT_MS = 60_000;

const imageDir = (firewall: SystemdFirewall): string => join(IMAGES_DIR, firewall);

/** True when the image of this kind is built (scripts/lab-image.sh) and nspawn is installed. */
export function imageAvailable(firewall: SystemdFirewall = 'nftables'): boolean {
  return existsSync(join(imageDir(firewall), '.remedy-image')) && existsSync('/usr/bin/systemd-nspawn');
}

// Every booted container's systemd and dbus hold ~6 inotify instances, all of them root's: the
// kernel's default fs.inotify.max_user_instances of 128 runs out at ~20 containers, and the next
// container's systemd hangs before it answers systemctl. Raised (never lowered) before a boot.
const INOTIFY_LIMIT = '/proc/sys/fs/inotify/max_user_instances';
const INOTIFY_PER_CONTAINER = 8;
const INOTIFY_FLOOR = 1024;

/** Enough inotify instances for `containers` more booted hosts (and labs of other runs beside them). */
export async function ensureInotifyInstances(containers: number): Promise<void> {
  const have = Number((await readFile(INOTIFY_LIMIT, 'utf8')).trim());
  const want = Math.max(INOTIFY_FLOOR, 128 + containers * INOTIFY_PER_CONTAINER);
  if (have < want) await writeFile(INOTIFY_LIMIT, `${want}\n`);
}

/** Where a container's files live: `dir` is the overlay's upper dir, so dir/etc is what differs. */
const paths = (dir: string) => ({ upper: dir, work: `${dir}.work`, root: `${dir}.root` });

/** Files of the host written into the overlay's upper dir before boot. */
export async function prepareContainer(dir: string, net: HostNet, firewall: SystemdFirewall, authorizedKey: string): Promise<void> {
  const lower = imageDir(firewall);
  const p = paths(dir);
  for (const d of [p.upper, p.work, p.root]) await mkdir(d, { mode: 0o755 });
  const put = async (path: string, content: string, mode = 0o644): Promise<void> => {
    await mkdirLike(lower, p.upper, dirname(path));
    await writeFile(join(p.upper, path), content, { mode });
  };
  for (const [path, content] of Object.entries(baselineEtc(net))) await put(`etc/${path}`, content);
  await put('etc/machine-id', `${randomBytes(16).toString('hex')}\n`, 0o444);
  await put('etc/ssh/sshd_config', SSHD_LAB_BLOCK + (await readFile(join(lower, 'etc/ssh/sshd_config'), 'utf8')));
  await put('etc/ssh/authorized_keys/root', authorizedKey, 0o600);
  // Host keys of its own (the image has none, and sshd-keygen is skipped: not a first boot).
  await check('ssh-keygen', ['-A', '-f', p.upper]);
}

const cgroupName = (ns: string): string => `${CGROUP_PARENT}/${ns}`;

// The launcher: its own cgroups, the overlay in a private mount namespace, then nspawn.
const LAUNCH_SCRIPT = `set -e
CG=$1 LOWER=$2 DIR=$3 NS=$4 NAME=$5
for h in ${CGROUP_HIERARCHIES.join(' ')}; do
  [ -d /sys/fs/cgroup/$h ] || continue
  mkdir -p "/sys/fs/cgroup/$h/$CG"; echo $$ > "/sys/fs/cgroup/$h/$CG/cgroup.procs"
done
mount -t overlay overlay -o "lowerdir=$LOWER,upperdir=$DIR,workdir=$DIR.work" "$DIR.root"
export SYSTEMD_NSPAWN_UNIFIED_HIERARCHY=1
exec systemd-nspawn -q -b -D "$DIR.root" -M "$NAME" --hostname="$NAME" --register=no --keep-unit \\
  --network-namespace-path="/run/netns/$NS" --capability=CAP_NET_ADMIN --console=passive \\
  --resolv-conf=off --timezone=off --link-journal=no
`;

/** Boot the container; resolves with the root-namespace pid of its PID 1 once it runs. */
export async function bootContainer(dir: string, net: HostNet, firewall: SystemdFirewall): Promise<number> {
  const args = ['-m', '--propagation', 'private', 'sh', '-c', LAUNCH_SCRIPT, 'launch',
    cgroupName(net.ns), imageDir(firewall), dir, net.ns, net.name];
  const child = spawn('unshare', args, { env: CLEAN_ENV, cwd: '/', detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err = (err + d).slice(-4000)));
  let exited: string | undefined;
  child.on('exit', (code, sig) => (exited = `exit ${code ?? sig}`));
  child.unref();
  const pid1 = await poll(`${net.name}'s systemd to start`, async () => {
    if (exited) throw new Error(`lab: nspawn of ${net.name} ended (${exited}): ${err.trim()}`);
    return (await initOf(child.pid!)) ?? false;
  }, { timeoutMs: 20_000, intervalMs: 50 });
  child.stderr.destroy();
  return pid1;
}

/** nspawn's child that runs systemd (the container's PID 1), if it is there yet. */
async function initOf(nspawnPid: number): Promise<number | undefined> {
  try {
    const children = (await readFile(`/proc/${nspawnPid}/task/${nspawnPid}/children`, 'utf8')).trim().split(/\s+/).filter(Boolean);
    for (const c of children) {
      const status = await readFile(`/proc/${c}/status`, 'utf8');
      // NSpid: <root pid> 1 — the one that is PID 1 of its namespace.
      if (/^NSpid:\s+\d+\s+1$/m.test(status)) return Number(c);
    }
  } catch {
    // not started yet, or gone (the exit handler reports it)
  }
  return undefined;
}

/** Booted = systemd reports running (or degraded, with the failed units named) and sshd listens. */
export async function waitBooted(host: LabHost): Promise<void> {
  let last = '';
  await poll(`${host.name} to boot`, async () => {
    const r = await execInContainer(host, 'systemctl is-system-running; ss -Htln "sport = :22" | head -1', { timeoutMs: 10_000 });
    last = r.stdout.trim();
    const state = last.split('\n')[0];
    return (state === 'running' || state === 'degraded') && last.split('\n').length > 1;
  }, { timeoutMs: BOOT_TIMEOUT_MS, intervalMs: 100 }).catch(async (e: unknown) => {
    const failed = await execInContainer(host, 'systemctl --failed --no-legend; journalctl -b --no-pager | tail -20');
    throw new Error(`${(e as Error).message}: state ${JSON.stringify(last)}\n${failed.stdout}`);
  });
}

/** Run `sh -c cmd` inside the container: all of its namespaces (mount, pid, net, uts, ipc, cgroup). */
export function execInContainer(host: LabHost, cmd: string, opts: ExecOptions = {}): Promise<ExecResult> {
  return run('nsenter', ['-t', String(host.holderPid), '-a', '--', 'sh', '-c', cmd], opts);
}

/** Remove the cgroup dirs of stopped containers of these namespaces (deepest first: systemd nests its own). */
export async function removeCgroups(namespaces: string[]): Promise<void> {
  for (const h of CGROUP_HIERARCHIES) {
    for (const ns of namespaces) {
      const top = join('/sys/fs/cgroup', h, cgroupName(ns));
      if (!existsSync(top)) continue;
      await run('sh', ['-c', `find ${q(top)} -depth -type d -exec rmdir {} + 2>/dev/null; true`]);
    }
  }
}

/** Shell for destroyLabSync: the same removal, synchronously. */
export const removeCgroupsScript = (namespaces: string[]): string =>
  namespaces.length === 0 ? 'true' : CGROUP_HIERARCHIES.flatMap((h) =>
    namespaces.map((ns) => `[ -d /sys/fs/cgroup/${h}/${cgroupName(ns)} ] && find /sys/fs/cgroup/${h}/${cgroupName(ns)} -depth -type d -exec rmdir {} + 2>/dev/null`)).join('\n') + '\ntrue';
