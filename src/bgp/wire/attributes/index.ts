import { DecodeError } from '../../../util/errors';
import type { Reader } from '../../../util/reader';
import type { BgpCtx } from '../context';
import { Action, UpdateSub, strongest } from '../errors';
import { AttrFlag, AttrType } from '../iana';
import * as aggregator from './aggregator';
import * as as4Aggregator from './as4-aggregator';
import * as as4Path from './as4-path';
import * as asPath from './as-path';
import * as atomicAggregate from './atomic-aggregate';
import {
  FLAG_CLASS_MASK,
  MalformedAttribute,
  MalformedMpAttribute,
  OPTIONAL_NON_TRANSITIVE,
  OPTIONAL_TRANSITIVE,
  WELL_KNOWN,
  type UpdateCtx,
  type UpdateFault,
} from './attribute';
import * as clusterList from './cluster-list';
import * as communities from './communities';
import * as extCommunities from './ext-communities';
import * as largeCommunities from './large-communities';
import * as localPref from './local-pref';
import * as med from './med';
import { WithdrawableMpAttribute } from './mp-nlri';
import * as mpReach from './mp-reach';
import * as mpUnreach from './mp-unreach';
import * as nextHop from './next-hop';
import * as origin from './origin';
import * as originatorId from './originator-id';
import * as pmsiTunnel from './pmsi-tunnel';
import { isUnknownAttr, type AttrMap, type KnownAttr, type PathAttribute } from './types';
import * as unknown from './unknown';

/*
 * The Path Attributes field of an UPDATE (RFC 4271 §4.3): attributes back to
 * back, each a header (see ./attribute.ts) and a value. Encoding lays them
 * out in the given order; decoding keeps the received order.
 *
 * Decoding applies RFC 7606 instead of throwing: every problem becomes an
 * UpdateFault with the action the RFC assigns, decoding goes on, and the
 * strongest action wins (§3 h). Only a bug throws anything but DecodeError,
 * and this module throws nothing for any input.
 */

export type { UpdateCtx, UpdateFault } from './attribute';
export * from './types';

interface Spec {
  name: string;
  /** The O and T bits the attribute must have (RFC 7606 §3 c). */
  flags: number;
  /** Action for a malformed value. */
  malformed: Action;
  /** Subcode when the decoder threw a plain DecodeError (a truncated field). */
  subcode: UpdateSub;
  /** Discarded when received from an external peer (RFC 7606 §7.5, §7.9, §7.10). */
  ibgpOnly?: boolean;
  /** Discarded between two 4-octet-AS speakers (RFC 6793 §3). */
  oldSpeakerOnly?: boolean;
  decode(r: Reader, flags: number, ctx: UpdateCtx): KnownAttr;
  encodingLength(a: KnownAttr, ctx: BgpCtx): number;
  encode(a: KnownAttr, buf: Uint8Array, off: number, ctx: BgpCtx): number;
}

interface Codec<A> {
  decode(r: Reader, flags: number, ctx: UpdateCtx): A;
  encodingLength(a: A, ctx: BgpCtx): number;
  encode(a: A, buf: Uint8Array, off: number, ctx: BgpCtx): number;
}

const SPECS = new Map<number, Spec>();

function define<K extends keyof AttrMap>(type: K, meta: Omit<Spec, keyof Codec<KnownAttr>>, codec: Codec<AttrMap[K]>): void {
  SPECS.set(type, { ...meta, ...(codec as unknown as Codec<KnownAttr>) });
}

const TAW = Action.TREAT_AS_WITHDRAW;
const DISCARD = Action.ATTRIBUTE_DISCARD;
const LEN = UpdateSub.ATTRIBUTE_LENGTH_ERROR;
const OPT = UpdateSub.OPTIONAL_ATTRIBUTE_ERROR;

