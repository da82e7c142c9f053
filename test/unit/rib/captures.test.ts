import { describe, expect, it } from 'vitest';
import { formatRoute } from '../../../src/bgp/wire/evpn/key';
import { rdToString } from '../../../src/bgp/wire/evpn/rd';
import { AttrType, MsgType } from '../../../src/bgp/wire/iana';
import { decode, encodeToBytes, evpnReach, getAttr, isEndOfRib, nextHopOf } from '../../../src/bgp/wire/update';
import { Rib } from '../../../src/rib/rib';
import { Reader } from '../../../src/util/reader';
import { readPcapBgp } from '../bgp-attr/support';
import { peer } from './support';

/*
 * Real UPDATEs from the shared captures fed through the RIB: FRR's iBGP
 * routes with us as route reflector between the two FRR VTEPs, and the
 * GoBGP↔FRR eBGP session with us in GoBGP's place, where FRR echoes
 * GoBGP's own routes back (AS_PATH 65100 65200) and they must be ignored.
 */

function show(rib: Rib): string[] {
  return [...rib.bestPaths()].map((b) => `${'rd' in b.route ? rdToString(b.route.rd) : '?'} ${formatRoute(b.route)} via ${b.nextHop} from ${b.from}`).sort();
}

describe('RIB fed with the FRR↔FRR iBGP capture (us as route reflector)', () => {
  const msgs = readPcapBgp('frr-frr-ibgp-evpn.pcap').filter((m) => m.type === MsgType.UPDATE);
  const ctx = { fourOctetAs: true, extendedMessage: true, addPathRx: new Set<string>(), ibgp: true };

  it('installs every route of both VTEPs and reflects A’s routes to B', () => {
    const rib = new Rib({ asn: 65100, routerId: '10.98.0.100', clusterId: '10.98.0.100' });
    rib.peerUp(peer('10.98.0.1', { routeReflectorClient: true, extendedMessage: true }));
    rib.peerUp(peer('10.98.0.2', { routeReflectorClient: true, extendedMessage: true }));
    rib.flush();
    rib.drainOut('10.98.0.1');
    rib.drainOut('10.98.0.2');
    let eors = 0;
    for (const m of msgs) {
      const u = decode(new Reader(m.bytes), ctx);
      if (isEndOfRib(u)) eors++;
      rib.applyUpdate(m.src, u);
      rib.flush();
    }
    expect(eors).toBe(2);
    const table = show(rib);
    expect(table).toHaveLength(18);
    expect(table).toContain('10.98.0.1:2 [2]:[0]:[48]:[02:cc:00:00:00:11]:[32]:[10.100.0.11] via 10.98.0.1 from 10.98.0.1');
    expect(table).toContain('10.98.0.2:3 [3]:[0]:[32]:[10.98.0.2] via 10.98.0.2 from 10.98.0.2');
    expect(table).toContain('10.97.0.2:1000 [5]:[0]:[24]:[10.250.0.0] via 10.97.0.2 from 10.98.0.1');
    expect(rib.peerCounters('10.98.0.1')).toMatchObject({ received: 10, advertised: 8 });
    expect(rib.peerCounters('10.98.0.2')).toMatchObject({ received: 8, advertised: 10 });

    // What B got from us: A's routes, next hop unchanged, ORIGINATOR_ID = A, CLUSTER_LIST = us.
    expect(rib.drainOut('10.98.0.2').flatMap((u) => evpnReach(u))).toHaveLength(10);
    rib.refresh('10.98.0.2', 25, 70);
    rib.flush();
    const out = rib.drainOut('10.98.0.2');
    const reflected = out.flatMap((u) => evpnReach(u).map((n) => ({ n, u })));
    expect(reflected).toHaveLength(10);
    for (const { u } of reflected) {
      expect(getAttr(u, AttrType.ORIGINATOR_ID)!.originatorId).toBe('10.98.0.1');
      expect(getAttr(u, AttrType.CLUSTER_LIST)!.clusterList).toEqual(['10.98.0.100']);
      expect(getAttr(u, AttrType.LOCAL_PREF)!.localPref).toBe(100);
      // Re-decodable by the peer.
      expect(decode(new Reader(encodeToBytes(u, ctx)), ctx).action).toBe(0);
    }
    const gobgpRoutes = reflected.filter(({ u }) => nextHopOf(u) === '10.97.0.2');
    expect(gobgpRoutes).toHaveLength(4);
  });
});

describe('RIB fed with the GoBGP↔FRR eBGP capture (us in GoBGP’s place)', () => {
  const msgs = readPcapBgp('gobgp-frr-ebgp-evpn.pcap').filter((m) => m.type === MsgType.UPDATE && m.src === '10.97.0.1');
  const ctx = { fourOctetAs: true, extendedMessage: false, addPathRx: new Set<string>(), ibgp: false };

  it('ignores FRR echoing our own routes back (own AS in AS_PATH)', () => {
    const rib = new Rib({ asn: 65200, routerId: '10.97.0.2', clusterId: '10.97.0.2' });
    rib.peerUp(peer('10.97.0.1', { ibgp: false, asn: 65100, bgpId: '10.98.0.1' }));
    for (const m of msgs) rib.applyUpdate('10.97.0.1', decode(new Reader(m.bytes), ctx));
    rib.flush();
    const table = show(rib);
    expect(table).toHaveLength(14);
    expect(table.filter((l) => l.startsWith('10.97.0.2:'))).toEqual([]);
    expect(table).toContain('10.98.0.1:1 [5]:[0]:[24]:[10.100.0.0] via 10.98.0.1 from 10.97.0.1');
    const c = rib.peerCounters('10.97.0.1')!;
    expect(c.in.loops).toBe(4);
    expect(c.lastLoop).toMatch(/own AS 65200/);
  });
});
