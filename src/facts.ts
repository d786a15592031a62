// Facts are gathered once per host in a single round trip: one shell script prints `key=value`
// lines, parsed here into a typed record. Versions are parsed with semver, never compared as text.
import { isIP } from 'node:net';
import semver from 'semver';

export interface Facts {
  hostname: string;
  /** os-release ID, e.g. 'debian', 'ubuntu', 'rhel', 'alpine'. */
  distribution: string;
  distributionVersion: string;
  osFamily: string;
  kernel: string;
  architecture: string;
  userId: number;
  user: string;
  /** 'systemd' | 'openrc' | 'sysvinit' | 'unknown'. */
  serviceMgr: string;
  /** Path of the sshd binary, or '' when none is installed. */
  sshdPath: string;
  /** OpenSSH version as semver ('9.2.0'), or null when unknown. */
  opensshVersion: string | null;
  /** As printed ('9.2p1' or '9.2'). */
  opensshVersionRaw: string;
  /** sshd linked with libwrap (hosts.allow/hosts.deny apply): in any of the binaries that accept connections. */
  libwrap: boolean;
  /** Which of those binaries link libwrap: /usr/sbin/sshd (OpenSSH < 9.8), /usr/lib/openssh/sshd-session (9.8+). */
  libwrapIn: string[];
  /** The per-connection binaries sshd execs (OpenSSH >= 9.8), as its compiled-in paths name them. */
  sshdHelpers: string[];
  /**
   * How the server is built, which decides where libwrap and penalties live:
   * 'monolithic' (< 9.8: sshd does everything), 'sshd-session' (9.8–9.9: sshd execs sshd-session
   * per connection; PerSourcePenalties), 'sshd-auth' (>= 10.0: authentication in sshd-auth too).
   */
  opensshGeneration: 'monolithic' | 'sshd-session' | 'sshd-auth' | 'unknown';
  /** OpenSSH >= 9.8: PerSourcePenalties exists (and is on unless configured off). */
  perSourcePenalties: boolean;
  /** The firewall's front end, the tool an admin manages rules with: firewalld, ufw, nftables, iptables or none. */
  firewallFrontend: 'firewalld' | 'ufw' | 'nftables' | 'iptables' | 'none';
  /**
   * systemd socket activation: ssh.socket (or sshd.socket) enabled and the service itself not,
   * as Ubuntu ships it: systemd owns the listening socket, so sshd_config's Port/ListenAddress
   * do not move it.
   */
  sshSocketActivated: boolean;
  /** Service name of sshd: 'ssh' on Debian/Ubuntu, 'sshd' elsewhere. */
  sshService: string;
  sudo: boolean;
  fail2ban: boolean;
  /**
   * Every IPv4 and IPv6 address of the host's interfaces (`ip -o addr`), so rules scoped to a
   * server address (`sshd@10.0.0.1` in hosts.allow/hosts.deny) can be judged for each address a
   * client may connect to. Empty when unknown (no `ip`).
   */
  addresses: string[];
}

/**
 * The fact-gathering script. Read-only, POSIX sh, no arguments from the user. Few forks (each
 * costs the host CPU on every run): the shell's own `read`, `set` and IFS do the text work.
 */
