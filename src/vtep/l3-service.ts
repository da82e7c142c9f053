import { prefixText } from '../config/prefix';
import type { EvpnEvent } from '../evpn/events';
import type { EvpnImporter } from '../evpn/import';
import type { IpVrf, VrfNextHop } from '../evpn/ip-vrf';
import { originatePrefix, type L3Origin } from '../evpn/originate';
import type { RibApi } from '../rib/api';
import { isIpv4, type Ip } from '../util/ip';
import type { Logger } from '../util/log';
import type { Mac } from '../util/mac';
import type { L3Dataplane, L3Op } from '../dataplane/l3-intents';

/*
 * The EVPN L3 service of a VTEP: routing between the subnets of a tenant
 * (symmetric IRB, RFC 9135, with IP Prefix routes, RFC 9136), in the
 * interface-less model of RFC 9136 §4.4.1 that FRR uses with VXLAN.
 *
 *   out  one type-5 route per gateway subnet of the tenant's L2VNIs and per
 *        configured prefix: label = L3VNI, Router's MAC, the tenant's export
 *        RTs, ESI 0, GW IP 0 (originate.ts). The L2 service adds label2 =
 *        L3VNI, the tenant's RTs and the Router's MAC to the MAC+IP routes of
 *        hosts in routed VNIs (it is handed the L3Origin per VNI);
 *   in   the importer puts type-5 prefixes and type-2 host routes (/32,
 *        /128) into the tenant's IpVrf by route target, so tenants with
 *        overlapping subnets never see each other's routes; this service
 *        turns the installed next hop of each prefix into L3 data-plane
 *        intents (L3Op), which the Programmer maps to the fast path's
 *        tenant records (VrfAdd, VniVrf, GatewayAdd, RouteAdd...).
 *
 * What is programmed for a prefix is recomputed from the IpVrf after each
 * batch (not replayed event by event), so a best-path change is one
 * replacing routeAdd. A remote route for a subnet that is connected here
 * (the gateway subnet of one of our routed L2VNIs, which every VTEP of an
 * anycast-gateway fabric advertises) is not programmed: the connected
 * subnet wins, as a connected route does in FRR's zebra. A route without a
 * Router's MAC cannot be used over VXLAN (RFC 9135 §8.1: the inner
 * destination MAC): listed, not programmed. A type-5 route with a GW IP
 * overlay index (RFC 9136 §3.2, §4.3) is resolved recursively, one level:
 * through the tenant's host route for the GW IP (a type-2 MAC+IP route with
 * the L3VNI), whose VTEP, Router's MAC and VNI it takes; it follows that
 * host route as it moves or goes, and stays unprogrammed while the GW IP is
 * unknown, or known only through another overlay index.
 */

/** A routed L2VNI of a tenant, with its anycast gateway. */
export interface L3GatewayVni {
  vni: number;
  /** The anycast gateway address, its subnet length and MAC (same on every VTEP). */
  gateway?: { ip: Ip; prefixLength: number; mac: Mac };
}

/** A tenant as the service needs it (config/derive.ts resolveVrf gives the values). */
export interface L3Tenant {
  name: string;
  origin: L3Origin;
  importRts: readonly string[];
  /** Type-5 prefixes to advertise ("10.100.0.0/24"): gateway subnets, then configured ones. */
  prefixes: readonly string[];
  vnis: readonly L3GatewayVni[];
}

export type { L3Dataplane, L3Op } from '../dataplane/l3-intents';

export interface L3ServiceOptions {
  tenants: readonly L3Tenant[];
  rib: Pick<RibApi, 'originate' | 'withdrawLocal'>;
  importer: EvpnImporter;
  log: Logger;
  dataplane?: L3Dataplane;
}

export interface L3ServiceCounters {
  /** Type-5 routes we advertise. */
  advertised: number;
  /** Remote routes not programmed: no Router's MAC. */
  noRouterMac: number;
  /** Remote routes not programmed: GW IP overlay index, unresolved. */
  overlayIndex: number;
  /** Remote routes for a subnet connected here, not programmed. */
  shadowedByConnected: number;
}

