import { DecodeError } from '../../../util/errors';
import type { Reader } from '../../../util/reader';
import type { EthernetAdRoute } from './types';
import { decodeAt as rdAt, encode as encodeRd } from './rd';
import { esiAt, encode as encodeEsi } from './esi';
import { fault, u24At, u32At, writeEthTag, writeLabel, type Fault } from './fields';

/*
 * Ethernet Auto-Discovery route, RFC 7432 §7.1 (route type 1), 25 octets:
 *
 *   +---------------------------------------+
 *   |  Route Distinguisher (RD) (8 octets)  |   offset 0
 *   +---------------------------------------+
 *   |Ethernet Segment Identifier (10 octets)|   offset 8
 *   +---------------------------------------+
 *   |  Ethernet Tag ID (4 octets)           |   offset 18
 *   +---------------------------------------+
 *   |  MPLS Label (3 octets)                |   offset 22
 *   +---------------------------------------+
 */

export const ETHERNET_AD_LENGTH = 25;

export function encodingLength(_v?: EthernetAdRoute): number {
  return ETHERNET_AD_LENGTH;
}

/** Writes the route-type-specific value (without the type/length octets). */
export function encode(v: EthernetAdRoute, buf: Uint8Array, off: number): number {
  let p = encodeRd(v.rd, buf, off);
  p = encodeEsi(v.esi, buf, p);
  p = writeEthTag(buf, p, v.ethTag);
  return writeLabel(buf, p, v.label, 'Ethernet A-D label');
}

/** Why `length` octets at `p` are not a valid type 1 value, or null. */
export function check(_buf: Uint8Array, p: number, length: number): Fault | null {
  return length === ETHERNET_AD_LENGTH ? null : fault(`Ethernet A-D route (type 1): invalid length ${length}, must be 25`, p);
}

/** Decodes a value that passed `check`. */
export function decodeValid(b: Uint8Array, p: number, _length: number): EthernetAdRoute {
  return {
    routeType: 1,
    rd: rdAt(b, p),
    esi: esiAt(b, p + 8),
    ethTag: u32At(b, p + 18),
    label: u24At(b, p + 22),
  };
}

/** Decodes a value of `length` octets at r.pos (the length comes from the NLRI header); DecodeError if malformed. */
export function decode(r: Reader, length = r.remaining): EthernetAdRoute {
  if (length > r.remaining) throw new DecodeError(`Ethernet A-D route: truncated, length ${length} but ${r.remaining} octet(s) left`, r.pos);
  const f = check(r.buf, r.pos, length);
  if (f !== null) throw new DecodeError(f.message, f.offset);
  const route = decodeValid(r.buf, r.pos, length);
  r.pos += length;
  return route;
}
