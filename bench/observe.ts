// What the hosts saw, independent of any tool's own account: the logins in each host's sshd log
// during a run, and the final proof that the client's own address gets in again.
import { mapLimit } from '../test/lab/run.js';
import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Lab, LabHost } from '../test/lab/lab.js';

// sshd runs with `-E /var/log/auth.log`, which the host's private log dir holds.
const authLog = (h: LabHost): string => join(h.dir, 'log', 'auth.log');

export type LogOffsets = Map<string, number>;

export async function logOffsets(lab: Lab): Promise<LogOffsets> {
  const sizes = await Promise.all(lab.hosts.map((h) => stat(authLog(h)).then((s) => s.size, () => 0)));
  return new Map(lab.hosts.map((h, i) => [h.name, sizes[i]!]));
}

async function readFrom(path: string, offset: number): Promise<string> {
  const f = await open(path, 'r');
  try {
    const { size } = await f.stat();
    const buf = Buffer.alloc(Math.max(0, size - offset));
    await f.read(buf, 0, buf.length, offset);
    return buf.toString('utf8');
  } finally {
    await f.close();
  }
}

export interface Logins {
  mgmt: number; // over the working path
  client: number; // from the client's own address (verification)
}

const accepted = (text: string, ip?: string): number =>
  text.split('\n').filter((l) => l.startsWith('Accepted ') && (ip === undefined || l.includes(` from ${ip} port `))).length;

/** Successful authentications per host since `offsets`, by source address (`workIp`: the working path's). */
export async function countLogins(lab: Lab, offsets: LogOffsets, workIp = lab.mgmtIp): Promise<Logins[]> {
  return Promise.all(
    lab.hosts.map(async (h) => {
      const text = await readFrom(authLog(h), offsets.get(h.name) ?? 0);
      return { mgmt: accepted(text, workIp), client: accepted(text, lab.clientIp) };
    }),
  );
}

/** Where one host's log ends now (for `loginsSince`). */
export const logOffset = (h: LabHost): Promise<number> => stat(authLog(h)).then((s) => s.size, () => 0);

/** Successful authentications on `h` since `offset`, from anywhere, and connections its MaxStartups dropped. */
export async function loginsSince(h: LabHost, offset: number): Promise<{ logins: number; drops: number }> {
  const text = await readFrom(authLog(h), offset);
  return { logins: accepted(text), drops: text.split('\n').filter((l) => l.includes('past MaxStartups')).length };
}

/** Hosts where a plain `ssh -b <clientIp>` login does NOT get in (100 tried at once). */
export async function unverifiedHosts(lab: Lab): Promise<string[]> {
  const results = await mapLimit(lab.hosts, 100, (h) => lab.sshLogin(h, { from: 'client' }));
  return lab.hosts.flatMap((h, i) => (results[i]!.ok ? [] : [`${h.name}: ${results[i]!.stderr.trim().split('\n').pop() ?? ''}`]));
}
