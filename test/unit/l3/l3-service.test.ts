import { beforeEach, describe, expect, it } from 'vitest';
import { ipPrefixRoute, macIpRoute } from '../../../src/bgp/wire/evpn/builders';
import { decodeMessage } from '../../../src/bgp/wire/message';
import { Action } from '../../../src/bgp/wire/errors';
import { AttrType, MsgType } from '../../../src/bgp/wire/iana';
import { encodeToBytes } from '../../../src/bgp/wire/update';
import { parseConfig, resolveL2vni, resolveVrf, type VtepConfig } from '../../../src/config';
import { formatRouteTarget } from '../../../src/bgp/wire/ext-community';
import type { DataplaneOp } from '../../../src/dataplane/ops';
import { Programmer } from '../../../src/dataplane/programmer';
import { EvpnImporter } from '../../../src/evpn/import';
import { Rib } from '../../../src/rib/rib';
import { VirtualClock } from '../../../src/util/clock';
import { memoryLogger } from '../../../src/util/log';
import { L2Service } from '../../../src/vtep/l2-service';
import { L3Service, type L3Op, type L3Tenant } from '../../../src/vtep/l3-service';
import { peer, roundTrip } from '../rib/support';
import { remoteAnnounce, remoteWithdraw, sentTo } from './support';

/**
 * Scenario tests of the L3 service with the real RIB, importer, L2 service
 * and programmer (no sockets): what we advertise, attribute by attribute
 * (RFC 9135 symmetric IRB type 2, RFC 9136 type 5, interface-less), and
 * what remote routes do to the tenant tables, isolation included. The config
 * is the YAML an operator writes, resolved as `evpn-vtep run` does.
 */

const VTEP = '10.99.0.1';
const R2 = '10.99.0.2';
const R3 = '10.99.0.3';
const RMAC = '02:00:0a:00:00:01';
const R2MAC = '02:aa:00:00:00:02';
const R3MAC = '02:aa:00:00:00:03';
const H1 = '02:cc:00:00:00:11';

const YAML = `router-id: 10.0.0.1
as: 65100
underlay: { address: ${VTEP} }
l2vnis:
  - { vni: 100, interface: h100, vrf: red, gateway: { ip: 10.100.0.1/24, mac: 00:00:5e:00:01:01 } }
  - { vni: 200, interface: h200, vrf: red, gateway: { ip: 10.200.0.1/24, mac: 00:00:5e:00:01:01 } }
  - { vni: 300, interface: h300, vrf: blue, gateway: { ip: 10.100.0.1/24, mac: 00:00:5e:00:01:01 } }
  - { vni: 400, interface: h400 }
vrfs:
  - { name: red, l3vni: 1000, prefixes: [0.0.0.0/0] }
  - { name: blue, l3vni: 2000 }
`;

class Recorder {
  ops: DataplaneOp[] = [];
  l3: L3Op[] = [];
  applyOps(ops: readonly DataplaneOp[]): void {
    this.ops.push(...ops);
  }
  sendArpProbe(): void {}
  applyL3Ops(ops: readonly L3Op[]): void {
    this.l3.push(...ops);
  }
}

