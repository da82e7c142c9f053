import type { UpdateCtx } from '../../src/bgp/wire/attributes/index';
import { Action, UpdateSub } from '../../src/bgp/wire/errors';
import { AttrType } from '../../src/bgp/wire/iana';
import {
  AS_PATH_65200,
  AS_PATH_EMPTY,
  EVPN_IMET,
  EXT_RT,
  MP_REACH_EVPN,
  MP_UNREACH_EVPN,
  NEXT_HOP,
  NLRI_24,
  ORIGIN_IGP,
  attr,
  updateMsg,
} from '../unit/bgp-attr/build';

/*
 * TEST-ONLY: the RFC 7606 corpus, shared by the decoder-level test
 * (test/unit/bgp-attr/malformed.test.ts) and the live-session matrix
 * (test/topo/robustness/rfc7606.test.ts): hand-built UPDATEs, each with the
 * action (and, for a session reset, the NOTIFICATION subcode) the RFC
 * prescribes.
 *
 * A case whose UPDATE carries IPv4 unicast NLRI also has a `live` form: the
 * same fault carried by an EVPN UPDATE (MP_REACH_EVPN, announcing the type-3
 * route EVPN_IMET) with the same expected action, because the speaker's RIB
 * holds EVPN routes only and the outcome must be visible in `show routes`.
 * Cases that already carry EVPN NLRI are sent as they are.
 */

export const IBGP: UpdateCtx = { fourOctetAs: true, extendedMessage: false, addPathRx: new Set(), ibgp: true };
export const EBGP: UpdateCtx = { ...IBGP, ibgp: false };
export const OLD_IBGP: UpdateCtx = { ...IBGP, fourOctetAs: false };

export const BASE = [ORIGIN_IGP, AS_PATH_EMPTY, NEXT_HOP];
/** An IPv4 UPDATE with the base attributes plus `extra`. */
export const v4 = (...extra: Uint8Array[]): Uint8Array => updateMsg('', [...BASE, ...extra], NLRI_24);
/** A type-5 route (RFC 9136 §3.1) for 10.251.0.0 with prefix length 33: its Length octet (34) is right, its content is not. */
const T5_V4_LEN33 = '05 22 0001 0a620001 0003 00000000000000000000 00000000 21 0afb0000 00000000 000001';
/** The same for IPv6, prefix length 129 (Length 58). */
const T5_V6_LEN129 = '05 3a 0001 0a620001 0003 00000000000000000000 00000000 81 20010db8000000000000000000000000 00000000000000000000000000000000 000001';

/** An EVPN UPDATE in FRR's layout with `extra` attributes appended. */
export const evpn = (...extra: Uint8Array[]): Uint8Array => updateMsg('', [MP_REACH_EVPN, ORIGIN_IGP, AS_PATH_EMPTY, ...extra]);

export interface Rfc7606Case {
  name: string;
  msg: Uint8Array;
  ctx?: UpdateCtx;
  action: Action;
  /** Subcode of the first fault with the strongest action. */
  subcode?: UpdateSub;
  /** attrType of that fault. */
  attrType?: number;
  /** afi/safi of that fault (AFI/SAFI disable). */
  family?: [number, number];
  /** Types of the attributes kept, in order. */
  kept?: number[];
  /** The same fault in an EVPN UPDATE announcing EVPN_IMET, for cases whose `msg` carries IPv4 NLRI. */
  live?: Uint8Array;
}

/** An IPv4 UPDATE with the base attributes plus `extra`, and its EVPN twin. */
const v4c = (...extra: Uint8Array[]): { msg: Uint8Array; live: Uint8Array } => ({
  msg: v4(...extra),
  live: updateMsg('', [MP_REACH_EVPN, ORIGIN_IGP, AS_PATH_EMPTY, ...extra]),
});
/** An UPDATE of 10.0.0.0/24 with these attributes, and its EVPN twin (NEXT_HOP dropped: RFC 4760 §3 needs none). */
const v4n = (attrs: Uint8Array[]): { msg: Uint8Array; live: Uint8Array } => ({
  msg: updateMsg('', attrs, NLRI_24),
  live: updateMsg('', [MP_REACH_EVPN, ...attrs.filter((a) => a !== NEXT_HOP)]),
});


