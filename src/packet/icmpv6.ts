import { DecodeError } from '../util/errors';
import { type Ip, ipBytes, ipv6ToString, writeIpv6 } from '../util/ip';
import { type Mac, macToString, writeMac } from '../util/mac';
import { put16, put32, put8 } from '../util/bytes';
import { Reader } from '../util/reader';
import { type ChecksumMode, internetChecksum, onesSum, pseudoSumV6 } from './checksum';
import { IpProto } from './ipv4';

export const Icmpv6Type = {
  ECHO_REQUEST: 128,
  ECHO_REPLY: 129,
  ROUTER_SOLICITATION: 133,
  ROUTER_ADVERTISEMENT: 134,
  NEIGHBOR_SOLICITATION: 135,
  NEIGHBOR_ADVERTISEMENT: 136,
} as const;

/** RFC 4861 §4.6 option types. */
export const NdOptionType = { SOURCE_LLA: 1, TARGET_LLA: 2, PREFIX_INFO: 3, REDIRECTED_HEADER: 4, MTU: 5 } as const;

/**
 * ND options. Source/Target Link-Layer Address with an Ethernet MAC (length 1,
 * RFC 4861 §4.6.1) decode to `sll`/`tll`; everything else stays raw, `data`
 * being the option after its type and length octets.
 */
export type NdOption = { kind: 'sll'; mac: Mac } | { kind: 'tll'; mac: Mac } | { kind: 'raw'; type: number; data: Uint8Array };

interface Checksummed {
  checksum?: number;
  /** Decode only, and only when the pseudo-header addresses were given. */
  checksumValid?: boolean;
}

/** RFC 4861 §4.3. */
export interface NeighborSolicitation extends Checksummed {
  kind: 'ns';
  code: number;
  /** The 32 reserved bits (sent as zero, ignored on receipt). */
  reserved: number;
  target: Ip;
  options: NdOption[];
}

/** RFC 4861 §4.4. */
export interface NeighborAdvertisement extends Checksummed {
  kind: 'na';
  code: number;
  router: boolean;
  solicited: boolean;
  override: boolean;
  /** The 29 reserved bits. */
  reserved: number;
  target: Ip;
  options: NdOption[];
}

/** RFC 4443 §4.1/4.2. */
export interface Icmpv6Echo extends Checksummed {
  kind: 'echo';
  type: 128 | 129;
  code: number;
  id: number;
  seq: number;
  data: Uint8Array;
}

/** Any other message: everything after the checksum in `body`. */
export interface Icmpv6Raw extends Checksummed {
  kind: 'raw';
  type: number;
  code: number;
  body: Uint8Array;
}

export type Icmpv6Message = NeighborSolicitation | NeighborAdvertisement | Icmpv6Echo | Icmpv6Raw;

/** IPv6 source and destination for the pseudo-header (RFC 4443 §2.3). */
export interface Icmpv6Ctx {
  src: Ip;
  dst: Ip;
  checksum?: ChecksumMode;
}

/*
 * RFC 4443 §2.1 / RFC 4861 §4.3–4.4:
 * |     Type      |     Code      |          Checksum             |
 * NS: |                           Reserved                            |
 * NA: |R|S|O|                     Reserved                            |
 *     |                  Target Address (128 bits)                    |
 *     |   Options ...   each: | Type | Length (×8 octets) | value ... |
 */

function optionLength(o: NdOption): number {
  if (o.kind === 'raw') return 2 + o.data.length;
  return 8;
}

function optionsLength(opts: NdOption[]): number {
  let n = 0;
  for (const o of opts) n += optionLength(o);
  return n;
}

export function encodingLength(m: Icmpv6Message): number {
  switch (m.kind) {
    case 'ns':
    case 'na':
      return 24 + optionsLength(m.options);
    case 'echo':
      return 8 + m.data.length;
    case 'raw':
      return 4 + m.body.length;
  }
}

function check(v: number, max: number, name: string): void {
  if (!(Number.isInteger(v) && v >= 0 && v <= max)) throw new RangeError(`ICMPv6 ${name} out of range: ${v}`);
}