/** The Vtep's own wiring (src/vtep/vtep.ts), minus the speaker and sockets. */
function setup() {
  const parsed = parseConfig(YAML, 'l3.yaml');
  if (!parsed.ok) throw new Error(parsed.errors.map(String).join('\n'));
  const cfg: VtepConfig = parsed.config;
  const log = memoryLogger();
  const rib = new Rib({ asn: cfg.as, routerId: cfg.routerId, clusterId: cfg.routerId, vtepIp: VTEP });
  const importer = new EvpnImporter({ evis: cfg.l2vnis.map((l) => ({ vni: l.vni, importRts: resolveL2vni(cfg, l).import })) });
  const tenants: L3Tenant[] = cfg.vrfs!.map((v) => {
    const r = resolveVrf(cfg, v);
    return {
      name: r.name,
      origin: { l3vni: r.l3vni, rd: r.rd, exportRts: r.export, routerMac: r.routerMac },
      importRts: r.import.map(formatRouteTarget),
      prefixes: r.prefixes,
      vnis: cfg.l2vnis.filter((l) => l.vrf === r.name).map((l) => ({ vni: l.vni, gateway: { ip: l.gateway!.ip, prefixLength: l.gateway!.prefixLength!, mac: l.gateway!.mac } })),
    };
  });
  const dp = new Recorder();
  const l3 = new L3Service({ tenants, rib, importer, log, dataplane: dp });
  const l2 = new L2Service({
    vtepIp: VTEP,
    vnis: cfg.l2vnis.map((l, port) => {
      const r = resolveL2vni(cfg, l);
      const t = tenants.find((x) => x.name === l.vrf);
      return { vni: l.vni, port, vid: 0, origin: { vni: r.vni, rd: r.rd, exportRts: r.export }, ...(t ? { l3: t.origin } : {}) };
    }),
    rib,
    importer,
    programmer: new Programmer({ maxVteps: 16 }),
    dataplane: dp,
    clock: new VirtualClock(0),
    log,
    migration: cfg.migration,
  });
  importer.attach(rib);
  importer.onEvents((evs) => {
    l2.onEvpnEvents(evs);
    l3.onEvpnEvents(evs);
  });
  for (const p of [R2, R3]) rib.peerUp(peer(p, { bgpId: p, localAddress: VTEP }));
  const fromRemote = (from: string, u: ReturnType<typeof remoteAnnounce>): void => {
    rib.applyUpdate(from, roundTrip(u));
    rib.flush();
  };
  return { cfg, rib, importer, l2, l3, dp, log, fromRemote };
}

const type5 = (rd: string, prefix: string, label: number, gatewayIp?: string) => ipPrefixRoute({ rd, prefix, label, ...(gatewayIp ? { gatewayIp } : {}) });

