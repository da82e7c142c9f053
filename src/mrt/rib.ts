import type { PathAttribute } from '../bgp/wire/attributes/types';
import { decodeEvpnNlri, encodeEvpnNlri, encodingLengthEvpnNlri } from '../bgp/wire/evpn/nlri';
import type { EvpnRoute } from '../bgp/wire/evpn/types';
import { Afi, Safi } from '../bgp/wire/iana';
import * as prefix from '../bgp/wire/prefix';
import type { Prefix } from '../bgp/wire/prefix';
import { put16, put32, put8 } from '../util/bytes';
import { DecodeError } from '../util/errors';
import type { Reader } from '../util/reader';
import { TableDumpV2Subtype } from './constants';
import * as ribAttrs from './rib-attributes';

/*
 * TABLE_DUMP_V2 RIB records (RFC 6396 §4.3.2, §4.3.3; ADD-PATH variants
 * RFC 8050 §4.1): one NLRI and every path known for it.
 *
 * AFI/SAFI-specific subtypes (RIB_IPV4_UNICAST 2, RIB_IPV4_MULTICAST 3,
 * RIB_IPV6_UNICAST 4, RIB_IPV6_MULTICAST 5, and 8..11 with ADD-PATH):
 *
 *   | Sequence Number (4) | Prefix Length (1) | Prefix (variable) |
 *   | Entry Count (2) | RIB Entries (variable) |
 *
 * RIB_GENERIC (6) and RIB_GENERIC_ADDPATH (12), for any other family; EVPN
 * (AFI 25 / SAFI 70) routes are dumped this way:
 *
 *   | Sequence Number (4) | AFI (2) | SAFI (1) | NLRI (variable, one, as in MP_REACH_NLRI) |
 *   | Entry Count (2) | RIB Entries (variable) |
 *
 * RIB entry (§4.3.4; the Path Identifier only in the ADD-PATH subtypes):
 *
 *   | Peer Index (2) | Originated Time (4) | [Path Identifier (4)] |
 *   | Attribute Length (2) | BGP Attributes (variable, see rib-attributes.ts) |
 *
 * For a RIB_GENERIC family whose NLRI syntax is not known here, the end of
 * the NLRI cannot be found: such a record keeps everything after the SAFI
 * as `nlri.raw` and has no entries.
 */

export type RibNlri =
  | { kind: 'prefix'; prefix: Prefix }
  | { kind: 'evpn'; route: EvpnRoute }
  /** Unknown RIB_GENERIC family: the octets after the SAFI, entries included. */
  | { kind: 'raw'; raw: Uint8Array };

export interface RibEntry {
  peerIndex: number;
  /** Seconds since the epoch at which the path was learned. */
  originatedTime: number;
  /** RFC 8050: present exactly in the ADD-PATH subtypes. */
  pathId?: number;
  attributes: PathAttribute[];
  /** Attributes that had to be kept raw, and why (see rib-attributes.ts). Absent when clean. */
  faults?: string[];
}

export interface RibRecord {
  /** One of the RIB_* subtypes: decides the layout (and for 2..5, 8..11 the family). */
  subtype: number;
  sequence: number;
  afi: number;
  safi: number;
  nlri: RibNlri;
  entries: RibEntry[];
}

