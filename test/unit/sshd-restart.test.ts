// sshd's checked restart, run by a real sh against stand-ins for sshd and systemctl that behave
// as the real ones do where it matters: sshd -t exits 255 with OpenSSH's own message while its
// privilege separation directory is missing (as after systemd stopped ssh.service), and systemctl
// records what it was asked.
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, chmodSync, readFileSync, existsSync, statSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sshdCheckedCommand, type SshdService } from '../../src/modules/sshd-restart.js';
import { BOUNDED_FN } from '../../src/engine/host-scripts.js';

let dir: string;
let log: string;
let privsep: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'remedy-sshd-restart-'));
  log = join(dir, 'calls');
  privsep = join(dir, 'run', 'sshd');
  mkdirSync(join(dir, 'bin'));
  const script = (name: string, body: string) => {
    writeFileSync(join(dir, 'bin', name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(dir, 'bin', name), 0o755);
  };
  // OpenSSH's log.c ends each stderr line with \r\n.
  script('sshd', `[ -d '${privsep}' ] || { printf 'Missing privilege separation directory: %s\\r\\n' '${privsep}' >&2; exit 255; }
echo "sshd $*" >> '${log}'
[ ! -e '${dir}/bad-config' ] || { echo "/etc/ssh/sshd_config line 3: Bad configuration option: Nope" >&2; exit 255; }`);
  script('systemctl', `echo "systemctl $*" >> '${log}'`);
  script('service', `echo "service $*" >> '${log}'`);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function run(s: Omit<SshdService, 'sshdPath'>, verb: 'restart' | 'start' | 'reload', bound = ''): { code: number; calls: string[] } {
  const command = sshdCheckedCommand({ ...s, sshdPath: join(dir, 'bin', 'sshd') }, verb, bound)!;
  const script = bound ? `${BOUNDED_FN}\nT=5\n${command}` : command;
  const r = spawnSync('sh', ['-c', script], { env: { ...process.env, PATH: `${join(dir, 'bin')}:${process.env.PATH}` } });
  return { code: r.status ?? -1, calls: existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : [] };
}

describe('sshd checked restart (executed by sh)', () => {
  it('systemd: a stopped unit whose /run/sshd systemd removed is started again, the rate limit reset first', () => {
    const r = run({ serviceMgr: 'systemd', name: 'ssh' }, 'start');
    expect(r.code).toBe(0);
    expect(statSync(privsep).mode & 0o7777).toBe(0o755);
    expect(r.calls).toEqual(['sshd -t', 'systemctl reset-failed ssh', 'systemctl start ssh']);
  });

  it('a configuration sshd rejects is never restarted into', () => {
    writeFileSync(join(dir, 'bad-config'), '');
    mkdirSync(privsep, { recursive: true });
    const r = run({ serviceMgr: 'systemd', name: 'ssh' }, 'restart');
    expect(r.code).toBe(255);
    expect(r.calls.filter((c) => c.startsWith('systemctl'))).toEqual([]);
  });

  it('an existing privsep directory is left as it is; reload does not reset the unit', () => {
    mkdirSync(privsep, { recursive: true, mode: 0o711 });
    chmodSync(privsep, 0o711);
    const r = run({ serviceMgr: 'systemd', name: 'ssh' }, 'reload');
    expect(r.code).toBe(0);
    expect(statSync(privsep).mode & 0o7777).toBe(0o711);
    expect(r.calls).toEqual(['sshd -t', 'sshd -t', 'systemctl reload ssh']);
  });

  it("sysvinit: service(8), no systemd words; restart.sh's bounded form runs the same steps", () => {
    const r = run({ serviceMgr: 'sysvinit', name: 'ssh' }, 'restart', 'bounded "$T" ');
    expect(r.code).toBe(0);
    expect(r.calls).toEqual(['sshd -t', 'service ssh restart']);
    const sd = run({ serviceMgr: 'systemd', name: 'ssh' }, 'restart', 'bounded "$T" ');
    expect(sd.code).toBe(0);
    expect(sd.calls.slice(2)).toEqual(['sshd -t', 'sshd -t', 'systemctl reset-failed ssh', 'systemctl restart ssh']);
  });

  it('an unknown service manager: restart falls back to SIGHUP of sshd.pid, start and reload have no command', () => {
    expect(sshdCheckedCommand({ sshdPath: '/usr/sbin/sshd', serviceMgr: 'unknown', name: 'ssh' }, 'restart')).toMatch(/ && kill -HUP "\$\(cat \/run\/sshd\.pid\)"$/);
    expect(sshdCheckedCommand({ sshdPath: '/usr/sbin/sshd', serviceMgr: 'unknown', name: 'ssh' }, 'start')).toBeNull();
    expect(sshdCheckedCommand({ sshdPath: '/usr/sbin/sshd', serviceMgr: 'unknown', name: 'ssh' }, 'reload')).toBeNull();
  });
});
