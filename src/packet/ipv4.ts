import { DecodeError } from '../util/errors';
import { type Ip, ipv4ToString, writeIpv4 } from '../util/ip';
import { put16, put8 } from '../util/bytes';
import type { Reader } from '../util/reader';
import { type ChecksumMode, internetChecksum, onesSum } from './checksum';

/** IP protocol numbers used here (IANA "Assigned Internet Protocol Numbers"). */
export const IpProto = {
  HOPOPT: 0,
  ICMP: 1,
  TCP: 6,
  UDP: 17,
  IPV6_ROUTE: 43,
  IPV6_FRAG: 44,
  ICMPV6: 58,
  IPV6_NONXT: 59,
  IPV6_OPTS: 60,
} as const;

export const IPV4_MIN_HEADER = 20;

export interface Ipv4Packet {
  /** DS field (RFC 2474) upper six bits. */
  dscp: number;
  /** RFC 3168 ECN, lower two bits of the former TOS octet. */
  ecn: number;
  id: number;
  /** The reserved flag bit (RFC 791: must be zero); kept so odd packets re-encode unchanged. */
  reservedFlag?: boolean;
  dontFragment: boolean;
  moreFragments: boolean;
  /** In units of 8 octets, as on the wire. */
  fragmentOffset: number;
  ttl: number;
  protocol: number;
  src: Ip;
  dst: Ip;
  /** Raw options, a multiple of 4 octets (pad with End of Option List). */
  options: Uint8Array;
  payload: Uint8Array;
  /** Header checksum as found on decode; written only with checksum mode 'keep'. */
  checksum?: number;
  /** Decode only: whether the header checksum verified. */
  checksumValid?: boolean;
}

export interface Ipv4Ctx {
  checksum?: ChecksumMode;
}

/*
 * RFC 791 §3.1:
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * |Version|  IHL  |    DSCP   |ECN|          Total Length         |
 * |         Identification        |Flags|      Fragment Offset    |
 * |  Time to Live |    Protocol   |         Header Checksum       |
 * |                       Source Address                          |
 * |                    Destination Address                        |
 * |                    Options (IHL > 5)                          |
 */

export function encodingLength(p: Ipv4Packet): number {
  return IPV4_MIN_HEADER + p.options.length + p.payload.length;
}

function checkField(v: number, max: number, name: string): void {
  if (!(Number.isInteger(v) && v >= 0 && v <= max)) throw new RangeError(`IPv4 ${name} out of range: ${v}`);
}

export function encode(p: Ipv4Packet, buf: Uint8Array, offset: number, ctx?: Ipv4Ctx): number {
  const hlen = IPV4_MIN_HEADER + p.options.length;
  if (p.options.length % 4 !== 0 || hlen > 60) throw new RangeError(`IPv4 options length ${p.options.length}`);
  const total = hlen + p.payload.length;
  checkField(total, 0xffff, 'total length');
  checkField(p.dscp, 63, 'DSCP');
  checkField(p.ecn, 3, 'ECN');
  checkField(p.id, 0xffff, 'identification');
  checkField(p.fragmentOffset, 0x1fff, 'fragment offset');
  checkField(p.ttl, 255, 'TTL');
  checkField(p.protocol, 255, 'protocol');
  let o = put8(buf, offset, 0x40 | (hlen >>> 2));
  o = put8(buf, o, (p.dscp << 2) | p.ecn);
  o = put16(buf, o, total);
  o = put16(buf, o, p.id);
  const flags = (p.reservedFlag ? 4 : 0) | (p.dontFragment ? 2 : 0) | (p.moreFragments ? 1 : 0);
  o = put16(buf, o, (flags << 13) | p.fragmentOffset);
  o = put8(buf, o, p.ttl);
  o = put8(buf, o, p.protocol);
  const csumAt = o;
  o = put16(buf, o, 0);
  o = writeIpv4(buf, o, p.src);
  o = writeIpv4(buf, o, p.dst);
  buf.set(p.options, o);
  o += p.options.length;
  if (ctx?.checksum === 'keep' && p.checksum !== undefined) {
    checkField(p.checksum, 0xffff, 'checksum');
    put16(buf, csumAt, p.checksum);
  } else {
    put16(buf, csumAt, internetChecksum(buf, offset, hlen));
  }
  buf.set(p.payload, o);
  return o + p.payload.length;
}

/**
 * Decodes one datagram of Total Length octets; anything after it in the
 * reader (Ethernet padding) is left unread.
 */
export function decode(r: Reader): Ipv4Packet {
  const start = r.pos;
  const vihl = r.u8('IPv4 version/IHL');
  if (vihl >>> 4 !== 4) throw new DecodeError(`IPv4: version ${vihl >>> 4}`, start);
  const hlen = (vihl & 0xf) * 4;
  if (hlen < IPV4_MIN_HEADER) throw new DecodeError(`IPv4: IHL ${hlen / 4} < 5`, start);
  const tos = r.u8('IPv4 DS field');
  const total = r.u16('IPv4 total length');
  if (total < hlen) throw new DecodeError(`IPv4: total length ${total} < header length ${hlen}`, start + 2);
  if (total > r.end - start) {
    throw new DecodeError(`IPv4: total length ${total} exceeds the ${r.end - start} octet(s) captured`, start + 2);
  }
  const id = r.u16('IPv4 identification');
  const ff = r.u16('IPv4 flags/fragment offset');
  const ttl = r.u8('IPv4 TTL');
  const protocol = r.u8('IPv4 protocol');
  const checksum = r.u16('IPv4 header checksum');
  const addrs = r.view(8, 'IPv4 addresses');
  const options = r.bytes(hlen - IPV4_MIN_HEADER, 'IPv4 options');
  const payload = r.bytes(total - hlen, 'IPv4 payload');
  const p: Ipv4Packet = {
    dscp: tos >>> 2,
    ecn: tos & 3,
    id,
    dontFragment: (ff & 0x4000) !== 0,
    moreFragments: (ff & 0x2000) !== 0,
    fragmentOffset: ff & 0x1fff,
    ttl,
    protocol,
    src: ipv4ToString(addrs, 0),
    dst: ipv4ToString(addrs, 4),
    options,
    payload,
    checksum,
    checksumValid: onesSum(r.buf, start, hlen) === 0xffff,
  };
  if (ff & 0x8000) p.reservedFlag = true;
  return p;
}

/** True for a fragment other than a whole datagram (MF set or a non-zero offset). */
export function isFragment(p: Ipv4Packet): boolean {
  return p.moreFragments || p.fragmentOffset !== 0;
}
