import type { Reader } from '../../../util/reader';
import * as ec from '../ext-community';
import { AttrType } from '../iana';
import { lengthError } from './attribute';

/*
 * EXTENDED_COMMUNITIES (type 16, optional transitive; RFC 4360 §2): a
 * sequence of 8-octet extended communities (see ../ext-community.ts), kept in
 * received order (FRR and GoBGP order them differently; both must round-trip).
 *
 * RFC 7606 §7.14: a length that is not a non-zero multiple of 8 is malformed
 * (treat-as-withdraw); an unrecognized type or sub-type is not an error.
 */

export interface ExtCommunitiesAttr {
  type: AttrType.EXTENDED_COMMUNITIES;
  flags: number;
  communities: ec.ExtCommunity[];
}

export function encodingLength(a: ExtCommunitiesAttr): number {
  return ec.EXT_COMMUNITY_LENGTH * a.communities.length;
}

export function encode(a: ExtCommunitiesAttr, buf: Uint8Array, off: number): number {
  for (const c of a.communities) off = ec.encode(c, buf, off);
  return off;
}

export function decode(r: Reader, flags: number): ExtCommunitiesAttr {
  const n = r.remaining;
  if (n === 0 || n % ec.EXT_COMMUNITY_LENGTH !== 0) {
    throw lengthError('EXTENDED_COMMUNITIES', n, 'a non-zero multiple of 8', r.pos);
  }
  const communities: ec.ExtCommunity[] = [];
  while (!r.atEnd) communities.push(ec.decode(r));
  return { type: AttrType.EXTENDED_COMMUNITIES, flags, communities };
}
