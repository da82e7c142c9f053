import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig, type VtepConfig } from '../../../src/config';
import { MemoryDataplane } from '../../../src/dataplane/memory';
import { nativeUnavailableReason } from '../../../src/dataplane/native';
import { Vtep } from '../../../src/vtep/vtep';
import { createLogger } from '../../../src/util/log';
import * as arp from '../../../src/packet/arp';
import { decodeFrame, encodeFrame, findLayer, type Layer } from '../../../src/packet/frame';
import { EtherType } from '../../../src/packet/ethernet';
import { BROADCAST_MAC } from '../../../src/util/mac';
import { until } from '../session/support';

/**
 * Two whole VTEPs in one process: real speakers talking BGP over loopback,
 * real RIBs and EVPN import, and the real C++ pipeline as data plane, the
 * two joined by an in-memory underlay. Hosts are frames pushed into access
 * port 0 of each. This is the L2 service end to end, without root.
 */

const why = nativeUnavailableReason();
if (why) console.warn(`[skip] two VTEPs in memory: ${why}`);

const H1 = { mac: '02:cc:00:00:00:11', ip: '10.100.0.11' };
const H2 = { mac: '02:cc:00:00:00:12', ip: '10.100.0.12' };
const EMPTY = new Uint8Array(0);

function arpFrame(src: string, dst: string, body: arp.ArpPacket): Uint8Array {
  return encodeFrame([{ type: 'ethernet', value: { src, dst, ethertype: EtherType.ARP, vlans: [], payload: EMPTY } }, { type: 'arp', value: body, trailer: EMPTY }], 'compute');
}

function udpFrame(src: { mac: string; ip: string }, dst: { mac: string; ip: string }): Uint8Array {
  const layers: Layer[] = [
    { type: 'ethernet', value: { src: src.mac, dst: dst.mac, ethertype: EtherType.IPV4, vlans: [], payload: EMPTY } },
    { type: 'ipv4', value: { dscp: 0, ecn: 0, id: 7, dontFragment: true, moreFragments: false, fragmentOffset: 0, ttl: 64, protocol: 17, src: src.ip, dst: dst.ip, options: EMPTY, payload: EMPTY }, trailer: EMPTY },
    { type: 'udp', value: { srcPort: 40000, dstPort: 9, payload: Uint8Array.of(1, 2, 3, 4) }, trailer: EMPTY },
  ];
  return encodeFrame(layers, 'compute');
}

function config(me: 'a' | 'b'): VtepConfig {
  const self = me === 'a' ? { lo: '127.0.0.2', vtep: '10.99.0.1', id: '10.0.0.1' } : { lo: '127.0.0.3', vtep: '10.99.0.2', id: '10.0.0.2' };
  const peer = me === 'a' ? '127.0.0.3' : '127.0.0.2';
  const text = `router-id: ${self.id}
as: 65000
listen: { address: ${self.lo}, port: 0 }
underlay: { address: ${self.vtep} }
neighbors:
  - { address: ${peer}, remote-as: 65000, local-address: ${self.lo}, hold-time: 9 }
l2vnis:
  - { vni: 100, interface: host${me} }
migration: { probe-timeout-ms: 300 }
control-socket: /nonexistent/${me}.sock
log: { level: warn }
`;
  const r = parseConfig(text, `${me}.yaml`);
  if (!r.ok) throw new Error(r.errors.map(String).join('\n'));
  return r.config;
}

interface Node {
  vtep: Vtep;
  dp: MemoryDataplane;
  /** Frames each access port sent to its host. */
  hostRx: Uint8Array[];
  /** VXLAN datagrams sent on the underlay. */
  underlayTx: number;
}

