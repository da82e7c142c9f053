/**
 * Byte-order helpers and wire constants of the portable pipeline: the
 * TypeScript twin of native/src/net.h. Everything on the wire is big-endian.
 *
 * MACs are handled as two numbers, the first two octets (`hi`, 16 bits) and
 * the last four (`lo`, 32 bits), so a MAC never becomes a string or a BigInt
 * on the packet path.
 */

export function load16(p: Uint8Array, o: number): number {
  return (p[o]! << 8) | p[o + 1]!;
}
export function load24(p: Uint8Array, o: number): number {
  return (p[o]! << 16) | (p[o + 1]! << 8) | p[o + 2]!;
}
export function load32(p: Uint8Array, o: number): number {
  return ((p[o]! << 24) | (p[o + 1]! << 16) | (p[o + 2]! << 8) | p[o + 3]!) >>> 0;
}
export function store16(p: Uint8Array, o: number, v: number): void {
  p[o] = v >>> 8;
  p[o + 1] = v;
}
export function store24(p: Uint8Array, o: number, v: number): void {
  p[o] = v >>> 16;
  p[o + 1] = v >>> 8;
  p[o + 2] = v;
}
export function store32(p: Uint8Array, o: number, v: number): void {
  p[o] = v >>> 24;
  p[o + 1] = v >>> 16;
  p[o + 2] = v >>> 8;
  p[o + 3] = v;
}

/** First two octets of the MAC at p[o]. */
export function macHi(p: Uint8Array, o: number): number {
  return (p[o]! << 8) | p[o + 1]!;
}
/** Last four octets of the MAC at p[o]. */
export function macLo(p: Uint8Array, o: number): number {
  return load32(p, o + 2);
}
export function storeMac(p: Uint8Array, o: number, hi: number, lo: number): void {
  store16(p, o, hi);
  store32(p, o + 2, lo);
}
/** IEEE 802 I/G bit: the least significant bit of the first octet marks a group address. */
export function macHiIsGroup(hi: number): boolean {
  return (hi & 0x100) !== 0;
}
export function macIsZero(hi: number, lo: number): boolean {
  return hi === 0 && lo === 0;
}
/** A unicast, non-zero MAC (ops.cc unicastMac). */
export function macIsUnicast(hi: number, lo: number): boolean {
  return !macIsZero(hi, lo) && !macHiIsGroup(hi);
}

// EtherTypes (IEEE Registration Authority).
export const ETH_IPV4 = 0x0800;
export const ETH_ARP = 0x0806;
export const ETH_VLAN = 0x8100; // IEEE 802.1Q C-tag
export const ETH_QINQ = 0x88a8; // IEEE 802.1ad S-tag
export const ETH_IPV6 = 0x86dd;

export const ETH_HEADER = 14;
export const VLAN_TAG = 4;
export const IPV4_HEADER = 20;
export const IPV6_HEADER = 40;
export const UDP_HEADER = 8;
export const VXLAN_HEADER = 8;
/** IEEE 802.3 minimum frame (64 octets) less the 4-octet FCS the NIC adds. */
export const ETH_MIN_FRAME = 60;

export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_ICMPV6 = 58;

/** IANA-assigned VXLAN port (RFC 7348 §5). */
export const VXLAN_PORT = 4789;
/** RFC 7348 §5: the "valid VNI" flag. */
export const VXLAN_FLAG_I = 0x08;
export const OUTER_V4 = ETH_HEADER + IPV4_HEADER + UDP_HEADER + VXLAN_HEADER; // 50
export const OUTER_V6 = ETH_HEADER + IPV6_HEADER + UDP_HEADER + VXLAN_HEADER; // 70
export const MAX_OUTER = OUTER_V6;

/**
 * IEEE 802.1Q §8.6.3 Table 8-1: 01-80-C2-00-00-00 to -0F are link-local
 * (STP, LACP, LLDP, 802.1X...) and a bridge never forwards them.
 */
export function reservedGroupMac(p: Uint8Array, o: number): boolean {
  return p[o] === 0x01 && p[o + 1] === 0x80 && p[o + 2] === 0xc2 && p[o + 3] === 0 && p[o + 4] === 0 && (p[o + 5]! & 0xf0) === 0;
}

/**
 * RFC 1071 one's-complement sum of p[o, o+len) added to `sum`, not folded:
 * 16-bit words into a double (2^16 words × 0xffff stays far below 2^53), an
 * odd trailing octet padded with zero on the right (RFC 1071 §4.1).
 */
export function csumAdd(sum: number, p: Uint8Array, o: number, len: number): number {
  let s = sum;
  const last = o + len - 1;
  let i = o;
  for (; i < last; i += 2) s += (p[i]! << 8) | p[i + 1]!;
  if (i === last) s += p[i]! << 8;
  return s;
}
export function csumFold(sum: number): number {
  let s = sum;
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 0x10000);
  return s;
}
/** The value to put in a checksum field: complement of the folded sum. */
export function csumFinish(sum: number): number {
  return ~csumFold(sum) & 0xffff;
}
