import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { macIpRoute } from '../../../src/bgp/wire/evpn/builders';
import { evpnRouteKey } from '../../../src/bgp/wire/evpn/key';
import { AttrType } from '../../../src/bgp/wire/iana';
import type { PathAttribute } from '../../../src/bgp/wire/attributes/types';
import { GobgpInstance, waitFor } from '../../support/peers';
import { hasCommand, rootSkipReason } from '../../support/root';
import { explain, ourSpeaker, PeerLink, type OurSpeaker } from './support';

/**
 * evpn-vtep against gobgpd 3.10 in a namespace:
 *  - P: eBGP, AS 65001, we are passive, GoBGP connects;
 *  - A: iBGP, AS 65020, we connect (GoBGP connects too).
 * Routes added with `gobgp global rib -a evpn add macadv ...` must read back
 * from our RIB field by field; ours must read back from `gobgp global rib`.
 */

const skip = rootSkipReason() ?? (hasCommand('gobgpd') && hasCommand('gobgp') ? null : 'needs gobgpd and gobgp');
if (skip) console.warn(`[skip] GoBGP interop: ${skip}`);

const GOBGP_AS = 65020;

interface GobgpNeighbor {
  conf: { neighbor_address: string; peer_asn: number };
  state: { session_state: number | string };
}

