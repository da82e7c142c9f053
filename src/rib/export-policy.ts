import { AsSegmentType, type AsPathSegment } from '../bgp/wire/attributes/as-path';
import { defaultFlags, isUnknownAttr, type PathAttribute } from '../bgp/wire/attributes/index';
import { AttrFlag, AttrType } from '../bgp/wire/iana';
import type { Ip } from '../util/ip';
import type { RibLocal, RibPeer } from './api';
import { DEFAULT_LOCAL_PREF } from './best-path';
import type { Path } from './path';

/*
 * Which best paths go to which peer, and with what attributes.
 *
 * Who gets a path:
 *   - never the peer it came from;
 *   - local and eBGP-learned paths: every peer;
 *   - iBGP-learned paths: eBGP peers, and iBGP peers only by route reflection
 *     (RFC 4456 §6): from a client to all clients and non-clients, from a
 *     non-client to clients only (without clients we are a plain speaker and
 *     RFC 4271 §9.2's iBGP split horizon holds);
 *   - not to an eBGP peer whose AS is already in the AS_PATH: it would drop it
 *     (RFC 4271 §9.1.2), so sending it is only work for both sides.
 *
 * Attributes towards an eBGP peer (RFC 4271 §5.1.2, §5.1.4, §5.1.5, RFC 4456 §8):
 *   our AS prepended to AS_PATH; LOCAL_PREF, ORIGINATOR_ID and CLUSTER_LIST
 *   removed; MULTI_EXIT_DISC removed unless the route is ours. The EVPN next
 *   hop is the VTEP and is kept, as FRR does by default (the capture shows it),
 *   except on our own routes, which carry our VTEP address.
 * Towards an iBGP peer: LOCAL_PREF 100 added if missing; when reflecting,
 *   ORIGINATOR_ID set if absent (to the BGP identifier of the peer the route
 *   came from) and our cluster id prepended to CLUSTER_LIST (RFC 4456 §8).
 * Always: unrecognized optional non-transitive attributes are not passed on,
 *   unrecognized transitive ones get the Partial bit (RFC 4271 §5, §9.1.2.2
 *   does not look at them); NEXT_HOP is left out (EVPN uses MP_REACH_NLRI).
 */

export interface ExportContext {
  local: RibLocal;
  /** The next hop of our own routes; defaults to the session's local address. */
  vtepIp?: Ip;
}

export function mayAdvertise(path: Path, to: RibPeer): boolean {
  const src = path.source;
  if (src.local) return true;
  if (src.id === to.id) return false;
  if (!to.ibgp) return !path.attrs.pathAsns.has(to.asn);
  if (!src.ibgp) return true;
  return src.rrClient || to.routeReflectorClient;
}

/** Is the path reflected (iBGP-learned, sent to an iBGP peer)? */
export function isReflected(path: Path, to: RibPeer): boolean {
  return !path.source.local && path.source.ibgp && to.ibgp;
}

function prependAs(segments: readonly AsPathSegment[], asn: number): AsPathSegment[] {
  const first = segments[0];
  if (first !== undefined && first.type === AsSegmentType.AS_SEQUENCE && first.asns.length < 255) {
    return [{ type: AsSegmentType.AS_SEQUENCE, asns: [asn, ...first.asns] }, ...segments.slice(1)];
  }
  return [{ type: AsSegmentType.AS_SEQUENCE, asns: [asn] }, ...segments];
}

/** The attributes (no MP_REACH) and next hop of `path` as sent to `to`. */
export function outgoingAttrs(path: Path, to: RibPeer, ctx: ExportContext): { attrs: PathAttribute[]; nextHop: Ip } {
  const src = path.source;
  const ebgp = !to.ibgp;
  const reflect = isReflected(path, to);
  const out: PathAttribute[] = [];
  let sawAsPath = false;
  let sawLocalPref = false;
  let sawOriginatorId = false;
  let sawClusterList = false;
  for (const a of path.attrs.attrs) {
    if (isUnknownAttr(a)) {
      if ((a.flags & AttrFlag.TRANSITIVE) === 0) continue;
      out.push(src.local || a.flags & AttrFlag.PARTIAL ? a : { ...a, flags: a.flags | AttrFlag.PARTIAL });
      continue;
    }
    switch (a.type) {
      case AttrType.NEXT_HOP:
      case AttrType.MP_REACH_NLRI:
      case AttrType.MP_UNREACH_NLRI:
        continue;
      case AttrType.AS_PATH:
        sawAsPath = true;
        out.push(ebgp ? { ...a, segments: prependAs(a.segments, ctx.local.asn) } : a);
        continue;
      case AttrType.LOCAL_PREF:
        sawLocalPref = true;
        if (!ebgp) out.push(a);
        continue;
      case AttrType.MULTI_EXIT_DISC:
        if (!ebgp || src.local) out.push(a);
        continue;
      case AttrType.ORIGINATOR_ID:
        sawOriginatorId = true;
        if (!ebgp) out.push(a);
        continue;
      case AttrType.CLUSTER_LIST:
        sawClusterList = true;
        if (ebgp) continue;
        out.push(reflect ? { ...a, clusterList: [ctx.local.clusterId, ...a.clusterList] } : a);
        continue;
      default:
        out.push(a);
    }
  }
  if (!sawAsPath) {
    out.push({
      type: AttrType.AS_PATH,
      flags: defaultFlags(AttrType.AS_PATH),
      segments: ebgp ? [{ type: AsSegmentType.AS_SEQUENCE, asns: [ctx.local.asn] }] : [],
    });
  }
  if (!ebgp && !sawLocalPref) out.push({ type: AttrType.LOCAL_PREF, flags: defaultFlags(AttrType.LOCAL_PREF), localPref: DEFAULT_LOCAL_PREF });
  if (reflect) {
    if (!sawOriginatorId) out.push({ type: AttrType.ORIGINATOR_ID, flags: defaultFlags(AttrType.ORIGINATOR_ID), originatorId: src.bgpId });
    if (!sawClusterList) out.push({ type: AttrType.CLUSTER_LIST, flags: defaultFlags(AttrType.CLUSTER_LIST), clusterList: [ctx.local.clusterId] });
  }
  out.sort((x, y) => x.type - y.type);
  const nextHop = src.local ? (ctx.vtepIp ?? to.localAddress) : (path.attrs.nextHop ?? to.localAddress);
  return { attrs: out, nextHop };
}
