// Proof that sshd takes new logins: a brand-new, non-multiplexed connection (an open session
// proves nothing, since sshd keeps existing connections across a restart). Used after a restart
// of sshd (over the working path) and by verify_ssh (the direct path: the client's own vantage
// point, and/or the working path).
import { connectFirstWorking, type ConnectFirstOptions } from '../transport/connect.js';
import type { Endpoint, PathSpec } from '../transport/connection.js';

/**
 * A restart or reload leaves sshd without a listener for a moment (it re-executes itself): a
 * refused or dropped connection is tried again for a few seconds before the check fails.
 * Refusals that cannot pass by themselves (host key, authentication) are final at once.
 */
async function connectWithGrace(target: Endpoint, path: PathSpec, options: ConnectFirstOptions, graceMs = 10_000) {
  const deadline = Date.now() + graceMs;
  for (;;) {
    const res = await connectFirstWorking(target, [path], options);
    const phase = res.ok ? undefined : res.attempts[res.attempts.length - 1]?.phase;
    if (res.ok || !(phase === 'connect' || phase === 'banner') || Date.now() > deadline) return res;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Log in anew over `path` and run `true`: undefined when that worked, else why not. */
export async function freshLogin(target: Endpoint, path: PathSpec, options: ConnectFirstOptions): Promise<string | undefined> {
  const res = await connectWithGrace(target, path, options);
  if (!res.ok) {
    const a = res.attempts[res.attempts.length - 1];
    return `${a?.phase}: ${a?.message}`;
  }
  const ran = await res.conn.exec('true').catch((err: Error) => ({ code: null, stderr: Buffer.from(err.message) }));
  await res.conn.close().catch(() => undefined);
  return ran.code === 0 ? undefined : `logged in but could not run a command: ${ran.stderr.toString().trim()}`;
}
