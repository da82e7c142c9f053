import { readIpv4, writeIpv4, type Ip } from '../../../util/ip';
import type { Reader } from '../../../util/reader';
import { AttrType } from '../iana';
import { lengthError } from './attribute';

/*
 * NEXT_HOP (type 3, well-known; RFC 4271 §4.3 c, §5.1.3): a 4-octet IPv4
 * address. Only UPDATEs with IPv4 NLRI in the NLRI field need it (RFC 4760 §3);
 * MP_REACH_NLRI carries its own next hop.
 *
 * RFC 7606 §7.3: a length other than 4 is malformed (treat-as-withdraw).
 * Semantic checks (our own address, a martian) depend on the session and are
 * left to it (RFC 4271 §6.3 lists them).
 */

export interface NextHopAttr {
  type: AttrType.NEXT_HOP;
  flags: number;
  nextHop: Ip;
}

export function encodingLength(): number {
  return 4;
}

export function encode(a: NextHopAttr, buf: Uint8Array, off: number): number {
  return writeIpv4(buf, off, a.nextHop);
}

export function decode(r: Reader, flags: number): NextHopAttr {
  if (r.remaining !== 4) throw lengthError('NEXT_HOP', r.remaining, '4', r.pos);
  return { type: AttrType.NEXT_HOP, flags, nextHop: readIpv4(r) };
}
