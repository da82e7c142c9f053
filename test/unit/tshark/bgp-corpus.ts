import { AttrType, MsgType } from '../../../src/bgp/wire/iana';
import { buildUpdate, buildEndOfRib, type AttrInit, type Update } from '../../../src/bgp/wire/update';
import { encodeMessage, type BgpMessage } from '../../../src/bgp/wire/message';
import { ethernetAdRoute, ethernetSegmentRoute, imetRoute, ipPrefixRoute, macIpRoute } from '../../../src/bgp/wire/evpn/builders';
import type { EvpnRoute } from '../../../src/bgp/wire/evpn/types';
import { routeTarget } from '../../../src/bgp/wire/ext-community';
import type { UpdateCtx } from '../../../src/bgp/wire/attributes/attribute';
import type { DecodedUpdate } from '../../../src/bgp/wire/update';

/**
 * BGP messages the project encodes, covering every route type in both
 * families and every attribute, with the values tshark should print for them.
 */

export const CTX: UpdateCtx = { fourOctetAs: true, extendedMessage: false, addPathRx: new Set(), ibgp: true };

export interface Case {
  name: string;
  bytes: Uint8Array;
  /** tshark field → the values it must print (in order of appearance). */
  expect: Record<string, string[]>;
}

const ESI = '00:11:22:33:44:55:66:77:88:99';

function evpnUpdate(routes: EvpnRoute[], nextHop: string, extra: AttrInit[]): Update {
  return buildUpdate({
    attributes: [
      { type: AttrType.MP_REACH_NLRI, afi: 25, safi: 70, nextHop: [nextHop], reserved: 0, nlri: { kind: 'evpn', routes: routes.map((route) => ({ route })) } },
      { type: AttrType.ORIGIN, origin: 0 },
      { type: AttrType.AS_PATH, segments: [] },
      { type: AttrType.LOCAL_PREF, localPref: 100 },
      ...extra,
    ],
  });
}

function upd(u: Update): Uint8Array {
  return encodeMessage({ type: MsgType.UPDATE, update: { ...u, faults: [], action: 0 } as DecodedUpdate }, CTX);
}

