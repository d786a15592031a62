// Colour only for a terminal, and never when NO_COLOR is set (https://no-color.org).

export type Paint = (text: string, color: 'green' | 'yellow' | 'red' | 'cyan' | 'dim' | 'bold') => string;

const CODES = { green: 32, yellow: 33, red: 31, cyan: 36, dim: 2, bold: 1 } as const;

export function painter(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): Paint {
  const on = !!stream.isTTY && !env.NO_COLOR && env.TERM !== 'dumb';
  return on ? (t, c) => `\x1b[${CODES[c]}m${t}\x1b[0m` : (t) => t;
}
