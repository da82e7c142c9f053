import { toHex } from '../../util/bytes';
import { isUnknownAttr, type PathAttribute, type PmsiTunnelAttr } from '../../bgp/wire/attributes/types';
import { formatExtCommunity, isRouteTarget, formatRouteTarget, type ExtCommunity } from '../../bgp/wire/ext-community';
import { AttrType, MsgType } from '../../bgp/wire/iana';
import { ACTION_NAMES } from '../../bgp/wire/errors';
import { capabilityView } from './capability';
import { evpnRouteTypeName } from '../../bgp/wire/evpn/nlri';
import { rdToString } from '../../bgp/wire/evpn/rd';
import type { EvpnNlri } from '../../bgp/wire/evpn/types';
import { MSG_TYPE_NAMES, type BgpMessage } from '../../bgp/wire/message';
import { notificationName } from '../../bgp/wire/notification';
import { isEndOfRib, type DecodedUpdate } from '../../bgp/wire/update';
import { peerAs } from '../../bgp/wire/open';

/** JSON-ready views of decoded BGP messages: what `decode --json` prints and `show` will reuse. */

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const ORIGIN_NAMES = ['IGP', 'EGP', 'INCOMPLETE'];

export interface PmsiView {
  flags: number;
  tunnelType: number;
  /** The 24-bit label field: the VNI for VXLAN (RFC 8365 §5.1.3). */
  vni: number;
  tunnelId: string;
}

export interface EvpnRouteView {
  withdraw: boolean;
  routeType: number;
  routeTypeName: string;
  rd?: string;
  esi?: string;
  ethTag?: number;
  mac?: string;
  ip?: string;
  prefix?: string;
  prefixLength?: number;
  gatewayIp?: string;
  /** Label fields as VNIs (24 bits each). */
  vnis?: number[];
  originatorIp?: string;
  pathId?: number;
  nextHop?: string;
  routeTargets?: string[];
  extCommunities?: string[];
  macMobility?: { seq: number; sticky: boolean };
  routerMac?: string;
  pmsi?: PmsiView;
}

export function evpnRouteView(n: EvpnNlri, withdraw: boolean): EvpnRouteView {
  const r = n.route;
  const v: EvpnRouteView = { withdraw, routeType: r.routeType, routeTypeName: evpnRouteTypeName(r.routeType) };
  if (n.pathId !== undefined) v.pathId = n.pathId;
  if ('unknown' in r) return v;
  v.rd = rdToString(r.rd);
  switch (r.routeType) {
    case 1:
      v.esi = r.esi;
      v.ethTag = r.ethTag;
      v.vnis = [r.label];
      break;
    case 2:
      v.esi = r.esi;
      v.ethTag = r.ethTag;
      v.mac = r.mac;
      if (r.ip !== undefined) v.ip = r.ip;
      v.vnis = r.label2 === undefined ? [r.label1] : [r.label1, r.label2];
      break;
    case 3:
      v.ethTag = r.ethTag;
      v.originatorIp = r.originatorIp;
      break;
    case 4:
      v.esi = r.esi;
      v.originatorIp = r.originatorIp;
      break;
    case 5:
      v.esi = r.esi;
      v.ethTag = r.ethTag;
      v.prefix = r.prefix;
      v.prefixLength = r.prefixLength;
      v.gatewayIp = r.gatewayIp;
      v.vnis = [r.label];
      break;
  }
  return v;
}

function attrValueView(a: PathAttribute): Json {
  if (isUnknownAttr(a)) return { flags: a.flags, hex: toHex(a.raw) };
  switch (a.type) {
    case AttrType.ORIGIN:
      return ORIGIN_NAMES[a.origin] ?? a.origin;
    case AttrType.AS_PATH:
    case AttrType.AS4_PATH:
      return a.segments.map((s) => ({ type: s.type, asns: s.asns }));
    case AttrType.NEXT_HOP:
      return a.nextHop;
    case AttrType.MULTI_EXIT_DISC:
      return a.med;
    case AttrType.LOCAL_PREF:
      return a.localPref;
    case AttrType.ATOMIC_AGGREGATE:
      return true;
    case AttrType.MP_REACH_NLRI:
      return {
        afi: a.afi,
        safi: a.safi,
        nextHop: a.nextHop instanceof Uint8Array ? toHex(a.nextHop) : a.nextHop,
        nlri: a.nlri.kind === 'evpn' ? a.nlri.routes.length : a.nlri.kind === 'prefix' ? a.nlri.prefixes.map((p) => `${p.prefix}/${p.length}`) : toHex(a.nlri.raw),
      };
    case AttrType.MP_UNREACH_NLRI:
      return {
        afi: a.afi,
        safi: a.safi,
        nlri: a.nlri.kind === 'evpn' ? a.nlri.routes.length : a.nlri.kind === 'prefix' ? a.nlri.prefixes.map((p) => `${p.prefix}/${p.length}`) : toHex(a.nlri.raw),
      };
    case AttrType.EXTENDED_COMMUNITIES:
      return a.communities.map(formatExtCommunity);
    case AttrType.PMSI_TUNNEL:
      return pmsiView(a) as unknown as Json;
    default:
      return JSON.parse(JSON.stringify(a, (_k, v: unknown) => (v instanceof Uint8Array ? toHex(v) : v))) as Json;
  }
}

