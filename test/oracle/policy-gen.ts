// Seeded random hosts.allow/hosts.deny pairs in the whole hosts_access(5) language, aimed at a
// few addresses so that patterns often hit: daemon lists with EXCEPT and daemon@host, exact
// addresses (IPv4 and [IPv6]), prefixes, net/mask, net/prefixlen (also the /255.255.255.255 and
// /0 that never match), wildcards, ALL, LOCAL, KNOWN, UNKNOWN, PARANOID, host names, .domains,
// @netgroups, user@host, options (allow, deny, spawn, twist, severity, and broken ones),
// comments, blank and malformed lines, continuation lines, lines too long for libwrap, CRLF
// files, files without their final newline.

/** mulberry32: small, fast, and the same sequence for a seed on every machine. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const CLIENTS = ['10.0.0.5', '10.0.0.6', '10.1.2.3', '192.168.7.9', '2001:db8::5'];
export const SERVERS = ['10.9.0.1', '10.9.0.2'];
export const DAEMONS = ['sshd', 'vsftpd'];

const DAEMON_WORDS = [
  'sshd', 'sshd', 'sshd', 'ALL', 'ALL', 'vsftpd', 'in.telnetd', 'ss*', 'SSHD',
  'sshd@10.9.0.1', 'sshd@10.9.0.0/255.255.255.0', 'ALL@10.9.0.2', 'sshd@KNOWN', 'sshd@UNKNOWN', 'vsftpd@10.9.0.1',
];

const CLIENT_WORDS = [
  '10.0.0.', '10.', '192.168.', '10.1.', '10.0.0.0/255.255.255.0', '10.0.0.0/24', '10.0.0.4/30',
  '10.0.0.0/0', '10.0.0.0/255.0.0.0', '10.0.0.*', '10.?.2.3', '192.168.7.9/32', '10.0.0.6/255.255.255.255',
  'ALL', 'ALL', 'LOCAL', 'KNOWN', 'UNKNOWN', 'PARANOID', 'host.example.com', '.example.com', '@admins',
  'unknown@10.0.0.5', 'root@10.0.0.6', '10.0.0.5', '10.0.0.6', '10.1.2.3', '192.168.7.9',
  '[2001:db8::5]', '[2001:db8:0:0::5]', '[2001:db8::]/64', '[2001:db8::5]/128', '[::]/0', '[2001:db8::9]/64x', '2001:db8::5',
];

const OPTIONS = [
  '', '', '', '', ' : allow', ' : deny', ' : spawn /bin/echo %a %d', ' : twist /bin/echo go away',
  ' : severity auth.info', ' : severity auth.info : deny', ' : spawn /bin/true : allow', ' : bogus',
  ' : severity nonsense', ' : ALLOW', ' :deny',
];

export interface Policy {
  seed: number;
  client: string;
  allow: string;
  deny: string;
}

type Rand = () => number;
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const some = <T>(r: Rand, xs: readonly T[], max: number): T[] => Array.from({ length: 1 + Math.floor(r() * max) }, () => pick(r, xs));
const joinList = (r: Rand, words: string[]): string => words.join(pick(r, [' ', ', ', ',', '  ']));

function list(r: Rand, words: readonly string[], max: number): string {
  const main = joinList(r, some(r, words, max));
  return r() < 0.2 ? `${main} EXCEPT ${joinList(r, some(r, words, 2))}` : main;
}

/** Client words with the policy's own client (and its /32 and /255.255.255.255) more likely. */
function clientWords(client: string): string[] {
  if (client.includes(':')) return [...CLIENT_WORDS, `[${client}]`, `[${client}]`, `[${client}]/128`];
  return [...CLIENT_WORDS, client, client, client, `${client}/32`, `${client}/255.255.255.255`];
}

function rule(r: Rand, client: string): string {
  const daemons = list(r, DAEMON_WORDS, 2);
  const clients = list(r, clientWords(client), 3);
  const text = `${daemons}: ${clients}${pick(r, OPTIONS)}`;
  // A continuation: the rule broken after its first client word.
  if (r() < 0.12) return text.replace(/: (\S+) /, ': $1 \\\n  ');
  return text;
}

function line(r: Rand, client: string): string {
  const x = r();
  // Past libwrap's 2048-byte line buffer: it stops reading the file there.
  if (x < 0.015) return `sshd: ${'10.200.0.1 '.repeat(190)}${client}`;
  // A ban that fits the buffer, but would not with a "# remedy: " in front of it.
  if (x < 0.03) return `sshd: ${client}${' '.repeat(2030 - client.length + Math.floor(r() * 10))}`;
  if (x < 0.08) return `# ${rule(r, client)}`;
  if (x < 0.12) return '';
  if (x < 0.15) return `sshd ${client}`; // no colon: libwrap skips it
  return rule(r, client);
}

function file(r: Rand, client: string, maxLines: number, closing: string[]): string {
  const lines = Array.from({ length: Math.floor(r() * (maxLines + 1)) }, () => line(r, client));
  if (r() < 0.35) lines.push(pick(r, closing));
  if (lines.length === 0) return '';
  const eol = r() < 0.15 ? '\r\n' : '\n';
  const text = lines.map((l) => l + eol).join('');
  return r() < 0.15 ? text.slice(0, -eol.length) : text;
}

/** The policy for one seed: the same files for the same seed, always. */
export function policy(seed: number): Policy {
  const r = rng(seed);
  const client = pick(r, CLIENTS);
  const allow = file(r, client, 4, ['sshd: 10.0.0.6', `sshd: ${client} : spawn /bin/echo %a`, 'ALL: LOCAL']);
  const deny = file(r, client, 4, ['ALL: ALL', 'sshd: ALL', 'ALL: ALL : severity auth.warning', 'ALL EXCEPT vsftpd: ALL']);
  return { seed, client, allow, deny };
}
