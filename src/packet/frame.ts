import { DecodeError } from '../util/errors';
import { Reader } from '../util/reader';
import type { ChecksumMode } from './checksum';
import * as arp from './arp';
import * as ethernet from './ethernet';
import * as icmpv4 from './icmpv4';
import * as icmpv6 from './icmpv6';
import * as ipv4 from './ipv4';
import * as ipv6 from './ipv6';
import * as tcp from './tcp';
import * as udp from './udp';
import * as vxlan from './vxlan';
import { EtherType } from './ethernet';
import { IpProto } from './ipv4';

/**
 * One decoded layer, outermost first. Each carries the full decoded value of
 * its codec (payload included), so any layer can be re-encoded on its own.
 */
export type Layer =
  | { type: 'ethernet'; value: ethernet.EthernetFrame }
  | {
      type: 'arp';
      value: arp.ArpPacket;
      /** Octets after the 28-octet ARP packet (minimum-frame padding). */
      trailer: Uint8Array;
    }
  | {
      type: 'ipv4';
      value: ipv4.Ipv4Packet;
      /** Octets after Total Length in the Ethernet payload (minimum-frame padding). */
      trailer: Uint8Array;
    }
  | {
      type: 'ipv6';
      value: ipv6.Ipv6Packet;
      trailer: Uint8Array;
      /** Hop-by-Hop/Routing/Destination/Fragment headers before the upper layer, raw. */
      extHeaders: Uint8Array;
      /** Protocol after the extension headers. */
      upperProtocol: number;
    }
  | {
      type: 'udp';
      value: udp.UdpDatagram;
      /** Octets of the IP payload after UDP Length (normally none). */
      trailer: Uint8Array;
    }
  | { type: 'tcp'; value: tcp.TcpSegment }
  | { type: 'icmpv4'; value: icmpv4.Icmpv4Message }
  | { type: 'icmpv6'; value: icmpv6.Icmpv6Message }
  | { type: 'vxlan'; value: vxlan.VxlanPacket };

export type LayerType = Layer['type'];

export interface DecodedFrame {
  layers: Layer[];
  /** Why decoding stopped before the innermost payload, if it did; the layers before it are valid. */
  error?: DecodeError;
}

export interface DecodeFrameOptions {
  /** UDP destination ports decoded as VXLAN (default [4789]). */
  vxlanPorts?: readonly number[];
  /** Maximum VXLAN nesting followed (default 4), against crafted frame-in-frame recursion. */
  maxVxlanDepth?: number;
}

/** IPv6 extension headers with the common (next header, length in 8-octet units) layout (RFC 8200 §4). */
function isExtHeader(nh: number): boolean {
  return nh === IpProto.HOPOPT || nh === IpProto.IPV6_ROUTE || nh === IpProto.IPV6_OPTS || nh === IpProto.IPV6_FRAG;
}

/**
 * Walks the extension header chain of an IPv6 payload. Returns the upper
 * protocol and where it starts; `laterFragment` marks a non-first fragment,
 * whose upper-layer header is in another packet.
 */
function walkExtHeaders(p: ipv6.Ipv6Packet): { upper: number; offset: number; laterFragment: boolean } {
  const r = new Reader(p.payload);
  let nh = p.nextHeader;
  let laterFragment = false;
  while (isExtHeader(nh)) {
    const next = r.u8('IPv6 extension next header');
    const len = r.u8('IPv6 extension length');
    if (nh === IpProto.IPV6_FRAG) {
      // RFC 8200 §4.5: fixed 8 octets; the length octet is reserved.
      const fo = r.u16('IPv6 fragment offset');
      r.skip(4, 'IPv6 fragment identification');
      if (fo >>> 3 !== 0) laterFragment = true;
    } else {
      r.skip(len * 8 + 6, `IPv6 extension header ${nh}`);
    }
    nh = next;
    if (laterFragment) break;
  }
  return { upper: nh, offset: r.pos, laterFragment };
}

