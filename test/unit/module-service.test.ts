// service module: the exact command per service manager, idempotent started/stopped via a status
// probe, and sshd never restarted into a configuration `sshd -t` rejects.
import { describe, it, expect } from 'vitest';
import { service, isSshService } from '../../src/modules/service.js';
import { serviceCommand, serviceStatusProbe } from '../../src/modules/service-command.js';
import type { ModulePlan } from '../../src/engine/change.js';
import type { ProbeResult } from '../../src/modules/module.js';
import { parseFacts, type Facts } from '../../src/facts.js';

function makeFacts(over: Partial<Facts> = {}): Facts {
  const base = parseFacts(['init=systemd', 'sshd=/usr/sbin/sshd', 'sshd_version=OpenSSH_9.2p1', 'libwrap_in=/usr/sbin/sshd', 'ssh_service=ssh'].join('\n'));
  return { ...base, ...over };
}

/** Plan with the probes the module asks for answered by `running`. */
function plan(raw: Record<string, unknown>, facts = makeFacts(), running: string[] = []): { plan: ModulePlan; probes: string[] } {
  const args = service.args.parse(raw);
  const probes = service.probes?.(args, { facts, known: () => undefined, probed: () => undefined, vars: {} }) ?? [];
  const answer = (c: string): ProbeResult => {
    if (!probes.includes(c)) throw new Error(`planned without probing ${c}`);
    const name = c.split(' ').find((w) => running.includes(w));
    return name ? { code: 0, stdout: 'active\n', stderr: '' } : { code: 3, stdout: 'inactive\n', stderr: '' };
  };
  const p = service.plan(args, { facts, file: () => { throw new Error('no reads'); }, probe: answer, check: false, vars: {} });
  return { plan: p, probes };
}
/** sshd -t after making the privsep directory sshd reports missing (src/modules/sshd-restart.ts). */
const check = (sshd: string) =>
  `{ remedy_privsep=$(${sshd} -t 2>&1 >/dev/null | tr -d '\\r' | sed -n 's|^.*Missing privilege separation directory: \\(/[^ ]*\\).*$|\\1|p' | head -n 1); [ -z "$remedy_privsep" ] || install -d -m 0755 -- "$remedy_privsep"; ${sshd} -t; }`;
const SSHD_T = check('/usr/sbin/sshd');
const commands = (p: ModulePlan) => (p.kind === 'change' ? p.changes.map((c) => (c.kind === 'run' ? c.command : c.kind)) : []);

describe('service: restart and reload', () => {
  it('systemd: sshd is checked with sshd -t first; the default name is facts.sshService', () => {
    const { plan: p, probes } = plan({ state: 'restarted' });
    expect(probes).toEqual([]); // handlers always act when notified
    // systemd's start rate limit is reset first: a refused start would leave sshd dead.
    expect(commands(p)).toEqual([`${SSHD_T} && { systemctl reset-failed ssh 2>/dev/null; systemctl restart ssh; }`]);
    expect(commands(plan({ state: 'reloaded' }).plan)).toEqual([`${SSHD_T} && systemctl reload ssh`]);
  });

  it('sysvinit uses service(8); openrc rc-service; RHEL-style sshd name', () => {
    expect(commands(plan({ state: 'restarted' }, makeFacts({ serviceMgr: 'sysvinit' })).plan)).toEqual([`${SSHD_T} && service ssh restart`]);
    expect(commands(plan({ state: 'restarted' }, makeFacts({ serviceMgr: 'openrc', sshService: 'sshd' })).plan)).toEqual([`${SSHD_T} && rc-service sshd restart`]);
    expect(commands(plan({ name: 'sshd.service', state: 'reloaded' }, makeFacts({ sshService: 'sshd' })).plan)).toEqual([`${SSHD_T} && systemctl reload sshd.service`]);
  });

  it('other services get no sshd -t', () => {
    expect(commands(plan({ name: 'fail2ban', state: 'restarted' }).plan)).toEqual(['systemctl restart fail2ban']);
    expect(commands(plan({ name: 'denyhosts', state: 'reloaded' }, makeFacts({ serviceMgr: 'sysvinit' })).plan)).toEqual(['service denyhosts reload']);
  });

  it('an sshd path that needs quoting is quoted', () => {
    expect(commands(plan({ state: 'restarted' }, makeFacts({ sshdPath: "/opt/open ssh/sshd" })).plan)).toEqual([`${check("'/opt/open ssh/sshd'")} && { systemctl reset-failed ssh 2>/dev/null; systemctl restart ssh; }`]);
  });

  it('unknown service manager or unknown sshd: fails clearly', () => {
    const u = plan({ state: 'restarted' }, makeFacts({ serviceMgr: 'unknown' })).plan;
    expect(u).toEqual({ kind: 'fail', message: "cannot manage service ssh: the host's service manager is unknown (facts found neither systemd, OpenRC nor sysvinit)" });
    const n = plan({ state: 'restarted' }, makeFacts({ sshdPath: '' })).plan;
    expect(n.kind === 'fail' && n.message).toContain('refusing to restart ssh without checking its configuration');
  });
});

describe('service: started and stopped are idempotent', () => {
  it('started: probes, plans nothing when running, starts (after sshd -t) when not', () => {
    const up = plan({ state: 'started' }, makeFacts(), ['ssh']);
    expect(up.probes).toEqual(['systemctl is-active ssh']);
    expect(up.plan).toEqual({ kind: 'ok', message: 'ssh is running (systemctl is-active ssh exited 0)' });
    const down = plan({ state: 'started' });
    expect(commands(down.plan)).toEqual([`${SSHD_T} && { systemctl reset-failed ssh 2>/dev/null; systemctl start ssh; }`]);
  });

  it('stopped: nothing when not running, stop (no sshd -t) when running', () => {
    expect(plan({ name: 'denyhosts', state: 'stopped' }).plan.kind).toBe('ok');
    const sysv = plan({ name: 'denyhosts', state: 'stopped' }, makeFacts({ serviceMgr: 'sysvinit' }), ['denyhosts']);
    expect(sysv.probes).toEqual(['service denyhosts status']);
    expect(commands(sysv.plan)).toEqual(['service denyhosts stop']);
    const rc = plan({ name: 'denyhosts', state: 'stopped' }, makeFacts({ serviceMgr: 'openrc' }), ['denyhosts']);
    expect(rc.probes).toEqual(['rc-service denyhosts status']);
    expect(commands(rc.plan)).toEqual(['rc-service denyhosts stop']);
  });
});

describe('service: arguments and helpers', () => {
  it('rejects names that are not service names and unknown states', () => {
    for (const name of ['ssh; reboot', 'ssh restart', '-x', '../ssh', '$(id)', '']) {
      expect(service.args.safeParse({ name, state: 'restarted' }).success, name).toBe(false);
    }
    expect(service.args.safeParse({ state: 'enabled' }).success).toBe(false);
    expect(service.args.safeParse({ name: 'getty@tty1.service', state: 'restarted' }).success).toBe(true);
  });

  it('helpers', () => {
    expect(serviceCommand('systemd', 'x', 'stop')).toBe('systemctl stop x');
    expect(serviceCommand('unknown', 'x', 'stop')).toBeNull();
    expect(serviceStatusProbe('openrc', 'x')).toBe('rc-service x status');
    expect(isSshService('ssh.socket', makeFacts())).toBe(true);
    expect(isSshService('sshguard', makeFacts())).toBe(false);
  });
});
