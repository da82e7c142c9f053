import { type Ip, ipBytes } from '../util/ip';
import type { Mac } from '../util/mac';
import { fold, onesSum, pseudoSum } from './checksum';
import * as ethernet from './ethernet';
import { EtherType, type VlanTag } from './ethernet';
import * as ipv4 from './ipv4';
import * as ipv6 from './ipv6';
import { IpProto } from './ipv4';
import * as udp from './udp';
import { VXLAN_FLAG_I, VXLAN_HEADER_LENGTH, VXLAN_MAX_VNI, VXLAN_PORT } from './vxlan';

/**
 * Allocation-free VXLAN encapsulation and decapsulation for the data path
 * (RFC 7348 §5/§6). The outer headers of a tunnel are built once with the
 * ordinary codecs; per frame only lengths, the IPv4 ID and checksum, the UDP
 * source port and (when enabled) the UDP checksum are patched.
 */

/** RFC 7348 §5 recommends the dynamic/private range for the flow-hash source port. */
export const VXLAN_SRC_PORT_MIN = 49152;
export const VXLAN_SRC_PORT_MAX = 65535;

export interface VxlanTunnel {
  srcMac: Mac;
  dstMac: Mac;
  /** Outer 802.1Q tags, outermost first (usually none). */
  vlans?: VlanTag[];
  /** Local and remote VTEP addresses; both of one family. */
  src: Ip;
  dst: Ip;
  vni: number;
  dstPort?: number;
  ttl?: number;
  dscp?: number;
  /**
   * UDP checksum: 'zero' (RFC 7348 §5 allows it over IPv4; over IPv6 only per
   * RFC 6935/6936) or 'compute'. Default: zero over IPv4, compute over IPv6.
   */
  udpChecksum?: 'zero' | 'compute';
}

/** Byte offset of the EtherType of an untagged frame; tags add 4 each. */
const ETH_TYPE_AT = 12;

/**
 * A stable 16-bit hash of the inner frame's flow (MACs, EtherType, IP
 * addresses, protocol and ports when present) mapped into 49152–65535, so one
 * inner flow keeps one outer source port and ECMP spreads flows (RFC 7348 §5).
 * Reads only within buf[off, off+len).
 */
export function flowSourcePort(buf: Uint8Array, off: number, len: number): number {
  const end = Math.min(off + len, buf.length);
  let h = mix(0x811c9dc5, buf, off, off + 14, end);
  let p = off + ETH_TYPE_AT;
  while (p + 4 <= end && ethernet.isTagTpid((buf[p]! << 8) | buf[p + 1]!)) p += 4;
  if (p + 2 <= end) {
    const type = (buf[p]! << 8) | buf[p + 1]!;
    const l3 = p + 2;
    let proto = -1;
    let l4 = -1;
    if (type === EtherType.IPV4 && l3 + 20 <= end) {
      proto = buf[l3 + 9]!;
      h = mix(h, buf, l3 + 9, l3 + 10, end);
      h = mix(h, buf, l3 + 12, l3 + 20, end);
      const fragmented = (((buf[l3 + 6]! << 8) | buf[l3 + 7]!) & 0x3fff) !== 0;
      if (!fragmented) l4 = l3 + (buf[l3]! & 0xf) * 4;
    } else if (type === EtherType.IPV6 && l3 + 40 <= end) {
      proto = buf[l3 + 6]!;
      h = mix(h, buf, l3 + 6, l3 + 7, end);
      h = mix(h, buf, l3 + 8, l3 + 40, end);
      l4 = l3 + 40;
    }
    if (l4 >= 0 && (proto === IpProto.TCP || proto === IpProto.UDP)) h = mix(h, buf, l4, l4 + 4, end);
  }
  h ^= h >>> 16;
  return VXLAN_SRC_PORT_MIN + ((h & 0xffff) % (VXLAN_SRC_PORT_MAX - VXLAN_SRC_PORT_MIN + 1));
}

/** FNV-1a over buf[from, min(to, end)). */
function mix(h: number, buf: Uint8Array, from: number, to: number, end: number): number {
  const stop = to < end ? to : end;
  let x = h;
  for (let i = from; i < stop; i++) x = Math.imul(x ^ buf[i]!, 0x01000193);
  return x;
}

