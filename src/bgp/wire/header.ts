import type { Reader } from '../../util/reader';
import { DecodeError } from '../../util/errors';
import { put16, put8 } from '../../util/bytes';
import { BgpError, ErrCode, HeaderSub } from './errors';
import { BGP_HEADER_LENGTH, BGP_MAX_EXTENDED_MESSAGE, BGP_MAX_MESSAGE, MsgType } from './iana';

/**
 * BGP message header (RFC 4271 §4.1):
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                                                               |
 *   +                     Marker (16 x 0xff)                        +
 *   |                                                               |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |          Length               |      Type     |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Length counts the whole message, header included.
 */
export interface BgpHeader {
  length: number;
  type: number;
}

/** The part of BgpCtx the header check needs (RFC 8654: the negotiated length limit). */
export interface HeaderCtx {
  extendedMessage: boolean;
}

export const MARKER_LENGTH = 16;

/**
 * Smallest legal total length per message type (RFC 4271 §6.1, RFC 2918 §3):
 * OPEN 29, UPDATE 23, NOTIFICATION 21, KEEPALIVE exactly 19, ROUTE-REFRESH 23.
 * ROUTE-REFRESH may be longer when ORF (RFC 5291) entries follow; its exact
 * length rule for BoRR/EoRR (RFC 7313 §5) is enforced by route-refresh.ts.
 */
export function minMessageLength(type: number): number {
  switch (type) {
    case MsgType.OPEN:
      return 29;
    case MsgType.UPDATE:
      return 23;
    case MsgType.NOTIFICATION:
      return 21;
    case MsgType.KEEPALIVE:
      return 19;
    case MsgType.ROUTE_REFRESH:
      return 23;
    default:
      return -1;
  }
}

/**
 * Largest legal total length. RFC 8654 §4 raises the limit to 65535 once both
 * sides advertised the Extended Message capability, except for OPEN (sent
 * before the capability is known) and KEEPALIVE (always 19).
 */
export function maxMessageLength(type: number, extendedMessage: boolean): number {
  if (type === MsgType.KEEPALIVE) return BGP_HEADER_LENGTH;
  if (!extendedMessage || type === MsgType.OPEN) return BGP_MAX_MESSAGE;
  return BGP_MAX_EXTENDED_MESSAGE;
}

function badLength(buf: Uint8Array, off: number, length: number, why: string): BgpError {
  return new BgpError(
    `bad message length ${length}: ${why}`,
    ErrCode.MESSAGE_HEADER,
    HeaderSub.BAD_MESSAGE_LENGTH,
    // RFC 4271 §6.1: the Data field holds the erroneous Length field.
    buf.slice(off + 16, off + 18),
    off + 16,
  );
}

/**
 * Validates the 19 header octets at buf[off..off+19) and returns the message
 * length. The caller guarantees 19 readable octets. This is the hot-path form
 * used by the framer; it allocates nothing unless the header is bad.
 *
 * Order of checks follows RFC 4271 §6.1: marker (1/1), then the length against
 * the absolute bounds (1/2), then the type (1/3), then the type's own bounds (1/2).
 */
export function checkHeader(buf: Uint8Array, off: number, extendedMessage: boolean): number {
  // Unrolled AND of the 16 marker octets: 0xff only if every octet is 0xff.
  const m =
    buf[off]! & buf[off + 1]! & buf[off + 2]! & buf[off + 3]! &
    buf[off + 4]! & buf[off + 5]! & buf[off + 6]! & buf[off + 7]! &
    buf[off + 8]! & buf[off + 9]! & buf[off + 10]! & buf[off + 11]! &
    buf[off + 12]! & buf[off + 13]! & buf[off + 14]! & buf[off + 15]!;
  if (m !== 0xff) {
    throw new BgpError(
      'message header marker is not all ones',
      ErrCode.MESSAGE_HEADER,
      HeaderSub.CONNECTION_NOT_SYNCHRONIZED,
      new Uint8Array(0),
      off,
    );
  }
  const length = (buf[off + 16]! << 8) | buf[off + 17]!;
  const type = buf[off + 18]!;
  const absMax = extendedMessage ? BGP_MAX_EXTENDED_MESSAGE : BGP_MAX_MESSAGE;
  if (length < BGP_HEADER_LENGTH) throw badLength(buf, off, length, 'shorter than the header');
  if (length > absMax) throw badLength(buf, off, length, `longer than ${absMax}`);
  const min = minMessageLength(type);
  if (min < 0) {
    throw new BgpError(
      `bad message type ${type}`,
      ErrCode.MESSAGE_HEADER,
      HeaderSub.BAD_MESSAGE_TYPE,
      // RFC 4271 §6.1: the Data field holds the erroneous Type field.
      Uint8Array.of(type),
      off + 18,
    );
  }
  if (length < min) throw badLength(buf, off, length, `type ${type} needs at least ${min}`);
  const max = maxMessageLength(type, extendedMessage);
  if (length > max) throw badLength(buf, off, length, `type ${type} allows at most ${max}`);
  return length;
}

export function encodingLength(): number {
  return BGP_HEADER_LENGTH;
}

/** Writes marker, length and type. Encoders fill in the body after it. */
export function encode(h: BgpHeader, buf: Uint8Array, offset: number): number {
  if (h.length < BGP_HEADER_LENGTH || h.length > BGP_MAX_EXTENDED_MESSAGE || !Number.isInteger(h.length)) {
    throw new RangeError(`BGP message length out of range: ${h.length}`);
  }
  if (h.type < 0 || h.type > 255 || !Number.isInteger(h.type)) throw new RangeError(`BGP message type out of range: ${h.type}`);
  buf.fill(0xff, offset, offset + MARKER_LENGTH);
  put16(buf, offset + 16, h.length);
  put8(buf, offset + 18, h.type);
  return offset + BGP_HEADER_LENGTH;
}

/**
 * Reads and validates a header. Besides the checks of checkHeader, the length
 * must not exceed what the reader holds: a message cut short is a truncation
 * (DecodeError), not a protocol error, because a framer only hands over whole
 * messages.
 */
export function decode(r: Reader, ctx?: HeaderCtx): BgpHeader {
  if (r.remaining < BGP_HEADER_LENGTH) {
    throw new DecodeError(`truncated BGP header: need 19 octets, ${r.remaining} left`, r.pos);
  }
  const start = r.pos;
  const length = checkHeader(r.buf, start, ctx?.extendedMessage ?? false);
  const type = r.buf[start + 18]!;
  r.skip(BGP_HEADER_LENGTH);
  if (length - BGP_HEADER_LENGTH > r.remaining) {
    throw new DecodeError(`truncated BGP message: length ${length}, ${r.remaining + BGP_HEADER_LENGTH} octets present`, start);
  }
  return { length, type };
}

/**
 * Reads a header that must announce `type` and returns a reader confined to
 * the body; `r` moves past the whole message. Used by the per-message codecs.
 */
export function bodyOf(r: Reader, type: MsgType, ctx?: HeaderCtx): Reader {
  const start = r.pos;
  const h = decode(r, ctx);
  if (h.type !== type) throw new DecodeError(`expected message type ${type}, got ${h.type}`, start + 18);
  return r.sub(h.length - BGP_HEADER_LENGTH, 'message body');
}
