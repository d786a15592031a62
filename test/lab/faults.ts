// Fault injectors: each recreates one real cause of an SSH lockout on a lab host, by the same
// means an admin (or fail2ban) would, so remedy meets the genuine article. Idempotent.
import { isIP } from 'node:net';
import { checkIn, execIn } from './host.js';
import { poll, q } from './run.js';
import { reloadSshd } from './sshd.js';
import type { FileState, LabHost } from './types.js';

/** Append a line to a file unless it is already there (fixing a missing final newline first). */
function appendOnce(path: string, line: string): string {
  return `f=${q(path)}; l=${q(line)}
grep -qxF "$l" "$f" 2>/dev/null && exit 0
[ -s "$f" ] && [ -n "$(tail -c1 "$f")" ] && echo >> "$f"
printf '%s\\n' "$l" >> "$f"`;
}

/** tcp_wrappers: `sshd: <ip>` in hosts.deny. The client then sees a reset ~5 s after connecting. */
export async function denyClient(host: LabHost, ip: string): Promise<void> {
  await checkIn(host, appendOnce('/etc/hosts.deny', `sshd: ${ip}`));
}

export async function denyAllExcept(host: LabHost, allowed: string): Promise<void> {
  await checkIn(host, appendOnce('/etc/hosts.deny', `sshd: ALL EXCEPT ${allowed}`));
}

/** Any jail name besides sshd and recidive becomes a second watcher of sshd's log (sshd-ddos style). */
function jailSections(jails: string[], source: string): string[] {
  return jails.map((jail) => {
    if (jail === 'recidive') return '[recidive]\nenabled = true\n';
    const filter = jail === 'sshd-ddos' ? 'sshd[mode=ddos]' : 'sshd';
    return `[${jail}]\nenabled = true\nfilter = ${filter}\nport = ssh\n${source}`;
  });
}

function jailLocal(host: LabHost, jails: string[]): string {
  if (host.kind === 'systemd') {
    // fail2ban 1.1 as Debian 13 ships it: the journal backend, the nftables action (the image's
    // jail.d sets both). Real failed logins would ban; tests ban with `banip` to be quick.
    return `# remedy lab\n[DEFAULT]\nbackend = systemd\n\n${jailSections(jails, 'maxretry = 1000\n').join('\n')}`;
  }
  // No journal in a namespace: read auth.log (written by `sshd -E`) by polling. Its lines are
  // bare messages (no timestamp, no `sshd[pid]:`), which fail2ban's filters never match: in the
  // lab, bans come from `banip` (fail2banBan), not from failed logins.
  return `# remedy lab\n[DEFAULT]\nbackend = polling\n\n${jailSections(jails, 'logpath = /var/log/auth.log\n').join('\n')}`;
}

// Start (or reload) fail2ban: the daemon by hand in a namespace, the service on a booted host.
const START_FAIL2BAN: Record<LabHost['kind'], string> = {
  netns: `mkdir -p /run/fail2ban && touch /var/log/fail2ban.log
if fail2ban-client ping >/dev/null 2>&1; then fail2ban-client reload >/dev/null
else fail2ban-server -b -x </dev/null >/dev/null 2>&1; fi`,
  systemd: 'touch /var/log/fail2ban.log && systemctl restart fail2ban.service',
};

/** fail2ban with `sshd` (always, as Debian enables it) plus `jails`. */
export async function startFail2ban(host: LabHost, jails: string[] = ['sshd']): Promise<void> {
  const all = ['sshd', ...jails.filter((j) => j !== 'sshd')];
  for (const j of all) if (!/^[A-Za-z0-9_-]+$/.test(j)) throw new Error(`lab: bad jail name ${JSON.stringify(j)}`);
  await checkIn(host, 'cat > /etc/fail2ban/jail.local', { stdin: jailLocal(host, all) });
  // recidive watches fail2ban's own log: it must exist before the jail starts.
  await checkIn(host, START_FAIL2BAN[host.kind]);
  await poll(`fail2ban jails ${all.join(', ')} on ${host.name}`, async () => {
    const r = await execIn(host, 'fail2ban-client status');
    const list = /Jail list:\s*(.*)/.exec(r.stdout)?.[1]?.split(/,\s*/) ?? [];
    return r.code === 0 && all.every((j) => list.includes(j));
  }, { timeoutMs: 20_000, intervalMs: 100 });
}

// Where a ban of `jail` shows once its action ran: iptables' f2b-<jail> chain, or the nftables
// action's set in table inet f2b-table.
const BAN_RULES: Record<LabHost['kind'], (jail: string) => string> = {
  netns: (jail) => `iptables -w -S f2b-${jail} 2>/dev/null`,
  systemd: (jail) => `nft list set inet f2b-table addr-set-${jail} 2>/dev/null`,
};

