import { DecodeError } from '../util/errors';
import { put16, put32, put8 } from '../util/bytes';
import type { Reader } from '../util/reader';
import { type ChecksumMode, internetChecksum, onesSum } from './checksum';

export const Icmpv4Type = {
  ECHO_REPLY: 0,
  DEST_UNREACHABLE: 3,
  ECHO_REQUEST: 8,
  TIME_EXCEEDED: 11,
} as const;

/** RFC 792 Echo / Echo Reply. */
export interface Icmpv4Echo {
  kind: 'echo';
  type: 0 | 8;
  code: number;
  id: number;
  seq: number;
  data: Uint8Array;
  checksum?: number;
  checksumValid?: boolean;
}

/** Any other message: the 4 octets after the checksum as `rest`, then the body. */
export interface Icmpv4Raw {
  kind: 'raw';
  type: number;
  code: number;
  rest: number;
  data: Uint8Array;
  checksum?: number;
  checksumValid?: boolean;
}

export type Icmpv4Message = Icmpv4Echo | Icmpv4Raw;

export interface Icmpv4Ctx {
  checksum?: ChecksumMode;
}

/*
 * RFC 792 (echo shown; other types carry 4 type-specific octets in its place):
 * |     Type      |     Code      |          Checksum             |
 * |           Identifier          |        Sequence Number        |
 * |     Data ...
 * The checksum covers the whole ICMP message, with no pseudo-header.
 */

export function encodingLength(m: Icmpv4Message): number {
  return 8 + m.data.length;
}

function check(v: number, max: number, name: string): void {
  if (!(Number.isInteger(v) && v >= 0 && v <= max)) throw new RangeError(`ICMP ${name} out of range: ${v}`);
}

export function encode(m: Icmpv4Message, buf: Uint8Array, offset: number, ctx?: Icmpv4Ctx): number {
  check(m.type, 255, 'type');
  check(m.code, 255, 'code');
  let o = put8(buf, offset, m.type);
  o = put8(buf, o, m.code);
  const csumAt = o;
  o = put16(buf, o, 0);
  if (m.kind === 'echo') {
    if (m.type !== Icmpv4Type.ECHO_REPLY && m.type !== Icmpv4Type.ECHO_REQUEST) throw new RangeError(`ICMP echo with type ${m.type}`);
    check(m.id, 0xffff, 'identifier');
    check(m.seq, 0xffff, 'sequence number');
    o = put16(buf, o, m.id);
    o = put16(buf, o, m.seq);
  } else {
    check(m.rest, 0xffffffff, 'rest of header');
    o = put32(buf, o, m.rest);
  }
  buf.set(m.data, o);
  o += m.data.length;
  if (ctx?.checksum === 'keep' && m.checksum !== undefined) {
    check(m.checksum, 0xffff, 'checksum');
    put16(buf, csumAt, m.checksum);
  } else {
    put16(buf, csumAt, internetChecksum(buf, offset, o - offset));
  }
  return o;
}

/** The message runs to the end of the reader (the IP payload). */
export function decode(r: Reader): Icmpv4Message {
  const start = r.pos;
  if (r.remaining < 8) throw new DecodeError(`ICMP message too short: ${r.remaining} octet(s)`, start);
  const type = r.u8();
  const code = r.u8();
  const checksum = r.u16();
  const checksumValid = onesSum(r.buf, start, r.end - start) === 0xffff;
  if (type === Icmpv4Type.ECHO_REPLY || type === Icmpv4Type.ECHO_REQUEST) {
    const id = r.u16();
    const seq = r.u16();
    return { kind: 'echo', type, code, id, seq, data: r.rest(), checksum, checksumValid };
  }
  const rest = r.u32();
  return { kind: 'raw', type, code, rest, data: r.rest(), checksum, checksumValid };
}

export function echoRequest(id: number, seq: number, data: Uint8Array): Icmpv4Echo {
  return { kind: 'echo', type: Icmpv4Type.ECHO_REQUEST, code: 0, id, seq, data };
}

export function echoReply(request: Pick<Icmpv4Echo, 'id' | 'seq' | 'data'>): Icmpv4Echo {
  return { kind: 'echo', type: Icmpv4Type.ECHO_REPLY, code: 0, id: request.id, seq: request.seq, data: request.data.slice() };
}
