// The lab's network in the root namespace: one bridge per lab with a /24 from 198.18.0.0/15,
// one network namespace + veth per host, and the teardown of all of it (also for crashed runs).
//
// Names: interface names are limited to 15 characters, so links are `rb<id>` (bridge) and
// `rv<id>h<i>` (root end of a host's veth; the host end is `eth0`). The id is the /24's index in
// 198.18.0.0/15 as three hex digits, so two live labs can never share a name or a subnet.
// Long-form ownership lives in the links' ifalias (`<prefix>:<id>:<owner>`) and in `<dir>/owner`.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeCgroups, removeCgroupsScript } from './container.js';
import { check, mapLimit, poll, run } from './run.js';

export const DEFAULT_PREFIX = 'remedy-lab';

export interface LabNet {
  prefix: string;
  id: string;
  dir: string;
  bridge: string;
  subnet: string; // first three octets of the first /24, e.g. '198.18.7'
  /** 24, or 22 for a lab of more than MAX_HOSTS_24 hosts (four /24s: up to ~1,000 hosts). */
  prefixLen: 24 | 22;
  /** Index of the first /24 in 198.18.0.0/15 (0..511). */
  base: number;
  clientIp: string; // .1, added first: the kernel's default source toward the hosts
  mgmtIp: string; // .2, secondary
}

/** Hosts a /24 holds (.10 to .249; .250 and up stay free for tests that need an address nobody answers). */
export const MAX_HOSTS_24 = 240;
/** Hosts a /22 holds. */
export const MAX_HOSTS_22 = 1000;

export interface HostNet {
  index: number; // 1-based
  name: string;
  ns: string;
  veth: string;
  ip: string;
}

export const labDir = (prefix: string, id: string): string => join(tmpdir(), `${prefix}-${id}`);
const hostNsPattern = (prefix: string): RegExp => new RegExp(`^${escapeRe(prefix)}-([0-9a-f]{3})-h\\d+$`);

/** The address `offset` places after the start of the lab's network. */
function addressAt(net: LabNet, offset: number): string {
  const k = net.base + (offset >> 8);
  return `198.${18 + (k >> 8)}.${k & 255}.${offset & 255}`;
}

export function hostNet(net: LabNet, index: number): HostNet {
  return {
    index,
    name: `h${index}`,
    ns: `${net.prefix}-${net.id}-h${index}`,
    veth: `rv${net.id}h${index}`,
    ip: addressAt(net, 9 + index),
  };
}

export function checkPrefix(prefix: string): void {
  if (!/^[a-z][a-z0-9-]{0,39}$/.test(prefix)) throw new Error(`lab: bad prefix ${JSON.stringify(prefix)} (use [a-z0-9-])`);
}

// ---- ownership: a lab belongs to a process; a lab whose process is gone is stale -------------

/** pid + start time: a recycled pid is not mistaken for the lab's owner. */
function processTag(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from #3 on
    return `${pid}.${fields[19]}`; // #22: starttime
  } catch {
    return undefined;
  }
}

export const ownerTag = (): string => processTag(process.pid) ?? `${process.pid}.0`;

function ownerAlive(tag: string): boolean {
  const pid = Number(tag.split('.')[0]);
  return Number.isInteger(pid) && pid > 0 && processTag(pid) === tag;
}

// ---- subnet and bridge ------------------------------------------------------------------------

/** /24 indexes (0..511) of 198.18.0.0/15 that already appear in the root namespace's addresses or routes. */
async function usedSubnets(): Promise<Set<number>> {
  const text = (await check('ip', ['-4', '-o', 'addr', 'show'])) + (await check('ip', ['-4', 'route', 'show', 'table', 'all']));
  const used = new Set<number>();
  for (const m of text.matchAll(/\b198\.(18|19)\.(\d+)\.\d+(?:\/(\d+))?/g)) {
    const base = (Number(m[1]) - 18) * 256 + Number(m[2]);
    const len = m[3] === undefined ? 32 : Number(m[3]);
    if (len < 16) continue; // a route for the whole range does not stop a more specific /24
    const span = len >= 24 ? 1 : 2 ** (24 - len);
    const first = base - (base % span);
    for (let k = first; k < first + span; k++) used.add(k);
  }
  return used;
}

function shuffle<T>(xs: T[]): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
  return xs;
}

/**
 * Claim a free /24 (or an aligned /22 for more than MAX_HOSTS_24 hosts) and create the lab's dir
 * and bridge. Both creations are atomic claims: the dir (mkdir fails if it exists) against labs
 * with the same prefix, the bridge name against all labs.
 */
