import type { IpPrefixRoute, MacIpRoute } from '../bgp/wire/evpn/types';
import { compareIp } from '../rib/ip-order';
import type { Ip } from '../util/ip';
import type { Mac } from '../util/mac';
import type { EvpnEventSink } from './events';
import type { RouteInfo } from './route-info';

/*
 * A tenant IP-VRF for symmetric IRB (RFC 9135, RFC 9136): routes imported by
 * route target into a prefix table.
 *
 *   type 5  prefix/len via the next hop VTEP, L3VNI = the route's label,
 *           inner destination MAC = the Router's MAC extended community
 *           (RFC 9136 §4.4.1, interface-less model);
 *   type 2  MAC+IP routes carrying label2 (the L3VNI) give host routes, /32
 *           or /128, via the VTEP with its Router's MAC (RFC 9135 §5.1).
 *
 * Several routes for one prefix (several VTEPs, or one via type 5 and type 2)
 * are all kept; the one installed is the lowest VTEP address, a stable
 * choice until ECMP is programmed. Our own routes are not installed.
 */

export interface VrfNextHop {
  /** RIB key of the route behind it. */
  key: string;
  vtep: Ip;
  routerMac: Mac | null;
  remoteVni: number;
  /** The route type it came from: 5 (IP Prefix) or 2 (MAC+IP host route). */
  source: 2 | 5;
  /**
   * Type 5 only: the GW IP field when not zero, an overlay index (RFC 9136
   * §3.2, §4.3): the prefix is reached through that address.
   */
  gatewayIp?: Ip;
}

/** One row of the tenant table: a prefix and its candidates, the installed one first. */
export interface VrfRoute {
  prefix: string;
  nextHops: readonly VrfNextHop[];
}

export class IpVrf {
  /** "prefix/len" → candidate next hops. */
  private readonly table = new Map<string, VrfNextHop[]>();

  constructor(
    readonly name: string,
    readonly l3vni: number,
    readonly importRts: readonly string[],
    private readonly emit: EvpnEventSink,
  ) {}

  get size(): number {
    return this.table.size;
  }

  /** The installed next hop of a prefix ("10.0.0.0/24"). */
  lookup(prefix: string): VrfNextHop | undefined {
    return this.table.get(prefix)?.[0];
  }

  /** Every candidate of a prefix, installed one first. */
  candidates(prefix: string): readonly VrfNextHop[] {
    return this.table.get(prefix) ?? [];
  }

  /** Every prefix, sorted by family, address, then length (a stable listing for `show routes --vrf`). */
  routes(): VrfRoute[] {
    const rows = [...this.table].map(([prefix, nextHops]) => ({ prefix, nextHops }));
    return rows.sort((a, b) => comparePrefix(a.prefix, b.prefix));
  }

  /** Count of prefixes by the route type of their installed next hop. */
  counts(): { type2: number; type5: number } {
    let type2 = 0;
    let type5 = 0;
    for (const list of this.table.values()) {
      if (list[0]!.source === 2) type2++;
      else type5++;
    }
    return { type2, type5 };
  }

  upsertPrefix(key: string, route: IpPrefixRoute, info: RouteInfo, vtep: Ip, local: boolean): void {
    if (local) {
      this.removePrefix(key, route);
      return;
    }
    const nh: VrfNextHop = { key, vtep, routerMac: info.routerMac, remoteVni: route.label, source: 5 };
    if (!isZeroIp(route.gatewayIp)) nh.gatewayIp = route.gatewayIp;
    this.put(`${route.prefix}/${route.prefixLength}`, nh);
  }

  removePrefix(key: string, route: IpPrefixRoute): void {
    this.drop(`${route.prefix}/${route.prefixLength}`, key);
  }

  upsertHost(key: string, route: MacIpRoute, info: RouteInfo, vtep: Ip, local: boolean): void {
    if (local || route.ip === undefined || route.label2 === undefined) {
      this.removeHost(key, route);
      return;
    }
    this.put(hostPrefix(route.ip), { key, vtep, routerMac: info.routerMac, remoteVni: route.label2, source: 2 });
  }

  removeHost(key: string, route: MacIpRoute): void {
    if (route.ip !== undefined) this.drop(hostPrefix(route.ip), key);
  }

  private put(prefix: string, nh: VrfNextHop): void {
    let list = this.table.get(prefix);
    if (list === undefined) this.table.set(prefix, (list = []));
    const before = list[0];
    const i = list.findIndex((x) => x.key === nh.key);
    if (i >= 0) list[i] = nh;
    else list.push(nh);
    list.sort((a, b) => compareIp(a.vtep, b.vtep));
    this.report(prefix, before, list[0]);
  }

  private drop(prefix: string, key: string): void {
    const list = this.table.get(prefix);
    if (list === undefined) return;
    const i = list.findIndex((x) => x.key === key);
    if (i < 0) return;
    const before = list[0];
    list.splice(i, 1);
    if (list.length === 0) this.table.delete(prefix);
    this.report(prefix, before, list[0]);
  }

  private report(prefix: string, before: VrfNextHop | undefined, now: VrfNextHop | undefined): void {
    if (before === now) return;
    if (before !== undefined && now !== undefined && before.vtep === now.vtep && before.routerMac === now.routerMac && before.remoteVni === now.remoteVni) return;
    if (before !== undefined && (now === undefined || now.vtep !== before.vtep)) {
      this.emit({ kind: 'prefixRemoved', vrf: this.name, l3vni: this.l3vni, prefix, vtep: before.vtep });
    }
    if (now !== undefined) {
      this.emit({ kind: 'prefixAdded', vrf: this.name, l3vni: this.l3vni, prefix, vtep: now.vtep, routerMac: now.routerMac, remoteVni: now.remoteVni });
    }
  }
}

function isZeroIp(ip: Ip): boolean {
  return ip === '0.0.0.0' || ip === '::';
}

/** IPv4 before IPv6, then by address octets, then shorter first. */
function comparePrefix(a: string, b: string): number {
  const [pa, la] = a.split('/') as [string, string];
  const [pb, lb] = b.split('/') as [string, string];
  return compareIp(pa, pb) || Number(la) - Number(lb);
}

function hostPrefix(ip: Ip): string {
  return ip.includes(':') ? `${ip}/128` : `${ip}/32`;
}
