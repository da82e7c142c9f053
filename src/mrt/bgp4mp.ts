import { put16, put32 } from '../util/bytes';
import { DecodeError } from '../util/errors';
import { ipFamily, ipLength, readIpv4, readIpv6, writeIp, type Ip } from '../util/ip';
import type { Reader } from '../util/reader';
import { Bgp4mpSubtype } from './constants';

/*
 * BGP4MP and BGP4MP_ET records (RFC 6396 §4.4; ADD-PATH subtypes RFC 8050 §3).
 *
 * BGP4MP_MESSAGE (1), and MESSAGE_LOCAL (6, a message we sent) with 2-octet
 * ASes; BGP4MP_MESSAGE_AS4 (4) and MESSAGE_AS4_LOCAL (7) with 4-octet ones:
 *
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |         Peer AS Number  (2 or 4)  |  Local AS Number (2 or 4) |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |        Interface Index        |        Address Family         |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                Peer IP Address (4 or 16 octets)               |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                Local IP Address (4 or 16 octets)              |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                    BGP Message... (variable)
 *
 * The BGP message is whole, marker and header included. The _ADDPATH
 * subtypes 8..11 are the same layout; they say the message's NLRI carry
 * RFC 7911 path identifiers.
 *
 * BGP4MP_STATE_CHANGE (0) and STATE_CHANGE_AS4 (5) end with
 *
 *   |            Old State          |          New State            |
 *
 * (1 Idle … 6 Established, §4.4.1) instead of a message.
 *
 * The Address Family (1 IPv4, 2 IPv6) is not stored: it follows from the
 * addresses, which must be of one family.
 */

export interface Bgp4mpPeering {
  peerAs: number;
  localAs: number;
  ifIndex: number;
  peerIp: Ip;
  localIp: Ip;
}

export interface Bgp4mpMessage extends Bgp4mpPeering {
  /** The whole BGP message as on the wire, marker included; decode with decodeMessage. */
  message: Uint8Array;
}

export interface Bgp4mpStateChange extends Bgp4mpPeering {
  oldState: number;
  newState: number;
}

export function isStateChangeSubtype(s: number): boolean {
  return s === Bgp4mpSubtype.STATE_CHANGE || s === Bgp4mpSubtype.STATE_CHANGE_AS4;
}

const MESSAGE_SUBTYPES: ReadonlySet<number> = new Set([
  Bgp4mpSubtype.MESSAGE,
  Bgp4mpSubtype.MESSAGE_AS4,
  Bgp4mpSubtype.MESSAGE_LOCAL,
  Bgp4mpSubtype.MESSAGE_AS4_LOCAL,
  Bgp4mpSubtype.MESSAGE_ADDPATH,
  Bgp4mpSubtype.MESSAGE_AS4_ADDPATH,
  Bgp4mpSubtype.MESSAGE_LOCAL_ADDPATH,
  Bgp4mpSubtype.MESSAGE_AS4_LOCAL_ADDPATH,
]);

export function isMessageSubtype(s: number): boolean {
  return MESSAGE_SUBTYPES.has(s);
}

/** 4-octet AS fields. */
export function isAs4Subtype(s: number): boolean {
  return (
    s === Bgp4mpSubtype.MESSAGE_AS4 ||
    s === Bgp4mpSubtype.STATE_CHANGE_AS4 ||
    s === Bgp4mpSubtype.MESSAGE_AS4_LOCAL ||
    s === Bgp4mpSubtype.MESSAGE_AS4_ADDPATH ||
    s === Bgp4mpSubtype.MESSAGE_AS4_LOCAL_ADDPATH
  );
}

/** The message was sent by the local speaker (RFC 6396 §4.4.6, §4.4.7). */
export function isLocalSubtype(s: number): boolean {
  return (
    s === Bgp4mpSubtype.MESSAGE_LOCAL ||
    s === Bgp4mpSubtype.MESSAGE_AS4_LOCAL ||
    s === Bgp4mpSubtype.MESSAGE_LOCAL_ADDPATH ||
    s === Bgp4mpSubtype.MESSAGE_AS4_LOCAL_ADDPATH
  );
}

export function isAddPathSubtype(s: number): boolean {
  return s >= Bgp4mpSubtype.MESSAGE_ADDPATH && s <= Bgp4mpSubtype.MESSAGE_AS4_LOCAL_ADDPATH;
}

