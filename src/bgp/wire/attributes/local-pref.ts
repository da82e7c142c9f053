import { put32 } from '../../../util/bytes';
import type { Reader } from '../../../util/reader';
import { AttrType } from '../iana';
import { checkUint, lengthError } from './attribute';

/*
 * LOCAL_PREF (type 5, well-known, iBGP only; RFC 4271 §4.3 e, §5.1.5): a
 * 4-octet unsigned preference.
 *
 * RFC 7606 §7.5: received from an external peer it is discarded (attribute
 * discard, decided by the attribute list before this decoder runs); from an
 * internal peer a length other than 4 is malformed (treat-as-withdraw).
 */

export interface LocalPrefAttr {
  type: AttrType.LOCAL_PREF;
  flags: number;
  localPref: number;
}

export function encodingLength(): number {
  return 4;
}

export function encode(a: LocalPrefAttr, buf: Uint8Array, off: number): number {
  checkUint(a.localPref, 0xffffffff, 'LOCAL_PREF');
  return put32(buf, off, a.localPref);
}

export function decode(r: Reader, flags: number): LocalPrefAttr {
  if (r.remaining !== 4) throw lengthError('LOCAL_PREF', r.remaining, '4', r.pos);
  return { type: AttrType.LOCAL_PREF, flags, localPref: r.u32() };
}
