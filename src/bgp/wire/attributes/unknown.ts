import type { Reader } from '../../../util/reader';

/*
 * An attribute this codec does not interpret: type, flags and value octets
 * exactly as received. An optional transitive one is passed on (with the
 * Partial bit set by whoever forwards it, RFC 4271 §5); an optional
 * non-transitive one is ignored by the RIB but still round-trips here.
 */

export interface UnknownAttr {
  type: number;
  flags: number;
  raw: Uint8Array;
}

export function encodingLength(a: UnknownAttr): number {
  return a.raw.length;
}

export function encode(a: UnknownAttr, buf: Uint8Array, off: number): number {
  buf.set(a.raw, off);
  return off + a.raw.length;
}

export function decode(r: Reader, type: number, flags: number): UnknownAttr {
  return { type, flags, raw: r.rest() };
}
