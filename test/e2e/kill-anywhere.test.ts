// SIGKILL of the controller at any instant of a fleet apply that restarts sshd (issue 11): once
// the lease ran out, each host is byte-identical to before or fully fixed and verified;
// `remedy runs` names every host the run touched and `remedy rollback ID` restores them; no
// `.remedy.*` temp file, guard or sleep is left. 20 instants drawn from a fixed seed, on one
// lab whose lockout is put back between instants.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labKinds } from '../lab/kinds.js';
import { labAvailable, startLab, type FileState, type Lab, type LabHost } from '../lab/lab.js';
import { runCli, json } from './run-cli.js';

const FILES = ['/etc/hosts.deny', '/etc/hosts.allow', '/etc/ssh/sshd_config'];
const SNAP = '/etc/remedy-test-snap';
const LEASE_SEC = 5;
const INSTANTS = 20;
const SEED = 11;
const tmp = mkdtempSync(join(tmpdir(), 'remedy-kill-'));

/** mulberry32: the same 20 instants on every run of the test. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleepMs = (ms: number) => new Promise((r) => setTimeout(r, ms));
const until = async (what: string, fn: () => Promise<boolean>, ms: number) => {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await fn()) return;
    await sleepMs(200);
  }
  throw new Error(`timed out waiting for ${what}`);
};

interface HostBefore {
  files: Record<string, FileState | null>;
  dropIns: string;
}

describe.skipIf(!labAvailable()).each(labKinds())('SIGKILL of the controller at any instant ($name)', (kind) => {
  let lab: Lab;
  let common: string[];
  const before = new Map<string, HostBefore>();
  const exec = async (h: LabHost, cmd: string) => (await lab.exec(h, cmd)).stdout.trim();
  const dropIns = (h: LabHost) => exec(h, 'ls -A /etc/ssh/sshd_config.d');
  const leftovers = (h: LabHost) => exec(h, "{ pgrep -f 'runs/.*/[g]uard.sh'; pgrep -x sleep; ls -A /etc /etc/ssh /etc/ssh/sshd_config.d | grep '^\\.remedy\\.'; } || true");
  const runDirs = (h: LabHost) => exec(h, `ls /var/lib/remedy/runs/*/${h.name}/rollback.sh 2>/dev/null | cut -d/ -f6 || true`);
  const maxStartups = (h: LabHost) => exec(h, "sshd -T | grep -i '^maxstartups '");

  /** The lockout and the low MaxStartups back, byte for byte, and sshd reading them. */
  const reset = async () => {
    await Promise.all(lab.hosts.map(async (h) => {
      await exec(h, `for f in ${FILES.map((f) => f.replace(/^.*\//, '')).join(' ')}; do
  case $f in sshd_config) t=/etc/ssh/$f ;; *) t=/etc/$f ;; esac; cp -a ${SNAP}/$f "$t"; done
rm -rf /var/lib/remedy/runs`);
      await lab.reloadSshd(h);
    }));
  };

  /** Fixed: MaxStartups raised, and the client itself logs in (hosts.deny no longer refuses it). */
  const fixed = async (h: LabHost) => (await unfixed(h)) === '';
  const unfixed = async (h: LabHost) => {
    const m = await maxStartups(h);
    if (m !== 'maxstartups 10:30:100') return m;
    const login = await lab.sshLogin(h, { from: 'client' });
    return login.ok ? '' : `client login: ${JSON.stringify(login).slice(0, 300)}`;
  };

  beforeAll(async () => {
    lab = await startLab({ hosts: 3, prefix: 'remedy-kill', ...kind });
    common = ['-i', lab.inventoryFile, '--known-hosts', lab.knownHostsFile];
    for (const h of lab.hosts) {
      await lab.denyClient(h);
      await lab.setSshdOption(h, 'MaxStartups 4:30:8');
      await exec(h, `mkdir -p ${SNAP} && cp -a ${FILES.join(' ')} ${SNAP}/`);
      before.set(h.name, { files: await lab.fileState(h, FILES), dropIns: await dropIns(h) });
    }
  }, 120_000);
  afterAll(async () => {
    await lab?.stop();
  });

  it(`${INSTANTS} seeded instants: each host as before or fixed, known to runs, restored by rollback, nothing left`, async () => {
    // --forks 1: one host after another, so an instant can find hosts checkpointed, changing and untouched.
    const apply = (state: string) => spawn(process.execPath, ['dist/src/cli.js', 'apply', 'playbooks/unblock.yml', ...common, '--forks', '1', '--confirm-timeout', String(LEASE_SEC)], {
      env: { ...process.env, XDG_STATE_HOME: state, NO_COLOR: '1' }, stdio: 'ignore',
    });
    // An uninterrupted run: it fixes every host, and its length is the span the instants fall in.
    const t0 = Date.now();
    // Journals per kind: both kinds' instant i must not share a state directory (and its runs).
    const full = apply(join(tmp, kind.name, 'full'));
    expect(await new Promise((r) => full.on('exit', r))).toBe(0);
    const span = Date.now() - t0;
    for (const h of lab.hosts) expect(await unfixed(h), h.name).toBe('');
    const random = seeded(SEED);
    const outcomes: string[] = [];
    for (let i = 0; i < INSTANTS; i++) {
      await reset();
      // Past the span too: a run that ended just before its kill (load makes runs longer or shorter).
      const at = Math.round(random() * span * 1.25);
      const state = join(tmp, kind.name, `kill-${i}`);
      const child = apply(state);
      const exited = new Promise((r) => child.on('exit', r));
      await sleepMs(at);
      child.kill('SIGKILL');
      const killedAt = Date.now();
      await exited;
      const where = `instant ${i} (${at} ms of ${span})`;
      // The lease runs out, the guards roll back and end: within the lease and a few seconds.
      await until(`${where}: no guard left`, async () => (await Promise.all(lab.hosts.map((h) => exec(h, "pgrep -f 'runs/.*/[g]uard.sh' || true")))).every((g) => g === ''), (LEASE_SEC + 10) * 1000);
      expect(Date.now() - killedAt, where).toBeLessThan((LEASE_SEC + 6) * 1000);
      const runs = (await runCli(['runs'], { XDG_STATE_HOME: state })).stdout;
      const runId = /^(\d{8}T\d{6}-[0-9a-f]{6})\s/m.exec(runs)?.[1];
      const seen: string[] = [];
      for (const h of lab.hosts) {
        const b = before.get(h.name)!;
        await until(`${where}: ${h.name} answers a login`, async () => (await lab.sshLogin(h, { from: 'mgmt' })).ok, 20_000);
        const same = JSON.stringify(await lab.fileState(h, FILES)) === JSON.stringify(b.files) && (await dropIns(h)) === b.dropIns;
        const ok = same || (await fixed(h));
        expect(ok, `${where}: ${h.name} neither as before nor fixed`).toBe(true);
        seen.push(`${h.name}:${same ? 'before' : 'fixed'}`);
        expect(await leftovers(h), `${where}: ${h.name} left a guard, sleep or temp file`).toBe('');
        // Every host the run touched (its run directory exists) is in the run's journal.
        const dirs = await runDirs(h);
        if (dirs !== '') {
          expect(runId, `${where}: ${h.name} touched by a run remedy runs does not list:\n${runs}`).toBe(dirs);
          expect(runs, where).toContain(h.name);
        }
      }
      outcomes.push(`${at}ms ${seen.join(' ')} | ${runs.trim().replace(/\s+/g, ' ')}`);
      if (runId && / host\(s\) changed[ \t]+\S/.test(runs.split('\n')[0]!)) {
        const back = await runCli(['rollback', runId, ...common, '--json'], { XDG_STATE_HOME: state });
        expect(back.code, `${where}: ${back.stdout.slice(0, 3000)}${back.stderr}`).toBe(0);
        for (const h of Object.keys(json(back).recap)) {
          const b = before.get(h)!;
          expect(await lab.fileState(lab.host(h), FILES), `${where}: ${h} after rollback`).toEqual(b.files);
          expect(await dropIns(lab.host(h)), where).toBe(b.dropIns);
        }
      }
    }
    console.log(`kill instants (span ${span} ms):\n${outcomes.join('\n')}`);
  }, 600_000);
});
