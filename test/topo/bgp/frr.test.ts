import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { macIpRoute } from '../../../src/bgp/wire/evpn/builders';
import { evpnRouteKey } from '../../../src/bgp/wire/evpn/key';
import { AttrType } from '../../../src/bgp/wire/iana';
import type { PathAttribute } from '../../../src/bgp/wire/attributes/types';
import { FrrInstance, waitFor } from '../../support/peers';
import { hasCommand, rootSkipReason } from '../../support/root';
import { explain, notifications, ourSpeaker, PeerLink, type OurSpeaker } from './support';

/**
 * evpn-vtep against FRR 8.4 bgpd (with zebra) in a namespace:
 *  - E: eBGP, AS 65001, we connect (FRR connects too: a real collision);
 *  - I: iBGP, AS 65010, we are passive, FRR connects.
 * FRR passes E's routes on to I. Faults: NOTIFICATION received (clear bgp),
 * hold timer expiry (bgpd stopped with SIGSTOP), bgpd killed and restarted.
 */

const skip = rootSkipReason() ?? (hasCommand('vtysh') && hasCommand('/usr/lib/frr/bgpd') ? null : 'needs FRR (vtysh, bgpd)');
if (skip) console.warn(`[skip] FRR interop: ${skip}`);

const FRR_AS = 65010;

interface Summary {
  peers: Record<string, { state: string; pfxRcd?: number; pfxSnt?: number }>;
}