const SPECIFIC: Record<number, { afi: number; safi: number; addPath: boolean }> = {
  [TableDumpV2Subtype.RIB_IPV4_UNICAST]: { afi: Afi.IPV4, safi: Safi.UNICAST, addPath: false },
  [TableDumpV2Subtype.RIB_IPV4_MULTICAST]: { afi: Afi.IPV4, safi: Safi.MULTICAST, addPath: false },
  [TableDumpV2Subtype.RIB_IPV6_UNICAST]: { afi: Afi.IPV6, safi: Safi.UNICAST, addPath: false },
  [TableDumpV2Subtype.RIB_IPV6_MULTICAST]: { afi: Afi.IPV6, safi: Safi.MULTICAST, addPath: false },
  [TableDumpV2Subtype.RIB_IPV4_UNICAST_ADDPATH]: { afi: Afi.IPV4, safi: Safi.UNICAST, addPath: true },
  [TableDumpV2Subtype.RIB_IPV4_MULTICAST_ADDPATH]: { afi: Afi.IPV4, safi: Safi.MULTICAST, addPath: true },
  [TableDumpV2Subtype.RIB_IPV6_UNICAST_ADDPATH]: { afi: Afi.IPV6, safi: Safi.UNICAST, addPath: true },
  [TableDumpV2Subtype.RIB_IPV6_MULTICAST_ADDPATH]: { afi: Afi.IPV6, safi: Safi.MULTICAST, addPath: true },
};

export function isRibSubtype(subtype: number): boolean {
  return subtype in SPECIFIC || isGeneric(subtype);
}

function isGeneric(subtype: number): boolean {
  return subtype === TableDumpV2Subtype.RIB_GENERIC || subtype === TableDumpV2Subtype.RIB_GENERIC_ADDPATH;
}

export function isAddPathSubtype(subtype: number): boolean {
  return subtype === TableDumpV2Subtype.RIB_GENERIC_ADDPATH || SPECIFIC[subtype]?.addPath === true;
}

/** The subtype for a family: the specific one for IPv4/IPv6 unicast/multicast, else RIB_GENERIC. */
export function ribSubtypeFor(afi: number, safi: number, addPath = false): number {
  for (const [k, v] of Object.entries(SPECIFIC)) if (v.afi === afi && v.safi === safi && v.addPath === addPath) return Number(k);
  return addPath ? TableDumpV2Subtype.RIB_GENERIC_ADDPATH : TableDumpV2Subtype.RIB_GENERIC;
}

function nlriLength(rec: RibRecord): number {
  switch (rec.nlri.kind) {
    case 'prefix':
      return prefix.encodingLength(rec.nlri.prefix, false);
    case 'evpn':
      return encodingLengthEvpnNlri({ route: rec.nlri.route }, false);
    case 'raw':
      return rec.nlri.raw.length;
  }
}

export function entryEncodingLength(e: RibEntry, addPath: boolean): number {
  return 2 + 4 + (addPath ? 4 : 0) + 2 + ribAttrs.encodingLength(e.attributes);
}

export function encodingLength(rec: RibRecord): number {
  const addPath = isAddPathSubtype(rec.subtype);
  let n = 4 + (isGeneric(rec.subtype) ? 3 : 0) + nlriLength(rec);
  if (rec.nlri.kind === 'raw') return n;
  n += 2;
  for (const e of rec.entries) n += entryEncodingLength(e, addPath);
  return n;
}

function checkFamily(rec: RibRecord): void {
  const s = SPECIFIC[rec.subtype];
  if (s) {
    if (s.afi !== rec.afi || s.safi !== rec.safi) throw new RangeError(`RIB subtype ${rec.subtype} is for ${s.afi}/${s.safi}, not ${rec.afi}/${rec.safi}`);
    if (rec.nlri.kind !== 'prefix') throw new RangeError(`RIB subtype ${rec.subtype} carries a prefix`);
  } else if (!isGeneric(rec.subtype)) {
    throw new RangeError(`${rec.subtype} is not a TABLE_DUMP_V2 RIB subtype`);
  }
  if (rec.nlri.kind === 'evpn' && (rec.afi !== Afi.L2VPN || rec.safi !== Safi.EVPN)) throw new RangeError('an EVPN route needs AFI 25 / SAFI 70');
}

