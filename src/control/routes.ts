import { formatAsPath } from '../bgp/wire/attributes/as-path';
import { isUnknownAttr, type AttrMap, type PathAttribute } from '../bgp/wire/attributes/types';
import { formatRouteTarget } from '../bgp/wire/ext-community';
import { formatRoute } from '../bgp/wire/evpn/key';
import { rdToString } from '../bgp/wire/evpn/rd';
import type { EvpnRoute } from '../bgp/wire/evpn/types';
import { AttrType } from '../bgp/wire/iana';
import { MAC_MOBILITY_STICKY } from '../bgp/wire/ext-community';
import { toHex } from '../util/bytes';
import type { RibRouteEntry, RouteFilter, RouteRow } from './protocol';

/** Turns RIB paths into the rows of `show routes`. */

function attr<K extends keyof AttrMap>(attrs: readonly PathAttribute[], type: K): AttrMap[K] | undefined {
  for (const a of attrs) if (a.type === type && !isUnknownAttr(a)) return a as AttrMap[K];
  return undefined;
}

/**
 * The VNI a route belongs to, for filtering: the L2VNI (label1) of a type 2,
 * the PMSI tunnel label of a type 3 (RFC 8365 §5.1.3; the Ethernet Tag when
 * there is no PMSI attribute), the L3VNI of a type 5, the label of a type 1.
 * Type 4 routes belong to no VNI.
 */
export function vniOf(route: EvpnRoute, attrs: readonly PathAttribute[]): number | undefined {
  if ('unknown' in route) return undefined;
  switch (route.routeType) {
    case 1:
      return route.label;
    case 2:
      return route.label1;
    case 3:
      return attr(attrs, AttrType.PMSI_TUNNEL)?.label ?? route.ethTag;
    case 5:
      return route.label;
    default:
      return undefined;
  }
}

export function matches(e: RibRouteEntry, f: RouteFilter | undefined): boolean {
  if (!f) return true;
  if (f.type !== undefined && e.route.routeType !== f.type) return false;
  if (f.vni !== undefined && vniOf(e.route, e.attrs) !== f.vni) return false;
  return true;
}

export function routeRow(e: RibRouteEntry): RouteRow {
  const r = e.route;
  const row: RouteRow = {
    type: r.routeType,
    rd: 'rd' in r ? rdToString(r.rd) : '',
    prefix: formatRoute(r),
    nextHop: e.nextHop,
    from: e.from,
    best: e.best,
    routeTargets: [],
    asPath: formatAsPath(attr(e.attrs, AttrType.AS_PATH)?.segments ?? []),
  };
  if (e.stale) row.stale = true;
  const vni = vniOf(r, e.attrs);
  if (vni !== undefined) row.vni = vni;
  if (!('unknown' in r)) {
    if (r.routeType === 2) {
      row.mac = r.mac;
      if (r.ip !== undefined) row.ip = r.ip;
      row.label1 = r.label1;
      if (r.label2 !== undefined) row.label2 = r.label2;
    }
    if (r.routeType === 5) {
      row.ip = `${r.prefix}/${r.prefixLength}`;
      row.gatewayIp = r.gatewayIp;
    }
    if ('esi' in r) row.esi = r.esi;
    if ('ethTag' in r) row.ethTag = r.ethTag;
    if ('originatorIp' in r) row.originatorIp = r.originatorIp;
  }
  for (const c of attr(e.attrs, AttrType.EXTENDED_COMMUNITIES)?.communities ?? []) {
    if (c.kind === 'route-target') row.routeTargets.push(formatRouteTarget(c));
    else if (c.kind === 'mac-mobility') {
      row.mobilitySeq = c.seq;
      row.sticky = (c.flags & MAC_MOBILITY_STICKY) !== 0;
    } else if (c.kind === 'router-mac') row.routerMac = c.mac;
    else if (c.kind === 'encapsulation') (row.encapsulation ??= []).push(c.tunnelType);
  }
  const pmsi = attr(e.attrs, AttrType.PMSI_TUNNEL);
  if (pmsi) {
    const id = typeof pmsi.tunnelId === 'string' ? pmsi.tunnelId : toHex(pmsi.tunnelId);
    row.pmsi = { tunnelType: pmsi.tunnelType, label: pmsi.label, tunnelId: id, flags: pmsi.tunnelFlags };
  }
  const lp = attr(e.attrs, AttrType.LOCAL_PREF);
  if (lp) row.localPref = lp.localPref;
  const oid = attr(e.attrs, AttrType.ORIGINATOR_ID);
  if (oid) row.originatorId = oid.originatorId;
  const cl = attr(e.attrs, AttrType.CLUSTER_LIST);
  if (cl) row.clusterList = [...cl.clusterList];
  return row;
}

/** Rows sorted by type, RD, prefix, then best first. */
export function routeRows(entries: Iterable<RibRouteEntry>, f?: RouteFilter): RouteRow[] {
  const rows: RouteRow[] = [];
  for (const e of entries) if (matches(e, f)) rows.push(routeRow(e));
  rows.sort((a, b) => a.type - b.type || cmp(a.rd, b.rd) || cmp(a.prefix, b.prefix) || Number(b.best) - Number(a.best) || cmp(a.from, b.from));
  return rows;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
