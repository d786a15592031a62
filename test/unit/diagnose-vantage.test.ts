// The client's vantage point against small TCP servers on loopback that behave like sshd does in
// each case: a banner, "Exceeded MaxStartups", a delayed close (libwrap), a reset, silence, refusal.
import { describe, it, expect, afterEach } from 'vitest';
import { createServer, type Server, type Socket } from 'node:net';
import { describeProbe, probeVantage, rawOutcome, rawProbe, type RawProbe } from '../../src/diagnose/vantage.js';

const BANNER = 'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10';
const servers: Server[] = [];

async function serve(onConn: (s: Socket) => void): Promise<number> {
  const srv = createServer((s) => {
    s.on('error', () => {});
    onConn(s);
  });
  servers.push(srv);
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return (srv.address() as { port: number }).port;
}

afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

const OPTS = { connectTimeoutMs: 2000, bannerTimeoutMs: 3000 };

describe('rawProbe', () => {
  it('reads the banner, answers with an identification, hangs up', async () => {
    let got = '';
    const port = await serve((s) => {
      s.write(`${BANNER}\r\n`);
      s.on('data', (d) => (got += d.toString()));
    });
    const p = await rawProbe('127.0.0.1', port, OPTS);
    expect(p).toMatchObject({ tcp: 'connected', preBanner: 'banner', banner: BANNER, localAddress: '127.0.0.1' });
    expect(rawOutcome(p)).toBeUndefined();
    await new Promise((r) => setTimeout(r, 50));
    expect(got).toBe('SSH-2.0-remedy_diagnose\r\n');
  });

  it('"Exceeded MaxStartups" and a close at once', async () => {
    const port = await serve((s) => s.end('Exceeded MaxStartups\r\n'));
    const p = await rawProbe('127.0.0.1', port, OPTS);
    expect(p).toMatchObject({ preBanner: 'closed', lines: ['Exceeded MaxStartups'] });
    expect(rawOutcome(p)).toBe('maxstartups_message');
  });

  it('a close after a delay (libwrap) and a reset at once', async () => {
    const late = await serve((s) => setTimeout(() => s.end(), 1700));
    const p1 = await rawProbe('127.0.0.1', late, OPTS);
    expect(p1.preBannerMs).toBeGreaterThanOrEqual(1600);
    expect(rawOutcome(p1)).toBe('closed_after_delay');
    const reset = await serve((s) => s.resetAndDestroy());
    const p2 = await rawProbe('127.0.0.1', reset, OPTS);
    expect(p2, JSON.stringify(p2)).toMatchObject({ preBanner: "reset" });
    expect(rawOutcome(p2)).toBe('reset_at_once');
  });

  it('silence until the banner timeout; a refused port', async () => {
    const quiet = await serve(() => {});
    const p = await rawProbe('127.0.0.1', quiet, { connectTimeoutMs: 2000, bannerTimeoutMs: 300 });
    expect(rawOutcome(p)).toBe('banner_timeout');
    const gone = await serve(() => {});
    const srv = servers.pop()!;
    await new Promise((r) => srv.close(r));
    const r = await rawProbe('127.0.0.1', gone, OPTS);
    expect(r).toMatchObject({ tcp: 'refused', tcpError: 'ECONNREFUSED' });
    expect(rawOutcome(r)).toBe('tcp_refused');
    expect(describeProbe(r, 22)).toMatch(/^TCP connect to port 22 refused after \d+ ms \(ECONNREFUSED\)$/);
  });

  it('classifies by timing', () => {
    const p = (preBanner: RawProbe['preBanner'], preBannerMs: number): RawProbe => ({ tcp: 'connected', tcpMs: 1, preBanner, preBannerMs });
    expect(rawOutcome(p('reset', 5010))).toBe('reset_after_delay');
    expect(rawOutcome(p('reset', 3))).toBe('reset_at_once');
    expect(rawOutcome(p('closed', 5010))).toBe('closed_after_delay');
    expect(rawOutcome({ ...p('closed', 2), lines: ['Not allowed at this time'] })).toBe('penalty_message');
    expect(rawOutcome({ tcp: 'timeout', tcpMs: 10_000 })).toBe('tcp_timeout');
    expect(rawOutcome({ tcp: 'unreachable', tcpMs: 3000, tcpError: 'EHOSTUNREACH' })).toBe('tcp_unreachable');
  });
});

describe('probeVantage', () => {
  const target = (port: number) => ({ alias: 'h', host: '127.0.0.1', port, user: 'root', identityFiles: [] });
  const direct = { label: 'direct', via: [] };

  it('samples again when dropped at once, and stops before any login', async () => {
    let n = 0;
    const port = await serve((s) => {
      n++;
      s.end('Exceeded MaxStartups\r\n');
    });
    const { vantage, conn } = await probeVantage(target(port), direct, { ...OPTS, ssh: {} });
    expect(conn).toBeUndefined();
    expect(n).toBe(3);
    expect(vantage).toMatchObject({ phase: 'banner', outcome: 'maxstartups_message', dropped: 3, from: '127.0.0.1' });
    expect(vantage.login).toBeUndefined();
    expect(vantage.summary).toContain('3 of 3 new connections dropped before the banner');
    expect(vantage.timings.totalMs).toBeGreaterThanOrEqual(vantage.timings.connectMs!);
  });

  it('a name that does not resolve stops at resolve', async () => {
    const { vantage } = await probeVantage({ ...target(22), host: 'nonexistent.invalid' }, direct, { ...OPTS, ssh: {} });
    expect(vantage).toMatchObject({ phase: 'resolve', outcome: 'resolve_failed', resolve: { ok: false } });
  });
});
