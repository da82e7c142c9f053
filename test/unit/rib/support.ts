import type { AttrInit } from '../../../src/bgp/wire/update';
import { buildUpdate, decode, encodeToBytes, type DecodedUpdate, type Update } from '../../../src/bgp/wire/update';
import { routeTarget } from '../../../src/bgp/wire/ext-community';
import { imetRoute, macIpRoute } from '../../../src/bgp/wire/evpn/builders';
import type { EvpnRoute } from '../../../src/bgp/wire/evpn/types';
import { AttrType } from '../../../src/bgp/wire/iana';
import type { RibLocal, RibPeer } from '../../../src/rib/api';
import { Reader } from '../../../src/util/reader';

/** TEST-ONLY helpers for the RIB tests. */

export const LOCAL: RibLocal = { asn: 65100, routerId: '10.0.0.100', clusterId: '10.0.0.100', vtepIp: '10.99.0.100' };

export function peer(id: string, o: Partial<RibPeer> = {}): RibPeer {
  const ibgp = o.ibgp ?? true;
  return {
    id,
    address: o.address ?? id,
    asn: o.asn ?? (ibgp ? 65100 : 65200),
    bgpId: o.bgpId ?? o.address ?? id,
    ibgp,
    routeReflectorClient: o.routeReflectorClient ?? false,
    families: o.families ?? new Set(['25/70']),
    addPathTx: o.addPathTx ?? new Set(),
    localAddress: o.localAddress ?? '10.0.0.100',
    extendedMessage: o.extendedMessage ?? false,
  };
}

/** Encodes then decodes, as the session layer would hand it over. */
export function roundTrip(u: Update, ibgp = true): DecodedUpdate {
  const ctx = { fourOctetAs: true, extendedMessage: true, addPathRx: new Set<string>(), ibgp };
  return decode(new Reader(encodeToBytes(u, ctx)), ctx);
}

export function mac(i: number): string {
  return `02:00:00:00:${((i >> 8) & 0xff).toString(16).padStart(2, '0')}:${(i & 0xff).toString(16).padStart(2, '0')}`;
}

export function type2(i: number, rd = '10.0.0.1:100', withIp = true): EvpnRoute {
  return macIpRoute({ rd, mac: mac(i), ...(withIp ? { ip: `10.100.${(i >> 8) & 0xff}.${i & 0xff}` } : {}), label1: 100 });
}

export function type3(originator: string, rd = `${originator}:100`): EvpnRoute {
  return imetRoute({ rd, originatorIp: originator });
}

export interface AnnounceOpts {
  nextHop?: string;
  asPath?: number[];
  localPref?: number;
  med?: number;
  origin?: 0 | 1 | 2;
  originatorId?: string;
  clusterList?: string[];
  rts?: string[];
  seq?: number;
  sticky?: boolean;
  extra?: AttrInit[];
}

export function announce(routes: EvpnRoute[], o: AnnounceOpts = {}): Update {
  const attrs: AttrInit[] = [
    { type: AttrType.MP_REACH_NLRI, afi: 25, safi: 70, nextHop: [o.nextHop ?? '10.99.0.1'], reserved: 0, nlri: { kind: 'evpn', routes: routes.map((route) => ({ route })) } },
    { type: AttrType.ORIGIN, origin: o.origin ?? 0 },
    { type: AttrType.AS_PATH, segments: o.asPath && o.asPath.length > 0 ? [{ type: 2, asns: o.asPath }] : [] },
  ];
  if (o.localPref !== undefined) attrs.push({ type: AttrType.LOCAL_PREF, localPref: o.localPref });
  if (o.med !== undefined) attrs.push({ type: AttrType.MULTI_EXIT_DISC, med: o.med });
  if (o.originatorId !== undefined) attrs.push({ type: AttrType.ORIGINATOR_ID, originatorId: o.originatorId });
  if (o.clusterList !== undefined) attrs.push({ type: AttrType.CLUSTER_LIST, clusterList: o.clusterList });
  const comms = [{ kind: 'encapsulation' as const, tunnelType: 8 }, ...(o.rts ?? ['65100:100']).map(routeTarget)];
  if (o.seq !== undefined || o.sticky) comms.push({ kind: 'mac-mobility', flags: o.sticky ? 1 : 0, seq: o.seq ?? 0 });
  attrs.push({ type: AttrType.EXTENDED_COMMUNITIES, communities: comms });
  attrs.push(...(o.extra ?? []));
  return buildUpdate({ attributes: attrs });
}

export function withdraw(routes: EvpnRoute[]): Update {
  return buildUpdate({ attributes: [{ type: AttrType.MP_UNREACH_NLRI, afi: 25, safi: 70, nlri: { kind: 'evpn', routes: routes.map((route) => ({ route })) } }] });
}
