// The two scripts that move file contents: one exec reads the state of many paths at once, one
// exec per file writes it atomically with its bytes on stdin. Paths are quoted; contents never
// pass through a command line.
import { createHash } from 'node:crypto';
import { quote } from '../shell.js';
import type { FileMeta, FileState, WriteChange } from './change.js';

/** Files larger than this are reported as 'large' and not fetched. */
export const MAX_FETCH_BYTES = 4 * 1024 * 1024;

const READ_FN = String.raw`r() { i=$1; p=$2
  if [ ! -e "$p" ]; then printf '@@ %s absent\n' "$i"; return; fi
  s=$(stat -L -c '%a %u %g %U %G %s' -- "$p" 2>/dev/null) || { printf '@@ %s error\n' "$i"; return; }
  t=$(printf %s "$(readlink -f -- "$p")" | base64 | tr -d '\n')
  if [ -d "$p" ]; then k=dir; elif [ -f "$p" ]; then k=file; else k=other; fi
  set -- $s
  if [ "$k" = file ] && [ "$6" -gt ${MAX_FETCH_BYTES} ]; then k=large; fi
  printf '@@ %s %s %s %s %s %s %s %s %s\n' "$i" "$k" "$1" "$2" "$3" "$4" "$5" "$6" "$t"
  if [ "$k" = file ]; then { base64 < "$p" || echo '!'; } | tr -d '\n'; echo; fi
}`;

export function readScript(paths: readonly string[]): string {
  return [READ_FN, ...paths.map((p, i) => `r ${i} ${quote(p)}`)].join('\n') + '\n';
}

export interface ReadResult {
  state: FileState;
  /** The path a write must go to: symlinks resolved, so a link is never replaced by a file. */
  realPath: string;
}

export function parseReadOutput(paths: readonly string[], out: string): ReadResult[] {
  const results: ReadResult[] = paths.map((p) => ({ state: { path: p, kind: 'absent' }, realPath: p }));
  const lines = out.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const f = lines[n]!.split(' ');
    if (f[0] !== '@@') continue;
    const i = Number(f[1]);
    const path = paths[i];
    if (path === undefined) continue;
    const kind = f[2];
    if (kind === 'absent') continue;
    if (kind === 'error' || f.length < 10) throw new Error(`cannot stat ${path} on the host`);
    const meta: FileMeta = { mode: f[3]!.padStart(4, '0'), uid: Number(f[4]), gid: Number(f[5]), owner: f[6]!, group: f[7]! };
    const realPath = Buffer.from(f[9]!, 'base64').toString('utf8') || path;
    let state: FileState;
    if (kind === 'file') {
      const body = lines[++n] ?? '';
      if (body === '!') throw new Error(`cannot read ${path} on the host (permission denied?)`);
      state = { path, kind: 'file', content: Buffer.from(body, 'base64'), ...meta };
    } else if (kind === 'large') state = { path, kind: 'large', size: Number(f[8]), ...meta };
    else state = { path, kind: kind === 'dir' ? 'dir' : 'other', ...meta };
    results[i] = { state, realPath };
  }
  return results;
}

/** Exit codes of the write script that mean something specific. */
export const WRITE_EXIT = { incomplete: 97, validateFailed: 98 } as const;

export function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

/**
 * Write `change.content` (sent on stdin) to `realPath`, after `backup` (the transaction's lines
 * that save the original once per run): temp file in the same directory, checked
 * against its sha256 (a cut connection leaves no half-written file), owner and mode set, the
 * task's validator run on it, then renamed over the target.
 */
export function writeScript(change: WriteChange, realPath: string, backup = ''): string {
  const own = change.owner !== undefined || change.group !== undefined
    ? `chown ${quote(`${change.owner ?? ''}${change.group !== undefined ? `:${change.group}` : ''}`)} "$t"\n`
    : '';
  const validate = change.validate
    ? `( ${change.validate.split('%s').join('"$t"')} ) >&2 || { echo "remedy: validation failed: $?" >&2; exit ${WRITE_EXIT.validateFailed}; }\n`
    : '';
  return `set -e
p=${quote(realPath)}
${backup}t=$(mktemp "$(dirname -- "$p")/.remedy.XXXXXX")
trap 'rm -f "$t"' EXIT
trap 'exit 129' HUP INT TERM PIPE
cat > "$t"
[ "$(sha256sum < "$t" | cut -d' ' -f1)" = ${sha256(change.content)} ] || { echo "remedy: content arrived incomplete; $p left as it was" >&2; exit ${WRITE_EXIT.incomplete}; }
${own}chmod ${change.mode} "$t"
${validate}mv -f "$t" "$p"
trap - EXIT
`;
}

/**
 * Run read-only probe commands in one exec (it can follow a readScript in the same exec: the
 * markers differ): each in its own `sh -c`, stdin closed, stdout and
 * stderr captured apart and sent back base64-encoded with the exit code.
 */
export function probeScript(commands: readonly string[]): string {
  const head = `d=$(mktemp -d) || exit 1
trap 'rm -rf "$d"' EXIT
q() { sh -c "$2" >"$d/o" 2>"$d/e" </dev/null; c=$?; printf '@@p %s %s %s %s\\n' "$1" "$c" "$(base64 <"$d/o" | tr -d '\\n')" "$(base64 <"$d/e" | tr -d '\\n')"; }`;
  return [head, ...commands.map((c, i) => `q ${i} ${quote(c)}`)].join('\n') + '\n';
}

export function parseProbeOutput(commands: readonly string[], out: string): Array<{ code: number | null; stdout: string; stderr: string }> {
  const results = commands.map(() => ({ code: null as number | null, stdout: '', stderr: 'probe produced no result' }));
  for (const line of out.split('\n')) {
    const f = line.split(' ');
    if (f[0] !== '@@p' || f.length < 3) continue;
    const i = Number(f[1]);
    if (!(i in results)) continue;
    const b64 = (s: string | undefined) => Buffer.from(s ?? '', 'base64').toString('utf8');
    results[i] = { code: Number(f[2]), stdout: b64(f[3]), stderr: b64(f[4]) };
  }
  return results;
}
