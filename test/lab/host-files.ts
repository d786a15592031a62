// What every lab host's /etc holds that differs from its image, whatever the kind: the sshd
// settings the lab needs, empty tcp_wrappers files, its name; and the overlay-safe mkdir that
// writes them into an upper dir.
import { chmod, chown, mkdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { HostNet } from './netns.js';

// Inserted at the very top of each host's sshd_config: first value wins, and above the Include
// and any Match block these settings hold however a test edits the rest.
export const SSHD_LAB_BLOCK = `# remedy lab: per-host keys, root by key only
PermitRootLogin prohibit-password
AuthorizedKeysFile /etc/ssh/authorized_keys/%u
PasswordAuthentication no
`;

/** Files under /etc (relative paths) every host gets, with their contents. */
export function baselineEtc(net: HostNet): Record<string, string> {
  return {
    hostname: `${net.name}\n`,
    hosts: `127.0.0.1\tlocalhost\n::1\tlocalhost\n${net.ip}\t${net.name}\n`,
    'hosts.allow': '# /etc/hosts.allow: hosts allowed to access the system (remedy lab: no rules)\n',
    'hosts.deny': '# /etc/hosts.deny: hosts not allowed to access the system (remedy lab: no rules)\n',
  };
}

/**
 * mkdir -p of `rel` in an overlay's upper dir, each level with the mode and owner of the lower
 * dir's (the merged dir shows the upper's, so a level made with other attributes would change
 * what the host sees).
 */
export async function mkdirLike(lower: string, upper: string, rel: string): Promise<void> {
  if (rel === '.' || rel === '') return;
  await mkdirLike(lower, upper, dirname(rel));
  const path = join(upper, rel);
  try {
    await mkdir(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return;
    throw err;
  }
  const like = await stat(join(lower, rel)).catch(() => undefined);
  await chmod(path, like ? like.mode & 0o7777 : 0o755);
  if (like) await chown(path, like.uid, like.gid);
}
