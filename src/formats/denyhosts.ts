// DenyHosts' traces of a ban, as DenyHosts 2.x/3.x writes them (DenyHosts/deny_hosts.py,
// loginattempt.py, counter.py, purgecounter.py, sync.py, constants.py):
//
// hosts.deny, with PURGE_DENY set (>= 0.9.9), a marker line BEFORE each entry:
//     # DenyHosts: Thu Nov 21 15:01:02 2024 | sshd: 203.0.113.9
//     sshd: 203.0.113.9
// (the entry is `<BLOCK_SERVICE>: <host>`, or just `<host>` when BLOCK_SERVICE is empty; FreeBSD
// adds ` : deny`). Before 0.9.9 the marker trailed the entry on the same line:
//     sshd: 203.0.113.9                      # DenyHosts: Thu Nov 21 15:01:02 2024
// Without PURGE_DENY entries carry no marker at all.
//
// WORK_DIR (/var/lib/denyhosts on Debian) counters are `key:count:asctime` lines, sorted by key:
//     hosts, hosts-valid, hosts-root, hosts-restricted, purge-history:  <host>:<count>:<date>
//     users-hosts, suspicious-logins:                                   <user> - <host>:<count>:<date>
//     sync-received:  <host>:<ctime>        sync-hosts:  <host>
// DenyHosts re-adds a host whose counters stay over threshold, so unblocking means stopping
// denyhosts, removing the host from these files and from hosts.deny, then starting it again.
// The functions here are the pure text part of that.

import { clientIp, sameClientIp } from './ip.js';
import { parsePatternList, physicalLines, splitAt } from './hosts-access-parse.js';

export const DENYHOSTS_WORK_DIR = '/var/lib/denyhosts';
/** Work files keyed by host that keep a ban alive. */
export const DENYHOSTS_HOST_FILES = ['hosts', 'hosts-restricted', 'hosts-root', 'hosts-valid', 'users-hosts'] as const;
/** Further host-keyed work files (suspicious logins, purge counts, sync queues). */
export const DENYHOSTS_EXTRA_HOST_FILES = ['suspicious-logins', 'purge-history', 'sync-hosts', 'sync-received'] as const;
/** constants.DENY_DELIMITER */
export const DENYHOSTS_MARKER = '# DenyHosts:';

export interface DenyHostsMark {
  /** 'preceding': marker line, entry on the next line; 'inline': marker after the entry. */
  style: 'preceding' | 'inline';
  /** 1-based line of the marker. */
  markerLine: number;
  /** 1-based line of the entry (same as markerLine for 'inline'); undefined if missing. */
  entryLine?: number;
  date: string;
  /** The entry text the marker records. */
  entry: string;
  /** Host of the entry (parse_host), undefined if there is none. */
  host?: string;
  /** 'preceding' only: the next line is exactly the recorded entry (DenyHosts' purge check). */
  verified: boolean;
}

const body = (line: string): string => line.replace(/\r?\n$/, '');

/** util.parse_host: the host of `host`, `svc: host`, `host : deny` or `svc: host : deny`. */
export function denyHostsEntryHost(entry: string): string | undefined {
  const c1 = splitAt(entry, ':');
  let list = entry;
  if (c1 >= 0) {
    const rest = entry.slice(c1 + 1);
    const c2 = splitAt(rest, ':');
    // `host : deny` has the host first; `svc: host[: deny]` has it second.
    list = c2 < 0 && rest.trim().toLowerCase() === 'deny' ? entry.slice(0, c1) : c2 < 0 ? rest : rest.slice(0, c2);
  }
  const tok = parsePatternList(list).patterns[0];
  if (tok === undefined) return undefined;
  return tok.startsWith('[') && tok.endsWith(']') ? tok.slice(1, -1) : tok;
}

