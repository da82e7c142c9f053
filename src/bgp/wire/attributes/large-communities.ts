import { put32 } from '../../../util/bytes';
import type { Reader } from '../../../util/reader';
import { AttrType } from '../iana';
import { checkUint, lengthError } from './attribute';

/*
 * LARGE_COMMUNITY (type 32, optional transitive; RFC 8092 §3): a sequence of
 * 12-octet values:
 *
 *   +---------------------------------+
 *   |  Global Administrator (4)       |
 *   |  Local Data Part 1 (4)          |
 *   |  Local Data Part 2 (4)          |
 *   +---------------------------------+
 *
 * RFC 8092 §6 (with RFC 7606): a length that is not a non-zero multiple of 12
 * is malformed (treat-as-withdraw). Duplicates MAY be removed by a receiver;
 * this codec keeps them so that a re-encoded UPDATE equals the received one.
 */

export interface LargeCommunity {
  global: number;
  local1: number;
  local2: number;
}

export interface LargeCommunitiesAttr {
  type: AttrType.LARGE_COMMUNITY;
  flags: number;
  communities: LargeCommunity[];
}

export function encodingLength(a: LargeCommunitiesAttr): number {
  return 12 * a.communities.length;
}

export function encode(a: LargeCommunitiesAttr, buf: Uint8Array, off: number): number {
  for (const c of a.communities) {
    checkUint(c.global, 0xffffffff, 'large community global administrator');
    checkUint(c.local1, 0xffffffff, 'large community local data 1');
    checkUint(c.local2, 0xffffffff, 'large community local data 2');
    off = put32(buf, off, c.global);
    off = put32(buf, off, c.local1);
    off = put32(buf, off, c.local2);
  }
  return off;
}

export function decode(r: Reader, flags: number): LargeCommunitiesAttr {
  const n = r.remaining;
  if (n === 0 || n % 12 !== 0) throw lengthError('LARGE_COMMUNITY', n, 'a non-zero multiple of 12', r.pos);
  const communities: LargeCommunity[] = [];
  while (!r.atEnd) communities.push({ global: r.u32(), local1: r.u32(), local2: r.u32() });
  return { type: AttrType.LARGE_COMMUNITY, flags, communities };
}

/** "65100:1:2" (RFC 8092 §8 canonical text). */
export function formatLargeCommunity(c: LargeCommunity): string {
  return `${c.global}:${c.local1}:${c.local2}`;
}

export function parseLargeCommunity(s: string): LargeCommunity {
  const m = /^(\d{1,10}):(\d{1,10}):(\d{1,10})$/.exec(s);
  if (!m) throw new RangeError(`not a large community: ${s}`);
  const [global, local1, local2] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (global > 0xffffffff || local1 > 0xffffffff || local2 > 0xffffffff) throw new RangeError(`not a large community: ${s}`);
  return { global, local1, local2 };
}