// RFC 7606 §3 e: malformed ORIGIN, AS_PATH, NEXT_HOP, MED, LOCAL_PREF → treat-as-withdraw.
define(AttrType.ORIGIN, { name: 'ORIGIN', flags: WELL_KNOWN, malformed: TAW, subcode: LEN }, origin);
define(AttrType.AS_PATH, { name: 'AS_PATH', flags: WELL_KNOWN, malformed: TAW, subcode: UpdateSub.MALFORMED_AS_PATH }, asPath);
define(AttrType.NEXT_HOP, { name: 'NEXT_HOP', flags: WELL_KNOWN, malformed: TAW, subcode: LEN }, nextHop);
define(AttrType.MULTI_EXIT_DISC, { name: 'MULTI_EXIT_DISC', flags: OPTIONAL_NON_TRANSITIVE, malformed: TAW, subcode: LEN }, med);
define(AttrType.LOCAL_PREF, { name: 'LOCAL_PREF', flags: WELL_KNOWN, malformed: TAW, subcode: LEN, ibgpOnly: true }, localPref);
// RFC 7606 §3 f, §7.6, §7.7: malformed ATOMIC_AGGREGATE, AGGREGATOR → attribute discard.
define(AttrType.ATOMIC_AGGREGATE, { name: 'ATOMIC_AGGREGATE', flags: WELL_KNOWN, malformed: DISCARD, subcode: LEN }, atomicAggregate);
define(AttrType.AGGREGATOR, { name: 'AGGREGATOR', flags: OPTIONAL_TRANSITIVE, malformed: DISCARD, subcode: LEN }, aggregator);
// RFC 7606 §7.8.
define(AttrType.COMMUNITIES, { name: 'COMMUNITIES', flags: OPTIONAL_TRANSITIVE, malformed: TAW, subcode: OPT }, communities);
// RFC 7606 §7.9, §7.10.
define(
  AttrType.ORIGINATOR_ID,
  { name: 'ORIGINATOR_ID', flags: OPTIONAL_NON_TRANSITIVE, malformed: TAW, subcode: OPT, ibgpOnly: true },
  originatorId,
);
define(
  AttrType.CLUSTER_LIST,
  { name: 'CLUSTER_LIST', flags: OPTIONAL_NON_TRANSITIVE, malformed: TAW, subcode: OPT, ibgpOnly: true },
  clusterList,
);
// RFC 7606 §7.11, §7.12, §5.3: the action depends on whether AFI/SAFI could be read (see mpFault).
define(AttrType.MP_REACH_NLRI, { name: 'MP_REACH_NLRI', flags: OPTIONAL_NON_TRANSITIVE, malformed: Action.AFI_SAFI_DISABLE, subcode: OPT }, mpReach);
define(
  AttrType.MP_UNREACH_NLRI,
  { name: 'MP_UNREACH_NLRI', flags: OPTIONAL_NON_TRANSITIVE, malformed: Action.AFI_SAFI_DISABLE, subcode: OPT },
  mpUnreach,
);
// RFC 7606 §7.14.
define(AttrType.EXTENDED_COMMUNITIES, { name: 'EXTENDED_COMMUNITIES', flags: OPTIONAL_TRANSITIVE, malformed: TAW, subcode: OPT }, extCommunities);
// RFC 6793 §6: malformed AS4_PATH / AS4_AGGREGATOR → attribute discard.
define(AttrType.AS4_PATH, { name: 'AS4_PATH', flags: OPTIONAL_TRANSITIVE, malformed: DISCARD, subcode: OPT, oldSpeakerOnly: true }, as4Path);
define(
  AttrType.AS4_AGGREGATOR,
  { name: 'AS4_AGGREGATOR', flags: OPTIONAL_TRANSITIVE, malformed: DISCARD, subcode: OPT, oldSpeakerOnly: true },
  as4Aggregator,
);
// See pmsi-tunnel.ts for why treat-as-withdraw.
define(AttrType.PMSI_TUNNEL, { name: 'PMSI_TUNNEL', flags: OPTIONAL_TRANSITIVE, malformed: TAW, subcode: OPT }, pmsiTunnel);
// RFC 8092 §6.
define(AttrType.LARGE_COMMUNITY, { name: 'LARGE_COMMUNITY', flags: OPTIONAL_TRANSITIVE, malformed: TAW, subcode: OPT }, largeCommunities);

export function attrName(type: number): string {
  return SPECS.get(type)?.name ?? `attribute ${type}`;
}

/** The flags an originated attribute carries: O/T per its definition, unknown types optional transitive. */
export function defaultFlags(type: number): number {
  return SPECS.get(type)?.flags ?? OPTIONAL_TRANSITIVE;
}

// ---------------------------------------------------------------- encoding