describe.skipIf(why !== null)('two evpn-vtep VTEPs, in memory', () => {
  const nodes: Record<'a' | 'b', Node> = {} as Record<'a' | 'b', Node>;

  beforeAll(async () => {
    for (const me of ['a', 'b'] as const) {
      const cfg = config(me);
      const dp = new MemoryDataplane({
        underlay: { localIp: cfg.underlay.address, localMac: me === 'a' ? '02:aa:ff:00:00:01' : '02:bb:ff:00:00:02', nextHopMac: '02:00:00:00:00:fe' },
        probeMac: me === 'a' ? '02:aa:00:00:00:fe' : '02:bb:00:00:00:fe',
      });
      const vtep = new Vtep({
        config: cfg,
        dataplane: dp,
        portOf: () => 0,
        log: createLogger({ level: 'warn' }),
        speaker: { remotePort: () => nodes[me === 'a' ? 'b' : 'a'].vtep.speaker.port },
      });
      nodes[me] = { vtep, dp, hostRx: [], underlayTx: 0 };
      dp.onAccessTx = (_port, frame) => nodes[me].hostRx.push(frame);
    }
    // The in-memory underlay: what one VTEP sends to a VTEP index arrives at the VTEP with that address.
    for (const me of ['a', 'b'] as const) {
      const self = nodes[me];
      const other = nodes[me === 'a' ? 'b' : 'a'];
      self.dp.onUnderlayTx = (idx, payload) => {
        self.underlayTx++;
        const dst = self.vtep.programmer.vtepAt(idx);
        if (dst === config(me === 'a' ? 'b' : 'a').underlay.address) other.dp.fromUnderlay(config(me).underlay.address, payload);
      };
    }
    await nodes.a.vtep.listen();
    await nodes.b.vtep.listen();
    nodes.a.vtep.begin();
    nodes.b.vtep.begin();
    await until('both sessions Established', () => nodes.a.vtep.speaker.peers()[0]?.state === 'Established' && nodes.b.vtep.speaker.peers()[0]?.state === 'Established', 10_000);
  });

  afterAll(async () => {
    await Promise.all([nodes.a?.vtep.stop(), nodes.b?.vtep.stop()]);
  });

  it('discovers the other VTEP from its type-3 route: each has the other in VNI 100’s flood list', async () => {
    await until('flood lists', () => nodes.a.vtep.importer.evis.get(100)!.floodList().includes('10.99.0.2') && nodes.b.vtep.importer.evis.get(100)!.floodList().includes('10.99.0.1'));
    expect(nodes.a.vtep.programmer.vteps().get('10.99.0.2')).toBe(0);
  });

  it('a host’s gratuitous ARP is learned at A, advertised, and installed at B (MAC and ARP suppression entry)', async () => {
    nodes.a.dp.fromAccess(0, arpFrame(H1.mac, BROADCAST_MAC, arp.gratuitousArp(H1.mac, H1.ip, 'request')));
    const seen = await until('H1 at B', () => nodes.b.vtep.importer.evis.get(100)!.lookupMac(H1.mac));
    expect(seen).toMatchObject({ vtep: '10.99.0.1', local: false, seq: 0 });
    // The gratuitous ARP was also flooded to B once (BUM through ingress replication).
    expect(nodes.b.hostRx.filter((f) => findLayer(decodeFrame(f), 'arp')?.value.senderIp === H1.ip)).toHaveLength(1);
  });

  it('B answers H2’s ARP request for H1 itself (ARP suppression) and nothing crosses the underlay', async () => {
    nodes.b.hostRx.length = 0;
    const before = nodes.b.underlayTx;
    nodes.b.dp.fromAccess(0, arpFrame(H2.mac, BROADCAST_MAC, arp.arpRequest(H2.mac, H2.ip, H1.ip)));
    const reply = nodes.b.hostRx.map((f) => findLayer(decodeFrame(f), 'arp')?.value).find((a) => a?.op === 2);
    expect(reply).toMatchObject({ senderMac: H1.mac, senderIp: H1.ip, targetMac: H2.mac, targetIp: H2.ip });
    expect(nodes.b.underlayTx).toBe(before);
  });

  it('unicast from H2 to H1 is encapsulated at B and delivered at A', async () => {
    // H2 is learned at B (from its ARP) and advertised to A.
    await until('H2 at A', () => nodes.a.vtep.importer.evis.get(100)!.lookupMac(H2.mac));
    nodes.a.hostRx.length = 0;
    nodes.b.dp.fromAccess(0, udpFrame(H2, H1));
    expect(nodes.a.hostRx).toHaveLength(1);
    const f = decodeFrame(nodes.a.hostRx[0]!);
    expect(findLayer(f, 'ethernet')!.value).toMatchObject({ src: H2.mac, dst: H1.mac });
    expect(findLayer(f, 'udp')!.value.payload).toEqual(Uint8Array.of(1, 2, 3, 4));
  });

  it('VM migration: H1 moves from A to B; B advertises a higher sequence, A probes, gets no answer, and withdraws', async () => {
    nodes.a.hostRx.length = 0;
    // H1 appears behind B and announces itself.
    nodes.b.dp.fromAccess(0, arpFrame(H1.mac, BROADCAST_MAC, arp.gratuitousArp(H1.mac, H1.ip, 'request')));
    const atB = await until('H1 local at B with seq 1', () => {
      const m = nodes.b.vtep.importer.evis.get(100)!.lookupMac(H1.mac);
      return m && m.local && m.seq === 1 ? m : undefined;
    });
    expect(atB.vtep).toBe('10.99.0.2');
    // A lets it win and sends an RFC 5227 probe to H1 on its old port (unicast, sender IP 0.0.0.0).
    const probe = await until('probe at A', () => nodes.a.hostRx.map((x) => decodeFrame(x)).find((d) => findLayer(d, 'arp')?.value.senderIp === '0.0.0.0'));
    expect(findLayer(probe, 'ethernet')!.value.dst).toBe(H1.mac);
    expect(findLayer(probe, 'arp')!.value.targetIp).toBe(H1.ip);
    // Nobody answers: A withdraws its own route; only B's remains everywhere.
    await until('A withdrew H1', () => nodes.a.vtep.l2.localHosts().every((h) => h.mac !== H1.mac), 5000);
    await until('B sees no claim from A', () => nodes.b.vtep.importer.evis.get(100)!.lookupMac(H1.mac)?.claims === 1, 5000);
    expect(nodes.a.vtep.importer.evis.get(100)!.lookupMac(H1.mac)).toMatchObject({ vtep: '10.99.0.2', seq: 1 });
    // Traffic follows the host: a host at A reaches H1 at B.
    const H3 = { mac: '02:cc:00:00:00:13', ip: '10.100.0.13' };
    nodes.b.hostRx.length = 0;
    nodes.a.dp.fromAccess(0, udpFrame(H3, H1));
    expect(nodes.b.hostRx.map((x) => findLayer(decodeFrame(x), 'ethernet')!.value.dst)).toEqual([H1.mac]);
  });
});
