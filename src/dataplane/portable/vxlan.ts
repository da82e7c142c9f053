/**
 * VXLAN encapsulation (RFC 7348 §5), the twin of native/src/vxlan.{h,cc}.
 *
 *  Outer Ethernet:  next-hop MAC | local MAC | 0x0800 or 0x86DD
 *  Outer IPv4:      RFC 791, DF set, ID 0, protocol 17   (20 octets)
 *   or IPv6:        RFC 8200, next header 17             (40 octets)
 *  Outer UDP:       src = hash of the inner flow | dst 4789 | length | checksum
 *  VXLAN header:
 *     0                   1                   2                   3
 *     0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |R|R|R|R|I|R|R|R|            Reserved                           |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *    |                VXLAN Network Identifier (VNI) |   Reserved    |
 *    +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  Inner Ethernet frame (untagged, RFC 7348 §6.1).
 *
 * A remote VTEP's outer header is built once when it is added; per packet
 * only the lengths, the IPv4 header checksum (from a precomputed partial
 * sum), the UDP source port, the VNI and - over IPv6 - the flow label and
 * UDP checksum change.
 *
 * src/packet/vxlan-encap.ts is not used here: it numbers IPv4 IDs and hashes
 * flows with FNV-1a, so its bytes differ from the native pipeline's (ID 0 per
 * RFC 6864 §4.1, flowhash.h's hash), and this backend must match them.
 */
import * as hash from './hash';
import * as wire from './wire';

// Imported bindings are read once into locals: loaders that turn ES exports into
// getters (tsx/esbuild) would otherwise make every use on the packet path a call.
const { vxlanSourcePort } = hash;
const {
  csumAdd,
  csumFinish,
  ETH_HEADER,
  ETH_IPV4,
  ETH_IPV6,
  ETH_VLAN,
  IPPROTO_UDP,
  IPV4_HEADER,
  IPV6_HEADER,
  MAX_OUTER,
  OUTER_V4,
  OUTER_V6,
  store16,
  store24,
  store32,
  storeMac,
  UDP_HEADER,
  VXLAN_FLAG_I,
  VXLAN_HEADER,
} = wire;

export interface UnderlaySettings {
  family: 4 | 6;
  /** 16 octets, IPv4 in the first four. */
  localIp: Uint8Array;
  localMacHi: number;
  localMacLo: number;
  nextHopMacHi: number;
  nextHopMacLo: number;
  udpPort: number;
  ttl: number;
  tos: number;
}

/** A prebuilt outer header and the parts of its checksums that never change. */
export class OuterHeader {
  readonly bytes = new Uint8Array(MAX_OUTER);
  /** bytes[0, length), as one view made when the header is built. */
  view = this.bytes.subarray(0, 0);
  /** 50 (IPv4) or 70 (IPv6). */
  length = 0;
  family: 4 | 6 = 4;
  /** IPv4: header sum with total length and checksum zero. */
  ipSum = 0;
  /** IPv6: pseudo-header sum without the length (RFC 8200 §8.1). */
  udpSum = 0;

  build(u: UnderlaySettings, remote: Uint8Array, nhHi: number, nhLo: number): void {
    const p = this.bytes;
    p.fill(0);
    if (nhHi === 0 && nhLo === 0) storeMac(p, 0, u.nextHopMacHi, u.nextHopMacLo);
    else storeMac(p, 0, nhHi, nhLo);
    storeMac(p, 6, u.localMacHi, u.localMacLo);
    this.family = u.family;
    let udp: number;
    if (u.family === 4) {
      store16(p, 12, ETH_IPV4);
      const ip = ETH_HEADER;
      p[ip] = 0x45; // version 4, IHL 5
      p[ip + 1] = u.tos;
      // Identification 0: with DF set the datagram is atomic (RFC 6864 §4.1);
      // DF because RFC 7348 §4.3 forbids VTEPs from fragmenting VXLAN packets.
      store16(p, ip + 6, 0x4000);
      p[ip + 8] = u.ttl;
      p[ip + 9] = IPPROTO_UDP;
      p.set(u.localIp.subarray(0, 4), ip + 12);
      p.set(remote.subarray(0, 4), ip + 16);
      this.ipSum = csumAdd(0, p, ip, IPV4_HEADER);
      udp = ip + IPV4_HEADER;
      this.length = OUTER_V4;
    } else {
      store16(p, 12, ETH_IPV6);
      const ip = ETH_HEADER;
      store32(p, ip, ((6 << 28) | (u.tos << 20)) >>> 0);
      p[ip + 6] = IPPROTO_UDP;
      p[ip + 7] = u.ttl;
      p.set(u.localIp, ip + 8);
      p.set(remote, ip + 24);
      // Pseudo-header (RFC 8200 §8.1): addresses and next header now, the
      // upper-layer length per packet.
      this.udpSum = csumAdd(0, p, ip + 8, 32) + IPPROTO_UDP;
      udp = ip + IPV6_HEADER;
      this.length = OUTER_V6;
    }
    store16(p, udp + 2, u.udpPort);
    p[udp + UDP_HEADER] = VXLAN_FLAG_I;
    this.view = p.subarray(0, this.length);
  }
}

