import { DecodeError } from '../../../util/errors';
import type { Reader } from '../../../util/reader';
import type { IpPrefixRoute } from './types';
import { decodeAt as rdAt, encode as encodeRd } from './rd';
import { esiAt, encode as encodeEsi } from './esi';
import { fault, ipAt, ipTextLength, u24At, u32At, writeEthTag, writeIpAny, writeLabel, type Fault } from './fields';

/*
 * IP Prefix route, RFC 9136 §3.1 (route type 5):
 *
 *   +---------------------------------------+
 *   |      RD (8 octets)                    |   offset 0
 *   +---------------------------------------+
 *   |Ethernet Segment Identifier (10 octets)|   offset 8
 *   +---------------------------------------+
 *   |  Ethernet Tag ID (4 octets)           |   offset 18
 *   +---------------------------------------+
 *   |  IP Prefix Length (1 octet, 0 to 32   |   offset 22
 *   |  or 0 to 128)                         |
 *   +---------------------------------------+
 *   |  IP Prefix (4 or 16 octets)           |   offset 23
 *   +---------------------------------------+
 *   |  GW IP Address (4 or 16 octets)       |
 *   +---------------------------------------+
 *   |  MPLS Label (3 octets)                |
 *   +---------------------------------------+
 *
 * The NLRI length selects the family of both addresses: 34 octets IPv4, 58
 * IPv6 (RFC 9136 §3.1), and with it the bound on the prefix length. For VXLAN
 * the label is the L3VNI (RFC 9136 §4.4.1 with RFC 8365 §5.1.3).
 */

export const IP_PREFIX_LENGTHS: readonly number[] = [34, 58];

export function encodingLength(v: IpPrefixRoute): number {
  return 22 + 1 + 2 * ipTextLength(v.prefix) + 3;
}

/** Writes the route-type-specific value; RangeError if the two addresses differ in family or the length is out of range. */
export function encode(v: IpPrefixRoute, buf: Uint8Array, off: number): number {
  const fam = ipTextLength(v.prefix);
  if (ipTextLength(v.gatewayIp) !== fam) {
    throw new RangeError(`IP Prefix route: gateway ${v.gatewayIp} and prefix ${v.prefix} must be the same family (RFC 9136 §3.1)`);
  }
  const max = fam * 8;
  if (!Number.isInteger(v.prefixLength) || v.prefixLength < 0 || v.prefixLength > max) {
    throw new RangeError(`IP Prefix route: prefix length ${v.prefixLength} out of range 0..${max}`);
  }
  let p = encodeRd(v.rd, buf, off);
  p = encodeEsi(v.esi, buf, p);
  p = writeEthTag(buf, p, v.ethTag);
  buf[p++] = v.prefixLength;
  p = writeIpAny(buf, p, v.prefix);
  p = writeIpAny(buf, p, v.gatewayIp);
  return writeLabel(buf, p, v.label, 'IP Prefix label');
}

/** Why `length` octets at `p` are not a valid type 5 value, or null: the prefix length must fit the family the length selects. */
export function check(b: Uint8Array, p: number, length: number): Fault | null {
  if (length !== 34 && length !== 58) return fault(`IP Prefix route (type 5): invalid length ${length}, must be 34 (IPv4) or 58 (IPv6)`, p);
  const max = length === 34 ? 32 : 128;
  const prefixLength = b[p + 22]!;
  if (prefixLength > max) {
    return fault(
      `IP Prefix route (type 5): prefix length ${prefixLength} exceeds ${max} for an ${max === 32 ? 'IPv4' : 'IPv6'} route (length ${length})`,
      p + 22,
    );
  }
  return null;
}

/** Decodes a value that passed `check`. */
export function decodeValid(b: Uint8Array, p: number, length: number): IpPrefixRoute {
  const fam: 4 | 16 = length === 34 ? 4 : 16;
  return {
    routeType: 5,
    rd: rdAt(b, p),
    esi: esiAt(b, p + 8),
    ethTag: u32At(b, p + 18),
    prefix: ipAt(b, p + 23, fam),
    prefixLength: b[p + 22]!,
    gatewayIp: ipAt(b, p + 23 + fam, fam),
    label: u24At(b, p + 23 + 2 * fam),
  };
}

/** Decodes a value of `length` octets at r.pos (the length comes from the NLRI header); DecodeError if malformed. */
export function decode(r: Reader, length = r.remaining): IpPrefixRoute {
  if (length > r.remaining) throw new DecodeError(`IP Prefix route: truncated, length ${length} but ${r.remaining} octet(s) left`, r.pos);
  const f = check(r.buf, r.pos, length);
  if (f !== null) throw new DecodeError(f.message, f.offset);
  const route = decodeValid(r.buf, r.pos, length);
  r.pos += length;
  return route;
}
