// Signatures of filters and tests, written as strings: `def('old new count?', fn)`.
import type { Callable } from './expr-eval.js';

type Fn = Callable['call'];

/**
 * `def('old new count?', fn)`: names without `?` are required, `*name` collects extra positional
 * arguments and makes the names after it keyword-only.
 */
export function def(signature: string, call: Fn, opts: { lazy?: boolean } = {}): Callable {
  const words = signature.split(/\s+/).filter(Boolean);
  const restAt = words.findIndex((w) => w.startsWith('*'));
  const positional = restAt < 0 ? words : words.slice(0, restAt);
  const params = positional.map((w) => w.replace(/\?$/, ''));
  return {
    params,
    required: positional.filter((w) => !w.endsWith('?')).length,
    rest: restAt < 0 ? undefined : words[restAt]?.slice(1),
    keywordOnly: restAt < 0 ? [] : words.slice(restAt + 1).map((w) => w.replace(/\?$/, '')),
    lazy: opts.lazy ?? false,
    call,
  };
}

