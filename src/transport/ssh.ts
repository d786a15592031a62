// SSH transport: one authenticated connection to a target, possibly through jump hosts, that
// runs many commands on concurrent channels. node-ssh (over ssh2) carries each hop.
//
// Hop 1 rides a TCP socket we open ourselves, so DNS and TCP failures (and a connect timeout
// shorter than the handshake timeout) are told apart from SSH-level ones; each later hop rides
// a direct-tcpip channel (`forwardOut`) of the previous hop, like `ssh -J`. With a JumpPool
// (a run has one) the jump hops are one shared connection per chain (jump-pool.ts) and each
// target only adds its own login on a channel of it. Every hop's host key is checked against
// known_hosts. Failures become ConnectError with the phase, the hop and the path, so the
// planner can say *where* a host is locked out.

import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { isIPv4, isIPv6, connect as netConnect, type Socket } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { NodeSSH, type Config as NodeSshConfig } from 'node-ssh';
import ssh2 from 'ssh2';
import type {
  AnyAuthMethod,
  AuthenticationType,
  BaseAgent,
  Client,
  ClientChannel,
  NextAuthHandler,
  ParsedKey,
  Prompt,
  ServerHostKeyAlgorithm,
} from 'ssh2';
import type { Connection, ConnectPhase, Endpoint, ExecOptions, ExecResult, PathSpec } from './connection.js';
import { firstHopProxy, pathProblem } from './connection.js';
import { quote } from '../shell.js';
import { ConnectError, ConnectionLostError, ExecTimeoutError } from './errors.js';
import { expandProxyCommand, startProxyCommand, type ProxyProcess } from './proxy-command.js';
import { chainKey, chainLabel, type JumpLease, type JumpPool, type SharedChain } from './jump-pool.js';
import {
  appendKnownHost,
  defaultKnownHostsFiles,
  entryMatchesName,
  fingerprintSha256,
  formatKnownHostsLine,
  keyTypeOfBlob,
  knownHostName,
  knownKeyTypes,
  lookupHostKey,
  type HostKeyMode,
  type KnownHostEntry,
} from './known-hosts.js';
import { knownHostsIndex } from './known-hosts-index.js';

export { ConnectError, ConnectionLostError, ExecTimeoutError } from './errors.js';

/** StrictHostKeyChecking policy (alias of HostKeyMode, for callers that name it so). */
export type HostKeyChecking = HostKeyMode;

export interface SshConnectOptions {
  /** StrictHostKeyChecking: 'strict' (default), 'accept-new' or 'off'. Revoked keys always fail. */
  hostKeyMode?: HostKeyMode;
  /** UserKnownHostsFile list; accept-new writes to the first. Default ~/.ssh/known_hosts{,2}. */
  userKnownHostsFiles?: string[];
  /** GlobalKnownHostsFile list. Default /etc/ssh/ssh_known_hosts{,2}. */
  globalKnownHostsFiles?: string[];
  /** Write accepted host names hashed (HashKnownHosts yes). */
  hashKnownHosts?: boolean;
  /** ssh-agent socket; default $SSH_AUTH_SOCK; null or 'none' disables the agent. */
  agent?: string | null;
  /** IdentitiesOnly: use only the endpoint's identity files, not the agent's other keys. */
  identitiesOnly?: boolean;
  /** Tried when an endpoint names no identity file (and they exist). */
  defaultIdentityFiles?: string[];
  /** TCP connect to hop 1, and each jump's channel open. Default 10 s. */
  connectTimeoutMs?: number;
  /** Banner + key exchange + authentication, per hop (ssh2 readyTimeout). Default 20 s (and -T
   *  sets it, default 20): well above tcp_wrappers' ~5 s delay before it resets, so that shows
   *  up as phase 'banner'. */
  readyTimeoutMs?: number;
  /** SSH keepalive. Default every 15 s, 3 unanswered ones drop the connection. */
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
  /** Concurrent exec channels; sshd's MaxSessions defaults to 10. */
  maxConcurrentExecs?: number;
  /** Debug lines; never contain keys or passwords. */
  log?: (line: string) => void;
  /** Share one connection per jump chain among the targets behind it (the run's pool). */
  jumpPool?: JumpPool;
}

const DEFAULTS = {
  connectTimeoutMs: 10_000,
  readyTimeoutMs: 20_000,
  keepaliveIntervalMs: 15_000,
  keepaliveCountMax: 3,
  maxConcurrentExecs: 10,
};

/** What the handshake saw, to tell where it broke. */
export interface HandshakeProgress {
  /** Our host key verifier refused (its message is the error). */
  hostKeyRefused: boolean;
  /** Any bytes arrived from the server (its identification line comes first). */
  bytesSeen: boolean;
  /** Key exchange finished; failures after it are authentication's. */
  kexDone: boolean;
}