const ATTR_NAMES: Record<number, string> = {
  1: 'ORIGIN', 2: 'AS_PATH', 3: 'NEXT_HOP', 4: 'MED', 5: 'LOCAL_PREF', 6: 'ATOMIC_AGGREGATE', 7: 'AGGREGATOR',
  8: 'COMMUNITIES', 9: 'ORIGINATOR_ID', 10: 'CLUSTER_LIST', 14: 'MP_REACH_NLRI', 15: 'MP_UNREACH_NLRI',
  16: 'EXTENDED_COMMUNITIES', 17: 'AS4_PATH', 18: 'AS4_AGGREGATOR', 22: 'PMSI_TUNNEL', 32: 'LARGE_COMMUNITY',
};

export function attrName(type: number): string {
  return ATTR_NAMES[type] ?? `ATTR_${type}`;
}

function pmsiView(a: PmsiTunnelAttr): PmsiView {
  return {
    flags: a.tunnelFlags,
    tunnelType: a.tunnelType,
    vni: a.label,
    tunnelId: a.tunnelId instanceof Uint8Array ? toHex(a.tunnelId) : a.tunnelId,
  };
}

/** The per-route fields an EVPN user looks for, taken from the UPDATE's shared attributes. */
function sharedRouteFields(u: DecodedUpdate): Partial<EvpnRouteView> {
  const out: Partial<EvpnRouteView> = {};
  for (const a of u.attributes) {
    if (isUnknownAttr(a)) continue;
    if (a.type === AttrType.MP_REACH_NLRI && Array.isArray(a.nextHop)) out.nextHop = a.nextHop[0];
    if (a.type === AttrType.EXTENDED_COMMUNITIES) {
      const cs: ExtCommunity[] = a.communities;
      out.routeTargets = cs.filter(isRouteTarget).map((c) => formatRouteTarget(c));
      out.extCommunities = cs.filter((c) => !isRouteTarget(c)).map(formatExtCommunity);
      for (const c of cs) {
        if (c.kind === 'mac-mobility') out.macMobility = { seq: c.seq, sticky: (c.flags & 1) === 1 };
        if (c.kind === 'router-mac') out.routerMac = c.mac;
      }
    }
    if (a.type === AttrType.PMSI_TUNNEL) out.pmsi = pmsiView(a);
  }
  return out;
}

export function updateView(u: DecodedUpdate): Record<string, Json> {
  const attributes: Record<string, Json> = {};
  for (const a of u.attributes) attributes[attrName(a.type)] = attrValueView(a);
  const shared = sharedRouteFields(u);
  const routes: EvpnRouteView[] = [];
  for (const a of u.attributes) {
    if (isUnknownAttr(a)) continue;
    if (a.type === AttrType.MP_REACH_NLRI && a.nlri.kind === 'evpn') {
      for (const n of a.nlri.routes) routes.push({ ...evpnRouteView(n, false), ...shared });
    }
    if (a.type === AttrType.MP_UNREACH_NLRI && a.nlri.kind === 'evpn') {
      for (const n of a.nlri.routes) routes.push(evpnRouteView(n, true));
    }
  }
  const view: Record<string, Json> = { attributes, routes: routes as unknown as Json };
  if (u.withdrawn.length) view.withdrawn = u.withdrawn.map((p) => `${p.prefix}/${p.length}`);
  if (u.nlri.length) view.nlri = u.nlri.map((p) => `${p.prefix}/${p.length}`);
  const eor = isEndOfRib(u);
  if (eor) view.endOfRib = { afi: eor.afi, safi: eor.safi };
  if (u.faults.length) {
    view.action = ACTION_NAMES[u.action];
    view.faults = u.faults.map((f) => ({ attribute: f.attrType === -1 ? 'NLRI' : attrName(f.attrType), action: ACTION_NAMES[f.action], reason: f.reason }));
  }
  return view;
}

