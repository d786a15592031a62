// How to reach a host, from its inventory variables and ~/.ssh/config, the way Ansible and
// OpenSSH would, plus remedy's working paths: the host you fix is the host refusing you, so
// `remedy_via` (jump hosts) and `remedy_bind_address` (another source address) say how to get
// in anyway, and `remedy_paths` lists alternatives tried in order.
import { isIP } from 'node:net';
import { ValidationError } from '../errors.js';
import { pathProblem, type Endpoint, type PathSpec } from '../transport/connection.js';
import { endpointFromConfig, parseProxyJump, proxyLabel, type ParsedSshConfig, type ResolveContext, type SshSettings } from '../transport/ssh-config.js';
import type { Vars } from './vars.js';

export interface Reach {
  target: Endpoint;
  /** Paths to try, in order. */
  paths: PathSpec[];
  /** The client's own vantage point: no jump, no bind. Verification proves access from here. */
  direct: PathSpec;
  /** From remedy_known_hosts; else the CLI's --known-hosts; else `configKnownHostsFiles`. */
  knownHostsFiles?: string[];
  /** UserKnownHostsFile from ~/.ssh/config, when it names any. */
  configKnownHostsFiles?: string[];
  /** IdentitiesOnly, IdentityAgent and ConnectTimeout from ~/.ssh/config. */
  ssh: { identitiesOnly?: boolean; agent?: string; connectTimeoutMs?: number };
}

export interface ReachContext {
  sshConfig: ParsedSshConfig;
  /** Inventory variables of another host, for jump hosts named by inventory name. */
  hostVars(name: string): Vars | undefined;
  resolve?: ResolveContext;
  /** Play-level `remote_user`, below the host's ansible_user. */
  remoteUser?: string;
}

const str = (v: unknown) => (v === undefined || v === null || v === '' ? undefined : String(v));

function bad(host: string, detail: string): ValidationError {
  return new ValidationError(undefined, `host '${host}': ${detail}`);
}

