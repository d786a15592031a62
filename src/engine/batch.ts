// A host's changes carried out in one exec: the writes (their bytes one after the other on
// stdin), the checks and the commands of consecutive tasks, in plan order, stopping at the
// first that fails. Pure: the script, the stdin and the parsing of what came back; the queue
// itself lives in HostSession.
import type { RunChange, WriteChange } from './change.js';
import { B64_FN, CAPTURE_FN, WRITE_EXIT, writeScript } from './remote-files.js';
import { BOUNDED_FN } from './host-scripts.js';
import { quote } from '../shell.js';
import { envExports } from './environment.js';

/** A step of the batch; `timeoutMs` bounds it on the host (--task-timeout). */
export type BatchStep =
  | { kind: 'write'; change: WriteChange; realPath: string; prefix: string; commit?: string; timeoutMs?: number }
  | { kind: 'run'; change: RunChange; prefix: string; timeoutMs?: number };

/** coreutils `timeout` exits 124 when its limit ended the command. */
const TIMED_OUT = 124;

/** Slack on top of the steps' own bounds for the exec as a whole (its script's own work, the transport). */
const EXEC_SLACK_MS = 5_000;

export type StepOutcome =
  /** It ran: exit code (null when the host reported none) and its output; `timedOutMs` when its bound ended it. */
  | { ran: true; code: number | null; signal?: string | null; stdout: string; stderr: string; timedOutMs?: number }
  /** It never ran (an earlier step failed), or nobody knows (`maybe`: the exec was cut). */
  | { ran: false; why: string; maybe?: boolean };

const okCodes = (c: WriteChange | RunChange) => [0, ...(c.kind === 'run' ? c.okCodes ?? [] : [])];

/** How long the exec carrying these steps may take: each step's bound, plus slack. */
export function batchTimeoutMs(steps: readonly BatchStep[]): number | undefined {
  const bounds = steps.map((s) => s.timeoutMs).filter((t): t is number => t !== undefined);
  return bounds.length ? bounds.reduce((a, b) => a + b + 2_000, EXEC_SLACK_MS) : undefined;
}

/**
 * A step's script run on its own (`sh -c`: its `exit` or `set -e` stays inside), bounded by the
 * host's `timeout` when the step has a limit: a hung step ends in its own time, not the batch's.
 */
function stepLine(body: string, timeoutMs: number | undefined): string {
  if (timeoutMs === undefined) return `(\n${body}\n)`;
  return `bounded ${Math.max(1, Math.ceil(timeoutMs / 1000))} sh -c ${quote(body)}`;
}

/**
 * The script: each step on its own, stdout and stderr captured apart and sent back
 * base64-encoded with the exit code on one `@@s` line; a command's stdin is its own bytes or
 * /dev/null, never the stream that carries the next write.
 */
export function batchScript(steps: readonly BatchStep[]): { script: string; stdin: Buffer } {
  const lines = [B64_FN, BOUNDED_FN, 'd=$(mktemp -d) || exit 1', `trap 'rm -rf "$d"' EXIT`, CAPTURE_FN];
  const input: Buffer[] = [];
  steps.forEach((s, i) => {
    const next = `captured '@@s ${i}'; case ' ${okCodes(s.change).join(' ')} ' in *" $c "*) ;; *) exit 0 ;; esac`;
    if (s.kind === 'write') {
      input.push(s.change.content);
      lines.push(`${stepLine(writeScript(s.change, s.realPath, s.prefix, s.commit), s.timeoutMs)} >"$d/o" 2>"$d/e"; ${next}`);
      return;
    }
    let from = '</dev/null';
    if (s.change.stdin !== undefined) {
      const bytes = Buffer.from(s.change.stdin);
      input.push(bytes);
      lines.push(`head -c ${bytes.length} >"$d/i"`);
      from = '<"$d/i"';
    }
    lines.push(`${stepLine(`${s.prefix}${envExports(s.change.env)}${s.change.command}`, s.timeoutMs)} ${from} >"$d/o" 2>"$d/e"; ${next}`);
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
      const timedOut = s.timeoutMs !== undefined && r.code === TIMED_OUT ? { timedOutMs: s.timeoutMs } : {};
      return { ran: true, ...r, ...timedOut };
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
  if (r.timedOutMs !== undefined) {
    const what = c.kind === 'write' ? `writing ${c.path} (or its validation)` : 'the command';
    return `${what} timed out after ${r.timedOutMs / 1000} s (--task-timeout) and was ended on the host${why ? `: ${why.split('\n').slice(-2).join(' / ')}` : ''}`;
  }
  if (c.kind === 'write') {
    const path = c.path;
    if (r.code === WRITE_EXIT.validateFailed) return `validation of ${path} failed, file left unchanged: ${why}`;
    if (r.code === WRITE_EXIT.incomplete) return `content of ${path} arrived incomplete, file left unchanged`;
    return `writing ${path} failed: ${why || `exit ${r.code}`}`;
  }
  return `non-zero return code ${r.code ?? `(signal ${r.signal})`}${why ? `: ${why.split('\n').slice(-3).join(' / ')}` : ''}`;
}
