import { describe, expect, it } from 'vitest';
import { Action } from '../../../src/bgp/wire/errors';
import { AttrType } from '../../../src/bgp/wire/iana';
import type { DecodedUpdate } from '../../../src/bgp/wire/update';
import { decode, encodeToBytes, evpnReach, evpnUnreach, getAttr, isEndOfRib, nextHopOf, type Update } from '../../../src/bgp/wire/update';
import type { BestChange } from '../../../src/rib/api';
import { Rib } from '../../../src/rib/rib';
import { Reader } from '../../../src/util/reader';
import { LOCAL, announce, peer, roundTrip, type2, type3, withdraw } from './support';

function withAction(u: DecodedUpdate, action: Action): DecodedUpdate {
  return { ...u, action };
}

function setup(): { rib: Rib; changes: BestChange[][] } {
  const rib = new Rib(LOCAL);
  const changes: BestChange[][] = [];
  rib.subscribe((c) => changes.push([...c]));
  return { rib, changes };
}

describe('Adj-RIB-In: RFC 7606 outcomes, loops, unknown types', () => {
  it('installs announced routes and removes withdrawn ones', () => {
    const { rib, changes } = setup();
    rib.peerUp(peer('10.0.0.1'));
    rib.applyUpdate('10.0.0.1', roundTrip(announce([type2(1), type2(2)])));
    rib.flush();
    expect(rib.size).toBe(2);
    expect(changes[0]!.map((c) => c.from)).toEqual(['10.0.0.1', '10.0.0.1']);
    expect(changes[0]![0]!.nextHop).toBe('10.99.0.1');
    rib.applyUpdate('10.0.0.1', roundTrip(withdraw([type2(1)])));
    rib.flush();
    expect(rib.size).toBe(1);
    expect(changes[1]).toHaveLength(1);
    expect(changes[1]![0]!.attrs).toBeNull();
  });

  it('treat-as-withdraw withdraws every NLRI of the message, announced ones included', () => {
    const { rib } = setup();
    rib.peerUp(peer('10.0.0.1'));
    rib.applyUpdate('10.0.0.1', roundTrip(announce([type2(1), type2(2), type2(3)])));
    rib.flush();
    rib.applyUpdate('10.0.0.1', withAction(roundTrip(announce([type2(1), type2(2), type2(4)], { localPref: 500 })), Action.TREAT_AS_WITHDRAW));
    rib.flush();
    expect([...rib.bestPaths()].map((b) => b.route)).toEqual([type2(3)]);
    expect(rib.peerCounters('10.0.0.1')!.in.treatAsWithdraw).toBe(1);
  });

  it('attribute-discard keeps the routes (the decoder dropped the attribute)', () => {
    const { rib } = setup();
    rib.peerUp(peer('10.0.0.1'));
    // AGGREGATOR with a bad length: the decoder discards it (RFC 7606 §7.7).
    const u = announce([type2(1)]);
    const bytes = encodeToBytes(u, { fourOctetAs: true, extendedMessage: true, addPathRx: new Set() });
    const bad = new Uint8Array(bytes.length + 4);
    bad.set(bytes);
    bad.set([0xc0, 7, 1, 0], bytes.length);
    const attrLenOff = 19 + 2;
    const aLen = (bad[attrLenOff]! << 8) | bad[attrLenOff + 1]!;
    bad[attrLenOff] = (aLen + 4) >> 8;
    bad[attrLenOff + 1] = (aLen + 4) & 0xff;
    bad[16] = bad.length >> 8;
    bad[17] = bad.length & 0xff;
    const d = decode(new Reader(bad), { fourOctetAs: true, extendedMessage: true, addPathRx: new Set(), ibgp: true });
    expect(d.action).toBe(Action.ATTRIBUTE_DISCARD);
    rib.applyUpdate('10.0.0.1', d);
    rib.flush();
    expect(rib.size).toBe(1);
  });

  it('skips unknown EVPN route types (RFC 7606 §5.4)', () => {
    const { rib } = setup();
    rib.peerUp(peer('10.0.0.1'));
    const unknown = { routeType: 9, unknown: true as const, value: Uint8Array.of(1, 2, 3) };
    rib.applyUpdate('10.0.0.1', roundTrip(announce([unknown, type2(1)])));
    rib.flush();
    expect(rib.size).toBe(1);
    expect(rib.peerCounters('10.0.0.1')!.in.unknownTypes).toBe(1);
  });

  it('ignores our own AS in AS_PATH from eBGP, and it replaces an earlier path', () => {
    const { rib } = setup();
    rib.peerUp(peer('10.0.1.1', { ibgp: false, asn: 65200 }));
    rib.applyUpdate('10.0.1.1', roundTrip(announce([type2(1), type2(2)], { asPath: [65200] }), false));
    rib.flush();
    expect(rib.size).toBe(2);
    // What FRR does in the capture: echo a route back with our AS in the path.
    rib.applyUpdate('10.0.1.1', roundTrip(announce([type2(1), type2(3)], { asPath: [65200, 65100] }), false));
    rib.flush();
    expect([...rib.bestPaths()].map((b) => b.route)).toEqual([type2(2)]);
    const c = rib.peerCounters('10.0.1.1')!;
    expect(c.in.loops).toBe(2);
    expect(c.lastLoop).toMatch(/own AS 65100/);
  });

  it('ignores ORIGINATOR_ID = our router id and our cluster id in CLUSTER_LIST (RFC 4456 §8)', () => {
    const { rib } = setup();
    rib.peerUp(peer('10.0.0.1'));
    rib.applyUpdate('10.0.0.1', roundTrip(announce([type2(1)], { originatorId: LOCAL.routerId })));
    rib.applyUpdate('10.0.0.1', roundTrip(announce([type2(2)], { originatorId: '10.0.0.9', clusterList: ['10.0.0.50', LOCAL.clusterId] })));
    rib.applyUpdate('10.0.0.1', roundTrip(announce([type2(3)], { originatorId: '10.0.0.9', clusterList: ['10.0.0.50'] })));
    rib.flush();
    expect([...rib.bestPaths()].map((b) => b.route)).toEqual([type2(3)]);
    expect(rib.peerCounters('10.0.0.1')!.in.loops).toBe(2);
  });

  it('shares one attribute set among the routes of an UPDATE and frees it', () => {
    const { rib } = setup();
    rib.peerUp(peer('10.0.0.1'));
    const routes = Array.from({ length: 50 }, (_, i) => type2(i));
    rib.applyUpdate('10.0.0.1', roundTrip(announce(routes)));
    rib.applyUpdate('10.0.0.1', roundTrip(announce(routes.slice(0, 10))));
    rib.flush();
    expect(rib.attrSetCount).toBe(1);
    rib.applyUpdate('10.0.0.1', roundTrip(withdraw(routes)));
    rib.flush();
    expect(rib.attrSetCount).toBe(0);
  });
});

