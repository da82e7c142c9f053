import { fsmConfig, type FsmConfig, type FsmEvent } from '../bgp/fsm';
import type { KnownRouteDistinguisher } from '../bgp/wire/evpn/rd';
import type { Ip } from '../util/ip';
import { ipBytes } from '../util/ip';
import { macToString, type Mac } from '../util/mac';
import { prefixText } from './prefix';
import type { BgpConfig, L2vniConfig, NeighborConfig, RdRtMode, RouteDistinguisher, RouteTarget, VrfConfig } from './schema';

/**
 * The "auto" derivations of rd-rt-mode, and the bridge from a neighbor's
 * configuration to its FSM.
 */

const U16 = 0xffff;

/** FRR's auto RD: router-id:N, type 1 (N is 16 bits). */
export function autoRd(routerId: Ip, index: number): KnownRouteDistinguisher {
  return { type: 1, admin: routerId, assigned: index & U16 };
}

/** RFC 8365 §5.1.2.1 Local Administrator: A=0 (auto-derived), Type=1 (VXLAN), D-ID=0, 24-bit service ID. */
const RFC8365_VXLAN = 1 << 28;

/**
 * Auto-derived RT for a VNI. Both modes use the 2-octet AS form with the low
 * 16 bits of the AS (RFC 8365 §5.1.2.1; FRR does the same); rfc8365 adds
 * the type bits above the VNI so that other encapsulations do not collide.
 */
export function autoRt(mode: RdRtMode, as: number, vni: number): RouteTarget {
  const assigned = mode === 'rfc8365' ? (RFC8365_VXLAN | vni) >>> 0 : vni;
  return { form: 'as2', asn: as & U16, local: assigned };
}

/** The RD and RTs a VNI actually uses, with every "auto" worked out. */
export interface ResolvedL2vni {
  vni: number;
  rd: RouteDistinguisher;
  import: RouteTarget[];
  export: RouteTarget[];
}

export function resolveL2vni(cfg: BgpConfig, l2: L2vniConfig): ResolvedL2vni {
  const index = cfg.l2vnis.indexOf(l2) + 1;
  const auto = [autoRt(cfg.rdRtMode, cfg.as, l2.vni)];
  return {
    vni: l2.vni,
    rd: l2.rd === 'auto' ? autoRd(cfg.routerId, index > 0 ? index : 1) : l2.rd,
    import: l2.routeTargets.import === 'auto' ? auto : l2.routeTargets.import,
    export: l2.routeTargets.export === 'auto' ? auto : l2.routeTargets.export,
  };
}

/**
 * The fallback Router's MAC: 02:00 and the four octets of the router-id.
 * Locally administered (RFC 7042 §2.1, U/L bit), unicast, and stable across
 * restarts, so remote VTEPs keep their entries for us.
 */
export function routerIdMac(routerId: Ip): Mac {
  const b = new Uint8Array(6);
  b[0] = 0x02;
  b.set(ipBytes(routerId), 2);
  return macToString(b, 0);
}

/** A tenant with every "auto" worked out. */
export interface ResolvedVrf {
  name: string;
  l3vni: number;
  rd: RouteDistinguisher;
  import: RouteTarget[];
  export: RouteTarget[];
  routerMac: Mac;
  /** The L2VNIs attached to it (`l2vnis[].vrf`), in config order. */
  l2vnis: number[];
  /** Type-5 prefixes to advertise: each gateway subnet of its L2VNIs, then `prefixes`, without duplicates ("10.100.0.0/24"). */
  prefixes: string[];
}

/**
 * Resolves a tenant. `underlayMac` is the MAC of the underlay interface
 * when the caller could read it (the "auto" router MAC prefers it).
 */
export function resolveVrf(cfg: BgpConfig, v: VrfConfig, underlayMac?: Mac): ResolvedVrf {
  const vrfs = cfg.vrfs ?? [];
  const pos = vrfs.indexOf(v) + 1;
  const index = cfg.l2vnis.length + (pos > 0 ? pos : 1);
  const auto = [autoRt(cfg.rdRtMode, cfg.as, v.l3vni)];
  const attached = cfg.l2vnis.filter((l) => l.vrf === v.name);
  const prefixes: string[] = [];
  for (const l of attached) {
    const gw = l.gateway;
    if (gw?.prefixLength !== undefined) prefixes.push(prefixText(gw.ip, gw.prefixLength));
  }
  for (const p of v.prefixes) prefixes.push(p);
  return {
    name: v.name,
    l3vni: v.l3vni,
    rd: v.rd === 'auto' ? autoRd(cfg.routerId, index) : v.rd,
    import: v.routeTargets.import === 'auto' ? auto : v.routeTargets.import,
    export: v.routeTargets.export === 'auto' ? auto : v.routeTargets.export,
    routerMac: v.routerMac !== 'auto' ? v.routerMac : (underlayMac ?? routerIdMac(cfg.routerId)),
    l2vnis: attached.map((l) => l.vni),
    prefixes: [...new Set(prefixes)],
  };
}

/** The FSM settings of one configured neighbor (other FSM attributes keep fsmConfig()'s defaults). */
export function neighborFsmConfig(cfg: BgpConfig, n: NeighborConfig): FsmConfig {
  return fsmConfig({ localAs: cfg.as, localId: cfg.routerId, peerAs: n.remoteAs, holdTime: n.holdTime, keepaliveTime: n.keepalive });
}

/** The start event for a neighbor: passive ones wait for the peer to connect (RFC 4271 §8.1.1 option 6). */
export function neighborStartEvent(n: NeighborConfig): FsmEvent {
  return n.passive ? { type: 'ManualStart_with_PassiveTcpEstablishment' } : { type: 'ManualStart' };
}
