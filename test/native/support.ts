/**
 * Test-only helpers for the native pipeline tests: a minimal pcap reader
 * (classic libpcap format, Ethernet link type), frame builders and checksum
 * checks written independently of the C++ they verify.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

export const VECTORS = path.resolve(__dirname, '../..', '..', 'shared/vectors');

export interface PcapRecord {
  index: number; // 1-based, as tshark numbers frames
  bytes: Uint8Array;
}

/** Reads a classic pcap file (either byte order, µs or ns timestamps). */
export function readPcap(file: string): { linkType: number; records: PcapRecord[] } {
  const buf = new Uint8Array(readFileSync(file));
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const magic = dv.getUint32(0, false);
  let le: boolean;
  if (magic === 0xa1b2c3d4 || magic === 0xa1b23c4d) le = false;
  else if (magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1) le = true;
  else throw new Error(`${file}: not a pcap file`);
  const linkType = dv.getUint32(20, le);
  const records: PcapRecord[] = [];
  for (let off = 24; off + 16 <= buf.length; ) {
    const incl = dv.getUint32(off + 8, le);
    const start = off + 16;
    if (start + incl > buf.length) throw new Error(`${file}: truncated record ${records.length + 1}`);
    records.push({ index: records.length + 1, bytes: buf.slice(start, start + incl) });
    off = start + incl;
  }
  return { linkType, records };
}

/** A parsed VXLAN-over-IPv4 capture record (offsets into `bytes`). */
export interface CapturedVxlan {
  index: number;
  bytes: Uint8Array;
  outerSrc: string;
  outerDst: string;
  vni: number;
  udpOff: number;
  vxlanOff: number;
  inner: Uint8Array;
}

export function parseVxlanV4(rec: PcapRecord): CapturedVxlan {
  const b = rec.bytes;
  if (get16(b, 12) !== 0x0800) throw new Error(`frame ${rec.index}: not IPv4`);
  const ihl = (b[14]! & 0x0f) * 4;
  const udpOff = 14 + ihl;
  const vxlanOff = udpOff + 8;
  const ipEnd = 14 + get16(b, 16);
  return {
    index: rec.index,
    bytes: b,
    outerSrc: ipv4(b, 26),
    outerDst: ipv4(b, 30),
    vni: (b[vxlanOff + 4]! << 16) | (b[vxlanOff + 5]! << 8) | b[vxlanOff + 6]!,
    udpOff,
    vxlanOff,
    inner: b.slice(vxlanOff + 8, ipEnd),
  };
}

export function loadVxlanCapture(): CapturedVxlan[] {
  const { linkType, records } = readPcap(path.join(VECTORS, 'vxlan-dataplane-frr.pcap'));
  if (linkType !== 1) throw new Error('expected an Ethernet capture');
  return records.map(parseVxlanV4);
}

export function get16(b: Uint8Array, off: number): number {
  return (b[off]! << 8) | b[off + 1]!;
}

export function ipv4(b: Uint8Array, off: number): string {
  return `${b[off]}.${b[off + 1]}.${b[off + 2]}.${b[off + 3]}`;
}

export function mac(b: Uint8Array, off: number): string {
  return Array.from(b.subarray(off, off + 6), (x) => x.toString(16).padStart(2, '0')).join(':');
}

export function macBytes(m: string): number[] {
  return m.split(':').map((h) => parseInt(h, 16));
}

/** RFC 1071 one's-complement sum (unfolded pieces summed, then folded). */
export function onesSum(b: Uint8Array, start = 0, end = b.length, init = 0): number {
  let s = init;
  for (let i = start; i < end; i += 2) s += (b[i]! << 8) | (i + 1 < end ? b[i + 1]! : 0);
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 0x10000);
  return s;
}

export function ipv4HeaderChecksumOk(b: Uint8Array, ipOff: number): boolean {
  const ihl = (b[ipOff]! & 0x0f) * 4;
  return onesSum(b, ipOff, ipOff + ihl) === 0xffff;
}

/** Checks a UDP (or ICMPv6) checksum over IPv6: pseudo-header of RFC 8200 §8.1. */
export function ipv6UpperChecksumOk(b: Uint8Array, ipOff: number, proto: number): boolean {
  const len = get16(b, ipOff + 4);
  let s = onesSum(b, ipOff + 8, ipOff + 40);
  s += len + proto;
  return onesSum(b, ipOff + 40, ipOff + 40 + len, s) === 0xffff;
}

export function ipv4UdpChecksumOk(b: Uint8Array, ipOff: number): boolean {
  const ihl = (b[ipOff]! & 0x0f) * 4;
  const udp = ipOff + ihl;
  const len = get16(b, udp + 4);
  let s = onesSum(b, ipOff + 12, ipOff + 20);
  s += 17 + len;
  return onesSum(b, udp, udp + len, s) === 0xffff;
}

