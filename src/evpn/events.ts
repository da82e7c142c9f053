import type { Esi } from '../bgp/wire/evpn/types';
import type { Ip } from '../util/ip';
import type { Mac } from '../util/mac';

/*
 * What the EVPN control plane tells the data plane programmer, per flush, in
 * order. `vni` is the local VNI of the EVI or VRF; `remoteVni` is the label
 * the remote VTEP advertised (the VNI to put in the VXLAN header towards it;
 * equal to `vni` unless VNIs are assigned per VTEP).
 */
export type EvpnEvent =
  /** A MAC became reachable (remote: via `vtep`; local: learned here and advertised by us). */
  | { kind: 'macAdded'; vni: number; mac: Mac; vtep: Ip; local: boolean; remoteVni: number; seq: number; sticky: boolean; esi: Esi }
  /** The winning advertisement of a MAC moved to another VTEP (RFC 7432 §15), or between local and remote. */
  | { kind: 'macMoved'; vni: number; mac: Mac; from: Ip; to: Ip; fromLocal: boolean; local: boolean; remoteVni: number; seq: number; sticky: boolean }
  | { kind: 'macRemoved'; vni: number; mac: Mac; vtep: Ip; local: boolean }
  /** An IP→MAC binding for ARP/ND suppression, from a MAC+IP route. */
  | { kind: 'arpAdded'; vni: number; ip: Ip; mac: Mac }
  | { kind: 'arpRemoved'; vni: number; ip: Ip; mac: Mac }
  /** A remote VTEP joined the flood list of a VNI (type-3 route, ingress replication). */
  | { kind: 'vtepAdded'; vni: number; vtep: Ip; remoteVni: number }
  | { kind: 'vtepRemoved'; vni: number; vtep: Ip }
  /** A tenant VRF route (type 5 prefix, or type 2 host route) via a remote VTEP. */
  | { kind: 'prefixAdded'; vrf: string; l3vni: number; prefix: string; vtep: Ip; routerMac: Mac | null; remoteVni: number }
  | { kind: 'prefixRemoved'; vrf: string; l3vni: number; prefix: string; vtep: Ip };

export type EvpnEventSink = (e: EvpnEvent) => void;
