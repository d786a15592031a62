// The client's side of a diagnosis: what a brand-new, plain connection from this machine sees on
// the direct path (no jump host, no other source address), step by step and timed:
//   1. name resolution;
//   2. TCP connect: connected, refused, timed out, unreachable;
//   3. before the banner, on a raw socket of our own (ssh2 hides this part): the server's
//      identification line, or a reset / close (at once, or after a delay: Debian's libwrap waits
//      ~5 s before it closes a refused connection), a text line instead of a banner
//      (`Exceeded MaxStartups`), or nothing at all;
//   4. key exchange and authentication, with remedy's SSH transport (connectFirstWorking over
//      the direct path only, without its retries: one honest attempt, like the user's).
// A connection dropped at once before the banner is sampled again (up to `samples` times):
// MaxStartups drops at random, and "2 of 3 dropped" says more than one attempt.
import { lookup } from 'node:dns/promises';
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { parseOpensshVersion } from '../facts.js';
import { unmapIpText } from '../formats/ip.js';
import { connectFirstWorking, type ConnectFirstOptions } from '../transport/connect.js';
import type { ConnectPhase, Endpoint, PathSpec } from '../transport/connection.js';
import type { SshConnection } from '../transport/ssh.js';

/** A pre-banner close later than this is a delayed one (libwrap's ~5 s), not an immediate drop. */
export const DELAYED_CLOSE_MS = 1500;
/** What we send after reading the server's banner, before hanging up. */
const OUR_IDENT = 'SSH-2.0-remedy_diagnose\r\n';
const MAX_PRE_LINES = 5;

export interface RawProbe {
  tcp: 'connected' | 'refused' | 'timeout' | 'unreachable' | 'error';
  /** Time to the TCP outcome. */
  tcpMs: number;
  /** errno-style code of a failed connect. */
  tcpError?: string;
  /** Our source address (what the server sees, unless NAT is in between). */
  localAddress?: string;
  /** After connecting: what came first. */
  preBanner?: 'banner' | 'reset' | 'closed' | 'timeout';
  /** Milliseconds from TCP connect to the banner, reset or close. */
  preBannerMs?: number;
  banner?: string;
  /** Lines the server sent that were not its identification (e.g. `Exceeded MaxStartups`). */
  lines?: string[];
}

/**
 * Machine-readable summary of what the client saw, from the first attempt (what the user sees):
 * resolve_failed, tcp_refused, tcp_timeout, tcp_unreachable, tcp_error, maxstartups_message,
 * penalty_message, reset_after_delay, reset_at_once, closed_after_delay, closed_at_once,
 * banner_timeout, kex_failed, hostkey_failed, auth_failed, login_timeout, login_failed, ok.
 */
export type VantageOutcome =
  | 'resolve_failed' | 'tcp_refused' | 'tcp_timeout' | 'tcp_unreachable' | 'tcp_error'
  | 'maxstartups_message' | 'penalty_message' | 'reset_after_delay' | 'reset_at_once'
  | 'closed_after_delay' | 'closed_at_once' | 'banner_timeout'
  | 'kex_failed' | 'hostkey_failed' | 'auth_failed' | 'login_timeout' | 'login_failed' | 'ok';

export interface Vantage {
  target: { host: string; port: number; address?: string; user: string };
  /** The client's source address on the direct path. */
  from?: string;
  resolve: { ok: boolean; ms: number; address?: string; error?: string; skipped?: boolean };
  /** Raw-socket attempts, first one first. */
  probes: RawProbe[];
  banner?: string;
  /** `OpenSSH_9.2p1 Debian-2+deb12u10` from the banner. */
  software?: string;
  /** OpenSSH version from the banner, semver ('9.2.0'), when it is OpenSSH. */
  opensshVersion?: string;
  login?: { ok: boolean; phase?: ConnectPhase; message?: string; ms: number };
  /** Where the first attempt stopped (ConnectPhase names), 'ok' when the login got through. */
  phase: ConnectPhase | 'ok';
  outcome: VantageOutcome;
  /** Of the raw attempts, how many were dropped before any banner. */
  dropped: number;
  summary: string;
  timings: { resolveMs?: number; connectMs?: number; preBannerMs?: number; loginMs?: number; totalMs: number };
}

