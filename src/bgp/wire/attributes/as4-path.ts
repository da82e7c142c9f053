import type { Reader } from '../../../util/reader';
import { UpdateSub } from '../errors';
import { AttrType } from '../iana';
import { MalformedAttribute } from './attribute';
import { decodeSegments, encodeSegments, hasConfedSegment, segmentsLength, type AsPathSegment } from './as-path';

/*
 * AS4_PATH (type 17, optional transitive; RFC 6793 §3): the AS_PATH with
 * 4-octet ASNs, sent beside a 2-octet AS_PATH (holding AS_TRANS) by a speaker
 * talking to a 2-octet-AS peer. Same segment format as AS_PATH, always 4-octet.
 *
 * RFC 6793 §6: malformed (by the AS_PATH rules, or carrying AS_CONFED_*
 * segments, which §3 forbids in AS4_PATH) means attribute discard. Between two
 * 4-octet-AS speakers it is discarded outright (§3); the attribute list
 * decides that.
 */

export interface As4PathAttr {
  type: AttrType.AS4_PATH;
  flags: number;
  segments: AsPathSegment[];
}

export function encodingLength(a: As4PathAttr): number {
  return segmentsLength(a.segments, 4);
}

export function encode(a: As4PathAttr, buf: Uint8Array, off: number): number {
  return encodeSegments(a.segments, buf, off, 4);
}

export function decode(r: Reader, flags: number): As4PathAttr {
  const at = r.pos;
  const segments = decodeSegments(r, 4, 'AS4_PATH', UpdateSub.OPTIONAL_ATTRIBUTE_ERROR);
  if (hasConfedSegment(segments)) {
    throw new MalformedAttribute('AS4_PATH: AS_CONFED segments are not allowed', UpdateSub.OPTIONAL_ATTRIBUTE_ERROR, at);
  }
  return { type: AttrType.AS4_PATH, flags, segments };
}