function valueLength(a: PathAttribute, ctx: BgpCtx): number {
  if (isUnknownAttr(a)) return unknown.encodingLength(a);
  const spec = SPECS.get(a.type);
  if (!spec) throw new RangeError(`no codec for attribute type ${a.type}`);
  return spec.encodingLength(a, ctx);
}

function headerLength(flags: number, valueLen: number): number {
  return (flags & AttrFlag.EXTENDED_LENGTH) !== 0 || valueLen > 255 ? 4 : 3;
}

/** Octets of one attribute, header included. */
export function attributeLength(a: PathAttribute, ctx: BgpCtx): number {
  const v = valueLength(a, ctx);
  return headerLength(a.flags, v) + v;
}

export function encodingLength(attrs: readonly PathAttribute[], ctx: BgpCtx): number {
  let n = 0;
  for (const a of attrs) n += attributeLength(a, ctx);
  return n;
}

function encodeValue(a: PathAttribute, buf: Uint8Array, off: number, ctx: BgpCtx): number {
  return isUnknownAttr(a) ? unknown.encode(a, buf, off) : SPECS.get(a.type)!.encode(a, buf, off, ctx);
}

/**
 * Writes one attribute. The flags are written as given, except that the
 * Extended Length bit is added when the value needs more than 255 octets.
 * With the bit already set the value is written first and its length filled
 * in after, so no length is computed twice. Throws RangeError on values that
 * cannot be encoded.
 */
export function encodeAttribute(a: PathAttribute, buf: Uint8Array, off: number, ctx: BgpCtx): number {
  if (!Number.isInteger(a.type) || a.type < 0 || a.type > 255) throw new RangeError(`attribute type out of range: ${a.type}`);
  if (!Number.isInteger(a.flags) || a.flags < 0 || a.flags > 255) throw new RangeError(`attribute flags out of range: ${a.flags}`);
  if (!isUnknownAttr(a) && !SPECS.has(a.type)) throw new RangeError(`no codec for attribute type ${a.type}`);
  buf[off] = a.flags;
  buf[off + 1] = a.type;
  if (a.flags & AttrFlag.EXTENDED_LENGTH) {
    const end = encodeValue(a, buf, off + 4, ctx);
    const v = end - off - 4;
    if (v > 0xffff) throw new RangeError(`attribute ${a.type} value of ${v} octets does not fit`);
    buf[off + 2] = v >>> 8;
    buf[off + 3] = v & 0xff;
    return end;
  }
  const v = valueLength(a, ctx);
  if (v > 0xffff) throw new RangeError(`attribute ${a.type} value of ${v} octets does not fit`);
  const ext = v > 255;
  if (ext) {
    buf[off] = a.flags | AttrFlag.EXTENDED_LENGTH;
    buf[off + 2] = v >>> 8;
  }
  buf[off + (ext ? 3 : 2)] = v & 0xff;
  const start = off + (ext ? 4 : 3);
  const end = encodeValue(a, buf, start, ctx);
  if (end !== start + v) throw new Error(`attribute ${a.type}: encodingLength ${v} but encode wrote ${end - start}`);
  return end;
}

export function encode(attrs: readonly PathAttribute[], buf: Uint8Array, off: number, ctx: BgpCtx): number {
  for (const a of attrs) off = encodeAttribute(a, buf, off, ctx);
  return off;
}

// ---------------------------------------------------------------- decoding

export interface AttrListResult {
  /** The attributes kept, in received order: malformed and discarded ones are left out. */
  attributes: PathAttribute[];
  faults: UpdateFault[];
  /** The strongest action of all faults (RFC 7606 §3 h); NONE without faults. */
  action: Action;
  /** Type codes that appeared on the wire, kept or not (for the RFC 7606 §3 d and §5.2 checks). */
  seen: Set<number>;
}

function isMp(type: number): boolean {
  return type === AttrType.MP_REACH_NLRI || type === AttrType.MP_UNREACH_NLRI;
}

/**
 * Decodes the Path Attributes field that fills `r`, applying RFC 7606.
 * Never throws for any input.
 */