/** One row of `show routes --vrf NAME`. */
export interface L3RouteRow {
  vrf: string;
  prefix: string;
  /** "local" for our connected subnets and configured prefixes, else the next hop VTEP. */
  nextHop: Ip | 'local';
  routerMac: Mac | null;
  l3vni: number;
  /** Where the route came from: "type-5", "type-2", or "connected"/"configured" for our own. */
  source: 'type-5' | 'type-2' | 'connected' | 'configured';
  /** The candidate the tenant table uses for the prefix. */
  best: boolean;
  /** Programmed in the data plane (false: shadowed, no Router's MAC, or unresolved overlay index). */
  usable: boolean;
  gatewayIp?: Ip;
}

interface TenantState {
  t: L3Tenant;
  vrf: IpVrf;
  connected: Set<string>;
  /** prefix → what was last programmed (its next hop), for diffs. */
  programmed: Map<string, VrfNextHop>;
  /** GW IP host prefix ("10.1.0.9/32") → prefixes resolved through it, to reprogram when it changes. */
  dependents: Map<string, Set<string>>;
  /** prefix → the GW IP host prefix it was last resolved through. */
  resolvedVia: Map<string, string>;
}

export class L3Service {
  private readonly tenants = new Map<string, TenantState>();
  readonly counters: L3ServiceCounters = { advertised: 0, noRouterMac: 0, overlayIndex: 0, shadowedByConnected: 0 };

  /** Adds the tenants' VRFs to the importer: construct it before the importer is attached to the RIB. */
  constructor(private readonly o: L3ServiceOptions) {
    for (const t of o.tenants) {
      const vrf = o.importer.vrfs.get(t.name) ?? o.importer.addVrf({ name: t.name, l3vni: t.origin.l3vni, importRts: t.importRts });
      const connected = new Set<string>();
      for (const v of t.vnis) if (v.gateway) connected.add(prefixText(v.gateway.ip, v.gateway.prefixLength));
      this.tenants.set(t.name, { t, vrf, connected, programmed: new Map(), dependents: new Map(), resolvedVia: new Map() });
    }
  }

  /** Sets up the tenants in the data plane and advertises their prefixes. */
  start(): void {
    const ops: L3Op[] = [];
    for (const { t } of this.tenants.values()) {
      ops.push({ op: 'vrfAdd', vrf: t.name, l3vni: t.origin.l3vni, routerMac: t.origin.routerMac });
      for (const v of t.vnis) {
        ops.push({ op: 'vniVrf', vni: v.vni, l3vni: t.origin.l3vni });
        if (v.gateway) ops.push({ op: 'gatewayAdd', vni: v.vni, l3vni: t.origin.l3vni, ...v.gateway });
      }
    }
    if (ops.length) this.o.dataplane?.applyL3Ops(ops);
    for (const { t } of this.tenants.values()) {
      for (const p of t.prefixes) {
        const r = originatePrefix(t.origin, p);
        this.o.rib.originate(r.route, r.attrs);
        this.counters.advertised++;
      }
      this.o.log.info('tenant up', { vrf: t.name, l3vni: t.origin.l3vni, routerMac: t.origin.routerMac, prefixes: [...t.prefixes] });
    }
  }

  /** Withdraws our type-5 routes (shutdown). */
  stop(): void {
    for (const { t } of this.tenants.values()) {
      for (const p of t.prefixes) {
        this.o.rib.withdrawLocal(originatePrefix(t.origin, p).route);
        this.counters.advertised--;
      }
    }
  }

  /** One batch of EVPN changes after a RIB flush: reprograms the prefixes it touched. */
  onEvpnEvents(events: readonly EvpnEvent[]): void {
    const touched = new Map<TenantState, Set<string>>();
    for (const e of events) {
      if (e.kind !== 'prefixAdded' && e.kind !== 'prefixRemoved') continue;
      const s = this.tenants.get(e.vrf);
      if (!s) continue;
      let set = touched.get(s);
      if (!set) touched.set(s, (set = new Set()));
      set.add(e.prefix);
      // Prefixes resolved through this one (a GW IP host route) follow it.
      for (const d of s.dependents.get(e.prefix) ?? []) set.add(d);
    }
    const ops: L3Op[] = [];
    for (const [s, prefixes] of touched) for (const p of prefixes) this.reprogram(s, p, ops);
    if (ops.length) this.o.dataplane?.applyL3Ops(ops);
  }

