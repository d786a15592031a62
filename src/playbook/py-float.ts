// Python floats. JS has one number type, so a float whose value is integral (42.0, 4 / 2) is
// boxed to keep printing as Python does ("42.0"); other floats are plain JS numbers, and an
// integral plain number is an int. valueOf/toJSON let a box act as its number at the edges.
export class PyFloat {
  constructor(readonly n: number) {}
  valueOf(): number {
    return this.n;
  }
  toJSON(): number {
    return this.n;
  }
}

/** A float value from a JS number: boxed only when the number alone would read as an int. */
export function mkFloat(n: number): number | PyFloat {
  return Number.isInteger(n) || Object.is(n, -0) ? new PyFloat(n) : n;
}

export function isNum(v: unknown): v is number | PyFloat {
  return typeof v === 'number' || v instanceof PyFloat;
}

export function isFloat(v: unknown): boolean {
  return v instanceof PyFloat || (typeof v === 'number' && !Number.isInteger(v));
}

export function isInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v);
}

export function toNum(v: number | PyFloat): number {
  return typeof v === 'number' ? v : v.n;
}

/** Python repr() of a float: shortest round-trip digits, exponent outside 1e-4 ≤ |x| < 1e16. */
export function floatRepr(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (!Number.isFinite(n)) return n > 0 ? 'inf' : '-inf';
  if (Object.is(n, -0)) return '-0.0';
  const abs = Math.abs(n);
  if (abs !== 0 && (abs >= 1e16 || abs < 1e-4)) {
    const [mantissa, exp = '0'] = n.toExponential().split('e');
    const sign = exp.startsWith('-') ? '-' : '+';
    return `${mantissa}e${sign}${exp.replace(/^[+-]/, '').padStart(2, '0')}`;
  }
  const s = String(n);
  return Number.isInteger(n) ? `${s}.0` : s;
}

/** Python's correctly rounded fixed-point text ('%.2f', round()): ties go to even digits. */
export function pyToFixed(x: number, digits: number): string {
  const js = x.toFixed(digits);
  if (!Number.isFinite(x) || Math.abs(x) >= 1e21) return js;
  const exact = Math.abs(x).toFixed(100);
  const cut = exact.indexOf('.') + 1 + digits;
  if (exact[cut] !== '5' || !/^0*$/.test(exact.slice(cut + 1))) return js;
  // A tie: JS rounds away from zero; Python keeps the even neighbour.
  const kept = exact.slice(0, cut).replace(/\.$/, '');
  const lastDigit = Number(kept.replace('.', '').slice(-1));
  if (lastDigit % 2 === 1) return js;
  return (x < 0 ? '-' : '') + kept;
}