export const FACTS_SCRIPT = String.raw`
LC_ALL=C; export LC_ALL
p() { printf '%s=%s\n' "$1" "$2"; }
# "$*" of a command's output lines, joined by spaces (its newlines would break key=value lines).
j() { set -f; o=$IFS; IFS='
'; set -- $1; IFS=' '; printf '%s' "$*"; IFS=$o; set +f; }
. /etc/os-release 2>/dev/null
read -r h </proc/sys/kernel/hostname 2>/dev/null || h=$(hostname 2>/dev/null)
p hostname "$h"
p id "$ID"; p id_like "$ID_LIKE"; p version_id "$VERSION_ID"
set -- $(uname -srm); p kernel "$1 $2"; p arch "$3"
o=$IFS; IFS=' =()'; set -- $(id); IFS=$o
p uid "$2"; p user "$3"
if [ -d /run/systemd/system ]; then p init systemd
elif command -v openrc >/dev/null 2>&1 || [ -d /run/openrc ]; then p init openrc
elif [ -d /etc/init.d ]; then p init sysvinit
else p init unknown; fi
sshd=$(command -v sshd 2>/dev/null || { [ -x /usr/sbin/sshd ] && echo /usr/sbin/sshd; })
p sshd "$sshd"
if [ -n "$sshd" ]; then
  p sshd_version "$(j "$("$sshd" -V 2>&1)")"
  # OpenSSH 9.8 and later exec sshd-session (10.0 and later also sshd-auth) per connection: their paths are
  # compiled into sshd, and libwrap is linked into the one that accepts the connection.
  helpers=$(grep -ao '/[-A-Za-z0-9_./]*/sshd-\(session\|auth\)' "$sshd" 2>/dev/null | sort -u)
  p sshd_helpers "$(j "$helpers")"
  # libwrap linkage: its soname in the binary's dynamic section (ldd would load every library).
  w=''; for b in "$sshd" $helpers; do grep -q 'libwrap\.so' "$b" 2>/dev/null && w="$w $b"; done
  p libwrap_in "$w"
fi
# The firewall front end: firewalld while it runs, ufw when enabled, nftables when its service
# or ruleset file is set up, else plain iptables.
if [ -d /run/firewalld ] && command -v firewall-cmd >/dev/null 2>&1; then p firewall firewalld
elif command -v ufw >/dev/null 2>&1 && grep -qs '^ENABLED=yes' /etc/ufw/ufw.conf; then p firewall ufw
elif command -v nft >/dev/null 2>&1 && { [ -e /etc/systemd/system/sysinit.target.wants/nftables.service ] || [ -s /etc/nftables.conf ]; }; then p firewall nftables
elif command -v iptables >/dev/null 2>&1 || [ -x /usr/sbin/iptables ] || [ -x /sbin/iptables ]; then p firewall iptables
elif command -v nft >/dev/null 2>&1; then p firewall nftables
else p firewall none; fi
p ssh_version "$(j "$(ssh -V 2>&1)")"
if [ -e /lib/systemd/system/ssh.service ] || [ -e /usr/lib/systemd/system/ssh.service ] || [ -e /etc/init.d/ssh ]; then p ssh_service ssh; else p ssh_service sshd; fi
w=/etc/systemd/system
if [ -d /run/systemd/system ] && { [ -e $w/sockets.target.wants/ssh.socket ] || [ -e $w/sockets.target.wants/sshd.socket ]; } &&
   ! [ -e $w/multi-user.target.wants/ssh.service ] && ! [ -e $w/multi-user.target.wants/sshd.service ]; then p ssh_socket 1; else p ssh_socket 0; fi
command -v sudo >/dev/null 2>&1 && p sudo 1 || p sudo 0
command -v fail2ban-client >/dev/null 2>&1 && p fail2ban 1 || p fail2ban 0
command -v ip >/dev/null 2>&1 && p addrs "$(j "$(ip -o addr show 2>/dev/null)")"
`;

const loopback = (addr: string): boolean => /^127\./.test(addr) || addr === '::1';

/**
 * The host's addresses a client at `client` can connect to: loopback ones only for a client on
 * the host itself (a rule scoped to 127.0.0.1 refuses no remote client).
 */
export function addressesReachableFrom(f: Facts, client: string): string[] {
  return loopback(client) ? f.addresses : f.addresses.filter((a) => !loopback(a));
}

/** The addresses in `ip -o addr show` output (its lines joined): `inet A/len`, `inet6 A/len`. */
export function parseIpAddrs(text: string): string[] {
  const out = new Set<string>();
  for (const m of text.matchAll(/\binet6?\s+([0-9A-Fa-f.:]+)\/\d+/g)) if (isIP(m[1]!)) out.add(m[1]!);
  return [...out];
}

/** `OpenSSH_9.2p1` → { raw: '9.2p1', version: '9.2.0' }. */
export function parseOpensshVersion(text: string): { raw: string; version: string | null } {
  const m = /OpenSSH_(\d+\.\d+(?:\.\d+)?)(p\d+)?/.exec(text);
  if (!m) return { raw: '', version: null };
  return { raw: m[1]! + (m[2] ?? ''), version: semver.coerce(m[1]!)?.version ?? null };
}

const FAMILY: Record<string, string> = {
  debian: 'Debian', ubuntu: 'Debian', raspbian: 'Debian',
  rhel: 'RedHat', centos: 'RedHat', fedora: 'RedHat', rocky: 'RedHat', almalinux: 'RedHat', amzn: 'RedHat',
  alpine: 'Alpine', arch: 'Archlinux', sles: 'Suse', opensuse: 'Suse', 'opensuse-leap': 'Suse',
};

