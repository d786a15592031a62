// What sshd knows about each sshd_config keyword: canonical spelling, aliases, whether it may
// appear inside a Match block, how repeated lines combine, and since when it exists.
//
// Sources (read, not guessed): OpenSSH servconf.c keywords[] table and process_server_config_line
// (portable 9.5, servconf.c 1.402, and OpenBSD HEAD, 1.446), servconf.h COPY_MATCH_STRING_OPTS,
// and the OpenSSH release notes 8.2 … 10.2 for the version gates and the MaxStartups fix (bz3859).
import semver from 'semver';

/**
 * How sshd combines several lines for one keyword (in the order it reads them).
 * - first: the first obtained value wins (`if (*intptr == -1)` in servconf.c) — most keywords.
 * - last: every active line overwrites (`if (*activep) x = value`).
 * - accumulate: every active line adds to a list (Port, ListenAddress, HostKey, AllowUsers, …).
 * - merge: each sub-option is first-wins on its own, so several lines combine (PerSourcePenalties).
 */
export type CombineMode = 'first' | 'last' | 'accumulate' | 'merge';

export interface KeywordInfo {
  /** Canonical spelling, as the manual writes it. */
  name: string;
  /** Lower-case key of the canonical keyword (aliases fold onto it). */
  key: string;
  /** SSHCFG_ALL: allowed inside Match and applied per connection. Otherwise sshd refuses it in a conditional Match. */
  matchAllowed: boolean;
  mode: CombineMode;
  /** Last-wins (despite the manual) in versions before this one. */
  lastWinsBefore?: string;
  /** Order semantics differ between releases and the release that changed it is not pinned down. */
  orderUnsettled?: boolean;
  /** For list keywords: a matching Match block's list replaces the global list (M_CP_STRARRAYOPT). */
  replacedPerConnection?: boolean;
  /** Compiled-in default, as `sshd -T` prints it, for the keywords remedy reasons about. */
  defaultValue?: string;
  /** sshd accepts the keyword but ignores it. */
  deprecated?: boolean;
  /** sshd takes the rest of the line verbatim (quotes kept, not split into arguments). */
  rawValue?: 'line' | 'until-comment';
}

