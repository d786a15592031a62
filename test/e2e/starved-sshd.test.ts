// A target whose sshd has every unauthenticated slot held (issue 12 part 3): `MaxStartups 1:100:1`
// drops every new connection while one is unauthenticated, and held connections free their slot
// only at `LoginGraceTime`. remedy's reach budget must outlast the hold and fix the host; a
// budget shorter than the hold reports the host unreachable in one condensed line.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { connect, type Socket } from 'node:net';
import { labKinds } from '../lab/kinds.js';
import { labAvailable, startLab, type Lab, type LabHost } from '../lab/lab.js';
import { runCli, json } from './run-cli.js';

const GRACE_S = 10;
const STARVE = `MaxStartups 1:100:1\nLoginGraceTime ${GRACE_S}\n`;

interface Hold {
  /** Resolves once one connection got sshd's banner: a slot is held. */
  held: Promise<void>;
  release: () => void;
}

/**
 * `n` connections to sshd that never send a byte. A connection dropped before the banner is
 * re-opened until one holds a slot (a previous connection's child may still hold it); with
 * `keep`, one that held its slot is re-opened too when sshd closes it at LoginGraceTime.
 */
function hold(ip: string, from: string, n: number, keep: boolean): Hold {
  const sockets = new Set<Socket>();
  let stopped = false;
  let holding = false;
  let isHeld!: () => void;
  const held = new Promise<void>((r) => { isHeld = r; });
  const open = (): void => {
    const sock = connect({ host: ip, port: 22, localAddress: from });
    sockets.add(sock);
    sock.on('error', () => {}); // drops are the point
    sock.once('data', (b: Buffer) => {
      if (b.toString('latin1').startsWith('SSH-')) { holding = true; isHeld(); }
    });
    sock.once('close', () => {
      sockets.delete(sock);
      if (stopped || (holding && !keep)) return;
      setTimeout(() => { if (!stopped) open(); }, 50);
    });
  };
  for (let i = 0; i < n; i++) open();
  return {
    held,
    release: () => {
      stopped = true;
      for (const s of sockets) s.destroy();
    },
  };
}

/** What a fresh TCP connection to sshd receives before it closes (or `banner` if it got one). */
function probe(ip: string, from: string): Promise<{ banner: boolean; closed: boolean; text: string }> {
  return new Promise((resolve) => {
    const sock = connect({ host: ip, port: 22, localAddress: from });
    let text = '';
    const done = (closed: boolean): void => {
      clearTimeout(timer);
      sock.destroy();
      resolve({ banner: text.startsWith('SSH-'), closed, text });
    };
    const timer = setTimeout(() => done(false), 3_000);
    sock.on('data', (b: Buffer) => {
      text += b.toString('latin1');
      if (text.startsWith('SSH-')) done(false);
    });
    sock.on('error', () => {});
    sock.once('close', () => done(true));
  });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

describe.skipIf(!labAvailable()).each(labKinds())('reach through a starved sshd ($name)', (kind) => {
  let lab: Lab;
  let h1: LabHost;
  let common: string[];
  const holds: { release: () => void }[] = [];
  const holdNow = async (keep: boolean) => {
    const h = hold(h1.ip, lab.mgmtIp, 2, keep);
    holds.push(h);
    await h.held;
    await sleep(100);
    return h;
  };

  beforeAll(async () => {
    lab = await startLab({ hosts: 1, prefix: 'remedy-starved', ...kind });
    h1 = lab.host('h1');
    await lab.denyClient(h1);
    await lab.writeFile(h1, '/etc/ssh/sshd_config.d/50-starve.conf', STARVE);
    await lab.reloadSshd(h1);
    common = ['-i', lab.inventoryFile, '--known-hosts', lab.knownHostsFile];
  });
  afterAll(async () => {
    for (const h of holds) h.release();
    await lab?.stop();
  });

  it('the held connections starve sshd: a fresh connection is dropped before the banner', async () => {
    const h = await holdNow(false);
    try {
      const p = await probe(h1.ip, lab.mgmtIp);
      expect(p.banner, p.text).toBe(false);
      expect(p.closed).toBe(true);
    } finally {
      h.release();
    }
    // Released: the slot is free again and the banner comes.
    await sleep(300);
    expect((await probe(h1.ip, lab.mgmtIp)).banner).toBe(true);
  });

  it('with a budget shorter than the hold, the host is unreachable and its attempts are one line', async () => {
    const h = await holdNow(true);
    try {
      expect((await probe(h1.ip, lab.mgmtIp)).banner).toBe(false);
      const run = await runCli(['apply', 'playbooks/unblock.yml', ...common, '--reach-timeout', '1', '--json']);
      expect(run.code, run.stderr).not.toBe(0);
      const host = json(run).plays[0].hosts.h1;
      expect(host.status, run.stderr).toBe('unreachable');
      const why = `${host.msg}\n${JSON.stringify(host.attempts)}`;
      // One condensed run of drops on the one path, not a message per attempt; drops on either
      // side of the banner (OpenSSH 10 closes during kex too) are one run.
      expect(host.msg, why).toMatch(/^unreachable on every path \(bind [\d.]+: \d+ attempts over \d+ s: banner(\+kex)?: .*\(MaxStartups\?\)\)$/);
      const n = Number(/(\d+) attempts/.exec(host.msg)![1]);
      expect(n, why).toBeGreaterThan(1);
      expect(host.msg.split('attempts over').length).toBe(2);
      // The JSON report keeps them as one group too.
      expect(host.attempts.map((a: any) => [a.ok, a.count])).toEqual([[false, n]]);
      expect(['banner', 'banner+kex']).toContain(host.attempts[0].phase);
    } finally {
      h.release();
    }
  });

  it('with the default budget, remedy gets in as a held slot frees, fixes the host, and the client logs in', async () => {
    expect((await lab.sshLogin(h1, { from: 'client' })).ok).toBe(false);
    await holdNow(false);
    expect((await probe(h1.ip, lab.mgmtIp)).banner).toBe(false);
    const run = await runCli(['apply', 'playbooks/unblock.yml', ...common, '--json']);
    expect(run.code, run.stderr + JSON.stringify(json(run).recap)).toBe(0);
    const host = json(run).plays[0].hosts.h1;
    expect(host.status).toBe('changed');
    // It took retries: the first attempts were dropped while the slot was held (before the banner;
    // OpenSSH 10 sometimes early in key exchange), grouped by phase before the working attempt.
    const failed = host.attempts.slice(0, -1);
    expect(host.attempts.at(-1)).toMatchObject({ ok: true, count: 1 });
    expect(failed.map((a: any) => [a.ok, ['banner', 'kex'].includes(a.phase)])).toEqual(failed.map(() => [false, true]));
    expect(failed.reduce((n: number, a: any) => n + a.count, 0)).toBeGreaterThan(1);
    expect((await lab.sshLogin(h1, { from: 'client' })).ok).toBe(true);
  });
});
