import { Reader } from '../../util/reader';
import { DecodeError } from '../../util/errors';
import { BGP_HEADER_LENGTH, MsgType } from './iana';
import * as header from './header';
import type { HeaderCtx } from './header';

/**
 * KEEPALIVE (RFC 4271 §4.4): the 19-octet header alone, type 4. The header
 * check already rejects any other length with 1/2 Bad Message Length.
 */
export type KeepaliveMessage = Record<string, never>;

export function encodingLength(): number {
  return BGP_HEADER_LENGTH;
}

export function encode(_v: KeepaliveMessage, buf: Uint8Array, offset: number): number {
  return header.encode({ length: BGP_HEADER_LENGTH, type: MsgType.KEEPALIVE }, buf, offset);
}

export function decode(r: Reader, ctx?: HeaderCtx): KeepaliveMessage {
  header.bodyOf(r, MsgType.KEEPALIVE, ctx);
  return {};
}

/** Decodes a KEEPALIVE from a complete message buffer. */
export function decodeMessage(msg: Uint8Array): KeepaliveMessage {
  const r = new Reader(msg);
  const v = decode(r);
  if (!r.atEnd) throw new DecodeError(`${r.remaining} octets after the KEEPALIVE message`, r.pos);
  return v;
}

/** A fresh encoded KEEPALIVE (the session sends the same 19 octets every time). */
export function keepaliveBytes(): Uint8Array {
  const b = new Uint8Array(BGP_HEADER_LENGTH);
  encode({}, b, 0);
  return b;
}
