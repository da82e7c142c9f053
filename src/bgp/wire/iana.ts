/** IANA numbers used on the wire, in one place. */

export const BGP_PORT = 179;
export const BGP_HEADER_LENGTH = 19;
export const BGP_MAX_MESSAGE = 4096;
/** RFC 8654: the limit once both sides advertised the extended message capability. */
export const BGP_MAX_EXTENDED_MESSAGE = 65535;
/** RFC 6793: AS_TRANS stands in for a 4-octet AS in 2-octet fields. */
export const AS_TRANS = 23456;

export const enum MsgType {
  OPEN = 1,
  UPDATE = 2,
  NOTIFICATION = 3,
  KEEPALIVE = 4,
  ROUTE_REFRESH = 5,
}

export const enum Afi {
  IPV4 = 1,
  IPV6 = 2,
  L2VPN = 25,
}

export const enum Safi {
  UNICAST = 1,
  MULTICAST = 2,
  MPLS_VPN = 128,
  EVPN = 70,
}

/** Path attribute type codes (RFC 4271 §5, RFC 4760, RFC 4456, RFC 6514, RFC 8092, RFC 6793). */
export const enum AttrType {
  ORIGIN = 1,
  AS_PATH = 2,
  NEXT_HOP = 3,
  MULTI_EXIT_DISC = 4,
  LOCAL_PREF = 5,
  ATOMIC_AGGREGATE = 6,
  AGGREGATOR = 7,
  COMMUNITIES = 8,
  ORIGINATOR_ID = 9,
  CLUSTER_LIST = 10,
  MP_REACH_NLRI = 14,
  MP_UNREACH_NLRI = 15,
  EXTENDED_COMMUNITIES = 16,
  AS4_PATH = 17,
  AS4_AGGREGATOR = 18,
  PMSI_TUNNEL = 22,
  LARGE_COMMUNITY = 32,
}

/** Attribute flag bits (RFC 4271 §4.3). */
export const enum AttrFlag {
  OPTIONAL = 0x80,
  TRANSITIVE = 0x40,
  PARTIAL = 0x20,
  EXTENDED_LENGTH = 0x10,
}

/** Capability codes (RFC 5492 registry). */
export const enum CapCode {
  MULTIPROTOCOL = 1,
  ROUTE_REFRESH = 2,
  EXTENDED_NEXT_HOP = 5,
  EXTENDED_MESSAGE = 6,
  /** RFC 9234 BGP Role. */
  ROLE = 9,
  GRACEFUL_RESTART = 64,
  FOUR_OCTET_AS = 65,
  ADD_PATH = 69,
  ENHANCED_ROUTE_REFRESH = 70,
  LLGR = 71,
  FQDN = 73,
  ROUTE_REFRESH_CISCO = 128,
}

/** EVPN route types (RFC 7432 §7, RFC 9136). */
export const enum EvpnRouteType {
  ETHERNET_AD = 1,
  MAC_IP = 2,
  INCLUSIVE_MULTICAST = 3,
  ETHERNET_SEGMENT = 4,
  IP_PREFIX = 5,
}

/** Extended community type octets (RFC 4360, RFC 7153). */
export const enum ExtCommType {
  TRANSITIVE_TWO_OCTET_AS = 0x00,
  TRANSITIVE_IPV4 = 0x01,
  TRANSITIVE_FOUR_OCTET_AS = 0x02,
  TRANSITIVE_OPAQUE = 0x03,
  EVPN = 0x06,
}

/** Sub-types used with the types above. */
export const enum ExtCommSubType {
  ROUTE_TARGET = 0x02,
  ROUTE_ORIGIN = 0x03,
  /** Opaque 0x03/0x0c: encapsulation (RFC 9012 §4.1). */
  ENCAPSULATION = 0x0c,
  /** Opaque 0x03/0x0d: default gateway (RFC 7432 §7.8). */
  DEFAULT_GATEWAY = 0x0d,
  /** EVPN 0x06/0x00: MAC mobility (RFC 7432 §7.7). */
  MAC_MOBILITY = 0x00,
  /** EVPN 0x06/0x01: ESI label (RFC 7432 §7.5). */
  ESI_LABEL = 0x01,
  /** EVPN 0x06/0x02: ES-import route target (RFC 7432 §7.6). */
  ES_IMPORT = 0x02,
  /** EVPN 0x06/0x03: Router's MAC (RFC 9135 §9.1). */
  ROUTER_MAC = 0x03,
}

/** Tunnel types of the encapsulation extended community and the PMSI tunnel attribute. */
export const enum TunnelEncap {
  VXLAN = 8,
  NVGRE = 9,
  MPLS = 10,
  VXLAN_GPE = 12,
  GENEVE = 19,
}

/** PMSI tunnel types (RFC 6514 §5, RFC 7432 §11.2). */
export const enum PmsiTunnelType {
  NO_TUNNEL = 0,
  RSVP_TE_P2MP = 1,
  MLDP_P2MP = 2,
  PIM_SSM = 3,
  PIM_SM = 4,
  BIDIR_PIM = 5,
  INGRESS_REPLICATION = 6,
  MLDP_MP2MP = 7,
}
