import { describe, expect, it } from 'vitest';
import { Programmer } from '../../../src/dataplane/programmer';
import type { EvpnEvent } from '../../../src/evpn/events';
import { encodeOps, decodeOps } from '../../../src/dataplane/ops';

const ESI = '00:00:00:00:00:00:00:00:00:00';
const add = (mac: string, vtep: string, vni = 100): EvpnEvent => ({ kind: 'macAdded', vni, mac, vtep, local: false, remoteVni: vni, seq: 0, sticky: false, esi: ESI });

describe('Programmer: EVPN events → data-plane ops', () => {
  it('adds a VTEP once, on first use, before the entries that point at it', () => {
    const p = new Programmer({ maxVteps: 8, nextHopMac: () => '02:00:00:00:00:fe' });
    const ops = p.program([{ kind: 'vtepAdded', vni: 100, vtep: '10.0.0.2', remoteVni: 100 }, add('02:cc:00:00:00:01', '10.0.0.2'), add('02:cc:00:00:00:02', '10.0.0.2')]);
    expect(ops).toEqual([
      { op: 'remoteVtepAdd', vtepIdx: 0, ip: '10.0.0.2', nextHopMac: '02:00:00:00:00:fe' },
      { op: 'floodAdd', vni: 100, vtepIdx: 0 },
      { op: 'remoteMacAdd', vni: 100, mac: '02:cc:00:00:00:01', vtepIdx: 0, seq: 0, sticky: false },
      { op: 'remoteMacAdd', vni: 100, mac: '02:cc:00:00:00:02', vtepIdx: 0, seq: 0, sticky: false },
    ]);
    // The batch is what applyOps() takes.
    expect(decodeOps(encodeOps(ops))).toHaveLength(4);
  });

  it('removes a VTEP when its last MAC and flood membership are gone, and reuses the index', () => {
    const p = new Programmer({ maxVteps: 8 });
    p.program([{ kind: 'vtepAdded', vni: 100, vtep: '10.0.0.2', remoteVni: 100 }, add('02:cc:00:00:00:01', '10.0.0.2')]);
    expect(p.program([{ kind: 'macRemoved', vni: 100, mac: '02:cc:00:00:00:01', vtep: '10.0.0.2', local: false }])).toEqual([
      { op: 'remoteMacDel', vni: 100, mac: '02:cc:00:00:00:01' },
    ]);
    expect(p.program([{ kind: 'vtepRemoved', vni: 100, vtep: '10.0.0.2' }])).toEqual([
      { op: 'floodDel', vni: 100, vtepIdx: 0 },
      { op: 'remoteVtepDel', vtepIdx: 0 },
    ]);
    expect(p.program([add('02:cc:00:00:00:09', '10.0.0.3')])[0]).toEqual({ op: 'remoteVtepAdd', vtepIdx: 0, ip: '10.0.0.3' });
  });

  it('a MAC moving between remote VTEPs is one MAC record, and frees the old VTEP after it', () => {
    const p = new Programmer({ maxVteps: 8 });
    p.program([add('02:cc:00:00:00:01', '10.0.0.2')]);
    const ops = p.program([{ kind: 'macMoved', vni: 100, mac: '02:cc:00:00:00:01', from: '10.0.0.2', to: '10.0.0.3', fromLocal: false, local: false, remoteVni: 100, seq: 1, sticky: false }]);
    expect(ops).toEqual([
      { op: 'remoteVtepAdd', vtepIdx: 1, ip: '10.0.0.3' },
      { op: 'remoteMacAdd', vni: 100, mac: '02:cc:00:00:00:01', vtepIdx: 1, seq: 1, sticky: false },
      { op: 'remoteVtepDel', vtepIdx: 0 },
    ]);
  });

  it('a MAC won back by a local host leaves the learned entry alone', () => {
    const p = new Programmer({ maxVteps: 8 });
    p.program([add('02:cc:00:00:00:01', '10.0.0.2')]);
    const ops = p.program([{ kind: 'macMoved', vni: 100, mac: '02:cc:00:00:00:01', from: '10.0.0.2', to: '10.0.0.1', fromLocal: false, local: true, remoteVni: 100, seq: 2, sticky: false }]);
    expect(ops).toEqual([{ op: 'remoteVtepDel', vtepIdx: 0 }]);
  });

  it('keeps a VTEP that loses and gains a reference in one batch', () => {
    const p = new Programmer({ maxVteps: 8 });
    p.program([add('02:cc:00:00:00:01', '10.0.0.2')]);
    const ops = p.program([{ kind: 'macRemoved', vni: 100, mac: '02:cc:00:00:00:01', vtep: '10.0.0.2', local: false }, add('02:cc:00:00:00:02', '10.0.0.2')]);
    expect(ops.map((o) => o.op)).toEqual(['remoteMacDel', 'remoteMacAdd']);
  });

  it('programs ARP suppression entries and skips what the table cannot hold', () => {
    const p = new Programmer({ maxVteps: 1 });
    const ops = p.program([
      { kind: 'arpAdded', vni: 100, ip: '10.100.0.12', mac: '02:cc:00:00:00:12' },
      add('02:cc:00:00:00:01', '10.0.0.2'),
      add('02:cc:00:00:00:02', '10.0.0.3'),
      { kind: 'arpRemoved', vni: 100, ip: '10.100.0.12', mac: '02:cc:00:00:00:12' },
    ]);
    expect(ops.map((o) => o.op)).toEqual(['arpAdd', 'remoteVtepAdd', 'remoteMacAdd', 'arpDel']);
    expect(p.vteps()).toEqual(new Map([['10.0.0.2', 0]]));
  });
});

