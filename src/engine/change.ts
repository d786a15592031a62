// The seam of the whole design: a module never touches a host, it returns Changes. The same
// data is printed by `plan`, executed verbatim by `apply`, and counted in the recap.

/** What remedy knows about a path on a host (one read, then kept current by our own writes). */
export interface FileMeta {
  /** Octal permission bits as a 4-digit string, e.g. '0644'. */
  mode: string;
  uid: number;
  gid: number;
  owner: string;
  group: string;
  /** Bytes as stat reports them (a directory's own size); files know theirs from content or `size`. */
  size?: number;
  /** The path is a symbolic link: where it resolves to (the metadata above is the target's). */
  link?: string;
}
export type FileState =
  | { path: string; kind: 'absent' }
  | ({ path: string; kind: 'dir' | 'other' } & FileMeta)
  | ({ path: string; kind: 'file'; content: Buffer } & FileMeta)
  /** A regular file too large to fetch; its existence and metadata are known, not its bytes. */
  | ({ path: string; kind: 'large'; size: number } & FileMeta);

/** Write a whole file atomically (temp file in the same directory, then rename). */
export interface WriteChange {
  kind: 'write';
  path: string;
  before: FileState;
  content: Buffer;
  /** Octal mode string like '0644'. Kept from `before` unless the task sets it. */
  mode: string;
  /** chown target (name or number); undefined keeps the writer's default for a new file. */
  owner?: string;
  group?: string;
  /** Command run on the temp file before the rename; `%s` is the temp file's path. */
  validate?: string;
}

/** Run one exact command line on the host. */
export interface RunChange {
  kind: 'run';
  /** The exact text handed to the remote shell: already quoted, shown verbatim by `plan`. */
  command: string;
  /** What a registered result's `cmd` is, as in Ansible: command's argv words, shell's string. */
  cmd?: string | string[];
  stdin?: string;
  /** `environment:` of the task, exported just before `command` in its own step (environment.ts). */
  env?: Readonly<Record<string, string>>;
  /** Non-zero exit codes that still count as success. */
  okCodes?: number[];
  /**
   * A check, not a change (`sshd -t`, `sshd -T`): runs under apply, never under plan, and does
   * not make the task 'changed'. Its failure fails the task.
   */
  readOnly?: boolean;
  /** Shell text that reverses this command, when one exists (undo in reverse order). */
  undo?: string;
  /**
   * What this command can cut: 'sshd' (restart/reload/start of sshd: a fresh connection must
   * succeed afterwards) or 'firewall'. Either way the host's rollback timer is armed first.
   */
  risk?: 'sshd' | 'firewall';
  /**
   * What the command changes of what remedy reads: the file paths and probe commands whose
   * knowledge is stale once it ran. Declared by modules that know their command (an unban
   * touches no file); such a command rides in the host's batch of changes. Undeclared (a user's
   * `command`/`shell`): it may change anything, so it runs in an exec of its own and everything
   * known about the host is read again afterwards.
   */
  touches?: { files: readonly string[]; probes: readonly string[] };
  /**
   * Paths the command creates, changes or removes, each a regular file or nothing (never a
   * directory or a link): the transaction backs each up before the command runs, as it does a
   * write's target, so rollback puts it back byte for byte — or removes it if it was not there.
   */
  saves?: readonly string[];
  /** Rollback runs `undo` even without a `risk` (a directory the file module made or removed). */
  undoOnRollback?: boolean;
  /** False: a module's own step (the backup copy before a write), whose rc and output are not the task's result. */
  registers?: false;
}

/**
 * Prove access with a brand-new, non-multiplexed SSH connection from the controller: over the
 * direct path (the client's own vantage point) and/or the working path. Carried out by the
 * engine, which knows how the host is reached.
 */
export interface VerifyChange {
  kind: 'verify';
  over: Array<'direct' | 'working'>;
}

export type Change = WriteChange | RunChange | VerifyChange;

/** What a module's planner returns for one task on one host. */
export type ModulePlan =
  | { kind: 'skip'; reason: string }
  | { kind: 'fail'; message: string; /** Added to what `register:` stores (assert's `assertion`). */ registered?: Record<string, unknown> }
  | {
      kind: 'ok';
      message?: string;
      /** What `register:` stores instead of {changed, failed, msg} (debug's `var`, set_fact's `ansible_facts`). */
      registered?: Record<string, unknown>;
      /** Host variables for the host's later tasks of the run (set_fact), at registered-var precedence. */
      facts?: Record<string, unknown>;
      /** The message is the task's output (debug): the log prints it. */
      show?: boolean;
    }
  | { kind: 'change'; changes: Change[]; message?: string; /** Added to what `register:` stores (`backup_file`). */ registered?: Record<string, unknown> };

/**
 * Whether a change can wait in the host's batch (carried out with the others in one exec): a
 * write, a check, or a command that declares what it touches. A verification cannot: it looks
 * at the host from outside, after everything before it happened.
 */
export function batchable(c: Change): c is WriteChange | RunChange {
  return c.kind === 'write' || (c.kind === 'run' && (c.readOnly === true || c.touches !== undefined));
}

/** Writes and non-read-only commands change a host; checks and verifications do not. */
export function changesHost(c: Change): boolean {
  return c.kind === 'write' || (c.kind === 'run' && !c.readOnly);
}

export function describeChange(c: Change): string {
  if (c.kind === 'write') return `write ${c.path}`;
  if (c.kind === 'run') return `run: ${c.command}`;
  return `verify: new SSH connection over the ${c.over.join(' and ')} path`;
}
