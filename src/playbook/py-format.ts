// Python string formatting: `'%s:%d' % (a, b)` (and the `format` filter, which is the same) and
// `'{} {name}'.format(...)`. The value printers come from the caller, to keep this file free of
// the evaluator.
import { PyFloat, floatRepr, isNum, pyToFixed, toNum } from './py-float.js';

export interface Printers {
  str(v: unknown): string;
  repr(v: unknown): string;
}

export class FormatError extends Error {}

const PERCENT = /%(?:\(([^)]*)\))?([-+ #0]*)(\*|\d+)?(?:\.(\*|\d+))?[hlL]?([diouxXeEfFgGcrsa%])/g;

function pad(s: string, flags: string, width: number | undefined, conv: string): string {
  if (width === undefined || s.length >= width) return s;
  if (flags.includes('-')) return s.padEnd(width);
  // Python zero-pads every numeric conversion, hex digits included ('%04x' % 3840 is '0f00').
  if (flags.includes('0') && (/^[-+ ]?[\d.]/.test(s) || /^[xXo]$/.test(conv))) {
    // The zeros go after the sign and the '#' prefix ('%#06x' % 10 is '0x000a').
    const lead = /^[-+ ]?(0[xXo](?=[0-9a-fA-F]))?/.exec(s)![0];
    return lead + s.slice(lead.length).padStart(width - lead.length, '0');
  }
  return s.padStart(width);
}

function number(v: unknown, conv: string): number {
  if (isNum(v) || typeof v === 'boolean') return Number(v);
  throw new FormatError(`%${conv} format: a real number is required, not ${v === null ? 'NoneType' : typeof v}`);
}

function signed(n: number, body: string, flags: string): string {
  if (n < 0 || Object.is(n, -0)) return body;
  return (flags.includes('+') ? '+' : flags.includes(' ') ? ' ' : '') + body;
}

function convert(v: unknown, conv: string, flags: string, precision: number | undefined, p: Printers): string {
  switch (conv) {
    case 's':
      return precision === undefined ? p.str(v) : p.str(v).slice(0, precision);
    case 'r':
    case 'a':
      return p.repr(v);
    case 'c':
      return typeof v === 'string' ? v : String.fromCodePoint(number(v, conv));
    case 'd':
    case 'i':
    case 'u': {
      const n = Math.trunc(number(v, conv));
      return signed(n, String(n), flags);
    }
    case 'o':
    case 'x':
    case 'X': {
      const n = Math.trunc(number(v, conv));
      const radix = conv === 'o' ? 8 : 16;
      let body = Math.abs(n).toString(radix);
      if (conv === 'X') body = body.toUpperCase();
      if (flags.includes('#')) body = (conv === 'o' ? '0o' : conv === 'x' ? '0x' : '0X') + body;
      return signed(n, (n < 0 ? '-' : '') + body, flags);
    }
    case 'e':
    case 'E': {
      const n = number(v, conv);
      const [m, e = '0'] = n.toExponential(precision ?? 6).split('e');
      const body = `${m}e${e.startsWith('-') ? '-' : '+'}${e.replace(/^[+-]/, '').padStart(2, '0')}`;
      return signed(n, conv === 'E' ? body.toUpperCase() : body, flags);
    }
    case 'f':
    case 'F': {
      const n = number(v, conv);
      return signed(n, pyToFixed(n, precision ?? 6), flags);
    }
    default: {
      const n = number(v, conv);
      const s = Number(n.toPrecision(precision ?? 6)).toString();
      return signed(n, s, flags);
    }
  }
}

/** `fmt % args`: a tuple (list) spreads, a dict feeds `%(name)s`, anything else is one value. */
export function percentFormat(fmt: string, args: unknown, p: Printers): string {
  const isDict = args !== null && typeof args === 'object' && !Array.isArray(args) && !(args instanceof PyFloat);
  const values = Array.isArray(args) ? args : [args];
  let next = 0;
  const take = (): unknown => {
    if (next >= values.length) throw new FormatError('not enough arguments for format string');
    return values[next++];
  };
  const out = fmt.replace(PERCENT, (_m, key: string | undefined, flags: string, w?: string, prec?: string, conv = 's') => {
    if (conv === '%') return '%';
    const width = w === '*' ? Number(take()) : w === undefined ? undefined : Number(w);
    const precision = prec === '*' ? Number(take()) : prec === undefined ? undefined : Number(prec);
    const v = key !== undefined && isDict ? (args as Record<string, unknown>)[key] : take();
    return pad(convert(v, conv, flags, precision, p), flags, width, conv);
  });
  if (!isDict && next < values.length) throw new FormatError('not all arguments converted during string formatting');
  return out;
}

const BRACE = /\{\{|\}\}|\{([^{}!:]*)(?:!([rsa]))?(?::([^{}]*))?\}/g;
const SPEC = /^(?:(.)?([<>^=]))?([-+ ])?(#)?(0)?(\d+)?(,|_)?(?:\.(\d+))?([bcdeEfFgGnosxX%])?$/;

function applySpec(v: unknown, spec: string, p: Printers): string {
  const m = SPEC.exec(spec);
  if (!m) throw new FormatError(`invalid format specifier '${spec}'`);
  const [, fill = ' ', align, sign = '', , zero, width, grouping, prec, type] = m;
  let body: string;
  if (type && type !== 's') {
    const n = number(v, type);
    if ('fF%'.includes(type)) body = pyToFixed(type === "%" ? n * 100 : n, prec === undefined ? 6 : Number(prec)) + (type === '%' ? '%' : '');
    else if (type === 'd' || type === 'n') body = String(Math.trunc(n));
    else if ('xXob'.includes(type)) body = Math.trunc(n).toString({ x: 16, X: 16, o: 8, b: 2 }[type] ?? 10);
    else body = convert(n, type, '', prec === undefined ? undefined : Number(prec), p);
    if (type === 'X') body = body.toUpperCase();
    if (grouping) body = body.replace(/^(-?\d+)/, (d) => d.replace(/\B(?=(\d{3})+(?!\d))/g, grouping));
    if (sign && n >= 0 && sign !== '-') body = sign + body;
  } else {
    body = isNum(v) && prec !== undefined ? floatRepr(Number(toNum(v).toFixed(Number(prec)))) : p.str(v);
    if (prec !== undefined && typeof v === 'string') body = body.slice(0, Number(prec));
  }
  const w = width === undefined ? 0 : Number(width);
  if (body.length >= w) return body;
  const numeric = type !== undefined && type !== 's';
  const how = align ?? (zero ? '=' : numeric || isNum(v) ? '>' : '<');
  const f = zero && !align ? '0' : fill;
  const gap = w - body.length;
  if (how === '<') return body + f.repeat(gap);
  if (how === '>') return f.repeat(gap) + body;
  if (how === '^') return f.repeat(Math.floor(gap / 2)) + body + f.repeat(Math.ceil(gap / 2));
  const s = /^[-+ ]/.test(body) ? (body[0] ?? '') : '';
  return s + f.repeat(gap) + body.slice(s.length);
}

/** `'{} {0} {name:>5}'.format(*args, **kwargs)`. */
export function braceFormat(fmt: string, args: unknown[], kwargs: Record<string, unknown>, p: Printers): string {
  let auto = 0;
  return fmt.replace(BRACE, (whole, field: string | undefined, conversion?: string, spec = '') => {
    if (whole === '{{') return '{';
    if (whole === '}}') return '}';
    const name = field ?? '';
    const [head = '', ...path] = name.split('.');
    let v: unknown;
    if (head === '') v = args[auto++];
    else if (/^\d+$/.test(head)) v = args[Number(head)];
    else v = Object.hasOwn(kwargs, head) ? kwargs[head] : undefined;
    for (const key of path) v = v && typeof v === 'object' && Object.hasOwn(v, key) ? (v as Record<string, unknown>)[key] : undefined;
    if (v === undefined) throw new FormatError(head === '' || /^\d/.test(head) ? 'Replacement index out of range for positional args tuple' : `KeyError: '${head}'`);
    if (conversion === 'r' || conversion === 'a') return applySpec(p.repr(v), spec, p);
    return applySpec(v, spec, p);
  });
}
