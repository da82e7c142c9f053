import { DecodeError } from '../util/errors';
import { type Ip, ipBytes } from '../util/ip';
import { put16, put32, put8 } from '../util/bytes';
import { Reader } from '../util/reader';
import { type ChecksumMode, internetChecksum, onesSum, pseudoSum } from './checksum';
import { IpProto } from './ipv4';

export const TCP_MIN_HEADER = 20;

/** Control bits (RFC 9293 §3.1; NS/AE of RFC 3540/AccECN is bit 8). */
export const TcpFlag = {
  FIN: 0x01,
  SYN: 0x02,
  RST: 0x04,
  PSH: 0x08,
  ACK: 0x10,
  URG: 0x20,
  ECE: 0x40,
  CWR: 0x80,
  AE: 0x100,
} as const;

export interface TcpSegment {
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  /** Nine control bits, see TcpFlag. */
  flags: number;
  /** The three reserved bits (must be zero); kept so odd segments re-encode unchanged. */
  reserved?: number;
  window: number;
  urgentPointer: number;
  /** Raw options including padding, a multiple of 4 octets, at most 40. */
  options: Uint8Array;
  payload: Uint8Array;
  /** As found on decode; written only with checksum mode 'keep'. */
  checksum?: number;
  /** Decode only, and only when the pseudo-header addresses were given. */
  checksumValid?: boolean;
}

export interface TcpCtx {
  src: Ip;
  dst: Ip;
  checksum?: ChecksumMode;
}

/*
 * RFC 9293 §3.1:
 * |          Source Port          |       Destination Port        |
 * |                        Sequence Number                        |
 * |                    Acknowledgment Number                      |
 * |  DOff | Rsrv|A|C|E|U|A|P|R|S|F|             Window            |
 * |           Checksum            |         Urgent Pointer        |
 * |                  Options (DOff > 5) ...       |    data ...
 */

export function encodingLength(s: TcpSegment): number {
  return TCP_MIN_HEADER + s.options.length + s.payload.length;
}

function check(v: number, max: number, name: string): void {
  if (!(Number.isInteger(v) && v >= 0 && v <= max)) throw new RangeError(`TCP ${name} out of range: ${v}`);
}

/** Without a ctx the checksum field is left zero (no pseudo-header to compute it from). */
export function encode(s: TcpSegment, buf: Uint8Array, offset: number, ctx?: TcpCtx): number {
  check(s.srcPort, 0xffff, 'source port');
  check(s.dstPort, 0xffff, 'destination port');
  check(s.seq, 0xffffffff, 'sequence number');
  check(s.ack, 0xffffffff, 'acknowledgment number');
  check(s.flags, 0x1ff, 'flags');
  check(s.reserved ?? 0, 7, 'reserved bits');
  check(s.window, 0xffff, 'window');
  check(s.urgentPointer, 0xffff, 'urgent pointer');
  const hlen = TCP_MIN_HEADER + s.options.length;
  if (s.options.length % 4 !== 0 || hlen > 60) throw new RangeError(`TCP options length ${s.options.length}`);
  let o = put16(buf, offset, s.srcPort);
  o = put16(buf, o, s.dstPort);
  o = put32(buf, o, s.seq);
  o = put32(buf, o, s.ack);
  o = put16(buf, o, ((hlen >>> 2) << 12) | ((s.reserved ?? 0) << 9) | s.flags);
  o = put16(buf, o, s.window);
  const csumAt = o;
  o = put16(buf, o, 0);
  o = put16(buf, o, s.urgentPointer);
  buf.set(s.options, o);
  o += s.options.length;
  buf.set(s.payload, o);
  o += s.payload.length;
  if (ctx?.checksum === 'keep' && s.checksum !== undefined) {
    check(s.checksum, 0xffff, 'checksum');
    put16(buf, csumAt, s.checksum);
  } else if (ctx) {
    const len = o - offset;
    put16(buf, csumAt, internetChecksum(buf, offset, len, pseudoSum(ipBytes(ctx.src), ipBytes(ctx.dst), IpProto.TCP, len)));
  }
  return o;
}

/** A TCP segment has no length field: it runs to the end of the reader (the IP payload). */
export function decode(r: Reader, ctx?: Pick<TcpCtx, 'src' | 'dst'>): TcpSegment {
  const start = r.pos;
  const srcPort = r.u16('TCP source port');
  const dstPort = r.u16('TCP destination port');
  const seq = r.u32('TCP sequence number');
  const ack = r.u32('TCP acknowledgment number');
  const offFlags = r.u16('TCP data offset/flags');
  const window = r.u16('TCP window');
  const checksum = r.u16('TCP checksum');
  const urgentPointer = r.u16('TCP urgent pointer');
  const hlen = (offFlags >>> 12) * 4;
  if (hlen < TCP_MIN_HEADER) throw new DecodeError(`TCP: data offset ${hlen / 4} < 5`, start + 12);
  const options = r.bytes(hlen - TCP_MIN_HEADER, 'TCP options');
  const payload = r.rest();
  const s: TcpSegment = {
    srcPort,
    dstPort,
    seq,
    ack,
    flags: offFlags & 0x1ff,
    window,
    urgentPointer,
    options,
    payload,
    checksum,
  };
  const reserved = (offFlags >>> 9) & 7;
  if (reserved) s.reserved = reserved;
  if (ctx) {
    const len = r.pos - start;
    s.checksumValid = onesSum(r.buf, start, len, pseudoSum(ipBytes(ctx.src), ipBytes(ctx.dst), IpProto.TCP, len)) === 0xffff;
  }
  return s;
}

/** One option: `data` excludes kind and length octets. EOL/NOP have no length octet. */
export interface TcpOption {
  kind: number;
  data: Uint8Array;
}

export const TcpOptionKind = { EOL: 0, NOP: 1, MSS: 2, WSCALE: 3, SACK_PERMITTED: 4, SACK: 5, TIMESTAMP: 8 } as const;

/**
 * Splits the raw options (RFC 9293 §3.2). NOPs are skipped, parsing stops at
 * End of Option List; a length below 2 or past the end is a DecodeError.
 */
export function parseTcpOptions(options: Uint8Array): TcpOption[] {
  const r = new Reader(options);
  const out: TcpOption[] = [];
  while (!r.atEnd) {
    const at = r.pos;
    const kind = r.u8('TCP option kind');
    if (kind === TcpOptionKind.EOL) break;
    if (kind === TcpOptionKind.NOP) continue;
    const len = r.u8('TCP option length');
    if (len < 2) throw new DecodeError(`TCP option ${kind}: length ${len} < 2`, at + 1);
    out.push({ kind, data: r.bytes(len - 2, `TCP option ${kind}`) });
  }
  return out;
}

/** Encodes options in order and pads with EOL to a multiple of 4 octets. */
export function buildTcpOptions(opts: TcpOption[]): Uint8Array {
  let n = 0;
  for (const o of opts) n += o.kind === TcpOptionKind.NOP || o.kind === TcpOptionKind.EOL ? 1 : 2 + o.data.length;
  const out = new Uint8Array((n + 3) & ~3);
  if (out.length > 40) throw new RangeError(`TCP options too long: ${n}`);
  let p = 0;
  for (const o of opts) {
    if (o.kind === TcpOptionKind.NOP || o.kind === TcpOptionKind.EOL) {
      p = put8(out, p, o.kind);
      continue;
    }
    p = put8(out, p, o.kind);
    p = put8(out, p, 2 + o.data.length);
    out.set(o.data, p);
    p += o.data.length;
  }
  return out;
}
