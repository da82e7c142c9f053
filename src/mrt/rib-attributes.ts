import * as attrs from '../bgp/wire/attributes/index';
import { isUnknownAttr, type MpReachAttr, type PathAttribute } from '../bgp/wire/attributes/index';
import { emptyNlri, nlriKind } from '../bgp/wire/attributes/mp-nlri';
import type { UpdateCtx } from '../bgp/wire/attributes/attribute';
import { AttrFlag, AttrType } from '../bgp/wire/iana';
import { ipLength, ipv4ToString, ipv6ToString, writeIp, type Ip } from '../util/ip';
import { Reader } from '../util/reader';

/*
 * The BGP Attributes field of a TABLE_DUMP_V2 RIB entry (RFC 6396 §4.3.4):
 * path attributes as in an UPDATE, with two differences.
 *
 *  - AS_PATH (and AGGREGATOR) are always in the 4-octet form: "All AS
 *    numbers in the AS_PATH attribute MUST be encoded as 4-byte AS numbers."
 *  - MP_REACH_NLRI is abbreviated, because the record already holds the
 *    AFI, SAFI and NLRI:
 *
 *      +---------------------------------------------------------+
 *      | Next Hop Address Length (1 octet)                       |
 *      +---------------------------------------------------------+
 *      | Next Hop Address (variable)                             |
 *      +---------------------------------------------------------+
 *
 * Some writers put the whole RFC 4760 attribute there anyway; a value whose
 * first octet is not its length minus one is read in that form (as bgpdump
 * does) and its NLRI dropped. Either way the decoded attribute is a plain
 * MpReachAttr of the record's family with an empty NLRI list, so the
 * attribute list looks like an UPDATE's.
 *
 * Each other attribute is decoded by the UPDATE codecs; one that they
 * reject (malformed, or AS4_PATH, which they discard between 4-octet
 * speakers) is kept as raw octets and the reason added to `faults`: a dump
 * reader loses nothing. Only a broken attribute header or length is a
 * DecodeError, since the rest of the field cannot be located after it.
 */

/** What decoding a RIB entry's attributes needs: the family of the record. */
export interface RibAttrCtx {
  afi: number;
  safi: number;
}

const WIRE_CTX: UpdateCtx = { fourOctetAs: true, extendedMessage: true, addPathRx: new Set(), ibgp: true };

function nextHopLength(nh: Ip[] | Uint8Array): number {
  if (nh instanceof Uint8Array) return nh.length;
  let n = 0;
  for (const ip of nh) n += ipLength(ip);
  return n;
}

function isMpReach(a: PathAttribute): a is MpReachAttr {
  return !isUnknownAttr(a) && a.type === AttrType.MP_REACH_NLRI;
}

function abbreviatedLength(a: MpReachAttr): number {
  return 1 + nextHopLength(a.nextHop);
}

export function attributeLength(a: PathAttribute): number {
  if (isMpReach(a)) {
    const v = abbreviatedLength(a);
    return ((a.flags & AttrFlag.EXTENDED_LENGTH) !== 0 || v > 255 ? 4 : 3) + v;
  }
  return attrs.attributeLength(a, WIRE_CTX);
}

export function encodingLength(list: readonly PathAttribute[]): number {
  let n = 0;
  for (const a of list) n += attributeLength(a);
  return n;
}

/** Writes the attributes; MP_REACH_NLRI in the abbreviated form (its NLRI list is not written). */
export function encode(list: readonly PathAttribute[], buf: Uint8Array, off: number): number {
  for (const a of list) {
    if (!isMpReach(a)) {
      off = attrs.encodeAttribute(a, buf, off, WIRE_CTX);
      continue;
    }
    const nhLen = nextHopLength(a.nextHop);
    if (nhLen > 255) throw new RangeError(`next hop of ${nhLen} octets does not fit`);
    const v = 1 + nhLen;
    const ext = (a.flags & AttrFlag.EXTENDED_LENGTH) !== 0;
    buf[off++] = a.flags;
    buf[off++] = AttrType.MP_REACH_NLRI;
    if (ext) buf[off++] = v >>> 8;
    buf[off++] = v & 0xff;
    buf[off++] = nhLen;
    if (a.nextHop instanceof Uint8Array) {
      buf.set(a.nextHop, off);
      off += nhLen;
    } else {
      for (const ip of a.nextHop) off = writeIp(buf, off, ip);
    }
  }
  return off;
}

export interface RibAttrResult {
  attributes: PathAttribute[];
  /** Why attributes were kept raw; empty when all decoded. */
  faults: string[];
}

function raw(buf: Uint8Array, type: number, flags: number, from: number, to: number): PathAttribute {
  return { type, flags, raw: buf.slice(from, to) };
}

function decodeNextHop(b: Uint8Array, off: number, len: number, ctx: RibAttrCtx): Ip[] | Uint8Array | null {
  if (nlriKind(ctx.afi, ctx.safi) === 'raw') return b.slice(off, off + len);
  if (len === 4) return [ipv4ToString(b, off)];
  if (len === 16) return [ipv6ToString(b, off)];
  if (len === 32) return [ipv6ToString(b, off), ipv6ToString(b, off + 16)];
  return null;
}

/** Decodes the attribute field that fills `r`. Throws DecodeError only when an attribute header or length is broken. */
export function decode(r: Reader, ctx: RibAttrCtx): RibAttrResult {
  const attributes: PathAttribute[] = [];
  const faults: string[] = [];
  const b = r.buf;
  while (!r.atEnd) {
    const start = r.pos;
    const flags = r.u8('attribute flags');
    const type = r.u8('attribute type');
    const len = flags & AttrFlag.EXTENDED_LENGTH ? r.u16('attribute length') : r.u8('attribute length');
    const vStart = r.pos;
    r.skip(len, `${attrs.attrName(type)} value`);
    const end = r.pos;
    if (type === AttrType.MP_REACH_NLRI) {
      if (len >= 1 && b[vStart] === len - 1) {
        const nextHop = decodeNextHop(b, vStart + 1, len - 1, ctx);
        if (nextHop === null) {
          faults.push(`MP_REACH_NLRI: next hop of ${len - 1} octets is not an address`);
          attributes.push(raw(b, type, flags, vStart, end));
        } else {
          attributes.push({ type: AttrType.MP_REACH_NLRI, flags, afi: ctx.afi, safi: ctx.safi, nextHop, reserved: 0, nlri: emptyNlri(ctx.afi, ctx.safi) });
        }
        continue;
      }
    }
    const one = attrs.decode(new Reader(b, start, end), WIRE_CTX);
    if (one.faults.length > 0 || one.attributes.length !== 1) {
      faults.push(one.faults.map((f) => f.reason).join('; ') || `${attrs.attrName(type)} could not be decoded`);
      attributes.push(raw(b, type, flags, vStart, end));
      continue;
    }
    const a = one.attributes[0]!;
    // A full RFC 4760 MP_REACH_NLRI: the record holds the NLRI, keep only the next hop.
    attributes.push(isMpReach(a) ? { ...a, nlri: emptyNlri(a.afi, a.safi) } : a);
  }
  return { attributes, faults };
}