export class VxlanEncapsulator {
  /** Octets of outer headers (Ethernet [+ tags] + IP + UDP + VXLAN) in front of the inner frame. */
  readonly headerLength: number;
  readonly family: 4 | 6;
  private readonly template: Uint8Array;
  private readonly ipAt: number;
  private readonly udpAt: number;
  /** IPv4: one's complement sum of the template header with length, ID and checksum zero. */
  private readonly ipBaseSum: number;
  /** Pseudo-header sum without the length, for the UDP checksum. */
  private readonly pseudoBase: number;
  private readonly computeUdpChecksum: boolean;
  private ipId = 0;

  constructor(t: VxlanTunnel) {
    if (!(Number.isInteger(t.vni) && t.vni >= 0 && t.vni <= VXLAN_MAX_VNI)) throw new RangeError(`bad VNI ${t.vni}`);
    const src = ipBytes(t.src);
    const dst = ipBytes(t.dst);
    if (src.length !== dst.length) throw new RangeError('VXLAN tunnel: mixed address families');
    this.family = src.length === 4 ? 4 : 6;
    this.computeUdpChecksum = (t.udpChecksum ?? (this.family === 4 ? 'zero' : 'compute')) === 'compute';
    const vxlanHdr = new Uint8Array(VXLAN_HEADER_LENGTH);
    vxlanHdr[0] = VXLAN_FLAG_I;
    vxlanHdr[4] = (t.vni >>> 16) & 0xff;
    vxlanHdr[5] = (t.vni >>> 8) & 0xff;
    vxlanHdr[6] = t.vni & 0xff;
    const u = udp.encodingLength({ srcPort: 0, dstPort: t.dstPort ?? VXLAN_PORT, payload: vxlanHdr });
    const udpBytes = new Uint8Array(u);
    udp.encode({ srcPort: 0, dstPort: t.dstPort ?? VXLAN_PORT, payload: vxlanHdr }, udpBytes, 0);
    let l3: Uint8Array;
    if (this.family === 4) {
      const p: ipv4.Ipv4Packet = {
        dscp: t.dscp ?? 0,
        ecn: 0,
        id: 0,
        // RFC 7348 §4.3: VTEPs must not fragment; DF keeps PMTU discovery working on the underlay.
        dontFragment: true,
        moreFragments: false,
        fragmentOffset: 0,
        ttl: t.ttl ?? 64,
        protocol: IpProto.UDP,
        src: t.src,
        dst: t.dst,
        options: new Uint8Array(0),
        payload: udpBytes,
      };
      l3 = new Uint8Array(ipv4.encodingLength(p));
      ipv4.encode(p, l3, 0);
    } else {
      const p: ipv6.Ipv6Packet = {
        trafficClass: (t.dscp ?? 0) << 2,
        flowLabel: 0,
        nextHeader: IpProto.UDP,
        hopLimit: t.ttl ?? 64,
        src: t.src,
        dst: t.dst,
        payload: udpBytes,
      };
      l3 = new Uint8Array(ipv6.encodingLength(p));
      ipv6.encode(p, l3, 0);
    }
    const eth: ethernet.EthernetFrame = {
      dst: t.dstMac,
      src: t.srcMac,
      vlans: t.vlans ?? [],
      ethertype: this.family === 4 ? EtherType.IPV4 : EtherType.IPV6,
      payload: l3,
    };
    this.template = new Uint8Array(ethernet.encodingLength(eth));
    ethernet.encode(eth, this.template, 0);
    this.headerLength = this.template.length;
    this.ipAt = this.headerLength - l3.length;
    this.udpAt = this.headerLength - u;
    // Zero the fields patched per frame so the base sums exclude them.
    if (this.family === 4) {
      const b = this.template;
      b[this.ipAt + 2] = b[this.ipAt + 3] = 0;
      b[this.ipAt + 10] = b[this.ipAt + 11] = 0;
      this.ipBaseSum = onesSum(b, this.ipAt, 20);
    } else {
      this.ipBaseSum = 0;
    }
    this.pseudoBase = pseudoSum(src, dst, IpProto.UDP, 0);
  }

