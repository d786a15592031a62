import { describe, expect, it } from 'vitest';
import { HeapBudget } from '../../src/engine/heap-budget.js';

describe('HeapBudget', () => {
  it('collects once the heap outgrows the hosts in flight, and adapts to what survives', () => {
    const budget = new HeapBudget(0); // 48 MB threshold
    let garbage: unknown[] = [];
    for (let host = 0; host < 30; host++) {
      for (let j = 0; j < 20_000; j++) garbage.push({ j, s: `payload ${host} ${j} ${'x'.repeat(24)}` });
      if (host % 10 === 9) garbage = []; // what finished hosts leave behind
      budget.afterHost();
    }
    expect(budget.collections).toBeGreaterThan(0);
    expect(budget.collections).toBeLessThan(30); // not after every host
    expect(process.memoryUsage().heapUsed).toBeLessThan(200 * 2 ** 20);
  });

  it('leaves a small heap alone', () => {
    const budget = new HeapBudget(100);
    for (let i = 0; i < 50; i++) budget.afterHost();
    expect(budget.collections).toBe(0);
  });
});
