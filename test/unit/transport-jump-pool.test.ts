// The shared jump connection: one opening per chain however many targets ask at once, every
// target's channel on it, one reconnect when it dies, and closed once nobody uses it.
import { describe, expect, it } from 'vitest';
import { PassThrough, type Duplex } from 'node:stream';
import { JumpPool, chainKey, chainLabel, type SharedChain } from '../../src/transport/jump-pool.js';
import type { Endpoint } from '../../src/transport/connection.js';

/** A fake chain: counts its channels; `kill()` makes it die as a killed sshd child would. */
class FakeChain implements SharedChain {
  alive = true;
  closed = false;
  readonly channels: string[] = [];
  constructor(readonly n: number) {}
  async forwardOut(host: string, port: number): Promise<Duplex> {
    if (!this.alive) throw new Error('Not connected to server');
    this.channels.push(`${host}:${port}`);
    return new PassThrough();
  }
  kill(): void {
    this.alive = false;
  }
  async close(): Promise<void> {
    this.alive = false;
    this.closed = true;
  }
}

/** An opener that takes a moment (as a login does) and records each chain it opened. */
function opener(delayMs = 20, fail = 0) {
  const opened: FakeChain[] = [];
  let failures = fail;
  const open = async (): Promise<SharedChain> => {
    await new Promise((r) => setTimeout(r, delayMs));
    if (failures-- > 0) throw new Error('banner: connection reset');
    const c = new FakeChain(opened.length + 1);
    opened.push(c);
    return c;
  };
  return { open, opened };
}

const ep = (over: Partial<Endpoint> = {}): Endpoint => ({ alias: 'bastion', host: '198.18.0.10', port: 22, user: 'root', identityFiles: ['/k'], ...over });

describe('JumpPool', () => {
  it('opens the chain once for 40 concurrent targets, and opens every channel on it', async () => {
    const pool = new JumpPool();
    const { open, opened } = opener();
    const leases = await Promise.all(Array.from({ length: 40 }, () => pool.lease('k', 'root@bastion:22', open)));
    await Promise.all(leases.map((l, i) => l.forward(`198.18.0.${20 + i}`, 22)));
    expect(opened).toHaveLength(1);
    expect(opened[0]!.channels).toHaveLength(40);
    expect(opened[0]!.channels[0]).toBe('198.18.0.20:22');
    expect(pool.stats()).toEqual([{ chain: 'root@bastion:22', logins: 1, channels: 40 }]);
    await pool.close();
    expect(opened[0]!.closed).toBe(true);
  });

  it('reconnects once when the shared connection died, the other targets sharing the new one', async () => {
    const pool = new JumpPool();
    const { open, opened } = opener();
    const leases = await Promise.all(Array.from({ length: 10 }, () => pool.lease('k', 'c', open)));
    await leases[0]!.forward('t0', 22);
    opened[0]!.kill();
    await Promise.all(leases.slice(1).map((l, i) => l.forward(`t${i + 1}`, 22)));
    expect(opened).toHaveLength(2);
    expect(opened[1]!.channels).toHaveLength(9);
    expect(pool.stats()[0]!.logins).toBe(2);
    await pool.close();
  });

  it('a channel open that fails on a live chain is passed on, not retried', async () => {
    const pool = new JumpPool();
    const refusing: SharedChain = {
      alive: true,
      forwardOut: async () => { throw Object.assign(new Error('open failed'), { reason: 1 }); },
      close: async () => undefined,
    };
    let opens = 0;
    const lease = await pool.lease('k', 'c', async () => (opens++, refusing));
    await expect(lease.forward('t', 22)).rejects.toMatchObject({ reason: 1 });
    expect(opens).toBe(1);
    await pool.close();
  });

  it('a failed opening fails every waiter once, and the next lease opens afresh', async () => {
    const pool = new JumpPool();
    const { open, opened } = opener(20, 1);
    const first = await Promise.allSettled(Array.from({ length: 5 }, () => pool.lease('k', 'c', open)));
    expect(first.every((r) => r.status === 'rejected')).toBe(true);
    const lease = await pool.lease('k', 'c', open);
    await lease.forward('t', 22);
    expect(opened).toHaveLength(1);
    await pool.close();
  });

  it('keeps a chain open between users for the idle time, then closes it', async () => {
    const pool = new JumpPool(60);
    const { open, opened } = opener(1);
    (await pool.lease('k', 'c', open)).release();
    const again = await pool.lease('k', 'c', open); // the next play: no new login
    expect(opened).toHaveLength(1);
    again.release();
    again.release(); // idempotent: the count never goes below zero
    await new Promise((r) => setTimeout(r, 120));
    expect(opened[0]!.closed).toBe(true);
    (await pool.lease('k', 'c', open)).release();
    expect(opened).toHaveLength(2);
    expect(pool.stats()).toEqual([{ chain: 'c', logins: 2, channels: 0 }]);
    await pool.close();
    expect(opened[1]!.closed).toBe(true);
  });

  it('separate chains never share', async () => {
    const pool = new JumpPool();
    const { open, opened } = opener(1);
    await pool.lease('a', 'a', open);
    await pool.lease('b', 'b', open);
    expect(opened).toHaveLength(2);
    await pool.close();
  });
});

describe('chainKey', () => {
  const settings = { hostKeyMode: 'strict' };
  const base = chainKey([ep()], undefined, settings);
  it('differs for any hop, identity, password, bind address or checking setting', () => {
    const variants = [
      chainKey([ep({ user: 'admin' })], undefined, settings),
      chainKey([ep({ port: 2222 })], undefined, settings),
      chainKey([ep({ host: '198.18.0.11' })], undefined, settings),
      chainKey([ep({ identityFiles: ['/other'] })], undefined, settings),
      chainKey([ep({ password: 'pw' })], undefined, settings),
      chainKey([ep()], '198.18.0.2', settings),
      chainKey([ep()], undefined, { hostKeyMode: 'accept-new' }),
      chainKey([ep(), ep({ alias: 'inner', host: '10.0.0.1' })], undefined, settings),
    ];
    expect(new Set([base, ...variants]).size).toBe(variants.length + 1);
    expect(chainKey([ep()], undefined, { ...settings })).toBe(base);
  });
  it('never holds a password in clear', () => {
    expect(chainKey([ep({ password: 'hunter2' })], undefined, settings)).not.toContain('hunter2');
  });
  it('labels the chain hop by hop', () => {
    expect(chainLabel([ep(), ep({ host: '10.0.0.1', user: 'ops', port: 2200 })])).toBe('root@198.18.0.10:22 > ops@10.0.0.1:2200');
  });
});