export async function createLabNet(prefix: string, hosts = 1): Promise<LabNet> {
  const prefixLen = hosts > MAX_HOSTS_24 ? 22 : 24;
  const span = prefixLen === 22 ? 4 : 1;
  const used = await usedSubnets();
  const fits = (k: number): boolean => k % span === 0 && [...Array(span).keys()].every((j) => !used.has(k + j));
  const free = shuffle([...Array(512).keys()].filter(fits));
  for (const k of free.slice(0, 32)) {
    const id = k.toString(16).padStart(3, '0');
    const subnet = `198.${18 + (k >> 8)}.${k & 255}`;
    const net: LabNet = {
      prefix, id, dir: labDir(prefix, id), bridge: `rb${id}`, subnet, prefixLen, base: k, clientIp: `${subnet}.1`, mgmtIp: `${subnet}.2`,
    };
    try {
      await mkdir(net.dir, { mode: 0o700 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw err;
    }
    await writeFile(join(net.dir, 'owner'), ownerTag());
    const add = await run('ip', ['link', 'add', net.bridge, 'type', 'bridge']);
    if (add.code !== 0) {
      await rm(net.dir, { recursive: true, force: true });
      continue; // taken by a lab with another prefix
    }
    try {
      await ipBatch([
        `link set ${net.bridge} alias ${aliasFor(net)}`,
        `addr add ${net.clientIp}/${prefixLen} dev ${net.bridge}`, // first: primary, the default source address
        `addr add ${net.mgmtIp}/${prefixLen} dev ${net.bridge}`, // second: secondary, used with ssh -b
        `link set ${net.bridge} up`,
      ]);
    } catch (err) {
      await run('ip', ['link', 'del', net.bridge]); // without its alias, destroyLab would not know it
      await rm(net.dir, { recursive: true, force: true });
      throw err;
    }
    return net;
  }
  throw new Error(`lab: no free /${prefixLen} in 198.18.0.0/15`);
}

const aliasFor = (net: LabNet): string => `${net.prefix}:${net.id}:${ownerTag()}`;

/** Namespaces and veths of all hosts: one `ip -batch` in the root namespace, one per host inside. */
export async function createHostNets(net: LabNet, hosts: HostNet[]): Promise<void> {
  await ipBatch(
    hosts.flatMap((h) => [
      `netns add ${h.ns}`,
      `link add ${h.veth} type veth peer name eth0 netns ${h.ns}`,
      `link set ${h.veth} alias ${aliasFor(net)} master ${net.bridge} up`,
    ]),
  );
  // No default route inside: a host can reach the lab's network and nothing else.
  await mapLimit(hosts, SPAWN_CONCURRENCY, (h) => ipBatch([`addr add ${h.ip}/${net.prefixLen} dev eth0`, 'link set lo up', 'link set eth0 up'], h.ns));
  if (hosts.length > MAX_HOSTS_24) await roomForNeighbours(hosts.length);
}

// Commands spawned at once for per-host setup and teardown (1,000 at once would thrash 2 cores).
const SPAWN_CONCURRENCY = 16;

/**
 * The root namespace talks to every host: its neighbour (ARP) table must hold them all. The
 * kernel's default gc_thresh3 is 1024 entries, about the size of a /22 lab: raise the thresholds
 * (never lower them) so a 1,000-host lab does not drop neighbours mid-run.
 */
async function roomForNeighbours(hosts: number): Promise<void> {
  const want = { gc_thresh1: 2 * hosts, gc_thresh2: 4 * hosts, gc_thresh3: 8 * hosts };
  for (const [key, value] of Object.entries(want)) {
    const path = `/proc/sys/net/ipv4/neigh/default/${key}`;
    const now = Number((await readFile(path, 'utf8').catch(() => '0')).trim());
    if (now < value) await writeFile(path, `${value}\n`);
  }
}

async function ipBatch(lines: string[], ns?: string): Promise<void> {
  const args = ns ? ['-n', ns, '-batch', '-'] : ['-batch', '-'];
  await check('ip', args, { stdin: lines.join('\n') + '\n' });
}

// ---- teardown -----------------------------------------------------------------------------------

interface IpLink {
  ifname: string;
  ifalias?: string;
}

async function listLinks(): Promise<IpLink[]> {
  return JSON.parse(await check('ip', ['-j', 'link', 'show'])) as IpLink[];
}

async function listNetns(): Promise<string[]> {
  const out = await check('ip', ['-j', 'netns', 'list']);
  return out.trim() ? (JSON.parse(out) as { name: string }[]).map((n) => n.name) : [];
}

async function netnsPids(ns: string): Promise<number[]> {
  const r = await run('ip', ['netns', 'pids', ns]);
  return r.stdout.split(/\s+/).filter(Boolean).map(Number);
}

/** SIGKILL everything in a namespace (holder first: its pid namespace takes its daemons along). */
async function emptyNetns(ns: string): Promise<void> {
  await poll(
    `processes of ${ns} to exit`,
    async () => {
      const pids = await netnsPids(ns);
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // exited meanwhile
        }
      }
      return pids.length === 0;
    },
    { timeoutMs: 10_000, intervalMs: 50 },
  );
}

