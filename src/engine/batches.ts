// Ansible's `serial`: batch sizes from a number, a percentage or a list of them; the last entry
// repeats until every host has had its turn ([1, '10%', '50%'] = a canary, then growing batches).

export function batchSizes(total: number, serial: ReadonlyArray<number | string> | undefined): number[] {
  if (total <= 0) return [];
  if (!serial || serial.length === 0) return [total];
  const size = (s: number | string) => {
    const t = String(s).trim();
    const n = t.endsWith('%') ? Math.floor((total * Number(t.slice(0, -1))) / 100) : Number(t);
    return Math.max(1, Math.min(total, n || 1));
  };
  const sizes: number[] = [];
  let left = total;
  for (let i = 0; left > 0; i++) {
    const n = Math.min(left, size(serial[Math.min(i, serial.length - 1)]!));
    sizes.push(n);
    left -= n;
  }
  return sizes;
}

/** Run `fn` over items with at most `limit` in flight; results keep the input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  return (await mapLimitUntil(items, limit, fn)).done;
}

/**
 * mapLimit that starts no further item once `signal` is aborted (Ctrl-C): the items in flight
 * finish; `done` holds their results in input order, `notStarted` the items never started.
 */
export async function mapLimitUntil<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
  signal?: AbortSignal,
): Promise<{ done: R[]; notStarted: T[] }> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length && !signal?.aborted) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  // Items start in order, so the started ones are a prefix, and every one of them has finished.
  return { done: out.slice(0, next), notStarted: items.slice(next) };
}
