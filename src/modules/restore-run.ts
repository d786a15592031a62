// `restore_run`: put back the files a past run changed on this host, from the backups it left in
// /var/lib/remedy/runs/<run-id>/<inventory name>/ (content, mode, owner; files the run created
// are removed), and restart sshd when its configuration comes back. Planned like any module, so
// `remedy rollback --check` shows the exact diffs first, and a second rollback changes nothing.
import { z } from 'zod';
import { str } from './arg-types.js';
import { quote, quoteArgv } from '../shell.js';
import type { Change } from '../engine/change.js';
import { RUN_ID, runDir } from '../engine/run-dir.js';
import { planWrite } from './file-attrs.js';
import type { KnowContext, ModuleDef } from './module.js';
import { sshdCheckedCommand, sshdServiceOf } from './sshd-restart.js';

const args = z.strictObject({
  run_id: str(z.string().regex(RUN_ID, 'expected a run id like 20261121T154012-a1b2c3')),
});
type Args = z.infer<typeof args>;

interface Entry {
  key: string;
  path: string;
  absent: boolean;
  mode: string;
  uid: number;
  gid: number;
}

interface Backups {
  /** Where they are on the host. */
  dir: string;
  entries: Entry[];
}

/**
 * `d=` the run's directory for this inventory name; a run from before directories were kept
 * per name has its backups in the run's directory itself.
 */
function where(a: Args, vars: Record<string, unknown>): string {
  return `d=${quote(runDir(a.run_id, String(vars.inventory_hostname)))}; [ -d "$d" ] || d=${quote(runDir(a.run_id))}`;
}

/**
 * Lists the run's backups: the directory, then key, path and recorded mode/owner (or `absent`)
 * of each, every field ended by a NUL (a path may hold any other byte, a newline or a tab too);
 * `cat` keeps the path's bytes whole.
 */
function listing(a: Args, vars: Record<string, unknown>): string {
  return `${where(a, vars)}
[ -d "$d" ] || { echo 'no-run'; exit 0; }
printf '%s\\0' "$d"
for pf in "$d"/*.path; do [ -e "$pf" ] || continue; k=\${pf%.path}
  printf '%s\\0' "\${k##*/}"; cat -- "$pf"; printf '\\0'; cat -- "$k.meta"; printf '\\0'; done`;
}

/**
 * The run's recorded firewall undo (undo.sh, newest command first) when it has not been
 * replayed yet (rollback.sh, the guard and this module mark it `undo.done`): empty otherwise.
 */
function pendingUndo(a: Args, vars: Record<string, unknown>): string {
  return `${where(a, vars)}; [ -f "$d/undo.sh" ] && [ ! -e "$d/undo.done" ] && cat "$d/undo.sh"; true`;
}

function backups(out: string): Backups | 'no-run' {
  if (out.trim() === 'no-run') return 'no-run';
  const [dir = '', ...fields] = out.split('\0');
  const entries: Entry[] = [];
  for (let i = 0; i + 2 < fields.length; i += 3) {
    const [key = '', path = '', meta = ''] = fields.slice(i, i + 3);
    const [mode = '644', uid = '0', gid = '0'] = meta.trim().split(' ');
    entries.push({ key, path, absent: meta.trim() === 'absent', mode: mode.padStart(4, '0'), uid: Number(uid), gid: Number(gid) });
  }
  return { dir, entries };
}

const known = (a: Args, ctx: KnowContext) => {
  const p = ctx.probed(listing(a, ctx.vars));
  return p ? backups(p.stdout) : undefined;
};

export const restoreRun: ModuleDef<Args> = {
  name: 'restore_run',
  summary: "restore the files a past run changed, from the host's own backups",
  args,
  probes: (a, ctx) => [listing(a, ctx.vars), pendingUndo(a, ctx.vars)],
  reads(a, ctx) {
    const b = known(a, ctx);
    if (!b || b === 'no-run') return [];
    return b.entries.flatMap((e) => (e.absent ? [e.path] : [e.path, `${b.dir}/${e.key}.orig`]));
  },
  plan(a, ctx) {
    const b = backups(ctx.probe(listing(a, ctx.vars)).stdout);
    if (b === 'no-run') return { kind: 'skip', reason: `no backups of run ${a.run_id} on this host` };
    const changes: Change[] = [];
    for (const e of b.entries) {
      const cur = ctx.file(e.path);
      if (e.absent) {
        if (cur.kind !== 'absent') changes.push({ kind: 'run', command: quoteArgv(['rm', '-f', '--', e.path]) });
        continue;
      }
      const orig = ctx.file(`${b.dir}/${e.key}.orig`);
      if (orig.kind !== 'file') return { kind: 'fail', message: `the backup of ${e.path} is missing from ${b.dir}` };
      const write = planWrite(cur.kind === 'file' || cur.kind === 'absent' ? cur : { path: e.path, kind: 'absent' }, orig.content, {
        mode: e.mode, owner: String(e.uid), group: String(e.gid),
      });
      if (write) changes.push(write);
    }
    // The firewall commands the run reversed are reversed back, once: the marker makes a second
    // rollback (or one after the guard or remedy already replayed them) change nothing.
    const undo = ctx.probe(pendingUndo(a, ctx.vars)).stdout.trim();
    if (undo) changes.push({ kind: 'run', command: `${undo}\ntouch ${quote(`${b.dir}/undo.done`)}`, risk: 'firewall' });
    if (changes.some((c) => (c.kind === 'write' ? c.path : c.kind === 'run' ? c.command : '').includes('/etc/ssh/')) && ctx.facts.sshdPath) {
      changes.push({ kind: 'run', command: sshdCheckedCommand(sshdServiceOf(ctx.facts), 'restart')!, risk: 'sshd' });
    }
    if (changes.length === 0) return { kind: 'ok', message: `every file of run ${a.run_id} is as the run found it` };
    return { kind: 'change', changes, message: `restore ${b.entries.length} file(s) of run ${a.run_id}` };
  },
};

