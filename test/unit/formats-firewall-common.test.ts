import { describe, it, expect } from 'vitest';
import { portListMatches } from '../../src/formats/firewall-common.js';
import { canonicalIp, entryCovers, parseNet, sameIp } from '../../src/formats/ip.js';

describe('addresses', () => {
  it.each([
    ['2001:0db8:0000:0000:0000:0000:0000:0005', '2001:db8::5'],
    ['2001:DB8::1:0:0:1', '2001:db8::1:0:0:1'],
    ['1:0:0:1:0:0:0:1', '1:0:0:1::1'], // the longest run of zeros is compressed
    ['::ffff:192.0.2.1', '::ffff:192.0.2.1'],
    ['[2001:db8::7]', '2001:db8::7'],
    ['fe80::1%eth0', 'fe80::1'],
    ['203.0.113.7', '203.0.113.7'],
    ['::', '::'],
  ])('canonical %s → %s', (a, b) => {
    expect(canonicalIp(a)).toBe(b);
  });
  it('rejects hostnames, networks and garbage as addresses', () => {
    for (const x of ['example.org', '203.0.113.0/24', '1.2.3', '', '1.2.3.4; reboot']) expect(canonicalIp(x)).toBeUndefined();
    expect(sameIp('2001:db8::7', '2001:0DB8:0:0::7')).toBe(true);
    expect(sameIp('203.0.113.7', '::ffff:203.0.113.7')).toBe(false);
  });
  it('parses networks (prefix, dotted and IPv6 masks) and tests containment', () => {
    expect(parseNet('10.1.2.3/255.0.0.0')).toMatchObject({ family: 4, prefix: 8 });
    expect(parseNet('10.0.0.0/255.0.255.0')).toBeUndefined(); // not contiguous
    expect(parseNet('10.0.0.0/33')).toBeUndefined();
    expect(entryCovers('127.0.0.1/8', '127.9.9.9')).toBe(true);
    expect(entryCovers('0.0.0.0/0', '8.8.8.8')).toBe(true);
    expect(entryCovers('2001:db8::/ffff:ffff::', '2001:db8:ffff::1')).toBe(true);
    expect(entryCovers('2001:db8::/32', '2001:db9::1')).toBe(false);
    expect(entryCovers('10.0.0.0/8', '::ffff:10.0.0.1')).toBe(false);
    expect(entryCovers('host.example.org', '203.0.113.7')).toBe(false);
  });
});

describe('ports', () => {
  it.each<[string, ':' | '-', number, string]>([
    ['22', ':', 22, 'yes'],
    ['22,80', ':', 80, 'yes'],
    ['1000:2000', ':', 1500, 'yes'],
    [':1024', ':', 22, 'yes'],
    ['1024:', ':', 22, 'no'],
    ['20-30', '-', 22, 'yes'],
    ['ssh', ':', 22, 'yes'],
    ['https,80', ':', 22, 'no'],
    ['mystery', ':', 22, 'maybe'],
  ])('%s (sep %s) vs %d → %s', (list, sep, port, want) => {
    expect(portListMatches(list, port, sep)).toBe(want);
  });
});
