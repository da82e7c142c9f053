import type { PathAttribute } from '../bgp/wire/attributes/index';
import { formatRouteTarget, type RouteTarget } from '../bgp/wire/ext-community';
import type { EvpnRoute } from '../bgp/wire/evpn/types';
import type { BestChange, RibApi } from '../rib/api';
import type { EvpnEvent } from './events';
import { IpVrf } from './ip-vrf';
import { MacVrf } from './mac-vrf';
import { routeInfo } from './route-info';

/*
 * Import of best EVPN routes into EVIs (MAC-VRFs) and tenant IP-VRFs by
 * route target (RFC 7432 §9.2, RFC 4364 §4.3.1): a route goes into every EVI
 * and VRF that imports one of its RTs. It subscribes to the RIB's BestChange
 * batches, so the work runs once per flush, and hands the resulting data
 * plane events to its listeners once per batch.
 *
 *   type 2  → EVIs (MAC table, ARP table); with label2, VRFs (host route)
 *   type 3  → EVIs (flood list)
 *   type 5  → VRFs (prefix table)
 *   types 1, 4 (multihoming) are not imported yet; unknown types are skipped.
 *
 * Targets are computed once per attribute array (the RIB shares one per
 * attribute set). When a route changes or goes, the targets of its previous
 * attributes (BestChange.prevAttrs) say where to remove it from; without
 * prevAttrs every EVI and VRF is asked (removal of an unknown key is a no-op).
 */

export interface EviConfig {
  vni: number;
  importRts: readonly (RouteTarget | string)[];
}

export interface VrfConfig {
  name: string;
  l3vni: number;
  importRts: readonly (RouteTarget | string)[];
}

interface Targets {
  evis: readonly MacVrf[];
  vrfs: readonly IpVrf[];
}

const NONE: Targets = { evis: [], vrfs: [] };

function rtText(rt: RouteTarget | string): string {
  return typeof rt === 'string' ? rt : formatRouteTarget(rt);
}

export class EvpnImporter {
  readonly evis = new Map<number, MacVrf>();
  readonly vrfs = new Map<string, IpVrf>();
  private readonly eviByRt = new Map<string, MacVrf[]>();
  private readonly vrfByRt = new Map<string, IpVrf[]>();
  private targetCache = new WeakMap<readonly PathAttribute[], Targets>();
  private pending: EvpnEvent[] = [];
  private readonly listeners = new Set<(events: readonly EvpnEvent[]) => void>();
  private readonly sink = (e: EvpnEvent): void => {
    this.pending.push(e);
  };

  constructor(opts: { evis?: readonly EviConfig[]; vrfs?: readonly VrfConfig[] } = {}) {
    for (const e of opts.evis ?? []) this.addEvi(e);
    for (const v of opts.vrfs ?? []) this.addVrf(v);
  }

  /** Adds an EVI. Routes already in the RIB are not replayed: add EVIs before attaching. */
  addEvi(cfg: EviConfig): MacVrf {
    if (this.evis.has(cfg.vni)) throw new RangeError(`EVI for VNI ${cfg.vni} already exists`);
    const rts = cfg.importRts.map(rtText);
    const evi = new MacVrf(cfg.vni, rts, this.sink);
    this.evis.set(cfg.vni, evi);
    for (const rt of new Set(rts)) {
      const list = this.eviByRt.get(rt);
      if (list === undefined) this.eviByRt.set(rt, [evi]);
      else list.push(evi);
    }
    this.targetCache = new WeakMap();
    return evi;
  }

  addVrf(cfg: VrfConfig): IpVrf {
    if (this.vrfs.has(cfg.name)) throw new RangeError(`VRF ${cfg.name} already exists`);
    const rts = cfg.importRts.map(rtText);
    const vrf = new IpVrf(cfg.name, cfg.l3vni, rts, this.sink);
    this.vrfs.set(cfg.name, vrf);
    for (const rt of new Set(rts)) {
      const list = this.vrfByRt.get(rt);
      if (list === undefined) this.vrfByRt.set(rt, [vrf]);
      else list.push(vrf);
    }
    this.targetCache = new WeakMap();
    return vrf;
  }

  /** Subscribes to the RIB; returns the unsubscribe function. */
  attach(rib: Pick<RibApi, 'subscribe'>): () => void {
    return rib.subscribe((changes) => this.apply(changes));
  }

  /** Listens to data plane events, one array per RIB flush. */
  onEvents(fn: (events: readonly EvpnEvent[]) => void): () => void {
    this.listeners.add(fn);
    return () => {
      this.listeners.delete(fn);
    };
  }

  private targets(attrs: readonly PathAttribute[]): Targets {
    let t = this.targetCache.get(attrs);
    if (t !== undefined) return t;
    const evis = new Set<MacVrf>();
    const vrfs = new Set<IpVrf>();
    for (const rt of routeInfo(attrs).routeTargets) {
      for (const e of this.eviByRt.get(rt) ?? []) evis.add(e);
      for (const v of this.vrfByRt.get(rt) ?? []) vrfs.add(v);
    }
    t = evis.size === 0 && vrfs.size === 0 ? NONE : { evis: [...evis], vrfs: [...vrfs] };
    this.targetCache.set(attrs, t);
    return t;
  }

  /** Applies one batch of best-path changes; emits the resulting events. */
  apply(changes: readonly BestChange[]): void {
    let all: Targets | null = null;
    for (let i = 0; i < changes.length; i++) {
      const c = changes[i]!;
      const route = c.route;
      if ('unknown' in route) continue;
      const now = c.attrs !== null && c.nextHop !== null ? this.targets(c.attrs) : NONE;
      let before: Targets;
      if (c.prevAttrs === undefined) before = all ??= { evis: [...this.evis.values()], vrfs: [...this.vrfs.values()] };
      else before = c.prevAttrs === null ? NONE : this.targets(c.prevAttrs);
      if (before !== now) {
        for (const e of before.evis) if (!now.evis.includes(e)) removeFromEvi(e, c.key, route);
        for (const v of before.vrfs) if (!now.vrfs.includes(v)) removeFromVrf(v, c.key, route);
      }
      if (now === NONE) continue;
      const info = routeInfo(c.attrs!);
      const local = c.from === 'local';
      const vtep = c.nextHop!;
      switch (route.routeType) {
        case 2:
          for (const e of now.evis) e.upsertMac(c.key, route, info, vtep, local);
          for (const v of now.vrfs) v.upsertHost(c.key, route, info, vtep, local);
          break;
        case 3:
          for (const e of now.evis) e.upsertImet(c.key, route, info, local);
          break;
        case 5:
          for (const v of now.vrfs) v.upsertPrefix(c.key, route, info, vtep, local);
          break;
        default:
          break;
      }
    }
    if (this.pending.length === 0) return;
    const events = this.pending;
    this.pending = [];
    for (const fn of this.listeners) fn(events);
  }
}

function removeFromEvi(e: MacVrf, key: string, route: EvpnRoute): void {
  if ('unknown' in route) return;
  if (route.routeType === 2) e.removeMac(key, route);
  else if (route.routeType === 3) e.removeImet(key, route);
}

function removeFromVrf(v: IpVrf, key: string, route: EvpnRoute): void {
  if ('unknown' in route) return;
  if (route.routeType === 2) v.removeHost(key, route);
  else if (route.routeType === 5) v.removePrefix(key, route);
}
