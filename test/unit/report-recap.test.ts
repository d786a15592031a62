// PLAY RECAP in Ansible's exact layout (its default callback: `%-26s : ` and `name=%-4s` cells
// joined by a space), so scripts that cut its columns keep working; remedy's path follows.
import { describe, it, expect } from 'vitest';
import { formatRecap } from '../../src/report/recap.js';
import type { HostResult } from '../../src/engine/results.js';

const plain = (s: string) => s;
const host = (name: string, recap: Partial<HostResult['recap']>, extra: Partial<HostResult> = {}): HostResult => ({
  host: name, status: 'ok', attempts: [], tasks: [],
  recap: { ok: 0, changed: 0, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0, ...recap },
  ...extra,
} as HostResult);

describe('PLAY RECAP', () => {
  it("is ansible-playbook's line, byte for byte (as 2.14 printed it here), before remedy's path", () => {
    const [, line] = formatRecap([host('localhost', { ok: 1 })], plain).split('\n');
    expect(line).toBe('localhost                  : ok=1    changed=0    unreachable=0    failed=0    skipped=0    rescued=0    ignored=0   ');
  });
  it('wide counts keep a space between cells; long names push the colon out; the path comes last', () => {
    const [, a, b] = formatRecap([
      host('localhost', { ok: 249, changed: 54, ignored: 79 }, { path: 'local' }),
      host('a-very-long-host-name.example.org', { failed: 1 }, { status: 'failed', rolledBack: 'remedy' }),
    ], plain).split('\n');
    expect(a).toBe('localhost                  : ok=249  changed=54   unreachable=0    failed=0    skipped=0    rescued=0    ignored=79   path=local');
    expect(b).toMatch(/^a-very-long-host-name\.example\.org : ok=0    changed=0    unreachable=0    failed=1    .* rolled_back_by=remedy$/);
  });
});
