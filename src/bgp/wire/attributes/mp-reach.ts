import { DecodeError } from '../../../util/errors';
import { ipLength, ipv4ToString, ipv6ToString, writeIp, type Ip } from '../../../util/ip';
import type { Reader } from '../../../util/reader';
import { afiSafiKey, type BgpCtx } from '../context';
import { Afi, AttrType } from '../iana';
import { checkUint, MalformedMpAttribute } from './attribute';
import * as mpNlri from './mp-nlri';

/*
 * MP_REACH_NLRI (type 14, optional non-transitive; RFC 4760 §3):
 *
 *   +---------------------------------------------------------+
 *   | Address Family Identifier (2 octets)                    |
 *   +---------------------------------------------------------+
 *   | Subsequent Address Family Identifier (1 octet)          |
 *   +---------------------------------------------------------+
 *   | Length of Next Hop Network Address (1 octet)            |
 *   +---------------------------------------------------------+
 *   | Network Address of Next Hop (variable)                  |
 *   +---------------------------------------------------------+
 *   | Reserved (1 octet)                                      |
 *   +---------------------------------------------------------+
 *   | Network Layer Reachability Information (variable)       |
 *   +---------------------------------------------------------+
 *
 * Next hop lengths accepted per family: EVPN 4, 16 or 32 (an IPv4 or IPv6
 * VTEP address; RFC 7432 §7); IPv4 unicast 4, or 16/32 with the extended
 * next hop capability (RFC 8950 §3); IPv6 unicast 16, or 32 with the
 * link-local address second (RFC 2545 §3). Any other length is malformed and,
 * because the NLRI cannot then be located reliably, RFC 7606 §7.11 requires
 * AFI/SAFI disable or session reset. So does an NLRI syntax error that
 * loses an NLRI boundary (§5.3, §3 j), and a length below 5 (§5.3). A
 * malformed EVPN route with an intact boundary is WithdrawableMpAttribute
 * instead: treat-as-withdraw (§2, §5.4; see mp-nlri.ts).
 *
 * The Reserved octet "MUST be set to 0, and SHOULD be ignored upon receipt";
 * it is kept so that a captured UPDATE re-encodes byte for byte.
 */

export interface MpReachAttr {
  type: AttrType.MP_REACH_NLRI;
  flags: number;
  afi: number;
  safi: number;
  /**
   * For the families this codec knows: the next hop address, or for 32
   * octets the global then the link-local IPv6 address. For other families the
   * raw Network Address of Next Hop field.
   */
  nextHop: Ip[] | Uint8Array;
  reserved: number;
  nlri: mpNlri.MpNlri;
}

function allowedNextHopLengths(afi: number, kind: mpNlri.MpNlriKind): readonly number[] {
  if (kind === 'raw') return [];
  if (kind === 'prefix' && afi === Afi.IPV6) return [16, 32];
  return [4, 16, 32];
}

function nextHopLength(nh: Ip[] | Uint8Array): number {
  if (nh instanceof Uint8Array) return nh.length;
  let n = 0;
  for (const ip of nh) n += ipLength(ip);
  return n;
}

export function encodingLength(a: MpReachAttr, ctx: BgpCtx): number {
  const addPath = ctx.addPathRx.has(afiSafiKey(a.afi, a.safi));
  return 5 + nextHopLength(a.nextHop) + mpNlri.encodingLength(a.nlri, a.afi, a.safi, addPath);
}

export function encode(a: MpReachAttr, buf: Uint8Array, off: number, ctx: BgpCtx): number {
  checkUint(a.afi, 0xffff, 'AFI');
  checkUint(a.safi, 0xff, 'SAFI');
  checkUint(a.reserved, 0xff, 'MP_REACH_NLRI reserved octet');
  const kind = mpNlri.nlriKind(a.afi, a.safi);
  const nhLen = nextHopLength(a.nextHop);
  if (kind === 'raw' ? !(a.nextHop instanceof Uint8Array) : a.nextHop instanceof Uint8Array) {
    throw new RangeError(`AFI/SAFI ${a.afi}/${a.safi}: next hop must be ${kind === 'raw' ? 'raw octets' : 'addresses'}`);
  }
  if (kind !== 'raw' && !allowedNextHopLengths(a.afi, kind).includes(nhLen)) {
    throw new RangeError(`AFI/SAFI ${a.afi}/${a.safi}: next hop of ${nhLen} octets is not allowed`);
  }
  if (nhLen > 255) throw new RangeError(`next hop of ${nhLen} octets does not fit`);
  buf[off++] = a.afi >>> 8;
  buf[off++] = a.afi & 0xff;
  buf[off++] = a.safi;
  buf[off++] = nhLen;
  if (a.nextHop instanceof Uint8Array) {
    buf.set(a.nextHop, off);
    off += a.nextHop.length;
  } else {
    for (const ip of a.nextHop) off = writeIp(buf, off, ip);
  }
  buf[off++] = a.reserved;
  const addPath = ctx.addPathRx.has(afiSafiKey(a.afi, a.safi));
  return mpNlri.encode(a.nlri, buf, off, a.afi, a.safi, addPath);
}

function decodeNextHop(b: Uint8Array): Ip[] {
  if (b.length === 4) return [ipv4ToString(b, 0)];
  if (b.length === 16) return [ipv6ToString(b, 0)];
  return [ipv6ToString(b, 0), ipv6ToString(b, 16)];
}

export function decode(r: Reader, flags: number, ctx: BgpCtx): MpReachAttr {
  const start = r.pos;
  const len = r.remaining;
  if (len < 5) {
    const afi = len >= 2 ? (r.buf[start]! << 8) | r.buf[start + 1]! : undefined;
    const safi = len >= 3 ? r.buf[start + 2] : undefined;
    throw new MalformedMpAttribute(`MP_REACH_NLRI length ${len} is below 5`, afi, safi, start);
  }
  const afi = r.u16();
  const safi = r.u8();
  const nhLen = r.u8();
  if (nhLen + 1 > r.remaining) {
    throw new MalformedMpAttribute(`MP_REACH_NLRI next hop length ${nhLen} overruns the attribute`, afi, safi, start + 3);
  }
  const kind = mpNlri.nlriKind(afi, safi);
  let nextHop: Ip[] | Uint8Array;
  if (kind === 'raw') {
    nextHop = r.bytes(nhLen);
  } else {
    if (!allowedNextHopLengths(afi, kind).includes(nhLen)) {
      throw new MalformedMpAttribute(`MP_REACH_NLRI ${afi}/${safi}: next hop length ${nhLen} is inconsistent`, afi, safi, start + 3);
    }
    nextHop = decodeNextHop(r.view(nhLen));
  }
  const reserved = r.u8();
  const addPath = ctx.addPathRx.has(afiSafiKey(afi, safi));
  try {
    const nlri = mpNlri.decode(r, afi, safi, addPath);
    return { type: AttrType.MP_REACH_NLRI, flags, afi, safi, nextHop, reserved, nlri };
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    const message = `MP_REACH_NLRI ${afi}/${safi} NLRI: ${e.message}`;
    if (e instanceof mpNlri.WithdrawableNlri) {
      const kept: MpReachAttr | null = mpNlri.isEmptyNlri(e.nlri)
        ? null
        : { type: AttrType.MP_REACH_NLRI, flags, afi, safi, nextHop, reserved, nlri: e.nlri };
      throw new mpNlri.WithdrawableMpAttribute(message, afi, safi, e.offset, kept);
    }
    throw new MalformedMpAttribute(message, afi, safi, e.offset);
  }
}