/** Phase of a DNS/TCP failure opening the first socket. */
export function classifySocketError(err: { code?: unknown; message?: string; errors?: unknown }): ConnectPhase {
  const code = socketErrorCode(err);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME' || code === 'EAI_FAIL') return 'resolve';
  return 'connect';
}

/** errno-style code; Node's happy-eyeballs AggregateError keeps it on its first error. */
export function socketErrorCode(err: { code?: unknown; errors?: unknown }): string {
  if (typeof err.code === 'string') return err.code;
  const first = Array.isArray(err.errors) ? (err.errors[0] as { code?: unknown } | undefined) : undefined;
  return typeof first?.code === 'string' ? first.code : '';
}

/**
 * Phase of an ssh2 error during the SSH handshake. ssh2's shapes (1.17):
 * - our verifier said no → "Host denied (verification failed)", level 'handshake'
 * - no common algorithm → "Handshake failed: no matching ...", level 'handshake'
 * - reset/closed before the server's identification → ECONNRESET/EPIPE (level
 *   'client-socket') or "Connection lost before handshake" (level 'protocol')
 * - readyTimeout → "Timed out while waiting for handshake", level 'client-timeout'
 * - auth exhausted → "All configured authentication methods failed", 'client-authentication'
 * - closed after the banner without an error → node-ssh's "No response from server"
 */
export function classifyHandshakeError(err: { level?: unknown; message?: string }, p: HandshakeProgress): ConnectPhase {
  if (p.hostKeyRefused) return 'hostkey';
  const level = typeof err.level === 'string' ? err.level : '';
  if (level === 'client-timeout') return 'timeout';
  if (level === 'client-authentication' || level === 'agent') return 'auth';
  if (level === 'handshake') return 'kex';
  if (!p.bytesSeen || err.message === 'Connection lost before handshake') return 'banner';
  return p.kexDone ? 'auth' : 'kex';
}

/** Host key algorithms to offer first for already-known key types (OpenSSH does the same). */
export function preferredHostKeyAlgorithms(knownTypes: readonly string[]): ServerHostKeyAlgorithm[] {
  const out: ServerHostKeyAlgorithm[] = [];
  for (const t of knownTypes) {
    const algos: ServerHostKeyAlgorithm[] =
      t === 'ssh-rsa'
        ? ['rsa-sha2-512', 'rsa-sha2-256']
        : t === 'ssh-ed25519' || t === 'ecdsa-sha2-nistp256' || t === 'ecdsa-sha2-nistp384' || t === 'ecdsa-sha2-nistp521'
          ? [t]
          : [];
    for (const a of algos) if (!out.includes(a)) out.push(a);
  }
  return out;
}

interface AuthCandidate {
  /** For messages: "agent", a key path, "password". */
  label: string;
  method: AnyAuthMethod;
}

/** Counting semaphore for session channels; the limit can shrink to what the server allows. */
class Slots {
  active = 0;
  private waiting: Array<() => void> = [];
  constructor(private limit: number) {
    this.limit = Math.max(1, limit);
  }
  async acquire(): Promise<void> {
    while (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
  }
  release(): void {
    this.active--;
    this.waiting.shift()?.();
  }
  /** The server refused a channel while `n` others were open: its MaxSessions is about n. */
  shrinkTo(n: number): void {
    this.limit = Math.max(1, Math.min(this.limit, n));
  }
}

/**
 * After our timer fires, how long the host has to end the command (its `timeout` fires within
 * the second after ours, then KILLs one second later) before we send KILL and close anyway.
 */
const KILL_GRACE_MS = 2_500;

/** coreutils `timeout` exits 124 when TERM ended the command; its KILL ends `timeout` too. */
const REMOTE_TIMEOUT_EXIT = 124;

/**
 * The command as sent when it has a time limit. Closing the channel leaves the command running
 * (sshd neither kills nor hangs up a session without a tty), and sshd refuses "signal" requests
 * in root's sessions (OpenSSH skips post-auth privilege separation for root: "session
 * signalling requires privilege separation"). So the host ends it itself: `timeout` sends TERM
 * to the command's whole process group when the limit (rounded up to whole seconds, so never
 * before ours) is reached, and KILL a second later. The command runs under the login shell as
 * before (`$SHELL -c`); a host without `timeout` runs it as it is.
 */
export function withRemoteTimeout(command: string, timeoutMs: number): string {
  const secs = Math.max(1, Math.ceil(timeoutMs / 1000));
  return `c=${quote(command)}; if command -v timeout >/dev/null 2>&1; then exec timeout -k 1 ${secs} "\${SHELL:-/bin/sh}" -c "$c"; fi; eval "$c"`;
}

/**
 * Ask sshd to send `name` to the command's process group (a "signal" channel request, RFC 4254
 * 6.9; OpenSSH honours it since 7.9). ssh2 1.17's Channel.signal() silently sends nothing once
 * our side has sent EOF, which every exec here does at once (stdin ended), so the request goes
 * out through ssh2's protocol object exactly as Channel.signal() would send it. False when the
 * channel is no longer open.
 */
export function signalChannel(channel: ClientChannel, name: 'TERM' | 'KILL'): boolean {
  const ch = channel as unknown as {
    outgoing?: { id?: number; state?: string };
    _client?: { _protocol?: { signal?: (id: number, signal: string) => void } };
  };
  const state = ch.outgoing?.state;
  const id = ch.outgoing?.id;
  const protocol = ch._client?._protocol;
  if ((state !== 'open' && state !== 'eof') || id === undefined || typeof protocol?.signal !== 'function') return false;
  try {
    protocol.signal(id, name);
    return true;
  } catch {
    return false; // the connection is gone
  }
}

/** The server answered a session open with CHANNEL_OPEN_FAILURE (MaxSessions reached, say). */
class ChannelRefused extends Error {}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function expandHome(p: string): string {
  return p === '~' ? homedir() : p.startsWith('~/') ? join(homedir(), p.slice(2)) : p;
}

function describe(ep: Endpoint): string {
  return `${ep.user}@${ep.host}:${ep.port}`;
}

function errMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function withTimeout<T>(p: Promise<T>, ms: number, onLate: (v: T) => void, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let done = false;
    const timer = setTimeout(() => {
      done = true;
      reject(Object.assign(new Error(`${what} timed out after ${ms} ms`), { code: 'ETIMEDOUT' }));
    }, ms);
    p.then(
      (v) => {
        clearTimeout(timer);
        if (done) onLate(v);
        else resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        if (!done) reject(e);
      },
    );
  });
}

