// The module registry: the only list of what a task may call.
import type { ModuleDef } from './module.js';
import { command } from './command.js';
import { shell } from './shell.js';
import { copy } from './copy.js';
import { lineinfile } from './lineinfile.js';
import { assert } from './assert.js';
import { debug } from './debug.js';
import { fail } from './fail.js';
import { setFact } from './set-fact.js';
import { fail2ban } from './fail2ban.js';
import { firewall } from './firewall.js';
import { tcpWrappers } from './tcp-wrappers.js';
import { sshdConfig } from './sshd-config.js';
import { sshdValidate } from './sshd-validate.js';
import { service } from './service.js';
import { verifySsh } from './verify-ssh.js';
import { knownHosts } from './known-hosts.js';
import { sshClientConfig } from './ssh-client-config.js';
import { restoreRun } from './restore-run.js';
import { stat } from './stat.js';
import { file } from './file.js';
import { replace } from './replace.js';
import { template } from './template.js';

const MODULES: ModuleDef[] = [
  command, shell, copy, lineinfile, assert, debug, fail, setFact,
  fail2ban, tcpWrappers, firewall, sshdConfig, sshdValidate, service, verifySsh,
  knownHosts, sshClientConfig, restoreRun, stat, file, replace, template,
];

const byName = new Map<string, ModuleDef>();
for (const m of MODULES) for (const n of [m.name, ...(m.aliases ?? [])]) byName.set(n, m);

export function findModule(name: string): ModuleDef | undefined {
  return byName.get(name);
}

export function moduleNames(): string[] {
  return MODULES.map((m) => m.name);
}

export function allModules(): readonly ModuleDef[] {
  return MODULES;
}
