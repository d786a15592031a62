// `service`: restart, reload, start or stop a service with the host's own service manager.
//
// The exact command per manager (facts.serviceMgr):
//   systemd   systemctl <restart|reload|start|stop> <unit>     status probe: systemctl is-active <unit>
//   sysvinit  service <name> <restart|reload|start|stop>         status probe: service <name> status
//   openrc    rc-service <name> <restart|reload|start|stop>      status probe: rc-service <name> status
//   unknown   the task fails: guessing a manager could run the wrong thing.
// On sysvinit hosts `service` is used, never `/etc/init.d/<name>` directly: it is present wherever
// LSB init scripts are (Debian's init-system-helpers, RHEL's initscripts), it runs the script with
// a clean environment (so the remote session's variables do not leak into the daemon), and on a
// host that booted systemd after all it hands over to systemctl.
//
// 'restarted' and 'reloaded' always plan their command (handlers run only when notified);
// 'started' and 'stopped' probe first and plan nothing when the service already is in that state.
// For sshd itself (the `ssh`/`sshd` service, default facts.sshService), restart/reload/start are
// checked first (src/modules/sshd-restart.ts): a configuration sshd rejects is never restarted
// into, and a start systemd's rate limit would refuse is not left to leave sshd dead.
import { z } from 'zod';
import { str } from './arg-types.js';
import { serviceCommand, serviceStatusProbe, type ServiceVerb } from './service-command.js';
import { sshdCheckedCommand } from './sshd-restart.js';
import type { Facts } from '../facts.js';
import type { ModuleDef } from './module.js';

const VERB = { restarted: 'restart', reloaded: 'reload', started: 'start', stopped: 'stop' } as const satisfies Record<string, ServiceVerb>;

/** Unit / init-script names: no shell metacharacters, no path separators, no leading dash. */
export const SERVICE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_@.:+\\-]*$/;

/** Is this the OpenSSH server's service (by the facts' name, or the usual ssh/sshd names)? */
export function isSshService(name: string, facts: Facts): boolean {
  const base = name.replace(/\.(service|socket)$/, '');
  return base === facts.sshService || base === 'ssh' || base === 'sshd';
}

const args = z.strictObject({
  /** Default: facts.sshService ('ssh' on Debian/Ubuntu, 'sshd' elsewhere). */
  name: str(z.string().regex(SERVICE_NAME, 'expected a service name (letters, digits, _ @ . : + - \\)')).optional(),
  state: z.enum(['restarted', 'reloaded', 'started', 'stopped']),
});

type Args = z.infer<typeof args>;

const unknownMgr = (name: string) =>
  `cannot manage service ${name}: the host's service manager is unknown (facts found neither systemd, OpenRC nor sysvinit)`;

export const service: ModuleDef<Args> = {
  name: 'service',
  aliases: ['ansible.builtin.service'],
  summary: "restart, reload, start or stop a service with the host's service manager (sshd: only after sshd -t)",
  args,
  probes(a, ctx) {
    if (a.state !== 'started' && a.state !== 'stopped') return [];
    const probe = serviceStatusProbe(ctx.facts.serviceMgr, a.name ?? ctx.facts.sshService);
    return probe ? [probe] : [];
  },
  plan(a, ctx) {
    const f = ctx.facts;
    const name = a.name ?? f.sshService;
    if (!SERVICE_NAME.test(name)) return { kind: 'fail', message: `'${name}' is not a service name` };
    const verb = VERB[a.state];
    const command = serviceCommand(f.serviceMgr, name, verb);
    if (command === null) return { kind: 'fail', message: unknownMgr(name) };

    if (a.state === 'started' || a.state === 'stopped') {
      const probe = serviceStatusProbe(f.serviceMgr, name)!;
      const running = ctx.probe(probe).code === 0;
      if (a.state === 'started' && running) return { kind: 'ok', message: `${name} is running (${probe} exited 0)` };
      if (a.state === 'stopped' && !running) return { kind: 'ok', message: `${name} is not running (${probe} exited non-zero)` };
    }

    if (verb !== 'stop' && isSshService(name, f)) {
      if (!f.sshdPath) {
        return { kind: 'fail', message: `refusing to ${verb} ${name} without checking its configuration: no sshd binary was found on the host (facts)` };
      }
      const checked = sshdCheckedCommand({ sshdPath: f.sshdPath, serviceMgr: f.serviceMgr, name }, verb)!;
      return {
        kind: 'change',
        // sshd changes no file remedy reads; only its status answer.
        changes: [{ kind: 'run', command: checked, risk: 'sshd', touches: { files: [], probes: [serviceStatusProbe(f.serviceMgr, name) ?? ''].filter(Boolean) } }],
        message: `${verb} ${name} with ${f.serviceMgr}, only if ${f.sshdPath} -t accepts the configuration`,
      };
    }
    return { kind: 'change', changes: [{ kind: 'run', command }], message: `${verb} ${name} with ${f.serviceMgr}` };
  },
};