export const RFC7606_CASES: Rfc7606Case[] = [
  // Controls.
  { name: 'well-formed IPv4 UPDATE', ...v4c(), action: Action.NONE, kept: [AttrType.ORIGIN, AttrType.AS_PATH, AttrType.NEXT_HOP] },
  { name: 'well-formed eBGP UPDATE', ctx: EBGP, ...v4n([ORIGIN_IGP, AS_PATH_65200, NEXT_HOP]), action: Action.NONE },
  { name: 'well-formed EVPN UPDATE without NEXT_HOP (RFC 4760 §3)', msg: evpn(EXT_RT), action: Action.NONE, kept: [AttrType.MP_REACH_NLRI, AttrType.ORIGIN, AttrType.AS_PATH, AttrType.EXTENDED_COMMUNITIES] },
  { name: 'Partial bit on a well-known attribute is ignored (§3 c checks O/T only)', ...v4n([attr(0x60, 1, '00'), AS_PATH_EMPTY, NEXT_HOP]), action: Action.NONE },

  // §7.1 ORIGIN.
  { name: 'ORIGIN length 2', ...v4n([attr(0x40, 1, '0000'), AS_PATH_EMPTY, NEXT_HOP]), action: Action.TREAT_AS_WITHDRAW, subcode: UpdateSub.ATTRIBUTE_LENGTH_ERROR, attrType: AttrType.ORIGIN, kept: [AttrType.AS_PATH, AttrType.NEXT_HOP] },
  { name: 'ORIGIN length 0', ...v4n([attr(0x40, 1, ''), AS_PATH_EMPTY, NEXT_HOP]), action: Action.TREAT_AS_WITHDRAW, attrType: AttrType.ORIGIN },
  { name: 'ORIGIN value 3', ...v4n([attr(0x40, 1, '03'), AS_PATH_EMPTY, NEXT_HOP]), action: Action.TREAT_AS_WITHDRAW, subcode: UpdateSub.INVALID_ORIGIN_ATTRIBUTE },
  // §3 c flags.
  { name: 'ORIGIN marked optional', ...v4n([attr(0xc0, 1, '00'), AS_PATH_EMPTY, NEXT_HOP]), action: Action.TREAT_AS_WITHDRAW, subcode: UpdateSub.ATTRIBUTE_FLAGS_ERROR },
  { name: 'ORIGIN not transitive', ...v4n([attr(0x00, 1, '00'), AS_PATH_EMPTY, NEXT_HOP]), action: Action.TREAT_AS_WITHDRAW, subcode: UpdateSub.ATTRIBUTE_FLAGS_ERROR },

  // §7.2 AS_PATH.
  { name: 'AS_PATH unrecognized segment type 5', ...v4n([ORIGIN_IGP, attr(0x40, 2, '0501 0000fdec'), NEXT_HOP]), action: Action.TREAT_AS_WITHDRAW, subcode: UpdateSub.MALFORMED_AS_PATH },
  { name: 'AS_PATH segment of length 0', ...v4n([ORIGIN_IGP, attr(0x40, 2, '0200'), NEXT_HOP]), action: Action.TREAT_AS_WITHDRAW, subcode: UpdateSub.MALFORMED_AS_PATH },
  { name: 'AS_PATH segment overrun', ...v4n([ORIGIN_IGP, attr(0x40, 2, '0203 0000fdec 0000fdec'), NEXT_HOP]), action: Action.TREAT_AS_WITHDRAW, subcode: UpdateSub.MALFORMED_AS_PATH },
  { name: 'AS_PATH underrun (one octet after the last segment)', ...v4n([ORIGIN_IGP, attr(0x40, 2, '0201 0000fdec 02'), NEXT_HOP]), action: Action.TREAT_AS_WITHDRAW, subcode: UpdateSub.MALFORMED_AS_PATH },
  { name: 'AS_PATH 4-octet ASNs on a 2-octet session', ctx: OLD_IBGP, ...v4n([ORIGIN_IGP, attr(0x40, 2, '0201 0000fdec'), NEXT_HOP]), action: Action.TREAT_AS_WITHDRAW, subcode: UpdateSub.MALFORMED_AS_PATH },
  { name: 'AS_CONFED_SEQUENCE from an eBGP peer outside the confederation (RFC 5065 §5)', ctx: EBGP, ...v4n([ORIGIN_IGP, attr(0x40, 2, '0301 0000fdec'), NEXT_HOP]), action: Action.TREAT_AS_WITHDRAW, subcode: UpdateSub.MALFORMED_AS_PATH },
  { name: 'AS_CONFED_SEQUENCE from a confederation peer is fine', ctx: { ...EBGP, confedPeer: true }, ...v4n([ORIGIN_IGP, attr(0x40, 2, '0301 0000fdec'), NEXT_HOP]), action: Action.NONE },

  // §7.3 NEXT_HOP.
  { name: 'NEXT_HOP length 5', msg: updateMsg('', [ORIGIN_IGP, AS_PATH_EMPTY, attr(0x40, 3, '0a00000100')], NLRI_24), action: Action.TREAT_AS_WITHDRAW, subcode: UpdateSub.ATTRIBUTE_LENGTH_ERROR, attrType: AttrType.NEXT_HOP },
  { name: 'NEXT_HOP length 3', msg: updateMsg('', [ORIGIN_IGP, AS_PATH_EMPTY, attr(0x40, 3, '0a0000')], NLRI_24), action: Action.TREAT_AS_WITHDRAW, attrType: AttrType.NEXT_HOP },

  // §7.4 MED.
  { name: 'MED length 2', ...v4c(attr(0x80, 4, '0000')), action: Action.TREAT_AS_WITHDRAW, subcode: UpdateSub.ATTRIBUTE_LENGTH_ERROR, attrType: AttrType.MULTI_EXIT_DISC },
  { name: 'MED marked well-known', ...v4c(attr(0x40, 4, '00000000')), action: Action.TREAT_AS_WITHDRAW, subcode: UpdateSub.ATTRIBUTE_FLAGS_ERROR },

  // §7.5 LOCAL_PREF.
  { name: 'LOCAL_PREF from an eBGP peer is discarded', ctx: EBGP, ...v4c(attr(0x40, 5, '00000064')), action: Action.ATTRIBUTE_DISCARD, kept: [AttrType.ORIGIN, AttrType.AS_PATH, AttrType.NEXT_HOP] },
  { name: 'malformed LOCAL_PREF from an eBGP peer is only discarded', ctx: EBGP, ...v4c(attr(0x40, 5, '0064')), action: Action.ATTRIBUTE_DISCARD },
  { name: 'LOCAL_PREF length 3 from an iBGP peer', ...v4c(attr(0x40, 5, '000064')), action: Action.TREAT_AS_WITHDRAW, subcode: UpdateSub.ATTRIBUTE_LENGTH_ERROR },

  // §7.6 ATOMIC_AGGREGATE, §7.7 AGGREGATOR.
  { name: 'ATOMIC_AGGREGATE length 1', ...v4c(attr(0x40, 6, '00')), action: Action.ATTRIBUTE_DISCARD, kept: [AttrType.ORIGIN, AttrType.AS_PATH, AttrType.NEXT_HOP] },
  { name: 'AGGREGATOR length 7 on a 4-octet session', ...v4c(attr(0xc0, 7, '0000fdec0a0000')), action: Action.ATTRIBUTE_DISCARD },
  { name: 'AGGREGATOR length 8 on a 2-octet session', ctx: OLD_IBGP, ...v4n([ORIGIN_IGP, attr(0x40, 2, '0201 fdec'), NEXT_HOP, attr(0xc0, 7, '0000fdec0a000001')]), action: Action.ATTRIBUTE_DISCARD },
  { name: 'AGGREGATOR marked well-known (§3 c)', ...v4c(attr(0x40, 7, '0000fdec0a000001')), action: Action.TREAT_AS_WITHDRAW, subcode: UpdateSub.ATTRIBUTE_FLAGS_ERROR },

  // §7.8 COMMUNITIES.
  { name: 'COMMUNITIES length 0', ...v4c(attr(0xc0, 8, '')), action: Action.TREAT_AS_WITHDRAW, attrType: AttrType.COMMUNITIES },
  { name: 'COMMUNITIES length 6', ...v4c(attr(0xc0, 8, 'fdec0064 0001')), action: Action.TREAT_AS_WITHDRAW, attrType: AttrType.COMMUNITIES },

  // §7.9 ORIGINATOR_ID, §7.10 CLUSTER_LIST.
  { name: 'ORIGINATOR_ID from an eBGP peer is discarded', ctx: EBGP, ...v4c(attr(0x80, 9, '0a000002')), action: Action.ATTRIBUTE_DISCARD },
  { name: 'ORIGINATOR_ID length 5 from an iBGP peer', ...v4c(attr(0x80, 9, '0a00000200')), action: Action.TREAT_AS_WITHDRAW, attrType: AttrType.ORIGINATOR_ID },
  { name: 'CLUSTER_LIST length 6 from an iBGP peer', ...v4c(attr(0x80, 10, '0a0000020000')), action: Action.TREAT_AS_WITHDRAW, attrType: AttrType.CLUSTER_LIST },
  { name: 'CLUSTER_LIST length 0 from an iBGP peer', ...v4c(attr(0x80, 10, '')), action: Action.TREAT_AS_WITHDRAW, attrType: AttrType.CLUSTER_LIST },
  { name: 'CLUSTER_LIST from an eBGP peer is discarded', ctx: EBGP, ...v4c(attr(0x80, 10, '0a000002')), action: Action.ATTRIBUTE_DISCARD },

  // §7.11 MP_REACH_NLRI, §5.3.
  { name: 'MP_REACH EVPN next hop length 5', msg: updateMsg('', [attr(0x90, 14, '0019 46 05 0a62000100 00'), ORIGIN_IGP, AS_PATH_EMPTY]), action: Action.AFI_SAFI_DISABLE, family: [25, 70], subcode: UpdateSub.OPTIONAL_ATTRIBUTE_ERROR },
  { name: 'MP_REACH next hop length overruns the attribute', msg: updateMsg('', [attr(0x90, 14, '0019 46 10 0a620001 00'), ORIGIN_IGP, AS_PATH_EMPTY]), action: Action.AFI_SAFI_DISABLE, family: [25, 70] },
  { name: 'MP_REACH length 4 (below 5; AFI/SAFI readable)', msg: updateMsg('', [attr(0x90, 14, '0019 46 04'), ORIGIN_IGP, AS_PATH_EMPTY]), action: Action.AFI_SAFI_DISABLE, family: [25, 70] },
  { name: 'MP_REACH length 2 (family unreadable)', msg: updateMsg('', [attr(0x90, 14, '0019'), ORIGIN_IGP, AS_PATH_EMPTY]), action: Action.SESSION_RESET, subcode: UpdateSub.OPTIONAL_ATTRIBUTE_ERROR },
  { name: 'MP_REACH EVPN NLRI length overruns the attribute', msg: updateMsg('', [attr(0x90, 14, '0019 46 04 0a620001 00 03 20 0001 0a620001 0002'), ORIGIN_IGP, AS_PATH_EMPTY]), action: Action.AFI_SAFI_DISABLE, family: [25, 70] },
  // An EVPN NLRI whose Length octet still delimits it but whose content is
  // invalid: the other NLRI are read exactly, so treat-as-withdraw (§2, §5.4),
  // the well-formed routes of the UPDATE withdrawn and nothing else touched.
  { name: 'MP_REACH EVPN type-2 with an impossible length (boundary intact)', msg: updateMsg('', [attr(0x90, 14, '0019 46 04 0a620001 00 02 03 000102'), ORIGIN_IGP, AS_PATH_EMPTY]), action: Action.TREAT_AS_WITHDRAW, family: [25, 70], attrType: AttrType.MP_REACH_NLRI, kept: [AttrType.ORIGIN, AttrType.AS_PATH] },
  { name: 'MP_REACH EVPN type-5 IPv4 prefix length 33 beside a good route', msg: updateMsg('', [attr(0x90, 14, `0019 46 04 0a620001 00 ${EVPN_IMET} ${T5_V4_LEN33}`), ORIGIN_IGP, AS_PATH_EMPTY]), action: Action.TREAT_AS_WITHDRAW, family: [25, 70], attrType: AttrType.MP_REACH_NLRI, kept: [AttrType.MP_REACH_NLRI, AttrType.ORIGIN, AttrType.AS_PATH] },
  { name: 'MP_REACH EVPN type-5 IPv6 prefix length 129', msg: updateMsg('', [attr(0x90, 14, `0019 46 04 0a620001 00 ${T5_V6_LEN129}`), ORIGIN_IGP, AS_PATH_EMPTY]), action: Action.TREAT_AS_WITHDRAW, family: [25, 70], attrType: AttrType.MP_REACH_NLRI, kept: [AttrType.ORIGIN, AttrType.AS_PATH] },
  { name: 'MP_REACH EVPN bad type-5 then an NLRI overrun: the lost boundary wins (§5.3)', msg: updateMsg('', [attr(0x90, 14, `0019 46 04 0a620001 00 ${T5_V4_LEN33} 03 20 0001 0a620001 0002`), ORIGIN_IGP, AS_PATH_EMPTY]), action: Action.AFI_SAFI_DISABLE, family: [25, 70] },
  { name: 'MP_REACH IPv6 unicast prefix length 129', msg: updateMsg('', [attr(0x90, 14, '0002 01 10 20010db8000000000000000000000001 00 81 20010db8'), ORIGIN_IGP, AS_PATH_EMPTY]), action: Action.AFI_SAFI_DISABLE, family: [2, 1] },
  { name: 'MP_REACH IPv6 unicast with a 4-octet next hop', msg: updateMsg('', [attr(0x90, 14, '0002 01 04 0a000001 00 40 20010db800000000'), ORIGIN_IGP, AS_PATH_EMPTY]), action: Action.AFI_SAFI_DISABLE, family: [2, 1] },
  { name: 'MP_REACH marked transitive (§5.3 flags)', msg: updateMsg('', [attr(0xd0, 14, '0019 46 04 0a620001 00'), ORIGIN_IGP, AS_PATH_EMPTY]), action: Action.AFI_SAFI_DISABLE, subcode: UpdateSub.ATTRIBUTE_FLAGS_ERROR, family: [25, 70] },
  { name: 'MP_REACH twice (§3 g)', msg: updateMsg('', [MP_REACH_EVPN, MP_REACH_EVPN, ORIGIN_IGP, AS_PATH_EMPTY]), action: Action.SESSION_RESET, subcode: UpdateSub.MALFORMED_ATTRIBUTE_LIST },
  { name: 'MP_REACH of an unknown family is kept raw', msg: updateMsg('', [attr(0x80, 14, '4001 07 02 abcd 00 deadbeef'), ORIGIN_IGP, AS_PATH_EMPTY]), action: Action.NONE, kept: [AttrType.MP_REACH_NLRI, AttrType.ORIGIN, AttrType.AS_PATH] },

  // §7.12 MP_UNREACH_NLRI.
  { name: 'MP_UNREACH twice (§3 g)', msg: updateMsg('', [MP_UNREACH_EVPN, MP_UNREACH_EVPN]), action: Action.SESSION_RESET, subcode: UpdateSub.MALFORMED_ATTRIBUTE_LIST },
  { name: 'MP_UNREACH length 2', msg: updateMsg('', [attr(0x80, 15, '0019')]), action: Action.SESSION_RESET },
  { name: 'MP_UNREACH EVPN NLRI overrun', msg: updateMsg('', [attr(0x80, 15, '0019 46 03 11 0001 0a620001')]), action: Action.AFI_SAFI_DISABLE, family: [25, 70] },
  { name: 'MP_UNREACH EVPN type-5 prefix length 33 beside a good route (boundary intact)', msg: updateMsg('', [attr(0x80, 15, `0019 46 ${T5_V4_LEN33} ${EVPN_IMET}`)]), action: Action.TREAT_AS_WITHDRAW, family: [25, 70], attrType: AttrType.MP_UNREACH_NLRI, kept: [AttrType.MP_UNREACH_NLRI] },

  // §7.14 EXTENDED_COMMUNITIES.
  { name: 'EXTENDED_COMMUNITIES length 12', msg: evpn(attr(0xc0, 16, '0002fe4c00000064 03030303')), action: Action.TREAT_AS_WITHDRAW, attrType: AttrType.EXTENDED_COMMUNITIES },
  { name: 'EXTENDED_COMMUNITIES length 0', msg: evpn(attr(0xc0, 16, '')), action: Action.TREAT_AS_WITHDRAW, attrType: AttrType.EXTENDED_COMMUNITIES },
  { name: 'EXTENDED_COMMUNITIES marked non-transitive', msg: evpn(attr(0x80, 16, '0002fe4c00000064')), action: Action.TREAT_AS_WITHDRAW, subcode: UpdateSub.ATTRIBUTE_FLAGS_ERROR },
  { name: 'an unrecognized extended community is not an error', msg: evpn(attr(0xc0, 16, '8a07000000000001')), action: Action.NONE },

  // PMSI_TUNNEL (RFC 6514 §5; treat-as-withdraw per RFC 7606 §2).
  { name: 'PMSI_TUNNEL length 4', msg: evpn(attr(0xc0, 22, '00060000')), action: Action.TREAT_AS_WITHDRAW, attrType: AttrType.PMSI_TUNNEL },
  { name: 'PMSI_TUNNEL ingress replication with a 5-octet identifier', msg: evpn(attr(0xc0, 22, '0006000064 0a62000100')), action: Action.TREAT_AS_WITHDRAW, attrType: AttrType.PMSI_TUNNEL },
  { name: 'PMSI_TUNNEL of another tunnel type keeps a raw identifier', msg: evpn(attr(0xc0, 22, '0003000064 0a620001e8000001')), action: Action.NONE },

  // RFC 8092 LARGE_COMMUNITY.
  { name: 'LARGE_COMMUNITY length 13', ...v4c(attr(0xc0, 32, '0000fdec 00000001 00000002 00')), action: Action.TREAT_AS_WITHDRAW, attrType: AttrType.LARGE_COMMUNITY },
  { name: 'LARGE_COMMUNITY length 0', ...v4c(attr(0xc0, 32, '')), action: Action.TREAT_AS_WITHDRAW, attrType: AttrType.LARGE_COMMUNITY },

  // RFC 6793 AS4_PATH / AS4_AGGREGATOR.
  { name: 'AS4_PATH between 4-octet speakers is discarded', ...v4c(attr(0xc0, 17, '0201 00010000')), action: Action.ATTRIBUTE_DISCARD, kept: [AttrType.ORIGIN, AttrType.AS_PATH, AttrType.NEXT_HOP] },
  { name: 'well-formed AS4_PATH on a 2-octet session is kept', ctx: OLD_IBGP, ...v4n([ORIGIN_IGP, attr(0x40, 2, '0201 5ba0'), NEXT_HOP, attr(0xc0, 17, '0201 00010000')]), action: Action.NONE },
  { name: 'malformed AS4_PATH on a 2-octet session is discarded', ctx: OLD_IBGP, ...v4n([ORIGIN_IGP, attr(0x40, 2, '0201 5ba0'), NEXT_HOP, attr(0xc0, 17, '0202 00010000')]), action: Action.ATTRIBUTE_DISCARD },
  { name: 'AS4_PATH with a confederation segment is discarded', ctx: OLD_IBGP, ...v4n([ORIGIN_IGP, attr(0x40, 2, '0201 5ba0'), NEXT_HOP, attr(0xc0, 17, '0301 00010000')]), action: Action.ATTRIBUTE_DISCARD },
  { name: 'AS4_AGGREGATOR length 6 on a 2-octet session', ctx: OLD_IBGP, ...v4n([ORIGIN_IGP, attr(0x40, 2, '0201 5ba0'), NEXT_HOP, attr(0xc0, 18, '00010a000001')]), action: Action.ATTRIBUTE_DISCARD },

  // §3 g duplicates; RFC 4271 §6.3 unrecognized well-known; unknown optional.
  { name: 'repeated ORIGIN: the first is kept', ...v4c(attr(0x40, 1, '02')), action: Action.ATTRIBUTE_DISCARD, subcode: UpdateSub.MALFORMED_ATTRIBUTE_LIST, kept: [AttrType.ORIGIN, AttrType.AS_PATH, AttrType.NEXT_HOP] },
  { name: 'unrecognized well-known attribute', ...v4c(attr(0x40, 99, '01')), action: Action.SESSION_RESET, subcode: UpdateSub.UNRECOGNIZED_WELL_KNOWN_ATTRIBUTE, attrType: 99 },
  { name: 'unrecognized optional transitive attribute is kept', ...v4c(attr(0xe0, 99, '0102')), action: Action.NONE, kept: [AttrType.ORIGIN, AttrType.AS_PATH, AttrType.NEXT_HOP, 99] },

  // §3 d missing well-known mandatory attributes.
  { name: 'ORIGIN missing with IPv4 NLRI', ...v4n([AS_PATH_EMPTY, NEXT_HOP]), action: Action.TREAT_AS_WITHDRAW, subcode: UpdateSub.MISSING_WELL_KNOWN_ATTRIBUTE, attrType: AttrType.ORIGIN },
  { name: 'AS_PATH missing with EVPN NLRI', msg: updateMsg('', [MP_REACH_EVPN, ORIGIN_IGP]), action: Action.TREAT_AS_WITHDRAW, subcode: UpdateSub.MISSING_WELL_KNOWN_ATTRIBUTE, attrType: AttrType.AS_PATH },
  { name: 'NEXT_HOP missing with IPv4 NLRI', msg: updateMsg('', [ORIGIN_IGP, AS_PATH_EMPTY], NLRI_24), action: Action.TREAT_AS_WITHDRAW, attrType: AttrType.NEXT_HOP },
  { name: 'nothing is mandatory without reachable NLRI (MP_UNREACH only)', msg: updateMsg('', [MP_UNREACH_EVPN]), action: Action.NONE },

  // §4 attribute field overruns.
  { name: 'last attribute length overruns the field', ...v4c(attr(0xc0, 8, 'fdec0064', 9)), action: Action.TREAT_AS_WITHDRAW, subcode: UpdateSub.MALFORMED_ATTRIBUTE_LIST, attrType: AttrType.COMMUNITIES, kept: [AttrType.ORIGIN, AttrType.AS_PATH, AttrType.NEXT_HOP] },
  { name: 'MP_REACH length overruns the field: its NLRI cannot be found (§3 j)', msg: updateMsg('', [ORIGIN_IGP, AS_PATH_EMPTY, attr(0x90, 14, '0019 46 04 0a620001 00', 200)]), action: Action.SESSION_RESET, subcode: UpdateSub.ATTRIBUTE_LENGTH_ERROR },
  { name: 'two octets left after the last attribute', ...v4c(Uint8Array.of(0xc0, 8)), action: Action.TREAT_AS_WITHDRAW, attrType: AttrType.COMMUNITIES },
  { name: 'Extended Length flag with only 3 octets left', ...v4c(Uint8Array.of(0xd0, 8, 0)), action: Action.TREAT_AS_WITHDRAW },

  // §5.2 no reachable NLRI.
  { name: 'withdrawal with a malformed ORIGIN: session reset (§5.2)', msg: updateMsg(NLRI_24, [attr(0x40, 1, '07')]), action: Action.SESSION_RESET, subcode: UpdateSub.INVALID_ORIGIN_ATTRIBUTE },
  { name: 'MP_UNREACH with a malformed COMMUNITIES: session reset (§5.2)', msg: updateMsg('', [MP_UNREACH_EVPN, attr(0xc0, 8, '00')]), action: Action.SESSION_RESET, attrType: AttrType.COMMUNITIES },
  { name: 'MP_UNREACH with a malformed ATOMIC_AGGREGATE: only discarded', msg: updateMsg('', [MP_UNREACH_EVPN, attr(0x40, 6, '00')]), action: Action.ATTRIBUTE_DISCARD },
  { name: 'MP_REACH without NLRI and a malformed COMMUNITIES: session reset (§5.2)', msg: updateMsg('', [attr(0x90, 14, '0019 46 04 0a620001 00'), ORIGIN_IGP, AS_PATH_EMPTY, attr(0xc0, 8, '0001')]), action: Action.SESSION_RESET, attrType: AttrType.COMMUNITIES },
  { name: 'MP_REACH without NLRI needs no AS_PATH (nothing reachable)', msg: updateMsg('', [attr(0x90, 14, '0019 46 04 0a620001 00'), ORIGIN_IGP]), action: Action.NONE },

  // §3 i, §5.3 Withdrawn Routes and NLRI fields.
  { name: 'NLRI prefix length 33', msg: updateMsg('', BASE, '21 0a000000 00'), action: Action.AFI_SAFI_DISABLE, subcode: UpdateSub.INVALID_NETWORK_FIELD, family: [1, 1] },
  { name: 'NLRI prefix runs past the message', msg: updateMsg('', BASE, '18 0a00'), action: Action.AFI_SAFI_DISABLE, subcode: UpdateSub.INVALID_NETWORK_FIELD, family: [1, 1] },
  { name: 'withdrawn prefix length 40', msg: updateMsg('28 0a000000 00', []), action: Action.AFI_SAFI_DISABLE, subcode: UpdateSub.INVALID_NETWORK_FIELD },

  // §3 h: the strongest action wins.
  { name: 'bad ORIGIN and bad ATOMIC_AGGREGATE: treat-as-withdraw', ...v4n([attr(0x40, 1, '09'), AS_PATH_EMPTY, NEXT_HOP, attr(0x40, 6, '00')]), action: Action.TREAT_AS_WITHDRAW },
  { name: 'bad ORIGIN and MP_REACH twice: session reset', msg: updateMsg('', [MP_REACH_EVPN, attr(0x40, 1, '09'), AS_PATH_EMPTY, MP_REACH_EVPN]), action: Action.SESSION_RESET, subcode: UpdateSub.MALFORMED_ATTRIBUTE_LIST },
];
