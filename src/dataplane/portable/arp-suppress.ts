/**
 * Parsing of ARP and IPv6 Neighbor Discovery messages from local hosts, and
 * the replies the VTEP sends on their behalf (ARP/ND suppression, RFC 7432
 * §10 and RFC 9161 §3): the twin of native/src/arp_suppress.{h,cc}.
 * Parsers fill a reusable view object (offsets into the frame), so nothing
 * is allocated per message.
 */
import * as wire from './wire';

// Imported bindings are read once into locals: loaders that turn ES exports into
// getters (tsx/esbuild) would otherwise make every use on the packet path a call.
const {
  csumAdd,
  csumFinish,
  csumFold,
  ETH_ARP,
  ETH_IPV4,
  ETH_IPV6,
  ETH_MIN_FRAME,
  ETH_VLAN,
  IPPROTO_ICMPV6,
  IPV6_HEADER,
  load16,
  store16,
  store32,
  storeMac,
} = wire;

/**
 * RFC 826 for Ethernet/IPv4, 28 octets after the EtherType:
 *   htype=1 (2) | ptype=0x0800 (2) | hlen=6 | plen=4 | op (2)
 *   sha (6) | spa (4) | tha (6) | tpa (4)
 */
export const ARP_LEN = 28;
export const ARP_REQUEST = 1;
export const ARP_REPLY = 2;

/** Offsets (into the frame buffer) of an ARP message's fields. */
export class ArpView {
  op = 0;
  sha = 0;
  spa = 0;
  tha = 0;
  tpa = 0;
}

/** False unless p[o, o+len) is an Ethernet/IPv4 ARP message. */
export function parseArp(p: Uint8Array, o: number, len: number, out: ArpView): boolean {
  if (len < ARP_LEN) return false;
  if (load16(p, o) !== 1 || load16(p, o + 2) !== ETH_IPV4 || p[o + 4] !== 6 || p[o + 5] !== 4) return false;
  out.op = load16(p, o + 6);
  out.sha = o + 8;
  out.spa = o + 14;
  out.tha = o + 18;
  out.tpa = o + 24;
  return true;
}

function copy(src: Uint8Array, from: number, n: number, out: Uint8Array, to: number): void {
  for (let i = 0; i < n; i++) out[to + i] = src[from + i]!;
}

function writeEthHeader(
  out: Uint8Array,
  o: number,
  dst: Uint8Array,
  dstOff: number,
  srcHi: number,
  srcLo: number,
  vid: number,
  type: number,
): number {
  copy(dst, dstOff, 6, out, o);
  storeMac(out, o + 6, srcHi, srcLo);
  let off = o + 12;
  if (vid) {
    store16(out, off, ETH_VLAN);
    store16(out, off + 2, vid);
    off += 4;
  }
  store16(out, off, type);
  return off + 2;
}

/**
 * An ARP reply from the target MAC (owner of req.tpa) to the requester whose
 * Ethernet source is at p[requester], tagged with `vid` when non-zero, padded
 * to the 60-octet Ethernet minimum. Returns the frame length.
 */
export function buildArpReply(
  p: Uint8Array,
  req: ArpView,
  requester: number,
  tHi: number,
  tLo: number,
  vid: number,
  out: Uint8Array,
  o: number,
): number {
  const off = writeEthHeader(out, o, p, requester, tHi, tLo, vid, ETH_ARP);
  store16(out, off, 1);
  store16(out, off + 2, ETH_IPV4);
  out[off + 4] = 6;
  out[off + 5] = 4;
  store16(out, off + 6, ARP_REPLY);
  // RFC 826 "Packet Reception": swap sender and target, our hardware address as the sender.
  storeMac(out, off + 8, tHi, tLo);
  copy(p, req.tpa, 4, out, off + 14);
  copy(p, req.sha, 6, out, off + 18);
  copy(p, req.spa, 4, out, off + 24);
  let len = off + ARP_LEN - o;
  if (len < ETH_MIN_FRAME) {
    out.fill(0, o + len, o + ETH_MIN_FRAME);
    len = ETH_MIN_FRAME;
  }
  return len;
}

// ICMPv6 types and NA flags (RFC 4861 §4.3, §4.4).
export const ND_SOLICIT = 135;
export const ND_ADVERT = 136;
export const NA_ROUTER = 0x80;
export const NA_SOLICITED = 0x40;
export const NA_OVERRIDE = 0x20;

/** Offsets (into the frame buffer) of an NS/NA's fields; lla -1 when absent. */
export class NdView {
  type = 0;
  naFlags = 0;
  src = 0;
  dst = 0;
  target = 0;
  lla = -1;
}