/** Open the first TCP socket, with an optional source address, failing fast on a timeout. */
function tcpConnect(host: string, port: number, bindAddress: string | undefined, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const family = bindAddress ? (isIPv4(bindAddress) ? 4 : isIPv6(bindAddress) ? 6 : undefined) : undefined;
    const sock = netConnect({
      host,
      port,
      ...(bindAddress ? { localAddress: bindAddress } : {}),
      ...(family ? { family } : {}),
    });
    const timer = setTimeout(() => {
      sock.destroy();
      reject(Object.assign(new Error(`TCP connect timed out after ${timeoutMs} ms`), { code: 'ETIMEDOUT' }));
    }, timeoutMs);
    const onError = (err: Error): void => {
      clearTimeout(timer);
      reject(err);
    };
    sock.once('error', onError);
    sock.once('connect', () => {
      clearTimeout(timer);
      sock.removeListener('error', onError);
      sock.setNoDelay(true);
      // ssh2 adds its own listener right away; this keeps a stray error in between harmless.
      sock.on('error', () => undefined);
      resolve(sock);
    });
  });
}

/** Check the agent answers and holds keys; a dead agent is skipped, not an auth failure. */
async function usableAgent(path: string, notes: string[]): Promise<BaseAgent | undefined> {
  if (!existsSync(path)) {
    notes.push('agent socket missing');
    return undefined;
  }
  const agent = new ssh2.OpenSSHAgent(path);
  try {
    const keys = await withTimeout(
      new Promise<unknown[]>((resolve, reject) =>
        agent.getIdentities((err, ks) => (err ? reject(err) : resolve((ks ?? []) as unknown[]))),
      ),
      5_000,
      () => undefined,
      'ssh-agent',
    );
    if (keys.length === 0) {
      notes.push('agent has no keys');
      return undefined;
    }
    return agent;
  } catch (err) {
    notes.push(`agent unusable: ${errMessage(err)}`);
    return undefined;
  }
}

/** Private keys from disk, parsed up front so a bad or encrypted file is a note, not a crash. */
async function loadIdentity(path: string, notes: string[]): Promise<ParsedKey | undefined> {
  let data: Buffer;
  try {
    data = await readFile(path);
  } catch (err) {
    notes.push(`${path}: ${(err as NodeJS.ErrnoException).code ?? 'unreadable'}`);
    return undefined;
  }
  const parsed = ssh2.utils.parseKey(data) as ParsedKey | ParsedKey[] | Error;
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (key === undefined || key instanceof Error) {
    const why = key instanceof Error && /passphrase/i.test(key.message) ? 'encrypted (load it into ssh-agent)' : 'not a usable private key';
    notes.push(`${path}: ${why}`);
    return undefined;
  }
  if (!key.isPrivateKey()) {
    notes.push(`${path}: not a private key`);
    return undefined;
  }
  return key;
}

/** Everything one connect attempt shares across hops. */
interface ConnectRun {
  path: PathSpec;
  opts: SshConnectOptions;
  userKnownHosts: string[];
  knownHostsFiles: string[];
  agent: BaseAgent | undefined;
  agentNotes: string[];
  log: (line: string) => void;
}

export class SshConnection implements Connection {
  readonly stats = { connections: 0, execs: 0, bytesIn: 0, bytesOut: 0 };
  private closed = false;
  private lost: string | undefined;
  private readonly slots: Slots;

