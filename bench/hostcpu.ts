// CPU spent on the hosts' side of a run, and by everything else on the machine.
//
// The lab's hosts share the controller's cores, so a tool's wall time depends as much on the work
// it makes the hosts do (sshd sessions, shells, fail2ban-client and Ansible's python modules) as
// on its own CPU. After the lab is up, every process of every host (the descendants of each
// host's holder) is moved into one cpuacct cgroup; what they start later inherits it. The
// machine's total busy time (/proc/stat) minus controller and hosts is "other": load from
// outside the bench, which makes a run noisy.
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Lab } from '../test/lab/lab.js';

const CPUACCT = '/sys/fs/cgroup/cpuacct';
const USER_HZ = 100;

export interface CpuSnapshot {
  machineBusyS: number;
  hostsS: number | null;
}

/** pid -> ppid for every process. */
async function parents(): Promise<Map<number, number>> {
  const map = new Map<number, number>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (stat) map.set(Number(entry), ppid);
  }
  return map;
}

export class HostCpu {
  private constructor(private readonly dir: string | null) {}

  static async create(): Promise<HostCpu> {
    if (!existsSync(join(CPUACCT, 'cpuacct.usage'))) return new HostCpu(null);
    const dir = join(CPUACCT, `remedy-bench-hosts-${process.pid}`);
    try {
      await mkdir(dir);
      return new HostCpu(dir);
    } catch {
      return new HostCpu(null);
    }
  }

  /**
   * Move every process of the lab's hosts into the cgroup. Called after each reset: a reset that
   * had to start sshd (through nsenter, outside the cgroup) must not hide that sshd's work.
   */
  async adopt(lab: Lab): Promise<void> {
    if (!this.dir) return;
    const ppid = await parents();
    const roots = new Set(lab.hosts.map((h) => h.holderPid));
    const inLab = (pid: number): boolean => {
      for (let p: number | undefined = pid, hops = 0; p && hops < 64; p = ppid.get(p), hops++) if (roots.has(p)) return true;
      return false;
    };
    for (const pid of ppid.keys()) {
      if (inLab(pid)) await writeFile(join(this.dir, 'cgroup.procs'), `${pid}\n`).catch(() => {}); // gone meanwhile
    }
  }

  async snapshot(): Promise<CpuSnapshot> {
    const cpu = (await readFile('/proc/stat', 'utf8')).split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0] = cpu;
    const hostsS = this.dir ? Number((await readFile(join(this.dir, 'cpuacct.usage'), 'utf8')).trim()) / 1e9 : null;
    return { machineBusyS: (user + nice + system + irq + softirq) / USER_HZ, hostsS };
  }

  /** After the lab is gone (the cgroup is empty then). */
  async remove(): Promise<void> {
    if (!this.dir) return;
    for (let i = 0; i < 50; i++) {
      try {
        await rmdir(this.dir);
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }
}