describe('L3Service: what we advertise', () => {
  let s: ReturnType<typeof setup>;
  beforeEach(() => {
    s = setup();
  });

  it('one type-5 route per gateway subnet and configured prefix, with the RFC 9136 attributes', () => {
    s.l3.start();
    const sent = sentTo(s.rib, R2).filter((r) => r.route.routeType === 5);
    const base = { withdraw: false, nextHop: VTEP, origin: 0, asPath: [] };
    const zeroEsi = '00:00:00:00:00:00:00:00:00:00';
    expect(sent).toEqual([
      { ...base, rd: '10.0.0.1:5', route: { routeType: 5, esi: zeroEsi, ethTag: 0, prefix: '10.100.0.0', prefixLength: 24, gatewayIp: '0.0.0.0', label: 1000 }, communities: ['encap 8', `rmac ${RMAC}`, 'rt 65100:1000'] },
      { ...base, rd: '10.0.0.1:5', route: { routeType: 5, esi: zeroEsi, ethTag: 0, prefix: '10.200.0.0', prefixLength: 24, gatewayIp: '0.0.0.0', label: 1000 }, communities: ['encap 8', `rmac ${RMAC}`, 'rt 65100:1000'] },
      { ...base, rd: '10.0.0.1:5', route: { routeType: 5, esi: zeroEsi, ethTag: 0, prefix: '0.0.0.0', prefixLength: 0, gatewayIp: '0.0.0.0', label: 1000 }, communities: ['encap 8', `rmac ${RMAC}`, 'rt 65100:1000'] },
      // Tenant blue: the same subnet as red, its own RD, L3VNI and route target.
      { ...base, rd: '10.0.0.1:6', route: { routeType: 5, esi: zeroEsi, ethTag: 0, prefix: '10.100.0.0', prefixLength: 24, gatewayIp: '0.0.0.0', label: 2000 }, communities: ['encap 8', `rmac ${RMAC}`, 'rt 65100:2000'] },
    ]);
    expect(s.l3.counters.advertised).toBe(4);
  });

  it('sets up the tenants, their VNIs and anycast gateways in the data plane', () => {
    s.l3.start();
    expect(s.dp.l3).toEqual([
      { op: 'vrfAdd', vrf: 'red', l3vni: 1000, routerMac: RMAC },
      { op: 'vniVrf', vni: 100, l3vni: 1000 },
      { op: 'gatewayAdd', vni: 100, l3vni: 1000, ip: '10.100.0.1', prefixLength: 24, mac: '00:00:5e:00:01:01' },
      { op: 'vniVrf', vni: 200, l3vni: 1000 },
      { op: 'gatewayAdd', vni: 200, l3vni: 1000, ip: '10.200.0.1', prefixLength: 24, mac: '00:00:5e:00:01:01' },
      { op: 'vrfAdd', vrf: 'blue', l3vni: 2000, routerMac: RMAC },
      { op: 'vniVrf', vni: 300, l3vni: 2000 },
      { op: 'gatewayAdd', vni: 300, l3vni: 2000, ip: '10.100.0.1', prefixLength: 24, mac: '00:00:5e:00:01:01' },
    ]);
  });

  it('MAC+IP routes of hosts in a routed VNI carry label2 = L3VNI, both RTs and the Router\'s MAC; MAC-only ones and bridged VNIs do not', () => {
    s.l2.start();
    s.l3.start();
    sentTo(s.rib, R2);
    s.l2.onDataplaneEvents([
      { type: 'macLearned', vni: 100, port: 0, mac: H1 },
      { type: 'ipBinding', vni: 100, port: 0, mac: H1, ip: '10.100.0.11' },
      { type: 'macLearned', vni: 400, port: 3, mac: '02:cc:00:00:04:11' },
      { type: 'ipBinding', vni: 400, port: 3, mac: '02:cc:00:00:04:11', ip: '10.140.0.11' },
    ]);
    const sent = sentTo(s.rib, R2);
    const zeroEsi = '00:00:00:00:00:00:00:00:00:00';
    const base = { withdraw: false, nextHop: VTEP, origin: 0, asPath: [] };
    expect(sent).toEqual([
      { ...base, rd: '10.0.0.1:1', route: { routeType: 2, esi: zeroEsi, ethTag: 0, mac: H1, label1: 100 }, communities: ['encap 8', 'rt 65100:100'] },
      { ...base, rd: '10.0.0.1:1', route: { routeType: 2, esi: zeroEsi, ethTag: 0, mac: H1, ip: '10.100.0.11', label1: 100, label2: 1000 }, communities: ['encap 8', `rmac ${RMAC}`, 'rt 65100:100', 'rt 65100:1000'] },
      { ...base, rd: '10.0.0.1:4', route: { routeType: 2, esi: zeroEsi, ethTag: 0, mac: '02:cc:00:00:04:11', label1: 400 }, communities: ['encap 8', 'rt 65100:400'] },
      { ...base, rd: '10.0.0.1:4', route: { routeType: 2, esi: zeroEsi, ethTag: 0, mac: '02:cc:00:00:04:11', ip: '10.140.0.11', label1: 400 }, communities: ['encap 8', 'rt 65100:400'] },
    ]);
  });

  it('withdraws its type-5 routes on stop', () => {
    s.l3.start();
    sentTo(s.rib, R2);
    s.l3.stop();
    const sent = sentTo(s.rib, R2);
    expect(sent.map((r) => [r.withdraw, r.rd, `${String(r.route.prefix)}/${String(r.route.prefixLength)}`])).toEqual([
      [true, '10.0.0.1:5', '10.100.0.0/24'],
      [true, '10.0.0.1:5', '10.200.0.0/24'],
      [true, '10.0.0.1:5', '0.0.0.0/0'],
      [true, '10.0.0.1:6', '10.100.0.0/24'],
    ]);
  });
});