// name, flags: G = global only (SSHCFG_GLOBAL), A = also in Match (SSHCFG_ALL).
const TABLE: ReadonlyArray<readonly [string, 'G' | 'A', Partial<KeywordInfo>?]> = [
  ['UsePAM', 'G', { defaultValue: 'no' }],
  ['Port', 'G', { mode: 'accumulate', defaultValue: '22' }],
  ['HostKey', 'G', { mode: 'accumulate' }],
  ['HostKeyAgent', 'G'],
  ['PidFile', 'G'],
  ['ModuliFile', 'G'],
  ['LoginGraceTime', 'G', { defaultValue: '120' }],
  ['PermitRootLogin', 'A', { defaultValue: 'prohibit-password' }],
  ['SyslogFacility', 'G'],
  ['LogLevel', 'A'],
  ['LogVerbose', 'A'],
  ['HostbasedAuthentication', 'A'],
  ['HostbasedUsesNameFromPacketOnly', 'A'],
  ['HostbasedAcceptedAlgorithms', 'A'],
  ['HostKeyAlgorithms', 'G'],
  ['PubkeyAuthentication', 'A', { defaultValue: 'yes' }],
  ['PubkeyAcceptedAlgorithms', 'A'],
  ['PubkeyAuthOptions', 'A'],
  ['KerberosAuthentication', 'A'],
  ['KerberosOrLocalPasswd', 'G'],
  ['KerberosTicketCleanup', 'G'],
  ['KerberosGetAFSToken', 'G'],
  ['GSSAPIAuthentication', 'A'],
  ['GSSAPICleanupCredentials', 'G'],
  ['GSSAPIStrictAcceptorCheck', 'G'],
  ['PasswordAuthentication', 'A', { defaultValue: 'yes' }],
  ['KbdInteractiveAuthentication', 'A', { defaultValue: 'yes' }],
  ['ListenAddress', 'G', { mode: 'accumulate' }],
  ['AddressFamily', 'G'],
  ['PrintMotd', 'G'],
  ['PrintLastLog', 'G'],
  ['IgnoreRhosts', 'A'],
  ['IgnoreUserKnownHosts', 'G'],
  ['X11Forwarding', 'A'],
  ['X11DisplayOffset', 'A'],
  ['X11UseLocalhost', 'A'],
  ['XAuthLocation', 'G'],
  ['StrictModes', 'G'],
  ['PermitEmptyPasswords', 'A'],
  ['PermitUserEnvironment', 'G'],
  ['Compression', 'G'],
  ['RekeyLimit', 'A'],
  ['TCPKeepAlive', 'G'],
  ['AllowTcpForwarding', 'A'],
  ['AllowAgentForwarding', 'A'],
  ['AllowUsers', 'A', { mode: 'accumulate', replacedPerConnection: true }],
  ['DenyUsers', 'A', { mode: 'accumulate', replacedPerConnection: true }],
  ['AllowGroups', 'A', { mode: 'accumulate', replacedPerConnection: true }],
  ['DenyGroups', 'A', { mode: 'accumulate', replacedPerConnection: true }],
  ['Ciphers', 'G'],
  ['MACs', 'G'],
  ['GatewayPorts', 'A'],
  // Subsystems accumulate by name (the first definition of a name wins); Match may override since 9.5.
  ['Subsystem', 'A', { mode: 'accumulate' }],
  // sscanf() straight into the options until 10.1: "Make the MaxStartups and PerSourceNetBlockSize
  // options first-match-wins as advertised. bz3859" (OpenSSH 10.1 release notes).
  ['MaxStartups', 'G', { lastWinsBefore: '10.1.0', defaultValue: '10:30:100' }],
  ['PerSourceMaxStartups', 'G', { defaultValue: 'none' }],
  ['PerSourceNetBlockSize', 'G', { lastWinsBefore: '10.1.0', defaultValue: '32:128' }],
  ['PerSourcePenalties', 'G', { mode: 'merge' }],
  ['PerSourcePenaltyExemptList', 'G'],
  ['MaxAuthTries', 'A', { defaultValue: '6' }],
  ['MaxSessions', 'A', { defaultValue: '10' }],
  ['Banner', 'A'],
  ['UseDNS', 'G', { defaultValue: 'no' }],
  ['ClientAliveInterval', 'A', { defaultValue: '0' }],
  ['ClientAliveCountMax', 'A', { defaultValue: '3' }],
  ['AuthorizedKeysFile', 'A'],
  ['AcceptEnv', 'A', { mode: 'accumulate', replacedPerConnection: true }],
  ['SetEnv', 'A'],
  ['PermitTunnel', 'A'],
  ['PermitTTY', 'A'],
  ['PermitUserRC', 'A'],
  ['Match', 'A'],
  ['PermitOpen', 'A'],
  ['PermitListen', 'A'],
  ['ForceCommand', 'A', { rawValue: 'line' }],
  ['ChrootDirectory', 'A'],
  ['HostCertificate', 'G', { mode: 'accumulate' }],
  ['RevokedKeys', 'A'],
  ['TrustedUserCAKeys', 'A'],
  ['AuthorizedPrincipalsFile', 'A'],
  ['KexAlgorithms', 'G'],
  ['Include', 'A', { mode: 'accumulate' }],
  // `if (*activep)` in 9.5 (last wins), `== -1` guard in HEAD (first wins): treat as unsettled.
  ['IPQoS', 'A', { orderUnsettled: true }],
  ['AuthorizedKeysCommand', 'A', { rawValue: 'line' }],
  ['AuthorizedKeysCommandUser', 'A'],
  ['AuthorizedPrincipalsCommand', 'A', { rawValue: 'line' }],
  ['AuthorizedPrincipalsCommandUser', 'A'],
  // VersionAddendum cuts the line at the first '#'; the command keywords keep even a trailing comment.
  ['VersionAddendum', 'G', { rawValue: 'until-comment' }],
  ['AuthenticationMethods', 'A'],
  // Both still assign on every active line in HEAD.
  ['StreamLocalBindMask', 'A', { mode: 'last' }],
  ['StreamLocalBindUnlink', 'A'],
  ['AllowStreamLocalForwarding', 'A'],
  ['FingerprintHash', 'G', { mode: 'last' }],
  ['DisableForwarding', 'A'],
  ['ExposeAuthInfo', 'A'],
  ['RDomain', 'A'],
  ['CASignatureAlgorithms', 'A'],
  ['SecurityKeyProvider', 'G'],
  ['RequiredRSASize', 'A'],
  ['ChannelTimeout', 'A'],
  ['UnusedConnectionTimeout', 'A'],
  ['PAMServiceName', 'G'],
  ['RefuseConnection', 'A'],
  ['SshdSessionPath', 'G'],
  ['SshdAuthPath', 'G'],
];

/** Old spellings that parse_token() maps onto the same opcode. */
const ALIASES: Readonly<Record<string, string>> = {
  hostdsakey: 'hostkey',
  hostbasedacceptedkeytypes: 'hostbasedacceptedalgorithms',
  pubkeyacceptedkeytypes: 'pubkeyacceptedalgorithms',
  dsaauthentication: 'pubkeyauthentication',
  challengeresponseauthentication: 'kbdinteractiveauthentication',
  skeyauthentication: 'kbdinteractiveauthentication',
  keepalive: 'tcpkeepalive',
};

/** Accepted and ignored (sDeprecated / sIgnore / sUnsupported in servconf.c). */
const DEPRECATED = new Set([
  'pamauthenticationviakbdint', 'serverkeybits', 'keyregenerationinterval', 'rhostsauthentication',
  'rhostsrsaauthentication', 'rsaauthentication', 'checkmail', 'uselogin', 'verifyreversemapping',
  'reversemappingcheck', 'authorizedkeysfile2', 'useprivilegeseparation', 'protocol',
  'kerberostgtpassing', 'afstokenpassing',
]);

