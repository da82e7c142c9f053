/**
 * The hashes of native/src/flowhash.h, bit for bit, in 32-bit halves: the
 * inner-flow hash picks the outer UDP source port (RFC 7348 §5) and the IPv6
 * flow label (RFC 6438 §3), and the FDB's slot order (which the aging sweep
 * follows) comes from mix64 - so both must equal the C++ exactly for the two
 * pipelines to give the same bytes and the same events.
 *
 * JavaScript has no 64-bit integer short of BigInt (which allocates), so a
 * 64-bit value is a pair of uint32 (hi, lo). Results are left in the module
 * variables `H` and `L` instead of being returned in an object: no
 * allocation per call.
 */
import * as wire from './wire';

// Imported bindings are read once into locals: loaders that turn ES exports into
// getters (tsx/esbuild) would otherwise make every use on the packet path a call.
const { ETH_IPV4, ETH_IPV6, IPPROTO_TCP, IPPROTO_UDP, IPV4_HEADER, IPV6_HEADER, load16, load32 } = wire;

// High and low 32 bits of the last mul64 / mix64 / hashBytes result.
let H = 0;
let L = 0;

/**
 * Low 64 bits of (ah:al) × (bh:bl), into H:L: schoolbook multiplication in
 * 16-bit limbs, so every partial product and carry stays an exact small
 * integer (the limb products that only reach bits >= 64 are left out).
 */
function mul64(ah: number, al: number, bh: number, bl: number): void {
  const a48 = ah >>> 16;
  const a32 = ah & 0xffff;
  const a16 = al >>> 16;
  const a00 = al & 0xffff;
  const b48 = bh >>> 16;
  const b32 = bh & 0xffff;
  const b16 = bl >>> 16;
  const b00 = bl & 0xffff;
  let c00 = a00 * b00;
  let c16 = c00 >>> 16;
  c00 &= 0xffff;
  c16 += a16 * b00;
  let c32 = c16 >>> 16;
  c16 &= 0xffff;
  c16 += a00 * b16;
  c32 += c16 >>> 16;
  c16 &= 0xffff;
  c32 += a32 * b00;
  let c48 = c32 >>> 16;
  c32 &= 0xffff;
  c32 += a16 * b16;
  c48 += c32 >>> 16;
  c32 &= 0xffff;
  c32 += a00 * b32;
  c48 += c32 >>> 16;
  c32 &= 0xffff;
  c48 += a48 * b00 + a32 * b16 + a16 * b32 + a00 * b48;
  c48 &= 0xffff;
  H = ((c48 << 16) | c32) >>> 0;
  L = ((c16 << 16) | c00) >>> 0;
}

/** MurmurHash3's 64-bit finaliser (flowhash.h mix64) of (hi:lo), into H:L. */
function mix64(hi: number, lo: number): void {
  // k ^= k >> 33: only the low half changes, by hi >> 1.
  let l = (lo ^ (hi >>> 1)) >>> 0;
  mul64(hi, l, 0xff51afd7, 0xed558ccd);
  l = (L ^ (H >>> 1)) >>> 0;
  mul64(H, l, 0xc4ceb9fe, 0x1a85ec53);
  L = (L ^ (H >>> 1)) >>> 0;
}

/** flowhash.h hashBytes(h, p, len), seeded with (hi:lo), into H:L. */
function hashBytes(hi: number, lo: number, p: Uint8Array, o: number, len: number): void {
  let h = hi;
  let l = lo;
  let i = o;
  let n = len;
  while (n >= 8) {
    mix64((h ^ load32(p, i)) >>> 0, (l ^ load32(p, i + 4)) >>> 0);
    // + 0x9e3779b97f4a7c15 (the golden ratio), with the carry between halves.
    const sum = L + 0x7f4a7c15;
    l = sum >>> 0;
    h = (H + 0x9e3779b9 + (sum > 0xffffffff ? 1 : 0)) >>> 0;
    i += 8;
    n -= 8;
  }
  // The tail (under 8 octets) as one big-endian word.
  let wh = 0;
  let wl = 0;
  for (let k = 0; k < n; k++) {
    wh = ((wh << 8) | (wl >>> 24)) >>> 0;
    wl = ((wl << 8) | p[i + k]!) >>> 0;
  }
  // ^ (len << 56), where len is what is left after the 8-octet blocks (0-7).
  mix64((h ^ wh ^ (n << 24)) >>> 0, (l ^ wl) >>> 0);
}

/**
 * flowhash.h innerFlowHash: the 12 MAC octets at p[macs] and the EtherType
 * always; IPv4/IPv6 addresses and protocol; TCP/UDP ports (first fragments
 * only), so a 5-tuple keeps one underlay path. Returns a uint32.
 */
export function innerFlowHash(p: Uint8Array, macs: number, type: number, l3: number, l3len: number): number {
  hashBytes(0, (0x5bd1e995 ^ type) >>> 0, p, macs, 12);
  let l4 = -1;
  let proto = 0;
  if (type === ETH_IPV4 && l3len >= IPV4_HEADER && p[l3]! >>> 4 === 4) {
    const ihl = (p[l3]! & 0x0f) * 4;
    proto = p[l3 + 9]!;
    hashBytes(H, (L ^ proto) >>> 0, p, l3 + 12, 8);
    const firstFragment = (load16(p, l3 + 6) & 0x3fff) === 0;
    if (firstFragment && ihl >= IPV4_HEADER && l3len >= ihl + 4) l4 = l3 + ihl;
  } else if (type === ETH_IPV6 && l3len >= IPV6_HEADER && p[l3]! >>> 4 === 6) {
    proto = p[l3 + 6]!;
    hashBytes(H, (L ^ proto) >>> 0, p, l3 + 8, 32);
    if (l3len >= IPV6_HEADER + 4) l4 = l3 + IPV6_HEADER;
  }
  if (l4 >= 0 && (proto === IPPROTO_TCP || proto === IPPROTO_UDP)) hashBytes(H, L, p, l4, 4);
  return (H ^ L) >>> 0;
}

/** RFC 7348 §5: a source port in 49152-65535 (the top two bits set). */
export function vxlanSourcePort(flowHash: number): number {
  return 0xc000 | (flowHash & 0x3fff);
}

/** Low 32 bits of mix64(hi:lo): all a table of at most 2^32 slots needs of the hash. */
export function mix64Lo(hi: number, lo: number): number {
  mix64(hi, lo);
  return L;
}

/** mix64 and hashBytes as [hi, lo] pairs, for tests against reference values. */
export function mix64Pair(hi: number, lo: number): [number, number] {
  mix64(hi, lo);
  return [H, L];
}
export function hashBytesPair(hi: number, lo: number, p: Uint8Array, o: number, len: number): [number, number] {
  hashBytes(hi, lo, p, o, len);
  return [H, L];
}
