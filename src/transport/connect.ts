// Reach a host over the first path that works, recording why each earlier path failed. An
// unreachable host is a normal outcome here (the fix runs over another path), so it is data,
// never an exception.

import type { ConnectPhase, Endpoint, PathSpec } from './connection.js';
import { ConnectError } from './errors.js';
import { backoffDelay, DEFAULT_REACH_BUDGET_MS, IMMEDIATE_CLOSE_MS, isStartupDrop } from './backoff.js';
import { SshConnection, type HostKeyChecking, type SshConnectOptions } from './ssh.js';

export interface ConnectAttempt {
  /** PathSpec label. */
  path: string;
  phase: ConnectPhase;
  /** Alias of the endpoint where it failed (a jump host or the target). */
  hop: string;
  message: string;
  ms: number;
  /** The backoff wait before the next attempt on the same path, when there was one. */
  waitMs?: number;
}

export interface ConnectFirstOptions extends SshConnectOptions {
  /** Shorthand for hostKeyMode. */
  hostKeyChecking?: HostKeyChecking;
  /** `-T`: bounds each hop's TCP connect (connectTimeoutMs) and its SSH handshake
   *  (readyTimeoutMs: banner, key exchange, authentication) unless those are given. */
  timeoutMs?: number;
  /** Shorthand for userKnownHostsFiles (remedy_known_hosts / UserKnownHostsFile). */
  knownHostsFiles?: string[];
  /** Most retries of a path whose connection was closed at once before the banner (default:
   *  as many as fit in reachBudgetMs). */
  immediateCloseRetries?: number;
  /** `--reach-timeout`: how long a path's retries after immediate drops may take in all, from
   *  its first attempt (default 30 s); then the next path. */
  reachBudgetMs?: number;
  /** Injected for tests: the jitter source and the wait. */
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  /** Injected for tests; defaults to SshConnection.connect. */
  connect?: (target: Endpoint, path: PathSpec, opts: SshConnectOptions) => Promise<SshConnection>;
}

export type ConnectFirstResult =
  | { ok: true; conn: SshConnection; path: PathSpec; attempts: ConnectAttempt[]; ms: number }
  | { ok: false; attempts: ConnectAttempt[] };

/** A pre-banner close faster than this is MaxStartups' random drop, not libwrap's delayed reset. */

/** Normalise the shorthands into SshConnectOptions. */
export function sshOptionsFrom(opts: ConnectFirstOptions): SshConnectOptions {
  const { hostKeyChecking, timeoutMs, knownHostsFiles, immediateCloseRetries: _r, reachBudgetMs: _b, random: _j, sleep: _s, now: _n, connect: _c, ...rest } = opts;
  const out: SshConnectOptions = { ...rest };
  if (hostKeyChecking !== undefined && out.hostKeyMode === undefined) out.hostKeyMode = hostKeyChecking;
  if (timeoutMs !== undefined && out.connectTimeoutMs === undefined) out.connectTimeoutMs = timeoutMs;
  // A host that accepts the TCP connection and then says nothing (a frozen sshd, a full
  // backlog) is bounded by -T too, not by ssh2's 20 s default. libwrap's refusal comes ~5 s
  // after the connect: with the default -T 20 it is still seen as a reset before the banner.
  if (timeoutMs !== undefined && out.readyTimeoutMs === undefined) out.readyTimeoutMs = timeoutMs;
  if (knownHostsFiles?.length && out.userKnownHostsFiles === undefined) out.userKnownHostsFiles = knownHostsFiles;
  return out;
}

/**
 * Try `paths` in order and return the first connection that authenticates. `attempts` lists
 * the failed paths before it (all of them when none worked). Only programming errors throw.
 */
export async function connectFirstWorking(
  target: Endpoint,
  paths: readonly PathSpec[],
  opts: ConnectFirstOptions = {},
): Promise<ConnectFirstResult> {
  const connect = opts.connect ?? ((t, p, o) => SshConnection.connect(t, p, o));
  const sshOpts = sshOptionsFrom(opts);
  const attempts: ConnectAttempt[] = [];
  const retries = opts.immediateCloseRetries ?? Infinity;
  const budget = opts.reachBudgetMs ?? DEFAULT_REACH_BUDGET_MS;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const now = opts.now ?? Date.now;
  for (const path of paths) {
    const pathStarted = now();
    for (let attempt = 0; ; attempt++) {
      const started = now();
      try {
        const conn = await connect(target, path, sshOpts);
        return { ok: true, conn, path, attempts, ms: now() - started };
      } catch (err) {
        if (!(err instanceof ConnectError)) throw err;
        const ms = now() - started;
        attempts.push({ path: path.label, phase: err.phase, hop: err.hop, message: err.message, ms });
        // A start-up drop is random: the same path often gets through on a retry. A reset after
        // libwrap's ~5 s delay is deterministic and not retried.
        if (!isStartupDrop(err) || ms > IMMEDIATE_CLOSE_MS || attempt >= retries) break;
        const wait = backoffDelay(attempt, opts.random);
        if (now() - pathStarted + wait > budget) break;
        attempts[attempts.length - 1]!.waitMs = wait;
        await sleep(wait);
      }
    }
  }
  return { ok: false, attempts };
}
