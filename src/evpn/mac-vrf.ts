import { PmsiTunnelType } from '../bgp/wire/iana';
import type { InclusiveMulticastRoute, MacIpRoute } from '../bgp/wire/evpn/types';
import type { Ip } from '../util/ip';
import type { Mac } from '../util/mac';
import type { EvpnEventSink } from './events';
import { compareMacClaims, nextSequence, type MacClaim } from './mac-mobility';
import type { RouteInfo } from './route-info';

/*
 * One EVI / MAC-VRF (RFC 7432 §6, §9; one VNI per EVI, VLAN-based service of
 * RFC 8365 §5.1.2): the routes imported into it by route target, turned into
 * what a VTEP forwards with:
 *
 *   MAC table   MAC → the winning type-2 advertisement (mac-mobility.ts),
 *               among every imported type-2 route for the MAC (remote and our
 *               own). Events when the winner appears, moves or goes.
 *   ARP table   IP → MAC from MAC+IP routes, for ARP/ND suppression
 *               (RFC 7432 §10). A binding lasts while a route for the pair
 *               does; a route binding the IP to another MAC replaces it.
 *   flood list  remote VTEPs of type-3 routes with an ingress replication
 *               PMSI tunnel (RFC 8365 §9, RFC 7432 §11): BUM traffic is
 *               copied to each, with the VNI of the PMSI label.
 *
 * Our own type-3 route is not in the flood list; our own MACs are in the MAC
 * table (local = true) so that mobility against them is decided here too.
 */

/** One imported type-2 route. */
interface MacCandidate extends MacClaim {
  key: string;
  route: MacIpRoute;
  local: boolean;
}

/** Candidates of one MAC; the winner first. */
type MacSlot = MacCandidate | MacCandidate[];

function winnerOf(slot: MacSlot): MacCandidate {
  return Array.isArray(slot) ? slot[0]! : slot;
}

export interface MacView {
  mac: Mac;
  vtep: Ip;
  local: boolean;
  remoteVni: number;
  seq: number;
  sticky: boolean;
  /** Number of advertisements of the MAC (a move in progress shows 2). */
  claims: number;
}

export class MacVrf {
  /** MAC → its candidates (a single one is stored bare, as nearly every MAC has only one). */
  private readonly macs = new Map<Mac, MacSlot>();
  /** IP → MAC (ARP/ND suppression). */
  readonly arp = new Map<Ip, Mac>();
  /** Remote VTEP → (type-3 route key → VNI from its PMSI label). */
  private readonly flood = new Map<Ip, Map<string, number>>();

  constructor(
    readonly vni: number,
    readonly importRts: readonly string[],
    private readonly emit: EvpnEventSink,
  ) {}

  get macCount(): number {
    return this.macs.size;
  }

  /** Every MAC with its winning advertisement, for `show macs`. */
  macTable(): MacView[] {
    const out: MacView[] = [];
    for (const mac of this.macs.keys()) out.push(this.lookupMac(mac)!);
    return out;
  }

  /** The flood list: remote VTEPs for BUM traffic. */
  floodList(): Ip[] {
    return [...this.flood.keys()];
  }

  lookupMac(mac: Mac): MacView | undefined {
    const slot = this.macs.get(mac);
    if (slot === undefined) return undefined;
    const w = winnerOf(slot);
    return { mac, vtep: w.vtep, local: w.local, remoteVni: w.route.label1, seq: w.seq, sticky: w.sticky, claims: Array.isArray(slot) ? slot.length : 1 };
  }

  /** The sequence number to advertise for a MAC learned here (RFC 7432 §15), given what others advertise. */
  sequenceForLocal(mac: Mac): number {
    const slot = this.macs.get(mac);
    if (slot === undefined) return 0;
    const remote = (Array.isArray(slot) ? slot : [slot]).filter((c) => !c.local);
    return nextSequence(remote);
  }

  // ------------------------------------------------------------ type 2

  /** A type-2 route imported (or changed): `vtep` is its next hop. */
  upsertMac(key: string, route: MacIpRoute, info: RouteInfo, vtep: Ip, local: boolean): void {
    const cand: MacCandidate = { key, route, local, vtep, seq: info.seq, sticky: info.sticky };
    const slot = this.macs.get(route.mac);
    if (slot === undefined) {
      this.macs.set(route.mac, cand);
      this.announceMac(null, cand);
    } else {
      const list = Array.isArray(slot) ? slot : [slot];
      const before = list[0]!;
      const i = list.findIndex((c) => c.key === key);
      if (i >= 0) list[i] = cand;
      else list.push(cand);
      this.settle(route.mac, list, before);
    }
    if (route.ip !== undefined) this.bind(route.ip, route.mac);
  }

