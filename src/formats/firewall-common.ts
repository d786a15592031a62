// Shared pieces of the firewall formats: port lists, tri-state matching and the shape of a planned
// command. Addresses and networks are in ip.ts. Pure functions, no I/O.

// ---------------------------------------------------------------------------------------------
// Ports

/** A few service names the firewalls print or accept instead of numbers (from /etc/services). */
export const SERVICE_PORTS: Readonly<Record<string, number>> = {
  ssh: 22,
  ftp: 21,
  'ftp-data': 20,
  telnet: 23,
  smtp: 25,
  domain: 53,
  http: 80,
  www: 80,
  https: 443,
  submission: 587,
  imap: 143,
  imaps: 993,
  pop3: 110,
  pop3s: 995,
};

/** One port or service name → number; undefined for names we do not know. */
export function portNumber(text: string): number | undefined {
  const t = text.trim().toLowerCase();
  if (/^\d+$/.test(t)) {
    const n = Number(t);
    return n <= 65535 ? n : undefined;
  }
  return SERVICE_PORTS[t];
}

export type PortMatch = 'yes' | 'no' | 'maybe';

/**
 * Does a port list match `port`? The list is comma separated; each item a port, a service name or
 * a range written with `sep` (`:` for iptables/ufw, `-` for nftables/firewalld); open ends allowed
 * (`:1024`, `1024:`). An unknown service name makes a non-matching list `maybe`.
 */
export function portListMatches(list: string, port: number, sep: ':' | '-' = ':'): PortMatch {
  let unknown = false;
  for (const raw of list.split(',')) {
    const item = raw.trim();
    if (item === '') continue;
    const i = item.indexOf(sep);
    if (i >= 0 && !(sep === '-' && i === 0)) {
      const lo = item.slice(0, i) === '' ? 0 : portNumber(item.slice(0, i));
      const hi = item.slice(i + 1) === '' ? 65535 : portNumber(item.slice(i + 1));
      if (lo === undefined || hi === undefined) unknown = true;
      else if (port >= lo && port <= hi) return 'yes';
    } else {
      const p = portNumber(item);
      if (p === undefined) unknown = true;
      else if (p === port) return 'yes';
    }
  }
  return unknown ? 'maybe' : 'no';
}

// ---------------------------------------------------------------------------------------------
// Tri-state logic for "does this rule match the client's connection attempt?"

export type Tri = 'yes' | 'no' | 'maybe';

export function triAnd(a: Tri, b: Tri): Tri {
  if (a === 'no' || b === 'no') return 'no';
  if (a === 'maybe' || b === 'maybe') return 'maybe';
  return 'yes';
}

export function triNot(a: Tri): Tri {
  return a === 'yes' ? 'no' : a === 'no' ? 'yes' : 'maybe';
}

// ---------------------------------------------------------------------------------------------
// Plans

/** One command of a plan: its argv, the shell text (always via quoteArgv), how to undo it, why. */
export interface PlannedCommand {
  argv: string[];
  command: string;
  /** Shell text that reverses this command, when one exists (run undos in reverse order). */
  undo?: string;
  /** The undo as argv, when it is a single command (a pipeline has only `undo`). */
  undoArgv?: string[];
  reason: string;
}

/** Who owns a rule that remedy finds but must not edit directly. */
export type Manager = 'fail2ban' | 'ufw' | 'firewalld' | 'iptables-nft';
