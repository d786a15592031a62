// A host's changes carried out in one exec: the writes (their bytes one after the other on
// stdin), the checks and the commands of consecutive tasks, in plan order, stopping at the
// first that fails. Pure: the script, the stdin and the parsing of what came back; the queue
// itself lives in HostSession.
import type { RunChange, WriteChange } from './change.js';
import { B64_FN, CAPTURE_FN, WRITE_EXIT, writeScript } from './remote-files.js';

export type BatchStep =
  | { kind: 'write'; change: WriteChange; realPath: string; prefix: string }
  | { kind: 'run'; change: RunChange; prefix: string };

export type StepOutcome =
  /** It ran: exit code (null when the host reported none) and its output. */
  | { ran: true; code: number | null; signal?: string | null; stdout: string; stderr: string }
  /** It never ran (an earlier step failed), or nobody knows (`maybe`: the exec was cut). */
  | { ran: false; why: string; maybe?: boolean };

const okCodes = (c: WriteChange | RunChange) => [0, ...(c.kind === 'run' ? c.okCodes ?? [] : [])];

/**
 * The script: each step in a subshell (its `exit` or `set -e` stays inside), stdout and stderr
 * captured apart and sent back base64-encoded with the exit code on one `@@s` line; a command's
 * stdin is its own bytes or /dev/null, never the stream that carries the next write.
 */
export function batchScript(steps: readonly BatchStep[]): { script: string; stdin: Buffer } {
  const lines = [B64_FN, 'd=$(mktemp -d) || exit 1', `trap 'rm -rf "$d"' EXIT`, CAPTURE_FN];
  const input: Buffer[] = [];
  steps.forEach((s, i) => {
    const next = `captured '@@s ${i}'; case ' ${okCodes(s.change).join(' ')} ' in *" $c "*) ;; *) exit 0 ;; esac`;
    if (s.kind === 'write') {
      input.push(s.change.content);
      lines.push(`(\n${writeScript(s.change, s.realPath, s.prefix)}) >"$d/o" 2>"$d/e"; ${next}`);
      return;
    }
    let from = '</dev/null';
    if (s.change.stdin !== undefined) {
      const bytes = Buffer.from(s.change.stdin);
      input.push(bytes);
      lines.push(`head -c ${bytes.length} >"$d/i"`);
      from = '<"$d/i"';
    }
    lines.push(`(\n${s.prefix}${s.change.command}\n) ${from} >"$d/o" 2>"$d/e"; ${next}`);
  });
  return { script: lines.join('\n') + '\n', stdin: Buffer.concat(input) };
}

/**
 * What each step did, from the exec's output. Steps after a failed one did not run; when the
 * output stops without a failure, the exec itself was cut (`cut` says how) and so were they.
 */
export function parseBatchOutput(steps: readonly BatchStep[], out: string, cut: string): StepOutcome[] {
  const got = new Map<number, { code: number; stdout: string; stderr: string }>();
  const b64 = (v: string | undefined) => Buffer.from(v ?? '', 'base64').toString('utf8');
  for (const line of out.split('\n')) {
    const f = line.split(' ');
    if (f[0] !== '@@s' || f.length < 3) continue;
    const i = Number(f[1]);
    if (Number.isInteger(i) && i >= 0 && i < steps.length) got.set(i, { code: Number(f[2]), stdout: b64(f[3]), stderr: b64(f[4]) });
  }
  let failed: number | undefined;
  return steps.map((s, i) => {
    const r = got.get(i);
    if (r && failed === undefined) {
      if (!okCodes(s.change).includes(r.code)) failed = i;
      return { ran: true, ...r };
    }
    if (failed !== undefined) return { ran: false, why: `not run: step ${failed + 1} of this host's batch failed before it` };
    return { ran: false, why: cut, maybe: true };
  });
}

/** The error a step's outcome means, or undefined when it succeeded. */
export function stepError(c: WriteChange | RunChange, r: StepOutcome): string | undefined {
  if (!r.ran) return r.why;
  if (okCodes(c).includes(r.code ?? -1)) return undefined;
  const why = r.stderr.trim();
  if (c.kind === 'write') {
    const path = c.path;
    if (r.code === WRITE_EXIT.validateFailed) return `validation of ${path} failed, file left unchanged: ${why}`;
    if (r.code === WRITE_EXIT.incomplete) return `content of ${path} arrived incomplete, file left unchanged`;
    return `writing ${path} failed: ${why || `exit ${r.code}`}`;
  }
  return `non-zero return code ${r.code ?? `(signal ${r.signal})`}${why ? `: ${why.split('\n').slice(-3).join(' / ')}` : ''}`;
}