describe('Loc-RIB: coalescing per flush', () => {
  it('a route added and withdrawn in one tick produces no output', () => {
    const { rib, changes } = setup();
    rib.peerUp(peer('10.0.0.1'));
    rib.peerUp(peer('10.0.0.2', { routeReflectorClient: true }));
    rib.flush();
    rib.drainOut('10.0.0.2');
    rib.applyUpdate('10.0.0.1', roundTrip(announce([type2(1)])));
    rib.applyUpdate('10.0.0.1', roundTrip(withdraw([type2(1)])));
    rib.flush();
    expect(changes).toEqual([]);
    expect(rib.drainOut('10.0.0.2')).toEqual([]);
  });

  it('several changes to a key in one tick give one change with the last state', () => {
    const { rib, changes } = setup();
    rib.peerUp(peer('10.0.0.1'));
    rib.applyUpdate('10.0.0.1', roundTrip(announce([type2(1)], { localPref: 10 })));
    rib.applyUpdate('10.0.0.1', roundTrip(announce([type2(1)], { localPref: 20 })));
    rib.applyUpdate('10.0.0.1', roundTrip(announce([type2(1)], { localPref: 30 })));
    rib.flush();
    expect(changes).toHaveLength(1);
    expect(changes[0]).toHaveLength(1);
    expect(changes[0]![0]!.attrs!.find((a) => a.type === AttrType.LOCAL_PREF)).toMatchObject({ localPref: 30 });
  });

  it('an identical re-announcement changes nothing', () => {
    const { rib, changes } = setup();
    rib.peerUp(peer('10.0.0.1'));
    rib.applyUpdate('10.0.0.1', roundTrip(announce([type2(1)])));
    rib.flush();
    rib.applyUpdate('10.0.0.1', roundTrip(announce([type2(1)])));
    rib.flush();
    expect(changes).toHaveLength(1);
  });

  it('best path moves to the next candidate when the best is withdrawn', () => {
    const { rib, changes } = setup();
    rib.peerUp(peer('10.0.0.1'));
    rib.peerUp(peer('10.0.0.2'));
    rib.applyUpdate('10.0.0.1', roundTrip(announce([type3('10.99.0.1')], { localPref: 200 })));
    rib.applyUpdate('10.0.0.2', roundTrip(announce([type3('10.99.0.1')], { localPref: 100 })));
    rib.flush();
    expect(rib.best(type3('10.99.0.1'))!.from).toBe('10.0.0.1');
    const view = rib.paths(type3('10.99.0.1'));
    expect(view.map((v) => [v.from, v.best, v.lostBy])).toEqual([
      ['10.0.0.1', true, undefined],
      ['10.0.0.2', false, 'local-pref'],
    ]);
    rib.peerDown('10.0.0.1');
    rib.flush();
    expect(rib.best(type3('10.99.0.1'))!.from).toBe('10.0.0.2');
    expect(changes.at(-1)![0]!.from).toBe('10.0.0.2');
  });

  it('graceful restart keeps stale paths until End-of-RIB', () => {
    const { rib } = setup();
    rib.peerUp(peer('10.0.0.1'));
    rib.applyUpdate('10.0.0.1', roundTrip(announce([type2(1), type2(2)])));
    rib.flush();
    rib.peerDown('10.0.0.1', { gracefulRestart: true });
    rib.flush();
    expect(rib.size).toBe(2);
    rib.peerUp(peer('10.0.0.1'));
    rib.applyUpdate('10.0.0.1', roundTrip(announce([type2(1)], { localPref: 300 })));
    rib.flush();
    expect(rib.size).toBe(2);
    expect(rib.peerCounters('10.0.0.1')).toMatchObject({ received: 2, stale: 1 });
    rib.endOfRib('10.0.0.1', 25, 70);
    rib.flush();
    expect([...rib.bestPaths()].map((b) => b.route)).toEqual([type2(1)]);
    expect(rib.paths(type2(1))[0]!.stale).toBe(false);
  });
});