  private reprogram(s: TenantState, prefix: string, ops: L3Op[]): void {
    const l3vni = s.t.origin.l3vni;
    const before = s.programmed.get(prefix);
    const found = s.vrf.lookup(prefix);
    const nh = found === undefined ? undefined : this.resolve(s, prefix, found, true);
    const want = nh !== undefined && this.usable(s, prefix, nh, true) ? nh : undefined;
    if (want === undefined) {
      if (before !== undefined) {
        s.programmed.delete(prefix);
        ops.push({ op: 'routeDel', l3vni, prefix });
      }
      return;
    }
    if (before && before.vtep === want.vtep && before.routerMac === want.routerMac && before.remoteVni === want.remoteVni) return;
    s.programmed.set(prefix, want);
    ops.push({ op: 'routeAdd', l3vni, prefix, vtep: want.vtep, routerMac: want.routerMac!, remoteVni: want.remoteVni });
  }

  /**
   * The next hop to program for a candidate: itself, or for a GW IP overlay
   * index the installed host route of the GW IP (undefined while there is
   * none). `track` records the dependency so that the prefix follows it.
   */
  private resolve(s: TenantState, prefix: string, nh: VrfNextHop, track: boolean): VrfNextHop | undefined {
    const gw = nh.gatewayIp;
    if (track) {
      const old = s.resolvedVia.get(prefix);
      if (old !== undefined) {
        s.dependents.get(old)?.delete(prefix);
        if (s.dependents.get(old)?.size === 0) s.dependents.delete(old);
        s.resolvedVia.delete(prefix);
      }
    }
    if (gw === undefined) return nh;
    const host = prefixText(gw, isIpv4(gw) ? 32 : 128);
    if (track) {
      let d = s.dependents.get(host);
      if (!d) s.dependents.set(host, (d = new Set()));
      d.add(prefix);
      s.resolvedVia.set(prefix, host);
    }
    const via = host === prefix ? undefined : s.vrf.lookup(host);
    if (via === undefined || via.gatewayIp !== undefined) {
      if (track) {
        this.counters.overlayIndex++;
        this.o.log.debug('tenant route not programmed', { vrf: s.t.name, prefix, vtep: nh.vtep, why: 'overlayIndex', gatewayIp: gw });
      }
      return undefined;
    }
    return { key: nh.key, vtep: via.vtep, routerMac: via.routerMac, remoteVni: via.remoteVni, source: nh.source };
  }

  /** Whether a remote next hop can be programmed; `count` records why not. */
  private usable(s: TenantState, prefix: string, nh: VrfNextHop, count: boolean): boolean {
    let why: keyof L3ServiceCounters | null = null;
    if (s.connected.has(prefix)) why = 'shadowedByConnected';
    else if (nh.routerMac === null) why = 'noRouterMac';
    if (why === null) return true;
    if (count) {
      this.counters[why]++;
      this.o.log.debug('tenant route not programmed', { vrf: s.t.name, prefix, vtep: nh.vtep, why });
    }
    return false;
  }

  /** The tenants, for `show vrfs`. */
  list(): { tenant: L3Tenant; vrf: IpVrf; programmed: number }[] {
    return [...this.tenants.values()].map((s) => ({ tenant: s.t, vrf: s.vrf, programmed: s.programmed.size }));
  }

  has(name: string): boolean {
    return this.tenants.has(name);
  }

  /** The tenant's table for `show routes --vrf NAME`: our own prefixes first, then every imported candidate. */
  routes(name: string): L3RouteRow[] {
    const s = this.tenants.get(name);
    if (!s) return [];
    const { t } = s;
    const l3vni = t.origin.l3vni;
    const rows: L3RouteRow[] = t.prefixes.map((prefix) => ({
      vrf: t.name,
      prefix,
      nextHop: 'local',
      routerMac: t.origin.routerMac,
      l3vni,
      source: s.connected.has(prefix) ? 'connected' : 'configured',
      best: true,
      usable: s.connected.has(prefix),
    }));
    for (const r of s.vrf.routes()) {
      r.nextHops.forEach((nh, i) => {
        const best = i === 0 && !s.connected.has(r.prefix);
        const resolved = best ? this.resolve(s, r.prefix, nh, false) : undefined;
        rows.push({
          vrf: t.name,
          prefix: r.prefix,
          nextHop: nh.vtep,
          routerMac: nh.routerMac,
          l3vni: nh.remoteVni,
          source: nh.source === 5 ? 'type-5' : 'type-2',
          best,
          usable: resolved !== undefined && this.usable(s, r.prefix, resolved, false),
          ...(nh.gatewayIp === undefined ? {} : { gatewayIp: nh.gatewayIp }),
        });
      });
    }
    return rows;
  }
}
