import { describeFrame, findLayer, type DecodedFrame, type Layer } from '../../packet/frame';
import type { Json } from './bgp';

const ARP_OPS: Record<number, string> = { 1: 'request', 2: 'reply' };

/** The inner (or only) Ethernet frame's summary: MACs, VLANs, ARP or IP fields. */
function l2View(layers: Layer[]): Record<string, Json> {
  const out: Record<string, Json> = {};
  const eth = findLayer(layers, 'ethernet');
  if (eth) {
    out.srcMac = eth.value.src;
    out.dstMac = eth.value.dst;
    out.ethertype = `0x${eth.value.ethertype.toString(16).padStart(4, '0')}`;
    if (eth.value.vlans.length) out.vlans = eth.value.vlans.map((v) => v.vid);
  }
  const arp = findLayer(layers, 'arp');
  if (arp) {
    const a = arp.value;
    out.arp = { op: ARP_OPS[a.op] ?? a.op, senderMac: a.senderMac, senderIp: a.senderIp, targetMac: a.targetMac, targetIp: a.targetIp };
  }
  const v4 = findLayer(layers, 'ipv4');
  const v6 = findLayer(layers, 'ipv6');
  if (v4) out.ip = { src: v4.value.src, dst: v4.value.dst, protocol: v4.value.protocol, ttl: v4.value.ttl };
  else if (v6) out.ip = { src: v6.value.src, dst: v6.value.dst, protocol: v6.upperProtocol, ttl: v6.value.hopLimit };
  const icmp = findLayer(layers, 'icmpv4');
  if (icmp) out.icmp = icmp.value.kind === 'echo' ? { type: icmp.value.type, id: icmp.value.id, seq: icmp.value.seq } : { type: icmp.value.type, code: icmp.value.code };
  const icmp6 = findLayer(layers, 'icmpv6');
  if (icmp6) {
    const m = icmp6.value;
    out.icmpv6 = m.kind === 'ns' || m.kind === 'na' ? { kind: m.kind, target: m.target } : m.kind === 'echo' ? { kind: 'echo', type: m.type, id: m.id, seq: m.seq } : { type: m.type, code: m.code };
  }
  return out;
}

/** A VXLAN frame: outer addressing, VNI and the inner frame's summary. */
export function vxlanView(f: DecodedFrame): Record<string, Json> | null {
  const vxIndex = f.layers.findIndex((l) => l.type === 'vxlan');
  if (vxIndex < 0) return null;
  const outer = f.layers.slice(0, vxIndex);
  const inner = f.layers.slice(vxIndex + 1);
  const vx = f.layers[vxIndex] as Extract<Layer, { type: 'vxlan' }>;
  const udp = findLayer(outer, 'udp');
  const o = l2View(outer);
  delete o.ethertype;
  if (udp) Object.assign(o, { srcPort: udp.value.srcPort, dstPort: udp.value.dstPort });
  return {
    type: 'VXLAN',
    outer: o,
    vni: vx.value.vni,
    iFlag: vx.value.iFlag,
    inner: l2View(inner),
    summary: describeFrame({ layers: inner }),
  };
}