describe.skipIf(skip !== null)('BGP sessions with GoBGP', () => {
  let link: PeerLink;
  let gobgp: GobgpInstance;
  let p: OurSpeaker;
  let a: OurSpeaker;
  const up = (s: OurSpeaker): boolean => s.sp.peers()[0]!.state === 'Established';

  const neighborStates = (): Map<string, string> => {
    const list = JSON.parse(gobgp.gobgp(['neighbor', '-j'])) as GobgpNeighbor[];
    return new Map(list.map((n) => [n.conf.neighbor_address, String(n.state.session_state)]));
  };
  // GoBGP's JSON gives the FSM state as a number (6 = established) or a name, by version.
  const established = (v: string | undefined): boolean => v === '6' || v === 'established' || v === 'ESTABLISHED';

  beforeAll(async () => {
    link = new PeerLink('g');
    try {
      p = await ourSpeaker({ address: link.addr(1), as: 65001, routerId: '10.255.1.1', peer: { address: link.peer, remoteAs: GOBGP_AS, passive: true } });
      a = await ourSpeaker({ address: link.addr(3), as: GOBGP_AS, routerId: '10.255.1.3', peer: { address: link.peer, remoteAs: GOBGP_AS } });
      const nb = (s: OurSpeaker, as: number): string =>
        [
          '[[neighbors]]',
          '  [neighbors.config]',
          `    neighbor-address = "${s.address}"`,
          `    peer-as = ${as}`,
          '  [neighbors.transport.config]',
          `    remote-port = ${s.sp.port}`,
          `    local-address = "${link.peer}"`,
          '  [neighbors.timers.config]',
          '    connect-retry = 1',
          '    idle-hold-time-after-reset = 1',
          '  [[neighbors.afi-safis]]',
          '    [neighbors.afi-safis.config]',
          '      afi-safi-name = "l2vpn-evpn"',
        ].join('\n');
      gobgp = new GobgpInstance(
        link.ns,
        ['[global.config]', `  as = ${GOBGP_AS}`, '  router-id = "10.255.1.2"', '  port = 179', '', nb(p, 65001), '', nb(a, GOBGP_AS), ''].join('\n'),
      );
      await gobgp.start();
      p.sp.startSessions();
      a.sp.startSessions();
    } catch (err) {
      gobgp?.destroy();
      link.destroy();
      throw err;
    }
  }, 60_000);

  afterAll(async () => {
    try {
      await Promise.all([p?.sp.stop(), a?.sp.stop()]);
    } finally {
      gobgp?.destroy();
      link?.destroy();
    }
  });

  it('eBGP (we are passive) and iBGP (we connect) come up; gobgp neighbor -j says established', async () => {
    await waitFor('our sessions Established', () => up(p) && up(a), 30_000).catch((err: unknown) => {
      throw new Error(`${String(err)}\nP:\n${explain(p)}\nA:\n${explain(a)}`);
    });
    await waitFor('GoBGP sees both established', () => {
      const st = neighborStates();
      return established(st.get(p.address)) && established(st.get(a.address));
    }, 15_000);
    expect(p.sp.peers()[0]!.families).toEqual(['25/70']);
    expect(p.sp.peers()[0]!.bgpId).toBe('10.255.1.2');
  });

  it('a macadv route added in GoBGP reads back from our RIB; its deletion withdraws it', async () => {
    gobgp.gobgp(['global', 'rib', '-a', 'evpn', 'add', 'macadv', '02:66:00:00:00:01', '10.88.0.1', 'etag', '0', 'label', '100', 'rd', '65020:100', 'rt', '65020:100', 'encap', 'vxlan', 'router-mac', '02:66:00:00:00:fe']);
    const key = evpnRouteKey(macIpRoute({ rd: '65020:100', mac: '02:66:00:00:00:01', ip: '10.88.0.1', label1: 100 }));
    for (const s of [p, a]) {
      const got = await waitFor('route in our RIB', () => s.rib.learned(link.peer).get(key), 15_000);
      expect(got.route).toEqual(macIpRoute({ rd: '65020:100', mac: '02:66:00:00:00:01', ip: '10.88.0.1', label1: 100 }));
      expect(got.nextHop).toBe(link.peer);
      const ec = got.attrs.find((x) => x.type === AttrType.EXTENDED_COMMUNITIES);
      expect(ec).toMatchObject({
        communities: expect.arrayContaining([
          expect.objectContaining({ kind: 'route-target', asn: 65020, local: 100 }),
          { kind: 'encapsulation', tunnelType: 8 },
          { kind: 'router-mac', mac: '02:66:00:00:00:fe' },
        ]),
      });
    }
    expect(p.rib.learned(link.peer).get(key)!.attrs.find((x) => x.type === AttrType.AS_PATH)).toMatchObject({ segments: [{ asns: [GOBGP_AS] }] });
    gobgp.gobgp(['global', 'rib', '-a', 'evpn', 'del', 'macadv', '02:66:00:00:00:01', '10.88.0.1', 'etag', '0', 'label', '100', 'rd', '65020:100']);
    await waitFor('withdrawn from our RIBs', () => !p.rib.learned(link.peer).has(key) && !a.rib.learned(link.peer).has(key), 15_000);
  });

  it('a route we originate appears in gobgp global rib -j; withdrawing removes it', async () => {
    const route = macIpRoute({ rd: '10.255.1.1:5', mac: '02:66:00:00:00:02', ip: '10.88.0.2', label1: 200 });
    const attrs: PathAttribute[] = [{ type: AttrType.EXTENDED_COMMUNITIES, flags: 0xc0, communities: [{ kind: 'route-target', form: 'as2', asn: 65001, local: 200 }] }];
    p.sp.originate(route, attrs);
    const text = await waitFor('route in GoBGP', () => {
      const out = gobgp.gobgp(['global', 'rib', '-a', 'evpn', '-j']);
      return out.includes('02:66:00:00:00:02') ? out : undefined;
    }, 15_000);
    expect(text).toContain('10.88.0.2');
    expect(text).toContain('10.255.1.1:5');
    // GoBGP passes it to its iBGP peer, our speaker A.
    await waitFor('route at A through GoBGP', () => a.rib.learned(link.peer).has(evpnRouteKey(route)), 15_000);
    p.sp.withdrawLocal(route);
    await waitFor('gone from GoBGP', () => !gobgp.gobgp(['global', 'rib', '-a', 'evpn', '-j']).includes('02:66:00:00:00:02'), 15_000);
    await waitFor('gone at A', () => !a.rib.learned(link.peer).has(evpnRouteKey(route)), 15_000);
  });

  it('GoBGP resets the session (neighbor reset): NOTIFICATION received and the session returns', async () => {
    await waitFor('A Established', () => up(a) && established(neighborStates().get(a.address)), 20_000);
    const before = a.sp.peers()[0]!.establishedCount;
    gobgp.gobgp(['neighbor', a.address, 'reset']);
    try {
      await waitFor('NOTIFICATION logged', () => a.log.records.some((r) => String(r.msg).startsWith('NOTIFICATION received: Cease')), 10_000);
      // GoBGP keeps a reset neighbor Idle for its idle-hold-time-after-reset (30 s by default in 3.10, whatever the config says).
      await waitFor('A back', () => up(a) && a.sp.peers()[0]!.establishedCount > before, 45_000);
    } catch (err) {
      throw new Error(`${String(err)}\nA:\n${explain(a)}\n${JSON.stringify(a.sp.peers())}\nGoBGP:\n${gobgp.gobgp(['neighbor'])}`);
    }
  }, 60_000);
});
