// One run directory per (run id, inventory name) on a host: two names that reach one machine
// keep their own guard and lock, and each name's backup of a shared file is the original, even
// when the other name changed the file first.
import { describe, it, expect, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backupKey, hostDirName, runDir, RUNS_DIR } from '../../src/engine/run-dir.js';
import { backupLines } from '../../src/engine/host-scripts.js';
import { quote } from '../../src/shell.js';

const ID = '20261203T061640-40f51c';
const root = mkdtempSync(join(tmpdir(), 'remedy-rundir-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('run directories per inventory name', () => {
  it('differ for two names of one run, and sit in the run\'s own directory', () => {
    expect(runDir(ID, 'web1')).toBe(`${RUNS_DIR}/${ID}/web1`);
    expect(runDir(ID, '10.0.0.5')).toBe(`${RUNS_DIR}/${ID}/10.0.0.5`);
    expect(runDir(ID, 'web1')).not.toBe(runDir(ID, '10.0.0.5'));
    expect(runDir(ID)).toBe(`${RUNS_DIR}/${ID}`);
    expect(() => runDir('../etc', 'web1')).toThrow(/not a run id/);
  });

  it('make any inventory name one safe path component, without collisions', () => {
    for (const bad of ['..', '.', '../../etc', 'a/b', 'x y', "q'", '-rf', '', 'ü', '~abc', 'a'.repeat(65)]) {
      const n = hostDirName(bad);
      expect(n, bad).toMatch(/^~[0-9a-f]{16}$/);
      expect(runDir(ID, bad)).toBe(`${RUNS_DIR}/${ID}/${n}`);
    }
    expect(hostDirName('a/b')).not.toBe(hostDirName('a_b'));
    expect(hostDirName('db-1.example.org')).toBe('db-1.example.org');
  });

  it('back a shared file up as the original for the second name, after the first name changed it', () => {
    const file = join(root, 'hosts.deny');
    const created = join(root, 'new.conf');
    writeFileSync(file, 'original\n');
    const [a, b] = [join(root, ID, 'web1'), join(root, ID, '10.0.0.5')];
    const backup = (dir: string, path: string) =>
      execFileSync('sh', ['-c', `mkdir -p ${quote(dir)}\np=${quote(path)}\n${backupLines(dir, path)}`]);
    backup(a, file);
    backup(a, created);
    writeFileSync(file, 'changed by web1\n');
    writeFileSync(created, 'created by web1\n');
    backup(b, file);
    backup(b, created);
    const k = backupKey(file);
    expect(readFileSync(join(b, `${k}.orig`), 'utf8')).toBe('original\n');
    expect(readFileSync(join(b, `${k}.path`), 'utf8')).toBe(file);
    expect(readFileSync(join(b, `${k}.meta`), 'utf8')).toBe(readFileSync(join(a, `${k}.meta`), 'utf8'));
    const c = backupKey(created);
    expect(readFileSync(join(b, `${c}.meta`), 'utf8').trim()).toBe('absent');
    expect(existsSync(join(b, `${c}.orig`))).toBe(false);
  });
});
