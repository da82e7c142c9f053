import { DecodeError } from '../util/errors';
import { type Ip, ipv6ToString, writeIpv6 } from '../util/ip';
import { put16, put32, put8 } from '../util/bytes';
import type { Reader } from '../util/reader';

export const IPV6_HEADER_LENGTH = 40;

export interface Ipv6Packet {
  trafficClass: number;
  /** 20 bits. */
  flowLabel: number;
  /** Protocol of the payload (extension headers are left in the payload). */
  nextHeader: number;
  hopLimit: number;
  src: Ip;
  dst: Ip;
  payload: Uint8Array;
}

/*
 * RFC 8200 §3:
 * |Version| Traffic Class |           Flow Label                  |
 * |         Payload Length        |  Next Header  |   Hop Limit   |
 * |                    Source Address (128 bits)                  |
 * |                 Destination Address (128 bits)                |
 */

export function encodingLength(p: Ipv6Packet): number {
  return IPV6_HEADER_LENGTH + p.payload.length;
}

function checkField(v: number, max: number, name: string): void {
  if (!(Number.isInteger(v) && v >= 0 && v <= max)) throw new RangeError(`IPv6 ${name} out of range: ${v}`);
}

export function encode(p: Ipv6Packet, buf: Uint8Array, offset: number): number {
  checkField(p.trafficClass, 255, 'traffic class');
  checkField(p.flowLabel, 0xfffff, 'flow label');
  checkField(p.nextHeader, 255, 'next header');
  checkField(p.hopLimit, 255, 'hop limit');
  // Jumbograms (RFC 2675) would need a Hop-by-Hop option; not produced here.
  checkField(p.payload.length, 0xffff, 'payload length');
  let o = put32(buf, offset, ((0x60 | (p.trafficClass >>> 4)) << 24) + ((p.trafficClass & 0xf) << 20) + p.flowLabel);
  o = put16(buf, o, p.payload.length);
  o = put8(buf, o, p.nextHeader);
  o = put8(buf, o, p.hopLimit);
  o = writeIpv6(buf, o, p.src);
  o = writeIpv6(buf, o, p.dst);
  buf.set(p.payload, o);
  return o + p.payload.length;
}

/**
 * Decodes the fixed header and Payload Length octets; trailing octets
 * (padding) stay in the reader. Jumbograms (RFC 2675, Payload Length 0 with a
 * Jumbo Payload option) can not occur on Ethernet and decode as empty.
 */
export function decode(r: Reader): Ipv6Packet {
  const start = r.pos;
  const w = r.u32('IPv6 version/class/flow');
  if (w >>> 28 !== 6) throw new DecodeError(`IPv6: version ${w >>> 28}`, start);
  const plen = r.u16('IPv6 payload length');
  const nextHeader = r.u8('IPv6 next header');
  const hopLimit = r.u8('IPv6 hop limit');
  const addrs = r.view(32, 'IPv6 addresses');
  if (plen > r.remaining) {
    throw new DecodeError(`IPv6: payload length ${plen} exceeds the ${r.remaining} octet(s) captured`, start + 4);
  }
  return {
    trafficClass: (w >>> 20) & 0xff,
    flowLabel: w & 0xfffff,
    nextHeader,
    hopLimit,
    src: ipv6ToString(addrs, 0),
    dst: ipv6ToString(addrs, 16),
    payload: r.bytes(plen, 'IPv6 payload'),
  };
}
