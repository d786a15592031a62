// The test lab: N real Debian sshd hosts on one machine, each in its own network, mount, UTS and
// PID namespaces, behind one bridge whose two addresses play the blocked client and the
// management path. Faults are injected by the real means (hosts.deny, fail2ban, iptables,
// sshd_config) so remedy is tested against the genuine article.
//
//   const lab = await startLab({ hosts: 3 });
//   await lab.denyClient('h1');                        // h1 now resets the client after ~5 s
//   await lab.sshLogin('h1', { from: 'mgmt' });        // the working path still works
//   await lab.stop();
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { labFiles, makeClientKey, writeLabFiles, type LabFiles } from './artifacts.js';
import * as client from './client.js';
import * as faults from './faults.js';
import { bootContainer, ensureInotifyInstances, imageAvailable, prepareContainer, waitBooted } from './container.js';
import { execIn, knownHostsLines, netnsCommand, prepareHostFiles, spawnHolder } from './host.js';
import {
  DEFAULT_PREFIX, MAX_HOSTS_22, checkPrefix, cleanupStaleLabs, createHostNets, createLabNet, destroyLab, destroyLabSync, hostNet,
  type HostNet, type LabNet,
} from './netns.js';
import { mapLimit, poll } from './run.js';
import * as sshd from './sshd.js';
import type {
  ExecOptions, ExecResult, FileState, HostRef, Lab, LabHost, LabKindSpec, LoginOptions, LoginResult, Vantage,
} from './types.js';

export type {
  ExecOptions, ExecResult, FileState, HostKind, HostRef, Lab, LabHost, LabKindSpec, LoginOptions, LoginResult, SystemdFirewall, Vantage,
} from './types.js';
export { imageAvailable } from './container.js';
export { cleanupStaleLabs } from './netns.js';

const MAX_HOSTS = MAX_HOSTS_22; // hosts are .10 and up in a /24, or in a /22 beyond MAX_HOSTS_24
const BOOT_CONCURRENCY = 6; // hosts booting at once: enough to overlap waits, few enough for 2 cores
const CONTAINER_BOOT_CONCURRENCY = 3; // a systemd boot is ~1 CPU-s of its own
const LOGIN_CONCURRENCY = 4;

// REMEDY_LAB_TRACE=1 prints how long each phase of startLab takes.
function tracer(): (phase: string) => void {
  const t0 = Date.now();
  return process.env.REMEDY_LAB_TRACE ? (phase) => console.error(`[lab] ${phase} +${Date.now() - t0} ms`) : () => {};
}

export function requireRoot(): void {
  if (process.getuid?.() !== 0) {
    throw new Error('the lab needs root: network namespaces, bridges, veths and bind mounts need CAP_SYS_ADMIN and CAP_NET_ADMIN');
  }
}

/** True when the lab can run here (tests use it to skip): root, Debian's sshd, iproute2 and util-linux. */
export function labAvailable(): boolean {
  const has = (...paths: string[]): boolean => paths.some((p) => existsSync(p));
  return (
    process.getuid?.() === 0 &&
    has('/usr/sbin/sshd') &&
    has('/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip') &&
    has('/usr/bin/nsenter', '/bin/nsenter') &&
    has('/usr/bin/unshare', '/bin/unshare')
  );
}

// Labs not yet stopped, torn down synchronously if the process exits without stop().
const live = new Map<string, () => void>();
let exitHookInstalled = false;
function trackLive(key: string, teardown: () => void): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const t of live.values()) t();
    });
  }
  live.set(key, teardown);
}

