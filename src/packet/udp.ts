import { DecodeError } from '../util/errors';
import { type Ip, ipBytes } from '../util/ip';
import { put16 } from '../util/bytes';
import type { Reader } from '../util/reader';
import { type ChecksumMode, internetChecksum, onesSum, pseudoSum } from './checksum';
import { IpProto } from './ipv4';

export const UDP_HEADER_LENGTH = 8;

export interface UdpDatagram {
  srcPort: number;
  dstPort: number;
  payload: Uint8Array;
  /** As found on decode; written only with checksum mode 'keep'. */
  checksum?: number;
  /** Decode only, and only when the pseudo-header addresses were given. */
  checksumValid?: boolean;
}

/**
 * The addresses of the enclosing IP header, for the pseudo-header. `checksum`
 * 'zero' sends no checksum: always allowed over IPv4 (RFC 768), over IPv6 only
 * for tunnel protocols under RFC 6935/6936 (Linux `udp6zerocsumtx`).
 */
export interface UdpCtx {
  src: Ip;
  dst: Ip;
  checksum?: ChecksumMode | 'zero';
}

/*
 * RFC 768:
 * |          Source Port          |       Destination Port        |
 * |            Length             |           Checksum            |
 * |                          data octets ...
 */

export function encodingLength(u: UdpDatagram): number {
  return UDP_HEADER_LENGTH + u.payload.length;
}

function checkPort(p: number, name: string): void {
  if (!(Number.isInteger(p) && p >= 0 && p <= 0xffff)) throw new RangeError(`UDP ${name} out of range: ${p}`);
}

/** Without a ctx the checksum can not be computed and is written as zero (valid over IPv4 only). */
export function encode(u: UdpDatagram, buf: Uint8Array, offset: number, ctx?: UdpCtx): number {
  checkPort(u.srcPort, 'source port');
  checkPort(u.dstPort, 'destination port');
  const len = UDP_HEADER_LENGTH + u.payload.length;
  if (len > 0xffff) throw new RangeError(`UDP datagram too long: ${len}`);
  let o = put16(buf, offset, u.srcPort);
  o = put16(buf, o, u.dstPort);
  o = put16(buf, o, len);
  const csumAt = o;
  o = put16(buf, o, 0);
  buf.set(u.payload, o);
  o += u.payload.length;
  const mode = ctx?.checksum ?? 'compute';
  if (mode === 'keep' && u.checksum !== undefined) {
    checkPort(u.checksum, 'checksum');
    put16(buf, csumAt, u.checksum);
  } else if (ctx && mode !== 'zero') {
    let c = internetChecksum(buf, offset, len, pseudoSum(ipBytes(ctx.src), ipBytes(ctx.dst), IpProto.UDP, len));
    // RFC 768: a computed zero is sent as all ones, since zero means "no checksum".
    if (c === 0) c = 0xffff;
    put16(buf, csumAt, c);
  }
  return o;
}

/**
 * Decodes Length octets (≥ 8); octets after them stay in the reader. With
 * ctx the checksum is verified: zero is valid over IPv4 (none sent) and not
 * over IPv6 (RFC 8200 §8.1; RFC 6936 tunnels may accept it per port).
 */
export function decode(r: Reader, ctx?: Pick<UdpCtx, 'src' | 'dst'>): UdpDatagram {
  const start = r.pos;
  const srcPort = r.u16('UDP source port');
  const dstPort = r.u16('UDP destination port');
  const len = r.u16('UDP length');
  const checksum = r.u16('UDP checksum');
  if (len < UDP_HEADER_LENGTH) throw new DecodeError(`UDP: length ${len} < 8`, start + 4);
  const payload = r.bytes(len - UDP_HEADER_LENGTH, 'UDP payload');
  const u: UdpDatagram = { srcPort, dstPort, payload, checksum };
  if (ctx) {
    const src = ipBytes(ctx.src);
    const dst = ipBytes(ctx.dst);
    if (checksum === 0) u.checksumValid = src.length === 4;
    else u.checksumValid = onesSum(r.buf, start, len, pseudoSum(src, dst, IpProto.UDP, len)) === 0xffff;
  }
  return u;
}