/** All routes and attributes a peer got, flattened. */
function received(us: Update[]): { reach: { route: unknown; attrs: Update['attributes']; nextHop: string | undefined }[]; unreach: unknown[]; eor: number } {
  const out = { reach: [] as { route: unknown; attrs: Update['attributes']; nextHop: string | undefined }[], unreach: [] as unknown[], eor: 0 };
  for (const u of us) {
    if (isEndOfRib(u)) {
      out.eor++;
      continue;
    }
    for (const n of evpnReach(u)) out.reach.push({ route: n.route, attrs: u.attributes, nextHop: nextHopOf(u) });
    for (const n of evpnUnreach(u)) out.unreach.push(n.route);
  }
  return out;
}

describe('Adj-RIB-Out: route reflection (RFC 4456 §6, §8)', () => {
  const kinds = ['client', 'nonclient', 'ebgp'] as const;
  type Kind = (typeof kinds)[number];
  const addr: Record<Kind, string> = { client: '10.0.0.1', nonclient: '10.0.0.2', ebgp: '10.0.1.1' };
  const mk = (k: Kind, suffix: string) =>
    peer(`${addr[k]}${suffix}`, {
      address: addr[k].replace(/\d+$/, (d) => String(Number(d) + (suffix ? 10 : 0))),
      ibgp: k !== 'ebgp',
      asn: k === 'ebgp' ? 65200 + (suffix ? 1 : 0) : 65100,
      routeReflectorClient: k === 'client',
    });
  // RFC 4456 §6: from a client → all; from a non-client → clients only; from eBGP → all.
  const expected: Record<Kind, Record<Kind, boolean>> = {
    client: { client: true, nonclient: true, ebgp: true },
    nonclient: { client: true, nonclient: false, ebgp: true },
    ebgp: { client: true, nonclient: true, ebgp: true },
  };
  for (const from of kinds) {
    for (const to of kinds) {
      it(`${from} → ${to}: ${expected[from][to] ? 'sent' : 'not sent'}`, () => {
        const rib = new Rib(LOCAL);
        const src = mk(from, '');
        const dst = mk(to, '-b');
        rib.peerUp(src);
        rib.peerUp(dst);
        rib.flush();
        rib.drainOut(dst.id);
        rib.drainOut(src.id);
        rib.applyUpdate(src.id, roundTrip(announce([type2(1)], { asPath: from === 'ebgp' ? [65200] : [], localPref: from === 'ebgp' ? undefined : 150 }), from !== 'ebgp'));
        rib.flush();
        const got = received(rib.drainOut(dst.id));
        expect(rib.drainOut(src.id)).toEqual([]);
        if (!expected[from][to]) {
          expect(got.reach).toEqual([]);
          return;
        }
        expect(got.reach).toHaveLength(1);
        const a = { attributes: got.reach[0]!.attrs };
        expect(got.reach[0]!.nextHop).toBe('10.99.0.1');
        const asPath = getAttr(a, AttrType.AS_PATH)!.segments.flatMap((s) => s.asns);
        if (to === 'ebgp') {
          expect(asPath).toEqual(from === 'ebgp' ? [65100, 65200] : [65100]);
          expect(getAttr(a, AttrType.LOCAL_PREF)).toBeUndefined();
          expect(getAttr(a, AttrType.ORIGINATOR_ID)).toBeUndefined();
          expect(getAttr(a, AttrType.CLUSTER_LIST)).toBeUndefined();
        } else {
          expect(asPath).toEqual(from === 'ebgp' ? [65200] : []);
          expect(getAttr(a, AttrType.LOCAL_PREF)!.localPref).toBe(from === 'ebgp' ? 100 : 150);
          if (from === 'ebgp') {
            expect(getAttr(a, AttrType.ORIGINATOR_ID)).toBeUndefined();
            expect(getAttr(a, AttrType.CLUSTER_LIST)).toBeUndefined();
          } else {
            expect(getAttr(a, AttrType.ORIGINATOR_ID)!.originatorId).toBe(src.bgpId);
            expect(getAttr(a, AttrType.CLUSTER_LIST)!.clusterList).toEqual([LOCAL.clusterId]);
          }
        }
      });
    }
  }

  it('keeps an existing ORIGINATOR_ID and prepends to CLUSTER_LIST', () => {
    const rib = new Rib(LOCAL);
    rib.peerUp(peer('10.0.0.1', { routeReflectorClient: true }));
    rib.peerUp(peer('10.0.0.2', { routeReflectorClient: true }));
    rib.flush();
    rib.drainOut('10.0.0.2');
    rib.applyUpdate('10.0.0.1', roundTrip(announce([type2(1)], { originatorId: '10.0.0.77', clusterList: ['10.0.0.200'] })));
    rib.flush();
    const got = received(rib.drainOut('10.0.0.2'));
    const a = { attributes: got.reach[0]!.attrs };
    expect(getAttr(a, AttrType.ORIGINATOR_ID)!.originatorId).toBe('10.0.0.77');
    expect(getAttr(a, AttrType.CLUSTER_LIST)!.clusterList).toEqual(['10.0.0.100', '10.0.0.200']);
  });

  it('local routes carry our VTEP address and go to every peer', () => {
    const rib = new Rib(LOCAL);
    rib.peerUp(peer('10.0.0.2'));
    rib.peerUp(peer('10.0.1.1', { ibgp: false, asn: 65200 }));
    rib.originate(type3('10.99.0.100'), []);
    rib.flush();
    const i = received(rib.drainOut('10.0.0.2'));
    const e = received(rib.drainOut('10.0.1.1'));
    expect(i.reach[0]!.nextHop).toBe('10.99.0.100');
    expect(e.reach[0]!.nextHop).toBe('10.99.0.100');
    expect(getAttr({ attributes: i.reach[0]!.attrs }, AttrType.LOCAL_PREF)!.localPref).toBe(100);
    expect(getAttr({ attributes: e.reach[0]!.attrs }, AttrType.AS_PATH)!.segments).toEqual([{ type: 2, asns: [65100] }]);
    rib.withdrawLocal(type3('10.99.0.100'));
    rib.flush();
    expect(received(rib.drainOut('10.0.1.1')).unreach).toEqual([type3('10.99.0.100')]);
  });

  it('does not send to an eBGP peer whose AS is in the path', () => {
    const rib = new Rib(LOCAL);
    rib.peerUp(peer('10.0.1.1', { ibgp: false, asn: 65200 }));
    rib.peerUp(peer('10.0.1.2', { ibgp: false, asn: 65300 }));
    rib.flush();
    rib.drainOut('10.0.1.2');
    rib.applyUpdate('10.0.1.1', roundTrip(announce([type2(1)], { asPath: [65200, 65300] }), false));
    rib.flush();
    expect(rib.drainOut('10.0.1.2')).toEqual([]);
  });
});