  private constructor(
    readonly target: Endpoint,
    readonly path: PathSpec,
    /** Hop clients first, target last. */
    private readonly hops: NodeSSH[],
    private readonly opts: SshConnectOptions,
    /** The shared jump chain the target rides, if any (then `hops` is the target alone). */
    private readonly lease?: JumpLease,
  ) {
    this.stats.connections = hops.length;
    this.slots = new Slots(opts.maxConcurrentExecs ?? DEFAULTS.maxConcurrentExecs);
    const last = this.client();
    last.on('close', () => {
      if (!this.closed) this.lost = `connection to ${target.alias} lost`;
    });
  }

  /** Connect to `target` over `path`; throws ConnectError saying which hop failed and how. */
  static async connect(target: Endpoint, path: PathSpec, opts: SshConnectOptions = {}): Promise<SshConnection> {
    const problem = pathProblem(path);
    if (problem) throw new ConnectError('connect', target.alias, path.label, `${target.alias}: ${problem}`);
    const run = await connectRun(path, opts);
    if (opts.jumpPool && path.via.length) return connectShared(run, target, opts.jumpPool);
    return new SshConnection(target, path, await openHops(run, [...path.via, target]), opts);
  }

  /** @internal The target's login over a channel of the pool's shared jump chain (connectShared). */
  static fromShared(target: Endpoint, path: PathSpec, opts: SshConnectOptions, client: NodeSSH, lease: JumpLease): SshConnection {
    return new SshConnection(target, path, [client], opts, lease);
  }

  private client(): Client {
    const c = this.hops[this.hops.length - 1]?.connection;
    if (!c) throw new ConnectionLostError(`not connected to ${this.target.alias}`);
    return c;
  }

  async exec(command: string, opts: ExecOptions = {}): Promise<ExecResult> {
    this.stats.execs++;
    // sshd frees a session only after it has processed our close, so a new channel can be
    // refused for a moment even below MaxSessions; a lower MaxSessions shows up the same way.
    // Either way: narrow the window to what is open now, wait, and try again.
    for (let attempt = 1; ; attempt++) {
      await this.slots.acquire();
      try {
        return await this.execOnce(command, opts);
      } catch (err) {
        if (!(err instanceof ChannelRefused)) throw err;
        if (attempt >= 6) throw new ConnectionLostError(`${this.target.alias} refuses new sessions: ${err.message}`);
        const others = this.slots.active - 1;
        if (others > 0) this.slots.shrinkTo(others);
        this.opts.log?.(`${this.target.alias}: channel refused with ${others} open, retrying`);
      } finally {
        this.slots.release();
      }
      await sleep(20 * attempt);
    }
  }

  private execOnce(command: string, opts: ExecOptions): Promise<ExecResult> {
    if (this.closed) return Promise.reject(new ConnectionLostError(`connection to ${this.target.alias} is closed`));
    if (this.lost) return Promise.reject(new ConnectionLostError(this.lost));
    const limited = opts.timeoutMs !== undefined && opts.timeoutMs > 0;
    const started = Date.now();
    const sent = limited ? withRemoteTimeout(command, opts.timeoutMs as number) : command;
    return new Promise<ExecResult>((resolve, reject) => {
      const onOpen = (err: Error | undefined, channel: ClientChannel): void => {
        if (err) {
          // A live connection whose server refuses a session (OpenSSH 9.2 says "open failed",
          // reason CONNECT_FAILED, at MaxSessions) may accept it again in a moment.
          if (this.lost) reject(new ConnectionLostError(this.lost));
          else if ((err as { reason?: unknown }).reason !== undefined) reject(new ChannelRefused(err.message));
          else reject(new ConnectionLostError(`cannot open a channel to ${this.target.alias}: ${err.message}`));
          return;
        }
        const out: Buffer[] = [];
        const errOut: Buffer[] = [];
        let code: number | null = null;
        let signal: string | null = null;
        let exited = false;
        let settled = false;
        let timer: NodeJS.Timeout | undefined;
        channel.on('data', (b: Buffer) => {
          out.push(b);
          this.stats.bytesIn += b.length;
        });
        channel.stderr.on('data', (b: Buffer) => {
          errOut.push(b);
          this.stats.bytesIn += b.length;
        });
        channel.on('exit', (c: number | null, s?: string) => {
          exited = true;
          code = typeof c === 'number' ? c : null;
          signal = typeof s === 'string' ? s : null;
        });
        channel.on('error', () => undefined); // surfaces as close without exit status
        channel.on('close', () => {
          if (timer) clearTimeout(timer);
          if (settled) return;
          settled = true;
          if (!exited && this.lost) reject(new ConnectionLostError(`${this.lost} while running a command`));
          else if (timedOutOnHost()) reject(new ExecTimeoutError(opts.timeoutMs as number, Buffer.concat(out), Buffer.concat(errOut)));
          else resolve({ code, signal, stdout: Buffer.concat(out), stderr: Buffer.concat(errOut) });
        });
        // The host's `timeout` ended it before our own timer ran (a busy event loop here).
        const timedOutOnHost = (): boolean =>
          limited && (code === REMOTE_TIMEOUT_EXIT || signal === 'SIGKILL') && Date.now() - started >= (opts.timeoutMs as number);
        if (limited) {
          const ms = opts.timeoutMs as number;
          timer = setTimeout(() => {
            if (settled) return;
            settled = true;
            // The host's `timeout` ends the command (see withRemoteTimeout). A "signal" request
            // does it at once where sshd honours it (sessions of users other than root; sudo
            // relays TERM to the command it runs); KILL after the grace, then close, whatever.
            let over = false;
            const end = (): void => {
              if (over) return;
              over = true;
              clearTimeout(kill);
              channel.close();
              reject(new ExecTimeoutError(ms, Buffer.concat(out), Buffer.concat(errOut)));
            };
            const kill = setTimeout(() => {
              signalChannel(channel, 'KILL');
              end();
            }, KILL_GRACE_MS);
            channel.once('close', end);
            if (!signalChannel(channel, 'TERM')) end();
          }, ms);
        }
        const input = opts.stdin === undefined ? undefined : Buffer.isBuffer(opts.stdin) ? opts.stdin : Buffer.from(opts.stdin);
        if (input && input.length) {
          this.stats.bytesOut += input.length;
          channel.end(input);
        } else {
          channel.end();
        }
      };
      try {
        this.client().exec(sent, onOpen);
      } catch (err) {
        reject(new ConnectionLostError(`cannot run a command on ${this.target.alias}: ${errMessage(err)}`));
      }
    });
  }

