// A rescue is counted only when something was put back, and no guard outlives its run (issue
// 11, defect 9): a confirmed run leaves no guard shell nor its `sleep`; a write the host refuses
// (read-only /etc, an immutable file, a full disk) changed nothing, so its host fails with
// rescued=0, files byte-identical, no temp file and no guard left.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labKinds } from '../lab/kinds.js';
import { labAvailable, startLab, type Lab, type LabHost } from '../lab/lab.js';
import { runCli, json } from './run-cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'remedy-rescue-'));
const playbook = (name: string, text: string) => {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
};
const edit = (path: string) => playbook(`edit-${path.replace(/\W/g, '_')}.yml`, `- hosts: all
  tasks:
    - lineinfile: { path: ${path}, line: "# remedy rescue-count test" }
`);

describe.skipIf(!labAvailable()).each(labKinds())('rescues and guards on a real sshd host ($name)', (kind) => {
  let lab: Lab;
  let h: LabHost;
  let common: string[];
  const env = { XDG_STATE_HOME: join(tmp, 'state') };
  const sleeps = async () => (await lab.exec(h, 'pgrep -x sleep || true')).stdout.split('\n').filter(Boolean);
  const guards = async () => (await lab.exec(h, "pgrep -f 'runs/.*/[g]uard.sh' || true")).stdout.trim();
  const temps = async (dir: string) => (await lab.exec(h, `ls -a ${dir} | grep -c '^\\.remedy\\.' || true`)).stdout.trim();

  /** Apply an edit the host refuses: failed, nothing rescued, bytes as before, nothing left behind. */
  const refused = async (path: string) => {
    const before = await lab.fileState(h, [path]);
    const sleepsBefore = await sleeps();
    const run = await runCli(['apply', edit(path), ...common, '--confirm-timeout', '60', '--json'], env);
    expect(run.code, run.stdout.slice(0, 3000)).toBe(2);
    const recap = json(run).recap[h.name];
    expect(recap, JSON.stringify(json(run).plays[0].hosts[h.name].msg)).toMatchObject({ status: 'failed', failed: 1, rescued: 0 });
    expect(await lab.fileState(h, [path])).toEqual(before);
    expect(await guards()).toBe('');
    await expect.poll(async () => (await sleeps()).filter((p) => !sleepsBefore.includes(p)), { timeout: 3_000, interval: 100 }).toEqual([]);
    return json(run).plays[0].hosts[h.name].msg as string;
  };

  beforeAll(async () => {
    lab = await startLab({ hosts: 1, prefix: 'remedy-rescue', ...kind });
    h = lab.hosts[0]!;
    common = ['-i', lab.inventoryFile, '--known-hosts', lab.knownHostsFile];
  });
  afterAll(async () => {
    await lab?.stop();
  });

  it('a confirmed run leaves neither its guard nor the guard\'s sleep on the host', async () => {
    const sleepsBefore = await sleeps();
    const run = await runCli(['apply', edit('/etc/hosts.allow'), ...common, '--confirm-timeout', '60', '--json'], env);
    expect(run.code, run.stdout.slice(0, 3000)).toBe(0);
    expect(json(run).recap[h.name]).toMatchObject({ status: 'changed', rescued: 0 });
    expect(await guards()).toBe('');
    // The disarm TERMs the guard's group at once; the killed sleep is reaped by the host's init
    // within a second (the defect was a sleep living on for its whole 60 s lease).
    await expect.poll(async () => (await sleeps()).filter((p) => !sleepsBefore.includes(p)), { timeout: 3_000, interval: 100 }).toEqual([]);
  });

  it('read-only /etc: failed, rescued=0, nothing left', async () => {
    // A read-only bind of /etc over itself: the same on both kinds (a bare host's /etc is a
    // mount of its own, a container's is part of its root), and umount puts the writable one back.
    const ro = await lab.exec(h, 'mount --bind /etc /etc && mount -o remount,bind,ro /etc');
    expect(ro.code, ro.stderr).toBe(0);
    try {
      expect(await refused('/etc/hosts.deny')).toMatch(/Read-only file system/);
    } finally {
      await lab.exec(h, 'umount /etc');
    }
    expect(await temps('/etc')).toBe('0');
  });

  it('an immutable file (chattr +i): failed, rescued=0, nothing left', async (ctx) => {
    const set = await lab.exec(h, 'chattr +i /etc/hosts.deny');
    if (set.code !== 0) return ctx.skip(`chattr +i is not supported here: ${set.stderr.trim()}`);
    try {
      expect(await refused('/etc/hosts.deny')).toMatch(/Operation not permitted/);
    } finally {
      await lab.exec(h, 'chattr -i /etc/hosts.deny');
    }
    expect(await temps('/etc')).toBe('0');
  });

  it('a full file system (ENOSPC): failed, rescued=0, nothing left', async () => {
    await lab.exec(h, `mkdir -p /srv/full && mount -t tmpfs -o size=8k tmpfs /srv/full && printf 'a\\n' > /srv/full/x.conf
      dd if=/dev/zero of=/srv/full/fill bs=1k 2>/dev/null; true`);
    try {
      expect(await refused('/srv/full/x.conf')).toMatch(/No space left on device/);
      expect(await temps('/srv/full')).toBe('0');
    } finally {
      await lab.exec(h, 'umount /srv/full; rmdir /srv/full');
    }
  });
});
