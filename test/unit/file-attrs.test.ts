// planWrite on a file an earlier write of the same run creates (issue 11, defect 4).
import { describe, it, expect } from 'vitest';
import { planWrite } from '../../src/modules/file-attrs.js';
import { HostSession } from '../../src/engine/host-session.js';
import type { Connection } from '../../src/transport/connection.js';
import type { WriteChange } from '../../src/engine/change.js';

const noHost = { exec: () => Promise.reject(new Error('no exec in this test')), close: async () => undefined, stats: { connections: 0, execs: 0, bytesIn: 0, bytesOut: 0 } } as Connection;

function secondWrite(first: Partial<WriteChange>): WriteChange | null {
  const s = new HostSession(noHost);
  const path = '/etc/remedy-new';
  s.remember({ kind: 'write', path, before: { path, kind: 'absent' }, content: Buffer.from('one\n'), mode: '0640', ...first });
  return planWrite(s.known(path)!, Buffer.from('one\ntwo\n'), {});
}

describe('two writes to a file this run creates', () => {
  it('the second keeps what the first set and never chowns to -1', () => {
    const w = secondWrite({});
    expect(w).toMatchObject({ mode: '0640' });
    expect(w?.owner).toBeUndefined();
    expect(w?.group).toBeUndefined();
  });
  it('an owner and group given by the first write survive the second', () => {
    expect(secondWrite({ owner: 'www-data', group: 'adm' })).toMatchObject({ owner: 'www-data', group: 'adm', mode: '0640' });
    expect(secondWrite({ owner: '33', group: '4' })).toMatchObject({ owner: '33', group: '4' });
  });
});
