import { Reader } from '../../util/reader';
import { DecodeError } from '../../util/errors';
import { put16, put8 } from '../../util/bytes';
import { ipv4ToString, writeIpv4 } from '../../util/ip';
import type { Ip } from '../../util/ip';
import { BgpError, ErrCode, OpenSub } from './errors';
import { AS_TRANS, BGP_HEADER_LENGTH, BGP_MAX_MESSAGE, MsgType } from './iana';
import * as header from './header';
import type { HeaderCtx } from './header';
import * as cap from './capabilities';
import type { Capability } from './capabilities';

/**
 * OPEN message body (RFC 4271 §4.2):
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+
 *   |    Version    |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |     My Autonomous System      |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |           Hold Time           |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                         BGP Identifier                        |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   | Opt Parm Len  |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |             Optional Parameters (variable)                    |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * Each optional parameter is <Type (1), Length (1), Value>. RFC 9072 adds an
 * extended form, signalled by Opt Parm Len = 255 followed by a parameter type
 * of 255, after which a 2-octet total length follows and every parameter has
 * a 2-octet length. The only parameter type in use is 2, Capabilities
 * (RFC 5492 §4); type 1 (Authentication) was deprecated by RFC 5492.
 */
export interface OpenMessage {
  version: number;
  /** The 2-octet My AS field: AS_TRANS (23456) when the real AS needs 4 octets (RFC 6793 §4.1). */
  myAs: number;
  /** Seconds; 0 (no keepalives) or at least 3 (RFC 4271 §4.2). */
  holdTime: number;
  /** Dotted quad; must not be 0.0.0.0 (RFC 6286 §2.2). */
  bgpId: Ip;
  capabilities: Capability[];
  /**
   * Layout on the wire: how many capabilities sit in each Capabilities
   * parameter, in order. RFC 5492 §4 allows one or many per parameter (FRR
   * sends one each, GoBGP all in one). Absent means one per parameter.
   */
  capabilityGroups?: number[];
  /** Use the RFC 9072 extended encoding even when the parameters would fit in 255 octets. */
  extendedOptParams?: boolean;
}

export const BGP_VERSION = 4;
export const OPT_PARAM_CAPABILITIES = 2;
/** RFC 9072 §2: the Non-Ext OP Type value that announces the extended encoding. */
export const OPT_PARAM_EXTENDED_LENGTH = 255;

/** The value for the My AS field: the AS itself, or AS_TRANS if it needs 4 octets (RFC 6793 §4.1). */
export function twoOctetAs(asn: number): number {
  return asn > 0xffff ? AS_TRANS : asn;
}

/** The peer's real AS: the 4-octet AS capability if present (RFC 6793 §4.1), else My AS. */
export function peerAs(open: OpenMessage): number {
  for (const c of open.capabilities) if (c.kind === 'four-octet-as') return c.asn;
  return open.myAs;
}

function groups(v: OpenMessage): number[] {
  if (v.capabilityGroups === undefined) return v.capabilities.map(() => 1);
  const total = v.capabilityGroups.reduce((a, b) => a + b, 0);
  if (total !== v.capabilities.length || v.capabilityGroups.some((n) => !Number.isInteger(n) || n < 0)) {
    throw new RangeError(`capabilityGroups ${JSON.stringify(v.capabilityGroups)} do not cover ${v.capabilities.length} capabilities`);
  }
  return v.capabilityGroups;
}

interface Layout {
  extended: boolean;
  /** Value length of each Capabilities parameter. */
  paramLengths: number[];
  /** Octets after the fixed part: the length field(s) and every parameter. */
  optLength: number;
}

function layout(v: OpenMessage): Layout {
  const gs = groups(v);
  const paramLengths: number[] = [];
  let i = 0;
  for (const n of gs) {
    let len = 0;
    for (let k = 0; k < n; k++) len += cap.encodingLength(v.capabilities[i++]!);
    paramLengths.push(len);
  }
  const short = paramLengths.reduce((a, l) => a + 2 + l, 0);
  // RFC 9072 §2: the extended form is needed once the total or any single parameter exceeds 255.
  const extended = v.extendedOptParams === true || short > 255 || paramLengths.some((l) => l > 255);
  const optLength = extended ? 4 + paramLengths.reduce((a, l) => a + 3 + l, 0) : 1 + short;
  return { extended, paramLengths, optLength };
}

/** Length of the body (what follows the header). */
export function bodyLength(v: OpenMessage): number {
  return 9 + layout(v).optLength;
}

/** Length of the whole message, header included. */
export function encodingLength(v: OpenMessage): number {
  return BGP_HEADER_LENGTH + bodyLength(v);
}

export function encodeBody(v: OpenMessage, buf: Uint8Array, offset: number): number {
  const l = layout(v);
  for (const [what, x, max] of [
    ['version', v.version, 0xff],
    ['My AS', v.myAs, 0xffff],
    ['hold time', v.holdTime, 0xffff],
  ] as const) {
    if (!Number.isInteger(x) || x < 0 || x > max) throw new RangeError(`${what} out of range: ${x}`);
  }
  let o = put8(buf, offset, v.version);
  o = put16(buf, o, v.myAs);
  o = put16(buf, o, v.holdTime);
  o = writeIpv4(buf, o, v.bgpId);
  if (l.extended) {
    o = put8(buf, o, 255);
    o = put8(buf, o, OPT_PARAM_EXTENDED_LENGTH);
    o = put16(buf, o, l.optLength - 4);
  } else {
    o = put8(buf, o, l.optLength - 1);
  }
  let i = 0;
  const gs = groups(v);
  for (let g = 0; g < gs.length; g++) {
    o = put8(buf, o, OPT_PARAM_CAPABILITIES);
    o = l.extended ? put16(buf, o, l.paramLengths[g]!) : put8(buf, o, l.paramLengths[g]!);
    for (let k = 0; k < gs[g]!; k++) o = cap.encode(v.capabilities[i++]!, buf, o);
  }
  return o;
}

