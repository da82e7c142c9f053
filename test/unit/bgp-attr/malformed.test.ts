import { describe, expect, it } from 'vitest';
import type { UpdateCtx } from '../../../src/bgp/wire/attributes/index';
import { Action, ACTION_NAMES, BgpError, UpdateSub } from '../../../src/bgp/wire/errors';
import { AttrType } from '../../../src/bgp/wire/iana';
import { decode, decodeBody, isEndOfRib, notificationFor } from '../../../src/bgp/wire/update';
import { Reader } from '../../../src/util/reader';
import {
  AS_PATH_65200,
  AS_PATH_EMPTY,
  EXT_RT,
  MP_REACH_EVPN,
  MP_UNREACH_EVPN,
  NEXT_HOP,
  NLRI_24,
  ORIGIN_IGP,
  attr,
  updateMsg,
} from './build';

/*
 * The RFC 7606 corpus: hand-built UPDATEs, each with the action (and, for a
 * session reset, the NOTIFICATION subcode) the RFC prescribes.
 */

const IBGP: UpdateCtx = { fourOctetAs: true, extendedMessage: false, addPathRx: new Set(), ibgp: true };
const EBGP: UpdateCtx = { ...IBGP, ibgp: false };
const OLD_IBGP: UpdateCtx = { ...IBGP, fourOctetAs: false };

const BASE = [ORIGIN_IGP, AS_PATH_EMPTY, NEXT_HOP];
/** An IPv4 UPDATE with the base attributes plus `extra`. */
const v4 = (...extra: Uint8Array[]): Uint8Array => updateMsg('', [...BASE, ...extra], NLRI_24);
/** An EVPN UPDATE in FRR's layout with `extra` attributes appended. */
const evpn = (...extra: Uint8Array[]): Uint8Array => updateMsg('', [MP_REACH_EVPN, ORIGIN_IGP, AS_PATH_EMPTY, ...extra]);

interface Case {
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
}


