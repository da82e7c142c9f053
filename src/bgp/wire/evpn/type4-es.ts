import { DecodeError } from '../../../util/errors';
import type { Reader } from '../../../util/reader';
import type { EthernetSegmentRoute } from './types';
import { decodeAt as rdAt, encode as encodeRd } from './rd';
import { esiAt, encode as encodeEsi } from './esi';
import { fault, ipAt, ipTextLength, writeIpAny, type Fault } from './fields';

/*
 * Ethernet Segment route, RFC 7432 §7.4 (route type 4):
 *
 *   +---------------------------------------+
 *   |  RD (8 octets)                        |   offset 0
 *   +---------------------------------------+
 *   |Ethernet Segment Identifier (10 octets)|   offset 8
 *   +---------------------------------------+
 *   |  IP Address Length (1 octet)          |   offset 18, 32 or 128 (bits)
 *   +---------------------------------------+
 *   |  Originating Router's IP Address      |   offset 19
 *   |          (4 or 16 octets)             |
 *   +---------------------------------------+
 *
 * 23 octets with an IPv4 originator, 35 with IPv6. Used for DF election
 * among the PEs attached to a multihomed segment (RFC 7432 §8.5).
 */

export const ES_LENGTHS: readonly number[] = [23, 35];

export function encodingLength(v: EthernetSegmentRoute): number {
  return 19 + ipTextLength(v.originatorIp);
}

/** Writes the route-type-specific value (without the type/length octets). */
export function encode(v: EthernetSegmentRoute, buf: Uint8Array, off: number): number {
  let p = encodeRd(v.rd, buf, off);
  p = encodeEsi(v.esi, buf, p);
  const end = writeIpAny(buf, p + 1, v.originatorIp);
  buf[p] = (end - p - 1) * 8;
  return end;
}

/** Why `length` octets at `p` are not a valid type 4 value, or null: the IP length field must agree with the length. */
export function check(b: Uint8Array, p: number, length: number): Fault | null {
  if (length !== 23 && length !== 35) return fault(`Ethernet Segment route (type 4): invalid length ${length}, must be 23 or 35`, p);
  const ipLenBits = b[p + 18]!;
  const want = length === 23 ? 32 : 128;
  if (ipLenBits !== want) {
    return fault(
      `Ethernet Segment route (type 4): IP address length ${ipLenBits} bits disagrees with route length ${length} (needs ${want})`,
      p + 18,
    );
  }
  return null;
}

/** Decodes a value that passed `check`. */
export function decodeValid(b: Uint8Array, p: number, length: number): EthernetSegmentRoute {
  return {
    routeType: 4,
    rd: rdAt(b, p),
    esi: esiAt(b, p + 8),
    originatorIp: ipAt(b, p + 19, length === 23 ? 4 : 16),
  };
}

/** Decodes a value of `length` octets at r.pos (the length comes from the NLRI header); DecodeError if malformed. */
export function decode(r: Reader, length = r.remaining): EthernetSegmentRoute {
  if (length > r.remaining) throw new DecodeError(`ES route: truncated, length ${length} but ${r.remaining} octet(s) left`, r.pos);
  const f = check(r.buf, r.pos, length);
  if (f !== null) throw new DecodeError(f.message, f.offset);
  const route = decodeValid(r.buf, r.pos, length);
  r.pos += length;
  return route;
}