describe.skipIf(skip !== null)('BGP sessions with FRR', () => {
  let link: PeerLink;
  let frr: FrrInstance;
  let e: OurSpeaker;
  let i: OurSpeaker;

  const frrState = (addr: string): string | undefined => frr.vtyshJson<Summary>('show bgp l2vpn evpn summary json').peers?.[addr]?.state;
  const up = (s: OurSpeaker): boolean => s.sp.peers()[0]!.state === 'Established';

  beforeAll(async () => {
    link = new PeerLink('f');
    try {
      e = await ourSpeaker({ address: link.addr(1), as: 65001, routerId: '10.255.0.1', peer: { address: link.peer, remoteAs: FRR_AS, holdTime: 3, keepalive: 1 } });
      i = await ourSpeaker({ address: link.addr(3), as: FRR_AS, routerId: '10.255.0.3', peer: { address: link.peer, remoteAs: FRR_AS, passive: true } });
      frr = new FrrInstance(
        link.ns,
        [
          'hostname frr',
          `router bgp ${FRR_AS}`,
          ' bgp router-id 10.255.0.2',
          ' no bgp default ipv4-unicast',
          ' no bgp ebgp-requires-policy',
          ` neighbor ${e.address} remote-as 65001`,
          ` neighbor ${e.address} port ${e.sp.port}`,
          ` neighbor ${e.address} timers connect 1`,
          ` neighbor ${i.address} remote-as ${FRR_AS}`,
          ` neighbor ${i.address} port ${i.sp.port}`,
          ` neighbor ${i.address} timers connect 1`,
          ' address-family l2vpn evpn',
          `  neighbor ${e.address} activate`,
          `  neighbor ${i.address} activate`,
          ' exit-address-family',
          '',
        ].join('\n'),
      );
      await frr.start();
      e.sp.startSessions();
      i.sp.startSessions();
    } catch (err) {
      link.destroy();
      throw err;
    }
  }, 60_000);

  afterAll(async () => {
    try {
      await Promise.all([e?.sp.stop(), i?.sp.stop()]);
    } finally {
      frr?.destroy();
      link?.destroy();
    }
  });

  it('eBGP (we connect) and iBGP (we are passive) come up; FRR sees both Established', async () => {
    await waitFor('our sessions Established', () => up(e) && up(i), 30_000).catch((err: unknown) => {
      throw new Error(`${String(err)}\nE:\n${explain(e)}\nI:\n${explain(i)}`);
    });
    await waitFor('FRR sees Established', () => frrState(e.address) === 'Established' && frrState(i.address) === 'Established', 15_000);
    const pe = e.sp.peers()[0]!;
    expect(pe.families).toEqual(['25/70']);
    expect(pe.holdTime).toBe(3);
    expect(pe.bgpId).toBe('10.255.0.2');
    expect(pe.hostname).toBe('frr');
    expect(i.sp.peers()[0]!.ibgp).toBe(true);
    // FRR sends End-of-RIB for EVPN after its initial (empty) table.
    await waitFor('End-of-RIB from FRR', () => e.rib.calls.includes(`eor ${link.peer} 25/70`), 10_000);
    const sentByUs = [...notifications(e, 'sent'), ...notifications(i, 'sent')];
    for (const n of sentByUs) expect(n).toContain('Connection Collision Resolution');
  });

  it('a route we originate reaches FRR and, through it, our iBGP speaker; the withdraw too', async () => {
    const route = macIpRoute({ rd: '10.255.0.1:1', mac: '02:55:00:00:00:01', ip: '10.77.0.1', label1: 100 });
    const attrs: PathAttribute[] = [
      { type: AttrType.EXTENDED_COMMUNITIES, flags: 0xc0, communities: [{ kind: 'route-target', form: 'as2', asn: 65001, local: 100 }, { kind: 'encapsulation', tunnelType: 8 }] },
    ];
    e.sp.originate(route, attrs);
    const json = await waitFor('route in FRR', () => {
      const out = frr.vtysh('show bgp l2vpn evpn route type macip json');
      return out.includes('02:55:00:00:00:01') ? out : undefined;
    }, 15_000);
    expect(json).toContain('10.77.0.1');
    const summary = frr.vtyshJson<Summary>('show bgp l2vpn evpn summary json');
    expect(summary.peers[e.address]!.pfxRcd).toBe(1);

    const got = await waitFor('route reflected to I', () => i.rib.learned(link.peer).get(evpnRouteKey(route)), 15_000);
    expect(got.route).toEqual(route);
    // eBGP-learned route passed to an iBGP peer: next hop unchanged, AS path 65001, RT and encapsulation kept.
    expect(got.nextHop).toBe(e.address);
    expect(got.attrs.find((a) => a.type === AttrType.AS_PATH)).toMatchObject({ segments: [{ asns: [65001] }] });
    expect(got.attrs.find((a) => a.type === AttrType.EXTENDED_COMMUNITIES)).toMatchObject({
      communities: expect.arrayContaining([expect.objectContaining({ kind: 'route-target', asn: 65001, local: 100 }), { kind: 'encapsulation', tunnelType: 8 }]),
    });

    e.sp.withdrawLocal(route);
    await waitFor('withdrawn in FRR', () => !frr.vtysh('show bgp l2vpn evpn route type macip json').includes('02:55:00:00:00:01'), 15_000);
    await waitFor('withdrawn at I', () => !i.rib.learned(link.peer).has(evpnRouteKey(route)), 15_000);
  });

  it('NOTIFICATION received (clear bgp): logged with its names, routes flushed, session returns', async () => {
    const route = macIpRoute({ rd: '10.255.0.1:2', mac: '02:55:00:00:00:02', label1: 100 });
    e.sp.originate(route, []);
    await waitFor('route at I', () => i.rib.learned(link.peer).has(evpnRouteKey(route)), 15_000);
    const before = e.sp.peers()[0]!.establishedCount;
    frr.vtysh(`clear bgp ${e.address}`);
    await waitFor('NOTIFICATION logged', () => notifications(e, 'received').some((n) => n.includes('Cease/Administrative Reset')), 10_000);
    await waitFor('route gone at I while E is down', () => !i.rib.learned(link.peer).has(evpnRouteKey(route)), 10_000);
    await waitFor('E back', () => up(e) && e.sp.peers()[0]!.establishedCount > before, 20_000);
    await waitFor('route back at I', () => i.rib.learned(link.peer).has(evpnRouteKey(route)), 15_000);
    e.sp.withdrawLocal(route);
  });

  it('hold timer expiry when bgpd stops answering (SIGSTOP), then recovery', async () => {
    const pid = Number(readFileSync(path.join(frr.dir, 'bgpd.pid'), 'utf8').trim());
    const before = e.sp.peers()[0]!.establishedCount;
    process.kill(pid, 'SIGSTOP');
    try {
      await waitFor('hold timer expired', () => notifications(e, 'sent').some((n) => n.includes('Hold Timer Expired')), 10_000);
      expect(up(e)).toBe(false);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    await waitFor('E back', () => up(e) && e.sp.peers()[0]!.establishedCount > before, 30_000);
  });

  it('bgpd killed: sessions go down and come back when it restarts', async () => {
    frr.stop();
    await waitFor('down', () => !up(e) && !up(i), 15_000);
    expect(i.rib.calls.at(-1)).toBe(`down ${link.peer}`);
    await frr.start();
    await waitFor('both back', () => up(e) && up(i), 40_000);
    await waitFor('FRR sees Established', () => frrState(e.address) === 'Established' && frrState(i.address) === 'Established', 15_000);
  });
});
