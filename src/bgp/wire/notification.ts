import { Reader } from '../../util/reader';
import { DecodeError } from '../../util/errors';
import { put8, putBytes } from '../../util/bytes';
import { BgpError, ErrCode } from './errors';
import { BGP_HEADER_LENGTH, MsgType } from './iana';
import * as header from './header';
import type { HeaderCtx } from './header';

/**
 * NOTIFICATION message body (RFC 4271 §4.5):
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   | Error code    | Error subcode |   Data (variable)             |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Decoding never fails on content: a NOTIFICATION cannot be answered with a
 * NOTIFICATION (RFC 4271 §6.4), so unknown codes and odd data are kept as-is.
 */
export interface NotificationMessage {
  code: number;
  subcode: number;
  data: Uint8Array;
}

/** Cease subcodes (RFC 4486, RFC 8538 §3, RFC 9384 §3). */
export const enum CeaseSub {
  UNSPECIFIED = 0,
  MAX_PREFIXES = 1,
  ADMINISTRATIVE_SHUTDOWN = 2,
  PEER_DECONFIGURED = 3,
  ADMINISTRATIVE_RESET = 4,
  CONNECTION_REJECTED = 5,
  OTHER_CONFIGURATION_CHANGE = 6,
  CONNECTION_COLLISION_RESOLUTION = 7,
  OUT_OF_RESOURCES = 8,
  HARD_RESET = 9,
  BFD_DOWN = 10,
}

/** Finite State Machine Error subcodes (RFC 6608 §3). */
export const enum FsmSub {
  UNSPECIFIED = 0,
  UNEXPECTED_IN_OPENSENT = 1,
  UNEXPECTED_IN_OPENCONFIRM = 2,
  UNEXPECTED_IN_ESTABLISHED = 3,
}

/** ROUTE-REFRESH Message Error subcodes (RFC 7313 §5). */
export const enum RouteRefreshSub {
  INVALID_MESSAGE_LENGTH = 1,
}

/** Error code 8, Send Hold Timer Expired (RFC 9687 §4). */
export const SEND_HOLD_TIMER_EXPIRED = 8;

const CODE_NAMES: Record<number, string> = {
  1: 'Message Header Error',
  2: 'OPEN Message Error',
  3: 'UPDATE Message Error',
  4: 'Hold Timer Expired',
  5: 'Finite State Machine Error',
  6: 'Cease',
  7: 'ROUTE-REFRESH Message Error',
  8: 'Send Hold Timer Expired',
};

/** Subcode names per code, from the IANA "BGP Error Subcodes" registries. */
const SUBCODE_NAMES: Record<number, Record<number, string>> = {
  // RFC 4271 §4.5
  1: {
    1: 'Connection Not Synchronized',
    2: 'Bad Message Length',
    3: 'Bad Message Type',
  },
  // RFC 4271 §4.5; 5 deprecated by RFC 4271 App. A; 7 RFC 5492 §5; 8-10 deprecated (RFC 9234 §7); 11 RFC 9234 §4.2
  2: {
    1: 'Unsupported Version Number',
    2: 'Bad Peer AS',
    3: 'Bad BGP Identifier',
    4: 'Unsupported Optional Parameter',
    5: 'Authentication Failure (deprecated)',
    6: 'Unacceptable Hold Time',
    7: 'Unsupported Capability',
    8: 'Deprecated (8)',
    9: 'Deprecated (9)',
    10: 'Deprecated (10)',
    11: 'Role Mismatch',
  },
  // RFC 4271 §4.5; 7 deprecated by RFC 4271 App. A
  3: {
    1: 'Malformed Attribute List',
    2: 'Unrecognized Well-known Attribute',
    3: 'Missing Well-known Attribute',
    4: 'Attribute Flags Error',
    5: 'Attribute Length Error',
    6: 'Invalid ORIGIN Attribute',
    7: 'AS Routing Loop (deprecated)',
    8: 'Invalid NEXT_HOP Attribute',
    9: 'Optional Attribute Error',
    10: 'Invalid Network Field',
    11: 'Malformed AS_PATH',
  },
  // RFC 6608 §3
  5: {
    0: 'Unspecified Error',
    1: 'Receive Unexpected Message in OpenSent State',
    2: 'Receive Unexpected Message in OpenConfirm State',
    3: 'Receive Unexpected Message in Established State',
  },
  // RFC 4486 §4 (names as updated by RFC 9003), RFC 8538 §3, RFC 9384 §3
  6: {
    1: 'Maximum Number of Prefixes Reached',
    2: 'Administrative Shutdown',
    3: 'Peer De-configured',
    4: 'Administrative Reset',
    5: 'Connection Rejected',
    6: 'Other Configuration Change',
    7: 'Connection Collision Resolution',
    8: 'Out of Resources',
    9: 'Hard Reset',
    10: 'BFD Down',
  },
  // RFC 7313 §5
  7: {
    1: 'Invalid Message Length',
  },
};

/**
 * "Cease/Administrative Shutdown"-style text. Subcode 0 is "Unspecific"
 * (RFC 4271 §6: 0 where no subcode is defined; RFC 6608 §3 calls it
 * "Unspecified Error" for the FSM code); codes without
 * subcodes (4, 8) print the code name alone when the subcode is 0.
 */
export function notificationName(code: number, subcode: number): string {
  const c = CODE_NAMES[code] ?? `Unknown Error Code ${code}`;
  const named = SUBCODE_NAMES[code]?.[subcode];
  if (named) return `${c}/${named}`;
  if (subcode === 0) return code === 4 || code === 8 ? c : `${c}/Unspecific`;
  return `${c}/Unknown Subcode ${subcode}`;
}

