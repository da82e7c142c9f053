import { DecodeError } from '../../util/errors';
import type { Ip } from '../../util/ip';
import type { Reader } from '../../util/reader';
import * as attrs from './attributes/index';
import type { AttrMap, MpReachAttr, MpUnreachAttr, PathAttribute, UpdateCtx, UpdateFault } from './attributes/index';
import { isUnknownAttr } from './attributes/index';
import { emptyNlri, isEmptyNlri, type MpNlri } from './attributes/mp-nlri';
import { afiSafiKey, type BgpCtx } from './context';
import { Action, BgpError, ErrCode, UpdateSub, strongest } from './errors';
import type { EvpnNlri } from './evpn/types';
import * as header from './header';
import { Afi, AttrType, BGP_HEADER_LENGTH, MsgType, Safi } from './iana';
import * as prefix from './prefix';
import type { Prefix } from './prefix';

/*
 * UPDATE message (RFC 4271 §4.3), after the 19-octet header:
 *
 *   +-----------------------------------------------------+
 *   |   Withdrawn Routes Length (2 octets)                |
 *   +-----------------------------------------------------+
 *   |   Withdrawn Routes (variable)                       |
 *   +-----------------------------------------------------+
 *   |   Total Path Attribute Length (2 octets)            |
 *   +-----------------------------------------------------+
 *   |   Path Attributes (variable)                        |
 *   +-----------------------------------------------------+
 *   |   Network Layer Reachability Information (variable) |
 *   +-----------------------------------------------------+
 *
 * Withdrawn Routes and NLRI hold IPv4 unicast prefixes (with RFC 7911 path
 * identifiers when ADD-PATH is negotiated for 1/1). Every other family,
 * EVPN included, travels in MP_REACH_NLRI / MP_UNREACH_NLRI.
 *
 * Decoding throws only when the message cannot be split into its three
 * fields (BgpError 3/1, RFC 7606 §3 b); everything else is reported as RFC
 * 7606 faults with the strongest action, next to the decoded values.
 */

export interface Update {
  withdrawn: Prefix[];
  /** In wire order. */
  attributes: PathAttribute[];
  nlri: Prefix[];
}

export interface DecodedUpdate extends Update {
  faults: UpdateFault[];
  /** What the receiver must do with this UPDATE (RFC 7606 §2); NONE when it is clean. */
  action: Action;
}

const IPV4_UNICAST = afiSafiKey(Afi.IPV4, Safi.UNICAST);

// ---------------------------------------------------------------- encoding

function bodyLength(u: Update, ctx: BgpCtx): { w: number; a: number; n: number } {
  const addPath = ctx.addPathRx.has(IPV4_UNICAST);
  return {
    w: prefix.listEncodingLength(u.withdrawn, addPath),
    a: attrs.encodingLength(u.attributes, ctx),
    n: prefix.listEncodingLength(u.nlri, addPath),
  };
}

/** Octets of the whole message, header included. */
export function encodingLength(u: Update, ctx: BgpCtx): number {
  const { w, a, n } = bodyLength(u, ctx);
  return BGP_HEADER_LENGTH + 2 + w + 2 + a + n;
}

/**
 * Writes the whole message into a buffer of at least encodingLength octets;
 * the length fields are filled in after their fields are written. Throws
 * RangeError if the message exceeds the negotiated maximum (4096, or 65535
 * with RFC 8654 extended messages) or a value cannot be encoded.
 */
export function encode(u: Update, buf: Uint8Array, off: number, ctx: BgpCtx): number {
  const start = off;
  const addPath = ctx.addPathRx.has(IPV4_UNICAST);
  off += BGP_HEADER_LENGTH;
  const wAt = off;
  off = prefix.encodeList(u.withdrawn, buf, off + 2, addPath);
  patch16(buf, wAt, off - wAt - 2, 'Withdrawn Routes');
  const aAt = off;
  off = attrs.encode(u.attributes, buf, off + 2, ctx);
  patch16(buf, aAt, off - aAt - 2, 'Path Attributes');
  off = prefix.encodeList(u.nlri, buf, off, addPath);
  const length = off - start;
  const max = header.maxMessageLength(MsgType.UPDATE, ctx.extendedMessage);
  if (length > max) throw new RangeError(`UPDATE of ${length} octets exceeds the maximum of ${max}`);
  header.encode({ length, type: MsgType.UPDATE }, buf, start);
  return off;
}