export function ipv6Unspecified(p: Uint8Array, o: number): boolean {
  for (let i = 0; i < 16; i++) if (p[o + i]) return false;
  return true;
}
export function ipv6Multicast(p: Uint8Array, o: number): boolean {
  return p[o] === 0xff;
}

// Pseudo-header sum for ICMPv6 (RFC 4443 §2.3, RFC 8200 §8.1).
function icmp6PseudoSum(p: Uint8Array, src: number, dst: number, len: number): number {
  return csumAdd(csumAdd(0, p, src, 16), p, dst, 16) + Math.floor(len / 0x10000) + (len & 0xffff) + IPPROTO_ICMPV6;
}

/**
 * Validates an IPv6 packet at p[ip, ip+len) carrying an NS or NA per RFC 4861
 * §7.1.1/§7.1.2 (hop limit 255, ICMPv6 checksum, code 0, lengths, option
 * lengths, target not multicast). Extension headers are not parsed.
 */
export function parseNd(p: Uint8Array, ip: number, len: number, out: NdView): boolean {
  if (len < IPV6_HEADER + 24 || p[ip]! >>> 4 !== 6) return false;
  const plen = load16(p, ip + 4);
  if (p[ip + 6] !== IPPROTO_ICMPV6 || plen > len - IPV6_HEADER || plen < 24) return false;
  // RFC 4861 §7.1.1: hop limit 255 proves the sender is on-link.
  if (p[ip + 7] !== 255) return false;
  const icmp = ip + IPV6_HEADER;
  if ((p[icmp] !== ND_SOLICIT && p[icmp] !== ND_ADVERT) || p[icmp + 1] !== 0) return false;
  if (csumFold(csumAdd(icmp6PseudoSum(p, ip + 8, ip + 24, plen), p, icmp, plen)) !== 0xffff) return false;
  out.type = p[icmp]!;
  out.naFlags = p[icmp + 4]! & (NA_ROUTER | NA_SOLICITED | NA_OVERRIDE);
  out.src = ip + 8;
  out.dst = ip + 24;
  out.target = icmp + 8;
  out.lla = -1;
  if (ipv6Multicast(p, out.target)) return false;
  const wantOpt = out.type === ND_SOLICIT ? 1 : 2; // source / target link-layer address
  for (let o = 24; o < plen; ) {
    if (plen - o < 2) return false;
    const olen = p[icmp + o + 1]! * 8;
    if (olen === 0 || olen > plen - o) return false; // RFC 4861 §7.1.1: option length > 0
    if (p[icmp + o] === wantOpt && olen === 8) out.lla = icmp + o + 2;
    o += olen;
  }
  if (out.type === ND_SOLICIT) {
    // DAD probes come from :: to a solicited-node group, without SLLA.
    if (ipv6Unspecified(p, out.src) && (out.lla >= 0 || p[out.dst] !== 0xff || p[out.dst + 1] !== 0x02)) return false;
  } else if (ipv6Multicast(p, out.dst) && out.naFlags & NA_SOLICITED) {
    return false; // RFC 4861 §7.1.2
  }
  return true;
}

/**
 * A solicited NA from the target MAC for ns.target, sent to the soliciting
 * host (Ethernet source at p[requester]); `flags` carries R and O.
 * Returns the frame length.
 */
export function buildNeighborAdvert(
  p: Uint8Array,
  ns: NdView,
  requester: number,
  tHi: number,
  tLo: number,
  flags: number,
  vid: number,
  out: Uint8Array,
  o: number,
): number {
  const ip = writeEthHeader(out, o, p, requester, tHi, tLo, vid, ETH_IPV6);
  const NA_LEN = 8 + 16 + 8; // header, target, TLLA option
  store32(out, ip, (6 << 28) >>> 0);
  store16(out, ip + 4, NA_LEN);
  out[ip + 6] = IPPROTO_ICMPV6;
  out[ip + 7] = 255;
  copy(p, ns.target, 16, out, ip + 8);
  copy(p, ns.src, 16, out, ip + 24);
  const icmp = ip + IPV6_HEADER;
  out.fill(0, icmp, icmp + NA_LEN);
  out[icmp] = ND_ADVERT;
  // RFC 4861 §7.2.4: a reply to a unicast-sourced NS is solicited.
  out[icmp + 4] = NA_SOLICITED | (flags & (NA_ROUTER | NA_OVERRIDE));
  copy(p, ns.target, 16, out, icmp + 8);
  out[icmp + 24] = 2; // target link-layer address
  out[icmp + 25] = 1;
  storeMac(out, icmp + 26, tHi, tLo);
  store16(out, icmp + 2, csumFinish(csumAdd(icmp6PseudoSum(out, ip + 8, ip + 24, NA_LEN), out, icmp, NA_LEN)));
  return icmp + NA_LEN - o;
}