const INFO = new Map<string, KeywordInfo>(
  TABLE.map(([name, flags, extra]) => {
    const key = name.toLowerCase();
    return [key, { name, key, matchAllowed: flags === 'A', mode: 'first', ...extra }];
  }),
);

/** Lower-case canonical key for a keyword as written (case-insensitive, aliases folded). */
export function canonicalKeyword(keyword: string): string {
  const k = keyword.toLowerCase();
  return ALIASES[k] ?? k;
}

/** What sshd knows about a keyword, or null for one this table does not know (vendor patch or typo). */
export function keywordInfo(keyword: string): KeywordInfo | null {
  const k = canonicalKeyword(keyword);
  const known = INFO.get(k);
  if (known) return known;
  if (DEPRECATED.has(k)) return { name: keyword, key: k, matchAllowed: true, mode: 'first', deprecated: true };
  return null;
}

/** Keywords whose lines accumulate rather than override (from servconf.c's opt_array_append users). */
export const ACCUMULATING_KEYWORDS: readonly string[] = TABLE.filter(([, , e]) => e?.mode === 'accumulate').map(([n]) => n);

/**
 * The combining rule for a keyword on a given OpenSSH version. 'ambiguous' when the rule depends
 * on a version we were not told (or one whose behaviour is not pinned down).
 */
export type Precedence = CombineMode | 'ambiguous';

export function keywordPrecedence(keyword: string, opensshVersion?: string | null): Precedence {
  const info = keywordInfo(keyword);
  if (!info) return 'first';
  if (info.orderUnsettled) return 'ambiguous';
  if (info.lastWinsBefore) {
    const v = coerceVersion(opensshVersion);
    if (!v) return 'ambiguous';
    return semver.lt(v, info.lastWinsBefore) ? 'last' : 'first';
  }
  return info.mode;
}

// ---------------------------------------------------------------------------------------------
// Version gates. Each entry is the release whose notes announce the keyword (OpenSSH release
// notes; ModuliFile is 8.6, not 8.4). Older keywords predate every release remedy supports.

const MIN_VERSION: Readonly<Record<string, string>> = {
  include: '8.2.0',
  pubkeyauthoptions: '8.2.0',
  securitykeyprovider: '8.2.0',
  logverbose: '8.5.0',
  persourcemaxstartups: '8.5.0',
  persourcenetblocksize: '8.5.0',
  pubkeyacceptedalgorithms: '8.5.0', // renamed from PubkeyAcceptedKeyTypes, which still works
  hostbasedacceptedalgorithms: '8.5.0', // renamed from HostbasedAcceptedKeyTypes
  modulifile: '8.6.0',
  requiredrsasize: '9.1.0',
  channeltimeout: '9.2.0',
  unusedconnectiontimeout: '9.2.0',
  persourcepenalties: '9.8.0',
  persourcepenaltyexemptlist: '9.8.0',
  pamservicename: '9.8.0',
  refuseconnection: '9.9.0',
};

/** Lenient version reading, like facts.ts: '9.2.0', '9.2', '9.2p1', 'OpenSSH_9.2p1 …' → SemVer. */
export function coerceVersion(version: string | null | undefined): semver.SemVer | null {
  if (!version) return null;
  const m = /OpenSSH_(\d+\.\d+(?:\.\d+)?)/.exec(version);
  return semver.coerce(m ? m[1]! : version);
}

/** '9.8.0' → '9.8', '10.1.2' → '10.1.2': how people say OpenSSH versions. */
function shortVersion(v: string | semver.SemVer): string {
  const s = typeof v === 'string' ? semver.parse(v) : v;
  if (!s) return String(v);
  return s.patch === 0 ? `${s.major}.${s.minor}` : `${s.major}.${s.minor}.${s.patch}`;
}

/**
 * The first OpenSSH release whose sshd accepts this keyword (semver), or null when it is older
 * than 8.2 / unknown. Looked up by the spelling given: an old alias has no gate.
 */
export function keywordMinVersion(keyword: string): string | null {
  return MIN_VERSION[keyword.toLowerCase()] ?? null;
}

/**
 * null when sshd `opensshVersion` accepts `keyword`, else a sentence saying why not. Compared with
 * semver, never as text ('10.0' > '9.8').
 */
export function checkKeywordSupported(keyword: string, opensshVersion: string): string | null {
  const min = keywordMinVersion(keyword);
  if (!min) return null;
  const name = keywordInfo(keyword)?.name ?? keyword;
  const have = coerceVersion(opensshVersion);
  if (!have) return `${name} needs OpenSSH ${shortVersion(min)} or later; cannot read the host's version from '${opensshVersion}'`;
  if (semver.gte(have, min)) return null;
  return `${name} needs OpenSSH ${shortVersion(min)} or later; this host runs ${shortVersion(have)}`;
}
