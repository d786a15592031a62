// The exact commands a service manager takes (facts.serviceMgr): one place for the service
// module, tcp_wrappers (denyhosts), restore_run and the transaction's restart of sshd.
import { quoteArgv } from '../shell.js';

export type ServiceVerb = 'restart' | 'reload' | 'start' | 'stop';

/** The exact command that asks the host's service manager to act on a service, or null when the manager is unknown. */
export function serviceCommand(serviceMgr: string, name: string, verb: ServiceVerb): string | null {
  switch (serviceMgr) {
    case 'systemd':
      return quoteArgv(['systemctl', verb, name]);
    case 'sysvinit':
      return quoteArgv(['service', name, verb]);
    case 'openrc':
      return quoteArgv(['rc-service', name, verb]);
    default:
      return null;
  }
}

/** A read-only command that exits 0 exactly when the service runs, or null when the manager is unknown. */
export function serviceStatusProbe(serviceMgr: string, name: string): string | null {
  switch (serviceMgr) {
    case 'systemd':
      return quoteArgv(['systemctl', 'is-active', name]);
    case 'sysvinit':
      return quoteArgv(['service', name, 'status']);
    case 'openrc':
      return quoteArgv(['rc-service', name, 'status']);
    default:
      return null;
  }
}
