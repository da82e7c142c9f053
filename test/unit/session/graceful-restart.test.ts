import { afterEach, describe, expect, it } from 'vitest';
import type { Capability, GracefulRestartCap } from '../../../src/bgp/wire/capabilities';
import { macIpRoute } from '../../../src/bgp/wire/evpn/builders';
import type { EvpnRoute } from '../../../src/bgp/wire/evpn/types';
import { Afi, AttrType, MsgType, Safi } from '../../../src/bgp/wire/iana';
import { buildEndOfRib, buildUpdate } from '../../../src/bgp/wire/update';
import type { GracefulRestartConfig } from '../../../src/config/schema';
import { Rib } from '../../../src/rib/rib';
import { VirtualClock } from '../../../src/util/clock';
import { memoryLogger } from '../../../src/util/log';
import { bgpConfig, KEEPALIVE, neighbor, openBytes, RawPeer, speakerToRawPeer, until, updateBytes, type RawConn } from './support';

/**
 * Graceful restart (RFC 4724) in the session layer, against a scripted
 * peer and the real RIB:
 *  - our own restart (Speaker.restartGracefully, `clear bgp --graceful`):
 *    no NOTIFICATION, the peer's paths kept stale, an OPEN with the R bit
 *    and the F bit for L2VPN/EVPN, the stale paths the peer does not resend
 *    removed by its End-of-RIB, or by select-defer-time without it;
 *  - helping a restarting peer whose new OPEN has no F bit: its stale paths
 *    go at once (§4.2);
 *  - `clear neighbor` soft (ROUTE-REFRESH) and hard (Cease 6/4, reconnect).
 */

const X = macIpRoute({ rd: '10.0.0.3:1', mac: '02:00:00:00:00:0a', label1: 100 });
const Y = macIpRoute({ rd: '10.0.0.3:1', mac: '02:00:00:00:00:0b', label1: 100 });

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

function peerCaps(gr?: GracefulRestartCap): Capability[] {
  return [{ kind: 'multiprotocol', afi: Afi.L2VPN, safi: Safi.EVPN }, { kind: 'route-refresh' }, { kind: 'four-octet-as', asn: 65001 }, ...(gr ? [gr] : [])];
}

function announce(routes: EvpnRoute[]): Uint8Array {
  return updateBytes(buildUpdate({
    attributes: [
      { type: AttrType.MP_REACH_NLRI, afi: Afi.L2VPN, safi: Safi.EVPN, nextHop: ['10.0.0.3'], reserved: 0, nlri: { kind: 'evpn', routes: routes.map((route) => ({ route })) } },
      { type: AttrType.ORIGIN, origin: 0 },
      { type: AttrType.AS_PATH, segments: [] },
      { type: AttrType.LOCAL_PREF, localPref: 100 },
    ],
  }));
}

async function setup(o: { gr?: Partial<GracefulRestartConfig>; clock?: VirtualClock } = {}) {
  const log = memoryLogger();
  const rib = new Rib({ asn: 65001, routerId: '10.0.0.1', clusterId: '10.0.0.1' });
  const raw = new RawPeer('127.0.0.3');
  const sp = await speakerToRawPeer(
    raw,
    {
      config: bgpConfig({
        routerId: '10.0.0.1',
        as: 65001,
        listen: { address: '127.0.0.1', port: 0 },
        neighbors: [neighbor({ address: '127.0.0.3', remoteAs: 65001, localAddress: '127.0.0.1', holdTime: 90, keepalive: 30 })],
        gracefulRestart: { restartTime: 120, preserveForwarding: true, staleTime: 360, selectDeferTime: 360, ...o.gr },
      }),
      rib,
      log,
      clock: o.clock,
    },
    (c) => cleanups.push(c),
  );
  return { sp, rib, raw, log };
}

/** Answers the speaker's n-th connection: OPEN (with `caps`), KEEPALIVE; returns our OPEN's GR capability. */
async function establish(raw: RawPeer, n: number, caps: Capability[]): Promise<{ c: RawConn; gr: GracefulRestartCap | undefined }> {
  const c = await until(`connection ${n}`, () => raw.conns[n]);
  const m = await c.next(MsgType.OPEN);
  if (m.type !== MsgType.OPEN) throw new Error('not an OPEN');
  c.send(openBytes({ as: 65001, bgpId: '10.0.0.3' }, caps));
  c.send(KEEPALIVE);
  await c.next(MsgType.KEEPALIVE);
  return { c, gr: m.open.capabilities.find((x): x is GracefulRestartCap => x.kind === 'graceful-restart') };
}

const held = (rib: Rib): { mac: string; stale: boolean }[] =>
  [...rib.routes()].filter((r) => r.from === '127.0.0.3').map((r) => ({ mac: (r.route as { mac: string }).mac, stale: r.stale })).sort((a, b) => a.mac.localeCompare(b.mac));

