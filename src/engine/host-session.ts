// One host's side of a run: its connection, privilege escalation, and the file states remedy
// has read or written. Each path is read at most once per run; later tasks (and, under check
// mode, later plans) see the state the earlier tasks left.
import type { Connection, ExecResult } from '../transport/connection.js';
import type { FileState, WriteChange } from './change.js';
import { parseProbeOutput, parseReadOutput, probeScript, readScript, writeScript, WRITE_EXIT, type ReadResult } from './remote-files.js';
import type { ProbeResult } from '../modules/module.js';
import { becomeCommand } from '../transport/become.js';

export interface Become {
  user: string;
  /** Sent on stdin, never in argv. */
  password?: string;
}

export class HostSession {
  private readonly files = new Map<string, ReadResult>();
  private readonly probes = new Map<string, ProbeResult>();

  constructor(readonly conn: Connection) {}

  async exec(command: string, opts: { stdin?: string | Buffer; become?: Become; timeoutMs?: number } = {}): Promise<ExecResult> {
    if (!opts.become) return this.conn.exec(command, { stdin: opts.stdin, timeoutMs: opts.timeoutMs });
    const wrapped = becomeCommand(command, opts.become, opts.stdin);
    return this.conn.exec(wrapped.command, { stdin: wrapped.stdin, timeoutMs: opts.timeoutMs });
  }

  /** Read every path and run every probe not yet known, all in one exec. */
  async ensureKnown(paths: readonly string[], probes: readonly string[], become?: Become): Promise<void> {
    const files = [...new Set(paths)].filter((p) => !this.files.has(p));
    const cmds = [...new Set(probes)].filter((c) => !this.probes.has(c));
    if (files.length === 0 && cmds.length === 0) return;
    const script = (files.length ? readScript(files) : '') + (cmds.length ? probeScript(cmds) : '');
    const res = await this.exec(script, { become });
    if (res.code !== 0) throw new Error(`reading the host's state failed: ${res.stderr.toString().trim() || `exit ${res.code}`}`);
    const out = res.stdout.toString('utf8');
    parseReadOutput(files, out).forEach((r, i) => this.files.set(files[i]!, r));
    parseProbeOutput(cmds, out).forEach((r, i) => this.probes.set(cmds[i]!, r));
  }

  known(path: string): FileState | undefined {
    return this.files.get(path)?.state;
  }

  probed(command: string): ProbeResult | undefined {
    return this.probes.get(command);
  }

  file(path: string): FileState {
    const r = this.files.get(path);
    if (!r) throw new Error(`internal: ${path} was planned without being read`);
    return r.state;
  }

  probe(command: string): ProbeResult {
    const r = this.probes.get(command);
    if (!r) throw new Error(`internal: probe '${command}' was planned without being run`);
    return r;
  }

  /**
   * A command ran on the host: it may have changed any file or any probed state, so later tasks
   * read again instead of planning on stale knowledge.
   */
  forget(): void {
    this.files.clear();
    this.probes.clear();
  }

  /** Write atomically on the host, then remember the new state. */
  async write(change: WriteChange, become?: Become, prefixFor?: (realPath: string) => string): Promise<void> {
    const real = this.files.get(change.path)?.realPath ?? change.path;
    const res = await this.exec(writeScript(change, real, prefixFor?.(real)), { stdin: change.content, become });
    if (res.code !== 0) {
      const why = res.stderr.toString().trim();
      if (res.code === WRITE_EXIT.validateFailed) throw new WriteError(`validation of ${change.path} failed, file left unchanged: ${why}`);
      if (res.code === WRITE_EXIT.incomplete) throw new WriteError(`content of ${change.path} arrived incomplete, file left unchanged`);
      throw new WriteError(`writing ${change.path} failed: ${why || `exit ${res.code}`}`);
    }
    this.remember(change);
  }

  /** Check mode: later tasks plan against the state this write would leave. */
  remember(change: WriteChange): void {
    const prev = this.files.get(change.path);
    const b = change.before;
    const meta = b.kind === 'absent' ? { uid: -1, gid: -1, owner: change.owner ?? '', group: change.group ?? '' }
      : { uid: b.uid, gid: b.gid, owner: b.owner, group: b.group };
    if (change.owner !== undefined) Object.assign(meta, /^\d+$/.test(change.owner) ? { uid: Number(change.owner) } : { owner: change.owner });
    if (change.group !== undefined) Object.assign(meta, /^\d+$/.test(change.group) ? { gid: Number(change.group) } : { group: change.group });
    this.files.set(change.path, {
      realPath: prev?.realPath ?? change.path,
      state: { path: change.path, kind: 'file', content: change.content, mode: change.mode, ...meta },
    });
  }
}

export class WriteError extends Error {
  override name = 'WriteError';
}