const CASES: Case[] = [
  // Controls.
  { name: 'well-formed IPv4 UPDATE', msg: v4(), action: Action.NONE, kept: [AttrType.ORIGIN, AttrType.AS_PATH, AttrType.NEXT_HOP] },
  { name: 'well-formed eBGP UPDATE', ctx: EBGP, msg: updateMsg('', [ORIGIN_IGP, AS_PATH_65200, NEXT_HOP], NLRI_24), action: Action.NONE },
  { name: 'well-formed EVPN UPDATE without NEXT_HOP (RFC 4760 §3)', msg: evpn(EXT_RT), action: Action.NONE, kept: [AttrType.MP_REACH_NLRI, AttrType.ORIGIN, AttrType.AS_PATH, AttrType.EXTENDED_COMMUNITIES] },
  { name: 'Partial bit on a well-known attribute is ignored (§3 c checks O/T only)', msg: updateMsg('', [attr(0x60, 1, '00'), AS_PATH_EMPTY, NEXT_HOP], NLRI_24), action: Action.NONE },

  // §7.1 ORIGIN.
  { name: 'ORIGIN length 2', msg: updateMsg('', [attr(0x40, 1, '0000'), AS_PATH_EMPTY, NEXT_HOP], NLRI_24), action: Action.TREAT_AS_WITHDRAW, subcode: UpdateSub.ATTRIBUTE_LENGTH_ERROR, attrType: AttrType.ORIGIN, kept: [AttrType.AS_PATH, AttrType.NEXT_HOP] },
  { name: 'ORIGIN length 0', msg: updateMsg('', [attr(0x40, 1, ''), AS_PATH_EMPTY, NEXT_HOP], NLRI_24), action: Action.TREAT_AS_WITHDRAW, attrType: AttrType.ORIGIN },
  { name: 'ORIGIN value 3', msg: updateMsg('', [attr(0x40, 1, '03'), AS_PATH_EMPTY, NEXT_HOP], NLRI_24), action: Action.TREAT_AS_WITHDRAW, subcode: UpdateSub.INVALID_ORIGIN_ATTRIBUTE },
  // §3 c flags.
  { name: 'ORIGIN marked optional', msg: updateMsg('', [attr(0xc0, 1, '00'), AS_PATH_EMPTY, NEXT_HOP], NLRI_24), action: Action.TREAT_AS_WITHDRAW, subcode: UpdateSub.ATTRIBUTE_FLAGS_ERROR },
  { name: 'ORIGIN not transitive', msg: updateMsg('', [attr(0x00, 1, '00'), AS_PATH_EMPTY, NEXT_HOP], NLRI_24), action: Action.TREAT_AS_WITHDRAW, subcode: UpdateSub.ATTRIBUTE_FLAGS_ERROR },

  // §7.2 AS_PATH.
  { name: 'AS_PATH unrecognized segment type 5', msg: updateMsg('', [ORIGIN_IGP, attr(0x40, 2, '0501 0000fdec'), NEXT_HOP], NLRI_24), action: Action.TREAT_AS_WITHDRAW, subcode: UpdateSub.MALFORMED_AS_PATH },
  { name: 'AS_PATH segment of length 0', msg: updateMsg('', [ORIGIN_IGP, attr(0x40, 2, '0200'), NEXT_HOP], NLRI_24), action: Action.TREAT_AS_WITHDRAW, subcode: UpdateSub.MALFORMED_AS_PATH },
  { name: 'AS_PATH segment overrun', msg: updateMsg('', [ORIGIN_IGP, attr(0x40, 2, '0203 0000fdec 0000fdec'), NEXT_HOP], NLRI_24), action: Action.TREAT_AS_WITHDRAW, subcode: UpdateSub.MALFORMED_AS_PATH },
  { name: 'AS_PATH underrun (one octet after the last segment)', msg: updateMsg('', [ORIGIN_IGP, attr(0x40, 2, '0201 0000fdec 02'), NEXT_HOP], NLRI_24), action: Action.TREAT_AS_WITHDRAW, subcode: UpdateSub.MALFORMED_AS_PATH },
  { name: 'AS_PATH 4-octet ASNs on a 2-octet session', ctx: OLD_IBGP, msg: updateMsg('', [ORIGIN_IGP, attr(0x40, 2, '0201 0000fdec'), NEXT_HOP], NLRI_24), action: Action.TREAT_AS_WITHDRAW, subcode: UpdateSub.MALFORMED_AS_PATH },
  { name: 'AS_CONFED_SEQUENCE from an eBGP peer outside the confederation (RFC 5065 §5)', ctx: EBGP, msg: updateMsg('', [ORIGIN_IGP, attr(0x40, 2, '0301 0000fdec'), NEXT_HOP], NLRI_24), action: Action.TREAT_AS_WITHDRAW, subcode: UpdateSub.MALFORMED_AS_PATH },
  { name: 'AS_CONFED_SEQUENCE from a confederation peer is fine', ctx: { ...EBGP, confedPeer: true }, msg: updateMsg('', [ORIGIN_IGP, attr(0x40, 2, '0301 0000fdec'), NEXT_HOP], NLRI_24), action: Action.NONE },

  // §7.3 NEXT_HOP.
  { name: 'NEXT_HOP length 5', msg: updateMsg('', [ORIGIN_IGP, AS_PATH_EMPTY, attr(0x40, 3, '0a00000100')], NLRI_24), action: Action.TREAT_AS_WITHDRAW, subcode: UpdateSub.ATTRIBUTE_LENGTH_ERROR, attrType: AttrType.NEXT_HOP },
  { name: 'NEXT_HOP length 3', msg: updateMsg('', [ORIGIN_IGP, AS_PATH_EMPTY, attr(0x40, 3, '0a0000')], NLRI_24), action: Action.TREAT_AS_WITHDRAW, attrType: AttrType.NEXT_HOP },

  // §7.4 MED.
  { name: 'MED length 2', msg: v4(attr(0x80, 4, '0000')), action: Action.TREAT_AS_WITHDRAW, subcode: UpdateSub.ATTRIBUTE_LENGTH_ERROR, attrType: AttrType.MULTI_EXIT_DISC },
  { name: 'MED marked well-known', msg: v4(attr(0x40, 4, '00000000')), action: Action.TREAT_AS_WITHDRAW, subcode: UpdateSub.ATTRIBUTE_FLAGS_ERROR },

  // §7.5 LOCAL_PREF.
  { name: 'LOCAL_PREF from an eBGP peer is discarded', ctx: EBGP, msg: v4(attr(0x40, 5, '00000064')), action: Action.ATTRIBUTE_DISCARD, kept: [AttrType.ORIGIN, AttrType.AS_PATH, AttrType.NEXT_HOP] },
  { name: 'malformed LOCAL_PREF from an eBGP peer is only discarded', ctx: EBGP, msg: v4(attr(0x40, 5, '0064')), action: Action.ATTRIBUTE_DISCARD },
  { name: 'LOCAL_PREF length 3 from an iBGP peer', msg: v4(attr(0x40, 5, '000064')), action: Action.TREAT_AS_WITHDRAW, subcode: UpdateSub.ATTRIBUTE_LENGTH_ERROR },

  // §7.6 ATOMIC_AGGREGATE, §7.7 AGGREGATOR.
  { name: 'ATOMIC_AGGREGATE length 1', msg: v4(attr(0x40, 6, '00')), action: Action.ATTRIBUTE_DISCARD, kept: [AttrType.ORIGIN, AttrType.AS_PATH, AttrType.NEXT_HOP] },
  { name: 'AGGREGATOR length 7 on a 4-octet session', msg: v4(attr(0xc0, 7, '0000fdec0a0000')), action: Action.ATTRIBUTE_DISCARD },
  { name: 'AGGREGATOR length 8 on a 2-octet session', ctx: OLD_IBGP, msg: updateMsg('', [ORIGIN_IGP, attr(0x40, 2, '0201 fdec'), NEXT_HOP, attr(0xc0, 7, '0000fdec0a000001')], NLRI_24), action: Action.ATTRIBUTE_DISCARD },
  { name: 'AGGREGATOR marked well-known (§3 c)', msg: v4(attr(0x40, 7, '0000fdec0a000001')), action: Action.TREAT_AS_WITHDRAW, subcode: UpdateSub.ATTRIBUTE_FLAGS_ERROR },

  // §7.8 COMMUNITIES.
  { name: 'COMMUNITIES length 0', msg: v4(attr(0xc0, 8, '')), action: Action.TREAT_AS_WITHDRAW, attrType: AttrType.COMMUNITIES },
  { name: 'COMMUNITIES length 6', msg: v4(attr(0xc0, 8, 'fdec0064 0001')), action: Action.TREAT_AS_WITHDRAW, attrType: AttrType.COMMUNITIES },

  // §7.9 ORIGINATOR_ID, §7.10 CLUSTER_LIST.
  { name: 'ORIGINATOR_ID from an eBGP peer is discarded', ctx: EBGP, msg: v4(attr(0x80, 9, '0a000002')), action: Action.ATTRIBUTE_DISCARD },
  { name: 'ORIGINATOR_ID length 5 from an iBGP peer', msg: v4(attr(0x80, 9, '0a00000200')), action: Action.TREAT_AS_WITHDRAW, attrType: AttrType.ORIGINATOR_ID },
  { name: 'CLUSTER_LIST length 6 from an iBGP peer', msg: v4(attr(0x80, 10, '0a0000020000')), action: Action.TREAT_AS_WITHDRAW, attrType: AttrType.CLUSTER_LIST },
  { name: 'CLUSTER_LIST length 0 from an iBGP peer', msg: v4(attr(0x80, 10, '')), action: Action.TREAT_AS_WITHDRAW, attrType: AttrType.CLUSTER_LIST },
  { name: 'CLUSTER_LIST from an eBGP peer is discarded', ctx: EBGP, msg: v4(attr(0x80, 10, '0a000002')), action: Action.ATTRIBUTE_DISCARD },

  // §7.11 MP_REACH_NLRI, §5.3.
  { name: 'MP_REACH EVPN next hop length 5', msg: updateMsg('', [attr(0x90, 14, '0019 46 05 0a62000100 00'), ORIGIN_IGP, AS_PATH_EMPTY]), action: Action.AFI_SAFI_DISABLE, family: [25, 70], subcode: UpdateSub.OPTIONAL_ATTRIBUTE_ERROR },
  { name: 'MP_REACH next hop length overruns the attribute', msg: updateMsg('', [attr(0x90, 14, '0019 46 10 0a620001 00'), ORIGIN_IGP, AS_PATH_EMPTY]), action: Action.AFI_SAFI_DISABLE, family: [25, 70] },
  { name: 'MP_REACH length 4 (below 5; AFI/SAFI readable)', msg: updateMsg('', [attr(0x90, 14, '0019 46 04'), ORIGIN_IGP, AS_PATH_EMPTY]), action: Action.AFI_SAFI_DISABLE, family: [25, 70] },
  { name: 'MP_REACH length 2 (family unreadable)', msg: updateMsg('', [attr(0x90, 14, '0019'), ORIGIN_IGP, AS_PATH_EMPTY]), action: Action.SESSION_RESET, subcode: UpdateSub.OPTIONAL_ATTRIBUTE_ERROR },
  { name: 'MP_REACH EVPN NLRI length overruns the attribute', msg: updateMsg('', [attr(0x90, 14, '0019 46 04 0a620001 00 03 20 0001 0a620001 0002'), ORIGIN_IGP, AS_PATH_EMPTY]), action: Action.AFI_SAFI_DISABLE, family: [25, 70] },
  { name: 'MP_REACH EVPN type-2 with an impossible length', msg: updateMsg('', [attr(0x90, 14, '0019 46 04 0a620001 00 02 03 000102'), ORIGIN_IGP, AS_PATH_EMPTY]), action: Action.AFI_SAFI_DISABLE, family: [25, 70] },
  { name: 'MP_REACH IPv6 unicast prefix length 129', msg: updateMsg('', [attr(0x90, 14, '0002 01 10 20010db8000000000000000000000001 00 81 20010db8'), ORIGIN_IGP, AS_PATH_EMPTY]), action: Action.AFI_SAFI_DISABLE, family: [2, 1] },
  { name: 'MP_REACH IPv6 unicast with a 4-octet next hop', msg: updateMsg('', [attr(0x90, 14, '0002 01 04 0a000001 00 40 20010db800000000'), ORIGIN_IGP, AS_PATH_EMPTY]), action: Action.AFI_SAFI_DISABLE, family: [2, 1] },
  { name: 'MP_REACH marked transitive (§5.3 flags)', msg: updateMsg('', [attr(0xd0, 14, '0019 46 04 0a620001 00'), ORIGIN_IGP, AS_PATH_EMPTY]), action: Action.AFI_SAFI_DISABLE, subcode: UpdateSub.ATTRIBUTE_FLAGS_ERROR, family: [25, 70] },
  { name: 'MP_REACH twice (§3 g)', msg: updateMsg('', [MP_REACH_EVPN, MP_REACH_EVPN, ORIGIN_IGP, AS_PATH_EMPTY]), action: Action.SESSION_RESET, subcode: UpdateSub.MALFORMED_ATTRIBUTE_LIST },
  { name: 'MP_REACH of an unknown family is kept raw', msg: updateMsg('', [attr(0x80, 14, '4001 07 02 abcd 00 deadbeef'), ORIGIN_IGP, AS_PATH_EMPTY]), action: Action.NONE, kept: [AttrType.MP_REACH_NLRI, AttrType.ORIGIN, AttrType.AS_PATH] },

  // §7.12 MP_UNREACH_NLRI.
  { name: 'MP_UNREACH twice (§3 g)', msg: updateMsg('', [MP_UNREACH_EVPN, MP_UNREACH_EVPN]), action: Action.SESSION_RESET, subcode: UpdateSub.MALFORMED_ATTRIBUTE_LIST },
  { name: 'MP_UNREACH length 2', msg: updateMsg('', [attr(0x80, 15, '0019')]), action: Action.SESSION_RESET },
  { name: 'MP_UNREACH EVPN NLRI overrun', msg: updateMsg('', [attr(0x80, 15, '0019 46 03 11 0001 0a620001')]), action: Action.AFI_SAFI_DISABLE, family: [25, 70] },

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
  { name: 'LARGE_COMMUNITY length 13', msg: v4(attr(0xc0, 32, '0000fdec 00000001 00000002 00')), action: Action.TREAT_AS_WITHDRAW, attrType: AttrType.LARGE_COMMUNITY },
  { name: 'LARGE_COMMUNITY length 0', msg: v4(attr(0xc0, 32, '')), action: Action.TREAT_AS_WITHDRAW, attrType: AttrType.LARGE_COMMUNITY },

  // RFC 6793 AS4_PATH / AS4_AGGREGATOR.
  { name: 'AS4_PATH between 4-octet speakers is discarded', msg: v4(attr(0xc0, 17, '0201 00010000')), action: Action.ATTRIBUTE_DISCARD, kept: [AttrType.ORIGIN, AttrType.AS_PATH, AttrType.NEXT_HOP] },
  { name: 'well-formed AS4_PATH on a 2-octet session is kept', ctx: OLD_IBGP, msg: updateMsg('', [ORIGIN_IGP, attr(0x40, 2, '0201 5ba0'), NEXT_HOP, attr(0xc0, 17, '0201 00010000')], NLRI_24), action: Action.NONE },
  { name: 'malformed AS4_PATH on a 2-octet session is discarded', ctx: OLD_IBGP, msg: updateMsg('', [ORIGIN_IGP, attr(0x40, 2, '0201 5ba0'), NEXT_HOP, attr(0xc0, 17, '0202 00010000')], NLRI_24), action: Action.ATTRIBUTE_DISCARD },
  { name: 'AS4_PATH with a confederation segment is discarded', ctx: OLD_IBGP, msg: updateMsg('', [ORIGIN_IGP, attr(0x40, 2, '0201 5ba0'), NEXT_HOP, attr(0xc0, 17, '0301 00010000')], NLRI_24), action: Action.ATTRIBUTE_DISCARD },
  { name: 'AS4_AGGREGATOR length 6 on a 2-octet session', ctx: OLD_IBGP, msg: updateMsg('', [ORIGIN_IGP, attr(0x40, 2, '0201 5ba0'), NEXT_HOP, attr(0xc0, 18, '00010a000001')], NLRI_24), action: Action.ATTRIBUTE_DISCARD },

  // §3 g duplicates; RFC 4271 §6.3 unrecognized well-known; unknown optional.
  { name: 'repeated ORIGIN: the first is kept', msg: v4(attr(0x40, 1, '02')), action: Action.ATTRIBUTE_DISCARD, subcode: UpdateSub.MALFORMED_ATTRIBUTE_LIST, kept: [AttrType.ORIGIN, AttrType.AS_PATH, AttrType.NEXT_HOP] },
  { name: 'unrecognized well-known attribute', msg: v4(attr(0x40, 99, '01')), action: Action.SESSION_RESET, subcode: UpdateSub.UNRECOGNIZED_WELL_KNOWN_ATTRIBUTE, attrType: 99 },
  { name: 'unrecognized optional transitive attribute is kept', msg: v4(attr(0xe0, 99, '0102')), action: Action.NONE, kept: [AttrType.ORIGIN, AttrType.AS_PATH, AttrType.NEXT_HOP, 99] },

  // §3 d missing well-known mandatory attributes.
  { name: 'ORIGIN missing with IPv4 NLRI', msg: updateMsg('', [AS_PATH_EMPTY, NEXT_HOP], NLRI_24), action: Action.TREAT_AS_WITHDRAW, subcode: UpdateSub.MISSING_WELL_KNOWN_ATTRIBUTE, attrType: AttrType.ORIGIN },
  { name: 'AS_PATH missing with EVPN NLRI', msg: updateMsg('', [MP_REACH_EVPN, ORIGIN_IGP]), action: Action.TREAT_AS_WITHDRAW, subcode: UpdateSub.MISSING_WELL_KNOWN_ATTRIBUTE, attrType: AttrType.AS_PATH },
  { name: 'NEXT_HOP missing with IPv4 NLRI', msg: updateMsg('', [ORIGIN_IGP, AS_PATH_EMPTY], NLRI_24), action: Action.TREAT_AS_WITHDRAW, attrType: AttrType.NEXT_HOP },
  { name: 'nothing is mandatory without reachable NLRI (MP_UNREACH only)', msg: updateMsg('', [MP_UNREACH_EVPN]), action: Action.NONE },

  // §4 attribute field overruns.
  { name: 'last attribute length overruns the field', msg: v4(attr(0xc0, 8, 'fdec0064', 9)), action: Action.TREAT_AS_WITHDRAW, subcode: UpdateSub.MALFORMED_ATTRIBUTE_LIST, attrType: AttrType.COMMUNITIES, kept: [AttrType.ORIGIN, AttrType.AS_PATH, AttrType.NEXT_HOP] },
  { name: 'MP_REACH length overruns the field: its NLRI cannot be found (§3 j)', msg: updateMsg('', [ORIGIN_IGP, AS_PATH_EMPTY, attr(0x90, 14, '0019 46 04 0a620001 00', 200)]), action: Action.SESSION_RESET, subcode: UpdateSub.ATTRIBUTE_LENGTH_ERROR },
  { name: 'two octets left after the last attribute', msg: v4(Uint8Array.of(0xc0, 8)), action: Action.TREAT_AS_WITHDRAW, attrType: AttrType.COMMUNITIES },
  { name: 'Extended Length flag with only 3 octets left', msg: v4(Uint8Array.of(0xd0, 8, 0)), action: Action.TREAT_AS_WITHDRAW },

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
  { name: 'bad ORIGIN and bad ATOMIC_AGGREGATE: treat-as-withdraw', msg: updateMsg('', [attr(0x40, 1, '09'), AS_PATH_EMPTY, NEXT_HOP, attr(0x40, 6, '00')], NLRI_24), action: Action.TREAT_AS_WITHDRAW },
  { name: 'bad ORIGIN and MP_REACH twice: session reset', msg: updateMsg('', [MP_REACH_EVPN, attr(0x40, 1, '09'), AS_PATH_EMPTY, MP_REACH_EVPN]), action: Action.SESSION_RESET, subcode: UpdateSub.MALFORMED_ATTRIBUTE_LIST },
];

