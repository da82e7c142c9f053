import { put32 } from '../../../util/bytes';
import type { Reader } from '../../../util/reader';
import { AttrType } from '../iana';
import { checkUint, lengthError } from './attribute';

/*
 * COMMUNITIES (type 8, optional transitive; RFC 1997): a sequence of 4-octet
 * values, conventionally written AS:value (high 16 bits : low 16 bits).
 *
 * RFC 7606 §7.8: a length that is not a non-zero multiple of 4 is malformed
 * (treat-as-withdraw).
 */

export interface CommunitiesAttr {
  type: AttrType.COMMUNITIES;
  flags: number;
  /** Each community as an unsigned 32-bit number. */
  communities: number[];
}

/** Well-known communities (IANA "BGP Well-known Communities" registry). */
export const enum WellKnownCommunity {
  /** RFC 8326 */
  GRACEFUL_SHUTDOWN = 0xffff0000,
  /** RFC 7611 */
  ACCEPT_OWN = 0xffff0001,
  /** RFC 9494 */
  LLGR_STALE = 0xffff0006,
  NO_LLGR = 0xffff0007,
  /** RFC 7999 */
  BLACKHOLE = 0xffff029a,
  /** RFC 1997 */
  NO_EXPORT = 0xffffff01,
  NO_ADVERTISE = 0xffffff02,
  NO_EXPORT_SUBCONFED = 0xffffff03,
  /** RFC 3765 */
  NOPEER = 0xffffff04,
}

const NAMES: ReadonlyMap<number, string> = new Map([
  [WellKnownCommunity.GRACEFUL_SHUTDOWN, 'graceful-shutdown'],
  [WellKnownCommunity.ACCEPT_OWN, 'accept-own'],
  [WellKnownCommunity.LLGR_STALE, 'llgr-stale'],
  [WellKnownCommunity.NO_LLGR, 'no-llgr'],
  [WellKnownCommunity.BLACKHOLE, 'blackhole'],
  [WellKnownCommunity.NO_EXPORT, 'no-export'],
  [WellKnownCommunity.NO_ADVERTISE, 'no-advertise'],
  [WellKnownCommunity.NO_EXPORT_SUBCONFED, 'no-export-subconfed'],
  [WellKnownCommunity.NOPEER, 'no-peer'],
]);

const BY_NAME: ReadonlyMap<string, number> = new Map([...NAMES].map(([v, n]) => [n, v]));

export function encodingLength(a: CommunitiesAttr): number {
  return 4 * a.communities.length;
}

export function encode(a: CommunitiesAttr, buf: Uint8Array, off: number): number {
  for (const c of a.communities) {
    checkUint(c, 0xffffffff, 'community');
    off = put32(buf, off, c);
  }
  return off;
}

export function decode(r: Reader, flags: number): CommunitiesAttr {
  const n = r.remaining;
  if (n === 0 || n % 4 !== 0) throw lengthError('COMMUNITIES', n, 'a non-zero multiple of 4', r.pos);
  const communities: number[] = [];
  while (!r.atEnd) communities.push(r.u32());
  return { type: AttrType.COMMUNITIES, flags, communities };
}

/** "no-export" for a well-known community, else "65100:100". */
export function formatCommunity(c: number): string {
  return NAMES.get(c) ?? `${c >>> 16}:${c & 0xffff}`;
}

/** Parses "65100:100" or a well-known name ("no-export"); throws RangeError. */
export function parseCommunity(s: string): number {
  const named = BY_NAME.get(s.toLowerCase());
  if (named !== undefined) return named;
  const m = /^(\d{1,5}):(\d{1,5})$/.exec(s);
  if (!m || Number(m[1]) > 0xffff || Number(m[2]) > 0xffff) throw new RangeError(`not a community: ${s}`);
  return ((Number(m[1]) << 16) >>> 0) + Number(m[2]);
}
