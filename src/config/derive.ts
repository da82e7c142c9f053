import { fsmConfig, type FsmConfig, type FsmEvent } from '../bgp/fsm';
import type { KnownRouteDistinguisher } from '../bgp/wire/evpn/rd';
import type { Ip } from '../util/ip';
import type { BgpConfig, L2vniConfig, NeighborConfig, RdRtMode, RouteDistinguisher, RouteTarget } from './schema';

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

/** The FSM settings of one configured neighbor (other FSM attributes keep fsmConfig()'s defaults). */
export function neighborFsmConfig(cfg: BgpConfig, n: NeighborConfig): FsmConfig {
  return fsmConfig({ localAs: cfg.as, localId: cfg.routerId, peerAs: n.remoteAs, holdTime: n.holdTime, keepaliveTime: n.keepalive });
}

/** The start event for a neighbor: passive ones wait for the peer to connect (RFC 4271 §8.1.1 option 6). */
export function neighborStartEvent(n: NeighborConfig): FsmEvent {
  return n.passive ? { type: 'ManualStart_with_PassiveTcpEstablishment' } : { type: 'ManualStart' };
}
