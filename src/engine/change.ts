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
  stdin?: string;
  /** Non-zero exit codes that still count as success. */
  okCodes?: number[];
}

export type Change = WriteChange | RunChange;

/** What a module's planner returns for one task on one host. */
export type ModulePlan =
  | { kind: 'skip'; reason: string }
  | { kind: 'fail'; message: string }
  | { kind: 'ok'; message?: string }
  | { kind: 'change'; changes: Change[]; message?: string };

export function describeChange(c: Change): string {
  return c.kind === 'write' ? `write ${c.path}` : `run: ${c.command}`;
}
