import { describe, expect, it } from 'vitest';
import { MESSAGE_LINE_CHARS, MESSAGE_MAX_LINES, boundMessage } from '../../src/engine/bounded-message.js';

describe('boundMessage', () => {
  it('keeps a short message as it is', () => {
    expect(boundMessage('one\ntwo')).toBe('one\ntwo');
    expect(boundMessage(undefined)).toBeUndefined();
  });
  it('cuts a dump to a few short lines and counts the rest', () => {
    const dump = Array.from({ length: 259 }, (_, i) => `line ${i} ${'x'.repeat(i === 0 ? 1000 : 10)}`).join('\n');
    const out = boundMessage(dump).split('\n');
    expect(out).toHaveLength(MESSAGE_MAX_LINES + 1);
    expect(out[0]!.length).toBeLessThan(MESSAGE_LINE_CHARS + 30);
    expect(out[0]).toMatch(/… \(1007 chars\)$/);
    expect(out.at(-1)).toMatch(/^… 239 more line\(s\), \d+ bytes, not shown$/);
  });
});