  /** Close the target connection, then each jump host's, innermost first (or leave the shared chain). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await closeClients(this.hops);
    this.lease?.release();
  }
}

/** Dispose of each client, innermost first, waiting (2 s at most) for each to close. */
async function closeClients(clients: readonly NodeSSH[]): Promise<void> {
  for (const ssh of [...clients].reverse()) {
    const c = ssh.connection;
    if (!c) continue;
    const gone = new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        c.destroy();
        resolve();
      }, 2_000);
      c.once('close', () => {
        clearTimeout(t);
        resolve();
      });
    });
    ssh.dispose();
    await gone;
  }
}

/** What every hop of one connect shares: known_hosts files, the agent. */
async function connectRun(path: PathSpec, opts: SshConnectOptions): Promise<ConnectRun> {
  const defaults = defaultKnownHostsFiles();
  const userKnownHosts = opts.userKnownHostsFiles?.length ? opts.userKnownHostsFiles : defaults.user;
  const agentPath = opts.agent === undefined ? process.env.SSH_AUTH_SOCK : opts.agent;
  const agentNotes: string[] = [];
  return {
    path,
    opts,
    userKnownHosts,
    knownHostsFiles: [...userKnownHosts, ...(opts.globalKnownHostsFiles ?? defaults.global)],
    agent: agentPath && agentPath !== 'none' ? await usableAgent(agentPath, agentNotes) : undefined,
    agentNotes,
    log: opts.log ?? (() => undefined),
  };
}

/** Log in to each endpoint in turn, each over a channel of the previous one (hop 1 over TCP). */
async function openHops(run: ConnectRun, endpoints: readonly Endpoint[]): Promise<NodeSSH[]> {
  const clients: NodeSSH[] = [];
  try {
    for (let i = 0; i < endpoints.length; i++) {
      const ep = endpoints[i] as Endpoint;
      const prev = clients[i - 1];
      // All file reading happens first: from the moment the socket exists until ssh2 listens
      // on it nothing may wait for I/O, or an instant close (MaxStartups) goes unseen.
      const prep = await prepareHop(run, ep);
      const proxy = prev ? undefined : firstHopProxy(run.path);
      if (proxy !== undefined) {
        clients.push(await handshakeOverProxy(run, ep, proxy, prep));
      } else {
        const sock = prev
          ? await forwardThrough(run, endpoints[i - 1] as Endpoint, ep, () => forwardOut(run, prev, ep.host, ep.port))
          : await openFirstSocket(run, ep);
        clients.push(await handshake(run, ep, sock, prep));
      }
      run.log(`${ep.alias}: connected (${describe(ep)}) on path "${run.path.label}"`);
    }
  } catch (err) {
    for (const c of clients.reverse()) c.dispose();
    throw err;
  }
  return clients;
}

/** The settings besides the hops that decide how a chain is checked and authenticated. */
function chainSettings(opts: SshConnectOptions): Record<string, unknown> {
  return {
    hostKeyMode: opts.hostKeyMode ?? 'strict',
    user: opts.userKnownHostsFiles ?? null,
    global: opts.globalKnownHostsFiles ?? null,
    agent: opts.agent === undefined ? process.env.SSH_AUTH_SOCK ?? null : opts.agent,
    identitiesOnly: opts.identitiesOnly ?? false,
    defaults: opts.defaultIdentityFiles ?? null,
  };
}