function patch16(buf: Uint8Array, at: number, v: number, field: string): void {
  if (v > 0xffff) throw new RangeError(`${field} field of ${v} octets does not fit`);
  buf[at] = v >>> 8;
  buf[at + 1] = v & 0xff;
}

export function encodeToBytes(u: Update, ctx: BgpCtx): Uint8Array {
  const buf = new Uint8Array(encodingLength(u, ctx));
  encode(u, buf, 0, ctx);
  return buf;
}

// ---------------------------------------------------------------- decoding

/** A whole UPDATE message, header included; `r` moves past it. */
export function decode(r: Reader, ctx: UpdateCtx): DecodedUpdate {
  return decodeBody(header.bodyOf(r, MsgType.UPDATE, ctx), ctx);
}

function malformedList(message: string, offset: number): BgpError {
  return new BgpError(message, ErrCode.UPDATE_MESSAGE, UpdateSub.MALFORMED_ATTRIBUTE_LIST, new Uint8Array(0), offset);
}

/** Decodes IPv4 prefixes; a syntax error is recorded as a fault and ends the field (RFC 7606 §5.3). */
function prefixField(r: Reader, addPath: boolean, field: string, faults: UpdateFault[]): Prefix[] {
  const out: Prefix[] = [];
  try {
    while (!r.atEnd) out.push(prefix.decode(r, 4, addPath));
  } catch (e) {
    if (!(e instanceof DecodeError)) throw e;
    // RFC 7606 §3 i, §3 j, §5.3: the routes of the field cannot all be
    // identified, so treat-as-withdraw is impossible; §2 lets IPv4 unicast be
    // disabled instead of resetting the session.
    faults.push({
      attrType: -1,
      action: Action.AFI_SAFI_DISABLE,
      subcode: UpdateSub.INVALID_NETWORK_FIELD,
      reason: `RFC 7606 §5.3: ${field} field: ${e.message}`,
      afi: Afi.IPV4,
      safi: Safi.UNICAST,
    });
  }
  return out;
}

/**
 * Decodes an UPDATE body (the octets after the header). Throws BgpError 3/1
 * if the Withdrawn Routes Length or Total Path Attribute Length overruns the
 * message (RFC 4271 §6.3, RFC 7606 §3 b); never throws otherwise.
 */
export function decodeBody(r: Reader, ctx: UpdateCtx): DecodedUpdate {
  const start = r.pos;
  if (r.remaining < 4) throw malformedList(`UPDATE body of ${r.remaining} octets is shorter than its two length fields`, start);
  const wLen = r.u16();
  if (wLen + 2 > r.remaining) {
    throw malformedList(`Withdrawn Routes Length ${wLen} + Total Path Attribute Length overrun the message`, start);
  }
  const wr = r.sub(wLen);
  const aLen = r.u16();
  if (aLen > r.remaining) {
    throw malformedList(`Total Path Attribute Length ${aLen} overruns the message (${r.remaining} left)`, start + 2 + wLen);
  }
  const ar = r.sub(aLen);
  const nr = r.sub(r.remaining);

  const faults: UpdateFault[] = [];
  const addPath = ctx.addPathRx.has(IPV4_UNICAST);
  const withdrawn = prefixField(wr, addPath, 'Withdrawn Routes', faults);
  const list = attrs.decode(ar, ctx);
  faults.push(...list.faults);
  const nlri = prefixField(nr, addPath, 'NLRI', faults);
  const attributes = list.attributes;

  const reach = findAttr(attributes, AttrType.MP_REACH_NLRI);
  // A malformed MP_REACH_NLRI counts as reachable: it already carries a stronger action.
  const reachable = nlri.length > 0 || (reach ? !isEmptyNlri(reach.nlri) : list.seen.has(AttrType.MP_REACH_NLRI));

  // RFC 7606 §3 d: a missing well-known mandatory attribute is treat-as-withdraw.
  // They are needed only when the UPDATE announces something; NEXT_HOP only for
  // the NLRI field (RFC 4760 §3).
  if (reachable) {
    const needed = nlri.length > 0 ? [AttrType.ORIGIN, AttrType.AS_PATH, AttrType.NEXT_HOP] : [AttrType.ORIGIN, AttrType.AS_PATH];
    for (const t of needed) {
      if (!list.seen.has(t)) {
        faults.push({
          attrType: t,
          action: Action.TREAT_AS_WITHDRAW,
          subcode: UpdateSub.MISSING_WELL_KNOWN_ATTRIBUTE,
          reason: `RFC 7606 §3 d: well-known mandatory ${attrs.attrName(t)} is missing`,
          // RFC 4271 §6.3: the Data field holds the type code of the missing attribute.
          data: Uint8Array.of(t),
        });
      }
    }
  }

  // RFC 7606 §5.2: an UPDATE with path attributes (other than only
  // MP_UNREACH_NLRI) but no reachable NLRI has nothing to withdraw, so any
  // fault that asks for more than attribute discard becomes a session reset.
  const onlyUnreach = list.seen.size === 1 && list.seen.has(AttrType.MP_UNREACH_NLRI);
  let action = Action.NONE;
  for (const f of faults) {
    if (!reachable && list.seen.size > 0 && !onlyUnreach && f.action === Action.TREAT_AS_WITHDRAW) {
      f.action = Action.SESSION_RESET;
      f.reason += ' (RFC 7606 §5.2: no reachable NLRI, so session reset)';
    }
    action = strongest(action, f.action);
  }
  return { withdrawn, attributes, nlri, faults, action };
}

