import * as attrs from '../bgp/wire/attributes/index';
import type { PathAttribute } from '../bgp/wire/attributes/types';
import type { BgpCtx } from '../bgp/wire/context';
import { encodingLengthEvpnNlri } from '../bgp/wire/evpn/nlri';
import type { EvpnNlri } from '../bgp/wire/evpn/types';
import * as header from '../bgp/wire/header';
import { AttrFlag, AttrType, BGP_HEADER_LENGTH, MsgType } from '../bgp/wire/iana';
import type { AttrInit } from '../bgp/wire/update';
import { put16, toHex } from '../util/bytes';
import { ipLength, type Ip } from '../util/ip';
import type { FaultName } from './faults';
import type { InjectRoute, InjectSpec } from './spec';

/*
 * Turning a route file into UPDATE messages. Every attribute is encoded on
 * its own with the project's codecs, so that a fault (faults.ts) can change
 * exactly one attribute's octets and the outer lengths are then computed
 * from what is really there: a malformed UPDATE is malformed only in the
 * way asked for.
 *
 * Well-formed routes that share attributes and next hop are packed into one
 * MP_REACH_NLRI up to the message size limit (RFC 4271 §4: 4096 octets, or
 * 65535 with RFC 8654). A malformed route always travels alone.
 *
 * For an eBGP peer our AS is put in front of the AS_PATH (RFC 4271 §5.1.2);
 * an iBGP peer gets LOCAL_PREF 100 when the route has none (§5.1.5).
 */

export interface SessionFacts {
  localAs: number;
  peerAs: number;
  /** Next hop for routes that give none (the --next-hop option, or the session's local address). */
  defaultNextHop: Ip;
  /** The negotiated encoding: 4-octet AS, extended messages; ADD-PATH is never used for what we send. */
  ctx: BgpCtx;
}

export interface OutMessage {
  bytes: Uint8Array;
  /** Indexes into spec.routes of the routes this message carries. */
  routes: number[];
  fault?: FaultName;
}

/** A path attribute as its wire octets (header included). */
type Blob = Uint8Array;

function encodeOne(a: PathAttribute, ctx: BgpCtx): Blob {
  const b = new Uint8Array(attrs.attributeLength(a, ctx));
  attrs.encodeAttribute(a, b, 0, ctx);
  return b;
}

function typeOf(b: Blob): number {
  return b[1]!;
}

function valueOf(b: Blob): Uint8Array {
  return b.subarray(b[0]! & AttrFlag.EXTENDED_LENGTH ? 4 : 3);
}

/** An attribute with the same flags and type and another value; the Extended Length bit follows the flags or the size. */
function withValue(b: Blob, value: Uint8Array, flags = b[0]!): Blob {
  const ext = (flags & AttrFlag.EXTENDED_LENGTH) !== 0 || value.length > 255;
  const out = new Uint8Array((ext ? 4 : 3) + value.length);
  out[0] = ext ? flags | AttrFlag.EXTENDED_LENGTH : flags;
  out[1] = typeOf(b);
  if (ext) put16(out, 2, value.length);
  else out[2] = value.length;
  out.set(value, ext ? 4 : 3);
  return out;
}

function raw(flags: number, type: number, value: number[]): Blob {
  return Uint8Array.of(flags, type, value.length, ...value);
}

function withPrepend(list: AttrInit[], facts: SessionFacts): AttrInit[] {
  const ebgp = facts.localAs !== facts.peerAs;
  const out = list.map((a) => {
    if (!ebgp || a.type !== AttrType.AS_PATH || !('segments' in a)) return a;
    const segs = a.segments.map((s) => ({ ...s, asns: [...s.asns] }));
    if (segs[0]?.type === 2 && segs[0].asns.length < 255) segs[0].asns.unshift(facts.localAs);
    else segs.unshift({ type: 2, asns: [facts.localAs] });
    return { ...a, segments: segs };
  });
  if (!ebgp && !out.some((a) => a.type === AttrType.LOCAL_PREF)) out.push({ type: AttrType.LOCAL_PREF, localPref: 100 });
  return out;
}

/** The attributes of a route other than MP_REACH_NLRI, as wire octets, in type order (RFC 7606 §5.1 wants MP_REACH first). */
function attributeBlobs(r: InjectRoute, facts: SessionFacts): Blob[] {
  return withPrepend(r.attributes, facts)
    .map((a) => ({ ...a, flags: a.flags ?? attrs.defaultFlags(a.type) }) as PathAttribute)
    .sort((x, y) => x.type - y.type)
    .map((a) => encodeOne(a, facts.ctx));
}

