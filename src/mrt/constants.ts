/**
 * MRT type and subtype codes (RFC 6396 §4, RFC 8050 §3 for the ADD-PATH
 * subtypes; IANA "Multi-Threaded Routing Toolkit (MRT)" registry). Kept here
 * rather than in bgp/wire/iana.ts: MRT is a file format, not BGP wire.
 */

export const enum MrtType {
  OSPFV2 = 11,
  TABLE_DUMP = 12,
  TABLE_DUMP_V2 = 13,
  BGP4MP = 16,
  /** BGP4MP with the Microsecond Timestamp field (RFC 6396 §3). */
  BGP4MP_ET = 17,
  ISIS = 32,
  ISIS_ET = 33,
  OSPFV3 = 48,
  OSPFV3_ET = 49,
}

/** TABLE_DUMP_V2 subtypes (RFC 6396 §4.3, RFC 8050 §3). */
export const enum TableDumpV2Subtype {
  PEER_INDEX_TABLE = 1,
  RIB_IPV4_UNICAST = 2,
  RIB_IPV4_MULTICAST = 3,
  RIB_IPV6_UNICAST = 4,
  RIB_IPV6_MULTICAST = 5,
  RIB_GENERIC = 6,
  RIB_IPV4_UNICAST_ADDPATH = 8,
  RIB_IPV4_MULTICAST_ADDPATH = 9,
  RIB_IPV6_UNICAST_ADDPATH = 10,
  RIB_IPV6_MULTICAST_ADDPATH = 11,
  RIB_GENERIC_ADDPATH = 12,
}

/** BGP4MP / BGP4MP_ET subtypes (RFC 6396 §4.4, RFC 8050 §3). */
export const enum Bgp4mpSubtype {
  STATE_CHANGE = 0,
  MESSAGE = 1,
  MESSAGE_AS4 = 4,
  STATE_CHANGE_AS4 = 5,
  MESSAGE_LOCAL = 6,
  MESSAGE_AS4_LOCAL = 7,
  MESSAGE_ADDPATH = 8,
  MESSAGE_AS4_ADDPATH = 9,
  MESSAGE_LOCAL_ADDPATH = 10,
  MESSAGE_AS4_LOCAL_ADDPATH = 11,
}

/** BGP FSM states as BGP4MP_STATE_CHANGE numbers them (RFC 6396 §4.4.1). */
export const enum MrtPeerState {
  IDLE = 1,
  CONNECT = 2,
  ACTIVE = 3,
  OPEN_SENT = 4,
  OPEN_CONFIRM = 5,
  ESTABLISHED = 6,
}

export const MRT_STATE_NAMES: Record<number, string> = {
  1: 'Idle',
  2: 'Connect',
  3: 'Active',
  4: 'OpenSent',
  5: 'OpenConfirm',
  6: 'Established',
};

/** The number of an FSM state name ("Established" → 6), for recorders. */
export function mrtStateNumber(name: string): number {
  for (const [k, v] of Object.entries(MRT_STATE_NAMES)) if (v === name) return Number(k);
  throw new RangeError(`not a BGP FSM state: ${name}`);
}

export const MRT_TYPE_NAMES: Record<number, string> = {
  11: 'OSPFv2',
  12: 'TABLE_DUMP',
  13: 'TABLE_DUMP_V2',
  16: 'BGP4MP',
  17: 'BGP4MP_ET',
  32: 'ISIS',
  33: 'ISIS_ET',
  48: 'OSPFv3',
  49: 'OSPFv3_ET',
};

export const TABLE_DUMP_V2_NAMES: Record<number, string> = {
  1: 'PEER_INDEX_TABLE',
  2: 'RIB_IPV4_UNICAST',
  3: 'RIB_IPV4_MULTICAST',
  4: 'RIB_IPV6_UNICAST',
  5: 'RIB_IPV6_MULTICAST',
  6: 'RIB_GENERIC',
  8: 'RIB_IPV4_UNICAST_ADDPATH',
  9: 'RIB_IPV4_MULTICAST_ADDPATH',
  10: 'RIB_IPV6_UNICAST_ADDPATH',
  11: 'RIB_IPV6_MULTICAST_ADDPATH',
  12: 'RIB_GENERIC_ADDPATH',
};

export const BGP4MP_NAMES: Record<number, string> = {
  0: 'STATE_CHANGE',
  1: 'MESSAGE',
  4: 'MESSAGE_AS4',
  5: 'STATE_CHANGE_AS4',
  6: 'MESSAGE_LOCAL',
  7: 'MESSAGE_AS4_LOCAL',
  8: 'MESSAGE_ADDPATH',
  9: 'MESSAGE_AS4_ADDPATH',
  10: 'MESSAGE_LOCAL_ADDPATH',
  11: 'MESSAGE_AS4_LOCAL_ADDPATH',
};

/** "TABLE_DUMP_V2/RIB_GENERIC", "BGP4MP_ET/MESSAGE_AS4", "type 99/3". */
export function recordTypeName(type: number, subtype: number): string {
  const t = MRT_TYPE_NAMES[type];
  if (t === undefined) return `type ${type}/${subtype}`;
  const s =
    type === MrtType.TABLE_DUMP_V2 ? TABLE_DUMP_V2_NAMES[subtype] : type === MrtType.BGP4MP || type === MrtType.BGP4MP_ET ? BGP4MP_NAMES[subtype] : undefined;
  return `${t}/${s ?? String(subtype)}`;
}

/** The _ET types carry a 4-octet microsecond field after the common header (RFC 6396 §3). */
export function isExtendedTimestampType(type: number): boolean {
  return type === MrtType.BGP4MP_ET || type === MrtType.ISIS_ET || type === MrtType.OSPFV3_ET;
}