/** Remove everything of lab `id`: processes, veths, namespaces, bridge, dir. Idempotent. */
export async function destroyLab(prefix: string, id: string): Promise<void> {
  const nsRe = hostNsPattern(prefix);
  const namespaces = (await listNetns()).filter((n) => nsRe.exec(n)?.[1] === id);
  await mapLimit(namespaces, SPAWN_CONCURRENCY, emptyNetns);
  // Deleting the root end removes a veth pair at once; a dying namespace would free it only later.
  const ours = (await listLinks()).filter((l) => l.ifalias?.startsWith(`${prefix}:${id}:`));
  const veths = ours.filter((l) => l.ifname !== `rb${id}`);
  for (const l of veths) await run('ip', ['link', 'del', l.ifname]);
  for (const ns of namespaces) await run('ip', ['netns', 'del', ns]);
  for (const l of ours.filter((l) => l.ifname === `rb${id}`)) await run('ip', ['link', 'del', l.ifname]);
  await removeCgroups(namespaces); // booted containers' (their processes are gone now)
  await rm(labDir(prefix, id), { recursive: true, force: true });
}

/** Best-effort synchronous teardown for process.on('exit'), where nothing async runs any more. */
export function destroyLabSync(prefix: string, id: string, namespaces: string[]): void {
  const script = [
    `for ns in ${namespaces.join(' ')}; do p=$(ip netns pids $ns 2>/dev/null); [ -n "$p" ] && kill -9 $p; done`,
    'sleep 0.2',
    `for ns in ${namespaces.join(' ')}; do ip netns del $ns; done`,
    `for l in $(ip -o link show | grep -o 'rv${id}h[0-9]*@' | tr -d @); do ip link del $l; done`,
    `ip link del rb${id}`,
    removeCgroupsScript(namespaces),
    `rm -rf ${labDir(prefix, id)}`,
  ].join('\n');
  try {
    execFileSync('sh', ['-c', script], { stdio: 'ignore', timeout: 10_000 });
  } catch {
    // the next cleanupStaleLabs() finishes the job
  }
}

/**
 * Remove leftovers of labs with this prefix whose owning process is gone (crashed or killed test
 * runs). Labs of live processes, e.g. another engineer's test run, are left alone.
 */
export async function cleanupStaleLabs(prefix: string = DEFAULT_PREFIX): Promise<void> {
  checkPrefix(prefix);
  const owners = new Map<string, string | undefined>(); // id -> owner tag (if known)
  const nsRe = hostNsPattern(prefix);
  for (const ns of await listNetns()) {
    const id = nsRe.exec(ns)?.[1];
    if (id && !owners.has(id)) owners.set(id, undefined);
  }
  for (const l of await listLinks()) {
    const m = l.ifalias ? new RegExp(`^${escapeRe(prefix)}:([0-9a-f]{3}):(.+)$`).exec(l.ifalias) : null;
    if (m) owners.set(m[1]!, m[2]);
  }
  const dirRe = new RegExp(`^${escapeRe(prefix)}-([0-9a-f]{3})$`);
  for (const entry of await readdir(tmpdir())) {
    const id = dirRe.exec(entry)?.[1];
    if (id && !owners.has(id)) owners.set(id, undefined);
  }
  for (const [id, aliasOwner] of owners) {
    const owner = (await readOwner(prefix, id)) ?? aliasOwner;
    if (owner ? ownerAlive(owner) : await justCreated(prefix, id)) continue;
    await destroyLab(prefix, id);
  }
}

async function readOwner(prefix: string, id: string): Promise<string | undefined> {
  try {
    return (await readFile(join(labDir(prefix, id), 'owner'), 'utf8')).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** A dir without an owner file younger than a minute is a lab being created right now. */
async function justCreated(prefix: string, id: string): Promise<boolean> {
  const dir = labDir(prefix, id);
  if (!existsSync(dir)) return false;
  try {
    return Date.now() - (await stat(dir)).mtimeMs < 60_000;
  } catch {
    return false;
  }
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