/**
 * The NOTIFICATION to send for a session-reset UPDATE: the first fault that
 * asks for it. Null when the action is weaker.
 */
export function notificationFor(u: DecodedUpdate): BgpError | null {
  if (u.action !== Action.SESSION_RESET) return null;
  const f = u.faults.find((x) => x.action === Action.SESSION_RESET)!;
  return new BgpError(f.reason, ErrCode.UPDATE_MESSAGE, f.subcode, f.data ?? new Uint8Array(0));
}

// ---------------------------------------------------------------- accessors

function findAttr<K extends keyof AttrMap>(list: readonly PathAttribute[], type: K): AttrMap[K] | undefined {
  for (const a of list) if (a.type === type && !isUnknownAttr(a)) return a as AttrMap[K];
  return undefined;
}

/** The first attribute of a known type, typed. */
export function getAttr<K extends keyof AttrMap>(u: Pick<Update, 'attributes'>, type: K): AttrMap[K] | undefined {
  return findAttr(u.attributes, type);
}

export function getMpReach(u: Pick<Update, 'attributes'>): MpReachAttr | undefined {
  return findAttr(u.attributes, AttrType.MP_REACH_NLRI);
}

export function getMpUnreach(u: Pick<Update, 'attributes'>): MpUnreachAttr | undefined {
  return findAttr(u.attributes, AttrType.MP_UNREACH_NLRI);
}

/** EVPN routes announced by the UPDATE (MP_REACH_NLRI 25/70). */
export function evpnReach(u: Pick<Update, 'attributes'>): EvpnNlri[] {
  const a = getMpReach(u);
  return a && a.nlri.kind === 'evpn' ? a.nlri.routes : [];
}

/** EVPN routes withdrawn by the UPDATE (MP_UNREACH_NLRI 25/70). */
export function evpnUnreach(u: Pick<Update, 'attributes'>): EvpnNlri[] {
  const a = getMpUnreach(u);
  return a && a.nlri.kind === 'evpn' ? a.nlri.routes : [];
}

/**
 * The next hop of the announced routes: the (first, global) MP_REACH_NLRI
 * next hop if there is one, else NEXT_HOP.
 */
export function nextHopOf(u: Pick<Update, 'attributes'>): Ip | undefined {
  const mp = getMpReach(u);
  if (mp && Array.isArray(mp.nextHop)) return mp.nextHop[0];
  return getAttr(u, AttrType.NEXT_HOP)?.nextHop;
}

// ---------------------------------------------------------------- End-of-RIB

/**
 * RFC 4724 §2: IPv4 unicast End-of-RIB is an UPDATE with nothing in it; for
 * other families it is an UPDATE holding only an MP_UNREACH_NLRI of the
 * family with no withdrawn routes.
 */