function encodeOptions(opts: NdOption[], buf: Uint8Array, offset: number): number {
  let o = offset;
  for (const opt of opts) {
    if (opt.kind === 'raw') {
      const len = 2 + opt.data.length;
      if (len % 8 !== 0 || len > 255 * 8) throw new RangeError(`ND option ${opt.type}: length ${len} is not a multiple of 8`);
      check(opt.type, 255, 'ND option type');
      o = put8(buf, o, opt.type);
      o = put8(buf, o, len / 8);
      buf.set(opt.data, o);
      o += opt.data.length;
    } else {
      o = put8(buf, o, opt.kind === 'sll' ? NdOptionType.SOURCE_LLA : NdOptionType.TARGET_LLA);
      o = put8(buf, o, 1);
      o = writeMac(buf, o, opt.mac);
    }
  }
  return o;
}

/** The checksum needs the IPv6 addresses: without ctx the field is left zero. */
export function encode(m: Icmpv6Message, buf: Uint8Array, offset: number, ctx?: Icmpv6Ctx): number {
  const type =
    m.kind === 'ns' ? Icmpv6Type.NEIGHBOR_SOLICITATION : m.kind === 'na' ? Icmpv6Type.NEIGHBOR_ADVERTISEMENT : m.type;
  check(type, 255, 'type');
  check(m.code, 255, 'code');
  let o = put8(buf, offset, type);
  o = put8(buf, o, m.code);
  const csumAt = o;
  o = put16(buf, o, 0);
  switch (m.kind) {
    case 'ns':
      check(m.reserved, 0xffffffff, 'reserved');
      o = put32(buf, o, m.reserved);
      o = writeIpv6(buf, o, m.target);
      o = encodeOptions(m.options, buf, o);
      break;
    case 'na':
      check(m.reserved, 0x1fffffff, 'reserved');
      o = put32(buf, o, ((m.router ? 4 : 0) | (m.solicited ? 2 : 0) | (m.override ? 1 : 0)) * 0x20000000 + m.reserved);
      o = writeIpv6(buf, o, m.target);
      o = encodeOptions(m.options, buf, o);
      break;
    case 'echo':
      if (m.type !== Icmpv6Type.ECHO_REQUEST && m.type !== Icmpv6Type.ECHO_REPLY) throw new RangeError(`ICMPv6 echo with type ${m.type}`);
      check(m.id, 0xffff, 'identifier');
      check(m.seq, 0xffff, 'sequence number');
      o = put16(buf, o, m.id);
      o = put16(buf, o, m.seq);
      buf.set(m.data, o);
      o += m.data.length;
      break;
    case 'raw':
      buf.set(m.body, o);
      o += m.body.length;
      break;
  }
  if (ctx?.checksum === 'keep' && m.checksum !== undefined) {
    check(m.checksum, 0xffff, 'checksum');
    put16(buf, csumAt, m.checksum);
  } else if (ctx) {
    const len = o - offset;
    put16(buf, csumAt, internetChecksum(buf, offset, len, pseudoSumV6(ipBytes(ctx.src), ipBytes(ctx.dst), IpProto.ICMPV6, len)));
  }
  return o;
}

/**
 * RFC 4861 §4.6: options until the end; a zero length is invalid (the packet
 * MUST be discarded), so it is a DecodeError.
 */
export function decodeNdOptions(r: Reader): NdOption[] {
  const out: NdOption[] = [];
  while (!r.atEnd) {
    const at = r.pos;
    const type = r.u8('ND option type');
    const len8 = r.u8('ND option length');
    if (len8 === 0) throw new DecodeError(`ND option ${type}: length 0`, at + 1);
    const v = r.view(len8 * 8 - 2, `ND option ${type}`);
    if ((type === NdOptionType.SOURCE_LLA || type === NdOptionType.TARGET_LLA) && len8 === 1) {
      out.push({ kind: type === NdOptionType.SOURCE_LLA ? 'sll' : 'tll', mac: macToString(v, 0) });
    } else {
      out.push({ kind: 'raw', type, data: v.slice() });
    }
  }
  return out;
}