/** A real ban: fail2ban records it in its db and its action adds the firewall rule. */
export async function fail2banBan(host: LabHost, jail: string, ip: string): Promise<void> {
  await checkIn(host, `fail2ban-client set ${q(jail)} banip ${q(ip)} >/dev/null`);
  // The action runs in the jail's thread, after banip returns: wait for the rule.
  await poll(`the firewall rule of ${jail}'s ban of ${ip} on ${host.name}`, async () => {
    const r = await execIn(host, BAN_RULES[host.kind](q(jail)));
    return host.kind === 'netns' ? r.stdout.includes(`-s ${ip}/32 `) : new RegExp(`[{ ,]${ip.replace(/\./g, '\\.')}[ ,}]`).test(r.stdout);
  });
}

// A reject rule for the client, by the host's own firewall front end.
const REJECT: Record<LabHost['firewall'], (ip: string) => string> = {
  iptables: (ip) => {
    const rule = `INPUT -s ${ip} -p tcp --dport 22 -j REJECT --reject-with tcp-reset`;
    return `iptables -w -C ${rule} 2>/dev/null || iptables -w -I ${rule}`;
  },
  nftables: (ip) => `nft list chain inet filter input | grep -q 'ip saddr ${ip} tcp dport 22 reject' ||
nft insert rule inet filter input ip saddr ${ip} tcp dport 22 reject with tcp reset`,
  ufw: (ip) => `ufw insert 1 reject proto tcp from ${ip} to any port 22 >/dev/null`,
  firewalld: (ip) => {
    const rule = q(`rule family="ipv4" source address="${ip}" port port="22" protocol="tcp" reject`);
    return `firewall-cmd -q --query-rich-rule=${rule} || { firewall-cmd -q --add-rich-rule=${rule} && firewall-cmd -q --permanent --add-rich-rule=${rule}; }`;
  },
};

/** The whole packet filter (nft's ruleset holds ufw's and firewalld's too), plus firewalld's permanent rich rules. */
export async function firewallRules(host: LabHost): Promise<string> {
  if (host.kind === 'netns') return checkIn(host, 'iptables -w -S');
  const permanent = host.firewall === 'firewalld' ? '; firewall-cmd --permanent --list-rich-rules' : '';
  return checkIn(host, `nft list ruleset${permanent}`);
}

export async function firewallReject(host: LabHost, ip: string): Promise<void> {
  if (isIP(ip) !== 4) throw new Error(`lab: firewallReject takes an IPv4 address, got ${JSON.stringify(ip)}`);
  await checkIn(host, REJECT[host.firewall](ip));
}

/**
 * Make `line` the effective value of its keyword: sshd takes the first value it reads, so the
 * line goes to the very top (before any Match block and before the Include of drop-ins).
 */
export async function setSshdOption(host: LabHost, line: string): Promise<void> {
  if (/[\r\n]/.test(line)) throw new Error('lab: setSshdOption takes one line');
  const path = '/etc/ssh/sshd_config';
  const text = await checkIn(host, `cat ${path}`);
  const lines = text.split('\n');
  const firstMatch = lines.findIndex((l) => /^\s*Match\s/i.test(l));
  const global = firstMatch < 0 ? lines : lines.slice(0, firstMatch);
  if (!global.some((l) => l.trim() === line.trim())) {
    // Checked before it replaces the real file (a deliberately broken config is writeFile's job);
    // `cat >` then rewrites in place: same inode, mode and owner.
    await checkIn(host, `t=$(mktemp) && cat > "$t" && sshd -t -f "$t" && cat "$t" > ${path}; rc=$?; rm -f "$t"; exit $rc`, {
      stdin: `${line}\n${text}`,
    });
  }
  await reloadSshd(host);
}

export async function writeFileIn(host: LabHost, path: string, content: string, mode?: string): Promise<void> {
  if (mode !== undefined && !/^[0-7]{3,4}$/.test(mode)) throw new Error(`lab: bad mode ${mode}`);
  const p = q(path);
  await checkIn(host, `mkdir -p "$(dirname ${p})" && cat > ${p}${mode ? ` && chmod ${mode} ${p}` : ''}`, { stdin: content });
}

// One line per path: "missing", or "ok <mode> <user:group> <sha256|->". Symlinks are followed.
const FILE_STATE = `for p in "$@"; do
  if [ ! -e "$p" ]; then echo missing; continue; fi
  h=-; [ -f "$p" ] && h=$(sha256sum < "$p" | cut -d' ' -f1)
  echo "ok $(stat -L -c '%a %U:%G' "$p") $h"
done`;

export async function fileState(host: LabHost, paths: string[]): Promise<Record<string, FileState | null>> {
  const out = await checkIn(host, `set -- ${paths.map(q).join(' ')}\n${FILE_STATE}`);
  const rows = out.split('\n');
  const result: Record<string, FileState | null> = {};
  paths.forEach((path, i) => {
    const [status, mode, owner, sha256] = (rows[i] ?? '').split(' ');
    result[path] = status === 'ok' && mode && owner && sha256 ? { sha256, mode: mode.padStart(4, '0'), owner } : null;
  });
  return result;
}
