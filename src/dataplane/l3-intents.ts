import type { Ip } from '../util/ip';
import type { Mac } from '../util/mac';

/**
 * What the L3 control plane (src/vtep/l3-service.ts) asks of a data plane
 * with tenant tables, keyed by value (VTEP address, L3VNI, prefix text) the
 * way EvpnEvent is; the Programmer maps them to indexed op records (ops.ts
 * VrfAdd..RouteDel), sharing the VTEP indexes of the L2 side.
 */
export type L3Op =
  /** A tenant: its L3VNI (VXLAN VNI of routed packets) and the Router's MAC routed packets to us arrive with. */
  | { op: 'vrfAdd'; vrf: string; l3vni: number; routerMac: Mac }
  /** An L2VNI routes in the tenant of `l3vni` (frames to the gateway MAC are routed there). */
  | { op: 'vniVrf'; vni: number; l3vni: number }
  /** Distributed anycast gateway of an L2VNI: answers ARP/ND for `ip` with `mac`, routes frames sent to `mac`; `ip/prefixLength` is a connected subnet. */
  | { op: 'gatewayAdd'; vni: number; l3vni: number; ip: Ip; prefixLength: number; mac: Mac }
  /** Installs or replaces a remote route: rewrite the inner destination MAC to `routerMac`, encapsulate with `remoteVni` towards `vtep`. */
  | { op: 'routeAdd'; l3vni: number; prefix: string; vtep: Ip; routerMac: Mac; remoteVni: number }
  | { op: 'routeDel'; l3vni: number; prefix: string };

/** A data plane with tenant tables. */
export interface L3Dataplane {
  applyL3Ops(ops: readonly L3Op[]): void;
}
