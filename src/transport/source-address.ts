// The address this machine uses as source toward a host on the direct path (no jump, no bind):
// the blocked client's own address when remedy runs where the user does. A connected UDP socket
// asks the kernel's routing table without sending a packet.
import { createSocket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

export async function sourceAddressFor(host: string, port = 22): Promise<string | undefined> {
  try {
    const addr = isIP(host) ? host : (await lookup(host)).address;
    const sock = createSocket(isIP(addr) === 6 ? 'udp6' : 'udp4');
    try {
      await new Promise<void>((resolve, reject) => {
        sock.once('error', reject);
        sock.connect(port, addr, () => resolve());
      });
      return sock.address().address;
    } finally {
      sock.close();
    }
  } catch {
    return undefined;
  }
}
