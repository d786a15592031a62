// A host's control connection for one play: opened on the first exec (a play that only
// verifies from outside never logs in), over the path that worked in an earlier play first,
// and released when the host's play ends. So a run holds at most --forks connections, however
// large the fleet, and a host waiting for the next play costs a few hundred bytes.
import type { Connection, ExecOptions, ExecResult, PathSpec } from '../transport/connection.js';
import { connectFirstWorking, type ConnectFirstOptions } from '../transport/connect.js';
import type { PathAttempt } from './results.js';
import { condenseAttempts, describeRun } from './attempt-summary.js';
import type { Reach } from './reach.js';

/** Every path failed: an outcome of the host (reported as unreachable), not a task failure. */
export class UnreachableError extends Error {
  override name = 'UnreachableError';
  constructor(readonly attempts: PathAttempt[]) {
    super(`unreachable on every path (${condenseAttempts(attempts).map(describeRun).join('; ')})`);
  }
}

const ZERO = { connections: 0, execs: 0, bytesIn: 0, bytesOut: 0 };

export class HostLink implements Connection {
  /** Every connection attempt of this play, failed ones first, the one that worked last. */
  readonly attempts: PathAttempt[] = [];
  private opening: Promise<Connection> | undefined;
  private conn: Connection | undefined;
  private closed = { ...ZERO };
  path: PathSpec | undefined;
  /** Set when no path reached the host. */
  failure: UnreachableError | undefined;

  constructor(
    private readonly reach: Reach,
    /** The path that reached the host in an earlier play of the run: tried first. */
    preferred: PathSpec | undefined,
    private readonly options: ConnectFirstOptions,
    private readonly onConnecting?: () => void,
  ) {
    this.path = preferred;
  }

  /** Paths in the order to try: the one that worked before, then the rest as configured. */
  private order(): PathSpec[] {
    const rest = this.reach.paths.filter((p) => p.label !== this.path?.label);
    return this.path ? [this.path, ...rest] : rest;
  }

  /** The connection, opened once; a failure to reach the host throws UnreachableError. */
  open(): Promise<Connection> {
    this.opening ??= (async () => {
      this.onConnecting?.();
      const res = await connectFirstWorking(this.reach.target, this.order(), this.options);
      for (const a of res.attempts) this.attempts.push({ path: a.path, ok: false, phase: a.phase, message: a.message, ms: a.ms, ...(a.waitMs ? { waitMs: a.waitMs } : {}) });
      if (!res.ok) throw (this.failure = new UnreachableError(this.attempts));
      this.failure = undefined;
      this.attempts.push({ path: res.path.label, ok: true, ms: res.ms });
      [this.conn, this.path] = [res.conn, res.path];
      return res.conn;
    })();
    // A failed open may be retried by a later call (a rollback after the path came back).
    this.opening.catch(() => (this.opening = undefined));
    return this.opening;
  }

  get opened(): boolean {
    return this.conn !== undefined;
  }

  async exec(command: string, opts?: ExecOptions): Promise<ExecResult> {
    return (await this.open()).exec(command, opts);
  }

  get stats(): Connection['stats'] {
    const s = this.conn?.stats ?? ZERO;
    return {
      connections: this.closed.connections + s.connections,
      execs: this.closed.execs + s.execs,
      bytesIn: this.closed.bytesIn + s.bytesIn,
      bytesOut: this.closed.bytesOut + s.bytesOut,
    };
  }

  /** Release the connection (the host's play is over); counters are kept for the report. */
  async close(): Promise<void> {
    const c = this.conn;
    if (!c) return;
    this.closed = this.stats;
    [this.conn, this.opening] = [undefined, undefined];
    await c.close().catch(() => undefined);
  }
}
