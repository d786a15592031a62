// libwrap itself as the oracle: Debian's tcpdmatch(8) (package tcpd), which runs the same
// hosts_access() code sshd links, on hosts.allow/hosts.deny files we write.
//
// - `tcpdmatch -d` reads hosts.allow and hosts.deny from the current directory, so each pair of
//   texts gets its own directory and the real /etc files are never touched.
// - A `daemon@server` query makes tcpdmatch look the server address up in DNS; inside a private
//   network namespace (`unshare -n`, when we may) the lookup fails at once, so the server's name
//   is "unknown" as remedy assumes, and no query waits on a resolver.
// - Many queries run in one `sh` (one fork each instead of one node child process each); daemon
//   and client go to tcpdmatch as separate arguments, never through a shell word split.
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** What tcpdmatch prints after `access:` (twist = "delegated"). */
export type TcpdAnswer = 'granted' | 'denied' | 'delegated';

export interface TcpdQuery {
  allow: string;
  deny: string;
  daemon: string;
  client: string;
  /** The address the client connected to (tcpdmatch's daemon@server). */
  server?: string;
}

const TCPDMATCH = ['/usr/sbin/tcpdmatch', '/sbin/tcpdmatch'];

function works(cmd: string, args: string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: 'ignore', timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}

/** The tcpdmatch binary, or undefined when tcpd is not installed. */
export const tcpdmatchPath: string | undefined = TCPDMATCH.find((p) => works('test', ['-x', p]));

/** `unshare -n` as a prefix when this process may make a network namespace (root). */
const isolate: string[] = tcpdmatchPath && works('unshare', ['-n', 'true']) ? ['unshare', '-n'] : [];

// Daemon and client words the generator makes: no shell or option syntax can reach tcpdmatch.
const WORD = /^[A-Za-z0-9][A-Za-z0-9.@:_[\]-]*$/;

// For each (dir, daemon@server, client) triple: cd, ask, mark the end of the answer.
const SCRIPT = 'tm=$1; shift; while [ $# -ge 3 ]; do cd "$1" && "$tm" -d "$2" "$3" 2>/dev/null; echo @@; shift 3; done';

/** A scratch directory per oracle run, one subdirectory per distinct pair of texts. */
export class TcpdOracle {
  private readonly root = mkdtempSync(join(tmpdir(), 'tcpdmatch-'));
  private readonly dirs = new Map<string, string>();

  private dirFor(allow: string, deny: string): string {
    const key = JSON.stringify([allow, deny]);
    let dir = this.dirs.get(key);
    if (!dir) {
      dir = join(this.root, String(this.dirs.size));
      mkdirSync(dir);
      writeFileSync(join(dir, 'hosts.allow'), allow);
      writeFileSync(join(dir, 'hosts.deny'), deny);
      this.dirs.set(key, dir);
    }
    return dir;
  }

  /** tcpdmatch's answer for every query, in order. */
  async ask(queries: TcpdQuery[]): Promise<TcpdAnswer[]> {
    if (!tcpdmatchPath) throw new Error('tcpdmatch is not installed');
    const args: string[] = [];
    for (const q of queries) {
      const daemon = q.server === undefined ? q.daemon : `${q.daemon}@${q.server}`;
      if (!WORD.test(daemon) || !WORD.test(q.client)) throw new Error(`unsafe query word: ${daemon} ${q.client}`);
      args.push(this.dirFor(q.allow, q.deny), daemon, q.client);
    }
    const [cmd, ...pre] = [...isolate, 'sh'];
    const { stdout } = await run(cmd!, [...pre, '-c', SCRIPT, 'sh', tcpdmatchPath, ...args], { maxBuffer: 64 << 20 });
    const answers = stdout.split('@@\n').slice(0, queries.length);
    return answers.map((a, k) => {
      const m = /^access:\s+(granted|denied|delegated)\s*$/m.exec(a);
      if (!m) throw new Error(`tcpdmatch gave no verdict for ${JSON.stringify(queries[k])}: ${a}`);
      return m[1] as TcpdAnswer;
    });
  }

  dispose(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}