export function encode(rec: RibRecord, buf: Uint8Array, off: number): number {
  checkFamily(rec);
  const addPath = isAddPathSubtype(rec.subtype);
  if (!Number.isInteger(rec.sequence) || rec.sequence < 0 || rec.sequence > 0xffffffff) throw new RangeError(`sequence number ${rec.sequence} out of range`);
  off = put32(buf, off, rec.sequence);
  if (isGeneric(rec.subtype)) {
    off = put16(buf, off, rec.afi);
    off = put8(buf, off, rec.safi);
  }
  switch (rec.nlri.kind) {
    case 'prefix':
      off = prefix.encode(rec.nlri.prefix, buf, off, false);
      break;
    case 'evpn':
      off = encodeEvpnNlri({ route: rec.nlri.route }, buf, off, false);
      break;
    case 'raw':
      buf.set(rec.nlri.raw, off);
      return off + rec.nlri.raw.length;
  }
  if (rec.entries.length > 0xffff) throw new RangeError(`${rec.entries.length} RIB entries do not fit`);
  off = put16(buf, off, rec.entries.length);
  for (const e of rec.entries) {
    if (!Number.isInteger(e.peerIndex) || e.peerIndex < 0 || e.peerIndex > 0xffff) throw new RangeError(`peer index ${e.peerIndex} out of range`);
    if (!Number.isInteger(e.originatedTime) || e.originatedTime < 0 || e.originatedTime > 0xffffffff) {
      throw new RangeError(`originated time ${e.originatedTime} out of range`);
    }
    off = put16(buf, off, e.peerIndex);
    off = put32(buf, off, e.originatedTime);
    if (addPath) {
      if (e.pathId === undefined) throw new RangeError('an ADD-PATH RIB entry needs a pathId');
      off = put32(buf, off, e.pathId);
    } else if (e.pathId !== undefined) {
      throw new RangeError(`RIB subtype ${rec.subtype} has no path identifiers`);
    }
    const lenAt = off;
    off = ribAttrs.encode(e.attributes, buf, off + 2);
    const len = off - lenAt - 2;
    if (len > 0xffff) throw new RangeError(`RIB entry attributes of ${len} octets do not fit`);
    put16(buf, lenAt, len);
  }
  return off;
}

/** Decodes a RIB record body of the given subtype filling `r`. */
export function decode(r: Reader, subtype: number): RibRecord {
  const addPath = isAddPathSubtype(subtype);
  const sequence = r.u32('sequence number');
  let afi: number;
  let safi: number;
  let nlri: RibNlri;
  const specific = SPECIFIC[subtype];
  if (specific) {
    afi = specific.afi;
    safi = specific.safi;
    nlri = { kind: 'prefix', prefix: prefix.decode(r, afi === Afi.IPV4 ? 4 : 6, false) };
  } else if (isGeneric(subtype)) {
    afi = r.u16('AFI');
    safi = r.u8('SAFI');
    if (afi === Afi.L2VPN && safi === Safi.EVPN) nlri = { kind: 'evpn', route: decodeEvpnNlri(r, false).route };
    else if ((afi === Afi.IPV4 || afi === Afi.IPV6) && (safi === Safi.UNICAST || safi === Safi.MULTICAST)) {
      nlri = { kind: 'prefix', prefix: prefix.decode(r, afi === Afi.IPV4 ? 4 : 6, false) };
    } else {
      return { subtype, sequence, afi, safi, nlri: { kind: 'raw', raw: r.rest() }, entries: [] };
    }
  } else {
    throw new DecodeError(`TABLE_DUMP_V2 subtype ${subtype} is not a RIB record`, r.pos);
  }
  const count = r.u16('entry count');
  const entries: RibEntry[] = [];
  for (let i = 0; i < count; i++) {
    const peerIndex = r.u16('peer index');
    const originatedTime = r.u32('originated time');
    const pathId = addPath ? r.u32('path identifier') : undefined;
    const attrLen = r.u16('attribute length');
    const res = ribAttrs.decode(r.sub(attrLen, 'RIB entry attributes'), { afi, safi });
    const e: RibEntry = { peerIndex, originatedTime, attributes: res.attributes };
    if (pathId !== undefined) e.pathId = pathId;
    if (res.faults.length) e.faults = res.faults;
    entries.push(e);
  }
  return { subtype, sequence, afi, safi, nlri, entries };
}