export function decode(r: Reader, ctx: UpdateCtx): AttrListResult {
  const attributes: PathAttribute[] = [];
  const faults: UpdateFault[] = [];
  const seen = new Set<number>();
  let action = Action.NONE;
  const buf = r.buf;

  const add = (f: UpdateFault): void => {
    faults.push(f);
    action = strongest(action, f.action);
  };

  while (!r.atEnd) {
    const start = r.pos;
    const left = r.remaining;
    const flags = buf[start]!;
    const type = left >= 2 ? buf[start + 1]! : -1;
    const hdr = flags & AttrFlag.EXTENDED_LENGTH ? 4 : 3;

    // RFC 7606 §4: too few octets for an attribute header, or a length that
    // runs past the Path Attributes field. The Total Attribute Length still
    // locates the NLRI field, so this is treat-as-withdraw, unless the broken
    // attribute is MP_REACH/MP_UNREACH: its NLRI then cannot be parsed, and
    // §3 j leaves only session reset.
    const len = left < hdr ? -1 : hdr === 4 ? (buf[start + 2]! << 8) | buf[start + 3]! : buf[start + 2]!;
    if (len < 0 || len > left - hdr) {
      if (type >= 0) seen.add(type);
      const why =
        len < 0
          ? `${left} octet(s) left, too few for an attribute header`
          : `${attrName(type)} length ${len} overruns the attribute field (${left - hdr} left)`;
      add({
        attrType: type,
        action: isMp(type) ? Action.SESSION_RESET : Action.TREAT_AS_WITHDRAW,
        subcode: isMp(type) ? UpdateSub.ATTRIBUTE_LENGTH_ERROR : UpdateSub.MALFORMED_ATTRIBUTE_LIST,
        reason: `RFC 7606 §4: ${why}`,
        data: buf.slice(start, r.end),
      });
      r.pos = r.end;
      break;
    }
    r.pos = start + hdr;
    const value = r.sub(len);
    const end = start + hdr + len;

    // RFC 7606 §3 g: MP_REACH/MP_UNREACH more than once is Malformed Attribute
    // List; any other attribute keeps its first occurrence only.
    if (seen.has(type)) {
      if (isMp(type)) {
        add({
          attrType: type,
          action: Action.SESSION_RESET,
          subcode: UpdateSub.MALFORMED_ATTRIBUTE_LIST,
          reason: `RFC 7606 §3 g: ${attrName(type)} appears more than once`,
        });
      } else {
        add({
          attrType: type,
          action: Action.ATTRIBUTE_DISCARD,
          subcode: UpdateSub.MALFORMED_ATTRIBUTE_LIST,
          reason: `RFC 7606 §3 g: repeated ${attrName(type)} discarded`,
        });
      }
      continue;
    }
    seen.add(type);

    const spec = SPECS.get(type);
    if (!spec) {
      // RFC 4271 §6.3 (unchanged by RFC 7606): an unrecognized well-known attribute is a session error.
      if ((flags & AttrFlag.OPTIONAL) === 0) {
        add({
          attrType: type,
          action: Action.SESSION_RESET,
          subcode: UpdateSub.UNRECOGNIZED_WELL_KNOWN_ATTRIBUTE,
          reason: `RFC 4271 §6.3: unrecognized well-known attribute ${type}`,
          data: buf.slice(start, end),
        });
      } else {
        attributes.push(unknown.decode(value, type, flags));
      }
      continue;
    }

    if (spec.ibgpOnly && !ctx.ibgp) {
      add({
        attrType: type,
        action: Action.ATTRIBUTE_DISCARD,
        subcode: spec.subcode,
        reason: `${malformedRule(type)}: ${spec.name} from an external peer discarded`,
      });
      continue;
    }
    if (spec.oldSpeakerOnly && ctx.fourOctetAs) {
      add({
        attrType: type,
        action: Action.ATTRIBUTE_DISCARD,
        subcode: spec.subcode,
        reason: `RFC 6793 §3: ${spec.name} between 4-octet AS speakers discarded`,
      });
      continue;
    }

    // RFC 7606 §3 c: O or T bit in conflict → treat-as-withdraw, except for
    // MP_REACH/MP_UNREACH where §5.3 makes it an NLRI error (AFI/SAFI
    // disable, or session reset when the family cannot be read).
    if ((flags & FLAG_CLASS_MASK) !== spec.flags) {
      const reason = `RFC 7606 §3 c: ${spec.name} flags 0x${flags.toString(16)} conflict with its O/T bits 0x${spec.flags.toString(16)}`;
      if (isMp(type)) {
        const afi = len >= 2 ? (buf[value.pos]! << 8) | buf[value.pos + 1]! : undefined;
        const safi = len >= 3 ? buf[value.pos + 2] : undefined;
        add(mpFault(type, afi, safi, `${reason} (RFC 7606 §5.3)`, UpdateSub.ATTRIBUTE_FLAGS_ERROR, buf.slice(start, end)));
      } else {
        add({ attrType: type, action: Action.TREAT_AS_WITHDRAW, subcode: UpdateSub.ATTRIBUTE_FLAGS_ERROR, reason, data: buf.slice(start, end) });
      }
      continue;
    }

    try {
      attributes.push(spec.decode(value, flags, ctx));
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      if (e instanceof WithdrawableMpAttribute) {
        // Every NLRI boundary intact, some NLRI malformed: the neighbours of
        // the bad NLRI are read exactly, so treat-as-withdraw is safe and
        // the least disruptive action (RFC 7606 §2, §5.4); the well-formed
        // NLRI stay in the attribute for the withdrawal. §5.3 (AFI/SAFI
        // disable) is for a lost boundary only.
        if (e.attribute !== null) attributes.push(e.attribute as KnownAttr);
        add({
          attrType: type,
          action: Action.TREAT_AS_WITHDRAW,
          subcode: e.subcode,
          reason: `RFC 7606 §2, §5.4: ${e.message}`,
          afi: e.afi,
          safi: e.safi,
          data: buf.slice(start, end),
        });
      } else if (e instanceof MalformedMpAttribute) {
        add(mpFault(type, e.afi, e.safi, e.message, e.subcode, buf.slice(start, end)));
      } else {
        add({
          attrType: type,
          action: spec.malformed,
          subcode: e instanceof MalformedAttribute ? e.subcode : spec.subcode,
          reason: `${malformedRule(type)}: ${e.message}`,
          data: buf.slice(start, end),
        });
      }
    }
  }
  return { attributes, faults, action, seen };
}