describe('graceful restart of our BGP side', () => {
  it('no NOTIFICATION, R and F bits in the next OPEN, stale paths kept until the peer\'s End-of-RIB removes the unrefreshed', async () => {
    const { sp, rib, raw } = await setup();
    const first = await establish(raw, 0, peerCaps({ kind: 'graceful-restart', restarting: false, notification: false, restartTime: 120, families: [{ afi: Afi.L2VPN, safi: Safi.EVPN, forwardingPreserved: false }] }));
    // preserve-forwarding: EVPN listed, F and R clear on a first start.
    expect(first.gr).toMatchObject({ restarting: false, restartTime: 120, families: [{ afi: Afi.L2VPN, safi: Safi.EVPN, forwardingPreserved: false }] });
    first.c.send(announce([X, Y]));
    first.c.send(updateBytes(buildEndOfRib(Afi.L2VPN, Safi.EVPN)));
    await until('X and Y learned', () => held(rib).length === 2);

    expect(sp.restartGracefully()).toEqual(['127.0.0.3']);
    await until('old connection closed', () => first.c.closed);
    expect(first.c.notifications()).toEqual([]);
    sp.kick();
    await until('paths kept, stale', () => held(rib).every((p) => p.stale) && held(rib).length === 2);

    const second = await establish(raw, 1, peerCaps());
    expect(second.gr).toMatchObject({ restarting: true, families: [{ afi: Afi.L2VPN, safi: Safi.EVPN, forwardingPreserved: true }] });
    await until('Established again', () => sp.peers()[0]!.state === 'Established' && sp.peers()[0]!.establishedCount === 2);
    // Still stale until the peer's End-of-RIB, whatever the peer's own capability says (it did not restart).
    expect(held(rib)).toEqual([{ mac: X.mac, stale: true }, { mac: Y.mac, stale: true }]);
    // The peer resends X only, then End-of-RIB: Y goes, X stays fresh.
    second.c.send(announce([X]));
    second.c.send(updateBytes(buildEndOfRib(Afi.L2VPN, Safi.EVPN)));
    await until('Y swept', () => held(rib).length === 1);
    expect(held(rib)).toEqual([{ mac: X.mac, stale: false }]);
    // We sent our End-of-RIB on the new session (our table went out at once).
    await until('our End-of-RIB', () => second.c.of(MsgType.UPDATE).length > 0);
  });

  it('without the peer\'s End-of-RIB the stale paths go when select-defer-time runs out (virtual clock)', async () => {
    const clock = new VirtualClock();
    const { sp, rib, raw } = await setup({ clock, gr: { selectDeferTime: 30 } });
    const first = await establish(raw, 0, peerCaps());
    first.c.send(announce([X, Y]));
    await until('X and Y learned', () => held(rib).length === 2);
    sp.restartGracefully();
    const second = await establish(raw, 1, peerCaps());
    second.c.send(announce([X]));
    await until('X refreshed', () => held(rib).some((p) => p.mac === X.mac && !p.stale));
    clock.advance(29_000);
    sp.kick();
    await new Promise((r) => setImmediate(r));
    expect(held(rib)).toHaveLength(2);
    clock.advance(2_000);
    sp.kick();
    await until('Y swept by select-defer-time', () => held(rib).length === 1);
    expect(held(rib)).toEqual([{ mac: X.mac, stale: false }]);
  });
});

describe('helping a restarting peer', () => {
  it('a peer that comes back without the F bit for EVPN loses its stale paths at once (RFC 4724 §4.2)', async () => {
    const { sp, rib, raw } = await setup();
    const gr = (f: boolean): GracefulRestartCap => ({ kind: 'graceful-restart', restarting: f, notification: false, restartTime: 120, families: [{ afi: Afi.L2VPN, safi: Safi.EVPN, forwardingPreserved: f }] });
    const first = await establish(raw, 0, peerCaps(gr(false)));
    first.c.send(announce([X, Y]));
    await until('X and Y learned', () => held(rib).length === 2);
    first.c.close();
    await until('kept stale after the TCP failure', () => held(rib).length === 2 && held(rib).every((p) => p.stale));
    // The peer comes back (it connects to us; our own attempt may race it) with the R bit but no F bit.
    const c2 = await raw.connect('127.0.0.1', sp.port);
    c2.send(openBytes({ as: 65001, bgpId: '10.0.0.3' }, peerCaps({ ...gr(false), restarting: true })));
    c2.send(KEEPALIVE);
    await until('Established again', () => sp.peers()[0]!.state === 'Established' && sp.peers()[0]!.establishedCount === 2);
    await until('stale paths removed', () => held(rib).length === 0);
  });
});

describe('clear neighbor', () => {
  it('--soft sends ROUTE-REFRESH and our table again without a reset; hard sends Cease/Administrative Reset and reconnects', async () => {
    const { sp, raw } = await setup();
    const first = await establish(raw, 0, peerCaps());
    expect(await sp.clear('127.0.0.3', true)).toEqual(['127.0.0.3']);
    const rr = await first.c.next(MsgType.ROUTE_REFRESH);
    expect(rr).toMatchObject({ type: MsgType.ROUTE_REFRESH });
    expect(sp.peers()[0]!.establishedCount).toBe(1);
    await expect(sp.clear('10.9.9.9', false)).rejects.toThrow(/not a configured neighbor/);
    expect(await sp.clear('all', false)).toEqual(['127.0.0.3']);
    const n = await first.c.next(MsgType.NOTIFICATION);
    expect(n).toMatchObject({ notification: { code: 6, subcode: 4 } });
    await establish(raw, 1, peerCaps());
    await until('Established again', () => sp.peers()[0]!.establishedCount === 2);
  });
});
