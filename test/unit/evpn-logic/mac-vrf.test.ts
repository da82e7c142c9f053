import { describe, expect, it } from 'vitest';
import { macIpRoute, imetRoute } from '../../../src/bgp/wire/evpn/builders';
import { AttrType } from '../../../src/bgp/wire/iana';
import type { EvpnEvent } from '../../../src/evpn/events';
import { compareMacClaims, nextSequence } from '../../../src/evpn/mac-mobility';
import { MacVrf } from '../../../src/evpn/mac-vrf';
import type { RouteInfo } from '../../../src/evpn/route-info';

const MAC = '02:cc:00:00:00:11';

function info(seq = 0, sticky = false): RouteInfo {
  return { routeTargets: ['65100:100'], seq, sticky, routerMac: null, pmsi: null };
}

function route(rdIndex: string, ip?: string) {
  return macIpRoute({ rd: `${rdIndex}:2`, mac: MAC, ...(ip ? { ip } : {}), label1: 100 });
}

function setup(): { evi: MacVrf; events: EvpnEvent[] } {
  const events: EvpnEvent[] = [];
  return { evi: new MacVrf(100, ['65100:100'], (e) => events.push(e)), events };
}

describe('MAC mobility (RFC 7432 §15)', () => {
  it('compareMacClaims: sticky, then sequence, then lowest VTEP', () => {
    expect(compareMacClaims({ vtep: '10.0.0.9', seq: 0, sticky: true }, { vtep: '10.0.0.1', seq: 5, sticky: false })).toBeLessThan(0);
    expect(compareMacClaims({ vtep: '10.0.0.9', seq: 2, sticky: false }, { vtep: '10.0.0.1', seq: 1, sticky: false })).toBeLessThan(0);
    expect(compareMacClaims({ vtep: '10.0.0.9', seq: 1, sticky: false }, { vtep: '10.0.0.10', seq: 1, sticky: false })).toBeLessThan(0);
    expect(compareMacClaims({ vtep: '10.0.0.1', seq: 1, sticky: false }, { vtep: '10.0.0.1', seq: 1, sticky: false })).toBe(0);
    expect(nextSequence([])).toBe(0);
    expect(nextSequence([{ vtep: 'a', seq: 0, sticky: false }, { vtep: 'b', seq: 4, sticky: false }])).toBe(5);
  });

  it('a higher sequence from another VTEP is a move, even with both ESIs 0', () => {
    const { evi, events } = setup();
    evi.upsertMac('a', route('10.98.0.1'), info(), '10.98.0.1', false);
    evi.upsertMac('b', route('10.98.0.2'), info(1), '10.98.0.2', false);
    expect(events.map((e) => e.kind)).toEqual(['macAdded', 'macMoved']);
    expect(events[1]).toMatchObject({ from: '10.98.0.1', to: '10.98.0.2', seq: 1 });
    expect(evi.lookupMac(MAC)).toMatchObject({ vtep: '10.98.0.2', claims: 2 });
    // The old VTEP withdraws: no change of winner, nothing to report.
    events.length = 0;
    evi.removeMac('a', route('10.98.0.1'));
    expect(events).toEqual([]);
    evi.removeMac('b', route('10.98.0.2'));
    expect(events.map((e) => e.kind)).toEqual(['macRemoved']);
    expect(evi.macCount).toBe(0);
  });

  it('a missing MAC Mobility community counts as 0: a seq-0 route does not take over', () => {
    const { evi, events } = setup();
    evi.upsertMac('b', route('10.98.0.9'), info(1), '10.98.0.9', false);
    evi.upsertMac('a', route('10.98.0.1'), info(), '10.98.0.1', false);
    expect(evi.lookupMac(MAC)!.vtep).toBe('10.98.0.9');
    expect(events.map((e) => e.kind)).toEqual(['macAdded']);
  });

  it('equal sequence numbers from different VTEPs: the lowest VTEP address wins', () => {
    const { evi } = setup();
    evi.upsertMac('a', route('10.98.0.10'), info(3), '10.98.0.10', false);
    evi.upsertMac('b', route('10.98.0.9'), info(3), '10.98.0.9', false);
    expect(evi.lookupMac(MAC)!.vtep).toBe('10.98.0.9');
  });

  it('a sticky MAC never moves', () => {
    const { evi, events } = setup();
    evi.upsertMac('a', route('10.98.0.5'), info(0, true), '10.98.0.5', false);
    evi.upsertMac('b', route('10.98.0.2'), info(7), '10.98.0.2', false);
    expect(evi.lookupMac(MAC)).toMatchObject({ vtep: '10.98.0.5', sticky: true });
    expect(events.map((e) => e.kind)).toEqual(['macAdded']);
  });

  it('moves between a local MAC and a remote one, and computes the next local sequence', () => {
    const { evi, events } = setup();
    evi.upsertMac('l', route('10.99.0.100'), info(0), '10.99.0.100', true);
    evi.upsertMac('r', route('10.98.0.2'), info(1), '10.98.0.2', false);
    expect(events[1]).toMatchObject({ kind: 'macMoved', fromLocal: true, local: false, to: '10.98.0.2' });
    expect(evi.sequenceForLocal(MAC)).toBe(2);
  });

  it('MAC+IP routes feed the ARP table; the binding lasts while a route for the pair does', () => {
    const { evi, events } = setup();
    evi.upsertMac('a', route('10.98.0.1', '10.100.0.11'), info(), '10.98.0.1', false);
    evi.upsertMac('b', route('10.98.0.2', '10.100.0.11'), info(1), '10.98.0.2', false);
    expect(evi.arp.get('10.100.0.11')).toBe(MAC);
    evi.removeMac('a', route('10.98.0.1', '10.100.0.11'));
    expect(evi.arp.get('10.100.0.11')).toBe(MAC);
    evi.removeMac('b', route('10.98.0.2', '10.100.0.11'));
    expect(evi.arp.has('10.100.0.11')).toBe(false);
    expect(events.filter((e) => e.kind.startsWith('arp')).map((e) => e.kind)).toEqual(['arpAdded', 'arpRemoved']);
  });

  it('flood list from type-3 routes with ingress replication', () => {
    const { evi, events } = setup();
    const pmsi = (id: string) => ({ type: AttrType.PMSI_TUNNEL as const, flags: 0xc0, tunnelFlags: 0, tunnelType: 6, label: 100, tunnelId: id });
    const r1 = imetRoute({ rd: '10.98.0.1:2', originatorIp: '10.98.0.1' });
    const r2 = imetRoute({ rd: '10.98.0.2:2', originatorIp: '10.98.0.2' });
    evi.upsertImet('k1', r1, { ...info(), pmsi: pmsi('10.98.0.1') }, false);
    evi.upsertImet('k2', r2, { ...info(), pmsi: pmsi('10.98.0.2') }, false);
    evi.upsertImet('k3', imetRoute({ rd: '10.99.0.100:2', originatorIp: '10.99.0.100' }), { ...info(), pmsi: pmsi('10.99.0.100') }, true);
    evi.upsertImet('k4', imetRoute({ rd: '10.98.0.7:2', originatorIp: '10.98.0.7' }), { ...info(), pmsi: { ...pmsi('10.98.0.7'), tunnelType: 3 } }, false);
    expect(evi.floodList().sort()).toEqual(['10.98.0.1', '10.98.0.2']);
    evi.removeImet('k1', r1);
    expect(evi.floodList()).toEqual(['10.98.0.2']);
    expect(events).toEqual([
      { kind: 'vtepAdded', vni: 100, vtep: '10.98.0.1', remoteVni: 100 },
      { kind: 'vtepAdded', vni: 100, vtep: '10.98.0.2', remoteVni: 100 },
      { kind: 'vtepRemoved', vni: 100, vtep: '10.98.0.1' },
    ]);
  });
});
