/** A well-formed SSH wire-format public key blob of `type`; its content only tells keys apart. */
export function keyBlob(type: string, fill: number): Buffer {
  const t = Buffer.from(type);
  const head = Buffer.alloc(4);
  head.writeUInt32BE(t.length);
  const body = Buffer.alloc(36, fill);
  body.writeUInt32BE(32, 0);
  return Buffer.concat([head, t, body]);
}
