import { Reader } from '../../util/reader';
import { DecodeError } from '../../util/errors';
import { put16, put8, putBytes } from '../../util/bytes';
import { BgpError, ErrCode } from './errors';
import { BGP_HEADER_LENGTH, MsgType } from './iana';
import * as header from './header';
import type { HeaderCtx } from './header';

/**
 * ROUTE-REFRESH message body (RFC 2918 §3, subtype field RFC 7313 §3.2):
 *
 *    0       7      15      23      31
 *   +-------+-------+-------+-------+
 *   |      AFI      |Subtype| SAFI  |
 *   +-------+-------+-------+-------+
 *
 * Subtype 0 is a normal request; 1 and 2 mark the beginning and end of a
 * route refresh (BoRR/EoRR, RFC 7313 §4). A normal request may be followed
 * by Outbound Route Filter entries (RFC 5291 §4) when ORF was negotiated;
 * they are kept raw in `orf`.
 */
export interface RouteRefreshMessage {
  afi: number;
  safi: number;
  /** 0 normal, 1 BoRR, 2 EoRR; others are ignored by the receiver (RFC 7313 §5). */
  subtype: number;
  /**
   * What follows the fixed part: ORF entries of a subtype-0 message (RFC 5291
   * §4), or the opaque tail of an unknown subtype. Never set for BoRR/EoRR.
   */
  orf?: Uint8Array;
}

export const enum RouteRefreshSubtype {
  NORMAL = 0,
  BORR = 1,
  EORR = 2,
}

/** RFC 7313 §5: a subtype other than 0, 1 or 2 makes the receiver ignore the message. */
export function isKnownSubtype(subtype: number): boolean {
  return subtype <= RouteRefreshSubtype.EORR;
}

export function bodyLength(v: RouteRefreshMessage): number {
  return 4 + (v.orf?.length ?? 0);
}

export function encodingLength(v: RouteRefreshMessage): number {
  return BGP_HEADER_LENGTH + bodyLength(v);
}

export function encodeBody(v: RouteRefreshMessage, buf: Uint8Array, offset: number): number {
  if (!Number.isInteger(v.afi) || v.afi < 0 || v.afi > 0xffff) throw new RangeError(`AFI out of range: ${v.afi}`);
  if (!Number.isInteger(v.safi) || v.safi < 0 || v.safi > 0xff) throw new RangeError(`SAFI out of range: ${v.safi}`);
  if (!Number.isInteger(v.subtype) || v.subtype < 0 || v.subtype > 0xff) throw new RangeError(`subtype out of range: ${v.subtype}`);
  if (v.orf && v.orf.length && (v.subtype === RouteRefreshSubtype.BORR || v.subtype === RouteRefreshSubtype.EORR)) {
    throw new RangeError('BoRR/EoRR carry no ORF entries (RFC 7313 §5)');
  }
  let o = put16(buf, offset, v.afi);
  o = put8(buf, o, v.subtype);
  o = put8(buf, o, v.safi);
  return v.orf ? putBytes(buf, o, v.orf) : o;
}

export function encode(v: RouteRefreshMessage, buf: Uint8Array, offset: number, ctx?: HeaderCtx): number {
  const length = encodingLength(v);
  const max = header.maxMessageLength(MsgType.ROUTE_REFRESH, ctx?.extendedMessage ?? false);
  if (length > max) throw new RangeError(`ROUTE-REFRESH of ${length} octets exceeds ${max}`);
  const o = header.encode({ length, type: MsgType.ROUTE_REFRESH }, buf, offset);
  return encodeBody(v, buf, o);
}

/**
 * Decodes the body. RFC 7313 §5: a BoRR or EoRR whose body is not exactly 4
 * octets is answered with 7/1 (ROUTE-REFRESH Message Error / Invalid Message
 * Length) carrying the complete message as data, so `message` (the whole
 * message, header included) is passed in when known.
 */
export function decodeBody(r: Reader, message?: Uint8Array): RouteRefreshMessage {
  const at = r.pos;
  if (r.remaining < 4) throw new DecodeError(`ROUTE-REFRESH body of ${r.remaining} octets is shorter than 4`, at);
  const afi = r.u16();
  const subtype = r.u8();
  const safi = r.u8();
  const v: RouteRefreshMessage = { afi, safi, subtype };
  if (r.atEnd) return v;
  if (subtype === RouteRefreshSubtype.BORR || subtype === RouteRefreshSubtype.EORR) {
    throw new BgpError(
      `ROUTE-REFRESH subtype ${subtype} with a ${4 + r.remaining}-octet body`,
      ErrCode.ROUTE_REFRESH,
      1,
      message ? message.slice() : new Uint8Array(0),
      at,
    );
  }
  v.orf = r.rest();
  return v;
}

export function decode(r: Reader, ctx?: HeaderCtx): RouteRefreshMessage {
  const start = r.pos;
  const body = header.bodyOf(r, MsgType.ROUTE_REFRESH, ctx);
  return decodeBody(body, r.buf.subarray(start, r.pos));
}

/** Decodes a ROUTE-REFRESH from a complete message buffer. */
export function decodeMessage(msg: Uint8Array, ctx?: HeaderCtx): RouteRefreshMessage {
  const r = new Reader(msg);
  const v = decode(r, ctx);
  if (!r.atEnd) throw new DecodeError(`${r.remaining} octets after the ROUTE-REFRESH message`, r.pos);
  return v;
}
