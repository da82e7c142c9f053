import { readIpv4, writeIpv4, type Ip } from '../../../util/ip';
import { put32 } from '../../../util/bytes';
import type { Reader } from '../../../util/reader';
import type { BgpCtx } from '../context';
import { AttrType } from '../iana';
import { checkUint, lengthError } from './attribute';

/*
 * AGGREGATOR (type 7, optional transitive; RFC 4271 §4.3 g, RFC 6793 §3):
 *
 *   +------------------------------+
 *   | AS (2 octets, or 4 between   |
 *   |     4-octet-AS speakers)     |
 *   +------------------------------+
 *   | IPv4 address (4 octets)      |
 *   +------------------------------+
 *
 * RFC 7606 §7.7: a length other than 6 (2-octet AS session) or 8 (4-octet
 * AS session) is malformed (attribute discard).
 */

export interface AggregatorAttr {
  type: AttrType.AGGREGATOR;
  flags: number;
  asn: number;
  address: Ip;
}

export function encodingLength(_a: AggregatorAttr, ctx: BgpCtx): number {
  return ctx.fourOctetAs ? 8 : 6;
}

export function encode(a: AggregatorAttr, buf: Uint8Array, off: number, ctx: BgpCtx): number {
  if (ctx.fourOctetAs) {
    checkUint(a.asn, 0xffffffff, 'AGGREGATOR AS');
    off = put32(buf, off, a.asn);
  } else {
    // RFC 6793 §4.2.2: a 4-octet AS goes out as AS_TRANS with AS4_AGGREGATOR; that choice is the caller's.
    checkUint(a.asn, 0xffff, 'AGGREGATOR AS on a 2-octet AS session');
    buf[off++] = a.asn >>> 8;
    buf[off++] = a.asn & 0xff;
  }
  return writeIpv4(buf, off, a.address);
}

export function decode(r: Reader, flags: number, ctx: BgpCtx): AggregatorAttr {
  const want = ctx.fourOctetAs ? 8 : 6;
  if (r.remaining !== want) throw lengthError('AGGREGATOR', r.remaining, String(want), r.pos);
  const asn = ctx.fourOctetAs ? r.u32() : r.u16();
  return { type: AttrType.AGGREGATOR, flags, asn, address: readIpv4(r) };
}
