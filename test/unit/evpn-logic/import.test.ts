import { describe, expect, it } from 'vitest';
import { AttrType, MsgType } from '../../../src/bgp/wire/iana';
import { decode, encodeToBytes, evpnReach, getAttr } from '../../../src/bgp/wire/update';
import { routeTargetsOf } from '../../../src/bgp/wire/ext-community';
import type { EvpnEvent } from '../../../src/evpn/events';
import { EvpnImporter } from '../../../src/evpn/import';
import { autoL2Origin, originateImet, originateMacIp, originatePrefix } from '../../../src/evpn/originate';
import { Rib } from '../../../src/rib/rib';
import { Reader } from '../../../src/util/reader';
import { readPcapBgp } from '../bgp-attr/support';
import { announce, peer, roundTrip, type2, withdraw } from '../rib/support';

function setup() {
  const rib = new Rib({ asn: 65100, routerId: '10.98.0.100', clusterId: '10.98.0.100', vtepIp: '10.99.0.100' });
  const imp = new EvpnImporter({
    evis: [
      { vni: 100, importRts: ['65100:100'] },
      { vni: 200, importRts: ['65100:200'] },
    ],
    vrfs: [{ name: 'tenant', l3vni: 1000, importRts: ['65100:1000'] }],
  });
  imp.attach(rib);
  const events: EvpnEvent[] = [];
  imp.onEvents((e) => events.push(...e));
  return { rib, imp, events };
}

describe('EVPN import by route target', () => {
  it('imports into the EVIs whose RT matches, and removes on withdrawal', () => {
    const { rib, imp, events } = setup();
    rib.peerUp(peer('10.98.0.1'));
    rib.applyUpdate('10.98.0.1', roundTrip(announce([type2(1)], { rts: ['65100:100'] })));
    rib.applyUpdate('10.98.0.1', roundTrip(announce([type2(2)], { rts: ['65100:300'] })));
    rib.flush();
    expect(imp.evis.get(100)!.macCount).toBe(1);
    expect(imp.evis.get(200)!.macCount).toBe(0);
    expect(events.map((e) => e.kind)).toEqual(['macAdded', 'arpAdded']);
    rib.applyUpdate('10.98.0.1', roundTrip(withdraw([type2(1)])));
    rib.flush();
    expect(imp.evis.get(100)!.macCount).toBe(0);
    expect(events.slice(2).map((e) => e.kind)).toEqual(['arpRemoved', 'macRemoved']);
  });

  it('moves a route between EVIs when its route targets change', () => {
    const { rib, imp } = setup();
    rib.peerUp(peer('10.98.0.1'));
    rib.applyUpdate('10.98.0.1', roundTrip(announce([type2(1)], { rts: ['65100:100'] })));
    rib.flush();
    rib.applyUpdate('10.98.0.1', roundTrip(announce([type2(1)], { rts: ['65100:200'] })));
    rib.flush();
    expect(imp.evis.get(100)!.macCount).toBe(0);
    expect(imp.evis.get(200)!.macCount).toBe(1);
  });

  it('the FRR↔FRR capture builds flood lists, MAC, ARP and VRF tables', () => {
    const { rib, imp, events } = setup();
    rib.peerUp(peer('10.98.0.1', { routeReflectorClient: true, extendedMessage: true }));
    rib.peerUp(peer('10.98.0.2', { routeReflectorClient: true, extendedMessage: true }));
    const ctx = { fourOctetAs: true, extendedMessage: true, addPathRx: new Set<string>(), ibgp: true };
    for (const m of readPcapBgp('frr-frr-ibgp-evpn.pcap')) {
      if (m.type !== MsgType.UPDATE) continue;
      rib.applyUpdate(m.src, decode(new Reader(m.bytes), ctx));
      rib.flush();
    }
    const v100 = imp.evis.get(100)!;
    const v200 = imp.evis.get(200)!;
    expect(v100.floodList().sort()).toEqual(['10.97.0.2', '10.98.0.1', '10.98.0.2']);
    expect(v200.floodList().sort()).toEqual(['10.98.0.1', '10.98.0.2']);
    expect(v100.lookupMac('02:cc:00:00:00:11')).toMatchObject({ vtep: '10.98.0.1', remoteVni: 100, seq: 0 });
    expect(v100.lookupMac('02:dd:00:00:00:02')).toMatchObject({ vtep: '10.97.0.2' });
    expect(v200.lookupMac('02:cc:00:00:00:13')).toMatchObject({ vtep: '10.98.0.2', remoteVni: 200 });
    expect(v100.arp.get('10.100.0.12')).toBe('02:cc:00:00:00:12');
    const vrf = imp.vrfs.get('tenant')!;
    expect(vrf.lookup('10.200.0.13/32')).toMatchObject({ vtep: '10.98.0.2', routerMac: '02:bb:00:00:10:00', remoteVni: 1000 });
    expect(vrf.lookup('10.250.0.0/24')).toMatchObject({ vtep: '10.97.0.2', routerMac: '02:dd:00:00:10:00' });
    // Both VTEPs announce 10.100.0.0/24: the lower VTEP is installed, the other kept.
    expect(vrf.candidates('10.100.0.0/24').map((c) => c.vtep)).toEqual(['10.98.0.1', '10.98.0.2']);
    expect(events.filter((e) => e.kind === 'vtepAdded')).toHaveLength(5);
  });
});

