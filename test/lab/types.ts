// The lab's public shapes, shared by its modules and re-exported from lab.ts.

/**
 * Which kind of server a lab host is:
 * - `netns`: this machine's Debian 12 sshd (OpenSSH 9.2, libwrap in sshd, sysvinit script,
 *   iptables) in bare namespaces;
 * - `systemd`: a booted Debian 13 container (systemd as PID 1, OpenSSH 10 with sshd-session,
 *   journald, fail2ban 1.1 on nftables) whose firewall front end is `firewall`.
 */
export type HostKind = 'netns' | 'systemd';
export type SystemdFirewall = 'nftables' | 'ufw' | 'firewalld';

/** What startLab builds: a kind, and for systemd hosts the firewall front end of their image. */
export interface LabKindSpec {
  kind: HostKind;
  firewall?: SystemdFirewall; // systemd only; default nftables
}

export interface LabHost {
  name: string; // h1, h2, ... (also the host's hostname and its inventory name)
  kind: HostKind;
  firewall: SystemdFirewall | 'iptables';
  ns: string; // network namespace, /run/netns/<ns>
  ip: string;
  holderPid: number; // root-namespace pid holding the host's namespaces: the holder (netns) or the container's systemd (systemd)
  dir: string; // the host's files in the root namespace; dir/etc holds only what differs from the image's /etc
}

/** A host object or its name ("h1") or its address. */
export type HostRef = LabHost | string;

export interface ExecOptions {
  stdin?: string;
  timeoutMs?: number;
}

export interface ExecResult {
  code: number | null; // null: killed (timeout)
  stdout: string;
  stderr: string;
}

/** Which bridge address a connection comes from: the blocked client or the management path. */
export type Vantage = 'client' | 'mgmt';

export interface LoginOptions {
  from?: Vantage;
  /** Offer a key the host does not know (a failed authentication: what earns a PerSourcePenalties penalty). */
  stranger?: boolean;
  timeoutMs?: number;
  command?: string;
}

export interface LoginResult {
  ok: boolean;
  code: number | null;
  stderr: string;
  ms: number;
}

export interface FileState {
  sha256: string; // '-' for anything but a regular file
  mode: string; // four octal digits, e.g. '0644'
  owner: string; // user:group
}

export interface Lab {
  id: string;
  kind: HostKind;
  firewall: LabHost['firewall'];
  dir: string;
  clientIp: string;
  mgmtIp: string;
  hosts: LabHost[];
  keyFile: string;
  knownHostsFile: string;
  inventoryFile: string;
  sshConfigFile: string;
  host(ref: HostRef): LabHost;
  exec(host: HostRef, cmd: string, opts?: ExecOptions): Promise<ExecResult>;
  sshLogin(host: HostRef, opts?: LoginOptions): Promise<LoginResult>;
  fileState(host: HostRef, paths: string[]): Promise<Record<string, FileState | null>>;
  denyClient(host: HostRef, ip?: string): Promise<void>;
  denyAllExcept(host: HostRef, allowed: string): Promise<void>;
  startFail2ban(host: HostRef, jails?: string[]): Promise<void>;
  fail2banBan(host: HostRef, jail: string, ip?: string): Promise<void>;
  firewallReject(host: HostRef, ip?: string): Promise<void>;
  setSshdOption(host: HostRef, line: string): Promise<void>;
  writeFile(host: HostRef, path: string, content: string, mode?: string): Promise<void>;
  holdConnections(host: HostRef, n: number, from?: Vantage): Promise<() => void>;
  stopSshd(host: HostRef): Promise<void>;
  startSshd(host: HostRef): Promise<void>;
  reloadSshd(host: HostRef): Promise<void>;
  useSocketActivation(host: HostRef): Promise<void>;
  /** OpenSSH >= 9.8: one failed authentication from `from` earns a 5-minute PerSourcePenalties penalty; resolves once it refuses. */
  penalise(host: HostRef, from?: Vantage): Promise<void>;
  /** sshd's log as an admin reads it: /var/log/auth.log (netns), the journal of ssh.service and its sessions (systemd). */
  sshdLog(host: HostRef): Promise<string>;
  /**
   * The argv prefix that runs a command of this machine inside the host's network namespace
   * (this machine's binaries and files, the host's network: its 127.0.0.1 and port 22), as a
   * ProxyCommand of SSM, IAP or Teleport arrives at sshd from localhost.
   */
  netnsCommand(host: HostRef): string[];
  /** Every packet filter rule of the host as text (iptables -S, or nft's whole ruleset), to compare before/after. */
  firewallRules(host: HostRef): Promise<string>;
  stop(): Promise<void>;
}
