import { put32 } from '../../../util/bytes';
import type { Reader } from '../../../util/reader';
import { AttrType } from '../iana';
import { checkUint, lengthError } from './attribute';

/*
 * MULTI_EXIT_DISC (type 4, optional non-transitive; RFC 4271 §4.3 d, §5.1.4):
 * a 4-octet unsigned metric.
 *
 * RFC 7606 §7.4: a length other than 4 is malformed (treat-as-withdraw).
 */

export interface MedAttr {
  type: AttrType.MULTI_EXIT_DISC;
  flags: number;
  med: number;
}

export function encodingLength(): number {
  return 4;
}

export function encode(a: MedAttr, buf: Uint8Array, off: number): number {
  checkUint(a.med, 0xffffffff, 'MULTI_EXIT_DISC');
  return put32(buf, off, a.med);
}

export function decode(r: Reader, flags: number): MedAttr {
  if (r.remaining !== 4) throw lengthError('MULTI_EXIT_DISC', r.remaining, '4', r.pos);
  return { type: AttrType.MULTI_EXIT_DISC, flags, med: r.u32() };
}