/** The target over a channel of the pool's connection to `path.via` (opened by whoever came first). */
async function connectShared(run: ConnectRun, target: Endpoint, pool: JumpPool): Promise<SshConnection> {
  const { via, bindAddress, label } = run.path;
  const key = chainKey(via, bindAddress, chainSettings(run.opts));
  const lease = await pool.lease(key, chainLabel(via), () => openChain(run, via)).catch((err: unknown) => {
    throw relabel(err, label);
  });
  try {
    const prep = await prepareHop(run, target);
    const jump = via[via.length - 1] as Endpoint;
    const sock = await forwardThrough(run, jump, target, () => lease.forward(target.host, target.port));
    const client = await handshake(run, target, sock, prep);
    run.log(`${target.alias}: connected (${describe(target)}) on path "${label}" (shared jump connection)`);
    return SshConnection.fromShared(target, run.path, run.opts, client, lease);
  } catch (err) {
    lease.release();
    throw relabel(err, label);
  }
}

/** The jump hops of `via`, logged in once, as the pool's shared chain. */
async function openChain(run: ConnectRun, via: readonly Endpoint[]): Promise<SharedChain> {
  const clients = await openHops(run, via);
  let alive = true;
  for (const c of clients) c.connection?.once('close', () => (alive = false));
  const last = clients[clients.length - 1] as NodeSSH;
  run.log(`${chainLabel(via)}: shared jump connection open`);
  return {
    get alive() {
      return alive;
    },
    forwardOut: (host, port) => forwardOut(run, last, host, port),
    close: () => closeClients(clients),
  };
}

/** A ConnectError of a shared opening names the path of the target that asked, not the opener's. */
function relabel(err: unknown, label: string): unknown {
  return err instanceof ConnectError && err.path !== label ? new ConnectError(err.phase, err.hop, label, err.message) : err;
}

/** A direct-tcpip channel from `via` to host:port, bounded by the connect timeout. */
function forwardOut(run: ConnectRun, via: NodeSSH, host: string, port: number): Promise<Duplex> {
  const ms = run.opts.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs;
  // node-ssh throws at once when its connection is gone: a rejection like any other.
  const open = Promise.resolve().then(() => via.forwardOut('127.0.0.1', 0, host, port));
  return withTimeout(open, ms, (ch) => ch.destroy(), 'channel open');
}

async function openFirstSocket(run: ConnectRun, ep: Endpoint): Promise<Socket> {
  const ms = run.opts.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs;
  try {
    return await tcpConnect(ep.host, ep.port, run.path.bindAddress, ms);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const phase = classifySocketError(e);
    const from = run.path.bindAddress ? ` from ${run.path.bindAddress}` : '';
    const what = phase === 'resolve' ? `cannot resolve ${ep.host}` : `cannot connect to ${ep.host}:${ep.port}${from}`;
    throw new ConnectError(phase, ep.alias, run.path.label, `${ep.alias}: ${what}: ${socketErrorCode(e) || e.message}`);
  }
}

/**
 * Hop 1 over a ProxyCommand instead of TCP (the path's own, or its first jump host's). The
 * child lives as long as the SSH connection; when the handshake fails, its stderr and exit
 * status say why.
 */
async function handshakeOverProxy(run: ConnectRun, ep: Endpoint, template: string, prep: HopPrep): Promise<NodeSSH> {
  let proxy: ProxyProcess;
  try {
    proxy = startProxyCommand(expandProxyCommand(template, { host: ep.host, port: ep.port, user: ep.user, original: ep.alias }));
  } catch (err) {
    throw new ConnectError('connect', ep.alias, run.path.label, `${ep.alias}: ${errMessage(err)}`);
  }
  run.log(`${ep.alias}: ProxyCommand ${proxy.command}`);
  try {
    const client = await handshake(run, ep, proxy.stream, prep);
    client.connection?.once('close', () => proxy.kill());
    return client;
  } catch (err) {
    await proxy.settle(500);
    const exited = proxy.hasExited;
    proxy.kill();
    if (!(err instanceof ConnectError)) throw err;
    // A proxy that died before the banner is a path that does not connect, not a MaxStartups drop.
    const phase: ConnectPhase = exited && (err.phase === 'banner' || err.phase === 'kex') ? 'connect' : err.phase;
    throw new ConnectError(phase, err.hop, err.path, `${err.message}; ${proxy.describe()}`);
  }
}

