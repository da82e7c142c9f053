import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { readPcap, type PcapFile } from '../../../src/packet/pcap';
import { type Layer, encodeFrame } from '../../../src/packet/frame';
import * as arp from '../../../src/packet/arp';
import { EtherType, type VlanTag } from '../../../src/packet/ethernet';
import { IpProto } from '../../../src/packet/ipv4';
import type { Icmpv6Message } from '../../../src/packet/icmpv6';
import { neighborAdvertisement, neighborSolicitation, solicitedNode } from '../../../src/packet/icmpv6';
import { echoReply, echoRequest } from '../../../src/packet/icmpv4';
import { BROADCAST_MAC } from '../../../src/util/mac';

export const VECTORS = path.resolve(__dirname, '../../..', '..', 'shared/vectors');

export function loadCapture(name: string): PcapFile {
  return readPcap(readFileSync(path.join(VECTORS, name)));
}

const EMPTY = new Uint8Array(0);
const MAC_A = '02:aa:ff:00:00:01';
const MAC_B = '02:bb:ff:00:00:02';
const H1 = '02:cc:00:00:00:11';
const H2 = '02:cc:00:00:00:12';

export function eth(src: string, dst: string, ethertype: number, vlans: VlanTag[] = []): Layer {
  return { type: 'ethernet', value: { src, dst, ethertype, vlans, payload: EMPTY } };
}

export function v4(src: string, dst: string, protocol: number, ttl = 64): Layer {
  return {
    type: 'ipv4',
    value: { dscp: 0, ecn: 0, id: 0x1234, dontFragment: true, moreFragments: false, fragmentOffset: 0, ttl, protocol, src, dst, options: EMPTY, payload: EMPTY },
    trailer: EMPTY,
  };
}

export function v6(src: string, dst: string, nextHeader: number, hopLimit = 64): Layer {
  return {
    type: 'ipv6',
    value: { trafficClass: 0, flowLabel: 0x12345, nextHeader, hopLimit, src, dst, payload: EMPTY },
    trailer: EMPTY,
    extHeaders: EMPTY,
    upperProtocol: nextHeader,
  };
}

export function udpL(srcPort: number, dstPort: number, payload = EMPTY): Layer {
  return { type: 'udp', value: { srcPort, dstPort, payload }, trailer: EMPTY };
}

export function vxlanL(vni: number): Layer {
  return { type: 'vxlan', value: { iFlag: true, vni, payload: EMPTY } };
}

const ping = Uint8Array.from({ length: 56 }, (_, i) => i);

/** Inner frames (layers) used alone and inside VXLAN. */
function innerSets(): Record<string, Layer[]> {
  const req = echoRequest(0x787f, 1, ping);
  const ns = neighborSolicitation('fd00:100::12', H1);
  const sn = solicitedNode('fd00:100::12');
  const na: Icmpv6Message = neighborAdvertisement('fd00:100::12', H2, { solicited: true, override: true });
  return {
    'arp-request': [eth(H1, BROADCAST_MAC, EtherType.ARP), { type: 'arp', trailer: EMPTY, value: arp.arpRequest(H1, '10.100.0.11', '10.100.0.12') }],
    'arp-reply': [eth(H2, H1, EtherType.ARP), { type: 'arp', trailer: EMPTY, value: arp.arpReply(H2, '10.100.0.12', H1, '10.100.0.11') }],
    'arp-gratuitous': [eth(H1, BROADCAST_MAC, EtherType.ARP), { type: 'arp', trailer: EMPTY, value: arp.gratuitousArp(H1, '10.100.0.11', 'reply') }],
    'arp-probe': [eth(H1, BROADCAST_MAC, EtherType.ARP), { type: 'arp', trailer: EMPTY, value: arp.arpProbe(H1, '10.100.0.77') }],
    'arp-announcement': [eth(H1, BROADCAST_MAC, EtherType.ARP), { type: 'arp', trailer: EMPTY, value: arp.arpAnnouncement(H1, '10.100.0.77') }],
    'ipv4-udp': [eth(H1, H2, EtherType.IPV4), v4('10.100.0.11', '10.100.0.12', IpProto.UDP), udpL(40000, 9, Uint8Array.from([1, 2, 3, 4, 5]))],
    'ipv4-udp-dot1q': [
      eth(H1, H2, EtherType.IPV4, [{ tpid: EtherType.VLAN, pcp: 5, dei: false, vid: 100 }]),
      v4('10.100.0.11', '10.100.0.12', IpProto.UDP),
      udpL(40000, 7, Uint8Array.from([9, 8, 7])),
    ],
    'qinq-arp': [
      eth(H1, BROADCAST_MAC, EtherType.ARP, [
        { tpid: EtherType.QINQ, pcp: 0, dei: false, vid: 3000 },
        { tpid: EtherType.VLAN, pcp: 0, dei: true, vid: 200 },
      ]),
      { type: 'arp', trailer: EMPTY, value: arp.arpRequest(H1, '10.200.0.11', '10.200.0.1') },
    ],
    'ipv6-udp': [eth(H1, H2, EtherType.IPV6), v6('fd00:100::11', 'fd00:100::12', IpProto.UDP), udpL(40000, 9, Uint8Array.from([1, 2, 3]))],
    'icmp-echo-request': [eth(H1, H2, EtherType.IPV4), v4('10.100.0.11', '10.100.0.12', IpProto.ICMP), { type: 'icmpv4', value: req }],
    'icmp-echo-reply': [eth(H2, H1, EtherType.IPV4), v4('10.100.0.12', '10.100.0.11', IpProto.ICMP), { type: 'icmpv4', value: echoReply(req) }],
    'icmpv6-ns': [eth(H1, sn.mac, EtherType.IPV6), v6('fd00:100::11', sn.ip, IpProto.ICMPV6, 255), { type: 'icmpv6', value: ns }],
    'icmpv6-na': [eth(H2, H1, EtherType.IPV6), v6('fd00:100::12', 'fd00:100::11', IpProto.ICMPV6, 255), { type: 'icmpv6', value: na }],
  };
}

/** Named frames of every kind, built with the codecs (checksums computed). */
export function fixtureFrames(): { name: string; layers: Layer[]; bytes: Uint8Array }[] {
  const out: { name: string; layers: Layer[]; bytes: Uint8Array }[] = [];
  const inner = innerSets();
  for (const [name, layers] of Object.entries(inner)) out.push({ name, layers, bytes: encodeFrame(layers, 'compute') });
  const outer4 = (vni: number): Layer[] => [eth(MAC_A, MAC_B, EtherType.IPV4), v4('10.98.0.1', '10.98.0.2', IpProto.UDP), udpL(49695, 4789), vxlanL(vni)];
  const outer6 = (vni: number): Layer[] => [eth(MAC_A, MAC_B, EtherType.IPV6), v6('fd00:98::1', 'fd00:98::2', IpProto.UDP), udpL(51000, 4789), vxlanL(vni)];
  const encap: [string, Layer[]][] = [
    ['vxlan4-arp-request', [...outer4(100), ...inner['arp-request']!]],
    ['vxlan4-icmp-echo', [...outer4(1000), ...inner['icmp-echo-request']!]],
    ['vxlan4-dot1q-inner', [...outer4(200), ...inner['ipv4-udp-dot1q']!]],
    ['vxlan6-arp-reply', [...outer6(100), ...inner['arp-reply']!]],
    ['vxlan6-icmpv6-ns', [...outer6(16777215), ...inner['icmpv6-ns']!]],
  ];
  for (const [name, layers] of encap) out.push({ name, layers, bytes: encodeFrame(layers, 'compute') });
  return out;
}
