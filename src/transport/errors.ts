// Transport failures as data: where a connection broke (phase, hop, path) and exec timeouts.

import { RemedyError } from '../errors.js';
import type { ConnectPhase } from './connection.js';

/** A host could not be reached over one path; `hop` names the endpoint that failed. */
export class ConnectError extends RemedyError {
  override name = 'ConnectError';
  constructor(
    readonly phase: ConnectPhase,
    /** Alias of the endpoint (jump host or target) where it failed. */
    readonly hop: string,
    /** Label of the PathSpec being tried. */
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

/** A command ran past its timeoutMs; its channel or process was closed. Output so far is kept. */
export class ExecTimeoutError extends RemedyError {
  override name = 'ExecTimeoutError';
  constructor(
    readonly timeoutMs: number,
    readonly stdout: Buffer,
    readonly stderr: Buffer,
  ) {
    super(`command timed out after ${timeoutMs} ms`);
  }
}

/** The connection broke (or was closed) while running or before running a command. */
export class ConnectionLostError extends RemedyError {
  override name = 'ConnectionLostError';
}