/** A direct-tcpip channel from the previous hop to `ep`, as `ssh -J` opens it; failures named. */
async function forwardThrough(run: ConnectRun, prevEp: Endpoint, ep: Endpoint, open: () => Promise<Duplex>): Promise<Duplex> {
  try {
    return await open();
  } catch (err) {
    if (err instanceof ConnectError) throw err; // reopening the shared chain failed: its hop says where
    const msg = errMessage(err);
    const reason = (err as { reason?: unknown }).reason;
    if (reason === 1) {
      // ADMINISTRATIVELY_PROHIBITED: the jump host itself forbids forwarding.
      throw new ConnectError('connect', prevEp.alias, run.path.label, `${prevEp.alias}: refuses to forward to ${ep.host}:${ep.port} (AllowTcpForwarding?): ${msg}`);
    }
    const phase: ConnectPhase = /name or service not known|name resolution|nodename nor servname|no address associated|unknown host/i.test(msg)
      ? 'resolve'
      : 'connect';
    throw new ConnectError(phase, ep.alias, run.path.label, `${ep.alias}: ${prevEp.alias} cannot reach ${ep.host}:${ep.port}: ${msg}`);
  }
}

interface HopPrep {
  knownEntries: KnownHostEntry[];
  candidates: AuthCandidate[];
  authNotes: string[];
}

/** known_hosts' entries for this hop (re-read when a file changed: accept-new may just have added a hop) and the identity files. */
async function prepareHop(run: ConnectRun, ep: Endpoint): Promise<HopPrep> {
  const knownEntries = (await knownHostsIndex(run.knownHostsFiles)).entriesFor(hostKeyNames(ep), ep.port);
  const authNotes = [...run.agentNotes];
  const candidates = await authCandidates(run, ep, authNotes);
  return { knownEntries, candidates, authNotes };
}

/** The names a hop's host key may be listed under: its address (HostName) and its alias. */
function hostKeyNames(ep: Endpoint): string[] {
  return [...new Set([ep.host, ep.alias])];
}

/** SSH handshake and authentication over `sock`; the NodeSSH is connected on return. */
async function handshake(run: ConnectRun, ep: Endpoint, sock: Duplex, prep: HopPrep): Promise<NodeSSH> {
  const mode = run.opts.hostKeyMode ?? 'strict';
  const names = hostKeyNames(ep);
  const { knownEntries, candidates, authNotes } = prep;
  const progress: HandshakeProgress = { hostKeyRefused: false, bytesSeen: false, kexDone: false };
  let refusal = '';
  const refuse = (msg: string): false => {
    progress.hostKeyRefused = true;
    refusal = msg;
    return false;
  };

  const hostVerifier = (key: Buffer, verify: (ok: boolean) => void): void => {
    const type = keyTypeOfBlob(key) ?? 'unknown';
    const fp = fingerprintSha256(key);
    const shown = knownHostName(ep.host, ep.port);
    const status = lookupHostKey(knownEntries, names, ep.port, type, key);
    if (status === 'match') return verify(true);
    if (status === 'revoked') return verify(refuse(`${ep.alias}: host key for ${shown} is REVOKED in known_hosts (${type} ${fp}); refusing`));
    if (mode === 'off') return verify(true);
    if (status === 'changed') {
      const where = listedAt(knownEntries, names, ep.port, type);
      return verify(
        refuse(
          `${ep.alias}: HOST KEY CHANGED for ${shown}: server offers ${type} ${fp}, known_hosts has a different ${type} key` +
            `${where ? ` (${where})` : ''}; possible man-in-the-middle, refusing`,
        ),
      );
    }
    if (mode === 'strict') {
      return verify(
        refuse(`${ep.alias}: host key for ${shown} is unknown (${type} ${fp}); StrictHostKeyChecking=strict refuses it (add it to known_hosts or use accept-new)`),
      );
    }
    // accept-new: remember the key first, so a later change is caught.
    const file = run.userKnownHosts[0] as string;
    const line = formatKnownHostsLine(ep.host, ep.port, type, key.toString('base64'), { hash: run.opts.hashKnownHosts ?? false });
    appendKnownHost(file, line).then(
      () => {
        run.log(`${ep.alias}: added ${shown} ${type} ${fp} to ${file}`);
        verify(true);
      },
      (err: unknown) => verify(refuse(`${ep.alias}: cannot record host key ${type} ${fp} in ${file}: ${errMessage(err)}`)),
    );
  };

  const tried: string[] = [];
  let serverMethods: AuthenticationType[] | null = null;
  let first = true;
  const authHandler = (left: AuthenticationType[] | null, _partial: boolean | null, next: NextAuthHandler): void => {
    if (first) {
      first = false;
      return next({ type: 'none', username: ep.user }); // learns the server's methods, as ssh(1) does
    }
    serverMethods = left;
    while (candidates.length) {
      const c = candidates.shift() as AuthCandidate;
      const wire = c.method.type === 'agent' ? 'publickey' : c.method.type;
      if (left && !left.includes(wire)) continue;
      tried.push(c.label);
      return next(c.method);
    }
    next(false as unknown as AuthenticationType); // ssh2 takes false as "no more methods"
  };

  const preferred = preferredHostKeyAlgorithms(knownKeyTypes(knownEntries, names, ep.port));
  const cfg: NodeSshConfig = {
    sock: sock as NodeSshConfig['sock'],
    username: ep.user,
    hostVerifier,
    authHandler: authHandler as unknown as NodeSshConfig['authHandler'],
    readyTimeout: run.opts.readyTimeoutMs ?? DEFAULTS.readyTimeoutMs,
    keepaliveInterval: run.opts.keepaliveIntervalMs ?? DEFAULTS.keepaliveIntervalMs,
    keepaliveCountMax: run.opts.keepaliveCountMax ?? DEFAULTS.keepaliveCountMax,
    ...(preferred.length ? { algorithms: { serverHostKey: { remove: preferred, prepend: preferred, append: [] } } } : {}),
  };

  const ssh = new NodeSSH();
  const pending = ssh.connect(cfg);
  // node-ssh has created and started the ssh2 Client synchronously; watch it from the start.
  const client = ssh.connection;
  const errors: Error[] = [];
  if (client) {
    client.on('error', (e: Error) => {
      errors.push(e);
      run.log(`${ep.alias}: ssh error: ${e.message}`);
    });
    client.on('handshake', () => {
      progress.kexDone = true;
    });
  }
  sock.once('data', () => {
    progress.bytesSeen = true;
  });
  try {
    await pending;
    return ssh;
  } catch (err) {
    ssh.dispose();
    sock.destroy();
    const first = (errors[0] ?? err) as Error & { level?: string; code?: string };
    const phase = classifyHandshakeError(first, progress);
    throw new ConnectError(phase, ep.alias, run.path.label, handshakeMessage(phase, ep, first, run, {
      refusal,
      tried,
      serverMethods,
      notes: authNotes,
      bytesSeen: progress.bytesSeen,
    }));
  }
}