describe('originated routes', () => {
  const l2 = autoL2Origin('10.98.0.100', 65100, 100, 2);
  const l3 = { l3vni: 1000, rd: { type: 1 as const, admin: '10.98.0.100', assigned: 1 }, exportRts: [{ form: 'as2' as const, asn: 65100, local: 1000 }], routerMac: '02:aa:00:00:10:00' };

  it('type 3 with PMSI ingress replication, label = VNI, tunnel id = VTEP', () => {
    const { route, attrs } = originateImet(l2, '10.99.0.100');
    expect(route).toMatchObject({ routeType: 3, rd: { type: 1, admin: '10.98.0.100', assigned: 2 }, originatorIp: '10.99.0.100' });
    const a = { attributes: attrs };
    expect(getAttr(a, AttrType.PMSI_TUNNEL)).toMatchObject({ tunnelType: 6, label: 100, tunnelId: '10.99.0.100' });
    expect(routeTargetsOf(getAttr(a, AttrType.EXTENDED_COMMUNITIES)!.communities)).toEqual(['65100:100']);
    expect(getAttr(a, AttrType.EXTENDED_COMMUNITIES)!.communities[0]).toEqual({ kind: 'encapsulation', tunnelType: 8 });
  });

  it('type 2 MAC+IP with label2, router MAC and MAC mobility only when seq > 0', () => {
    const plain = originateMacIp(l2, '02:cc:00:00:00:99');
    expect(plain.route).toMatchObject({ label1: 100 });
    expect(plain.route.label2).toBeUndefined();
    expect(getAttr({ attributes: plain.attrs }, AttrType.EXTENDED_COMMUNITIES)!.communities.some((c) => c.kind === 'mac-mobility')).toBe(false);
    const irb = originateMacIp(l2, '02:cc:00:00:00:99', { ip: '10.100.0.99', seq: 3, l3 });
    expect(irb.route).toMatchObject({ label1: 100, label2: 1000, ip: '10.100.0.99' });
    const cs = getAttr({ attributes: irb.attrs }, AttrType.EXTENDED_COMMUNITIES)!.communities;
    expect(routeTargetsOf(cs)).toEqual(['65100:100', '65100:1000']);
    expect(cs).toContainEqual({ kind: 'router-mac', mac: '02:aa:00:00:10:00' });
    expect(cs).toContainEqual({ kind: 'mac-mobility', flags: 0, seq: 3 });
  });

  it('type 5 with L3VNI and router MAC; all of them reach a peer and decode', () => {
    const rib = new Rib({ asn: 65100, routerId: '10.98.0.100', clusterId: '10.98.0.100', vtepIp: '10.99.0.100' });
    rib.peerUp(peer('10.98.0.1'));
    for (const o of [originateImet(l2, '10.99.0.100'), originateMacIp(l2, '02:cc:00:00:00:99', { ip: '10.100.0.99', l3 }), originatePrefix(l3, '10.100.0.0/24')]) {
      rib.originate(o.route, o.attrs);
    }
    rib.flush();
    const ctx = { fourOctetAs: true, extendedMessage: false, addPathRx: new Set<string>(), ibgp: true };
    const got = rib.drainOut('10.98.0.1').map((u) => decode(new Reader(encodeToBytes(u, ctx)), ctx));
    const routes = got.flatMap((u) => evpnReach(u).map((n) => n.route));
    expect(routes.map((r) => r.routeType).sort()).toEqual([2, 3, 5]);
    const t5 = routes.find((r) => r.routeType === 5)!;
    expect(t5).toMatchObject({ prefix: '10.100.0.0', prefixLength: 24, label: 1000, gatewayIp: '0.0.0.0' });
    for (const u of got.filter((x) => evpnReach(x).length > 0)) {
      expect(getAttr(u, AttrType.LOCAL_PREF)!.localPref).toBe(100);
      expect(getAttr(u, AttrType.MP_REACH_NLRI)!.nextHop).toEqual(['10.99.0.100']);
    }
  });
});
