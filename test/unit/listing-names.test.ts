// Include listings carry names with any byte but NUL and '/' (issue 11, defect 7): a drop-in
// called "nl\nx.conf" is listed, read ahead and addressed as itself, run by a local sh exactly
// as a host runs the probe script.
import { describe, it, expect, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseListedReads, parseProbeOutput, parseReadOutput, probeScript, readScript, splitListing } from '../../src/engine/remote-files.js';
import { listIncludeCommand, isIncludeListing } from '../../src/modules/sshd-config.js';
import { byteOrder } from '../../src/formats/sshd-config-glob.js';

const root = mkdtempSync(join(tmpdir(), 'remedy-names-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const NAMES = ['nl\nx.conf', 'a b.conf', "q'uote.conf", 'back\\slash.conf', '-dash.conf', 'tab\t.conf', 'ü.conf', 'trailing\n', '$(touch pwned)', '*star', '%s%d'];

describe('Include listings with any byte but NUL and / in a name', () => {
  const dir = join(root, 'd');
  mkdirSync(dir);
  NAMES.forEach((n, i) => writeFileSync(join(dir, n), `content ${i}\n`));
  symlinkSync(join(dir, 'trailing\n'), join(dir, 'link'));
  const paths = [...NAMES, 'link'].map((n) => join(dir, n)).sort(byteOrder);

  it('lists each name whole, then reads each one ahead in the same exec', () => {
    const cmd = listIncludeCommand(`${dir}/*`)!;
    const out = execFileSync('sh', { input: probeScript([cmd], isIncludeListing), cwd: root }).toString();
    const [res] = parseProbeOutput([cmd], out);
    expect(res!.code).toBe(0);
    const listed = splitListing(res!.stdout);
    expect([...listed].sort(byteOrder)).toEqual(paths);
    const reads = parseListedReads(0, listed, out);
    NAMES.forEach((n, i) => expect(reads.get(join(dir, n))!.state, JSON.stringify(n)).toMatchObject({ kind: 'file', content: Buffer.from(`content ${i}\n`) }));
    // a symlink resolves to its target, trailing newline and all
    expect(reads.get(join(dir, 'link'))!.realPath).toBe(join(dir, 'trailing\n'));
    expect(existsSync(join(root, 'pwned'))).toBe(false);
  });

  it('reads a listed name on its own, a link to a name ending in a newline included', () => {
    const out = execFileSync('sh', ['-c', readScript(paths)]).toString();
    const reads = parseReadOutput(paths, out);
    expect(reads.map((r) => r.state.kind)).toEqual(paths.map(() => 'file'));
    expect(reads[paths.indexOf(join(dir, 'link'))]!.realPath).toBe(join(dir, 'trailing\n'));
  });
});
