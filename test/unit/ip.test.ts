// The shared address module: parsing (v4, v6, IPv4-mapped v6), inet_ntop text, networks written
// with a prefix or a netmask, containment at the edges (/0, /32, /128), and what is refused.
import { BlockList } from 'node:net';
import { describe, it, expect } from 'vitest';
import {
  asIPv6,
  canonicalIp,
  clientIp,
  entryCovers,
  formatNet,
  ipEquals,
  ipFromValue,
  isHostNet,
  netContains,
  networkOf,
  parseIp,
  parseNet,
  parseRange,
  prefixMask,
  rangeContains,
  requireIp,
  sameClientIp,
  sameIp,
  unmapIp,
  unmapIpText,
  type IpAddr,
  type IpFamily,
} from '../../src/formats/ip.js';

const ip = (text: string): IpAddr => {
  const a = parseIp(text);
  if (!a) throw new Error(`test setup: ${text} is not an address`);
  return a;
};
const covers = (net: string, addr: string): boolean => netContains(parseNet(net)!, ip(addr));

describe('parseIp', () => {
  it('parses IPv4 into a 32-bit value', () => {
    expect(parseIp('192.0.2.1')).toEqual({ family: 4, value: 0xc0000201n, text: '192.0.2.1' });
    expect(parseIp('0.0.0.0')).toEqual({ family: 4, value: 0n, text: '0.0.0.0' });
    expect(parseIp('255.255.255.255')?.value).toBe(0xffffffffn);
  });

  it('parses IPv6 into a 128-bit value, :: and a dotted tail included', () => {
    expect(parseIp('2001:DB8::1')).toEqual({ family: 6, value: (0x20010db8n << 96n) | 1n, text: '2001:db8::1' });
    expect(parseIp('::')?.value).toBe(0n);
    expect(parseIp('::1')?.value).toBe(1n);
    expect(parseIp('1::')?.value).toBe(1n << 112n);
    expect(parseIp('1:2:3:4:5:6:7:8')?.value).toBe(0x0001000200030004000500060007_0008n);
    expect(parseIp('::ffff:192.0.2.1')?.value).toBe(0xffff_c0000201n);
    expect(parseIp('64:ff9b::192.0.2.1')?.value).toBe((0x64ff9bn << 96n) | 0xc0000201n);
    expect(parseIp('ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff')?.value).toBe((1n << 128n) - 1n);
  });

  it('drops an IPv6 zone and takes [brackets] and surrounding white space', () => {
    expect(parseIp('fe80::1%eth0')).toEqual(parseIp('fe80::1'));
    expect(parseIp('[2001:db8::7]')?.text).toBe('2001:db8::7');
    expect(parseIp('  203.0.113.7\t')?.text).toBe('203.0.113.7');
  });

  it.each([
    '', ' ', 'example.org', 'localhost', '1.2.3', '1.2.3.4.5', '300.1.1.1', '10.0.0.01', '1.2.3.4/32', '1.2.3.4%eth0',
    '1.2.3.4:22', '::1/128', ':::1', '1::2::3', '1:2:3:4:5:6:7:8:9', 'fe80::1%', 'g::1', '[::1', '1.2.3.4; reboot',
  ])('refuses %j', (text) => {
    expect(parseIp(text)).toBeUndefined();
    expect(canonicalIp(text)).toBeUndefined();
  });

  it('round-trips random values through the text', () => {
    for (let i = 0; i < 500; i++) {
      const family: IpFamily = i % 2 === 0 ? 4 : 6;
      const a = ipFromValue(family, randomValue(family));
      expect(parseIp(a.text)).toEqual(a);
    }
  });
});