/** The message runs to the end of the reader (the IPv6 payload, after any extension headers). */
export function decode(r: Reader, ctx?: Pick<Icmpv6Ctx, 'src' | 'dst'>): Icmpv6Message {
  const start = r.pos;
  const end = r.end;
  if (r.remaining < 4) throw new DecodeError(`ICMPv6 message too short: ${r.remaining} octet(s)`, start);
  const type = r.u8();
  const code = r.u8();
  const checksum = r.u16();
  let m: Icmpv6Message;
  if (type === Icmpv6Type.NEIGHBOR_SOLICITATION) {
    const reserved = r.u32('NS reserved');
    const t = r.view(16, 'NS target');
    m = { kind: 'ns', code, reserved, target: ipv6ToString(t, 0), options: decodeNdOptions(r), checksum };
  } else if (type === Icmpv6Type.NEIGHBOR_ADVERTISEMENT) {
    const w = r.u32('NA flags');
    const t = r.view(16, 'NA target');
    m = {
      kind: 'na',
      code,
      router: (w & 0x80000000) !== 0,
      solicited: (w & 0x40000000) !== 0,
      override: (w & 0x20000000) !== 0,
      reserved: w & 0x1fffffff,
      target: ipv6ToString(t, 0),
      options: decodeNdOptions(r),
      checksum,
    };
  } else if (type === Icmpv6Type.ECHO_REQUEST || type === Icmpv6Type.ECHO_REPLY) {
    const id = r.u16('echo identifier');
    const seq = r.u16('echo sequence number');
    m = { kind: 'echo', type, code, id, seq, data: r.rest(), checksum };
  } else {
    m = { kind: 'raw', type, code, body: r.rest(), checksum };
  }
  if (ctx) {
    const len = end - start;
    m.checksumValid = onesSum(r.buf, start, len, pseudoSumV6(ipBytes(ctx.src), ipBytes(ctx.dst), IpProto.ICMPV6, len)) === 0xffff;
  }
  return m;
}

/** A Neighbor Solicitation for `target`, carrying our MAC as Source Link-Layer Address (omit for DAD, RFC 4862 §5.4.2). */
export function neighborSolicitation(target: Ip, sourceMac?: Mac): NeighborSolicitation {
  return { kind: 'ns', code: 0, reserved: 0, target, options: sourceMac ? [{ kind: 'sll', mac: sourceMac }] : [] };
}

/** A Neighbor Advertisement for `target` with our MAC as Target Link-Layer Address. */
export function neighborAdvertisement(
  target: Ip,
  targetMac: Mac,
  flags: { router?: boolean; solicited?: boolean; override?: boolean } = {},
): NeighborAdvertisement {
  return {
    kind: 'na',
    code: 0,
    router: flags.router ?? false,
    solicited: flags.solicited ?? true,
    override: flags.override ?? true,
    reserved: 0,
    target,
    options: [{ kind: 'tll', mac: targetMac }],
  };
}

/**
 * RFC 4861 §2.3: the solicited-node multicast address ff02::1:ffXX:XXXX for
 * `ip` (the NS destination) and its MAC 33:33:ff:XX:XX:XX (RFC 2464 §7).
 */
export function solicitedNode(ip: Ip): { ip: Ip; mac: Mac } {
  const b = ipBytes(ip);
  if (b.length !== 16) throw new RangeError(`not an IPv6 address: ${ip}`);
  const g = new Uint8Array(16);
  g.set([0xff, 0x02], 0);
  g.set([0x01, 0xff, b[13]!, b[14]!, b[15]!], 11);
  const mac = new Uint8Array([0x33, 0x33, 0xff, b[13]!, b[14]!, b[15]!]);
  return { ip: ipv6ToString(g, 0), mac: macToString(mac, 0) };
}

/** Parses a standalone ND option list (e.g. from a test vector). */
export function parseNdOptions(bytes: Uint8Array): NdOption[] {
  return decodeNdOptions(new Reader(bytes));
}