  removeMac(key: string, route: MacIpRoute): void {
    const slot = this.macs.get(route.mac);
    if (slot === undefined) return;
    const list = Array.isArray(slot) ? slot : [slot];
    const i = list.findIndex((c) => c.key === key);
    if (i < 0) return;
    const before = list[0]!;
    list.splice(i, 1);
    if (route.ip !== undefined && !list.some((c) => c.route.ip === route.ip)) this.unbind(route.ip, route.mac);
    if (list.length === 0) {
      this.macs.delete(route.mac);
      this.emit({ kind: 'macRemoved', vni: this.vni, mac: route.mac, vtep: before.vtep, local: before.local });
      return;
    }
    this.settle(route.mac, list, before);
  }

  /** Puts the winner first, stores the slot, and reports a change of winner. */
  private settle(mac: Mac, list: MacCandidate[], before: MacCandidate): void {
    // The incumbent keeps its place on a tie (same VTEP): start from it if it is still there.
    let best = list.includes(before) ? before : list[0]!;
    for (const c of list) if (compareMacClaims(c, best) < 0) best = c;
    if (list[0] !== best) {
      list.splice(list.indexOf(best), 1);
      list.unshift(best);
    }
    this.macs.set(mac, list.length === 1 ? list[0]! : list);
    this.announceMac(before, best);
  }

  private announceMac(before: MacCandidate | null, now: MacCandidate): void {
    const mac = now.route.mac;
    const common = { vni: this.vni, mac, remoteVni: now.route.label1, seq: now.seq, sticky: now.sticky };
    if (before === null) {
      this.emit({ kind: 'macAdded', ...common, vtep: now.vtep, local: now.local, esi: now.route.esi });
    } else if (before.vtep !== now.vtep || before.local !== now.local) {
      this.emit({ kind: 'macMoved', ...common, from: before.vtep, to: now.vtep, fromLocal: before.local, local: now.local });
    } else if (before.route.label1 !== now.route.label1 || before.sticky !== now.sticky || before.seq !== now.seq) {
      // Same VTEP, new details (e.g. a higher sequence after a move back): re-program.
      this.emit({ kind: 'macAdded', ...common, vtep: now.vtep, local: now.local, esi: now.route.esi });
    }
  }

  private bind(ip: Ip, mac: Mac): void {
    const cur = this.arp.get(ip);
    if (cur === mac) return;
    if (cur !== undefined) this.emit({ kind: 'arpRemoved', vni: this.vni, ip, mac: cur });
    this.arp.set(ip, mac);
    this.emit({ kind: 'arpAdded', vni: this.vni, ip, mac });
  }

  private unbind(ip: Ip, mac: Mac): void {
    if (this.arp.get(ip) !== mac) return;
    this.arp.delete(ip);
    this.emit({ kind: 'arpRemoved', vni: this.vni, ip, mac });
  }

  // ------------------------------------------------------------ type 3

  /**
   * A type-3 route imported. Only ingress replication (PMSI tunnel type 6)
   * builds a flood list; the VTEP is the tunnel identifier (RFC 6514 §5),
   * else the originating router's IP.
   */
  upsertImet(key: string, route: InclusiveMulticastRoute, info: RouteInfo, local: boolean): void {
    if (local) return;
    const pmsi = info.pmsi;
    if (pmsi === null || pmsi.tunnelType !== PmsiTunnelType.INGRESS_REPLICATION) {
      this.removeImet(key, route);
      return;
    }
    const vtep = typeof pmsi.tunnelId === 'string' ? pmsi.tunnelId : route.originatorIp;
    // The route may have changed its VTEP: drop the old membership first.
    for (const [v, keys] of this.flood) if (v !== vtep && keys.has(key)) this.leave(v, keys, key);
    let keys = this.flood.get(vtep);
    if (keys === undefined) {
      this.flood.set(vtep, (keys = new Map()));
      keys.set(key, pmsi.label);
      this.emit({ kind: 'vtepAdded', vni: this.vni, vtep, remoteVni: pmsi.label });
      return;
    }
    keys.set(key, pmsi.label);
  }

  removeImet(key: string, _route: InclusiveMulticastRoute): void {
    for (const [v, keys] of this.flood) if (keys.has(key)) this.leave(v, keys, key);
  }

  private leave(vtep: Ip, keys: Map<string, number>, key: string): void {
    keys.delete(key);
    if (keys.size === 0) {
      this.flood.delete(vtep);
      this.emit({ kind: 'vtepRemoved', vni: this.vni, vtep });
    }
  }
}