describe('L3Service: import into tenant tables', () => {
  let s: ReturnType<typeof setup>;
  beforeEach(() => {
    s = setup();
    s.l2.start();
    s.l3.start();
    s.dp.l3 = [];
  });

  it('imports remote type-5 prefixes (any length, both families) and programs them with the Router\'s MAC and L3VNI', () => {
    s.fromRemote(R2, remoteAnnounce([type5('10.99.0.2:7', '10.50.0.0/16', 1000), type5('10.99.0.2:7', '0.0.0.0/0', 1000), type5('10.99.0.2:7', '2001:db8:50::/48', 1000)], { nextHop: R2, rts: ['65100:1000'], routerMac: R2MAC }));
    expect(s.dp.l3).toEqual([
      { op: 'routeAdd', l3vni: 1000, prefix: '10.50.0.0/16', vtep: R2, routerMac: R2MAC, remoteVni: 1000 },
      { op: 'routeAdd', l3vni: 1000, prefix: '0.0.0.0/0', vtep: R2, routerMac: R2MAC, remoteVni: 1000 },
      { op: 'routeAdd', l3vni: 1000, prefix: '2001:db8:50::/48', vtep: R2, routerMac: R2MAC, remoteVni: 1000 },
    ]);
    const rows = s.l3.routes('red').filter((r) => r.nextHop !== 'local');
    expect(rows).toEqual([
      { vrf: 'red', prefix: '0.0.0.0/0', nextHop: R2, routerMac: R2MAC, l3vni: 1000, source: 'type-5', best: true, usable: true },
      { vrf: 'red', prefix: '10.50.0.0/16', nextHop: R2, routerMac: R2MAC, l3vni: 1000, source: 'type-5', best: true, usable: true },
      { vrf: 'red', prefix: '2001:db8:50::/48', nextHop: R2, routerMac: R2MAC, l3vni: 1000, source: 'type-5', best: true, usable: true },
    ]);
    expect(s.l3.routes('blue').filter((r) => r.nextHop !== 'local')).toEqual([]);
    s.fromRemote(R2, remoteWithdraw([type5('10.99.0.2:7', '10.50.0.0/16', 1000)]));
    expect(s.dp.l3.at(-1)).toEqual({ op: 'routeDel', l3vni: 1000, prefix: '10.50.0.0/16' });
  });

  it('imports MAC+IP routes with label2 as host routes; without label2 (asymmetric) they stay out', () => {
    const withL3 = macIpRoute({ rd: '10.99.0.2:1', mac: '02:dd:00:00:00:01', ip: '10.100.0.21', label1: 100, label2: 1000 });
    const withoutL3 = macIpRoute({ rd: '10.99.0.2:1', mac: '02:dd:00:00:00:02', ip: '10.100.0.22', label1: 100 });
    s.fromRemote(R2, remoteAnnounce([withL3], { nextHop: R2, rts: ['65100:100', '65100:1000'], routerMac: R2MAC }));
    s.fromRemote(R2, remoteAnnounce([withoutL3], { nextHop: R2, rts: ['65100:100'] }));
    expect(s.l3.routes('red').filter((r) => r.nextHop !== 'local')).toEqual([
      { vrf: 'red', prefix: '10.100.0.21/32', nextHop: R2, routerMac: R2MAC, l3vni: 1000, source: 'type-2', best: true, usable: true },
    ]);
    expect(s.dp.l3).toEqual([{ op: 'routeAdd', l3vni: 1000, prefix: '10.100.0.21/32', vtep: R2, routerMac: R2MAC, remoteVni: 1000 }]);
    // The MAC itself is bridged as usual.
    expect(s.dp.ops).toContainEqual(expect.objectContaining({ op: 'remoteMacAdd', vni: 100, mac: '02:dd:00:00:00:01' }));
  });

  it('tenant isolation: the same prefix in two tenants goes where its route target says, nowhere else', () => {
    s.fromRemote(R2, remoteAnnounce([type5('10.99.0.2:7', '10.60.0.0/24', 1000)], { nextHop: R2, rts: ['65100:1000'], routerMac: R2MAC }));
    s.fromRemote(R3, remoteAnnounce([type5('10.99.0.3:8', '10.60.0.0/24', 2000)], { nextHop: R3, rts: ['65100:2000'], routerMac: R3MAC }));
    // A route exported to an RT no tenant imports is not imported at all.
    s.fromRemote(R3, remoteAnnounce([type5('10.99.0.3:9', '10.70.0.0/24', 3000)], { nextHop: R3, rts: ['65100:3000'], routerMac: R3MAC }));
    const remote = (vrf: string) => s.l3.routes(vrf).filter((r) => r.nextHop !== 'local').map((r) => [r.prefix, r.nextHop, r.l3vni]);
    expect(remote('red')).toEqual([['10.60.0.0/24', R2, 1000]]);
    expect(remote('blue')).toEqual([['10.60.0.0/24', R3, 2000]]);
    expect(s.dp.l3).toEqual([
      { op: 'routeAdd', l3vni: 1000, prefix: '10.60.0.0/24', vtep: R2, routerMac: R2MAC, remoteVni: 1000 },
      { op: 'routeAdd', l3vni: 2000, prefix: '10.60.0.0/24', vtep: R3, routerMac: R3MAC, remoteVni: 2000 },
    ]);
    s.fromRemote(R2, remoteWithdraw([type5('10.99.0.2:7', '10.60.0.0/24', 1000)]));
    expect(remote('red')).toEqual([]);
    expect(remote('blue')).toEqual([['10.60.0.0/24', R3, 2000]]);
    expect(s.dp.l3.at(-1)).toEqual({ op: 'routeDel', l3vni: 1000, prefix: '10.60.0.0/24' });
  });

  it('a route carrying both tenants\' RTs is imported into both (RT decides, nothing else)', () => {
    s.fromRemote(R2, remoteAnnounce([type5('10.99.0.2:7', '10.80.0.0/24', 1000)], { nextHop: R2, rts: ['65100:1000', '65100:2000'], routerMac: R2MAC }));
    expect(s.l3.routes('red').some((r) => r.prefix === '10.80.0.0/24')).toBe(true);
    expect(s.l3.routes('blue').some((r) => r.prefix === '10.80.0.0/24')).toBe(true);
  });

  it('a remote route for a subnet connected here is listed but not programmed; so are routes without a Router\'s MAC or with an overlay index', () => {
    s.fromRemote(R2, remoteAnnounce([type5('10.99.0.2:7', '10.100.0.0/24', 1000)], { nextHop: R2, rts: ['65100:1000'], routerMac: R2MAC }));
    s.fromRemote(R2, remoteAnnounce([type5('10.99.0.2:7', '10.51.0.0/24', 1000)], { nextHop: R2, rts: ['65100:1000'] }));
    s.fromRemote(R2, remoteAnnounce([type5('10.99.0.2:7', '10.52.0.0/24', 1000, '10.100.0.254')], { nextHop: R2, rts: ['65100:1000'], routerMac: R2MAC }));
    expect(s.dp.l3).toEqual([]);
    expect(s.l3.counters).toMatchObject({ shadowedByConnected: 1, noRouterMac: 1, overlayIndex: 1 });
    const rows = s.l3.routes('red');
    expect(rows.filter((r) => r.prefix === '10.100.0.0/24')).toEqual([
      { vrf: 'red', prefix: '10.100.0.0/24', nextHop: 'local', routerMac: RMAC, l3vni: 1000, source: 'connected', best: true, usable: true },
      { vrf: 'red', prefix: '10.100.0.0/24', nextHop: R2, routerMac: R2MAC, l3vni: 1000, source: 'type-5', best: false, usable: false },
    ]);
    expect(rows.find((r) => r.prefix === '10.51.0.0/24')).toMatchObject({ routerMac: null, best: true, usable: false });
    expect(rows.find((r) => r.prefix === '10.52.0.0/24')).toMatchObject({ gatewayIp: '10.100.0.254', best: true, usable: false });
  });

  it('a GW IP overlay index is resolved through the host route of the GW IP (RFC 9136 §4.3), and follows it', () => {
    const gw = '10.100.0.21';
    s.fromRemote(R2, remoteAnnounce([type5('10.99.0.2:7', '10.53.0.0/24', 1000, gw)], { nextHop: R2, rts: ['65100:1000'], routerMac: R2MAC }));
    expect(s.dp.l3).toEqual([]);
    expect(s.l3.routes('red').find((r) => r.prefix === '10.53.0.0/24')).toMatchObject({ gatewayIp: gw, best: true, usable: false });
    // The GW IP appears as a symmetric IRB host behind R3: the prefix goes there, with R3's Router's MAC.
    const host = macIpRoute({ rd: '10.99.0.3:1', mac: '02:dd:00:00:00:21', ip: gw, label1: 100, label2: 1000 });
    s.fromRemote(R3, remoteAnnounce([host], { nextHop: R3, rts: ['65100:100', '65100:1000'], routerMac: R3MAC }));
    expect(s.dp.l3).toEqual([
      { op: 'routeAdd', l3vni: 1000, prefix: `${gw}/32`, vtep: R3, routerMac: R3MAC, remoteVni: 1000 },
      { op: 'routeAdd', l3vni: 1000, prefix: '10.53.0.0/24', vtep: R3, routerMac: R3MAC, remoteVni: 1000 },
    ]);
    expect(s.l3.routes('red').find((r) => r.prefix === '10.53.0.0/24')).toMatchObject({ nextHop: R2, gatewayIp: gw, usable: true });
    // The host moves to R2 (a higher sequence number): the prefix follows.
    const moved = macIpRoute({ rd: '10.99.0.2:1', mac: '02:dd:00:00:00:21', ip: gw, label1: 100, label2: 1000 });
    s.fromRemote(R2, remoteAnnounce([moved], { nextHop: R2, rts: ['65100:100', '65100:1000'], routerMac: R2MAC, mobilitySeq: 1 }));
    expect(s.dp.l3.slice(2)).toEqual([
      { op: 'routeAdd', l3vni: 1000, prefix: `${gw}/32`, vtep: R2, routerMac: R2MAC, remoteVni: 1000 },
      { op: 'routeAdd', l3vni: 1000, prefix: '10.53.0.0/24', vtep: R2, routerMac: R2MAC, remoteVni: 1000 },
    ]);
    // The GW IP goes: so does the prefix, until it is known again.
    s.fromRemote(R3, remoteWithdraw([host]));
    s.fromRemote(R2, remoteWithdraw([moved]));
    expect(s.dp.l3.slice(4)).toEqual([
      { op: 'routeDel', l3vni: 1000, prefix: `${gw}/32` },
      { op: 'routeDel', l3vni: 1000, prefix: '10.53.0.0/24' },
    ]);
  });

  it('several VTEPs for one prefix: the lowest address is programmed; losing it is one replacing routeAdd', () => {
    s.fromRemote(R3, remoteAnnounce([type5('10.99.0.3:7', '10.90.0.0/24', 1000)], { nextHop: R3, rts: ['65100:1000'], routerMac: R3MAC }));
    s.fromRemote(R2, remoteAnnounce([type5('10.99.0.2:7', '10.90.0.0/24', 1000)], { nextHop: R2, rts: ['65100:1000'], routerMac: R2MAC }));
    s.fromRemote(R2, remoteWithdraw([type5('10.99.0.2:7', '10.90.0.0/24', 1000)]));
    expect(s.dp.l3).toEqual([
      { op: 'routeAdd', l3vni: 1000, prefix: '10.90.0.0/24', vtep: R3, routerMac: R3MAC, remoteVni: 1000 },
      { op: 'routeAdd', l3vni: 1000, prefix: '10.90.0.0/24', vtep: R2, routerMac: R2MAC, remoteVni: 1000 },
      { op: 'routeAdd', l3vni: 1000, prefix: '10.90.0.0/24', vtep: R3, routerMac: R3MAC, remoteVni: 1000 },
    ]);
    expect(s.l3.routes('red').filter((r) => r.prefix === '10.90.0.0/24').map((r) => [r.nextHop, r.best])).toEqual([[R3, true]]);
  });

  it('our own type-5 routes do not enter our tables as remote routes', () => {
    expect(s.l3.routes('red').map((r) => [r.prefix, r.nextHop, r.source])).toEqual([
      ['10.100.0.0/24', 'local', 'connected'],
      ['10.200.0.0/24', 'local', 'connected'],
      ['0.0.0.0/0', 'local', 'configured'],
    ]);
    expect(s.importer.vrfs.get('red')!.size).toBe(0);
  });
});