describe('RFC 7606 malformed corpus', () => {
  it('has at least 40 cases of faults', () => {
    expect(CASES.filter((c) => c.action !== Action.NONE).length).toBeGreaterThanOrEqual(40);
  });

  it.each(CASES.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const u = decode(new Reader(c.msg), c.ctx ?? IBGP);
    expect(ACTION_NAMES[u.action], JSON.stringify(u.faults.map((f) => f.reason))).toBe(ACTION_NAMES[c.action]);
    if (c.action === Action.NONE) {
      expect(u.faults).toEqual([]);
    } else {
      const f = u.faults.find((x) => x.action === u.action)!;
      expect(f.reason).toMatch(/RFC \d+/);
      if (c.subcode !== undefined) expect(f.subcode).toBe(c.subcode);
      if (c.attrType !== undefined) expect(f.attrType).toBe(c.attrType);
      if (c.family) expect([f.afi, f.safi]).toEqual(c.family);
    }
    if (c.kept) expect(u.attributes.map((a) => a.type)).toEqual(c.kept);
    const n = notificationFor(u);
    if (u.action === Action.SESSION_RESET) {
      expect(n).toBeInstanceOf(BgpError);
      expect(n!.code).toBe(3);
      expect(n!.subcode).toBe(u.faults.find((x) => x.action === Action.SESSION_RESET)!.subcode);
    } else {
      expect(n).toBeNull();
    }
  });
});

