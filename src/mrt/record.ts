import { DecodeError } from '../util/errors';
import type { Reader } from '../util/reader';
import * as bgp4mp from './bgp4mp';
import { isExtendedTimestampType, MrtType, TableDumpV2Subtype } from './constants';
import * as header from './header';
import * as peerIndex from './peer-index-table';
import * as rib from './rib';

/*
 * One MRT record: the common header (header.ts) and a body whose layout the
 * Type and Subtype decide. Bodies this module does not interpret (other
 * types, unknown subtypes) are kept as raw octets and written back as they
 * were, so a file can be filtered and rewritten without loss.
 *
 * A body that does not fill its Length exactly is a DecodeError: RFC 6396
 * defines no trailing data, and the next record starts where Length says.
 */

export type MrtBody =
  | { kind: 'peer-index-table'; table: peerIndex.PeerIndexTable }
  | { kind: 'rib'; rib: rib.RibRecord }
  | { kind: 'bgp4mp-message'; message: bgp4mp.Bgp4mpMessage }
  | { kind: 'bgp4mp-state-change'; change: bgp4mp.Bgp4mpStateChange }
  | { kind: 'raw'; raw: Uint8Array };

export interface MrtRecord {
  /** Seconds since the epoch. */
  timestamp: number;
  /** Present exactly for the _ET types. */
  microseconds?: number;
  type: number;
  subtype: number;
  body: MrtBody;
}

function isBgp4mp(type: number): boolean {
  return type === MrtType.BGP4MP || type === MrtType.BGP4MP_ET;
}

/** The body kind the type and subtype call for. */
export function bodyKind(type: number, subtype: number): MrtBody['kind'] {
  if (type === MrtType.TABLE_DUMP_V2) {
    if (subtype === TableDumpV2Subtype.PEER_INDEX_TABLE) return 'peer-index-table';
    if (rib.isRibSubtype(subtype)) return 'rib';
  }
  if (isBgp4mp(type)) {
    if (bgp4mp.isMessageSubtype(subtype)) return 'bgp4mp-message';
    if (bgp4mp.isStateChangeSubtype(subtype)) return 'bgp4mp-state-change';
  }
  return 'raw';
}

export function bodyLength(rec: MrtRecord): number {
  const b = rec.body;
  switch (b.kind) {
    case 'peer-index-table':
      return peerIndex.encodingLength(b.table);
    case 'rib':
      return rib.encodingLength(b.rib);
    case 'bgp4mp-message':
      return bgp4mp.messageEncodingLength(b.message, rec.subtype);
    case 'bgp4mp-state-change':
      return bgp4mp.stateChangeEncodingLength(b.change, rec.subtype);
    case 'raw':
      return b.raw.length;
  }
}

function headerOf(rec: MrtRecord): header.MrtHeader {
  const h: header.MrtHeader = { timestamp: rec.timestamp, type: rec.type, subtype: rec.subtype, bodyLength: bodyLength(rec) };
  if (isExtendedTimestampType(rec.type)) h.microseconds = rec.microseconds ?? 0;
  return h;
}

export function encodingLength(rec: MrtRecord): number {
  return header.encodingLength(headerOf(rec)) + bodyLength(rec);
}

/** Writes header and body. Throws RangeError when the body kind does not match the type/subtype. */
export function encode(rec: MrtRecord, buf: Uint8Array, off: number): number {
  const want = bodyKind(rec.type, rec.subtype);
  if (rec.body.kind !== want) throw new RangeError(`MRT ${rec.type}/${rec.subtype} needs a ${want} body, got ${rec.body.kind}`);
  const h = headerOf(rec);
  off = header.encode(h, buf, off);
  const start = off;
  const b = rec.body;
  switch (b.kind) {
    case 'peer-index-table':
      off = peerIndex.encode(b.table, buf, off);
      break;
    case 'rib':
      if (b.rib.subtype !== rec.subtype) throw new RangeError(`RIB record of subtype ${b.rib.subtype} in a record of subtype ${rec.subtype}`);
      off = rib.encode(b.rib, buf, off);
      break;
    case 'bgp4mp-message':
      off = bgp4mp.encodeMessage(b.message, rec.subtype, buf, off);
      break;
    case 'bgp4mp-state-change':
      off = bgp4mp.encodeStateChange(b.change, rec.subtype, buf, off);
      break;
    case 'raw':
      buf.set(b.raw, off);
      off += b.raw.length;
      break;
  }
  if (off - start !== h.bodyLength) throw new Error(`MRT body: length ${h.bodyLength} but wrote ${off - start}`);
  return off;
}

export function encodeToBytes(rec: MrtRecord): Uint8Array {
  const buf = new Uint8Array(encodingLength(rec));
  encode(rec, buf, 0);
  return buf;
}

/** Decodes a body of the given type/subtype that fills `r` exactly. */
export function decodeBody(r: Reader, type: number, subtype: number): MrtBody {
  let body: MrtBody;
  switch (bodyKind(type, subtype)) {
    case 'peer-index-table':
      body = { kind: 'peer-index-table', table: peerIndex.decode(r) };
      break;
    case 'rib':
      body = { kind: 'rib', rib: rib.decode(r, subtype) };
      break;
    case 'bgp4mp-message':
      body = { kind: 'bgp4mp-message', message: bgp4mp.decodeMessage(r, subtype) };
      break;
    case 'bgp4mp-state-change':
      body = { kind: 'bgp4mp-state-change', change: bgp4mp.decodeStateChange(r, subtype) };
      break;
    case 'raw':
      body = { kind: 'raw', raw: r.rest() };
      break;
  }
  if (!r.atEnd) throw new DecodeError(`MRT ${type}/${subtype}: ${r.remaining} octet(s) after the body`, r.pos);
  return body;
}

/**
 * Decodes one whole record at r.pos; `r` moves past it even when the body
 * is malformed (the DecodeError then carries the offset inside the body),
 * so a reader can skip a bad record. A truncated header or a Length that
 * overruns the input throws with `r` unmoved past the header.
 */
export function decode(r: Reader): MrtRecord {
  const h = header.decode(r);
  const body = decodeBody(r.sub(h.bodyLength, 'MRT record body'), h.type, h.subtype);
  const rec: MrtRecord = { timestamp: h.timestamp, type: h.type, subtype: h.subtype, body };
  if (h.microseconds !== undefined) rec.microseconds = h.microseconds;
  return rec;
}