/** The message subtype for a combination of properties. */
export function messageSubtype(o: { as4: boolean; local?: boolean; addPath?: boolean }): number {
  const base = o.as4 ? (o.local ? Bgp4mpSubtype.MESSAGE_AS4_LOCAL : Bgp4mpSubtype.MESSAGE_AS4) : o.local ? Bgp4mpSubtype.MESSAGE_LOCAL : Bgp4mpSubtype.MESSAGE;
  if (!o.addPath) return base;
  switch (base) {
    case Bgp4mpSubtype.MESSAGE:
      return Bgp4mpSubtype.MESSAGE_ADDPATH;
    case Bgp4mpSubtype.MESSAGE_AS4:
      return Bgp4mpSubtype.MESSAGE_AS4_ADDPATH;
    case Bgp4mpSubtype.MESSAGE_LOCAL:
      return Bgp4mpSubtype.MESSAGE_LOCAL_ADDPATH;
    default:
      return Bgp4mpSubtype.MESSAGE_AS4_LOCAL_ADDPATH;
  }
}

function peeringLength(p: Bgp4mpPeering, as4: boolean): number {
  return (as4 ? 8 : 4) + 4 + 2 * ipLength(p.peerIp);
}

function encodePeering(p: Bgp4mpPeering, as4: boolean, buf: Uint8Array, off: number): number {
  const max = as4 ? 0xffffffff : 0xffff;
  for (const [v, what] of [
    [p.peerAs, 'peer AS'],
    [p.localAs, 'local AS'],
  ] as const) {
    if (!Number.isInteger(v) || v < 0 || v > max) throw new RangeError(`${what} ${v} does not fit in ${as4 ? 4 : 2} octets`);
  }
  if (!Number.isInteger(p.ifIndex) || p.ifIndex < 0 || p.ifIndex > 0xffff) throw new RangeError(`interface index ${p.ifIndex} out of range`);
  const fam = ipFamily(p.peerIp);
  if (ipFamily(p.localIp) !== fam) throw new RangeError(`peer ${p.peerIp} and local ${p.localIp} addresses are of different families`);
  off = as4 ? put32(buf, off, p.peerAs) : put16(buf, off, p.peerAs);
  off = as4 ? put32(buf, off, p.localAs) : put16(buf, off, p.localAs);
  off = put16(buf, off, p.ifIndex);
  off = put16(buf, off, fam === 4 ? 1 : 2);
  off = writeIp(buf, off, p.peerIp);
  return writeIp(buf, off, p.localIp);
}

function decodePeering(r: Reader, as4: boolean): Bgp4mpPeering {
  const peerAs = as4 ? r.u32('peer AS') : r.u16('peer AS');
  const localAs = as4 ? r.u32('local AS') : r.u16('local AS');
  const ifIndex = r.u16('interface index');
  const at = r.pos;
  const afi = r.u16('address family');
  if (afi !== 1 && afi !== 2) throw new DecodeError(`BGP4MP: address family ${afi} is neither IPv4 (1) nor IPv6 (2)`, at);
  const read = afi === 1 ? readIpv4 : readIpv6;
  const peerIp = read(r, 'peer IP address');
  const localIp = read(r, 'local IP address');
  return { peerAs, localAs, ifIndex, peerIp, localIp };
}

export function messageEncodingLength(m: Bgp4mpMessage, subtype: number): number {
  return peeringLength(m, isAs4Subtype(subtype)) + m.message.length;
}

export function encodeMessage(m: Bgp4mpMessage, subtype: number, buf: Uint8Array, off: number): number {
  if (!isMessageSubtype(subtype)) throw new RangeError(`BGP4MP subtype ${subtype} does not carry a message`);
  off = encodePeering(m, isAs4Subtype(subtype), buf, off);
  buf.set(m.message, off);
  return off + m.message.length;
}

/** The rest of `r` is the BGP message; it is copied, not checked (decode it with the BGP codecs). */
export function decodeMessage(r: Reader, subtype: number): Bgp4mpMessage {
  const p = decodePeering(r, isAs4Subtype(subtype));
  return { ...p, message: r.rest() };
}

export function stateChangeEncodingLength(s: Bgp4mpStateChange, subtype: number): number {
  return peeringLength(s, isAs4Subtype(subtype)) + 4;
}

export function encodeStateChange(s: Bgp4mpStateChange, subtype: number, buf: Uint8Array, off: number): number {
  if (!isStateChangeSubtype(subtype)) throw new RangeError(`BGP4MP subtype ${subtype} is not a state change`);
  for (const v of [s.oldState, s.newState]) if (!Number.isInteger(v) || v < 0 || v > 0xffff) throw new RangeError(`state ${v} out of range`);
  off = encodePeering(s, isAs4Subtype(subtype), buf, off);
  off = put16(buf, off, s.oldState);
  return put16(buf, off, s.newState);
}

export function decodeStateChange(r: Reader, subtype: number): Bgp4mpStateChange {
  const p = decodePeering(r, isAs4Subtype(subtype));
  const oldState = r.u16('old state');
  const newState = r.u16('new state');
  return { ...p, oldState, newState };
}