describe('UPDATE framing errors (RFC 7606 §3 b: session reset, 3/1)', () => {
  const expect31 = (msg: Uint8Array, useBody = false): void => {
    try {
      if (useBody) decodeBody(new Reader(msg), IBGP);
      else decode(new Reader(msg), IBGP);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(BgpError);
      expect([(e as BgpError).code, (e as BgpError).subcode]).toEqual([3, 1]);
    }
  };

  it('Withdrawn Routes Length overruns the message', () => expect31(updateMsg(NLRI_24, [], '', { withdrawn: 40 })));
  it('Withdrawn Routes Length leaves no room for the attribute length', () => expect31(updateMsg('', [], '', { withdrawn: 1 })));
  it('Total Path Attribute Length overruns the message', () => expect31(updateMsg('', BASE, NLRI_24, { attrs: 300 })));
  it('a body shorter than its two length fields', () => expect31(Uint8Array.of(0, 0, 0), true));
});

describe('End-of-RIB (RFC 4724 §2)', () => {
  it('an empty UPDATE is the IPv4 unicast End-of-RIB', () => {
    expect(isEndOfRib(decode(new Reader(updateMsg('', [])), IBGP))).toEqual({ afi: 1, safi: 1 });
  });
  it('an UPDATE with only an empty MP_UNREACH is the End-of-RIB of its family', () => {
    expect(isEndOfRib(decode(new Reader(updateMsg('', [attr(0x80, 15, '0019 46')])), IBGP))).toEqual({ afi: 25, safi: 70 });
  });
  it('a non-empty MP_UNREACH or any other attribute is not', () => {
    expect(isEndOfRib(decode(new Reader(updateMsg('', [MP_UNREACH_EVPN])), IBGP))).toBeNull();
    expect(isEndOfRib(decode(new Reader(updateMsg('', [attr(0x80, 15, '0019 46'), EXT_RT])), IBGP))).toBeNull();
  });
});

describe('repeated and discarded attributes', () => {
  it('keeps the first ORIGIN value, not the second', () => {
    const u = decode(new Reader(v4(attr(0x40, 1, '02'))), IBGP);
    expect(u.attributes[0]).toMatchObject({ type: AttrType.ORIGIN, origin: 0 });
  });
  it('an attribute discarded as malformed does not make the first occurrence of a later duplicate', () => {
    const u = decode(new Reader(v4(attr(0x40, 6, '00'), attr(0x40, 6, ''))), IBGP);
    expect(u.attributes.some((a) => a.type === AttrType.ATOMIC_AGGREGATE)).toBe(false);
    expect(u.faults.map((f) => f.action)).toEqual([Action.ATTRIBUTE_DISCARD, Action.ATTRIBUTE_DISCARD]);
  });
  it('session-reset faults carry the erroneous attribute as NOTIFICATION data (RFC 4271 §6.3)', () => {
    const bad = attr(0x40, 99, '01');
    const u = decode(new Reader(v4(bad)), IBGP);
    expect(notificationFor(u)!.data).toEqual(bad);
  });
});