/** Every DenyHosts marker in a hosts.deny text. */
export function findDenyHostsMarks(hostsDenyText: string): DenyHostsMark[] {
  const lines = physicalLines(hostsDenyText).map(body);
  const out: DenyHostsMark[] = [];
  lines.forEach((line, i) => {
    if (line.startsWith(DENYHOSTS_MARKER)) {
      const rest = line.slice(DENYHOSTS_MARKER.length);
      const bar = rest.indexOf(' | ');
      if (bar < 0) return;
      const entry = rest.slice(bar + 3);
      const next = lines[i + 1];
      const host = denyHostsEntryHost(entry);
      out.push({
        style: 'preceding',
        markerLine: i + 1,
        ...(next === undefined ? {} : { entryLine: i + 2 }),
        date: rest.slice(0, bar).trim(),
        entry,
        ...(host === undefined ? {} : { host }),
        verified: next === entry,
      });
      return;
    }
    const at = line.indexOf(DENYHOSTS_MARKER);
    if (at > 0 && !line.trimStart().startsWith('#')) {
      const entry = line.slice(0, at).trim();
      const host = denyHostsEntryHost(entry);
      out.push({
        style: 'inline',
        markerLine: i + 1,
        entryLine: i + 1,
        date: line.slice(at + DENYHOSTS_MARKER.length).trim(),
        entry,
        ...(host === undefined ? {} : { host }),
        verified: true,
      });
    }
  });
  return out;
}

const hostIs = (host: string | undefined, client: string): boolean =>
  host !== undefined && (sameClientIp(host, client) || host.toLowerCase() === client.toLowerCase());

/** DenyHosts markers in hosts.deny whose entry names this client (IP or host name). */
export function denyHostsMarksFor(hostsDenyText: string, client: string): DenyHostsMark[] {
  return findDenyHostsMarks(hostsDenyText).filter((m) => hostIs(m.host, client));
}

/** Is 1-based line `line` of hosts.deny a DenyHosts marker, or an entry a marker vouches for? */
export function isDenyHostsLine(hostsDenyText: string, line: number): boolean {
  return findDenyHostsMarks(hostsDenyText).some(
    (m) => m.markerLine === line || (m.entryLine === line && (m.style === 'inline' || m.verified)),
  );
}

// The `:<count>:<asctime>` / `:<ctime>` tails DenyHosts appends to a key. The weekday anchors the
// date so an IPv6 key's own colons are not taken for the separator.
const COUNT_DATE = /:\d+:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) /;
const DATE_ONLY = /:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) /;
const COUNT_ONLY = /:\d+$/;

/** The host a work-file line is about, or undefined for blank lines. */
export function workFileLineHost(line: string): string | undefined {
  const text = body(line).trim();
  if (text === '') return undefined;
  if (clientIp(text)) return text; // sync-hosts: a bare host (also keeps IPv6 colons intact)
  const m = COUNT_DATE.exec(text) ?? DATE_ONLY.exec(text) ?? COUNT_ONLY.exec(text);
  const key = m ? text.slice(0, m.index) : text;
  const dash = key.lastIndexOf(' - '); // users-hosts / suspicious-logins: `user - host`
  return dash >= 0 ? key.slice(dash + 3) : key;
}

export interface WorkFileEdit {
  text: string;
  removed: Array<{ line: number; text: string }>;
}

/** Drops every line naming the client from one work file; all other bytes stay as they were. */
export function removeIpFromWorkFile(text: string, client: string): WorkFileEdit {
  const kept: string[] = [];
  const removed: WorkFileEdit['removed'] = [];
  physicalLines(text).forEach((line, i) => {
    if (hostIs(workFileLineHost(line), client)) removed.push({ line: i + 1, text: body(line) });
    else kept.push(line);
  });
  return { text: kept.join(''), removed };
}

/** removeIpFromWorkFile over a set of files (name → text); unchanged files are returned as is. */
export function removeIpFromWorkFiles(files: Record<string, string>, client: string): Record<string, WorkFileEdit> {
  const out: Record<string, WorkFileEdit> = {};
  for (const [name, text] of Object.entries(files)) out[name] = removeIpFromWorkFile(text, client);
  return out;
}
