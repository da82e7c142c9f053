import { ipBytes, isIpv4, type Ip } from '../util/ip';

/*
 * Numeric order of addresses, for the tie-breaks that ask for "the lowest"
 * one: BGP identifiers and peer addresses (RFC 4271 §9.1.2.2 f, g), the
 * ORIGINATOR_ID (RFC 4456 §9) and the VTEP address of RFC 7432 §15.1. IPv4
 * sorts before IPv6; within a family, by the octets.
 */

/** An IPv4 address as an unsigned 32-bit number (BGP identifiers, ORIGINATOR_ID); -1 if not IPv4. */
export function ipv4Number(ip: Ip): number {
  if (!isIpv4(ip)) return -1;
  let n = 0;
  let part = 0;
  for (let i = 0; i < ip.length; i++) {
    const c = ip.charCodeAt(i);
    if (c === 46) {
      n = n * 256 + part;
      part = 0;
    } else part = part * 10 + (c - 48);
  }
  return n * 256 + part;
}

/** <0 when a sorts first, >0 when b does, 0 when equal. */
export function compareIp(a: Ip, b: Ip): number {
  if (a === b) return 0;
  const x = ipv4Number(a);
  const y = ipv4Number(b);
  if (x >= 0 && y >= 0) return x - y;
  if (x >= 0) return -1;
  if (y >= 0) return 1;
  const p = ipBytes(a);
  const q = ipBytes(b);
  for (let i = 0; i < p.length; i++) if (p[i] !== q[i]) return p[i]! - q[i]!;
  return 0;
}
