// The one interface the engine uses to talk to a host, whatever carries it (SSH over a working
// path, or the local machine for `connection: local`).

export interface ExecOptions {
  /** Bytes written to the command's stdin, then stdin is closed. */
  stdin?: string | Buffer;
  /** Abort the command (close its channel) after this many milliseconds. */
  timeoutMs?: number;
}

export interface ExecResult {
  /** Exit status; null when the command died from a signal or the channel closed without one. */
  code: number | null;
  signal: string | null;
  stdout: Buffer;
  stderr: Buffer;
}

/** Where the failure happened when a host could not be reached. */
export type ConnectPhase = 'resolve' | 'connect' | 'banner' | 'kex' | 'hostkey' | 'auth' | 'timeout';

/** A single SSH endpoint (the target or a jump host), fully resolved. */
export interface Endpoint {
  /** Name used for known_hosts and messages (inventory name or ssh alias). */
  alias: string;
  /** Address or DNS name to connect to (ansible_host / HostName). */
  host: string;
  port: number;
  user: string;
  /** Private key files to try, in order (ansible_ssh_private_key_file, IdentityFile). */
  identityFiles: string[];
  /** Password auth (ansible_password); never logged. */
  password?: string;
  /**
   * How this endpoint is reached when it is a path's first jump host: its own ProxyCommand
   * (~/.ssh/config, remedy_proxy_command), as the inner `ssh -W` of `ssh -J` would use it.
   */
  proxyCommand?: string;
}

/** How to reach a host: zero or more jump hops or a ProxyCommand, optionally a source address. */
export interface PathSpec {
  /** Human label, e.g. "direct", "via bastion", "bind 198.18.0.2". */
  label: string;
  via: Endpoint[];
  bindAddress?: string;
  /** OpenSSH ProxyCommand (tokens unexpanded): the target's byte stream instead of TCP (no jump hosts). */
  proxyCommand?: string;
}

/** Why a path cannot be taken as given, or undefined. The one place this rule lives. */
export function pathProblem(path: PathSpec): string | undefined {
  if (path.proxyCommand !== undefined && path.via.length) {
    return 'a path has either a ProxyCommand or jump hosts (via), not both, as in OpenSSH';
  }
  return undefined;
}

/** The ProxyCommand that carries a path's first hop: the path's own, or its first jump host's. */
export function firstHopProxy(path: PathSpec): string | undefined {
  return path.via.length ? path.via[0]!.proxyCommand : path.proxyCommand;
}

export interface Connection {
  /** Run one command through `sh -c` semantics of the remote login shell. */
  exec(command: string, opts?: ExecOptions): Promise<ExecResult>;
  close(): Promise<void>;
  /** Counters for the JSON report (issue 6 measures round trips). */
  readonly stats: { connections: number; execs: number; bytesIn: number; bytesOut: number };
}