function decodeL2(bytes: Uint8Array, layers: Layer[], opts: Required<DecodeFrameOptions>, depth: number): void {
  const eth = ethernet.decode(new Reader(bytes));
  layers.push({ type: 'ethernet', value: eth });
  const r = new Reader(eth.payload);
  switch (eth.ethertype) {
    case EtherType.ARP:
      layers.push({ type: 'arp', value: arp.decode(r), trailer: r.rest() });
      return;
    case EtherType.IPV4: {
      const ip = ipv4.decode(r);
      layers.push({ type: 'ipv4', value: ip, trailer: r.rest() });
      if (ipv4.isFragment(ip)) return;
      decodeL4(ip.protocol, ip.payload, ip.src, ip.dst, 4, layers, opts, depth);
      return;
    }
    case EtherType.IPV6: {
      const ip = ipv6.decode(r);
      const trailer = r.rest();
      const layer: Layer = { type: 'ipv6', value: ip, trailer, extHeaders: new Uint8Array(0), upperProtocol: ip.nextHeader };
      layers.push(layer);
      const ext = walkExtHeaders(ip);
      layer.extHeaders = ip.payload.slice(0, ext.offset);
      layer.upperProtocol = ext.upper;
      if (ext.laterFragment) return;
      decodeL4(ext.upper, ip.payload.subarray(ext.offset), ip.src, ip.dst, 6, layers, opts, depth);
      return;
    }
    default:
      return;
  }
}

function decodeL4(
  proto: number,
  payload: Uint8Array,
  src: string,
  dst: string,
  family: 4 | 6,
  layers: Layer[],
  opts: Required<DecodeFrameOptions>,
  depth: number,
): void {
  const r = new Reader(payload);
  const addrs = { src, dst };
  if (proto === IpProto.UDP) {
    const u = udp.decode(r, addrs);
    layers.push({ type: 'udp', value: u, trailer: r.rest() });
    if (opts.vxlanPorts.includes(u.dstPort) && depth < opts.maxVxlanDepth) {
      const v = vxlan.decode(new Reader(u.payload));
      layers.push({ type: 'vxlan', value: v });
      decodeL2(v.payload, layers, opts, depth + 1);
    }
  } else if (proto === IpProto.TCP) {
    layers.push({ type: 'tcp', value: tcp.decode(r, addrs) });
  } else if (proto === IpProto.ICMP && family === 4) {
    layers.push({ type: 'icmpv4', value: icmpv4.decode(r) });
  } else if (proto === IpProto.ICMPV6 && family === 6) {
    layers.push({ type: 'icmpv6', value: icmpv6.decode(r, addrs) });
  }
}

/**
 * Decodes Ethernet → VLAN tags → ARP/IPv4/IPv6 → UDP/TCP/ICMP → VXLAN →
 * inner Ethernet → … as far as it can. Never throws on any input: a
 * malformed layer ends the walk with `error` set.
 */
export function decodeFrame(bytes: Uint8Array, options: DecodeFrameOptions = {}): DecodedFrame {
  const opts: Required<DecodeFrameOptions> = {
    vxlanPorts: options.vxlanPorts ?? [vxlan.VXLAN_PORT],
    maxVxlanDepth: options.maxVxlanDepth ?? 4,
  };
  const layers: Layer[] = [];
  // A Node Buffer's slice() is a view, not a copy: decode a plain Uint8Array so the layers own their bytes.
  const plain = Object.getPrototypeOf(bytes) === Uint8Array.prototype ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  try {
    decodeL2(plain, layers, opts, 0);
    return { layers };
  } catch (e) {
    if (e instanceof DecodeError) return { layers, error: e };
    throw e;
  }
}