  /**
   * Writes the outer headers and copies inner[innerOff, innerOff+innerLen) after
   * them into out at outOff. Returns the length of the encapsulated frame.
   * `srcPort` defaults to the inner flow hash.
   */
  encap(inner: Uint8Array, innerOff: number, innerLen: number, out: Uint8Array, outOff: number, srcPort = -1): number {
    const dst = outOff + this.headerLength;
    if (dst + innerLen > out.length) throw new RangeError('VXLAN encap: output buffer too small');
    if (innerOff === 0 && innerLen === inner.length) {
      out.set(inner, dst);
    } else {
      if (innerOff < 0 || innerOff + innerLen > inner.length) throw new RangeError('VXLAN encap: inner range out of bounds');
      // A byte loop rather than subarray(): no view object per frame.
      for (let i = 0; i < innerLen; i++) out[dst + i] = inner[innerOff + i]!;
    }
    return this.encapInPlace(out, outOff, innerLen, srcPort);
  }

  /**
   * The inner frame already sits at out[outOff + headerLength]; writes only
   * the outer headers in front of it (no copy of the inner frame).
   */
  encapInPlace(out: Uint8Array, outOff: number, innerLen: number, srcPort = -1): number {
    const hl = this.headerLength;
    const total = hl + innerLen;
    if (outOff + total > out.length) throw new RangeError('VXLAN encap: output buffer too small');
    out.set(this.template, outOff);
    const sport = srcPort >= 0 ? srcPort : flowSourcePort(out, outOff + hl, innerLen);
    const ip = outOff + this.ipAt;
    const u = outOff + this.udpAt;
    const udpLen = total - this.udpAt;
    if (this.family === 4) {
      const ipLen = total - this.ipAt;
      if (ipLen > 0xffff) throw new RangeError('VXLAN encap: inner frame too long');
      const id = this.ipId;
      this.ipId = (id + 1) & 0xffff;
      out[ip + 2] = ipLen >>> 8;
      out[ip + 3] = ipLen & 0xff;
      out[ip + 4] = id >>> 8;
      out[ip + 5] = id & 0xff;
      const c = ~fold(this.ipBaseSum + ipLen + id) & 0xffff;
      out[ip + 10] = c >>> 8;
      out[ip + 11] = c & 0xff;
    } else {
      const plen = total - this.ipAt - 40;
      if (plen > 0xffff) throw new RangeError('VXLAN encap: inner frame too long');
      out[ip + 4] = plen >>> 8;
      out[ip + 5] = plen & 0xff;
    }
    out[u] = sport >>> 8;
    out[u + 1] = sport & 0xff;
    out[u + 4] = udpLen >>> 8;
    out[u + 5] = udpLen & 0xff;
    if (this.computeUdpChecksum) {
      let c = ~onesSum(out, u, udpLen, this.pseudoBase + udpLen) & 0xffff;
      if (c === 0) c = 0xffff;
      out[u + 6] = c >>> 8;
      out[u + 7] = c & 0xff;
    }
    return total;
  }
}

/** Why a frame was not decapsulated; OK (0) means it was. */
export const DecapStatus = {
  OK: 0,
  TRUNCATED: 1,
  NOT_IP: 2,
  BAD_IP_HEADER: 3,
  FRAGMENT: 4,
  NOT_UDP: 5,
  NOT_VXLAN_PORT: 6,
  BAD_UDP_LENGTH: 7,
  BAD_UDP_CHECKSUM: 8,
  I_FLAG_CLEAR: 9,
} as const;
export type DecapStatusCode = (typeof DecapStatus)[keyof typeof DecapStatus];

export interface VxlanDecapOptions {
  dstPort?: number;
  /** Verify a non-zero outer UDP checksum (off by default, like Linux with checksum offload). */
  verifyUdpChecksum?: boolean;
  /** Accept frames whose I flag is clear (RFC 7348 §5 calls their VNI invalid). Default false. */
  acceptIFlagClear?: boolean;
}

/**
 * Parses an outer Ethernet/IP/UDP/VXLAN frame in place. Results are left in
 * the public fields (no allocation per frame); the inner frame is
 * buf[innerOffset, innerOffset + innerLength).
 */
export class VxlanDecapsulator {
  vni = 0;
  iFlag = false;
  innerOffset = 0;
  innerLength = 0;
  family: 4 | 6 = 4;
  /** Offset in buf of the outer source address (4 or 16 octets), for learning the remote VTEP. */
  srcAddrOffset = 0;
  srcPort = 0;
  private readonly port: number;
  private readonly verify: boolean;
  private readonly acceptNoI: boolean;

