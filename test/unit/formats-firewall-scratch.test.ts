import { it } from 'vitest';
import { parseIp, parseNet, netContains, canonicalIp } from '../../src/formats/firewall-common.js';
it('scratch', () => {
for (const x of ['1.2.3.4','::1','::','2001:db8::5','2001:0db8:0000:0000:0000:0000:0000:0005','::ffff:1.2.3.4','::1.2.3.4','1:2:3:4:5:6:1.2.3.4','fe80::1%eth0','1:0:0:1:0:0:0:1','1:0:0:1:0:0:1:1','[2001:db8::7]', 'abc', '1.2.3.4/8']) console.log(x, '->', canonicalIp(x));
console.log(parseNet('10.1.2.3/255.0.0.0'), parseNet('2001:db8::/32'), netContains(parseNet('127.0.0.1/8')!, parseIp('127.9.9.9')!), netContains(parseNet('2001:db8::/32')!, parseIp('2001:db8:ffff::1')!), netContains(parseNet('0.0.0.0/0')!, parseIp('8.8.8.8')!));
});