describe('Adj-RIB-Out: packing, End-of-RIB, refresh', () => {
  const ctx = { fourOctetAs: true, extendedMessage: false, addPathRx: new Set<string>(), ibgp: false };

  function feed(rib: Rib, n: number): void {
    const routes = Array.from({ length: n }, (_, i) => type2(i));
    for (let i = 0; i < n; i += 50) rib.applyUpdate('10.0.0.1', roundTrip(announce(routes.slice(i, i + 50))));
  }

  it('packs 1000 routes sharing attributes into few UPDATEs of at most 4096 octets, then End-of-RIB', () => {
    const rib = new Rib(LOCAL);
    rib.peerUp(peer('10.0.0.1'));
    feed(rib, 1000);
    rib.flush();
    rib.peerUp(peer('10.0.1.1', { ibgp: false, asn: 65200 }));
    rib.flush();
    const out = rib.drainOut('10.0.1.1');
    expect(isEndOfRib(out.at(-1)!)).toEqual({ afi: 25, safi: 70 });
    const msgs = out.slice(0, -1);
    // 1000 × 39 octets of NLRI (MAC+IPv4, one label): 10 messages, all but the last full.
    expect(msgs.length).toBe(10);
    let total = 0;
    for (const [i, u] of msgs.entries()) {
      const bytes = encodeToBytes(u, ctx);
      expect(bytes.length).toBeLessThanOrEqual(4096);
      if (i < msgs.length - 1) expect(bytes.length).toBeGreaterThan(4096 - 39);
      const back = decode(new Reader(bytes), ctx);
      expect(back.action).toBe(Action.NONE);
      expect(back.attributes[0]!.type).toBe(AttrType.MP_REACH_NLRI);
      total += evpnReach(back).length;
    }
    expect(total).toBe(1000);
    expect(rib.peerCounters('10.0.1.1')!.advertised).toBe(1000);
  });

  it('uses 65535-octet UPDATEs with extended messages and packs withdrawals', () => {
    const rib = new Rib(LOCAL);
    rib.peerUp(peer('10.0.0.1'));
    rib.peerUp(peer('10.0.0.2', { routeReflectorClient: true, extendedMessage: true }));
    rib.flush();
    rib.drainOut('10.0.0.2');
    feed(rib, 3000);
    rib.flush();
    const out = rib.drainOut('10.0.0.2');
    expect(out.length).toBe(2);
    const ectx = { ...ctx, extendedMessage: true, ibgp: true };
    expect(out.map((u) => encodeToBytes(u, ectx).length).every((l) => l <= 65535)).toBe(true);
    const all = Array.from({ length: 3000 }, (_, i) => type2(i));
    for (let i = 0; i < 3000; i += 500) rib.applyUpdate('10.0.0.1', roundTrip(withdraw(all.slice(i, i + 500))));
    rib.flush();
    const w = rib.drainOut('10.0.0.2');
    expect(w.length).toBe(2);
    expect(w.flatMap((u) => evpnUnreach(u)).length).toBe(3000);
    expect(w[0]!.attributes.map((a) => a.type)).toEqual([AttrType.MP_UNREACH_NLRI]);
  });

  it('sends End-of-RIB for every negotiated family after the initial dump, even when empty', () => {
    const rib = new Rib(LOCAL);
    rib.peerUp(peer('10.0.0.1', { families: new Set(['25/70', '1/1']) }));
    rib.flush();
    const out = rib.drainOut('10.0.0.1');
    expect(out.map((u) => isEndOfRib(u))).toEqual([
      { afi: 25, safi: 70 },
      { afi: 1, safi: 1 },
    ]);
    rib.flush();
    expect(rib.drainOut('10.0.0.1')).toEqual([]);
  });

  it('route refresh resends the whole Adj-RIB-Out without End-of-RIB', () => {
    const rib = new Rib(LOCAL);
    rib.peerUp(peer('10.0.0.1'));
    rib.peerUp(peer('10.0.1.1', { ibgp: false, asn: 65200 }));
    feed(rib, 100);
    rib.flush();
    expect(received(rib.drainOut('10.0.1.1')).reach).toHaveLength(100);
    rib.refresh('10.0.1.1', 25, 70);
    rib.flush();
    const again = received(rib.drainOut('10.0.1.1'));
    expect(again.reach).toHaveLength(100);
    expect(again.eor).toBe(0);
  });

  it('ADD-PATH send: every NLRI carries a path identifier', () => {
    const rib = new Rib(LOCAL);
    rib.peerUp(peer('10.0.1.1', { ibgp: false, asn: 65200, addPathTx: new Set(['25/70']) }));
    rib.originate(type2(1), []);
    rib.flush();
    const out = rib.drainOut('10.0.1.1');
    expect(evpnReach(out[0]!)[0]!.pathId).toBe(1);
  });
});
