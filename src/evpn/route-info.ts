import type { PathAttribute, PmsiTunnelAttr } from '../bgp/wire/attributes/index';
import { isUnknownAttr } from '../bgp/wire/attributes/index';
import { formatRouteTarget, MAC_MOBILITY_STICKY } from '../bgp/wire/ext-community';
import { AttrType } from '../bgp/wire/iana';
import type { Mac } from '../util/mac';

/*
 * What EVPN import needs from a route's attributes: route targets, MAC
 * mobility (RFC 7432 §7.7), Router's MAC (RFC 9135 §8.1), the PMSI tunnel
 * (RFC 6514 §5). The RIB hands out one frozen attribute array per attribute
 * set, so this is worked out once per array and cached by identity.
 */

export interface RouteInfo {
  routeTargets: readonly string[];
  /** 0 without the MAC Mobility extended community (RFC 7432 §15). */
  seq: number;
  sticky: boolean;
  routerMac: Mac | null;
  pmsi: PmsiTunnelAttr | null;
}

const cache = new WeakMap<readonly PathAttribute[], RouteInfo>();

export function routeInfo(attrs: readonly PathAttribute[]): RouteInfo {
  let info = cache.get(attrs);
  if (info !== undefined) return info;
  const rts: string[] = [];
  let seq = 0;
  let sticky = false;
  let routerMac: Mac | null = null;
  let pmsi: PmsiTunnelAttr | null = null;
  for (const a of attrs) {
    if (isUnknownAttr(a)) continue;
    if (a.type === AttrType.EXTENDED_COMMUNITIES) {
      for (const c of a.communities) {
        if (c.kind === 'route-target') rts.push(formatRouteTarget(c));
        else if (c.kind === 'mac-mobility') {
          seq = c.seq;
          sticky = (c.flags & MAC_MOBILITY_STICKY) !== 0;
        } else if (c.kind === 'router-mac') routerMac = c.mac;
      }
    } else if (a.type === AttrType.PMSI_TUNNEL) pmsi = a;
  }
  info = { routeTargets: rts, seq, sticky, routerMac, pmsi };
  cache.set(attrs, info);
  return info;
}
