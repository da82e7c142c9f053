import { DecodeError } from '../../../util/errors';
import type { Reader } from '../../../util/reader';
import type { MacIpRoute } from './types';
import { decodeAt as rdAt, encode as encodeRd } from './rd';
import { esiAt, encode as encodeEsi } from './esi';
import { fault, ipAt, ipTextLength, macAt, type Fault, writeEthTag, writeIpAny, writeLabel, writeMacFast } from './fields';

/*
 * MAC/IP Advertisement route, RFC 7432 §7.2 (route type 2):
 *
 *   +---------------------------------------+
 *   |  RD (8 octets)                        |   offset 0
 *   +---------------------------------------+
 *   |Ethernet Segment Identifier (10 octets)|   offset 8
 *   +---------------------------------------+
 *   |  Ethernet Tag ID (4 octets)           |   offset 18
 *   +---------------------------------------+
 *   |  MAC Address Length (1 octet)         |   offset 22, always 48 (bits)
 *   +---------------------------------------+
 *   |  MAC Address (6 octets)               |   offset 23
 *   +---------------------------------------+
 *   |  IP Address Length (1 octet)          |   offset 29, 0, 32 or 128 (bits)
 *   +---------------------------------------+
 *   |  IP Address (0, 4, or 16 octets)      |   offset 30
 *   +---------------------------------------+
 *   |  MPLS Label1 (3 octets)               |
 *   +---------------------------------------+
 *   |  MPLS Label2 (0 or 3 octets)          |
 *   +---------------------------------------+
 *
 * Total 30 + {0,4,16} + {3,6} = 33, 36, 37, 40, 49 or 52 octets. With VXLAN,
 * Label1 carries the L2VNI and Label2 the L3VNI of symmetric IRB (RFC 8365
 * §5.1.3, RFC 9135 §8.1), each filling the whole 24-bit field.
 */

export const MAC_IP_LENGTHS: readonly number[] = [33, 36, 37, 40, 49, 52];

/** Octets before the IP address, and before label1 in a MAC-only route. */
const FIXED = 30;

export function encodingLength(v: MacIpRoute): number {
  return FIXED + (v.ip === undefined ? 0 : ipTextLength(v.ip)) + (v.label2 === undefined ? 3 : 6);
}

/** Writes the route-type-specific value (without the type/length octets). */
export function encode(v: MacIpRoute, buf: Uint8Array, off: number): number {
  let p = encodeRd(v.rd, buf, off);
  p = encodeEsi(v.esi, buf, p);
  p = writeEthTag(buf, p, v.ethTag);
  buf[p++] = 48;
  p = writeMacFast(buf, p, v.mac);
  if (v.ip === undefined) {
    buf[p++] = 0;
  } else {
    const ipStart = p + 1;
    p = writeIpAny(buf, ipStart, v.ip);
    buf[ipStart - 1] = (p - ipStart) * 8;
  }
  p = writeLabel(buf, p, v.label1, 'MAC/IP label1');
  if (v.label2 !== undefined) p = writeLabel(buf, p, v.label2, 'MAC/IP label2');
  return p;
}

/**
 * Why `length` octets at `p` are not a valid type 2 value, or null: the
 * length must be one of the six valid ones and agree with the MAC and IP
 * length fields inside.
 */
export function check(b: Uint8Array, p: number, length: number): Fault | null {
  if (length !== 33 && length !== 36 && length !== 37 && length !== 40 && length !== 49 && length !== 52) {
    return fault(`MAC/IP route (type 2): invalid length ${length}, must be 33, 36, 37, 40, 49 or 52`, p);
  }
  const macLen = b[p + 22]!;
  if (macLen !== 48) return fault(`MAC/IP route (type 2): MAC address length ${macLen} bits, must be 48 (RFC 7432 §7.2)`, p + 22);
  const ipLenBits = b[p + 29]!;
  if (ipLenBits !== 0 && ipLenBits !== 32 && ipLenBits !== 128) {
    return fault(`MAC/IP route (type 2): IP address length ${ipLenBits} bits, must be 0, 32 or 128`, p + 29);
  }
  const labelOctets = length - FIXED - (ipLenBits >>> 3);
  if (labelOctets !== 3 && labelOctets !== 6) {
    return fault(
      `MAC/IP route (type 2): length ${length} disagrees with IP address length ${ipLenBits} (leaves ${labelOctets} octet(s) for labels, must be 3 or 6)`,
      p + 29,
    );
  }
  return null;
}

// Per-route calls go through module-local bindings: run from source (tsx,
// esbuild's CommonJS output) every use of an imported binding is a getter
// call, which costs more than these small functions themselves.
const rdAtL = rdAt;
const esiAtL = esiAt;
const macAtL = macAt;
const ipAtL = ipAt;

/** Decodes a value that passed `check`. */
export function decodeValid(b: Uint8Array, p: number, length: number): MacIpRoute {
  const ipOctets = b[p + 29]! >>> 3;
  const lp = p + FIXED + ipOctets;
  const rd = rdAtL(b, p);
  const esi = esiAtL(b, p + 8);
  // Ethernet Tag and labels read inline: this runs once per route.
  const ethTag = ((b[p + 18]! << 24) >>> 0) + ((b[p + 19]! << 16) | (b[p + 20]! << 8) | b[p + 21]!);
  const mac = macAtL(b, p + 23);
  const label1 = (b[lp]! << 16) | (b[lp + 1]! << 8) | b[lp + 2]!;
  const twoLabels = length - FIXED - ipOctets === 6;
  // One object literal per shape keeps the property order (and V8 map) fixed.
  if (ipOctets === 0) {
    return twoLabels
      ? { routeType: 2, rd, esi, ethTag, mac, label1, label2: (b[lp + 3]! << 16) | (b[lp + 4]! << 8) | b[lp + 5]! }
      : { routeType: 2, rd, esi, ethTag, mac, label1 };
  }
  const ip = ipAtL(b, p + FIXED, ipOctets as 4 | 16);
  return twoLabels
    ? { routeType: 2, rd, esi, ethTag, mac, ip, label1, label2: (b[lp + 3]! << 16) | (b[lp + 4]! << 8) | b[lp + 5]! }
    : { routeType: 2, rd, esi, ethTag, mac, ip, label1 };
}

/** Decodes a value of `length` octets at r.pos (the length comes from the NLRI header); DecodeError if malformed. */
export function decode(r: Reader, length = r.remaining): MacIpRoute {
  if (length > r.remaining) throw new DecodeError(`MAC/IP route: truncated, length ${length} but ${r.remaining} octet(s) left`, r.pos);
  const f = check(r.buf, r.pos, length);
  if (f !== null) throw new DecodeError(f.message, f.offset);
  const route = decodeValid(r.buf, r.pos, length);
  r.pos += length;
  return route;
}
