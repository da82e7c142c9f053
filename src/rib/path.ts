import type { EvpnRoute } from '../bgp/wire/evpn/types';
import type { Ip } from '../util/ip';
import type { AttrSet } from './attr-set';

/*
 * A path: one route as received from one source (a peer, or ourselves). It is
 * kept as small as possible because there is one per route per source: the
 * route value (decoded once), the interned attribute set, the source and the
 * link to the next candidate of the same key. The route key lives in the map
 * that holds the paths (route-table.ts).
 */

/** Where paths come from: an Established peer, or the local speaker. */
export interface PathSource {
  /** The peer id, or 'local'. */
  readonly id: string;
  readonly local: boolean;
  readonly ibgp: boolean;
  /** RFC 4456 route reflector client (iBGP only). */
  readonly rrClient: boolean;
  readonly asn: number;
  /** The peer's BGP identifier as a number (RFC 4271 §9.1.2.2 f, RFC 4456 §9). */
  readonly bgpIdNumber: number;
  readonly bgpId: Ip;
  /** The peer address (RFC 4271 §9.1.2.2 g); our router id for local paths. */
  readonly address: Ip;
  /** Paths of a session that went down under graceful restart (RFC 4724 §4.2). */
  stale: boolean;
  /** Paths currently held from this source. */
  count: number;
}

export const LOCAL_SOURCE_ID = 'local';

export class Path {
  /** The next candidate path of the same key (another source), see route-table.ts. */
  next: Path | undefined = undefined;

  constructor(
    readonly route: EvpnRoute,
    readonly attrs: AttrSet,
    readonly source: PathSource,
  ) {}
}

/**
 * Equal route values apart from the key: the fields that are not part of the
 * route key (ESI, labels, gateway) decide whether a re-announcement changes
 * anything. Only called on routes with the same key.
 */
export function sameRouteValue(a: EvpnRoute, b: EvpnRoute): boolean {
  if (a === b) return true;
  if (a.routeType !== b.routeType) return false;
  if ('unknown' in a || 'unknown' in b) return true;
  switch (a.routeType) {
    case 1: {
      const y = b as typeof a;
      return a.label === y.label;
    }
    case 2: {
      const y = b as typeof a;
      return a.esi === y.esi && a.label1 === y.label1 && a.label2 === y.label2;
    }
    case 5: {
      const y = b as typeof a;
      return a.esi === y.esi && a.label === y.label && a.gatewayIp === y.gatewayIp;
    }
    default:
      return true;
  }
}
