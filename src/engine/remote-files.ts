// The scripts that move file contents: one exec reads the state of many paths at once; writes
// are steps of a host's batch (batch.ts), each taking exactly its bytes from stdin. Paths are
// quoted; contents never pass through a command line.
import { createHash } from 'node:crypto';
import { quote } from '../shell.js';
import type { FileMeta, FileState, WriteChange } from './change.js';

/** Files larger than this are reported as 'large' and not fetched. */
export const MAX_FETCH_BYTES = 4 * 1024 * 1024;

/**
 * `b64`: base64 on one line. GNU's -w0 saves a `tr` per call; elsewhere (busybox) the pipe. Every
 * fork counts: on a fleet the hosts' CPU is what a run costs.
 */
export const B64_FN = String.raw`if base64 -w0 </dev/null >/dev/null 2>&1; then b64() { base64 -w0; }; else b64() { base64 | tr -d '
'; }; fi`;

// Two forks per file (stat, base64); readlink only for a symlink, whose target a write must
// replace instead of the link.
const READ_FN = String.raw`${B64_FN}
r() { i=$1; p=$2
  if [ ! -e "$p" ]; then printf '@@ %s absent
' "$i"; return; fi
  s=$(stat -L -c '%a %u %g %U %G %s' -- "$p" 2>/dev/null) || { printf '@@ %s error
' "$i"; return; }
  t=; if [ -L "$p" ]; then t=$(readlink -f -- "$p" && echo x) && t=$(printf %s "${'$'}{t%?x}" | b64); fi
  if [ -d "$p" ]; then k=dir; elif [ -f "$p" ]; then k=file; else k=other; fi
  set -- $s
  if [ "$k" = file ] && [ "$6" -gt ${MAX_FETCH_BYTES} ]; then k=large; fi
  printf '@@ %s %s %s %s %s %s %s %s %s
' "$i" "$k" "$1" "$2" "$3" "$4" "$5" "$6" "$t"
  if [ "$k" = file ]; then { b64 < "$p" || echo '!'; }; echo; fi
}`;

export function readScript(paths: readonly string[]): string {
  return [READ_FN, ...paths.map((p, i) => `r ${i} ${quote(p)}`)].join('\n') + '\n';
}

/**
 * After `q <i>` of a probe that lists paths (each ended by a NUL: a name may hold any other
 * byte, newlines too): read each listed path in the same exec, keyed `L<i>.<n>`. POSIX sh
 * cannot split on NUL, so `od` spells the listing's bytes in octal and printf puts each name
 * back together byte for byte (the `x` keeps a trailing newline from `$(...)`).
 */
function readListedLine(i: number): string {
  return `n=0; e=; for b in $(od -An -v -to1 "$d/o"); do if [ "$b" = 000 ]; then f=$(printf "\${e}x"); r "L${i}.$n" "\${f%x}"; n=$((n+1)); e=; else e="$e\\\\$b"; fi; done`;
}

/** A listing probe's output (see readListedLine) → its paths, in the order listed. */
export function splitListing(stdout: string): string[] {
  return stdout.split('\0').filter((p) => p !== '');
}

export interface ReadResult {
  state: FileState;
  /** The path a write must go to: symlinks resolved, so a link is never replaced by a file. */
  realPath: string;
}

export function parseReadOutput(paths: readonly string[], out: string): ReadResult[] {
  return parseReads(new Map(paths.map((p, i) => [String(i), p])), out, paths.map((p) => ({ state: { path: p, kind: 'absent' }, realPath: p })));
}

/** What a probe's listing read ahead (see probeScript's `listing`): path → its state. */
export function parseListedReads(listing: number, listed: readonly string[], out: string): Map<string, ReadResult> {
  const keys = new Map(listed.map((p, n) => [`L${listing}.${n}`, p]));
  try {
    const results = parseReads(keys, out, listed.map((p) => ({ state: { path: p, kind: 'absent' as const }, realPath: p })));
    return new Map(listed.map((p, n) => [p, results[n]!]));
  } catch {
    return new Map(); // only a read-ahead: the module's own read round reports the problem
  }
}

