/**
 * The malformations `evpn-vtep inject` can put into an UPDATE on request,
 * each a case that RFC 7606 (or RFC 4271 §6.3, where 7606 keeps it) assigns
 * a definite receiver behaviour, so that a conformance test can check the
 * peer does exactly that. A malformed route is always sent in an UPDATE of
 * its own, so the action hits that route alone.
 *
 * `action` is what a conforming receiver does: treat-as-withdraw (the route
 * is not installed, the session stays up), attribute-discard (the route is
 * installed without the attribute), or session-reset (NOTIFICATION with
 * `notification`, code/subcode, RFC 4271 §6.3). For AFI/SAFI disable RFC
 * 7606 §2 lets the receiver reset the session instead; both are accepted.
 */

export type FaultAction = 'treat-as-withdraw' | 'attribute-discard' | 'afi-safi-disable-or-session-reset' | 'session-reset';

export interface FaultSpec {
  name: string;
  rfc: string;
  action: FaultAction;
  /** NOTIFICATION code/subcode for session-reset outcomes. */
  notification?: [number, number];
  description: string;
}

export const FAULTS = {
  'ext-community-length': {
    name: 'ext-community-length',
    rfc: 'RFC 7606 §7.14',
    action: 'treat-as-withdraw',
    description: 'EXTENDED_COMMUNITIES length not a multiple of 8 (last octet cut)',
  },
  'origin-value': { name: 'origin-value', rfc: 'RFC 7606 §7.1', action: 'treat-as-withdraw', description: 'ORIGIN value 3 (undefined)' },
  'origin-length': { name: 'origin-length', rfc: 'RFC 7606 §7.1', action: 'treat-as-withdraw', description: 'ORIGIN of 2 octets' },
  'missing-origin': { name: 'missing-origin', rfc: 'RFC 7606 §3 d', action: 'treat-as-withdraw', description: 'well-known mandatory ORIGIN left out' },
  'missing-as-path': { name: 'missing-as-path', rfc: 'RFC 7606 §3 d', action: 'treat-as-withdraw', description: 'well-known mandatory AS_PATH left out' },
  'as-path-segment-overrun': {
    name: 'as-path-segment-overrun',
    rfc: 'RFC 7606 §7.2',
    action: 'treat-as-withdraw',
    description: 'AS_PATH segment length claims one AS more than the attribute holds',
  },
  'origin-flags': { name: 'origin-flags', rfc: 'RFC 7606 §3 c', action: 'treat-as-withdraw', description: 'ORIGIN sent with the Optional bit set' },
  'med-length': { name: 'med-length', rfc: 'RFC 7606 §7.4', action: 'treat-as-withdraw', description: 'MULTI_EXIT_DISC of 3 octets' },
  'pmsi-length': {
    name: 'pmsi-length',
    rfc: 'RFC 6514 §5 / RFC 7606 §2',
    action: 'treat-as-withdraw',
    description: 'PMSI_TUNNEL of 3 octets, shorter than its fixed part',
  },
  'aggregator-length': {
    name: 'aggregator-length',
    rfc: 'RFC 7606 §7.7',
    action: 'attribute-discard',
    description: 'AGGREGATOR of 5 octets added (neither 6 nor 8)',
  },
  'attribute-length-overrun': {
    name: 'attribute-length-overrun',
    rfc: 'RFC 7606 §4',
    action: 'treat-as-withdraw',
    description: 'last attribute (EXTENDED_COMMUNITIES) length runs 1 octet past the Path Attributes field',
  },
  'mp-reach-next-hop-length': {
    name: 'mp-reach-next-hop-length',
    rfc: 'RFC 7606 §7.11',
    action: 'afi-safi-disable-or-session-reset',
    notification: [3, 9],
    description: 'MP_REACH_NLRI next hop length 5',
  },
  'duplicate-mp-reach': {
    name: 'duplicate-mp-reach',
    rfc: 'RFC 7606 §3 g',
    action: 'session-reset',
    notification: [3, 1],
    description: 'MP_REACH_NLRI twice',
  },
  'unknown-well-known': {
    name: 'unknown-well-known',
    rfc: 'RFC 4271 §6.3',
    action: 'session-reset',
    notification: [3, 2],
    description: 'unrecognized well-known attribute (type 240, flags 0x40)',
  },
} as const satisfies Record<string, FaultSpec>;

export type FaultName = keyof typeof FAULTS;
export const FAULT_NAMES = Object.keys(FAULTS) as FaultName[];