export interface VantageOptions {
  /** TCP connect limit. */
  connectTimeoutMs: number;
  /** Wait for the banner after connecting; must exceed libwrap's ~5 s. */
  bannerTimeoutMs: number;
  /** Options for the key exchange and authentication step. */
  ssh: ConnectFirstOptions;
  /** Raw attempts when connections are dropped at once (default 3). */
  samples?: number;
  /** Keep the authenticated connection open and return it (evidence may reuse it). */
  keepConnection?: boolean;
}

/** One raw TCP connection: connect, read until the identification line or the end, hang up. */
export function rawProbe(address: string, port: number, opts: { connectTimeoutMs: number; bannerTimeoutMs: number; bindAddress?: string }): Promise<RawProbe> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    let tConnect = 0;
    let settled = false;
    let buf = '';
    const lines: string[] = [];
    const probe: RawProbe = { tcp: 'error', tcpMs: 0 };
    let bannerTimer: NodeJS.Timeout | undefined;
    const sock: Socket = netConnect({ host: address, port, ...(opts.bindAddress ? { localAddress: opts.bindAddress } : {}) });
    const finish = (patch: Partial<RawProbe>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(connectTimer);
      clearTimeout(bannerTimer);
      Object.assign(probe, patch);
      if (lines.length) probe.lines = lines;
      resolve(probe);
    };
    const connectTimer = setTimeout(() => {
      sock.destroy();
      finish({ tcp: 'timeout', tcpMs: Date.now() - t0, tcpError: 'ETIMEDOUT' });
    }, opts.connectTimeoutMs);
    sock.on('connect', () => {
      clearTimeout(connectTimer);
      tConnect = Date.now();
      probe.tcp = 'connected';
      probe.tcpMs = tConnect - t0;
      if (sock.localAddress) probe.localAddress = unmapIpText(sock.localAddress);
      bannerTimer = setTimeout(() => {
        sock.destroy();
        finish({ preBanner: 'timeout', preBannerMs: Date.now() - tConnect });
      }, opts.bannerTimeoutMs);
    });
    sock.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).replace(/\r$/, '');
        buf = buf.slice(nl + 1);
        if (line.startsWith('SSH-')) {
          // Answer like a client would, then hang up: no half-open startup is left behind.
          sock.end(OUR_IDENT);
          setTimeout(() => sock.destroy(), 1000).unref();
          finish({ preBanner: 'banner', preBannerMs: Date.now() - tConnect, banner: line });
          return;
        }
        if (lines.length < MAX_PRE_LINES) lines.push(line.slice(0, 200));
      }
      if (buf.length > 8192) buf = buf.slice(-256);
    });
    sock.on('error', (err: NodeJS.ErrnoException) => {
      const code = err.code ?? '';
      if (probe.tcp !== 'connected' && (code === 'ECONNRESET' || code === 'EPIPE')) {
        // A reset needs an established connection (a refused SYN is ECONNREFUSED): the server
        // accepted and reset before our 'connect' event ran.
        finish({ tcp: 'connected', tcpMs: Date.now() - t0, preBanner: 'reset', preBannerMs: 0 });
        return;
      }
      if (probe.tcp !== 'connected') {
        const tcp: RawProbe['tcp'] =
          code === 'ECONNREFUSED' ? 'refused'
            : code === 'ETIMEDOUT' ? 'timeout'
              : code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'EHOSTDOWN' || code === 'ENETDOWN' ? 'unreachable'
                : 'error';
        finish({ tcp, tcpMs: Date.now() - t0, tcpError: code || err.message });
        return;
      }
      if (buf.trim() && lines.length < MAX_PRE_LINES) lines.push(buf.trim().slice(0, 200));
      finish({ preBanner: code === 'ECONNRESET' || code === 'EPIPE' ? 'reset' : 'closed', preBannerMs: Date.now() - tConnect });
    });
    sock.on('close', () => {
      if (probe.tcp !== 'connected') {
        finish({ tcp: 'error', tcpMs: Date.now() - t0, tcpError: 'closed' });
        return;
      }
      if (buf.trim() && lines.length < MAX_PRE_LINES) lines.push(buf.trim().slice(0, 200));
      finish({ preBanner: 'closed', preBannerMs: Date.now() - tConnect });
    });
  });
}