/** RFC 7606 §2 allows AFI/SAFI disable where session reset is prescribed, but only when the family is known. */
function mpFault(type: number, afi: number | undefined, safi: number | undefined, reason: string, subcode: UpdateSub, data: Uint8Array): UpdateFault {
  const known = afi !== undefined && safi !== undefined;
  const f: UpdateFault = {
    attrType: type,
    action: known ? Action.AFI_SAFI_DISABLE : Action.SESSION_RESET,
    subcode,
    reason: `RFC 7606 §${type === AttrType.MP_REACH_NLRI ? '7.11' : '7.12'}: ${reason}`,
    data,
  };
  if (known) {
    f.afi = afi;
    f.safi = safi;
  }
  return f;
}

function malformedRule(type: number): string {
  switch (type) {
    case AttrType.ORIGIN:
      return 'RFC 7606 §7.1';
    case AttrType.AS_PATH:
      return 'RFC 7606 §7.2';
    case AttrType.NEXT_HOP:
      return 'RFC 7606 §7.3';
    case AttrType.MULTI_EXIT_DISC:
      return 'RFC 7606 §7.4';
    case AttrType.LOCAL_PREF:
      return 'RFC 7606 §7.5';
    case AttrType.ATOMIC_AGGREGATE:
      return 'RFC 7606 §7.6';
    case AttrType.AGGREGATOR:
      return 'RFC 7606 §7.7';
    case AttrType.COMMUNITIES:
      return 'RFC 7606 §7.8';
    case AttrType.ORIGINATOR_ID:
      return 'RFC 7606 §7.9';
    case AttrType.CLUSTER_LIST:
      return 'RFC 7606 §7.10';
    case AttrType.EXTENDED_COMMUNITIES:
      return 'RFC 7606 §7.14';
    case AttrType.AS4_PATH:
    case AttrType.AS4_AGGREGATOR:
      return 'RFC 6793 §6';
    case AttrType.PMSI_TUNNEL:
      return 'RFC 6514 §5 / RFC 7606 §2';
    case AttrType.LARGE_COMMUNITY:
      return 'RFC 8092 §6';
    default:
      return 'malformed';
  }
}