export async function startLab(opts: { hosts: number; prefix?: string } & Partial<LabKindSpec>): Promise<Lab> {
  requireRoot();
  const spec: Required<LabKindSpec> = { kind: opts.kind ?? 'netns', firewall: opts.firewall ?? 'nftables' };
  if (spec.kind === 'systemd' && !imageAvailable(spec.firewall)) {
    throw new Error(`lab: no ${spec.firewall} image of booted systemd hosts: build it with \`sh scripts/lab-image.sh ${spec.firewall}\``);
  }
  const prefix = opts.prefix ?? DEFAULT_PREFIX;
  checkPrefix(prefix);
  if (!Number.isInteger(opts.hosts) || opts.hosts < 1 || opts.hosts > MAX_HOSTS) {
    throw new Error(`lab: hosts must be 1..${MAX_HOSTS}, got ${opts.hosts}`);
  }
  const trace = tracer();
  await cleanupStaleLabs(prefix);
  trace('stale labs cleaned');
  let created: LabNet | undefined;
  try {
    const net = (created = await createLabNet(prefix, opts.hosts));
    const nets = Array.from({ length: opts.hosts }, (_, i) => hostNet(net, i + 1));
    trackLive(`${prefix}-${net.id}`, () => destroyLabSync(prefix, net.id, nets.map((h) => h.ns)));
    const files = labFiles(net.dir);
    const authorizedKey = await makeClientKey(files.keyFile, net.id);
    await makeClientKey(files.strangerKeyFile, `${net.id}-stranger`);
    await createHostNets(net, nets);
    trace('network up');
    if (spec.kind === 'systemd') await ensureInotifyInstances(opts.hosts);
    const concurrency = spec.kind === 'systemd' ? CONTAINER_BOOT_CONCURRENCY : BOOT_CONCURRENCY;
    const hosts = await mapLimit(nets, concurrency, async (hn) => {
      const host = await bootHost(net, hn, authorizedKey, spec);
      trace(`${host.name} sshd listening`);
      return host;
    });
    const knownHosts = (await Promise.all(hosts.map(knownHostsLines))).flat();
    await writeLabFiles(files, hosts, knownHosts, net.mgmtIp);
    const lab = new LabImpl(net, hosts, files, spec);
    await mapLimit(hosts, LOGIN_CONCURRENCY, (h) => lab.assertReady(h));
    trace('logins verified');
    return lab;
  } catch (err) {
    // A failed start removes what it built: the caller has no lab to stop.
    if (created) {
      live.delete(`${prefix}-${created.id}`);
      await destroyLab(prefix, created.id).catch(() => {});
    }
    throw err;
  }
}

async function bootHost(net: LabNet, hn: HostNet, authorizedKey: string, spec: Required<LabKindSpec>): Promise<LabHost> {
  const dir = join(net.dir, hn.name);
  if (spec.kind === 'systemd') {
    await prepareContainer(dir, hn, spec.firewall, authorizedKey);
    const holderPid = await bootContainer(dir, hn, spec.firewall);
    const host: LabHost = { name: hn.name, kind: 'systemd', firewall: spec.firewall, ns: hn.ns, ip: hn.ip, holderPid, dir };
    await waitBooted(host);
    return host;
  }
  await prepareHostFiles(dir, hn, authorizedKey);
  const holderPid = await spawnHolder(hn.ns, dir, hn.name);
  const host: LabHost = { name: hn.name, kind: 'netns', firewall: 'iptables', ns: hn.ns, ip: hn.ip, holderPid, dir };
  await sshd.bootSshd(host);
  return host;
}

class LabImpl implements Lab {
  readonly id: string;
  readonly kind: LabHost['kind'];
  readonly firewall: LabHost['firewall'];
  readonly dir: string;
  readonly clientIp: string;
  readonly mgmtIp: string;
  readonly keyFile: string;
  readonly strangerKeyFile: string;
  readonly knownHostsFile: string;
  readonly inventoryFile: string;
  readonly sshConfigFile: string;
  private stopping: Promise<void> | undefined;

  constructor(
    private readonly net: LabNet,
    readonly hosts: LabHost[],
    files: LabFiles,
    spec: Required<LabKindSpec>,
  ) {
    this.id = net.id;
    this.kind = spec.kind;
    this.firewall = spec.kind === 'systemd' ? spec.firewall : 'iptables';
    this.dir = net.dir;
    this.clientIp = net.clientIp;
    this.mgmtIp = net.mgmtIp;
    this.keyFile = files.keyFile;
    this.strangerKeyFile = files.strangerKeyFile;
    this.knownHostsFile = files.knownHostsFile;
    this.inventoryFile = files.inventoryFile;
    this.sshConfigFile = files.sshConfigFile;
  }

  host(ref: HostRef): LabHost {
    if (typeof ref !== 'string') return ref;
    const h = this.hosts.find((x) => x.name === ref || x.ip === ref);
    if (!h) throw new Error(`lab ${this.id}: no host ${ref} (have ${this.hosts.map((x) => x.name).join(', ')})`);
    return h;
  }

