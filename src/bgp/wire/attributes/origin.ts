import type { Reader } from '../../../util/reader';
import { UpdateSub } from '../errors';
import { AttrType } from '../iana';
import { lengthError, MalformedAttribute } from './attribute';

/*
 * ORIGIN (type 1, well-known mandatory; RFC 4271 §4.3 a, §5.1.1):
 *
 *   +-----------+
 *   | 1 octet   |  0 = IGP, 1 = EGP, 2 = INCOMPLETE
 *   +-----------+
 *
 * RFC 7606 §7.1: a length other than 1 or an undefined value is malformed
 * (treat-as-withdraw, decided by the attribute list).
 */

export const enum Origin {
  IGP = 0,
  EGP = 1,
  INCOMPLETE = 2,
}

export const ORIGIN_NAMES: readonly string[] = ['IGP', 'EGP', 'INCOMPLETE'];

export interface OriginAttr {
  type: AttrType.ORIGIN;
  flags: number;
  origin: Origin;
}

export function encodingLength(): number {
  return 1;
}

export function encode(a: OriginAttr, buf: Uint8Array, off: number): number {
  if (a.origin !== Origin.IGP && a.origin !== Origin.EGP && a.origin !== Origin.INCOMPLETE) {
    throw new RangeError(`ORIGIN must be 0, 1 or 2, got ${a.origin}`);
  }
  buf[off] = a.origin;
  return off + 1;
}

export function decode(r: Reader, flags: number): OriginAttr {
  if (r.remaining !== 1) throw lengthError('ORIGIN', r.remaining, '1', r.pos);
  const at = r.pos;
  const v = r.u8();
  if (v > Origin.INCOMPLETE) throw new MalformedAttribute(`ORIGIN value ${v} is undefined`, UpdateSub.INVALID_ORIGIN_ATTRIBUTE, at);
  return { type: AttrType.ORIGIN, flags, origin: v as Origin };
}
