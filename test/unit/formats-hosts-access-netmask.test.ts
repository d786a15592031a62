// libwrap's net/mask arithmetic (misc.c dot_quad_addr, cidr_mask_addr; masked_match4), each
// corner checked once against Debian's tcpdmatch when written.
import { describe, it, expect } from 'vitest';
import { cidrMaskAddr, dotQuadAddr, maskedMatch4, singleAddress } from '../../src/formats/hosts-access-netmask.js';

const ip = (s: string) => dotQuadAddr(s);

describe('dot_quad_addr', () => {
  it('takes exactly four parts, as inet_addr reads them', () => {
    expect(ip('10.0.0.1')).toBe(0x0a000001);
    expect(ip('010.0.0.1')).toBe(0x08000001); // octal, as inet_addr
    expect(ip('0x0a.0.0.1')).toBe(0x0a000001);
    for (const bad of ['10.0.0', '10.0.0.1.2', '10.0.0.256', '10..0.1', '08.0.0.1', 'a.b.c.d', '[::1]'])
      expect(ip(bad), bad).toBe(0xffffffff);
    expect(ip('255.255.255.255')).toBe(0xffffffff); // the same answer as an error: INADDR_NONE
  });
});

describe('cidr_mask_addr', () => {
  it('is atoi bits, 1..32 only', () => {
    expect(cidrMaskAddr('24')).toBe(0xffffff00);
    expect(cidrMaskAddr('32')).toBe(0xffffffff);
    expect(cidrMaskAddr('8/9')).toBe(0xff000000);
    expect(cidrMaskAddr('1.2.3')).toBe(0x80000000);
    for (const none of ['0', '33', '', 'x', '-1']) expect(cidrMaskAddr(none), none).toBe(0);
  });
});

describe('masked_match4', () => {
  const c = ip('10.0.0.5');
  it.each([
    ['10.0.0.0', '255.255.255.0', true],
    ['10.0.0.0', '24', true],
    ['10.0.0.5', '32', true],
    ['10.0.0.5', '255.255.255.255', false], // INADDR_NONE as a mask, and 255 bits as a length
    ['0.0.0.0', '0', false],
    ['10.0.0.4', '30', true],
    ['10.0.0.5', '24', false], // host bits set in the net: never
    ['255.255.255.255', '32', false],
    ['10.0.0.0', '255.0.255.0', true], // a non-contiguous mask is used as written
  ] as const)('%s/%s → %s', (net, mask, want) => {
    expect(maskedMatch4(net, mask, c)).toBe(want);
  });
  it('names a single address only with a 32-bit mask', () => {
    expect(singleAddress('10.0.0.5', '32')).toBe(c);
    expect(singleAddress('10.0.0.5', '255.255.255.255')).toBeUndefined();
    expect(singleAddress('10.0.0.5', '31')).toBeUndefined();
  });
});
