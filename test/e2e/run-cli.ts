// Run remedy's CLI in-process with captured output, as a test sees a user's terminal-less run.
import { PassThrough } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  const out = new PassThrough();
  const err = new PassThrough();
  const chunks: { out: Buffer[]; err: Buffer[] } = { out: [], err: [] };
  out.on('data', (b: Buffer) => chunks.out.push(b));
  err.on('data', (b: Buffer) => chunks.err.push(b));
  // Run journals go to the test run's temporary directory, not the user's ~/.local/state.
  const state = join(tmpdir(), 'remedy-state');
  const base = { HOME: process.env.HOME, PATH: process.env.PATH, NO_COLOR: '1', XDG_STATE_HOME: state };
  const code = await main(args, { stdout: out, stderr: err, env: { ...base, ...env } });
  return { code, stdout: Buffer.concat(chunks.out).toString(), stderr: Buffer.concat(chunks.err).toString() };
}

/** The one JSON document `--json` printed. */
export function json(run: CliRun): any {
  return JSON.parse(run.stdout);
}
