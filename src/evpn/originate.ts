import { defaultFlags, type PathAttribute } from '../bgp/wire/attributes/index';
import { imetRoute, ipPrefixRoute, macIpRoute } from '../bgp/wire/evpn/builders';
import type { EvpnRoute, InclusiveMulticastRoute, IpPrefixRoute, MacIpRoute, RouteDistinguisher } from '../bgp/wire/evpn/types';
import { MAC_MOBILITY_STICKY, type ExtCommunity, type RouteTarget } from '../bgp/wire/ext-community';
import { AttrType, PmsiTunnelType, TunnelEncap } from '../bgp/wire/iana';
import { autoRd, autoRt } from '../config/derive';
import type { RdRtMode } from '../config/schema';
import type { Ip } from '../util/ip';
import type { Mac } from '../util/mac';

/*
 * The routes a VTEP originates, with the attributes FRR puts on them (see
 * the captures in shared/vectors) so that FRR and GoBGP import them:
 *
 *   type 3 (RFC 7432 §7.3, RFC 8365 §5.1.3) per L2VNI: originator = our VTEP,
 *     PMSI_TUNNEL ingress replication (type 6), label = VNI, tunnel id = VTEP;
 *   type 2 (RFC 7432 §7.2) per local MAC and MAC+IP: label1 = L2VNI; with
 *     symmetric IRB label2 = L3VNI, the VRF's route targets and the Router's
 *     MAC (RFC 9135 §8.1); MAC Mobility (RFC 7432 §7.7) when the sequence
 *     number is above 0 or the MAC is sticky;
 *   type 5 (RFC 9136 §3) per tenant prefix: label = L3VNI, Router's MAC,
 *     gateway 0 (interface-less model, §4.4.1).
 *
 * Every route carries ORIGIN IGP, an empty AS_PATH, the VXLAN encapsulation
 * extended community (RFC 9012 §4.1, tunnel type 8) and the export route
 * targets. The next hop is added by the RIB (RibLocal.vtepIp). RD and RT
 * default to the auto derivations of config/derive.ts.
 */

export interface Originated<R extends EvpnRoute = EvpnRoute> {
  route: R;
  attrs: PathAttribute[];
}

/** An L2VNI as the originator needs it. */
export interface L2Origin {
  vni: number;
  rd: RouteDistinguisher;
  exportRts: readonly RouteTarget[];
}

/** A tenant VRF (symmetric IRB) as the originator needs it. */
export interface L3Origin {
  l3vni: number;
  rd: RouteDistinguisher;
  exportRts: readonly RouteTarget[];
  routerMac: Mac;
}

/** An L2VNI with the auto RD (router-id:index) and RT (AS:VNI), as FRR derives them. */
export function autoL2Origin(routerId: Ip, asn: number, vni: number, index: number, mode: RdRtMode = 'frr'): L2Origin {
  return { vni, rd: autoRd(routerId, index), exportRts: [autoRt(mode, asn, vni)] };
}

function baseAttrs(communities: ExtCommunity[]): PathAttribute[] {
  return [
    { type: AttrType.ORIGIN, flags: defaultFlags(AttrType.ORIGIN), origin: 0 },
    { type: AttrType.AS_PATH, flags: defaultFlags(AttrType.AS_PATH), segments: [] },
    { type: AttrType.EXTENDED_COMMUNITIES, flags: defaultFlags(AttrType.EXTENDED_COMMUNITIES), communities },
  ];
}

function rtCommunities(rts: readonly RouteTarget[]): ExtCommunity[] {
  return rts.map((rt) => ({ kind: 'route-target', ...rt }) as ExtCommunity);
}

const ENCAP_VXLAN: ExtCommunity = { kind: 'encapsulation', tunnelType: TunnelEncap.VXLAN };

/** The Inclusive Multicast route of an L2VNI: joins our VTEP to its flood list everywhere. */
export function originateImet(l2: L2Origin, vtepIp: Ip): Originated<InclusiveMulticastRoute> {
  const route = imetRoute({ rd: l2.rd, originatorIp: vtepIp });
  const attrs = baseAttrs([ENCAP_VXLAN, ...rtCommunities(l2.exportRts)]);
  attrs.push({
    type: AttrType.PMSI_TUNNEL,
    flags: defaultFlags(AttrType.PMSI_TUNNEL),
    tunnelFlags: 0,
    tunnelType: PmsiTunnelType.INGRESS_REPLICATION,
    label: l2.vni,
    tunnelId: route.originatorIp,
  });
  return { route, attrs };
}

export interface MacIpOptions {
  ip?: Ip;
  /** MAC Mobility sequence number (RFC 7432 §15); 0 leaves the community out unless sticky. */
  seq?: number;
  /** A static MAC that must not move (RFC 7432 §15.2). */
  sticky?: boolean;
  /** Symmetric IRB: adds label2 = L3VNI, the VRF's RTs and the Router's MAC (MAC+IP routes only). */
  l3?: L3Origin;
}

/** A MAC or MAC+IP advertisement of a locally learned host. */
export function originateMacIp(l2: L2Origin, mac: Mac, opts: MacIpOptions = {}): Originated<MacIpRoute> {
  const l3 = opts.ip !== undefined ? opts.l3 : undefined;
  const route = macIpRoute({
    rd: l2.rd,
    mac,
    ...(opts.ip === undefined ? {} : { ip: opts.ip }),
    label1: l2.vni,
    ...(l3 === undefined ? {} : { label2: l3.l3vni }),
  });
  const communities: ExtCommunity[] = [ENCAP_VXLAN, ...rtCommunities(l2.exportRts)];
  if (l3 !== undefined) communities.push(...rtCommunities(l3.exportRts), { kind: 'router-mac', mac: l3.routerMac });
  const seq = opts.seq ?? 0;
  if (seq > 0 || opts.sticky) communities.push({ kind: 'mac-mobility', flags: opts.sticky ? MAC_MOBILITY_STICKY : 0, seq });
  return { route, attrs: baseAttrs(communities) };
}

/** A tenant prefix ("10.100.0.0/24") advertised as a type-5 route. */
export function originatePrefix(l3: L3Origin, prefix: string): Originated<IpPrefixRoute> {
  const route = ipPrefixRoute({ rd: l3.rd, prefix, label: l3.l3vni });
  const attrs = baseAttrs([ENCAP_VXLAN, ...rtCommunities(l3.exportRts), { kind: 'router-mac', mac: l3.routerMac }]);
  return { route, attrs };
}
