import { canonicalIp, ipBytes, ipv4ToString, ipv6ToString, isIpv4, isIpv6, type Ip } from '../util/ip';

/**
 * IP prefixes as the configuration writes them ("10.100.0.0/24",
 * "2001:db8::/64"): parsing, the network of an address, overlap. Addresses
 * are handled as their 4 or 16 octets so that both families share one path.
 */

export interface Prefix {
  /** The address as written (canonical form); may have host bits set (a gateway "10.100.0.1/24"). */
  ip: Ip;
  length: number;
}

/** "ADDR/LEN" → prefix; RangeError with a reason otherwise. */
export function parsePrefix(text: string): Prefix {
  const slash = text.indexOf('/');
  if (slash < 0) throw new RangeError(`"${text}" has no prefix length (write ADDRESS/LEN, e.g. 10.100.0.0/24)`);
  const addr = text.slice(0, slash);
  const lenText = text.slice(slash + 1);
  const v4 = isIpv4(addr);
  if (!v4 && !isIpv6(addr)) throw new RangeError(`"${addr}" is not an IPv4 or IPv6 address`);
  const max = v4 ? 32 : 128;
  if (!/^\d{1,3}$/.test(lenText) || Number(lenText) > max) throw new RangeError(`prefix length "${lenText}" out of range 0..${max} for ${v4 ? 'IPv4' : 'IPv6'}`);
  return { ip: canonicalIp(addr), length: Number(lenText) };
}

function bytesToIp(b: Uint8Array): Ip {
  return b.length === 4 ? ipv4ToString(b, 0) : ipv6ToString(b, 0);
}

function masked(ip: Ip, length: number, fill: 0 | 1): Uint8Array {
  const b = ipBytes(ip).slice();
  for (let bit = length; bit < b.length * 8; bit++) {
    const byte = bit >> 3;
    const m = 0x80 >> (bit & 7);
    b[byte] = fill ? b[byte]! | m : b[byte]! & ~m;
  }
  return b;
}

/** The network address of `ip/length` (host bits cleared). */
export function networkOf(ip: Ip, length: number): Ip {
  return bytesToIp(masked(ip, length, 0));
}

/** The last address of `ip/length` (host bits set): the IPv4 broadcast address. */
export function lastOf(ip: Ip, length: number): Ip {
  return bytesToIp(masked(ip, length, 1));
}

/** "network/length" of an address with its prefix length. */
export function prefixText(ip: Ip, length: number): string {
  return `${networkOf(ip, length)}/${length}`;
}

/** True when one prefix contains the other (same family). */
export function overlaps(a: Prefix, b: Prefix): boolean {
  if (ipBytes(a.ip).length !== ipBytes(b.ip).length) return false;
  const l = Math.min(a.length, b.length);
  return networkOf(a.ip, l) === networkOf(b.ip, l);
}

/** The address after `ip` (wrapping), e.g. the first host address after a network address. */
export function nextAddress(ip: Ip): Ip {
  const b = ipBytes(ip).slice();
  for (let i = b.length - 1; i >= 0; i--) {
    b[i] = (b[i]! + 1) & 0xff;
    if (b[i] !== 0) break;
  }
  return bytesToIp(b);
}
