/**
 * The Internet checksum (RFC 1071) and its incremental update (RFC 1624),
 * plus the pseudo-header sums that UDP, TCP (RFC 768, RFC 9293 §3.1) and
 * ICMPv6 (RFC 4443 §2.3) add for IPv4 and IPv6 (RFC 8200 §8.1).
 *
 * Sums are kept as plain JS numbers: 32-bit accumulation of 16-bit words can
 * not overflow a double for any packet (2^16 words × 0xffff < 2^53), and
 * `fold` brings the carries back in (end-around carry, RFC 1071 §2(B)).
 */

/**
 * How encoders fill a checksum field: 'compute' (the default) writes the correct
 * value; 'keep' writes the value's own `checksum` verbatim, which reproduces
 * captured bytes exactly, including the partial sums that checksum offload
 * leaves in captures taken on the sending host.
 */
export type ChecksumMode = 'compute' | 'keep';

/** Folds the carries of a one's complement accumulator into 16 bits. */
export function fold(sum: number): number {
  let s = sum;
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 0x10000);
  return s;
}

/**
 * One's complement sum (not complemented, folded to 16 bits) of buf[off, off+len),
 * taken as big-endian 16-bit words; an odd final octet is padded with a zero
 * octet on the right (RFC 1071 §4.1). `initial` lets sums be chained.
 */
export function onesSum(buf: Uint8Array, off: number, len: number, initial = 0): number {
  let sum = initial;
  const end = off + len;
  const last = end - 1;
  let i = off;
  for (; i < last; i += 2) sum += (buf[i]! << 8) | buf[i + 1]!;
  if (i === last) sum += buf[i]! << 8;
  return fold(sum);
}

/** The checksum field value for buf[off, off+len) with `initial` (e.g. a pseudo-header sum) added. */
export function internetChecksum(buf: Uint8Array, off: number, len: number, initial = 0): number {
  return ~onesSum(buf, off, len, initial) & 0xffff;
}

/**
 * True when a region that contains its own checksum field sums to 0xffff
 * (RFC 1071 §1(4)). Both +0 (0x0000) and −0 (0xffff) in the field verify.
 */
export function verifyChecksum(buf: Uint8Array, off: number, len: number, initial = 0): boolean {
  return onesSum(buf, off, len, initial) === 0xffff;
}

/**
 * Pseudo-header sum for IPv4 (RFC 768, RFC 9293 §3.1): source, destination,
 * zero, protocol, upper-layer length (16 bits). Addresses are 4 octets each.
 */
export function pseudoSumV4(src: Uint8Array, dst: Uint8Array, protocol: number, length: number): number {
  let s = ((src[0]! << 8) | src[1]!) + ((src[2]! << 8) | src[3]!);
  s += ((dst[0]! << 8) | dst[1]!) + ((dst[2]! << 8) | dst[3]!);
  s += protocol + length;
  return fold(s);
}

/**
 * Pseudo-header sum for IPv6 (RFC 8200 §8.1): source, destination, 32-bit
 * upper-layer length, three zero octets, next header. Addresses are 16 octets.
 */
export function pseudoSumV6(src: Uint8Array, dst: Uint8Array, nextHeader: number, length: number): number {
  let s = 0;
  for (let i = 0; i < 16; i += 2) s += ((src[i]! << 8) | src[i + 1]!) + ((dst[i]! << 8) | dst[i + 1]!);
  s += Math.floor(length / 0x10000) + (length & 0xffff) + nextHeader;
  return fold(s);
}

/** Pseudo-header sum for either family, chosen by address length (4 or 16 octets). */
export function pseudoSum(src: Uint8Array, dst: Uint8Array, protocol: number, length: number): number {
  if (src.length === 4 && dst.length === 4) return pseudoSumV4(src, dst, protocol, length);
  if (src.length === 16 && dst.length === 16) return pseudoSumV6(src, dst, protocol, length);
  throw new RangeError(`pseudo-header: mixed or bad address lengths ${src.length}/${dst.length}`);
}

/**
 * RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'). Returns the new checksum field
 * after one 16-bit word of the covered data changed from `oldWord` to `newWord`.
 * RFC 1624 §3 shows this form agrees with a full recomputation, including the
 * ±0 corner case where the RFC 1141 form did not. The one remaining corner is
 * data that sums to zero (all-zero words), which no IP, UDP or TCP header is.
 */
export function updateChecksum16(checksum: number, oldWord: number, newWord: number): number {
  return ~fold((~checksum & 0xffff) + (~oldWord & 0xffff) + (newWord & 0xffff)) & 0xffff;
}

/** RFC 1624 for a 32-bit field (two words), e.g. an IPv4 address rewrite. */
export function updateChecksum32(checksum: number, oldValue: number, newValue: number): number {
  const s =
    (~checksum & 0xffff) +
    (~(oldValue >>> 16) & 0xffff) +
    (~oldValue & 0xffff) +
    ((newValue >>> 16) & 0xffff) +
    (newValue & 0xffff);
  return ~fold(s) & 0xffff;
}

/**
 * RFC 1624 for a run of octets starting at an even offset of the covered data
 * (so the words line up); `before` and `after` must have equal length.
 */
export function updateChecksumBytes(checksum: number, before: Uint8Array, after: Uint8Array): number {
  if (before.length !== after.length) throw new RangeError('updateChecksumBytes: length mismatch');
  const oldSum = onesSum(before, 0, before.length);
  const newSum = onesSum(after, 0, after.length);
  return ~fold((~checksum & 0xffff) + (~oldSum & 0xffff) + newSum) & 0xffff;
}