/** The first layer of a type, or undefined. */
export function findLayer<T extends LayerType>(f: DecodedFrame | Layer[], type: T, nth = 0): Extract<Layer, { type: T }> | undefined {
  const layers = Array.isArray(f) ? f : f.layers;
  let seen = 0;
  for (const l of layers) {
    if (l.type === type && seen++ === nth) return l as Extract<Layer, { type: T }>;
  }
  return undefined;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (b.length === 0) return a;
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

function encodeWith<T>(len: number, fn: (buf: Uint8Array) => number, what: T): Uint8Array {
  const buf = new Uint8Array(len);
  const end = fn(buf);
  if (end !== len) throw new Error(`${String(what)}: encodingLength ${len} but encode wrote ${end}`);
  return buf;
}

/**
 * Re-encodes layers (as produced by decodeFrame), innermost first, each
 * layer's payload replaced by the encoding of the layers inside it. With
 * checksum 'keep' (the default) a decoded frame encodes to its original bytes,
 * bad checksums included; 'compute' writes correct checksums everywhere.
 */
export function encodeFrame(layers: Layer[], checksum: ChecksumMode = 'keep'): Uint8Array {
  let inner: Uint8Array | undefined;
  for (let i = layers.length - 1; i >= 0; i--) {
    const l = layers[i]!;
    let ip: Extract<Layer, { type: 'ipv4' | 'ipv6' }> | undefined;
    for (let j = i - 1; j >= 0 && !ip; j--) {
      const c = layers[j]!;
      if (c.type === 'ipv4' || c.type === 'ipv6') ip = c;
    }
    const addrs = ip ? { src: ip.value.src, dst: ip.value.dst, checksum } : undefined;
    switch (l.type) {
      case 'ethernet': {
        const v = inner ? { ...l.value, payload: inner } : l.value;
        inner = encodeWith(ethernet.encodingLength(v), (b) => ethernet.encode(v, b, 0), l.type);
        break;
      }
      case 'arp':
        inner = concat(encodeWith(arp.encodingLength(l.value), (b) => arp.encode(l.value, b, 0), l.type), l.trailer);
        break;
      case 'ipv4': {
        const v = inner ? { ...l.value, payload: inner } : l.value;
        inner = concat(encodeWith(ipv4.encodingLength(v), (b) => ipv4.encode(v, b, 0, { checksum }), l.type), l.trailer);
        break;
      }
      case 'ipv6': {
        const v = inner ? { ...l.value, payload: concat(l.extHeaders, inner) } : l.value;
        inner = concat(encodeWith(ipv6.encodingLength(v), (b) => ipv6.encode(v, b, 0), l.type), l.trailer);
        break;
      }
      case 'udp': {
        const v = inner ? { ...l.value, payload: inner } : l.value;
        inner = concat(encodeWith(udp.encodingLength(v), (b) => udp.encode(v, b, 0, addrs), l.type), l.trailer);
        break;
      }
      case 'tcp':
        inner = encodeWith(tcp.encodingLength(l.value), (b) => tcp.encode(l.value, b, 0, addrs), l.type);
        break;
      case 'icmpv4':
        inner = encodeWith(icmpv4.encodingLength(l.value), (b) => icmpv4.encode(l.value, b, 0, { checksum }), l.type);
        break;
      case 'icmpv6':
        inner = encodeWith(icmpv6.encodingLength(l.value), (b) => icmpv6.encode(l.value, b, 0, addrs), l.type);
        break;
      case 'vxlan': {
        const v = inner ? { ...l.value, payload: inner } : l.value;
        inner = encodeWith(vxlan.encodingLength(v), (b) => vxlan.encode(v, b, 0), l.type);
        break;
      }
    }
  }
  return inner ?? new Uint8Array(0);
}

function describeLayer(l: Layer, next: Layer | undefined): string {
  switch (l.type) {
    case 'ethernet': {
      const tags = l.value.vlans.map((t) => ` vlan ${t.vid}${t.pcp ? ` pcp ${t.pcp}` : ''}`).join('');
      const et = next ? '' : ` type 0x${l.value.ethertype.toString(16).padStart(4, '0')}`;
      return `${l.value.src} > ${l.value.dst}${tags}${et}`;
    }
    case 'arp': {
      const a = l.value;
      switch (arp.classifyArp(a)) {
        case 'probe':
          return `ARP probe who-has ${a.targetIp} (from ${a.senderMac})`;
        case 'announcement':
          return `ARP announcement ${a.senderIp} is-at ${a.senderMac}`;
        case 'gratuitous-reply':
          return `ARP gratuitous reply ${a.senderIp} is-at ${a.senderMac}`;
        case 'request':
          return `ARP who-has ${a.targetIp} tell ${a.senderIp}`;
        case 'reply':
          return `ARP reply ${a.senderIp} is-at ${a.senderMac}`;
        default:
          return `ARP op ${a.op} ${a.senderIp} ${a.senderMac} -> ${a.targetIp} ${a.targetMac}`;
      }
    }
    case 'ipv4': {
      const v = l.value;
      const frag = ipv4.isFragment(v) ? ` frag off ${v.fragmentOffset * 8}${v.moreFragments ? '+' : ''}` : '';
      return `IPv4 ${v.src} > ${v.dst} ttl ${v.ttl}${v.checksumValid === false ? ' [bad hdr cksum]' : ''}${next ? '' : ` proto ${v.protocol}`}${frag}`;
    }
    case 'ipv6':
      return `IPv6 ${l.value.src} > ${l.value.dst} hlim ${l.value.hopLimit}${next ? '' : ` nh ${l.upperProtocol}`}`;
    case 'udp':
      return `UDP ${l.value.srcPort} > ${l.value.dstPort} len ${l.value.payload.length}`;
    case 'tcp': {
      const f = l.value.flags;
      const names = (['FIN', 'SYN', 'RST', 'PSH', 'ACK', 'URG', 'ECE', 'CWR'] as const).filter((_, i) => f & (1 << i));
      return `TCP ${l.value.srcPort} > ${l.value.dstPort} [${names.join(',')}] seq ${l.value.seq} ack ${l.value.ack} len ${l.value.payload.length}`;
    }
    case 'icmpv4': {
      const m = l.value;
      if (m.kind === 'echo') return `ICMP echo ${m.type === 8 ? 'request' : 'reply'} id 0x${m.id.toString(16).padStart(4, '0')} seq ${m.seq}`;
      return `ICMP type ${m.type} code ${m.code}`;
    }
    case 'icmpv6': {
      const m = l.value;
      const lla = (opts: icmpv6.NdOption[]): string =>
        opts.map((o) => (o.kind === 'raw' ? ` opt ${o.type}` : ` ${o.kind} ${o.mac}`)).join('');
      if (m.kind === 'ns') return `ICMPv6 neighbor solicitation who-has ${m.target}${lla(m.options)}`;
      if (m.kind === 'na') {
        const fl = `${m.router ? 'R' : ''}${m.solicited ? 'S' : ''}${m.override ? 'O' : ''}`;
        return `ICMPv6 neighbor advertisement ${m.target}${fl ? ` [${fl}]` : ''}${lla(m.options)}`;
      }
      if (m.kind === 'echo') return `ICMPv6 echo ${m.type === 128 ? 'request' : 'reply'} id 0x${m.id.toString(16).padStart(4, '0')} seq ${m.seq}`;
      return `ICMPv6 type ${m.type} code ${m.code}`;
    }
    case 'vxlan':
      return `VXLAN VNI ${l.value.vni}${l.value.iFlag ? '' : ' [I flag clear]'}`;
  }
}

/** A one-line, tcpdump-like summary; VXLAN starts a new " | " section for the inner frame. */
export function describeFrame(f: DecodedFrame): string {
  const parts: string[] = [];
  f.layers.forEach((l, i) => {
    const s = describeLayer(l, f.layers[i + 1]);
    parts.push(l.type === 'ethernet' && i > 0 ? `| ${s}` : s);
  });
  if (f.error) parts.push(`[malformed: ${f.error.message}]`);
  return parts.join(' ');
}