/** The NOTIFICATION to send for a decode failure. */
export function fromBgpError(err: BgpError): NotificationMessage {
  return { code: err.code, subcode: err.subcode, data: err.data.slice() };
}

/** The NOTIFICATION a received one describes, as an error to raise or log. */
export function toBgpError(n: NotificationMessage): BgpError {
  return new BgpError(notificationName(n.code, n.subcode), n.code, n.subcode, n.data.slice());
}

/** RFC 9003 §2: the Shutdown Communication is at most 255 octets of UTF-8. */
export const MAX_SHUTDOWN_COMMUNICATION = 255;

const utf8 = new TextEncoder();
const utf8Strict = new TextDecoder('utf-8', { fatal: true });

/**
 * Data for Cease/Administrative Shutdown or Reset carrying a Shutdown
 * Communication (RFC 9003 §2): <Length (1), UTF-8 message>. An empty message
 * gives a length octet of 0. Throws RangeError past 255 octets; use
 * truncateUtf8 first to cut at a character boundary.
 */
export function shutdownData(message: string): Uint8Array {
  const m = utf8.encode(message);
  if (m.length > MAX_SHUTDOWN_COMMUNICATION) {
    throw new RangeError(`shutdown communication of ${m.length} octets exceeds ${MAX_SHUTDOWN_COMMUNICATION}`);
  }
  const out = new Uint8Array(1 + m.length);
  out[0] = m.length;
  out.set(m, 1);
  return out;
}

/** Cuts a string so that its UTF-8 form fits `max` octets without splitting a character. */
export function truncateUtf8(s: string, max = MAX_SHUTDOWN_COMMUNICATION): string {
  let out = '';
  let n = 0;
  for (const ch of s) {
    const l = utf8.encode(ch).length;
    if (n + l > max) break;
    out += ch;
    n += l;
  }
  return out;
}

/** A Cease NOTIFICATION with an RFC 9003 Shutdown Communication. */
export function adminShutdown(message: string, subcode: CeaseSub = CeaseSub.ADMINISTRATIVE_SHUTDOWN): NotificationMessage {
  return { code: ErrCode.CEASE, subcode, data: shutdownData(message) };
}

export type ShutdownCommunication = { ok: true; message: string } | { ok: false; reason: string };

/**
 * The Shutdown Communication of a Cease/Administrative Shutdown (2) or Reset
 * (4), or undefined when the NOTIFICATION is not one of those or has no data.
 * RFC 9003 §4: an invalid length or invalid UTF-8 is logged, not acted on,
 * hence a result rather than an exception.
 */
export function shutdownCommunication(n: NotificationMessage): ShutdownCommunication | undefined {
  if (n.code !== ErrCode.CEASE) return undefined;
  if (n.subcode !== CeaseSub.ADMINISTRATIVE_SHUTDOWN && n.subcode !== CeaseSub.ADMINISTRATIVE_RESET) return undefined;
  if (n.data.length === 0) return undefined;
  const len = n.data[0]!;
  if (1 + len > n.data.length) return { ok: false, reason: `length ${len} exceeds the ${n.data.length - 1} octets present` };
  try {
    return { ok: true, message: utf8Strict.decode(n.data.subarray(1, 1 + len)) };
  } catch {
    return { ok: false, reason: 'not valid UTF-8' };
  }
}

export function bodyLength(v: NotificationMessage): number {
  return 2 + v.data.length;
}

export function encodingLength(v: NotificationMessage): number {
  return BGP_HEADER_LENGTH + bodyLength(v);
}

export function encodeBody(v: NotificationMessage, buf: Uint8Array, offset: number): number {
  for (const [what, x] of [
    ['error code', v.code],
    ['error subcode', v.subcode],
  ] as const) {
    if (!Number.isInteger(x) || x < 0 || x > 255) throw new RangeError(`${what} out of range: ${x}`);
  }
  let o = put8(buf, offset, v.code);
  o = put8(buf, o, v.subcode);
  return putBytes(buf, o, v.data);
}

/**
 * Writes the whole message. RFC 8654 §4: a NOTIFICATION may exceed 4096
 * octets only once the peer agreed to extended messages, so the session must
 * cut oversized data (e.g. a copy of a long UPDATE) to the negotiated limit.
 */
export function encode(v: NotificationMessage, buf: Uint8Array, offset: number, ctx?: HeaderCtx): number {
  const length = encodingLength(v);
  const max = header.maxMessageLength(MsgType.NOTIFICATION, ctx?.extendedMessage ?? false);
  if (length > max) throw new RangeError(`NOTIFICATION of ${length} octets exceeds ${max}`);
  const o = header.encode({ length, type: MsgType.NOTIFICATION }, buf, offset);
  return encodeBody(v, buf, o);
}

export function decodeBody(r: Reader): NotificationMessage {
  if (r.remaining < 2) throw new DecodeError(`NOTIFICATION body of ${r.remaining} octets is shorter than 2`, r.pos);
  const code = r.u8();
  const subcode = r.u8();
  return { code, subcode, data: r.rest() };
}

export function decode(r: Reader, ctx?: HeaderCtx): NotificationMessage {
  return decodeBody(header.bodyOf(r, MsgType.NOTIFICATION, ctx));
}

/** Decodes a NOTIFICATION from a complete message buffer. */
export function decodeMessage(msg: Uint8Array, ctx?: HeaderCtx): NotificationMessage {
  const r = new Reader(msg);
  const v = decode(r, ctx);
  if (!r.atEnd) throw new DecodeError(`${r.remaining} octets after the NOTIFICATION message`, r.pos);
  return v;
}