/** The endpoint for an inventory host: ansible_* variables over ~/.ssh/config. */
export function endpointOf(name: string, vars: Vars, ctx: ReachContext): { endpoint: Endpoint; configPath: PathSpec; settings: SshSettings } {
  const lookup = str(vars.ansible_host) ?? name;
  const { target, path, settings } = endpointFromConfig(ctx.sshConfig, lookup, ctx.resolve);
  const port = Number(str(vars.ansible_port) ?? str(vars.ansible_ssh_port) ?? target.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw bad(name, `ansible_port must be a TCP port, got '${vars.ansible_port}'`);
  const key = str(vars.ansible_ssh_private_key_file) ?? str(vars.ansible_private_key_file);
  const endpoint: Endpoint = {
    alias: name,
    host: target.host,
    port,
    user: str(vars.ansible_user) ?? str(vars.ansible_ssh_user) ?? ctx.remoteUser ?? target.user,
    identityFiles: key ? [key] : target.identityFiles,
  };
  const password = str(vars.ansible_password) ?? str(vars.ansible_ssh_pass);
  if (password !== undefined) endpoint.password = password;
  return { endpoint, configPath: { ...path, label: path.proxyCommand !== undefined ? proxyLabel(path.proxyCommand) : labelOf(path.via, path.bindAddress) }, settings };
}

/** One jump hop: an inventory host name, or ProxyJump's `[user@]host[:port]`. */
function hopEndpoints(spec: unknown, host: string, ctx: ReachContext): Endpoint[] {
  const items = Array.isArray(spec) ? spec.map(String) : String(spec).split(',');
  const hops: Endpoint[] = [];
  for (const raw of items.map((s) => s.trim()).filter(Boolean)) {
    const inv = ctx.hostVars(raw);
    if (inv) {
      hops.push(inventoryHop(raw, inv, ctx));
      continue;
    }
    const parsed = parseProxyJump(raw)?.[0];
    if (!parsed) throw bad(host, `remedy_via: cannot read jump host '${raw}' (expected an inventory host or [user@]host[:port])`);
    const { target, path } = endpointFromConfig(ctx.sshConfig, parsed.host, ctx.resolve);
    const hop: Endpoint = { ...target, alias: raw, port: parsed.port ?? target.port, user: parsed.user ?? target.user };
    if (path.proxyCommand !== undefined) hop.proxyCommand = path.proxyCommand;
    hops.push(hop);
  }
  // Only the first hop opens its own stream; later ones ride a channel of the hop before.
  for (const hop of hops.slice(1)) delete hop.proxyCommand;
  return hops;
}

/**
 * A jump host from the inventory: its ansible_* variables, and the ProxyCommand that reaches it
 * (remedy_proxy_command, else its ~/.ssh/config), used when it is the path's first hop.
 */
function inventoryHop(name: string, vars: Vars, ctx: ReachContext): Endpoint {
  const { endpoint, configPath } = endpointOf(name, vars, ctx);
  const proxy = str(vars.remedy_proxy_command) ?? configPath.proxyCommand;
  if (proxy !== undefined) endpoint.proxyCommand = proxy;
  return endpoint;
}

function pathFrom(spec: { via?: unknown; bind?: unknown; proxy?: unknown }, host: string, ctx: ReachContext): PathSpec {
  const via = spec.via === undefined || spec.via === null ? [] : hopEndpoints(spec.via, host, ctx);
  const bind = str(spec.bind);
  if (bind !== undefined && !isIP(bind)) throw bad(host, `remedy_bind_address must be an IP address of this machine, got '${bind}'`);
  const proxy = str(spec.proxy);
  const path: PathSpec = { label: proxy !== undefined ? proxyLabel(proxy) : labelOf(via, bind), via };
  if (bind) path.bindAddress = bind;
  if (proxy !== undefined) path.proxyCommand = proxy;
  const problem = pathProblem(path);
  if (problem) throw bad(host, problem);
  return path;
}

/** 'direct', 'via bastion', 'bind 198.18.0.2', 'via a,b bind 198.18.0.2'. */
function labelOf(via: Endpoint[], bind: string | undefined): string {
  const parts = [via.length ? `via ${via.map((h) => h.alias).join(',')}` : '', bind ? `bind ${bind}` : ''].filter(Boolean);
  return parts.join(' ') || 'direct';
}

export function resolveReach(name: string, vars: Vars, ctx: ReachContext): Reach {
  const { endpoint, configPath, settings } = endpointOf(name, vars, ctx);
  const direct: PathSpec = { label: 'direct', via: [] };
  let paths: PathSpec[];
  if (vars.remedy_paths !== undefined) {
    if (!Array.isArray(vars.remedy_paths) || vars.remedy_paths.length === 0) throw bad(name, 'remedy_paths must be a non-empty list');
    paths = vars.remedy_paths.map((p) => {
      if (p === 'direct') return direct;
      if (!p || typeof p !== 'object') throw bad(name, `remedy_paths: each entry is 'direct' or a mapping with 'via', 'proxy_command' and/or 'bind_address'`);
      const o = p as Record<string, unknown>;
      return pathFrom({ via: o.via, bind: o.bind_address, proxy: o.proxy_command }, name, ctx);
    });
  } else if (vars.remedy_via !== undefined || vars.remedy_bind_address !== undefined || vars.remedy_proxy_command !== undefined) {
    paths = [pathFrom({ via: vars.remedy_via, bind: vars.remedy_bind_address, proxy: vars.remedy_proxy_command }, name, ctx)];
  } else {
    // No remedy path: what ssh(1) would do, ProxyJump, ProxyCommand and BindAddress from ~/.ssh/config included.
    paths = [configPath.via.length || configPath.bindAddress || configPath.proxyCommand !== undefined ? configPath : direct];
  }
  const kh = vars.remedy_known_hosts;
  const ssh: Reach['ssh'] = {};
  if (settings.identitiesOnly) ssh.identitiesOnly = true;
  if (settings.identityAgent) ssh.agent = settings.identityAgent;
  if (settings.connectTimeoutSec) ssh.connectTimeoutMs = settings.connectTimeoutSec * 1000;
  const reach: Reach = { target: endpoint, paths, direct, ssh };
  if (kh !== undefined) reach.knownHostsFiles = (Array.isArray(kh) ? kh : [kh]).map(String);
  if (settings.userKnownHostsFiles?.length) reach.configKnownHostsFiles = settings.userKnownHostsFiles;
  return reach;
}
