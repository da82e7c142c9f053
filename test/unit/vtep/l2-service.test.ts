import { beforeEach, describe, expect, it } from 'vitest';
import { L2Service, type VtepDataplane } from '../../../src/vtep/l2-service';
import { Rib } from '../../../src/rib/rib';
import { EvpnImporter } from '../../../src/evpn/import';
import { autoL2Origin } from '../../../src/evpn/originate';
import { Programmer } from '../../../src/dataplane/programmer';
import type { DataplaneOp } from '../../../src/dataplane/ops';
import { VirtualClock } from '../../../src/util/clock';
import { memoryLogger } from '../../../src/util/log';
import { macIpRoute } from '../../../src/bgp/wire/evpn/builders';
import { evpnRouteKey } from '../../../src/bgp/wire/evpn/key';
import { routeInfo } from '../../../src/evpn/route-info';
import { announce, peer, roundTrip, withdraw } from '../rib/support';

/**
 * Scenario tests of the L2 service: the real RIB, importer and programmer,
 * a recording data plane and a virtual clock. The remote VTEP is an iBGP
 * peer whose UPDATEs go through the real codec.
 */

const VTEP = '10.99.0.1';
const REMOTE = '10.99.0.2';
const H1 = '02:cc:00:00:00:11';

class RecordingDataplane implements VtepDataplane {
  ops: DataplaneOp[] = [];
  probes: { port: number; vni: number; mac: string; ip: string }[] = [];
  applyOps(ops: readonly DataplaneOp[]): void {
    this.ops.push(...ops);
  }
  sendArpProbe(p: { port: number; vni: number; mac: string; ip: string }): void {
    this.probes.push(p);
  }
}

function setup(maxMoves = 5) {
  const clock = new VirtualClock(0);
  const log = memoryLogger();
  const rib = new Rib({ asn: 65100, routerId: '10.0.0.1', clusterId: '10.0.0.1', vtepIp: VTEP });
  const origin = autoL2Origin('10.0.0.1', 65100, 100, 1);
  const importer = new EvpnImporter({ evis: [{ vni: 100, importRts: ['65100:100'] }] });
  importer.attach(rib);
  const dp = new RecordingDataplane();
  const svc = new L2Service({
    vtepIp: VTEP,
    vnis: [{ vni: 100, port: 0, vid: 0, origin }],
    rib,
    importer,
    programmer: new Programmer({ maxVteps: 16 }),
    dataplane: dp,
    clock,
    log,
    migration: { probeTimeoutMs: 3000, dad: { maxMoves, windowSeconds: 180 } },
  });
  importer.onEvents((evs) => svc.onEvpnEvents(evs));
  rib.peerUp(peer(REMOTE, { bgpId: REMOTE }));
  /** Routes we advertise, as the remote peer receives them (decoded from the packed UPDATEs). */
  const sent = (): { mac: string; ip?: string; seq: number; withdraw: boolean }[] => {
    rib.flush();
    return rib.drainOut(REMOTE).flatMap((u) => {
      const d = roundTrip(u);
      const out: { mac: string; ip?: string; seq: number; withdraw: boolean }[] = [];
      for (const a of d.attributes) {
        if ('raw' in a) continue;
        if ((a.type === 14 || a.type === 15) && a.nlri.kind === 'evpn') {
          for (const n of a.nlri.routes) {
            if (n.route.routeType !== 2 || 'unknown' in n.route) continue;
            const r = n.route;
            out.push({ mac: r.mac, ...(r.ip ? { ip: r.ip } : {}), seq: a.type === 14 ? routeInfo(d.attributes).seq : 0, withdraw: a.type === 15 });
          }
        }
      }
      return out;
    });
  };
  const remoteAnnounce = (seq: number, ip?: string) => {
    const r = macIpRoute({ rd: `${REMOTE}:1`, mac: H1, ...(ip ? { ip } : {}), label1: 100 });
    rib.applyUpdate(REMOTE, roundTrip(announce([r], { nextHop: REMOTE, rts: ['65100:100'], seq })));
    rib.flush();
    return r;
  };
  return { clock, log, rib, importer, dp, svc, sent, remoteAnnounce };
}