export function isEndOfRib(u: Update): { afi: number; safi: number } | null {
  if (u.withdrawn.length > 0 || u.nlri.length > 0) return null;
  if (u.attributes.length === 0) return { afi: Afi.IPV4, safi: Safi.UNICAST };
  if (u.attributes.length !== 1) return null;
  const a = u.attributes[0]!;
  if (isUnknownAttr(a) || a.type !== AttrType.MP_UNREACH_NLRI || !isEmptyNlri(a.nlri)) return null;
  return { afi: a.afi, safi: a.safi };
}

export function buildEndOfRib(afi: number, safi: number): Update {
  if (afi === Afi.IPV4 && safi === Safi.UNICAST) return { withdrawn: [], attributes: [], nlri: [] };
  return {
    withdrawn: [],
    attributes: [{ type: AttrType.MP_UNREACH_NLRI, flags: attrs.defaultFlags(AttrType.MP_UNREACH_NLRI), afi, safi, nlri: emptyNlri(afi, safi) }],
    nlri: [],
  };
}

// ---------------------------------------------------------------- building

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** An attribute to originate: flags may be left out and default to the attribute's O/T bits. */
export type AttrInit = DistributiveOmit<PathAttribute, 'flags'> & { flags?: number };

export interface UpdateInit {
  withdrawn?: Prefix[];
  attributes?: AttrInit[];
  nlri?: Prefix[];
}

function canonicalRank(type: number): number {
  if (type === AttrType.MP_REACH_NLRI) return -2;
  if (type === AttrType.MP_UNREACH_NLRI) return -1;
  return type;
}

/**
 * An UPDATE for routes we originate: attributes in canonical order
 * (MP_REACH_NLRI, MP_UNREACH_NLRI first as RFC 7606 §5.1 asks, then by type
 * code), default flags filled in. Throws RangeError on a repeated type.
 */
export function buildUpdate(init: UpdateInit): Update {
  const attributes = (init.attributes ?? []).map(
    (a) => ({ ...a, flags: a.flags ?? attrs.defaultFlags(a.type) }) as PathAttribute,
  );
  attributes.sort((x, y) => canonicalRank(x.type) - canonicalRank(y.type));
  for (let i = 1; i < attributes.length; i++) {
    if (attributes[i]!.type === attributes[i - 1]!.type) throw new RangeError(`attribute ${attributes[i]!.type} given twice`);
  }
  return { withdrawn: init.withdrawn ?? [], attributes, nlri: init.nlri ?? [] };
}

/**
 * The withdrawal an UPDATE turns into under treat-as-withdraw (RFC 7606 §2):
 * every route it announces or withdraws, announced ones included, as a
 * withdrawal with no other attributes.
 */
export function asWithdrawal(u: Update): Update {
  const byFamily = new Map<string, MpUnreachAttr>();
  for (const a of u.attributes) {
    if (isUnknownAttr(a) || (a.type !== AttrType.MP_REACH_NLRI && a.type !== AttrType.MP_UNREACH_NLRI)) continue;
    const key = afiSafiKey(a.afi, a.safi);
    const cur = byFamily.get(key);
    const flags = attrs.defaultFlags(AttrType.MP_UNREACH_NLRI);
    if (!cur) byFamily.set(key, { type: AttrType.MP_UNREACH_NLRI, flags, afi: a.afi, safi: a.safi, nlri: a.nlri });
    else cur.nlri = joinNlri(cur.nlri, a.nlri);
  }
  return { withdrawn: [...u.withdrawn, ...u.nlri], attributes: [...byFamily.values()], nlri: [] };
}

function joinNlri(a: MpNlri, b: MpNlri): MpNlri {
  if (a.kind === 'evpn' && b.kind === 'evpn') return { kind: 'evpn', routes: [...a.routes, ...b.routes] };
  if (a.kind === 'prefix' && b.kind === 'prefix') return { kind: 'prefix', prefixes: [...a.prefixes, ...b.prefixes] };
  if (a.kind === 'raw' && b.kind === 'raw') {
    const raw = new Uint8Array(a.raw.length + b.raw.length);
    raw.set(a.raw);
    raw.set(b.raw, a.raw.length);
    return { kind: 'raw', raw };
  }
  throw new RangeError('cannot join NLRI of different kinds');
}
