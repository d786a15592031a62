// DenyHosts traces: markers in hosts.deny and host-keyed WORK_DIR counters, removed byte-exactly.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import {
  DENYHOSTS_HOST_FILES,
  denyHostsEntryHost,
  denyHostsMarksFor,
  findDenyHostsMarks,
  isDenyHostsLine,
  removeIpFromWorkFile,
  removeIpFromWorkFiles,
  workFileLineHost,
} from '../../src/formats/denyhosts.js';

const deny = readFileSync('test/fixtures/hosts-access/10-denyhosts.deny', 'utf8');

describe('hosts.deny markers', () => {
  it('finds preceding and inline markers', () => {
    expect(findDenyHostsMarks(deny)).toEqual([
      { style: 'preceding', markerLine: 2, entryLine: 3, date: 'Thu Nov 21 15:01:02 2024', entry: 'sshd: 203.0.113.9', host: '203.0.113.9', verified: true },
      { style: 'preceding', markerLine: 4, entryLine: 5, date: 'Fri Nov 22 09:10:11 2024', entry: 'sshd: 198.51.100.7', host: '198.51.100.7', verified: true },
      { style: 'inline', markerLine: 6, entryLine: 6, date: 'Sat Nov 23 01:02:03 2024', entry: 'sshd: 192.0.2.44', host: '192.0.2.44', verified: true },
    ]);
  });
  it('selects the marks of one client and tells DenyHosts lines from others', () => {
    expect(denyHostsMarksFor(deny, '198.51.100.7').map((m) => m.entryLine)).toEqual([5]);
    expect(denyHostsMarksFor(deny, '198.51.100.70')).toEqual([]);
    expect([1, 2, 3, 6].map((l) => isDenyHostsLine(deny, l))).toEqual([false, true, true, true]);
    // A marker whose next line was edited no longer vouches for that line.
    const edited = deny.replace('\nsshd: 203.0.113.9\n', '\n# remedy: sshd: 203.0.113.9\n');
    expect(findDenyHostsMarks(edited)[0]?.verified).toBe(false);
    expect(isDenyHostsLine(edited, 3)).toBe(false);
  });
  it('reads CRLF and IPv6 entries', () => {
    const text = '# DenyHosts: Thu Nov 21 15:01:02 2024 | sshd: [2001:db8::7]\r\nsshd: [2001:db8::7]\r\n';
    expect(denyHostsMarksFor(text, '2001:DB8:0::7')).toMatchObject([{ entryLine: 2, verified: true }]);
  });
  it('parses entries the way parse_host does', () => {
    expect(denyHostsEntryHost('sshd: 10.0.0.1')).toBe('10.0.0.1');
    expect(denyHostsEntryHost('10.0.0.1')).toBe('10.0.0.1');
    expect(denyHostsEntryHost('10.0.0.1 : deny')).toBe('10.0.0.1');
    expect(denyHostsEntryHost('sshd: 10.0.0.1 : deny')).toBe('10.0.0.1');
    expect(denyHostsEntryHost('ALL: [2001:db8::1]')).toBe('2001:db8::1');
    expect(denyHostsEntryHost('')).toBeUndefined();
  });
});

describe('work files', () => {
  const hosts = '10.0.0.1:12:Thu Nov 21 15:01:02 2024\n10.0.0.10:3:Thu Nov 21 15:01:03 2024\n203.0.113.9:7:Fri Nov 22 09:10:11 2024\n';
  const usersHosts =
    'admin - 10.0.0.1:2:Thu Nov 21 15:01:02 2024\nroot - 203.0.113.9:5:Fri Nov 22 09:10:11 2024\n' +
    'root - 10.0.0.1:1:Sat Nov 23 01:02:03 2024';
  const v6 = '2001:db8::1:4:Thu Nov 21 15:01:02 2024\n2001:db8::1:5:3:Thu Nov 21 15:01:02 2024\n2001:db8::5:cafe:2:Mon Nov 25 10:00:00 2024\n';

  it('finds the host of each kind of line', () => {
    expect(workFileLineHost('10.0.0.1:12:Thu Nov 21 15:01:02 2024\n')).toBe('10.0.0.1');
    expect(workFileLineHost('root - 10.0.0.1:1:Sat Nov 23 01:02:03 2024\r\n')).toBe('10.0.0.1');
    expect(workFileLineHost('10.0.0.1:Thu Nov 21 15:01:02 2024')).toBe('10.0.0.1'); // sync-received
    expect(workFileLineHost('2001:db8::1\n')).toBe('2001:db8::1'); // sync-hosts
    expect(workFileLineHost('2001:db8::5:cafe:2:Mon Nov 25 10:00:00 2024')).toBe('2001:db8::5:cafe');
    expect(workFileLineHost('10.0.0.1:4')).toBe('10.0.0.1');
    expect(workFileLineHost('\n')).toBeUndefined();
  });
  it('removes every line naming the client and nothing else', () => {
    expect(removeIpFromWorkFile(hosts, '10.0.0.1')).toEqual({
      text: '10.0.0.10:3:Thu Nov 21 15:01:03 2024\n203.0.113.9:7:Fri Nov 22 09:10:11 2024\n',
      removed: [{ line: 1, text: '10.0.0.1:12:Thu Nov 21 15:01:02 2024' }],
    });
    // The last line has no newline: the text before it stays byte-identical.
    expect(removeIpFromWorkFile(usersHosts, '10.0.0.1').text).toBe('root - 203.0.113.9:5:Fri Nov 22 09:10:11 2024\n');
    expect(removeIpFromWorkFile(hosts, '192.0.2.1')).toEqual({ text: hosts, removed: [] });
  });
  it('keeps IPv6 keys apart', () => {
    const r = removeIpFromWorkFile(v6, '2001:db8::1');
    expect(r.removed.map((x) => x.line)).toEqual([1]);
    expect(removeIpFromWorkFile(v6, '2001:db8::1:5').removed.map((x) => x.line)).toEqual([2]);
    expect(removeIpFromWorkFile(v6, '2001:db8::5:cafe').removed.map((x) => x.line)).toEqual([3]);
  });
  it('processes the whole work directory', () => {
    const files = Object.fromEntries(DENYHOSTS_HOST_FILES.map((n) => [n, n === 'users-hosts' ? usersHosts : hosts]));
    const out = removeIpFromWorkFiles(files, '203.0.113.9');
    expect(Object.keys(out)).toEqual(['hosts', 'hosts-restricted', 'hosts-root', 'hosts-valid', 'users-hosts']);
    for (const edit of Object.values(out)) {
      expect(edit.removed).toHaveLength(1);
      expect(edit.text).not.toContain('203.0.113.9');
    }
  });
});
