import { DecodeError } from '../util/errors';
import { put24, put32, put8 } from '../util/bytes';
import type { Reader } from '../util/reader';

/** IANA-assigned UDP destination port (RFC 7348 §5). */
export const VXLAN_PORT = 4789;
export const VXLAN_HEADER_LENGTH = 8;
/** The I flag: the VNI field is valid (RFC 7348 §5). */
export const VXLAN_FLAG_I = 0x08;
export const VXLAN_MAX_VNI = 0xffffff;

export interface VxlanPacket {
  /** Set on send; a receiver decides what to do with I = 0 (RFC 7348 §5 says such a VNI is invalid). */
  iFlag: boolean;
  /** 24-bit VXLAN Network Identifier. */
  vni: number;
  /** The inner Ethernet frame (without FCS). */
  payload: Uint8Array;
}

/*
 * RFC 7348 §5:
 * |R|R|R|R|I|R|R|R|            Reserved                           |
 * |                VXLAN Network Identifier (VNI) |   Reserved    |
 * Reserved bits are sent as zero and ignored on receipt.
 */

export function encodingLength(v: VxlanPacket): number {
  return VXLAN_HEADER_LENGTH + v.payload.length;
}

export function encode(v: VxlanPacket, buf: Uint8Array, offset: number): number {
  if (!(Number.isInteger(v.vni) && v.vni >= 0 && v.vni <= VXLAN_MAX_VNI)) throw new RangeError(`bad VNI ${v.vni}`);
  let o = put32(buf, offset, v.iFlag ? VXLAN_FLAG_I << 24 : 0);
  o = put24(buf, o, v.vni);
  o = put8(buf, o, 0);
  buf.set(v.payload, o);
  return o + v.payload.length;
}

/** Reads the 8-octet header and takes the rest of the reader as the inner frame. */
export function decode(r: Reader): VxlanPacket {
  if (r.remaining < VXLAN_HEADER_LENGTH) {
    throw new DecodeError(`VXLAN header too short: ${r.remaining} octet(s)`, r.pos);
  }
  const flags = r.u8('VXLAN flags');
  r.skip(3, 'VXLAN reserved');
  const vni = r.u24('VXLAN VNI');
  r.skip(1, 'VXLAN reserved');
  return { iFlag: (flags & VXLAN_FLAG_I) !== 0, vni, payload: r.rest() };
}