/**
 * An untagged Ethernet frame seen through its parts (so a frame that arrived
 * with an 802.1Q tag is forwarded without a first copy): 12 MAC octets at
 * buf[macs], the EtherType, and the payload after tag and EtherType.
 */
export interface FrameView {
  buf: Uint8Array;
  macs: number;
  etherType: number;
  payload: number;
  payloadLen: number;
}

/** Copies src[from, from+len) to out[to]: a byte loop for short runs, set() (one view object) for long ones. */
export function copy(src: Uint8Array, from: number, len: number, out: Uint8Array, to: number): void {
  if (len < 64) {
    for (let i = 0; i < len; i++) out[to + i] = src[from + i]!;
  } else {
    out.set(src.subarray(from, from + len), to);
  }
}

/** Writes the frame at out[o], with an 802.1Q tag carrying `vid` when non-zero; returns its length. */
export function writeFrame(v: FrameView, vid: number, out: Uint8Array, o: number): number {
  const b = v.buf;
  for (let i = 0; i < 12; i++) out[o + i] = b[v.macs + i]!;
  let off = o + 12;
  if (vid) {
    store16(out, off, ETH_VLAN);
    store16(out, off + 2, vid);
    off += 4;
  }
  store16(out, off, v.etherType);
  off += 2;
  copy(b, v.payload, v.payloadLen, out, off);
  return off + v.payloadLen - o;
}

/** Writes outer header + inner frame at out[o]; returns the frame length. */
export function encapsulate(h: OuterHeader, vni: number, flowHash: number, v: FrameView, out: Uint8Array, o: number): number {
  return finishOuter(h, vni, flowHash, writeFrame(v, 0, out, o + h.length), out, o);
}

/** The same around an inner frame of `innerLen` octets already written at out[o + h.length] (a routed frame rewritten in place). */
export function finishOuter(h: OuterHeader, vni: number, flowHash: number, innerLen: number, out: Uint8Array, o: number): number {
  out.set(h.view, o);
  const total = h.length + innerLen;
  const ip = o + ETH_HEADER;
  const udpLen = (UDP_HEADER + VXLAN_HEADER + innerLen) & 0xffff;
  let udp: number;
  if (h.family === 4) {
    const ipLen = (IPV4_HEADER + udpLen) & 0xffff;
    store16(out, ip + 2, ipLen);
    store16(out, ip + 10, csumFinish(h.ipSum + ipLen));
    udp = ip + IPV4_HEADER;
  } else {
    // RFC 6438 §3: a flow label from the same inner-flow hash.
    out[ip + 1] = out[ip + 1]! | ((flowHash >>> 16) & 0x0f);
    out[ip + 2] = (flowHash >>> 8) & 0xff;
    out[ip + 3] = flowHash & 0xff;
    store16(out, ip + 4, udpLen);
    udp = ip + IPV6_HEADER;
  }
  store16(out, udp, vxlanSourcePort(flowHash));
  store16(out, udp + 4, udpLen);
  store24(out, udp + UDP_HEADER + 4, vni);
  if (h.family === 6) {
    // RFC 8200 §8.1: UDP over IPv6 carries a checksum, over the whole
    // datagram; a computed zero is sent as 0xffff (RFC 768).
    const c = csumFinish(csumAdd(h.udpSum + udpLen, out, udp, udpLen));
    store16(out, udp + 6, c || 0xffff);
  }
  // IPv4: the UDP checksum stays zero (RFC 7348 §5 "SHOULD be transmitted as zero").
  return total;
}