describe('address text (inet_ntop)', () => {
  it.each([
    ['2001:0DB8:0000:0000:0000:0000:0000:0005', '2001:db8::5'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // a tie: the first run of zeros
    ['1:0:0:1:0:0:0:1', '1:0:0:1::1'], // the longest run
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // one zero group stays
    ['0:0:0:0:0:0:0:0', '::'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['::2', '::2'],
    ['::ffff:c000:201', '::ffff:192.0.2.1'], // IPv4-mapped: a dotted tail
    ['::10.0.0.1', '::10.0.0.1'], // IPv4-compatible too, as glibc and ip6tables print it
    ['::ffff:0:0', '::ffff:0.0.0.0'],
  ])('%s → %s', (text, want) => {
    expect(canonicalIp(text)).toBe(want);
  });
});

describe('IPv4-mapped IPv6', () => {
  it('unmaps a mapped address to IPv4, and nothing else', () => {
    expect(unmapIp(ip('::ffff:192.0.2.1'))).toEqual(ip('192.0.2.1'));
    expect(unmapIp(ip('::FFFF:c000:0201'))).toEqual(ip('192.0.2.1'));
    for (const other of ['::10.0.0.1', '::1', '2001:db8::1', '192.0.2.1', '::fffe:192.0.2.1']) {
      expect(unmapIp(ip(other))).toEqual(ip(other));
    }
  });

  it('maps IPv4 into IPv6 and back', () => {
    expect(asIPv6(ip('192.0.2.1'))).toEqual(ip('::ffff:192.0.2.1'));
    expect(asIPv6(ip('2001:db8::1'))).toEqual(ip('2001:db8::1'));
    expect(unmapIp(asIPv6(ip('0.0.0.0')))).toEqual(ip('0.0.0.0'));
  });

  it('clientIp is the address as sshd sees it', () => {
    expect(clientIp('::ffff:192.0.2.1')).toEqual({ family: 4, value: 0xc0000201n, text: '192.0.2.1' });
    expect(clientIp('2001:db8::1')?.family).toBe(6);
    expect(clientIp('laptop')).toBeUndefined();
  });

  it('sameIp keeps the families apart; sameClientIp does not', () => {
    expect(sameIp('2001:db8::7', '2001:0DB8:0:0::7')).toBe(true);
    expect(sameIp('203.0.113.7', '::ffff:203.0.113.7')).toBe(false);
    expect(sameClientIp('203.0.113.7', '::ffff:203.0.113.7')).toBe(true);
    expect(sameClientIp('::ffff:203.0.113.7', '203.0.113.7')).toBe(true);
    expect(sameClientIp('203.0.113.7', '::203.0.113.7')).toBe(false);
    expect(sameIp('203.0.113.7', 'host.example')).toBe(false);
    expect(sameClientIp('x', 'x')).toBe(false);
    expect(ipEquals(ip('10.0.0.1'), ip('::10.0.0.1'))).toBe(false);
  });

  it('unmapIpText rewrites only mapped addresses', () => {
    expect(unmapIpText('::ffff:10.0.0.1')).toBe('10.0.0.1');
    expect(unmapIpText('::1')).toBe('::1');
    expect(unmapIpText('2001:DB8::0:1')).toBe('2001:DB8::0:1'); // not rewritten into canonical text
    expect(unmapIpText('10.0.0.1')).toBe('10.0.0.1');
    expect(unmapIpText('*')).toBe('*');
    expect(unmapIpText('')).toBe('');
  });
});

describe('networks', () => {
  it('reads a prefix and clears the host bits', () => {
    expect(parseNet('10.1.2.3/8')).toEqual({ family: 4, value: 0x0a000000n, text: '10.0.0.0', prefix: 8 });
    expect(parseNet('[2001:db8::1]/32')).toMatchObject({ family: 6, text: '2001:db8::', prefix: 32 });
    expect(parseNet(' 192.0.2.0/24 ')).toMatchObject({ text: '192.0.2.0', prefix: 24 });
  });

  it('reads netmasks, contiguous ones only, of the same family', () => {
    expect(parseNet('10.1.2.3/255.255.0.0')).toMatchObject({ text: '10.1.0.0', prefix: 16 });
    expect(parseNet('10.1.2.3/255.255.255.255')).toMatchObject({ text: '10.1.2.3', prefix: 32 });
    expect(parseNet('10.1.2.3/0.0.0.0')).toMatchObject({ text: '0.0.0.0', prefix: 0 });
    expect(parseNet('10.1.2.3/255.255.255.128')?.prefix).toBe(25);
    expect(parseNet('2001:db8:1::/ffff:ffff::')).toMatchObject({ text: '2001:db8::', prefix: 32 });
    expect(parseNet('2001:db8::/ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff')?.prefix).toBe(128);
    expect(parseNet('10.0.0.0/255.0.255.0')).toBeUndefined();
    expect(parseNet('10.0.0.0/0.255.255.255')).toBeUndefined();
    expect(parseNet('10.0.0.0/ffff::')).toBeUndefined();
    expect(parseNet('2001:db8::/255.255.0.0')).toBeUndefined();
  });

  it('takes a bare address as a host network', () => {
    expect(parseNet('192.0.2.1')).toMatchObject({ prefix: 32 });
    expect(parseNet('2001:db8::1')).toMatchObject({ prefix: 128 });
    expect(isHostNet(parseNet('192.0.2.1')!)).toBe(true);
    expect(isHostNet(parseNet('192.0.2.1/32')!)).toBe(true);
    expect(isHostNet(parseNet('::1/128')!)).toBe(true);
    expect(isHostNet(parseNet('192.0.2.0/31')!)).toBe(false);
    expect(formatNet(parseNet('192.0.2.1')!, true)).toBe('192.0.2.1');
    expect(formatNet(parseNet('192.0.2.1')!)).toBe('192.0.2.1/32');
    expect(formatNet(parseNet('2001:0db8::/32')!, true)).toBe('2001:db8::/32');
  });

  it.each(['10.0.0.0/33', '::/129', '10.0.0.0/', '10.0.0.0/-1', '10.0.0.0/8/8', '10.0.0.0/0x8', 'example.org/24', '/24', '', '10.0.0.0/1.5'])(
    'refuses %j',
    (text) => {
      expect(parseNet(text)).toBeUndefined();
      expect(entryCovers(text, '10.0.0.1')).toBe(false);
    },
  );

  it('networkOf and prefixMask at the edges', () => {
    expect(prefixMask(4, 0)).toBe(0n);
    expect(prefixMask(4, 24)).toBe(0xffffff00n);
    expect(prefixMask(4, 32)).toBe(0xffffffffn);
    expect(prefixMask(6, 0)).toBe(0n);
    expect(prefixMask(6, 1)).toBe(1n << 127n);
    expect(prefixMask(6, 128)).toBe((1n << 128n) - 1n);
    expect(networkOf(ip('10.9.8.7'), 0)).toMatchObject({ text: '0.0.0.0', prefix: 0 });
    expect(networkOf(ip('10.9.8.7'), 32)).toMatchObject({ text: '10.9.8.7', prefix: 32 });
    for (const bad of [-1, 33, 1.5, Number.NaN]) expect(networkOf(ip('10.9.8.7'), bad)).toBeUndefined();
    expect(networkOf(ip('::1'), 129)).toBeUndefined();
  });
});

describe('netContains', () => {
  it('/0 holds its whole family and nothing of the other', () => {
    expect(covers('0.0.0.0/0', '8.8.8.8')).toBe(true);
    expect(covers('0.0.0.0/0', '255.255.255.255')).toBe(true);
    expect(covers('0.0.0.0/0', '::ffff:8.8.8.8')).toBe(false);
    expect(covers('::/0', '2001:db8::1')).toBe(true);
    expect(covers('::/0', '::ffff:8.8.8.8')).toBe(true);
    expect(covers('::/0', '8.8.8.8')).toBe(false);
  });

  it('/32 and /128 hold exactly one address', () => {
    expect(covers('192.0.2.1/32', '192.0.2.1')).toBe(true);
    expect(covers('192.0.2.1/32', '192.0.2.0')).toBe(false);
    expect(covers('192.0.2.1/32', '192.0.2.2')).toBe(false);
    expect(covers('2001:db8::1/128', '2001:DB8:0::1')).toBe(true);
    expect(covers('2001:db8::1/128', '2001:db8::')).toBe(false);
    expect(covers('2001:db8::1/128', '2001:db8::2')).toBe(false);
  });

  it('compares the leading bits only', () => {
    expect(covers('10.0.0.0/8', '10.255.255.255')).toBe(true);
    expect(covers('10.0.0.0/8', '11.0.0.0')).toBe(false);
    expect(covers('10.0.0.0/8', '9.255.255.255')).toBe(false);
    expect(covers('192.0.2.128/25', '192.0.2.127')).toBe(false);
    expect(covers('192.0.2.128/25', '192.0.2.200')).toBe(true);
    expect(covers('2001:db8::/32', '2001:db8:ffff::1')).toBe(true);
    expect(covers('2001:db8::/32', '2001:db9::1')).toBe(false);
    expect(covers('8000::/1', '7fff:ffff::')).toBe(false);
    expect(covers('8000::/1', 'ffff::')).toBe(true);
  });

  it('keeps IPv4 and IPv4-mapped IPv6 apart unless the caller maps', () => {
    expect(covers('10.0.0.0/8', '::ffff:10.0.0.1')).toBe(false);
    expect(covers('::ffff:10.0.0.0/104', '10.0.0.1')).toBe(false);
    expect(netContains(parseNet('::ffff:10.0.0.0/104')!, asIPv6(ip('10.0.0.1')))).toBe(true);
    expect(netContains(parseNet('10.0.0.0/8')!, clientIp('::ffff:10.0.0.1')!)).toBe(true);
  });

  it('agrees with node:net BlockList within a family', () => {
    for (let i = 0; i < 400; i++) {
      const family: IpFamily = i % 2 === 0 ? 4 : 6;
      const bits = family === 4 ? 32 : 128;
      const prefix = Math.floor(Math.random() * (bits + 1));
      const net = networkOf(ipFromValue(family, randomValue(family)), prefix)!;
      // Half the probes share the network's leading bits, so both answers come up.
      const host = randomValue(family) & ~prefixMask(family, prefix);
      const probe = ipFromValue(family, i % 4 < 2 ? net.value | host : randomValue(family));
      const list = new BlockList();
      const type = family === 4 ? 'ipv4' : 'ipv6';
      list.addSubnet(net.text, prefix, type);
      expect(netContains(net, probe), `${formatNet(net)} ∋ ${probe.text}`).toBe(list.check(probe.text, type));
    }
  });
});

describe('entries, ranges and client addresses', () => {
  it('entryCovers: an address, or a network containing it', () => {
    expect(entryCovers('203.0.113.7', '203.0.113.7')).toBe(true);
    expect(entryCovers('127.0.0.1/8', '127.9.9.9')).toBe(true);
    expect(entryCovers('2001:db8::/ffff:ffff::', '2001:db8:ffff::1')).toBe(true);
    expect(entryCovers('203.0.113.0/24', '203.0.114.1')).toBe(false);
    expect(entryCovers('host.example.org', '203.0.113.7')).toBe(false);
    expect(entryCovers('203.0.113.0/24', 'not-an-ip')).toBe(false);
  });

  it('ranges are inclusive and of one family', () => {
    const r = parseRange('10.0.0.5-10.0.0.9')!;
    expect(rangeContains(r, ip('10.0.0.5'))).toBe(true);
    expect(rangeContains(r, ip('10.0.0.9'))).toBe(true);
    expect(rangeContains(r, ip('10.0.0.10'))).toBe(false);
    expect(rangeContains(r, ip('::ffff:10.0.0.6'))).toBe(false);
    expect(rangeContains(parseRange('2001:db8::1-2001:db8::ff')!, ip('2001:db8::80'))).toBe(true);
    expect(parseRange('10.0.0.1-2001:db8::1')).toBeUndefined();
    expect(parseRange('10.0.0.1')).toBeUndefined();
    expect(parseRange('a-b')).toBeUndefined();
  });

  it('requireIp accepts one address and says what is wrong with anything else', () => {
    expect(requireIp('2001:db8::1')).toEqual(ip('2001:db8::1'));
    expect(() => requireIp('laptop')).toThrow('client address is not an IP address: "laptop"');
    expect(() => requireIp('10.0.0.0/8')).toThrow(/not an IP address: "10\.0\.0\.0\/8"/);
    expect(() => requireIp('', 'ignoreip entry')).toThrow('ignoreip entry is not an IP address: ""');
  });
});

function randomValue(family: IpFamily): bigint {
  let v = 0n;
  for (let i = 0; i < (family === 4 ? 2 : 8); i++) v = (v << 16n) | BigInt(Math.floor(Math.random() * 0x10000));
  return v;
}