function parseReads(keys: Map<string, string>, out: string, results: ReadResult[]): ReadResult[] {
  const index = new Map([...keys.keys()].map((k, i) => [k, i]));
  const lines = out.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const f = lines[n]!.split(' ');
    if (f[0] !== '@@') continue;
    const i = index.get(f[1]!);
    const path = i === undefined ? undefined : keys.get(f[1]!);
    if (i === undefined || path === undefined) continue;
    const kind = f[2];
    if (kind === 'absent') continue;
    if (kind === 'error' || f.length < 10) throw new Error(`cannot stat ${path} on the host`);
    const meta: FileMeta = { mode: f[3]!.padStart(4, '0'), uid: Number(f[4]), gid: Number(f[5]), owner: f[6]!, group: f[7]! };
    const link = Buffer.from(f[9]!, 'base64').toString('utf8');
    const realPath = link || path;
    if (link) meta.link = link;
    let state: FileState;
    if (kind === 'file') {
      const body = lines[++n] ?? '';
      if (body === '!') throw new Error(`cannot read ${path} on the host (permission denied?)`);
      state = { path, kind: 'file', content: Buffer.from(body, 'base64'), ...meta };
    } else if (kind === 'large') state = { path, kind: 'large', size: Number(f[8]), ...meta };
    else state = { path, kind: kind === 'dir' ? 'dir' : 'other', ...meta, size: Number(f[8]) };
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
 * Write `change.content` (its bytes next on stdin: exactly that many are taken, so several
 * writes can share one stream) to `realPath`, after `backup` (the transaction's lines that save
 * the original once per run): temp file in the same directory, checked against its sha256 (a
 * cut connection leaves no half-written file), owner and mode set, the task's validator run on
 * it, then renamed over the target — unless `commit` (the transaction's last word: has the
 * guard rolled the host back meanwhile?) says no.
 */
export function writeScript(change: WriteChange, realPath: string, backup = '', commit = ''): string {
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
head -c ${change.content.length} > "$t"
[ "$(sha256sum < "$t" | cut -d' ' -f1)" = ${sha256(change.content)} ] || { echo "remedy: content arrived incomplete; $p left as it was" >&2; exit ${WRITE_EXIT.incomplete}; }
${own}chmod ${change.mode} "$t"
${validate}${commit}mv -f "$t" "$p"
trap - EXIT
`;
}

/**
 * Run read-only probe commands in one exec (it can follow a readScript in the same exec: the
 * markers differ): each in its own `sh -c`, stdin closed, stdout and
 * stderr captured apart and sent back base64-encoded with the exit code.
 */
export function probeScript(commands: readonly string[], listing: (command: string) => boolean = () => false): string {
  // Each probe in a subshell (not a new sh: one exec less) without the script's arguments. A
  // probe's exit code is its answer (`systemctl is-active` of a stopped unit: 3), not the read's.
  const head = `d=$(mktemp -d) || exit 1
trap 'rm -rf "$d"' EXIT
${CAPTURE_FN}
q() { i=$1; c=$2; ( set --; eval "$c" ) >"$d/o" 2>"$d/e" </dev/null; captured "@@p $i" || :; }`;
  const lines = commands.map((c, i) => `q ${i} ${quote(c)}${listing(c) ? `\n${readListedLine(i)}` : ''}`);
  // A listing reads what it lists with readScript's `r` (defining it again after a readScript is harmless).
  const reader = commands.some(listing) ? READ_FN : B64_FN;
  return [reader, head, ...lines].join('\n') + '\n';
}

/**
 * `captured <tag>`: after a command ran with its output in $d/o and $d/e and its exit code in
 * $?, print `<tag> <code> <stdout b64> <stderr b64>` (no base64 for empty output: most is).
 */
export const CAPTURE_FN = String.raw`captured() { c=$?; o=; e=; [ -s "$d/o" ] && o=$(b64 <"$d/o"); [ -s "$d/e" ] && e=$(b64 <"$d/e"); printf '%s %s %s %s
' "$1" "$c" "$o" "$e"; return $c; }`;

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
