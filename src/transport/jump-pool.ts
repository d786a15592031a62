// One authenticated connection per distinct jump chain, shared by every target behind it, as
// OpenSSH's ControlMaster does on the jump host: each target rides a direct-tcpip channel of it.
// Without it, --forks 50 behind one bastion is 50 unauthenticated connections at once, and the
// bastion's default MaxStartups 10:30:100 drops them: the lockout remedy exists to fix.
//
// - opened once: concurrent first users await the same opening (no thundering herd);
// - reconnected once when it died: the first user to find it dead (or whose channel open fails
//   on a dead one) opens the next, the others waiting share it;
// - refcounted: when its last user is done it stays open for `idleMs` (like ControlPersist), so
//   the next play of the run reuses it; the run closes the pool at its end.
// The hop host keys are checked when the chain opens (ssh.ts opens it); target keys per target.
import { createHash } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { Endpoint } from './connection.js';

/** An open chain of jump hosts, from this machine to the last jump. */
export interface SharedChain {
  /** False once any hop's connection has closed. */
  readonly alive: boolean;
  /** A direct-tcpip channel from the last jump host to host:port (rejects when it cannot). */
  forwardOut(host: string, port: number): Promise<Duplex>;
  close(): Promise<void>;
}

/** What the run reports per chain: the logins it cost the jump hosts. */
export interface JumpChainStats {
  /** "user@host:port > user@host:port", hop 1 first. */
  chain: string;
  /** Times the chain was opened (1, or more after reconnects). */
  logins: number;
  /** Targets that rode it over the run (one per connect). */
  channels: number;
}

interface Entry {
  key: string;
  label: string;
  users: number;
  logins: number;
  channels: number;
  /** The opening in progress or done; undefined before the first and after a failure. */
  opening: Promise<SharedChain> | undefined;
  /** The chain `opening` resolved to. */
  chain: SharedChain | undefined;
  idle: NodeJS.Timeout | undefined;
}

/** Default time a chain with no users stays open (OpenSSH's ControlPersist, in effect). */
export const JUMP_IDLE_MS = 15_000;

/**
 * The pool's key: two chains share a connection only if every hop is the same user@host:port
 * with the same identities and password, from the same bind address, checked and authenticated
 * with the same settings. The password enters as a hash; the key stays in memory.
 */
export function chainKey(via: readonly Endpoint[], bindAddress: string | undefined, settings: Record<string, unknown>): string {
  const hops = via.map((ep) => ({
    at: `${ep.user}@${ep.host}:${ep.port}`,
    alias: ep.alias,
    ids: ep.identityFiles,
    pw: ep.password === undefined ? null : createHash('sha256').update(ep.password).digest('hex'),
    proxy: ep.proxyCommand ?? null,
  }));
  return JSON.stringify({ hops, bind: bindAddress ?? null, settings });
}

export function chainLabel(via: readonly Endpoint[]): string {
  return via.map((ep) => `${ep.user}@${ep.host}:${ep.port}`).join(' > ');
}

/** One target's use of a chain: channels through it, then release. */
export class JumpLease {
  private released = false;
  constructor(
    private readonly pool: JumpPool,
    private readonly entry: Entry,
    private readonly open: () => Promise<SharedChain>,
  ) {}

  /**
   * A channel to host:port through the shared chain. A channel open that fails because the
   * chain died triggers one reconnect (shared with the other users) and one more try; a
   * refusal by a live jump host (AllowTcpForwarding, an unreachable target) is passed on.
   */
  async forward(host: string, port: number): Promise<Duplex> {
    const chain = await this.pool.chainOf(this.entry, this.open);
    this.entry.channels++;
    try {
      return await chain.forwardOut(host, port);
    } catch (err) {
      if (chain.alive) throw err;
      const fresh = await this.pool.reopen(this.entry, chain, this.open);
      return fresh.forwardOut(host, port);
    }
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.pool.release(this.entry);
  }
}

export class JumpPool {
  private readonly entries = new Map<string, Entry>();
  /** Counts of chains closed for idleness, by key: opened again later, they add up. */
  private readonly retired = new Map<string, JumpChainStats>();

  constructor(private readonly idleMs = JUMP_IDLE_MS) {}

  /** Join the chain `key` names, opening it with `open` if nobody has; throws what `open` throws. */
  async lease(key: string, label: string, open: () => Promise<SharedChain>): Promise<JumpLease> {
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { key, label, users: 0, logins: 0, channels: 0, opening: undefined, chain: undefined, idle: undefined };
      this.entries.set(key, entry);
    }
    entry.users++;
    if (entry.idle) clearTimeout(entry.idle);
    entry.idle = undefined;
    try {
      await this.chainOf(entry, open);
    } catch (err) {
      this.release(entry);
      throw err;
    }
    return new JumpLease(this, entry, open);
  }

  /** The entry's live chain: the one open, the opening under way, or a new one. */
  chainOf(entry: Entry, open: () => Promise<SharedChain>): Promise<SharedChain> {
    if (entry.chain && !entry.chain.alive) return this.reopen(entry, entry.chain, open);
    return entry.opening ?? this.start(entry, open);
  }

  /** Replace `dead` with a new chain, unless another user already has. */
  reopen(entry: Entry, dead: SharedChain, open: () => Promise<SharedChain>): Promise<SharedChain> {
    if (entry.chain !== dead) return this.chainOf(entry, open);
    entry.chain = undefined;
    void dead.close().catch(() => undefined);
    return this.start(entry, open);
  }

  private start(entry: Entry, open: () => Promise<SharedChain>): Promise<SharedChain> {
    const opening = open().then((chain) => {
      entry.logins++;
      if (entry.opening === opening) entry.chain = chain;
      return chain;
    });
    entry.opening = opening;
    // A failed opening is forgotten, so the next user (a retry) opens afresh.
    opening.catch(() => {
      if (entry.opening === opening) entry.opening = undefined;
    });
    return opening;
  }

  release(entry: Entry): void {
    entry.users--;
    if (entry.users > 0) return;
    entry.idle = setTimeout(() => void this.retire(entry), this.idleMs);
    entry.idle.unref();
  }

  /** Close an unused chain and forget it. */
  private async retire(entry: Entry): Promise<void> {
    if (entry.users > 0 || this.entries.get(entry.key) !== entry) return;
    this.entries.delete(entry.key);
    this.retired.set(entry.key, addStats(this.retired.get(entry.key), statsOf(entry)));
    const chain = await entry.opening?.catch(() => undefined);
    await chain?.close().catch(() => undefined);
  }

  /** Every chain of the run that logged in, in the order they were first used. */
  stats(): JumpChainStats[] {
    const out = new Map(this.retired);
    for (const e of this.entries.values()) out.set(e.key, addStats(out.get(e.key), statsOf(e)));
    return [...out.values()].filter((s) => s.logins > 0);
  }

  /** The run is over: close every chain, used or not. */
  async close(): Promise<void> {
    const entries = [...this.entries.values()];
    for (const e of entries) {
      if (e.idle) clearTimeout(e.idle);
      e.users = 0;
    }
    await Promise.all(entries.map((e) => this.retire(e)));
  }
}

function statsOf(e: Entry): JumpChainStats {
  return { chain: e.label, logins: e.logins, channels: e.channels };
}

function addStats(a: JumpChainStats | undefined, b: JumpChainStats): JumpChainStats {
  return a ? { chain: a.chain, logins: a.logins + b.logins, channels: a.channels + b.channels } : b;
}
