import { DecodeError } from '../../../util/errors';
import type { Reader } from '../../../util/reader';
import type { InclusiveMulticastRoute } from './types';
import { decodeAt as rdAt, encode as encodeRd } from './rd';
import { fault, ipAt, ipTextLength, u32At, writeEthTag, writeIpAny, type Fault } from './fields';

/*
 * Inclusive Multicast Ethernet Tag route, RFC 7432 §7.3 (route type 3):
 *
 *   +---------------------------------------+
 *   |  RD (8 octets)                        |   offset 0
 *   +---------------------------------------+
 *   |  Ethernet Tag ID (4 octets)           |   offset 8
 *   +---------------------------------------+
 *   |  IP Address Length (1 octet)          |   offset 12, 32 or 128 (bits)
 *   +---------------------------------------+
 *   |  Originating Router's IP Address      |   offset 13
 *   |          (4 or 16 octets)             |
 *   +---------------------------------------+
 *
 * 17 octets with an IPv4 originator, 29 with IPv6. For VXLAN the originator
 * is the VTEP address that ingress replication sends BUM traffic to.
 */

export const IMET_LENGTHS: readonly number[] = [17, 29];

export function encodingLength(v: InclusiveMulticastRoute): number {
  return 13 + ipTextLength(v.originatorIp);
}

/** Writes the route-type-specific value (without the type/length octets). */
export function encode(v: InclusiveMulticastRoute, buf: Uint8Array, off: number): number {
  let p = encodeRd(v.rd, buf, off);
  p = writeEthTag(buf, p, v.ethTag);
  const end = writeIpAny(buf, p + 1, v.originatorIp);
  buf[p] = (end - p - 1) * 8;
  return end;
}

/** Why `length` octets at `p` are not a valid type 3 value, or null: the IP length field must agree with the length. */
export function check(b: Uint8Array, p: number, length: number): Fault | null {
  if (length !== 17 && length !== 29) return fault(`Inclusive Multicast route (type 3): invalid length ${length}, must be 17 or 29`, p);
  const ipLenBits = b[p + 12]!;
  const want = length === 17 ? 32 : 128;
  if (ipLenBits !== want) {
    return fault(
      `Inclusive Multicast route (type 3): IP address length ${ipLenBits} bits disagrees with route length ${length} (needs ${want})`,
      p + 12,
    );
  }
  return null;
}

/** Decodes a value that passed `check`. */
export function decodeValid(b: Uint8Array, p: number, length: number): InclusiveMulticastRoute {
  return {
    routeType: 3,
    rd: rdAt(b, p),
    ethTag: u32At(b, p + 8),
    originatorIp: ipAt(b, p + 13, length === 17 ? 4 : 16),
  };
}

/** Decodes a value of `length` octets at r.pos (the length comes from the NLRI header); DecodeError if malformed. */
export function decode(r: Reader, length = r.remaining): InclusiveMulticastRoute {
  if (length > r.remaining) throw new DecodeError(`IMET route: truncated, length ${length} but ${r.remaining} octet(s) left`, r.pos);
  const f = check(r.buf, r.pos, length);
  if (f !== null) throw new DecodeError(f.message, f.offset);
  const route = decodeValid(r.buf, r.pos, length);
  r.pos += length;
  return route;
}
