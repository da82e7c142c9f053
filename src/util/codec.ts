import type { Reader } from './reader';

/**
 * The contract every wire codec follows (dns-packet style):
 * encodingLength(v) is exactly what encode(v, buf, off) writes, encode returns
 * the offset after what it wrote, decode reads from a bounds-checked Reader and
 * throws only DecodeError (or a subclass) on bad input.
 */
export interface Codec<T, Ctx = void> {
  encodingLength(v: T, ctx: Ctx): number;
  encode(v: T, buf: Uint8Array, offset: number, ctx: Ctx): number;
  decode(r: Reader, ctx: Ctx): T;
}

/** Encodes a value into a fresh buffer of exactly its length. */
export function encodeToBytes<T, Ctx>(codec: Codec<T, Ctx>, v: T, ctx: Ctx): Uint8Array {
  const buf = new Uint8Array(codec.encodingLength(v, ctx));
  const end = codec.encode(v, buf, 0, ctx);
  if (end !== buf.length) throw new Error(`encodingLength ${buf.length} but encode wrote ${end}`);
  return buf;
}
