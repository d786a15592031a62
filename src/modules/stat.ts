// `stat`: read-only, registers what ansible.builtin.stat returns, for the fields remedy knows
// from its own read of the path (kind, mode, owner, size, content). No atime/mtime/inode,
// mimetype or attributes: those are not read. A file larger than remedy fetches gets its
// checksum from the host's coreutils (`sha1sum` and kin) as a read-only probe.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { absPath, boolArg } from './arg-types.js';
import type { FileState } from '../engine/change.js';
import type { ModuleDef, PlanContext } from './module.js';
import { quote } from '../shell.js';

const ALGORITHMS = ['md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512'] as const;
type Algorithm = (typeof ALGORITHMS)[number];

const args = z.strictObject({
  path: absPath,
  follow: boolArg.default(false),
  get_checksum: boolArg.default(true),
  checksum_algorithm: z.enum(ALGORITHMS).default('sha1'),
  // Accepted as Ansible does; remedy has nothing to add for them (no mimetype, no lsattr).
  get_mime: boolArg.optional(),
  get_attributes: boolArg.optional(),
});
type Args = z.infer<typeof args>;

/** The host's checksum of a file too large to fetch: `<algorithm>sum`, read-only. */
export function checksumProbe(path: string, algorithm: Algorithm): string {
  return `${algorithm}sum -- ${quote(path)}`;
}

const PERMS = [
  ['rusr', 0o400], ['wusr', 0o200], ['xusr', 0o100],
  ['rgrp', 0o040], ['wgrp', 0o020], ['xgrp', 0o010],
  ['roth', 0o004], ['woth', 0o002], ['xoth', 0o001],
  ['isuid', 0o4000], ['isgid', 0o2000],
] as const;

/** A link seen without following it: its own mode (0777 on Linux) and where it resolves. */
function linkStat(path: string, target: string): Record<string, unknown> {
  return { exists: true, path, islnk: true, isreg: false, isdir: false, mode: '0777', lnk_source: target };
}

function statOf(a: Args, st: Exclude<FileState, { kind: 'absent' }>, ctx: PlanContext): Record<string, unknown> | string {
  const bits = parseInt(st.mode, 8);
  const size = st.kind === 'file' ? st.content.length : st.kind === 'large' ? st.size : st.size;
  const out: Record<string, unknown> = {
    exists: true, path: a.path, mode: st.mode,
    isdir: st.kind === 'dir', isreg: st.kind === 'file' || st.kind === 'large', islnk: false,
    uid: st.uid, gid: st.gid, pw_name: st.owner, gr_name: st.group,
  };
  if (size !== undefined) out.size = size;
  for (const [name, bit] of PERMS) out[name] = (bits & bit) !== 0;
  if (!a.get_checksum || !out.isreg) return out;
  if (st.kind === 'file') out.checksum = createHash(a.checksum_algorithm).update(st.content).digest('hex');
  else {
    const r = ctx.probe(checksumProbe(st.link ?? a.path, a.checksum_algorithm));
    if (r.code !== 0) return `cannot compute the ${a.checksum_algorithm} checksum of ${a.path}: ${r.stderr.trim() || `exit ${r.code}`}`;
    out.checksum = r.stdout.replace(/^\\/, '').split(' ')[0]; // sha1sum marks an escaped name with a leading \
  }
  return out;
}

export const stat: ModuleDef<Args> = {
  name: 'stat',
  aliases: ['ansible.builtin.stat'],
  summary: "register a path's kind, mode, owner, size and checksum (read-only)",
  args,
  argAliases: { dest: 'path', name: 'path', checksum: 'checksum_algorithm', checksum_algo: 'checksum_algorithm' },
  reads: (a) => [a.path],
  probes(a, ctx) {
    const st = ctx.known(a.path);
    if (!a.get_checksum || st?.kind !== 'large' || (st.link !== undefined && !a.follow)) return [];
    return [checksumProbe(st.link ?? a.path, a.checksum_algorithm)];
  },
  plan(a, ctx) {
    const st = ctx.file(a.path);
    let result: Record<string, unknown> | string;
    if (st.kind === 'absent') result = { exists: false };
    else if (st.link !== undefined && !a.follow) result = linkStat(a.path, st.link);
    else result = statOf(a, st, ctx);
    if (typeof result === 'string') return { kind: 'fail', message: result };
    return { kind: 'ok', registered: { changed: false, failed: false, stat: result } };
  },
};