  private from(v: Vantage = 'client'): string {
    return v === 'client' ? this.clientIp : this.mgmtIp;
  }

  /** Ready = a banner over both paths (so libwrap lets both in) and a full key login. */
  async assertReady(host: LabHost): Promise<void> {
    await client.waitForBanner(host.ip, this.clientIp);
    await client.waitForBanner(host.ip, this.mgmtIp);
    const r = await this.sshLogin(host, { from: 'client' });
    if (!r.ok) throw new Error(`lab ${this.id}: login to ${host.name} failed (exit ${r.code}): ${r.stderr.trim()}`);
  }

  exec(host: HostRef, cmd: string, opts?: ExecOptions): Promise<ExecResult> {
    return execIn(this.host(host), cmd, opts);
  }

  sshLogin(host: HostRef, opts: LoginOptions = {}): Promise<LoginResult> {
    const { from, ...rest } = opts;
    return client.sshLogin(this, this.host(host).ip, this.from(from), rest);
  }

  fileState(host: HostRef, paths: string[]): Promise<Record<string, FileState | null>> {
    return faults.fileState(this.host(host), paths);
  }

  denyClient(host: HostRef, ip: string = this.clientIp): Promise<void> {
    return faults.denyClient(this.host(host), ip);
  }

  denyAllExcept(host: HostRef, allowed: string): Promise<void> {
    return faults.denyAllExcept(this.host(host), allowed);
  }

  startFail2ban(host: HostRef, jails?: string[]): Promise<void> {
    return faults.startFail2ban(this.host(host), jails);
  }

  fail2banBan(host: HostRef, jail: string, ip: string = this.clientIp): Promise<void> {
    return faults.fail2banBan(this.host(host), jail, ip);
  }

  firewallReject(host: HostRef, ip: string = this.clientIp): Promise<void> {
    return faults.firewallReject(this.host(host), ip);
  }

  setSshdOption(host: HostRef, line: string): Promise<void> {
    return faults.setSshdOption(this.host(host), line);
  }

  writeFile(host: HostRef, path: string, content: string, mode?: string): Promise<void> {
    return faults.writeFileIn(this.host(host), path, content, mode);
  }

  holdConnections(host: HostRef, n: number, from?: Vantage): Promise<() => void> {
    return client.holdConnections(this.host(host).ip, this.from(from), n);
  }

  stopSshd(host: HostRef): Promise<void> {
    return sshd.stopSshd(this.host(host));
  }

  startSshd(host: HostRef): Promise<void> {
    return sshd.startSshd(this.host(host));
  }

  reloadSshd(host: HostRef): Promise<void> {
    return sshd.reloadSshd(this.host(host));
  }

  async penalise(ref: HostRef, from: Vantage = 'client'): Promise<void> {
    const host = this.host(ref);
    await faults.setSshdOption(host, 'PerSourcePenalties authfail:300s');
    const stranger = await this.sshLogin(host, { from, stranger: true });
    if (stranger.ok) throw new Error(`lab: a stranger key logged in to ${host.name}`);
    // sshd-session reports the failure to the listener as it exits: the penalty follows shortly.
    await poll(`a penalty of the ${from} address on ${host.name}`, async () => !(await this.sshLogin(host, { from, timeoutMs: 5_000 })).ok,
      { timeoutMs: 10_000, intervalMs: 200 });
  }

  useSocketActivation(host: HostRef): Promise<void> {
    return sshd.useSocketActivation(this.host(host));
  }

  firewallRules(host: HostRef): Promise<string> {
    return faults.firewallRules(this.host(host));
  }

  sshdLog(host: HostRef): Promise<string> {
    return sshd.sshdLog(this.host(host));
  }

  netnsCommand(host: HostRef): string[] {
    return netnsCommand(this.host(host));
  }

  stop(): Promise<void> {
    this.stopping ??= destroyLab(this.net.prefix, this.id).then(
      () => void live.delete(`${this.net.prefix}-${this.id}`),
      (err: unknown) => {
        this.stopping = undefined; // let a later stop() retry
        throw err;
      },
    );
    return this.stopping;
  }
}
