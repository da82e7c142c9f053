import { DecodeError } from '../util/errors';
import { put16, put32 } from '../util/bytes';
import type { Reader } from '../util/reader';
import { isExtendedTimestampType } from './constants';

/*
 * MRT common header (RFC 6396 §2), and the Extended Timestamp variant (§3):
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                           Timestamp                           |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |             Type              |            Subtype            |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                             Length                            |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                Microsecond Timestamp (_ET types only)         |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                      Message... (variable)
 *
 * Timestamp is seconds since the Unix epoch. Length counts the octets after
 * the 12-octet header, so for the _ET types it includes the 4-octet
 * Microsecond Timestamp (§3): `bodyLength` here is the message alone.
 */

export const MRT_HEADER_LENGTH = 12;

export interface MrtHeader {
  /** Seconds since 1970-01-01 UTC. */
  timestamp: number;
  type: number;
  subtype: number;
  /** Octets of the message that follows, without the microsecond field. */
  bodyLength: number;
  /** Present exactly for the _ET types; 0..999999 when written by a sane clock. */
  microseconds?: number;
}

export function encodingLength(h: MrtHeader): number {
  return MRT_HEADER_LENGTH + (isExtendedTimestampType(h.type) ? 4 : 0);
}

function checkUint(v: number, max: number, what: string): void {
  if (!Number.isInteger(v) || v < 0 || v > max) throw new RangeError(`${what} must be an integer 0..${max}, got ${v}`);
}

export function encode(h: MrtHeader, buf: Uint8Array, off: number): number {
  const et = isExtendedTimestampType(h.type);
  checkUint(h.timestamp, 0xffffffff, 'MRT timestamp');
  checkUint(h.type, 0xffff, 'MRT type');
  checkUint(h.subtype, 0xffff, 'MRT subtype');
  checkUint(h.bodyLength + (et ? 4 : 0), 0xffffffff, 'MRT length');
  if (et) checkUint(h.microseconds ?? 0, 0xffffffff, 'MRT microseconds');
  else if (h.microseconds !== undefined) throw new RangeError(`MRT type ${h.type} has no microsecond timestamp`);
  off = put32(buf, off, h.timestamp);
  off = put16(buf, off, h.type);
  off = put16(buf, off, h.subtype);
  off = put32(buf, off, h.bodyLength + (et ? 4 : 0));
  if (et) off = put32(buf, off, h.microseconds ?? 0);
  return off;
}

/** Reads the header; the body is not read. A Length too small for the microsecond field is a DecodeError. */
export function decode(r: Reader): MrtHeader {
  const start = r.pos;
  const timestamp = r.u32('MRT timestamp');
  const type = r.u16('MRT type');
  const subtype = r.u16('MRT subtype');
  const length = r.u32('MRT length');
  if (!isExtendedTimestampType(type)) return { timestamp, type, subtype, bodyLength: length };
  if (length < 4) throw new DecodeError(`MRT ${type}: Length ${length} cannot hold the microsecond timestamp`, start + 8);
  const microseconds = r.u32('MRT microsecond timestamp');
  // RFC 6396 §3 does not bound the field; values ≥ 10^6 are kept as read.
  return { timestamp, type, subtype, bodyLength: length - 4, microseconds };
}