/** The outcome of a raw attempt that got no banner. */
export function rawOutcome(p: RawProbe): VantageOutcome | undefined {
  if (p.tcp === 'refused') return 'tcp_refused';
  if (p.tcp === 'timeout') return 'tcp_timeout';
  if (p.tcp === 'unreachable') return 'tcp_unreachable';
  if (p.tcp !== 'connected') return 'tcp_error';
  const text = (p.lines ?? []).join(' ');
  if (p.preBanner === 'banner') return undefined;
  if (/Exceeded MaxStartups/i.test(text)) return 'maxstartups_message';
  if (/penalt|not allowed at this time/i.test(text)) return 'penalty_message';
  if (p.preBanner === 'timeout') return 'banner_timeout';
  const late = (p.preBannerMs ?? 0) >= DELAYED_CLOSE_MS;
  if (p.preBanner === 'reset') return late ? 'reset_after_delay' : 'reset_at_once';
  return late ? 'closed_after_delay' : 'closed_at_once';
}

const droppedAtOnce = (o: VantageOutcome | undefined): boolean =>
  o === 'maxstartups_message' || o === 'penalty_message' || o === 'reset_at_once' || o === 'closed_at_once';

function loginOutcome(phase: ConnectPhase | undefined, ms: number): VantageOutcome {
  switch (phase) {
    case 'kex': return 'kex_failed';
    case 'hostkey': return 'hostkey_failed';
    case 'auth': return 'auth_failed';
    case 'timeout': return 'login_timeout';
    case 'banner': return ms < DELAYED_CLOSE_MS ? 'closed_at_once' : 'closed_after_delay';
    default: return 'login_failed';
  }
}

export function describeProbe(p: RawProbe, port: number): string {
  if (p.tcp === 'refused') return `TCP connect to port ${port} refused after ${p.tcpMs} ms (${p.tcpError})`;
  if (p.tcp === 'timeout') return `TCP connect to port ${port} got no answer within ${p.tcpMs} ms`;
  if (p.tcp === 'unreachable') return `TCP connect to port ${port} failed after ${p.tcpMs} ms: ${p.tcpError} (no route / host unreachable)`;
  if (p.tcp !== 'connected') return `TCP connect to port ${port} failed after ${p.tcpMs} ms: ${p.tcpError}`;
  const pre = `TCP connected in ${p.tcpMs} ms`;
  const said = p.lines?.length ? `; the server said ${p.lines.map((l) => JSON.stringify(l)).join(', ')}` : '';
  switch (p.preBanner) {
    case 'banner': return `${pre}; banner ${JSON.stringify(p.banner)} after ${p.preBannerMs} ms${said}`;
    case 'timeout': return `${pre}; no banner within ${p.preBannerMs} ms${said}`;
    case 'reset': return `${pre}; connection reset ${p.preBannerMs} ms later, before any banner${said}`;
    default: return `${pre}; connection closed ${p.preBannerMs} ms later, before any banner${said}`;
  }
}

/**
 * Probe a host from the client's vantage point. `direct` is reach.direct (no jump, no bind).
 * Never throws; with keepConnection the authenticated connection is returned for reuse.
 */