export function encode(v: OpenMessage, buf: Uint8Array, offset: number): number {
  const length = encodingLength(v);
  if (length > BGP_MAX_MESSAGE) throw new RangeError(`OPEN of ${length} octets exceeds ${BGP_MAX_MESSAGE} (RFC 8654 §4)`);
  const o = header.encode({ length, type: MsgType.OPEN }, buf, offset);
  return encodeBody(v, buf, o);
}

function openError(message: string, subcode: number, at: number, data: Uint8Array = new Uint8Array(0)): BgpError {
  return new BgpError(message, ErrCode.OPEN_MESSAGE, subcode, data, at);
}

/**
 * Decodes the body of an OPEN (the reader holds exactly the body). Semantic
 * checks that need no local configuration are made here, in wire order:
 * version (2/1), My AS 0 (2/2, RFC 7607 §2), hold time 1 or 2 (2/6), BGP
 * Identifier 0 (2/3), unknown parameter types (2/4), malformed parameters
 * (2/0). Peer AS and collision checks belong to the session.
 */
export function decodeBody(r: Reader): OpenMessage {
  try {
    return decodeBodyUnchecked(r);
  } catch (e) {
    // Every fault inside the OPEN body is an OPEN Message Error; a plain
    // truncation inside a parameter is "malformed", hence 2/0 (RFC 4271 §6.2).
    if (e instanceof DecodeError && !(e instanceof BgpError)) throw openError(e.message, 0, e.offset);
    throw e;
  }
}

function decodeBodyUnchecked(r: Reader): OpenMessage {
  const start = r.pos;
  if (r.remaining < 10) throw openError(`OPEN body of ${r.remaining} octets is shorter than 10`, 0, start);
  const version = r.u8();
  if (version !== BGP_VERSION) {
    // RFC 4271 §6.2: Data = the largest supported version below the bid, as 2 octets.
    throw openError(`unsupported BGP version ${version}`, OpenSub.UNSUPPORTED_VERSION, start, Uint8Array.of(0, BGP_VERSION));
  }
  const myAs = r.u16();
  // RFC 4271 leaves the data of 2/2 and 2/3 open; like FRR we echo the offending field.
  if (myAs === 0) throw openError('My AS is 0', OpenSub.BAD_PEER_AS, start + 1, Uint8Array.of(0, 0));
  const holdTime = r.u16();
  if (holdTime === 1 || holdTime === 2) {
    throw openError(`unacceptable hold time ${holdTime}`, OpenSub.UNACCEPTABLE_HOLD_TIME, start + 3);
  }
  const idAt = r.pos;
  const idBytes = r.view(4);
  if ((idBytes[0]! | idBytes[1]! | idBytes[2]! | idBytes[3]!) === 0) {
    throw openError('BGP Identifier is 0.0.0.0', OpenSub.BAD_BGP_IDENTIFIER, idAt, idBytes.slice());
  }
  const bgpId = ipv4ToString(idBytes, 0);

  const lenAt = r.pos;
  let optLen = r.u8();
  let extended = false;
  // RFC 9072 §2: Non-Ext OP Len 255 with Non-Ext OP Type 255 means the extended form.
  if (optLen === 255 && r.remaining >= 1 && r.peek8() === OPT_PARAM_EXTENDED_LENGTH) {
    r.skip(1);
    if (r.remaining < 2) throw openError('truncated extended optional parameters length', 0, r.pos);
    optLen = r.u16();
    extended = true;
  }
  if (optLen !== r.remaining) {
    throw openError(`optional parameters length ${optLen} but ${r.remaining} octets follow`, 0, lenAt);
  }
  const capabilities: Capability[] = [];
  const capabilityGroups: number[] = [];
  while (!r.atEnd) {
    const pAt = r.pos;
    const hdr = extended ? 3 : 2;
    if (r.remaining < hdr) throw openError('truncated optional parameter header', 0, pAt);
    const type = r.u8();
    const plen = extended ? r.u16() : r.u8();
    if (plen > r.remaining) throw openError(`optional parameter of ${plen} octets runs past the message`, 0, pAt);
    const p = r.sub(plen);
    if (type !== OPT_PARAM_CAPABILITIES) {
      // RFC 4271 §6.2: an unrecognised Optional Parameter is "Unsupported Optional Parameter".
      throw openError(`unsupported optional parameter type ${type}`, OpenSub.UNSUPPORTED_OPTIONAL_PARAMETER, pAt);
    }
    let n = 0;
    while (!p.atEnd) {
      capabilities.push(cap.decode(p));
      n++;
    }
    capabilityGroups.push(n);
  }
  const v: OpenMessage = { version, myAs, holdTime, bgpId, capabilities };
  if (capabilityGroups.some((n) => n !== 1)) v.capabilityGroups = capabilityGroups;
  if (extended) v.extendedOptParams = true;
  return v;
}

/** Decodes a whole OPEN message, header included. */
export function decode(r: Reader, ctx?: HeaderCtx): OpenMessage {
  return decodeBody(header.bodyOf(r, MsgType.OPEN, ctx));
}

/** Decodes an OPEN from a complete message buffer (as the framer delivers it). */
export function decodeMessage(msg: Uint8Array): OpenMessage {
  const r = new Reader(msg);
  const v = decode(r);
  if (!r.atEnd) throw new DecodeError(`${r.remaining} octets after the OPEN message`, r.pos);
  return v;
}
