import { readIpv4, writeIpv4, type Ip } from '../../../util/ip';
import { put32 } from '../../../util/bytes';
import type { Reader } from '../../../util/reader';
import { AttrType } from '../iana';
import { checkUint, lengthError } from './attribute';

/*
 * AS4_AGGREGATOR (type 18, optional transitive; RFC 6793 §3): the 4-octet AS
 * of the aggregator, sent beside an AGGREGATOR holding AS_TRANS by a speaker
 * talking to a 2-octet-AS peer.
 *
 *   +------------------------------+
 *   | AS (4 octets)                |
 *   | IPv4 address (4 octets)      |
 *   +------------------------------+
 *
 * RFC 6793 §6: a length other than 8 is malformed (attribute discard). Between
 * two 4-octet-AS speakers the attribute is discarded outright (RFC 6793 §3),
 * which the attribute list decides.
 */

export interface As4AggregatorAttr {
  type: AttrType.AS4_AGGREGATOR;
  flags: number;
  asn: number;
  address: Ip;
}

export function encodingLength(): number {
  return 8;
}

export function encode(a: As4AggregatorAttr, buf: Uint8Array, off: number): number {
  checkUint(a.asn, 0xffffffff, 'AS4_AGGREGATOR AS');
  off = put32(buf, off, a.asn);
  return writeIpv4(buf, off, a.address);
}

export function decode(r: Reader, flags: number): As4AggregatorAttr {
  if (r.remaining !== 8) throw lengthError('AS4_AGGREGATOR', r.remaining, '8', r.pos);
  const asn = r.u32();
  return { type: AttrType.AS4_AGGREGATOR, flags, asn, address: readIpv4(r) };
}