export function messageView(m: BgpMessage): Record<string, Json> {
  const type = MSG_TYPE_NAMES[m.type] ?? String(m.type);
  switch (m.type) {
    case MsgType.OPEN:
      return {
        type,
        version: m.open.version,
        as: peerAs(m.open),
        holdTime: m.open.holdTime,
        bgpId: m.open.bgpId,
        capabilities: m.open.capabilities.map(capabilityView),
      };
    case MsgType.UPDATE:
      return { type, ...updateView(m.update) };
    case MsgType.NOTIFICATION:
      return {
        type,
        code: m.notification.code,
        subcode: m.notification.subcode,
        name: notificationName(m.notification.code, m.notification.subcode),
        data: toHex(m.notification.data),
      };
    case MsgType.KEEPALIVE:
      return { type };
    case MsgType.ROUTE_REFRESH:
      return { type, afi: m.routeRefresh.afi, safi: m.routeRefresh.safi, subtype: m.routeRefresh.subtype };
  }
}

/** Compact text of an attribute value for one-line output. */
function attrText(a: PathAttribute, val: Json): string {
  if (isUnknownAttr(a)) return `0x${toHex(a.raw)}`;
  switch (a.type) {
    case AttrType.AS_PATH:
    case AttrType.AS4_PATH:
      // AS_SET segments in braces, AS_SEQUENCE flat (RFC 4271 §5.1.2).
      return `[${a.segments.map((s) => (s.type === 1 ? `{${s.asns.join(' ')}}` : s.asns.join(' '))).join(' ')}]`;
    case AttrType.EXTENDED_COMMUNITIES:
      return (val as string[]).join(' ');
    default:
      return typeof val === 'string' || typeof val === 'number' ? String(val) : JSON.stringify(val);
  }
}

/** One line per route in the style of the vectors README listing. */
export function routeLine(v: EvpnRouteView): string {
  const parts = [`${v.withdraw ? '-' : '+'} type-${v.routeType} ${v.routeTypeName}`];
  if (v.rd) parts.push(`RD ${v.rd}`);
  if (v.esi !== undefined) parts.push(`ESI ${v.esi === '00:00:00:00:00:00:00:00:00:00' ? '0' : v.esi}`);
  if (v.ethTag !== undefined) parts.push(`etag ${v.ethTag}`);
  if (v.mac) parts.push(`MAC ${v.mac} IP ${v.ip ?? '-'}`);
  if (v.prefix !== undefined) parts.push(`prefix ${v.prefix}/${v.prefixLength} gw ${v.gatewayIp}`);
  if (v.originatorIp) parts.push(`orig ${v.originatorIp}`);
  if (v.vnis) parts.push(v.vnis.map((x, i) => `${v.routeType === 2 ? `label${i + 1}` : 'label'} ${x}`).join(' '));
  return parts.join(' ');
}

export function messageLine(m: BgpMessage): string {
  const v = messageView(m);
  switch (m.type) {
    case MsgType.OPEN:
      return `OPEN AS ${String(v.as)} hold ${m.open.holdTime} id ${m.open.bgpId} caps ${m.open.capabilities.map((c) => capabilityView(c).name).join(',')}`;
    case MsgType.UPDATE: {
      const attrs = m.update.attributes
        .map((a) => {
          const val = attrValueView(a);
          if (!isUnknownAttr(a) && (a.type === AttrType.MP_REACH_NLRI || a.type === AttrType.MP_UNREACH_NLRI)) {
            const o = val as { afi: number; safi: number; nextHop?: Json };
            return `${a.type === AttrType.MP_REACH_NLRI ? 'MP_REACH' : 'MP_UNREACH'}(${o.afi}/${o.safi}${o.nextHop ? ` nh ${String(o.nextHop)}` : ''})`;
          }
          if (!isUnknownAttr(a) && a.type === AttrType.PMSI_TUNNEL) {
            const p = pmsiView(a);
            return `PMSI=flags ${p.flags} type ${p.tunnelType} label ${p.vni} id ${p.tunnelId}`;
          }
          return `${attrName(a.type)}=${attrText(a, val)}`;
        })
        .join(' ');
      const routes = ((v.routes ?? []) as unknown as EvpnRouteView[]).map((r) => `\n        ${routeLine(r)}`).join('');
      const eor = v.endOfRib ? ' End-of-RIB' : '';
      const faults = v.faults ? ` [RFC 7606 ${String(v.action)}: ${(v.faults as { reason: string }[]).map((f) => f.reason).join('; ')}]` : '';
      return `UPDATE${eor} ${attrs}${faults}${routes}`;
    }
    case MsgType.NOTIFICATION:
      return `NOTIFICATION ${m.notification.code}/${m.notification.subcode} ${String(v.name)}`;
    default:
      return String(v.type);
  }
}