export function corpus(): Case[] {
  const cases: Case[] = [];
  cases.push({
    name: 'OPEN with capabilities',
    bytes: encodeMessage(
      {
        type: MsgType.OPEN,
        open: {
          version: 4,
          myAs: 65100,
          holdTime: 90,
          bgpId: '10.0.0.1',
          capabilities: [
            { kind: 'multiprotocol', afi: 25, safi: 70 },
            { kind: 'multiprotocol', afi: 1, safi: 1 },
            { kind: 'route-refresh' },
            { kind: 'enhanced-route-refresh' },
            { kind: 'four-octet-as', asn: 4200000001 },
            { kind: 'extended-message' },
            { kind: 'graceful-restart', restarting: false, notification: true, restartTime: 120, families: [{ afi: 25, safi: 70, forwardingPreserved: true }] },
            { kind: 'add-path', families: [{ afi: 25, safi: 70, sendReceive: 1 }] },
            { kind: 'fqdn', hostname: 'leaf1', domainName: 'lab' },
          ],
        },
      } as BgpMessage,
      CTX,
    ),
    expect: {
      'bgp.open.myas': ['65100'],
      'bgp.open.holdtime': ['90'],
      'bgp.open.identifier': ['10.0.0.1'],
      'bgp.cap.mp.afi': ['25', '1'],
      'bgp.cap.mp.safi': ['70', '1'],
      'bgp.cap.4as': ['4200000001'],
      'bgp.cap.gr.timers.restart_time': ['120'],
      'bgp.cap.orf.fqdn.hostname': ['leaf1'],
    },
  });

  const t2 = [
    macIpRoute({ rd: '10.0.0.1:2', mac: '02:cc:00:00:00:11', label1: 100 }),
    macIpRoute({ rd: '10.0.0.1:2', mac: '02:cc:00:00:00:12', ip: '10.100.0.12', label1: 100, label2: 1000 }),
    macIpRoute({ rd: '65100:7', mac: '02:cc:00:00:00:13', ip: 'fd00:100::13', label1: 200, label2: 1000, esi: ESI, ethTag: 5 }),
    macIpRoute({ rd: '4200000001:9', mac: '02:cc:00:00:00:14', ip: '10.100.0.14', label1: 300 }),
  ];
  cases.push({
    name: 'type 2 MAC, MAC+IPv4, MAC+IPv6, every RD type, all mobility/router-MAC communities',
    bytes: upd(
      evpnUpdate(t2, '10.0.0.1', [
        { type: AttrType.EXTENDED_COMMUNITIES, communities: [
          routeTarget('65100:100'),
          { kind: 'encapsulation', tunnelType: 8 },
          { kind: 'mac-mobility', flags: 1, seq: 7 },
          { kind: 'router-mac', mac: '02:aa:00:00:10:00' },
          { kind: 'default-gateway' },
        ] },
      ]),
    ),
    expect: {
      'bgp.evpn.nlri.rt': ['2', '2', '2', '2'],
      // RD types 1, 1, 0, 2 as the 8 octets on the wire (tshark prints RDs as bytes).
      'bgp.evpn.nlri.rd': ['00010a0000010002', '00010a0000010002', '0000fe4c00000007', '0002fa56ea010009'],
      'bgp.evpn.nlri.mac_addr': ['02:cc:00:00:00:11', '02:cc:00:00:00:12', '02:cc:00:00:00:13', '02:cc:00:00:00:14'],
      'bgp.evpn.nlri.ip.addr': ['10.100.0.12', '10.100.0.14'],
      'bgp.evpn.nlri.ipv6.addr': ['fd00:100::13'],
      'bgp.evpn.nlri.etag': ['0', '0', '5', '0'],
      'bgp.ext_com_evpn.mmac.seq': ['7'],
      'bgp.ext_com_evpn.esi.router_mac': ['02:aa:00:00:10:00'],
      'bgp.ext_com.tunnel_type': ['8'],
      'bgp.update.path_attribute.local_pref': ['100'],
    },
  });

  cases.push({
    name: 'type 3 IPv4 and IPv6 originators with PMSI ingress replication',
    bytes: upd(
      evpnUpdate([imetRoute({ rd: '10.0.0.1:2', originatorIp: '10.0.0.1' })], '10.0.0.1', [
        { type: AttrType.EXTENDED_COMMUNITIES, communities: [routeTarget('65100:100'), { kind: 'encapsulation', tunnelType: 8 }] },
        { type: AttrType.PMSI_TUNNEL, tunnelFlags: 0, tunnelType: 6, label: 100, tunnelId: '10.0.0.1' },
      ]),
    ),
    expect: {
      'bgp.evpn.nlri.rt': ['3'],
      'bgp.evpn.nlri.ip.addr': ['10.0.0.1'],
      'bgp.update.path_attribute.pmsi.tunnel.type': ['6'],
      'bgp.update.path_attribute.pmsi.ingress_rep_ip': ['10.0.0.1'],
      'bgp.ext_com.value_as2': ['65100'],
      'bgp.ext_com.value_an4': ['100'],
      // The PMSI label is the VNI (RFC 8365 §5.1.3).
      'bgp.evpn.nlri.vni': ['100'],
    },
  });
  cases.push({
    name: 'type 3 IPv6',
    bytes: upd(
      evpnUpdate([imetRoute({ rd: '10.0.0.1:3', originatorIp: 'fd00::1' })], 'fd00::1', [
        { type: AttrType.EXTENDED_COMMUNITIES, communities: [routeTarget('65100:200'), { kind: 'encapsulation', tunnelType: 8 }] },
      ]),
    ),
    expect: { 'bgp.evpn.nlri.rt': ['3'], 'bgp.evpn.nlri.ipv6.addr': ['fd00::1'], 'bgp.update.path_attribute.mp_reach_nlri.next_hop.ipv6': ['fd00::1'] },
  });

  cases.push({
    name: 'type 5 IPv4 and IPv6 with gateway, router MAC',
    bytes: upd(
      evpnUpdate(
        [
          ipPrefixRoute({ rd: '10.0.0.1:1', prefix: '10.100.0.0/24', label: 1000 }),
          ipPrefixRoute({ rd: '10.0.0.1:1', prefix: '0.0.0.0/0', label: 1000, gatewayIp: '10.100.0.1' }),
        ],
        '10.0.0.1',
        [{ type: AttrType.EXTENDED_COMMUNITIES, communities: [routeTarget('65100:1000'), { kind: 'encapsulation', tunnelType: 8 }, { kind: 'router-mac', mac: '02:aa:00:00:10:00' }] }],
      ),
    ),
    expect: {
      'bgp.evpn.nlri.rt': ['5', '5'],
      'bgp.evpn.nlri.prefix_len': ['24', '0'],
      'bgp.evpn.nlri.ipv4.gtw_addr': ['0.0.0.0', '10.100.0.1'],
      // Wireshark 4.0 shows a type-5 label as an MPLS label stack entry; its value field is the full 24-bit VNI.
      'bgp.update.path_attribute.mpls_label_value': ['1000', '1000'],
    },
  });
  cases.push({
    name: 'type 5 IPv6',
    bytes: upd(
      evpnUpdate([ipPrefixRoute({ rd: '10.0.0.1:1', prefix: 'fd00:100::/64', label: 1000, gatewayIp: 'fd00:100::1' })], '10.0.0.1', [
        { type: AttrType.EXTENDED_COMMUNITIES, communities: [routeTarget('65100:1000'), { kind: 'encapsulation', tunnelType: 8 }] },
      ]),
    ),
    expect: { 'bgp.evpn.nlri.rt': ['5'], 'bgp.evpn.nlri.prefix_len': ['64'], 'bgp.evpn.nlri.ipv6.gtw_addr': ['fd00:100::1'], 'bgp.update.path_attribute.mpls_label_value': ['1000'] },
  });

  cases.push({
    name: 'types 1 and 4 (multihoming) with ESI label and ES-import',
    bytes: upd(
      evpnUpdate(
        [
          ethernetAdRoute({ rd: '10.0.0.1:2', esi: ESI, ethTag: 0xffffffff, label: 0 }),
          ethernetSegmentRoute({ rd: '10.0.0.1:0', esi: ESI, originatorIp: '10.0.0.1' }),
          ethernetSegmentRoute({ rd: '10.0.0.1:0', esi: ESI, originatorIp: 'fd00::1' }),
        ],
        '10.0.0.1',
        [{ type: AttrType.EXTENDED_COMMUNITIES, communities: [{ kind: 'esi-label', flags: 1, label: 0 }, { kind: 'es-import', mac: '00:11:22:33:44:55' }] }],
      ),
    ),
    expect: { 'bgp.evpn.nlri.rt': ['1', '4', '4'], 'bgp.evpn.nlri.etag': ['4294967295'], 'bgp.evpn.nlri.esi': [ESI, ESI, ESI], 'bgp.evpn.nlri.ip.addr': ['10.0.0.1'], 'bgp.evpn.nlri.ipv6.addr': ['fd00::1'] },
  });

  cases.push({
    name: 'every classic attribute with IPv4 unicast NLRI',
    bytes: upd(
      buildUpdate({
        attributes: [
          { type: AttrType.ORIGIN, origin: 2 },
          { type: AttrType.AS_PATH, segments: [{ type: 2, asns: [65200, 4200000001] }, { type: 1, asns: [65001, 65002] }] },
          { type: AttrType.NEXT_HOP, nextHop: '192.0.2.1' },
          { type: AttrType.MULTI_EXIT_DISC, med: 50 },
          { type: AttrType.LOCAL_PREF, localPref: 200 },
          { type: AttrType.ATOMIC_AGGREGATE },
          { type: AttrType.AGGREGATOR, asn: 65200, address: '192.0.2.9' },
          { type: AttrType.COMMUNITIES, communities: [0xffffff01, 65100 * 65536 + 42] },
          { type: AttrType.ORIGINATOR_ID, originatorId: '10.0.0.9' },
          { type: AttrType.CLUSTER_LIST, clusterList: ['10.0.0.254', '10.0.0.253'] },
          { type: AttrType.LARGE_COMMUNITY, communities: [{ global: 4200000001, local1: 1, local2: 2 }] },
        ],
        nlri: [{ prefix: '198.51.100.0', length: 24 }],
        withdrawn: [{ prefix: '203.0.113.0', length: 25 }],
      }),
    ),
    expect: {
      'bgp.update.path_attribute.origin': ['2'],
      'bgp.update.path_attribute.as_path_segment.as4': ['65200', '4200000001', '65001', '65002'],
      'bgp.update.path_attribute.next_hop': ['192.0.2.1'],
      'bgp.update.path_attribute.multi_exit_disc': ['50'],
      'bgp.update.path_attribute.local_pref': ['200'],
      'bgp.update.path_attribute.aggregator_as': ['65200'],
      'bgp.update.path_attribute.originator_id': ['10.0.0.9'],
      'bgp.large_communities.ga': ['4200000001'],
    },
  });

  cases.push({
    name: 'EVPN withdrawal in MP_UNREACH',
    bytes: upd(
      buildUpdate({
        attributes: [{ type: AttrType.MP_UNREACH_NLRI, afi: 25, safi: 70, nlri: { kind: 'evpn', routes: [{ route: t2[1]! }] } }],
      }),
    ),
    expect: { 'bgp.evpn.nlri.mac_addr': ['02:cc:00:00:00:12'], 'bgp.update.path_attribute.mp_unreach_nlri.afi': ['25'] },
  });
  cases.push({ name: 'End-of-RIB for EVPN', bytes: upd(buildEndOfRib(25, 70)), expect: { 'bgp.update.path_attribute.mp_unreach_nlri.safi': ['70'] } });
  cases.push({ name: 'KEEPALIVE', bytes: encodeMessage({ type: MsgType.KEEPALIVE }, CTX), expect: { 'bgp.type': ['4'] } });
  cases.push({
    name: 'NOTIFICATION Cease/Administrative Shutdown',
    bytes: encodeMessage({ type: MsgType.NOTIFICATION, notification: { code: 6, subcode: 2, data: new Uint8Array([4, 0x62, 0x79, 0x65, 0x21]) } }, CTX),
    expect: { 'bgp.notify.major_error': ['6'], 'bgp.notify.minor_error_cease': ['2'], 'bgp.notify.communication': ['bye!'] },
  });
  cases.push({
    name: 'ROUTE-REFRESH (enhanced, BoRR)',
    bytes: encodeMessage({ type: MsgType.ROUTE_REFRESH, routeRefresh: { afi: 25, safi: 70, subtype: 1 } } as BgpMessage, CTX),
    expect: { 'bgp.route_refresh.afi': ['25'], 'bgp.route_refresh.safi': ['70'], 'bgp.route_refresh.subtype': ['1'] },
  });
  return cases;
}