function mpReach(nextHop: Ip, routes: EvpnNlri[], ctx: BgpCtx): Blob {
  return encodeOne(
    { type: AttrType.MP_REACH_NLRI, flags: attrs.defaultFlags(AttrType.MP_REACH_NLRI), afi: 25, safi: 70, nextHop: [nextHop], reserved: 0, nlri: { kind: 'evpn', routes } },
    ctx,
  );
}

function mpUnreach(routes: EvpnNlri[], ctx: BgpCtx): Blob {
  return encodeOne({ type: AttrType.MP_UNREACH_NLRI, flags: attrs.defaultFlags(AttrType.MP_UNREACH_NLRI), afi: 25, safi: 70, nlri: { kind: 'evpn', routes } }, ctx);
}

/** A whole UPDATE with no withdrawn routes and no IPv4 NLRI, from attribute octets. */
export function assembleUpdate(blobs: readonly Blob[]): Uint8Array {
  let n = 0;
  for (const b of blobs) n += b.length;
  const len = BGP_HEADER_LENGTH + 4 + n;
  const out = new Uint8Array(len);
  header.encode({ length: len, type: MsgType.UPDATE }, out, 0);
  let off = BGP_HEADER_LENGTH;
  off = put16(out, off, 0);
  off = put16(out, off, n);
  for (const b of blobs) {
    out.set(b, off);
    off += b.length;
  }
  return out;
}

function maxMessage(ctx: BgpCtx): number {
  return ctx.extendedMessage ? 65535 : 4096;
}

const SAMPLE_EXT: number[] = [0x03, 0x0c, 0, 0, 0, 0, 0, 8];

/** Applies a named fault to the attribute list of one route (MP_REACH_NLRI first). */
export function applyFault(fault: FaultName, list: Blob[]): Blob[] {
  const find = (t: number): number => list.findIndex((b) => typeOf(b) === t);
  const replaceOrAdd = (t: number, b: Blob): Blob[] => {
    const i = find(t);
    return i >= 0 ? list.map((x, j) => (j === i ? b : x)) : [...list, b];
  };
  switch (fault) {
    case 'ext-community-length': {
      const i = find(AttrType.EXTENDED_COMMUNITIES);
      const ec = i >= 0 ? list[i]! : raw(0xc0, AttrType.EXTENDED_COMMUNITIES, SAMPLE_EXT);
      const v = valueOf(ec);
      return replaceOrAdd(AttrType.EXTENDED_COMMUNITIES, withValue(ec, v.subarray(0, v.length - 1)));
    }
    case 'origin-value':
      return replaceOrAdd(AttrType.ORIGIN, raw(0x40, AttrType.ORIGIN, [3]));
    case 'origin-length':
      return replaceOrAdd(AttrType.ORIGIN, raw(0x40, AttrType.ORIGIN, [0, 0]));
    case 'origin-flags':
      return replaceOrAdd(AttrType.ORIGIN, raw(0xc0, AttrType.ORIGIN, [0]));
    case 'missing-origin':
      return list.filter((b) => typeOf(b) !== AttrType.ORIGIN);
    case 'missing-as-path':
      return list.filter((b) => typeOf(b) !== AttrType.AS_PATH);
    case 'as-path-segment-overrun': {
      const i = find(AttrType.AS_PATH);
      const ap = list[i]!;
      let v = valueOf(ap).slice();
      if (v.length === 0) v = Uint8Array.of(2, 1, 0, 0, 0xfd, 0xe9);
      v[1] = v[1]! + 1;
      return replaceOrAdd(AttrType.AS_PATH, withValue(ap, v));
    }
    case 'med-length':
      return replaceOrAdd(AttrType.MULTI_EXIT_DISC, raw(0x80, AttrType.MULTI_EXIT_DISC, [0, 0, 0]));
    case 'pmsi-length':
      return replaceOrAdd(AttrType.PMSI_TUNNEL, raw(0xc0, AttrType.PMSI_TUNNEL, [0, 6, 0]));
    case 'aggregator-length':
      return replaceOrAdd(AttrType.AGGREGATOR, raw(0xc0, AttrType.AGGREGATOR, [0, 0, 0, 0, 0]));
    case 'attribute-length-overrun': {
      const i = find(AttrType.EXTENDED_COMMUNITIES);
      const ec = i >= 0 ? list[i]! : raw(0xc0, AttrType.EXTENDED_COMMUNITIES, SAMPLE_EXT);
      const last = ec.slice();
      if (last[0]! & AttrFlag.EXTENDED_LENGTH) put16(last, 2, ((last[2]! << 8) | last[3]!) + 1);
      else last[2] = last[2]! + 1;
      return [...list.filter((b) => typeOf(b) !== AttrType.EXTENDED_COMMUNITIES), last];
    }
    case 'mp-reach-next-hop-length': {
      const i = find(AttrType.MP_REACH_NLRI);
      const v = valueOf(list[i]!);
      const nhLen = v[3]!;
      const out = new Uint8Array(v.length + 1);
      out.set(v.subarray(0, 4 + nhLen));
      out[3] = nhLen + 1;
      out.set(v.subarray(4 + nhLen), 5 + nhLen);
      return list.map((x, j) => (j === i ? withValue(x, out) : x));
    }
    case 'duplicate-mp-reach': {
      const i = find(AttrType.MP_REACH_NLRI);
      return [list[i]!, ...list];
    }
    case 'unknown-well-known':
      return [...list, raw(0x40, 240, [0])];
  }
}