/** A copy of an Ethernet/IPv4/UDP frame with its UDP checksum computed (RFC 768). */
export function withUdpChecksum(frame: Uint8Array): Uint8Array {
  const b = new Uint8Array(frame);
  const ihl = (b[14]! & 0x0f) * 4;
  const udp = 14 + ihl;
  const len = get16(b, udp + 4);
  b[udp + 6] = 0;
  b[udp + 7] = 0;
  const s = onesSum(b, 26, 34) + 17 + len;
  const c = ~onesSum(b, udp, udp + len, s) & 0xffff || 0xffff;
  b[udp + 6] = c >> 8;
  b[udp + 7] = c & 0xff;
  return b;
}

/** Rewrites the IPv4 header checksum after a test edited the header. */
export function fixIpv4Checksum(b: Uint8Array, ipOff: number): void {
  const ihl = (b[ipOff]! & 0x0f) * 4;
  b[ipOff + 10] = 0;
  b[ipOff + 11] = 0;
  const c = ~onesSum(b, ipOff, ipOff + ihl) & 0xffff;
  b[ipOff + 10] = c >> 8;
  b[ipOff + 11] = c & 0xff;
}

export function concat(...parts: (Uint8Array | number[])[]): Uint8Array {
  const n = parts.reduce((a, p) => a + p.length, 0);
  const out = new Uint8Array(n);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

export function ethHeader(dst: string, src: string, type: number, vid?: number): Uint8Array {
  const tag = vid === undefined ? [] : [0x81, 0x00, vid >> 8, vid & 0xff];
  return concat(macBytes(dst), macBytes(src), tag, [type >> 8, type & 0xff]);
}

/** Inserts an 802.1Q tag after the MAC addresses of an untagged frame. */
export function tagFrame(f: Uint8Array, vid: number): Uint8Array {
  return concat(f.subarray(0, 12), [0x81, 0x00, vid >> 8, vid & 0xff], f.subarray(12));
}

export function ipv4Bytes(ip: string): number[] {
  return ip.split('.').map(Number);
}

export function ipv6Bytes(ip: string): number[] {
  const [head, tail] = ip.split('::') as [string, string | undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = [...h, ...new Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return groups.flatMap((g) => [parseInt(g, 16) >> 8, parseInt(g, 16) & 0xff]);
}

/** An Ethernet/IPv4 ARP message (RFC 826), unpadded (42 octets, 46 tagged). */
export function arpFrame(o: {
  op: 1 | 2;
  ethDst: string;
  sha: string;
  spa: string;
  tha?: string;
  tpa: string;
  vid?: number;
}): Uint8Array {
  return concat(
    ethHeader(o.ethDst, o.sha, 0x0806, o.vid),
    [0, 1, 0x08, 0x00, 6, 4, 0, o.op],
    macBytes(o.sha),
    ipv4Bytes(o.spa),
    macBytes(o.tha ?? '00:00:00:00:00:00'),
    ipv4Bytes(o.tpa),
  );
}

/** A UDP/IPv4 frame, for flow-hash and forwarding tests. */
export function udpFrame(dst: string, src: string, sip: string, dip: string, sport: number, dport: number): Uint8Array {
  const payload = new Uint8Array(18);
  const udpLen = 8 + payload.length;
  const ip = concat(
    [0x45, 0, (20 + udpLen) >> 8, (20 + udpLen) & 0xff, 0, 1, 0, 0, 64, 17, 0, 0],
    ipv4Bytes(sip),
    ipv4Bytes(dip),
  );
  fixIpv4Checksum(ip, 0);
  return concat(
    ethHeader(dst, src, 0x0800),
    ip,
    [sport >> 8, sport & 0xff, dport >> 8, dport & 0xff, udpLen >> 8, udpLen & 0xff, 0, 0],
    payload,
  );
}

/** Solicited-node multicast address of an IPv6 address (RFC 4291 §2.7.1). */
export function solicitedNode(target: number[]): number[] {
  return [0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, target[13]!, target[14]!, target[15]!];
}

/** An ICMPv6 Neighbor Solicitation (RFC 4861 §4.3) with a source link-layer address option. */
export function neighborSolicit(o: { srcMac: string; srcIp: string; target: string; vid?: number }): Uint8Array {
  const target = ipv6Bytes(o.target);
  const dstIp = solicitedNode(target);
  const dstMac = `33:33:${dstIp.slice(12).map((x) => x.toString(16).padStart(2, '0')).join(':')}`;
  const icmp = concat([135, 0, 0, 0, 0, 0, 0, 0], target, [1, 1], macBytes(o.srcMac));
  const src = ipv6Bytes(o.srcIp);
  const ip = concat([0x60, 0, 0, 0, 0, icmp.length, 58, 255], src, dstIp);
  const pseudo = concat(src, dstIp, [0, 0, 0, icmp.length, 0, 0, 0, 58]);
  const c = ~onesSum(icmp, 0, icmp.length, onesSum(pseudo)) & 0xffff;
  icmp[2] = c >> 8;
  icmp[3] = c & 0xff;
  return concat(ethHeader(dstMac, o.srcMac, 0x86dd, o.vid), ip, icmp);
}

export function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}