function listedAt(entries: readonly KnownHostEntry[], names: string[], port: number, type: string): string {
  const hostNames = names.map((n) => knownHostName(n, port));
  const e = entries.find((x) => !x.marker && x.keyType === type && hostNames.some((n) => entryMatchesName(x, n)));
  return e ? `${e.source ?? 'known_hosts'}:${e.line}` : '';
}

function handshakeMessage(
  phase: ConnectPhase,
  ep: Endpoint,
  err: Error & { code?: string },
  run: ConnectRun,
  ctx: { refusal: string; tried: string[]; serverMethods: AuthenticationType[] | null; notes: string[]; bytesSeen: boolean },
): string {
  const who = `${ep.alias} (${describe(ep)})`;
  switch (phase) {
    case 'hostkey':
      return ctx.refusal;
    case 'banner':
      return `${who}: connection closed before the SSH banner (kex_exchange_identification; tcp_wrappers, MaxStartups, firewall?): ${err.code ?? err.message}`;
    case 'kex':
      return `${who}: key exchange failed: ${err.message}`;
    case 'timeout':
      // Silence before the banner: a hung sshd, or a refusal slower than the timeout (libwrap's ~5 s).
      return `${who}: SSH handshake timed out after ${run.opts.readyTimeoutMs ?? DEFAULTS.readyTimeoutMs} ms${ctx.bytesSeen ? '' : ' (no SSH banner yet)'}`;
    case 'auth': {
      const tried = ctx.tried.length ? ctx.tried.join(', ') : 'nothing usable';
      const methods = ctx.serverMethods ? `; server accepts ${ctx.serverMethods.join(',')}` : '';
      const notes = ctx.notes.length ? `; ${ctx.notes.join('; ')}` : '';
      const why = /All configured authentication methods failed/.test(err.message) ? 'authentication failed' : err.message;
      return `${who}: ${why} (tried ${tried}${methods}${notes})`;
    }
    default:
      return `${who}: ${err.message}`;
  }
}

/** Auth in ssh(1)'s order: agent keys, identity files, then password / keyboard-interactive. */
async function authCandidates(run: ConnectRun, ep: Endpoint, notes: string[]): Promise<AuthCandidate[]> {
  const out: AuthCandidate[] = [];
  const username = ep.user;
  if (run.agent && !run.opts.identitiesOnly) out.push({ label: 'agent', method: { type: 'agent', username, agent: run.agent } });
  const explicit = ep.identityFiles.length > 0;
  const defaults = run.opts.defaultIdentityFiles ?? ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((f) => join(homedir(), '.ssh', f));
  const files = explicit ? ep.identityFiles.map(expandHome) : defaults.filter((f) => existsSync(f));
  for (const file of files) {
    const key = await loadIdentity(file, notes);
    if (key) out.push({ label: file, method: { type: 'publickey', username, key } });
  }
  if (ep.password !== undefined) {
    const password = ep.password;
    out.push({ label: 'password', method: { type: 'password', username, password } });
    out.push({
      label: 'keyboard-interactive',
      method: {
        type: 'keyboard-interactive',
        username,
        // PAM's prompts are all "Password:"-like here; answer each with the password.
        prompt: (_n: string, _i: string, _l: string, prompts: Prompt[], finish: (r: string[]) => void) =>
          finish(prompts.map(() => password)),
      },
    });
  }
  return out;
}
