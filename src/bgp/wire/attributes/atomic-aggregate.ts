import type { Reader } from '../../../util/reader';
import { AttrType } from '../iana';
import { lengthError } from './attribute';

/*
 * ATOMIC_AGGREGATE (type 6, well-known discretionary; RFC 4271 §4.3 f,
 * §5.1.6): no value, length 0.
 *
 * RFC 7606 §7.6: a non-zero length is malformed (attribute discard).
 */

export interface AtomicAggregateAttr {
  type: AttrType.ATOMIC_AGGREGATE;
  flags: number;
}

export function encodingLength(): number {
  return 0;
}

export function encode(_a: AtomicAggregateAttr, _buf: Uint8Array, off: number): number {
  return off;
}

export function decode(r: Reader, flags: number): AtomicAggregateAttr {
  if (r.remaining !== 0) throw lengthError('ATOMIC_AGGREGATE', r.remaining, '0', r.pos);
  return { type: AttrType.ATOMIC_AGGREGATE, flags };
}
