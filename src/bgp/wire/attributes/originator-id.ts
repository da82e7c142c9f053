import { readIpv4, writeIpv4, type Ip } from '../../../util/ip';
import type { Reader } from '../../../util/reader';
import { AttrType } from '../iana';
import { lengthError } from './attribute';

/*
 * ORIGINATOR_ID (type 9, optional non-transitive; RFC 4456 §8): the 4-octet
 * BGP Identifier of the route's originator in the local AS.
 *
 * RFC 7606 §7.9: from an external peer it is discarded (attribute discard,
 * decided by the attribute list); otherwise a length other than 4 is
 * malformed (treat-as-withdraw).
 */

export interface OriginatorIdAttr {
  type: AttrType.ORIGINATOR_ID;
  flags: number;
  originatorId: Ip;
}

export function encodingLength(): number {
  return 4;
}

export function encode(a: OriginatorIdAttr, buf: Uint8Array, off: number): number {
  return writeIpv4(buf, off, a.originatorId);
}

export function decode(r: Reader, flags: number): OriginatorIdAttr {
  if (r.remaining !== 4) throw lengthError('ORIGINATOR_ID', r.remaining, '4', r.pos);
  return { type: AttrType.ORIGINATOR_ID, flags, originatorId: readIpv4(r) };
}
