import type { Ip } from '../../../util/ip';
import type { Mac } from '../../../util/mac';

/**
 * Value types of EVPN NLRI (AFI 25 / SAFI 70). The codecs in this folder turn
 * these into wire bytes and back; nothing here refers to sockets or state.
 */

/**
 * Route Distinguisher (RFC 4364 §4.2). `admin` is an ASN (types 0 and 2) or an
 * IPv4 address (type 1). Unknown types keep their 6 value octets as `raw`.
 */
export type RouteDistinguisher =
  | { type: 0; admin: number; assigned: number }
  | { type: 1; admin: Ip; assigned: number }
  | { type: 2; admin: number; assigned: number }
  | { type: number; raw: Uint8Array };

/** Ethernet Segment Identifier: 10 octets as lower-case colon hex ("00:00:...:00"). */
export type Esi = string;
export const ZERO_ESI: Esi = '00:00:00:00:00:00:00:00:00:00';

/** RFC 7432 §7.1 Ethernet Auto-Discovery. */
export interface EthernetAdRoute {
  routeType: 1;
  rd: RouteDistinguisher;
  esi: Esi;
  ethTag: number;
  /** Raw 3-octet label field: the VNI for VXLAN (RFC 8365 §5.1.3). */
  label: number;
}

/** RFC 7432 §7.2 MAC/IP Advertisement. */
export interface MacIpRoute {
  routeType: 2;
  rd: RouteDistinguisher;
  esi: Esi;
  ethTag: number;
  mac: Mac;
  /** Absent when the IP length is 0 (a MAC-only route). */
  ip?: Ip;
  /** Raw 3-octet field: the L2VNI. */
  label1: number;
  /** Raw 3-octet field: the L3VNI in symmetric IRB (RFC 9135); absent if not sent. */
  label2?: number;
}

/** RFC 7432 §7.3 Inclusive Multicast Ethernet Tag. */
export interface InclusiveMulticastRoute {
  routeType: 3;
  rd: RouteDistinguisher;
  ethTag: number;
  originatorIp: Ip;
}

/** RFC 7432 §7.4 Ethernet Segment. */
export interface EthernetSegmentRoute {
  routeType: 4;
  rd: RouteDistinguisher;
  esi: Esi;
  originatorIp: Ip;
}

/** RFC 9136 §3 IP Prefix. The family of prefix and gatewayIp follows from the NLRI length (34 or 58). */
export interface IpPrefixRoute {
  routeType: 5;
  rd: RouteDistinguisher;
  esi: Esi;
  ethTag: number;
  prefix: Ip;
  prefixLength: number;
  gatewayIp: Ip;
  /** Raw 3-octet field: the L3VNI. */
  label: number;
}

/** A route type this implementation does not know: kept byte for byte (RFC 7606 §5.4 says skip, not fail). */
export interface UnknownEvpnRoute {
  routeType: number;
  unknown: true;
  value: Uint8Array;
}

export type EvpnRoute =
  | EthernetAdRoute
  | MacIpRoute
  | InclusiveMulticastRoute
  | EthernetSegmentRoute
  | IpPrefixRoute
  | UnknownEvpnRoute;

/** An NLRI as carried in MP_REACH/MP_UNREACH, with the ADD-PATH identifier when negotiated. */
export interface EvpnNlri {
  route: EvpnRoute;
  pathId?: number;
}
