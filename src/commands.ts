// `remedy inventory`, `remedy validate` and --list-tasks/--list-hosts: read-only commands that
// touch no host.
import { loadPlaybook } from './playbook/load.js';
import { selectHosts, limitHosts, unmatchedPatternParts, patternWarnings } from './inventory/patterns.js';
import { hostVars } from './inventory/vars.js';
import { inventoryGraph, inventoryList } from './inventory/graph.js';
import { openInventory, needsImplicitLocalhost } from './inventory-source.js';
import { loadSshConfig } from './transport/ssh-config.js';
import { resolveReach } from './engine/reach.js';
import { ValidationError, ValidationErrors, formatPos } from './errors.js';
import { hostNamesFor, selectedPlaybook, type RunRequest } from './run.js';
import { formatListing } from './report/playbook-listing.js';

/** The listing (stdout) and Ansible-worded warnings about the limit (stderr). */
export async function inventoryCommand(
  flags: { inventory?: string; limit?: string; graph?: boolean },
  env: NodeJS.ProcessEnv,
): Promise<{ out: string; warnings: string[] }> {
  const inv = await openInventory(flags.inventory, env);
  if (flags.graph) return { out: inventoryGraph(inv), warnings: [] };
  const all = selectHosts(inv, 'all');
  if (!flags.limit) return { out: JSON.stringify(inventoryList(inv, all), null, 2), warnings: [] };
  const hosts = limitHosts(all, inv, flags.limit);
  const list = inventoryList(inv, hosts);
  // `-l localhost` finds Ansible's implicit localhost when the inventory lacks one.
  const implicit = needsImplicitLocalhost(inv, flags.limit) ? ['localhost', '127.0.0.1'].filter((n) => flags.limit!.split(/[:,]/).includes(n)) : [];
  for (const name of implicit) list._meta.hostvars[name] = { ansible_connection: 'local' };
  const warnings = patternWarnings(inv, flags.limit, hosts.length + implicit.length, implicit);
  return { out: JSON.stringify(list, null, 2), warnings };
}

export async function validateCommand(playbookFile: string, flags: { inventory?: string }, env: NodeJS.ProcessEnv): Promise<string[]> {
  const playbook = await loadPlaybook(playbookFile);
  const localOnly = playbook.plays.every((p) => p.connection === 'local' || p.hosts === 'localhost');
  const inv = await openInventory(flags.inventory, env, localOnly);
  const sshConfig = loadSshConfig();
  const errors: ValidationError[] = [];
  const out: string[] = [];
  const varsOf = (n: string) => (inv.hosts.has(n) ? hostVars(inv, n) : undefined);
  let tasks = 0;
  const hosts = new Set<string>();
  for (const play of playbook.plays) {
    tasks += play.tasks.length + play.handlers.length;
    const names = selectHosts(inv, play.hosts);
    const local = needsImplicitLocalhost(inv, play.hosts);
    const unmatched = unmatchedPatternParts(inv, play.hosts).filter((p) => !(local && p === 'localhost'));
    if (unmatched.length) out.push(`warning: ${formatPos(play.pos)}: play '${play.name}': no host matches ${unmatched.map((p) => `'${p}'`).join(', ')} in ${inv.source}`);
    for (const name of names) {
      hosts.add(name);
      const vars = varsOf(name)!;
      if (play.connection === 'local' || vars.ansible_connection === 'local') continue;
      try {
        resolveReach(name, vars, { sshConfig, hostVars: varsOf, remoteUser: play.remoteUser });
      } catch (err) {
        if (err instanceof ValidationError) errors.push(new ValidationError(undefined, `${inv.source}: ${err.detail}`));
        else throw err;
      }
    }
    if (local) hosts.add('localhost');
  }
  if (errors.length === 1) throw errors[0]!;
  if (errors.length > 1) throw new ValidationErrors(errors);
  out.push(`${playbookFile}: valid — ${playbook.plays.length} play(s), ${tasks} task(s), ${hosts.size} host(s) from ${inv.source}`);
  return out;
}

/** apply/plan --list-tasks / --list-hosts: what would run where, as ansible-playbook lists it. */
export async function listCommand(req: Pick<RunRequest, 'playbook' | 'inventory' | 'limit' | 'shard' | 'tags' | 'env'>, what: { tasks: boolean; hosts: boolean }): Promise<string> {
  const playbook = await selectedPlaybook(req);
  const localOnly = playbook.plays.every((p) => p.connection === 'local' || p.hosts === 'localhost');
  const inv = await openInventory(req.inventory, req.env, localOnly);
  return formatListing(req.playbook, playbook.plays.map((play) => ({ play, hosts: hostNamesFor(play, inv, req) })), what);
}