describe('a type-5 route whose prefix length exceeds its family (RFC 7606)', () => {
  it('never reaches the RIB: the UPDATE is treat-as-withdraw, without the attribute (its only route was the bad one)', () => {
    const ctx = { fourOctetAs: true, extendedMessage: false, addPathRx: new Set<string>(), ibgp: true };
    const good = remoteAnnounce([type5('10.99.0.2:7', '10.250.0.0/24', 1000)], { nextHop: R2, rts: ['65100:1000'], routerMac: R2MAC });
    const bytes = encodeToBytes(good, ctx);
    // The prefix length octet sits right before the prefix 10.250.0.0 in the NLRI.
    const at = Buffer.from(bytes).indexOf(Buffer.from([10, 250, 0, 0]));
    expect(bytes[at - 1]).toBe(24);
    bytes[at - 1] = 33;
    const m = decodeMessage(bytes, ctx);
    if (m.type !== MsgType.UPDATE) throw new Error('not an UPDATE');
    expect(m.update.faults).toHaveLength(1);
    expect(m.update.faults[0]).toMatchObject({ attrType: AttrType.MP_REACH_NLRI, afi: 25, safi: 70 });
    expect(m.update.faults[0]!.reason).toMatch(/prefix length 33 exceeds 32 for an IPv4 route/);
    // The NLRI boundary is intact, so treat-as-withdraw (RFC 7606 §2, §5.4), not AFI/SAFI disable (§5.3):
    // what the session does with it is tested end to end in test/topo/l3.
    expect(m.update.faults[0]!.action).toBe(Action.TREAT_AS_WITHDRAW);
    expect(m.update.action).toBe(Action.TREAT_AS_WITHDRAW);
    expect(m.update.attributes.some((a) => !('raw' in a) && a.type === AttrType.MP_REACH_NLRI)).toBe(false);
  });
});