/** Announcements: packed groups of well-formed routes, then each malformed route alone. */
export function buildAnnouncements(spec: InjectSpec, facts: SessionFacts): OutMessage[] {
  const faultOf = new Map<number, FaultName>();
  for (const f of spec.malformed) faultOf.set(f.route, f.fault);
  const max = maxMessage(facts.ctx);
  const out: OutMessage[] = [];
  const groups = new Map<string, { nextHop: Ip; blobs: Blob[]; routes: number[] }>();
  spec.routes.forEach((r, i) => {
    const nextHop = r.nextHop ?? facts.defaultNextHop;
    const blobs = attributeBlobs(r, facts);
    const fault = faultOf.get(i);
    if (fault !== undefined) {
      const list = applyFault(fault, [mpReach(nextHop, [{ route: r.route }], facts.ctx), ...blobs]);
      out.push({ bytes: assembleUpdate(list), routes: [i], fault });
      return;
    }
    const key = `${nextHop} ${blobs.map((b) => toHex(b)).join(' ')}`;
    const g = groups.get(key);
    if (g) g.routes.push(i);
    else groups.set(key, { nextHop, blobs, routes: [i] });
  });
  const packed: OutMessage[] = [];
  for (const g of groups.values()) {
    let fixed = BGP_HEADER_LENGTH + 4 + 4 + 5 + ipLength(g.nextHop);
    for (const b of g.blobs) fixed += b.length;
    let batch: number[] = [];
    let size = fixed;
    const flush = (): void => {
      if (!batch.length) return;
      const routes = batch.map((i) => ({ route: spec.routes[i]!.route }));
      packed.push({ bytes: assembleUpdate([mpReach(g.nextHop, routes, facts.ctx), ...g.blobs]), routes: batch });
      batch = [];
      size = fixed;
    };
    for (const i of g.routes) {
      const len = encodingLengthEvpnNlri({ route: spec.routes[i]!.route }, false);
      if (size + len > max) flush();
      if (fixed + len > max) throw new RangeError(`route ${i} (line ${spec.routes[i]!.line}) does not fit in one UPDATE`);
      batch.push(i);
      size += len;
    }
    flush();
  }
  return [...packed, ...out];
}

/** MP_UNREACH_NLRI withdrawals of the given routes, packed. */
export function buildWithdrawals(spec: InjectSpec, indexes: readonly number[], facts: SessionFacts): OutMessage[] {
  const max = maxMessage(facts.ctx);
  const out: OutMessage[] = [];
  let batch: number[] = [];
  let size = BGP_HEADER_LENGTH + 4 + 4 + 3;
  const flush = (): void => {
    if (!batch.length) return;
    out.push({ bytes: assembleUpdate([mpUnreach(batch.map((i) => ({ route: spec.routes[i]!.route })), facts.ctx)]), routes: batch });
    batch = [];
    size = BGP_HEADER_LENGTH + 4 + 4 + 3;
  };
  for (const i of indexes) {
    const len = encodingLengthEvpnNlri({ route: spec.routes[i]!.route }, false);
    if (size + len > max) flush();
    batch.push(i);
    size += len;
  }
  flush();
  return out;
}
