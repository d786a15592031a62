// A task's message is for a human reading a recap at 3 a.m., never a raw dump: a module that
// passes on what a tool printed (a ruleset nobody could parse, a log) is cut here to a few short
// lines, with a count of what was left out.
export const MESSAGE_MAX_LINES = 20;
export const MESSAGE_LINE_CHARS = 300;

export function boundMessage(text: string): string;
export function boundMessage(text: string | undefined): string | undefined;
export function boundMessage(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const lines = text.split('\n');
  const kept = lines.slice(0, MESSAGE_MAX_LINES).map((l) => (l.length > MESSAGE_LINE_CHARS ? `${l.slice(0, MESSAGE_LINE_CHARS)}… (${l.length} chars)` : l));
  const left = lines.length - kept.length;
  if (left > 0) {
    const bytes = Buffer.byteLength(lines.slice(MESSAGE_MAX_LINES).join('\n'));
    kept.push(`… ${left} more line(s), ${bytes} bytes, not shown`);
  }
  return kept.join('\n');
}
