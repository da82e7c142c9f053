/**
 * Test-only frame builders for the differential tests, on top of
 * test/native/support.ts: VXLAN outer headers of either family (with a
 * chosen UDP checksum treatment) and ND advertisements.
 */
import {
  concat,
  ethHeader,
  fixIpv4Checksum,
  ipv4Bytes,
  ipv6Bytes,
  macBytes,
  onesSum,
} from '../../native/support';

export type UdpSum = 'zero' | 'valid' | 'bad';

export interface OuterSpec {
  family: 4 | 6;
  srcIp: string;
  dstIp: string;
  dstMac: string;
  srcMac: string;
  udpPort?: number;
  /** VXLAN flags octet (0x08 = I). */
  flags?: number;
  vni: number;
  udpSum?: UdpSum;
  sport?: number;
}

/** The VXLAN header + inner frame: what a UDP socket receives. */
export function vxlanPayload(flags: number, vni: number, inner: Uint8Array): Uint8Array {
  return concat([flags, 0, 0, 0, (vni >> 16) & 0xff, (vni >> 8) & 0xff, vni & 0xff, 0], inner);
}

/** A full underlay frame: Ethernet + IPv4/IPv6 + UDP + VXLAN + inner. */
export function outerFrame(o: OuterSpec, inner: Uint8Array): Uint8Array {
  const payload = vxlanPayload(o.flags ?? 0x08, o.vni, inner);
  const udpLen = 8 + payload.length;
  const sport = o.sport ?? 49200;
  const dport = o.udpPort ?? 4789;
  const udp = concat([sport >> 8, sport & 0xff, dport >> 8, dport & 0xff, udpLen >> 8, udpLen & 0xff, 0, 0], payload);
  let ip: Uint8Array;
  let pseudo: number;
  if (o.family === 4) {
    const total = 20 + udpLen;
    ip = concat([0x45, 0, total >> 8, total & 0xff, 0, 0, 0x40, 0, 64, 17, 0, 0], ipv4Bytes(o.srcIp), ipv4Bytes(o.dstIp));
    fixIpv4Checksum(ip, 0);
    pseudo = onesSum(ip, 12, 20) + 17 + udpLen;
  } else {
    ip = concat([0x60, 0, 0, 0, udpLen >> 8, udpLen & 0xff, 17, 64], ipv6Bytes(o.srcIp), ipv6Bytes(o.dstIp));
    pseudo = onesSum(ip, 8, 40) + 17 + udpLen;
  }
  const mode = o.udpSum ?? (o.family === 4 ? 'zero' : 'valid');
  if (mode !== 'zero') {
    let c = ~onesSum(udp, 0, udp.length, pseudo) & 0xffff || 0xffff;
    if (mode === 'bad') c = c ^ 0x0101;
    udp[6] = c >> 8;
    udp[7] = c & 0xff;
  }
  return concat(ethHeader(o.dstMac, o.srcMac, o.family === 4 ? 0x0800 : 0x86dd), ip, udp);
}

/** An ICMPv6 Neighbor Advertisement (RFC 4861 §4.4) with a target link-layer address option. */
export function neighborAdvert(o: {
  srcMac: string;
  dstMac: string;
  srcIp: string;
  dstIp: string;
  target: string;
  flags: number;
  lla?: string;
  vid?: number;
}): Uint8Array {
  const opt = o.lla ? concat([2, 1], macBytes(o.lla)) : new Uint8Array(0);
  const icmp = concat([136, 0, 0, 0, o.flags, 0, 0, 0], ipv6Bytes(o.target), opt);
  const src = ipv6Bytes(o.srcIp);
  const dst = ipv6Bytes(o.dstIp);
  const ip = concat([0x60, 0, 0, 0, 0, icmp.length, 58, 255], src, dst);
  const pseudo = concat(src, dst, [0, 0, 0, icmp.length, 0, 0, 0, 58]);
  const c = ~onesSum(icmp, 0, icmp.length, onesSum(pseudo)) & 0xffff;
  icmp[2] = c >> 8;
  icmp[3] = c & 0xff;
  return concat(ethHeader(o.dstMac, o.srcMac, 0x86dd, o.vid), ip, icmp);
}

/** An NS from `srcIp` (:: for DAD, then without SLLA) to `dstIp` (solicited-node group or unicast). */
export function neighborSolicitTo(o: {
  srcMac: string;
  dstMac: string;
  srcIp: string;
  dstIp: string;
  target: string;
  slla?: boolean;
  vid?: number;
}): Uint8Array {
  const withOpt = o.slla ?? o.srcIp !== '::';
  const icmp = concat([135, 0, 0, 0, 0, 0, 0, 0], ipv6Bytes(o.target), withOpt ? concat([1, 1], macBytes(o.srcMac)) : []);
  const src = ipv6Bytes(o.srcIp);
  const dst = ipv6Bytes(o.dstIp);
  const ip = concat([0x60, 0, 0, 0, 0, icmp.length, 58, 255], src, dst);
  const pseudo = concat(src, dst, [0, 0, 0, icmp.length, 0, 0, 0, 58]);
  const c = ~onesSum(icmp, 0, icmp.length, onesSum(pseudo)) & 0xffff;
  icmp[2] = c >> 8;
  icmp[3] = c & 0xff;
  return concat(ethHeader(o.dstMac, o.srcMac, 0x86dd, o.vid), ip, icmp);
}

/** A UDP/IPv6 frame (flow-hash and IPv6 forwarding cases). */
export function udp6Frame(dst: string, src: string, sip: string, dip: string, sport: number, dport: number): Uint8Array {
  const udp = concat([sport >> 8, sport & 0xff, dport >> 8, dport & 0xff, 0, 16, 0, 0], new Uint8Array(8));
  const ip = concat([0x60, 0, 0, 0, 0, udp.length, 17, 64], ipv6Bytes(sip), ipv6Bytes(dip));
  return concat(ethHeader(dst, src, 0x86dd), ip, udp);
}

/** The frame with its IPv4 TTL (checksum fixed) or IPv6 hop limit set; untagged frames only. */
export function withTtl(frame: Uint8Array, ttl: number): Uint8Array {
  const out = frame.slice();
  if (out[12] === 0x08 && out[13] === 0x00) {
    out[14 + 8] = ttl;
    fixIpv4Checksum(out, 14);
  } else {
    out[14 + 7] = ttl;
  }
  return out;
}