describe('L2Service', () => {
  let s: ReturnType<typeof setup>;
  beforeEach(() => {
    s = setup();
  });

  it('sets up the VNI and port, and joins the flood tree with a type-3 route', () => {
    s.svc.start();
    expect(s.dp.ops).toEqual([
      { op: 'vniAdd', vni: 100 },
      { op: 'portAdd', port: 0, vni: 100, vid: 0 },
    ]);
    s.rib.flush();
    const imet = s.rib.drainOut(REMOTE).map((u) => roundTrip(u));
    const reach = imet.flatMap((u) => u.attributes.filter((a) => !('raw' in a) && a.type === 14));
    expect(reach).toHaveLength(1);
  });

  it('advertises a learned MAC, then MAC+IP when the host ARPs, with no mobility community for a new host', () => {
    s.svc.start();
    s.sent();
    s.svc.onDataplaneEvents([{ type: 'macLearned', vni: 100, port: 0, mac: H1 }]);
    s.svc.onDataplaneEvents([{ type: 'ipBinding', vni: 100, port: 0, mac: H1, ip: '10.100.0.11' }]);
    expect(s.sent()).toEqual([
      { mac: H1, seq: 0, withdraw: false },
      { mac: H1, ip: '10.100.0.11', seq: 0, withdraw: false },
    ]);
  });

  it('a host arriving from another VTEP is advertised with a sequence number one higher (RFC 7432 §15)', () => {
    s.svc.start();
    s.remoteAnnounce(3, '10.100.0.11');
    s.sent();
    s.svc.onDataplaneEvents([{ type: 'macMoved', vni: 100, port: 0, mac: H1, from: { kind: 'vtep', vtepIdx: 0 } }]);
    const adv = s.sent();
    expect(adv[0]).toEqual({ mac: H1, seq: 4, withdraw: false });
    expect(s.svc.counters.moves).toBe(1);
  });

  it('old VTEP: lets the newer route win, probes the host, and withdraws when nobody answers', () => {
    s.svc.start();
    s.svc.onDataplaneEvents([
      { type: 'macLearned', vni: 100, port: 0, mac: H1 },
      { type: 'ipBinding', vni: 100, port: 0, mac: H1, ip: '10.100.0.11' },
    ]);
    s.sent();
    s.dp.ops = [];
    s.remoteAnnounce(1);
    // The remote route wins at once: the data plane points the MAC at the new VTEP.
    expect(s.dp.ops).toContainEqual(expect.objectContaining({ op: 'remoteMacAdd', vni: 100, mac: H1, seq: 1 }));
    // And the host is probed on its old port, unicast, with the IP we knew.
    expect(s.dp.probes).toEqual([{ port: 0, vni: 100, mac: H1, ip: '10.100.0.11' }]);
    s.clock.advance(2999);
    expect(s.sent()).toEqual([]);
    s.clock.advance(1);
    expect(s.sent().filter((r) => r.withdraw)).toEqual([
      { mac: H1, seq: 0, withdraw: true },
      { mac: H1, ip: '10.100.0.11', seq: 0, withdraw: true },
    ]);
    expect(s.dp.ops).toContainEqual({ op: 'localMacDel', vni: 100, mac: H1 });
    expect(s.svc.counters.probeTimeouts).toBe(1);
    expect(s.svc.localHosts()).toEqual([]);
  });

  it('old VTEP: a host that answers the probe lives in two places; it is re-advertised higher, and frozen by duplicate detection', () => {
    s = setup(3);
    s.svc.start();
    s.svc.onDataplaneEvents([
      { type: 'macLearned', vni: 100, port: 0, mac: H1 },
      { type: 'ipBinding', vni: 100, port: 0, mac: H1, ip: '10.100.0.11' },
    ]);
    s.sent();
    let remoteSeq = 1;
    for (let round = 0; round < 3; round++) {
      s.remoteAnnounce(remoteSeq);
      expect(s.dp.probes).toHaveLength(round + 1);
      s.svc.onDataplaneEvents([{ type: 'probeReply', vni: 100, port: 0, mac: H1, ip: '10.100.0.11' }]);
      const adv = s.sent().filter((r) => !r.withdraw && r.ip === undefined);
      if (round < 2) {
        expect(adv).toEqual([{ mac: H1, seq: remoteSeq + 1, withdraw: false }]);
        remoteSeq += 2;
      } else {
        // The third move inside the window freezes it: we stop fighting.
        expect(adv).toEqual([]);
      }
      s.clock.advance(10_000);
    }
    expect(s.svc.counters.frozen).toBe(1);
    expect(s.svc.localHosts()[0]).toMatchObject({ mac: H1, frozen: true });
    expect(s.log.records.some((r) => String(r.msg).includes('duplicate address'))).toBe(true);
  });

  it('old VTEP: the probe answer arriving first as a frame from the host counts once (one move, seq = remote + 1)', () => {
    s.svc.start();
    s.svc.onDataplaneEvents([
      { type: 'macLearned', vni: 100, port: 0, mac: H1 },
      { type: 'ipBinding', vni: 100, port: 0, mac: H1, ip: '10.100.0.11' },
    ]);
    s.sent();
    s.remoteAnnounce(1);
    expect(s.dp.probes).toHaveLength(1);
    // The reply's source MAC is learned back from the remote VTEP before the reply itself is recognised.
    s.svc.onDataplaneEvents([
      { type: 'macMoved', vni: 100, port: 0, mac: H1, from: { kind: 'vtep', vtepIdx: 0 } },
      { type: 'probeReply', vni: 100, port: 0, mac: H1, ip: '10.100.0.11' },
    ]);
    const adv = s.sent().filter((r) => !r.withdraw && r.ip === undefined);
    expect(adv).toEqual([{ mac: H1, seq: 2, withdraw: false }]);
    expect(s.svc.counters.moves).toBe(1);
    expect(s.svc.counters.probeReplies).toBe(1);
    s.clock.advance(10_000);
    expect(s.sent().filter((r) => r.withdraw)).toEqual([]);
  });

  it('an aged-out MAC is withdrawn', () => {
    s.svc.start();
    s.svc.onDataplaneEvents([{ type: 'macLearned', vni: 100, port: 0, mac: H1 }]);
    s.sent();
    s.svc.onDataplaneEvents([{ type: 'macAged', vni: 100, port: 0, mac: H1 }]);
    expect(s.sent()).toEqual([{ mac: H1, seq: 0, withdraw: true }]);
  });

  it('remote MACs are programmed from BGP and removed when withdrawn', () => {
    s.svc.start();
    const r = s.remoteAnnounce(0, '10.100.0.12');
    expect(s.dp.ops).toContainEqual({ op: 'remoteVtepAdd', vtepIdx: 0, ip: REMOTE });
    expect(s.dp.ops).toContainEqual({ op: 'arpAdd', vni: 100, ip: '10.100.0.12', mac: H1 });
    s.dp.ops = [];
    s.rib.applyUpdate(REMOTE, roundTrip(withdraw([r])));
    s.rib.flush();
    expect(s.dp.ops.map((o) => o.op)).toEqual(expect.arrayContaining(['remoteMacDel', 'arpDel', 'remoteVtepDel']));
    expect(evpnRouteKey(r)).toBeTypeOf('string');
  });
});
