import { formatRouteTarget, routeTarget, type ExtCommunity } from '../../../src/bgp/wire/ext-community';
import type { EvpnRoute } from '../../../src/bgp/wire/evpn/types';
import { AttrType } from '../../../src/bgp/wire/iana';
import { buildUpdate, type AttrInit, type DecodedUpdate, type Update } from '../../../src/bgp/wire/update';
import { rdToString } from '../../../src/bgp/wire/evpn/rd';
import type { Rib } from '../../../src/rib/rib';
import { roundTrip } from '../rib/support';

/** TEST-ONLY helpers of the L3 scenario tests: remote announcements with L3 attributes, and what a peer receives from us. */

export interface RemoteAttrs {
  nextHop: string;
  rts: string[];
  routerMac?: string;
  /** MAC Mobility sequence number (RFC 7432 §7.7), for moves. */
  mobilitySeq?: number;
}

/** An iBGP UPDATE from a remote VTEP, with the VXLAN encapsulation, route targets and an optional Router's MAC. */
export function remoteAnnounce(routes: EvpnRoute[], a: RemoteAttrs): Update {
  const communities: ExtCommunity[] = [{ kind: 'encapsulation', tunnelType: 8 }, ...a.rts.map(routeTarget)];
  if (a.routerMac) communities.push({ kind: 'router-mac', mac: a.routerMac });
  if (a.mobilitySeq !== undefined) communities.push({ kind: 'mac-mobility', flags: 0, seq: a.mobilitySeq });
  const attrs: AttrInit[] = [
    { type: AttrType.MP_REACH_NLRI, afi: 25, safi: 70, nextHop: [a.nextHop], reserved: 0, nlri: { kind: 'evpn', routes: routes.map((route) => ({ route })) } },
    { type: AttrType.ORIGIN, origin: 0 },
    { type: AttrType.AS_PATH, segments: [] },
    { type: AttrType.LOCAL_PREF, localPref: 100 },
    { type: AttrType.EXTENDED_COMMUNITIES, communities },
  ];
  return buildUpdate({ attributes: attrs });
}

export function remoteWithdraw(routes: EvpnRoute[]): Update {
  return buildUpdate({ attributes: [{ type: AttrType.MP_UNREACH_NLRI, afi: 25, safi: 70, nlri: { kind: 'evpn', routes: routes.map((route) => ({ route })) } }] });
}

/** One route as a peer decodes it from our UPDATEs, with the attributes that matter for EVPN. */
export interface SentRoute {
  withdraw: boolean;
  route: Record<string, unknown>;
  rd: string;
  nextHop?: string;
  origin?: number;
  asPath?: unknown;
  communities?: string[];
}

function communityText(c: ExtCommunity): string {
  switch (c.kind) {
    case 'route-target':
      return `rt ${formatRouteTarget(c)}`;
    case 'router-mac':
      return `rmac ${c.mac}`;
    case 'encapsulation':
      return `encap ${c.tunnelType}`;
    case 'mac-mobility':
      return `mm ${c.seq}${c.flags ? ' sticky' : ''}`;
    default:
      return c.kind;
  }
}

/** Flushes the RIB and decodes every UPDATE queued for `peer`. */
export function sentTo(rib: Rib, peer: string): SentRoute[] {
  rib.flush();
  return rib.drainOut(peer).flatMap((u) => decodeSent(roundTrip(u)));
}

export function decodeSent(d: DecodedUpdate): SentRoute[] {
  const out: SentRoute[] = [];
  let nextHop: string | undefined;
  let origin: number | undefined;
  let asPath: unknown;
  let communities: string[] | undefined;
  for (const a of d.attributes) {
    if ('raw' in a) continue;
    if (a.type === AttrType.MP_REACH_NLRI && Array.isArray(a.nextHop)) nextHop = a.nextHop[0];
    if (a.type === AttrType.ORIGIN) origin = a.origin;
    if (a.type === AttrType.AS_PATH) asPath = a.segments;
    if (a.type === AttrType.EXTENDED_COMMUNITIES) communities = a.communities.map(communityText).sort();
  }
  for (const a of d.attributes) {
    if ('raw' in a) continue;
    if ((a.type === AttrType.MP_REACH_NLRI || a.type === AttrType.MP_UNREACH_NLRI) && a.nlri.kind === 'evpn') {
      for (const n of a.nlri.routes) {
        if ('unknown' in n.route) continue;
        const { rd, ...rest } = n.route;
        const withdraw = a.type === AttrType.MP_UNREACH_NLRI;
        out.push({
          withdraw,
          route: rest,
          rd: rdToString(rd),
          ...(withdraw ? {} : { nextHop, origin, asPath, communities }),
        });
      }
    }
  }
  return out;
}