  constructor(opts: VxlanDecapOptions = {}) {
    this.port = opts.dstPort ?? VXLAN_PORT;
    this.verify = opts.verifyUdpChecksum ?? false;
    this.acceptNoI = opts.acceptIFlagClear ?? false;
  }

  decap(buf: Uint8Array, off: number, len: number): DecapStatusCode {
    const end = Math.min(off + len, buf.length);
    let p = off + ETH_TYPE_AT;
    if (p + 2 > end) return DecapStatus.TRUNCATED;
    let type = (buf[p]! << 8) | buf[p + 1]!;
    while (ethernet.isTagTpid(type)) {
      p += 4;
      if (p + 2 > end) return DecapStatus.TRUNCATED;
      type = (buf[p]! << 8) | buf[p + 1]!;
    }
    const ip = p + 2;
    let u: number;
    let udpAvail: number;
    if (type === EtherType.IPV4) {
      if (ip + 20 > end) return DecapStatus.TRUNCATED;
      const vihl = buf[ip]!;
      const hl = (vihl & 0xf) * 4;
      if (vihl >>> 4 !== 4 || hl < 20) return DecapStatus.BAD_IP_HEADER;
      const tot = (buf[ip + 2]! << 8) | buf[ip + 3]!;
      if (tot < hl + 8 || ip + tot > end) return tot < hl ? DecapStatus.BAD_IP_HEADER : DecapStatus.TRUNCATED;
      if ((((buf[ip + 6]! << 8) | buf[ip + 7]!) & 0x3fff) !== 0) return DecapStatus.FRAGMENT;
      if (buf[ip + 9] !== IpProto.UDP) return DecapStatus.NOT_UDP;
      this.family = 4;
      this.srcAddrOffset = ip + 12;
      u = ip + hl;
      udpAvail = tot - hl;
    } else if (type === EtherType.IPV6) {
      if (ip + 40 > end) return DecapStatus.TRUNCATED;
      if (buf[ip]! >>> 4 !== 6) return DecapStatus.BAD_IP_HEADER;
      // Extension headers are not expected on a VTEP's underlay; such frames take the slow path.
      if (buf[ip + 6] !== IpProto.UDP) return DecapStatus.NOT_UDP;
      const plen = (buf[ip + 4]! << 8) | buf[ip + 5]!;
      if (ip + 40 + plen > end) return DecapStatus.TRUNCATED;
      this.family = 6;
      this.srcAddrOffset = ip + 8;
      u = ip + 40;
      udpAvail = plen;
    } else {
      return DecapStatus.NOT_IP;
    }
    if (udpAvail < 8 + VXLAN_HEADER_LENGTH) return DecapStatus.TRUNCATED;
    if (((buf[u + 2]! << 8) | buf[u + 3]!) !== this.port) return DecapStatus.NOT_VXLAN_PORT;
    const udpLen = (buf[u + 4]! << 8) | buf[u + 5]!;
    if (udpLen < 8 + VXLAN_HEADER_LENGTH || udpLen > udpAvail) return DecapStatus.BAD_UDP_LENGTH;
    if (this.verify) {
      const csum = (buf[u + 6]! << 8) | buf[u + 7]!;
      if (csum !== 0 || this.family === 6) {
        const a = this.srcAddrOffset;
        const n = this.family === 4 ? 8 : 32;
        const s = onesSum(buf, a, n, IpProto.UDP + udpLen);
        if (onesSum(buf, u, udpLen, s) !== 0xffff) return DecapStatus.BAD_UDP_CHECKSUM;
      }
    }
    const v = u + 8;
    this.iFlag = (buf[v]! & VXLAN_FLAG_I) !== 0;
    if (!this.iFlag && !this.acceptNoI) return DecapStatus.I_FLAG_CLEAR;
    this.vni = (buf[v + 4]! << 16) | (buf[v + 5]! << 8) | buf[v + 6]!;
    this.srcPort = (buf[u]! << 8) | buf[u + 1]!;
    this.innerOffset = v + VXLAN_HEADER_LENGTH;
    this.innerLength = udpLen - 8 - VXLAN_HEADER_LENGTH;
    return DecapStatus.OK;
  }
}
