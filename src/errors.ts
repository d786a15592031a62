// Errors are data. Every failure a user can cause has a type here, and `exitCodeFor` is the one
// place that turns them into process exit codes (the CLI entry is its only caller).

/** A position in a user's file, 1-based like editors show it. */
export interface SourcePos {
  file: string;
  line: number;
  col: number;
}

export function formatPos(pos: SourcePos): string {
  return `${pos.file}:${pos.line}:${pos.col}`;
}

export class RemedyError extends Error {
  override name = 'RemedyError';
}

/** Bad playbook or inventory: syntax, schema, unknown module, bad template. Exit 4. */
export class ValidationError extends RemedyError {
  override name = 'ValidationError';
  constructor(
    readonly pos: SourcePos | undefined,
    readonly detail: string,
  ) {
    super(pos ? `${formatPos(pos)}: ${detail}` : detail);
  }
}

/** Several validation errors found in one pass, reported together. Exit 4. */
export class ValidationErrors extends RemedyError {
  override name = 'ValidationErrors';
  constructor(readonly errors: ValidationError[]) {
    super(errors.map((e) => e.message).join('\n'));
  }
}

/** Bad command line: unknown flag, missing file, malformed -e. Exit 5. */
export class UsageError extends RemedyError {
  override name = 'UsageError';
}

export const EXIT = {
  ok: 0,
  unexpected: 1,
  failed: 2,
  unreachable: 3,
  invalid: 4,
  usage: 5,
  /** `plan --detailed-exitcode`: changes pending (Terraform's convention). */
  changesPending: 2,
  interrupted: 130,
} as const;

/**
 * Exit code of a finished run: 0 all hosts ok; 2 a host failed; 3 a host unreachable and none
 * failed. `plan --detailed-exitcode` follows Terraform: 0 nothing to change, 2 changes pending,
 * 1 any error.
 */
export function exitCodeForRun(outcome: 'ok' | 'failed' | 'unreachable', changes: boolean, detailed: boolean, interrupted = false): number {
  if (interrupted) return EXIT.interrupted;
  if (detailed) return outcome !== 'ok' ? EXIT.unexpected : changes ? EXIT.changesPending : EXIT.ok;
  return outcome === 'failed' ? EXIT.failed : outcome === 'unreachable' ? EXIT.unreachable : EXIT.ok;
}

/**
 * `remedy report merge`: the exit code one run over every shard's hosts would have had; 1 when
 * the shards do not add up to one run (a shard missing or twice, a host in two shards), because
 * then nobody knows how the missing part went.
 */
export function exitCodeForMerge(outcome: 'ok' | 'failed' | 'unreachable', changes: boolean, detailed: boolean, interrupted: boolean, incomplete: boolean): number {
  return incomplete ? EXIT.unexpected : exitCodeForRun(outcome, changes, detailed, interrupted);
}

/** `remedy diagnose`: 3 a host was unreachable on every path; 2 a failing host nothing explains; else 0. */
export function exitCodeForDiagnosis(unreachable: boolean, unexplained: boolean): number {
  return unreachable ? EXIT.unreachable : unexplained ? EXIT.failed : EXIT.ok;
}

export function exitCodeFor(err: unknown): number {
  if (err instanceof ValidationError || err instanceof ValidationErrors) return EXIT.invalid;
  if (err instanceof UsageError) return EXIT.usage;
  return EXIT.unexpected;
}
