import { DecodeError } from '../util/errors';
import { type Mac, readMac, writeMac } from '../util/mac';
import { put16 } from '../util/bytes';
import type { Reader } from '../util/reader';

/** EtherType values this project handles (IEEE registry). */
export const EtherType = {
  IPV4: 0x0800,
  ARP: 0x0806,
  /** IEEE 802.1Q C-tag. */
  VLAN: 0x8100,
  IPV6: 0x86dd,
  /** IEEE 802.1ad S-tag. */
  QINQ: 0x88a8,
  /** Pre-standard S-tag still emitted by some switches. */
  QINQ_LEGACY: 0x9100,
} as const;

/** Values of the type/length field up to this one are an IEEE 802.3 length, not an EtherType. */
export const MAX_8023_LENGTH = 1500;
/** Minimum frame length without FCS; the sending NIC pads shorter frames. */
export const ETHERNET_MIN_FRAME = 60;
export const ETHERNET_HEADER_LENGTH = 14;

/** One 802.1Q / 802.1ad tag: TPID then TCI = PCP(3) DEI(1) VID(12). */
export interface VlanTag {
  tpid: number;
  pcp: number;
  dei: boolean;
  vid: number;
}

export interface EthernetFrame {
  dst: Mac;
  src: Mac;
  /** Outermost tag first. */
  vlans: VlanTag[];
  /** EtherType of the payload; a value ≤ 1500 is an 802.3 length (LLC payload). */
  ethertype: number;
  /** Everything after the EtherType, including any padding (the FCS is not captured). */
  payload: Uint8Array;
}

/** TPIDs recognised as a tag when decoding. */
export function isTagTpid(t: number): boolean {
  return t === EtherType.VLAN || t === EtherType.QINQ || t === EtherType.QINQ_LEGACY;
}

/*
 * Ethernet II (IEEE 802.3 §3.1.1) with IEEE 802.1Q §9.6 tags:
 *  +--------+--------+ [+------+-----+]* +-----------+---------+
 *  | dst(6) | src(6) |  | TPID | TCI |   | EtherType | payload |
 *  +--------+--------+ [+------+-----+]* +-----------+---------+
 */

export function encodingLength(f: EthernetFrame): number {
  return ETHERNET_HEADER_LENGTH + 4 * f.vlans.length + f.payload.length;
}

export function encode(f: EthernetFrame, buf: Uint8Array, offset: number): number {
  let o = writeMac(buf, offset, f.dst);
  o = writeMac(buf, o, f.src);
  for (const t of f.vlans) {
    if (!(t.vid >= 0 && t.vid <= 0xfff && Number.isInteger(t.vid))) throw new RangeError(`bad VLAN id ${t.vid}`);
    if (!(t.pcp >= 0 && t.pcp <= 7 && Number.isInteger(t.pcp))) throw new RangeError(`bad PCP ${t.pcp}`);
    if (!(t.tpid >= 0 && t.tpid <= 0xffff)) throw new RangeError(`bad TPID ${t.tpid}`);
    o = put16(buf, o, t.tpid);
    o = put16(buf, o, (t.pcp << 13) | (t.dei ? 0x1000 : 0) | t.vid);
  }
  if (!(f.ethertype >= 0 && f.ethertype <= 0xffff)) throw new RangeError(`bad EtherType ${f.ethertype}`);
  o = put16(buf, o, f.ethertype);
  buf.set(f.payload, o);
  return o + f.payload.length;
}

/** Decodes the whole reader window as one frame (the payload runs to the end). */
export function decode(r: Reader): EthernetFrame {
  if (r.remaining < ETHERNET_HEADER_LENGTH) {
    throw new DecodeError(`Ethernet frame too short: ${r.remaining} octet(s)`, r.pos);
  }
  const dst = readMac(r, 'Ethernet destination');
  const src = readMac(r, 'Ethernet source');
  const vlans: VlanTag[] = [];
  let type = r.u16('EtherType');
  // Any number of stacked tags (802.1ad S-tag over C-tag, or more); each is 4 octets,
  // so the loop is bounded by the frame length.
  while (isTagTpid(type)) {
    const tci = r.u16('VLAN TCI');
    vlans.push({ tpid: type, pcp: tci >>> 13, dei: (tci & 0x1000) !== 0, vid: tci & 0xfff });
    type = r.u16('EtherType');
  }
  return { dst, src, vlans, ethertype: type, payload: r.rest() };
}
