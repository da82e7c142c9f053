/**
 * Map keys for IP addresses read straight from packet bytes: an IPv4
 * address is its 32-bit value (a number, no allocation); an IPv6 address is
 * a string of its 16 octets (built only on the IPv6 path). The native side's
 * IpAddr compares family and all 16 octets; the two key shapes never collide
 * because one is a number and the other a string.
 */
import { ipv4ToU32, isIpv4, isIpv6, writeIpv6 } from '../../util/ip';
import * as wire from './wire';

// Imported bindings are read once into locals: loaders that turn ES exports into
// getters (tsx/esbuild) would otherwise make every use on the packet path a call.
const { load32 } = wire;

export type IpKey = number | string;

export function ipv4Key(p: Uint8Array, o: number): IpKey {
  return load32(p, o);
}

export function ipv6Key(p: Uint8Array, o: number): IpKey {
  let s = '';
  for (let i = 0; i < 16; i += 4) s += load32(p, o + i).toString(16).padStart(8, '0');
  return s;
}

/** Key of an address read as `family` (4: the first four octets; 6: all sixteen); null for another family. */
export function ipKeyAt(family: number, p: Uint8Array, o: number): IpKey | null {
  if (family === 4) return ipv4Key(p, o);
  if (family === 6) return ipv6Key(p, o);
  return null;
}

/** Family and key of an address string, as inet_pton reads it; null when it is neither. */
export function parseIpKey(s: string): { family: 4 | 6; key: IpKey; bytes: Uint8Array } | null {
  if (isIpv4(s)) {
    const b = new Uint8Array(16);
    const v = ipv4ToU32(s);
    b[0] = v >>> 24;
    b[1] = v >>> 16;
    b[2] = v >>> 8;
    b[3] = v;
    return { family: 4, key: v, bytes: b };
  }
  if (isIpv6(s)) {
    const b = new Uint8Array(16);
    writeIpv6(b, 0, s);
    return { family: 6, key: ipv6Key(b, 0), bytes: b };
  }
  return null;
}