const FRONTENDS = ['firewalld', 'ufw', 'nftables', 'iptables', 'none'] as const;

/** Where the binaries are, by version: the helpers sshd names decide; the version when it named none. */
function generation(version: string | null, helpers: string[]): Facts['opensshGeneration'] {
  if (helpers.some((h) => h.endsWith('/sshd-auth'))) return 'sshd-auth';
  if (helpers.some((h) => h.endsWith('/sshd-session'))) return 'sshd-session';
  if (!version) return 'unknown';
  if (semver.gte(version, '10.0.0')) return 'sshd-auth';
  return semver.gte(version, '9.8.0') ? 'sshd-session' : 'monolithic';
}

export function parseFacts(output: string): Facts {
  const kv = new Map<string, string>();
  for (const line of output.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0 && !kv.has(line.slice(0, eq))) kv.set(line.slice(0, eq), line.slice(eq + 1).trim());
  }
  const get = (k: string) => kv.get(k) ?? '';
  const id = get('id').toLowerCase();
  const familyFromLike = get('id_like').split(/\s+/).map((x) => FAMILY[x]).find(Boolean);
  // sshd -V (OpenSSH >= 9.x) names the server's version; older sshd print it in their usage
  // text; ssh -V is the fallback when neither did.
  const server = parseOpensshVersion(get('sshd_version'));
  const ver = server.version ? server : parseOpensshVersion(get('ssh_version'));
  const words = (k: string) => get(k).split(/\s+/).filter(Boolean);
  const helpers = words('sshd_helpers');
  const libwrapIn = words('libwrap_in');
  const fw = get('firewall');
  return {
    hostname: get('hostname'),
    distribution: id,
    distributionVersion: get('version_id'),
    osFamily: FAMILY[id] ?? familyFromLike ?? (id ? id : 'unknown'),
    kernel: get('kernel'),
    architecture: get('arch'),
    userId: Number(get('uid') || -1),
    user: get('user'),
    serviceMgr: get('init') || 'unknown',
    sshdPath: get('sshd'),
    opensshVersion: ver.version,
    opensshVersionRaw: ver.raw,
    libwrap: libwrapIn.length > 0,
    libwrapIn,
    sshdHelpers: helpers,
    opensshGeneration: generation(ver.version, helpers),
    perSourcePenalties: ver.version !== null && semver.gte(ver.version, '9.8.0'),
    firewallFrontend: (FRONTENDS as readonly string[]).includes(fw) ? (fw as Facts['firewallFrontend']) : 'none',
    sshService: get('ssh_service') || 'sshd',
    sshSocketActivated: get('ssh_socket') === '1',
    sudo: get('sudo') === '1',
    fail2ban: get('fail2ban') === '1',
    addresses: parseIpAddrs(get('addrs')),
  };
}

/** Facts as playbook variables: `ansible_facts.*` plus the injected `ansible_*` names Ansible users expect. */
export function factsToVars(f: Facts): Record<string, unknown> {
  const facts: Record<string, unknown> = {
    hostname: f.hostname,
    distribution: f.distribution,
    distribution_version: f.distributionVersion,
    os_family: f.osFamily,
    kernel: f.kernel,
    architecture: f.architecture,
    user_id: f.user,
    user_uid: f.userId,
    service_mgr: f.serviceMgr,
    sshd_path: f.sshdPath,
    openssh_version: f.opensshVersion,
    openssh_version_raw: f.opensshVersionRaw,
    sshd_libwrap: f.libwrap,
    sshd_libwrap_in: f.libwrapIn,
    sshd_helpers: f.sshdHelpers,
    openssh_generation: f.opensshGeneration,
    openssh_per_source_penalties: f.perSourcePenalties,
    firewall_frontend: f.firewallFrontend,
    ssh_service: f.sshService,
    ssh_socket_activated: f.sshSocketActivated,
    sudo: f.sudo,
    fail2ban: f.fail2ban,
    all_ipv4_addresses: f.addresses.filter((a) => isIP(a) === 4),
    all_ipv6_addresses: f.addresses.filter((a) => isIP(a) === 6),
  };
  const vars: Record<string, unknown> = { ansible_facts: facts };
  for (const [k, v] of Object.entries(facts)) vars[`ansible_${k}`] = v;
  return vars;
}