describe('Programmer: L3 intents → tenant records', () => {
  const RMAC = '02:aa:00:00:10:00';
  const BMAC = '02:bb:00:00:10:00';
  it('gives tenants dense indexes, installs gateway subnets as connected routes, and shares VTEP indexes with the MACs', () => {
    const p = new Programmer({ maxVteps: 8 });
    p.program([add('02:cc:00:00:00:01', '10.0.0.2')]);
    const ops = p.programL3([
      { op: 'vrfAdd', vrf: 'red', l3vni: 5000, routerMac: RMAC },
      { op: 'vrfAdd', vrf: 'blue', l3vni: 6000, routerMac: RMAC },
      { op: 'vniVrf', vni: 100, l3vni: 6000 },
      { op: 'gatewayAdd', vni: 100, l3vni: 6000, ip: '10.1.0.1', prefixLength: 24, mac: '00:00:5e:00:01:01' },
      { op: 'routeAdd', l3vni: 6000, prefix: '10.2.0.12/32', vtep: '10.0.0.2', routerMac: BMAC, remoteVni: 6000 },
      { op: 'routeAdd', l3vni: 6000, prefix: '0.0.0.0/0', vtep: '10.0.0.3', routerMac: BMAC, remoteVni: 6000 },
    ]);
    expect(ops).toEqual([
      { op: 'vrfAdd', tenant: 0, l3vni: 5000, routerMac: RMAC },
      { op: 'vrfAdd', tenant: 1, l3vni: 6000, routerMac: RMAC },
      { op: 'vniVrf', vni: 100, tenant: 1 },
      { op: 'gatewayAdd', vni: 100, ip: '10.1.0.1', prefixLength: 24, mac: '00:00:5e:00:01:01' },
      { op: 'routeAdd', tenant: 1, ip: '10.1.0.1', prefixLength: 24, vni: 100, local: true },
      { op: 'routeAdd', tenant: 1, ip: '10.2.0.12', prefixLength: 32, vni: 6000, vtepIdx: 0, routerMac: BMAC },
      { op: 'remoteVtepAdd', vtepIdx: 1, ip: '10.0.0.3' },
      { op: 'routeAdd', tenant: 1, ip: '0.0.0.0', prefixLength: 0, vni: 6000, vtepIdx: 1, routerMac: BMAC },
    ]);
    expect(decodeOps(encodeOps(ops))).toHaveLength(8);
    // The MAC goes, the route keeps VTEP 0; the route goes last and frees it.
    expect(p.program([{ kind: 'macRemoved', vni: 100, mac: '02:cc:00:00:00:01', vtep: '10.0.0.2', local: false }])).toEqual([
      { op: 'remoteMacDel', vni: 100, mac: '02:cc:00:00:00:01' },
    ]);
    expect(p.programL3([{ op: 'routeDel', l3vni: 6000, prefix: '10.2.0.12/32' }])).toEqual([
      { op: 'routeDel', tenant: 1, ip: '10.2.0.12', prefixLength: 32 },
      { op: 'remoteVtepDel', vtepIdx: 0 },
    ]);
    // A replace to another VTEP releases the old one after the new record.
    expect(p.programL3([{ op: 'routeAdd', l3vni: 6000, prefix: '0.0.0.0/0', vtep: '10.0.0.4', routerMac: BMAC, remoteVni: 6000 }])).toEqual([
      { op: 'remoteVtepAdd', vtepIdx: 0, ip: '10.0.0.4' },
      { op: 'routeAdd', tenant: 1, ip: '0.0.0.0', prefixLength: 0, vni: 6000, vtepIdx: 0, routerMac: BMAC },
      { op: 'remoteVtepDel', vtepIdx: 1 },
    ]);
    // Unknown tenants and routes are ignored.
    expect(p.programL3([{ op: 'routeDel', l3vni: 7000, prefix: '10.0.0.0/8' }, { op: 'routeDel', l3vni: 6000, prefix: '10.9.0.0/16' }])).toEqual([]);
  });
});