export async function probeVantage(
  target: Endpoint,
  direct: PathSpec,
  opts: VantageOptions,
): Promise<{ vantage: Vantage; conn?: SshConnection }> {
  const t0 = Date.now();
  const v: Vantage = {
    target: { host: target.host, port: target.port, user: target.user },
    resolve: { ok: true, ms: 0, skipped: true },
    probes: [],
    phase: 'connect',
    outcome: 'tcp_error',
    dropped: 0,
    summary: '',
    timings: { totalMs: 0 },
  };
  const done = (): Vantage => {
    v.timings.totalMs = Date.now() - t0;
    v.summary = summarize(v);
    return v;
  };
  // 1. name resolution
  let address = target.host;
  if (!isIP(target.host)) {
    const r0 = Date.now();
    try {
      address = (await lookup(target.host)).address;
      v.resolve = { ok: true, ms: Date.now() - r0, address };
    } catch (err) {
      v.resolve = { ok: false, ms: Date.now() - r0, error: (err as NodeJS.ErrnoException).code ?? (err as Error).message };
      v.timings.resolveMs = v.resolve.ms;
      v.phase = 'resolve';
      v.outcome = 'resolve_failed';
      return { vantage: done() };
    }
    v.timings.resolveMs = v.resolve.ms;
  }
  v.target.address = address;
  // 2 + 3. raw attempts
  const samples = Math.max(1, opts.samples ?? 3);
  const raw = { connectTimeoutMs: opts.connectTimeoutMs, bannerTimeoutMs: opts.bannerTimeoutMs, ...(direct.bindAddress ? { bindAddress: direct.bindAddress } : {}) };
  for (let i = 0; i < samples; i++) {
    const p = await rawProbe(address, target.port, raw);
    v.probes.push(p);
    if (p.localAddress) v.from ??= p.localAddress;
    const o = rawOutcome(p);
    if (!droppedAtOnce(o)) break; // got a banner, or a deterministic failure: no more samples
    v.dropped++;
    if (i + 1 < samples) await new Promise((r) => setTimeout(r, 300));
  }
  const first = v.probes[0]!;
  v.timings.connectMs = first.tcpMs;
  if (first.preBannerMs !== undefined) v.timings.preBannerMs = first.preBannerMs;
  const withBanner = v.probes.find((p) => p.preBanner === 'banner');
  if (withBanner?.banner) {
    v.banner = withBanner.banner;
    v.software = withBanner.banner.replace(/^SSH-[\d.]+-/, '');
    const ver = parseOpensshVersion(withBanner.banner).version;
    if (ver) v.opensshVersion = ver;
  }
  const firstOutcome = rawOutcome(first);
  if (firstOutcome) {
    v.outcome = firstOutcome;
    v.phase = first.tcp === 'connected' ? 'banner' : 'connect';
  }
  if (!withBanner) return { vantage: done() };
  // 4. key exchange and authentication, one attempt
  const l0 = Date.now();
  const res = await connectFirstWorking(target, [direct], { ...opts.ssh, immediateCloseRetries: 0 });
  const ms = Date.now() - l0;
  v.timings.loginMs = ms;
  if (res.ok) {
    v.login = { ok: true, ms };
    if (!firstOutcome) {
      v.phase = 'ok';
      v.outcome = 'ok';
    }
    if (opts.keepConnection) return { vantage: done(), conn: res.conn };
    await res.conn.close().catch(() => undefined);
    return { vantage: done() };
  }
  const a = res.attempts[res.attempts.length - 1];
  v.login = { ok: false, ms, ...(a ? { phase: a.phase, message: a.message } : {}) };
  if (!firstOutcome) {
    v.phase = a?.phase ?? 'auth';
    v.outcome = loginOutcome(a?.phase, a?.ms ?? ms);
    if (v.outcome === 'closed_at_once') v.dropped++;
  }
  return { vantage: done() };
}

function summarize(v: Vantage): string {
  if (v.outcome === 'resolve_failed') return `cannot resolve ${v.target.host}: ${v.resolve.error}`;
  const first = v.probes[0];
  const parts = [first ? describeProbe(first, v.target.port) : ''];
  if (v.probes.length > 1) {
    const ok = v.probes.filter((p) => p.preBanner === 'banner').length;
    parts.push(`${v.dropped} of ${v.probes.length} new connections dropped before the banner${ok ? `, ${ok} got it` : ''}`);
  }
  if (v.login) {
    parts.push(
      v.login.ok
        ? `key exchange and authentication as ${v.target.user} ok in ${v.login.ms} ms`
        : `login as ${v.target.user} failed at ${v.login.phase} after ${v.login.ms} ms: ${v.login.message}`,
    );
  }
  return parts.filter(Boolean).join('; ');
}
