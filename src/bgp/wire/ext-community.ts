import { get16, get32, put16, put32 } from '../../util/bytes';
import { DecodeError } from '../../util/errors';
import { ipv4ToString, isIpv4, writeIpv4, type Ip } from '../../util/ip';
import { macToString, writeMac, type Mac } from '../../util/mac';
import type { Reader } from '../../util/reader';
import { ExtCommSubType, ExtCommType } from './iana';

/*
 * One extended community (RFC 4360 §2): always 8 octets.
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |  Type high    |  Type low     |          Value                |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   |                       Value (cont.)                           |
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * The kinds an EVPN VTEP acts on are decoded into values; every other
 * community, and any known one whose reserved octets are not zero, is kept as
 * its 8 raw octets so that it is forwarded and re-encoded unchanged (RFC 7606
 * §7.14: an unrecognized type or sub-type is not an error).
 */

export const EXT_COMMUNITY_LENGTH = 8;

/** The three Route Target / Route Origin encodings (RFC 4360 §4, RFC 5668 §2). */
export type RouteTarget =
  /** Type 0x00: 2-octet AS : 4-octet number. */
  | { form: 'as2'; asn: number; local: number }
  /** Type 0x01: IPv4 address : 2-octet number. */
  | { form: 'ipv4'; ip: Ip; local: number }
  /** Type 0x02: 4-octet AS : 2-octet number. */
  | { form: 'as4'; asn: number; local: number };

/** MAC mobility flag bit (RFC 7432 §7.7): the MAC is static and must not move. */
export const MAC_MOBILITY_STICKY = 0x01;
/** ESI label flag bit (RFC 7432 §7.5): the segment is single-active. */
export const ESI_LABEL_SINGLE_ACTIVE = 0x01;

export type ExtCommunity =
  /** Sub-type 0x02 of types 0x00/0x01/0x02 (RFC 4360 §4). */
  | ({ kind: 'route-target' } & RouteTarget)
  /** Sub-type 0x03 of types 0x00/0x01/0x02 (RFC 4360 §5). */
  | ({ kind: 'route-origin' } & RouteTarget)
  /** Opaque 0x03/0x0c (RFC 9012 §4.1): 4 reserved octets then the tunnel type (VXLAN = 8). */
  | { kind: 'encapsulation'; tunnelType: number }
  /** Opaque 0x03/0x0d (RFC 7432 §7.8): the route is the default gateway's; the value is 6 zero octets. */
  | { kind: 'default-gateway' }
  /**
   * EVPN 0x06/0x00 (RFC 7432 §7.7): flags (bit 0x01 sticky), 1 reserved
   * octet, 4-octet sequence number. The whole flags octet is kept so flag
   * bits defined later survive a round trip.
   */
  | { kind: 'mac-mobility'; flags: number; seq: number }
  /** EVPN 0x06/0x01 (RFC 7432 §7.5): flags (bit 0x01 single-active), 2 reserved octets, 3-octet label. */
  | { kind: 'esi-label'; flags: number; label: number }
  /** EVPN 0x06/0x02 (RFC 7432 §7.6): the ES-Import route target, a MAC. */
  | { kind: 'es-import'; mac: Mac }
  /** EVPN 0x06/0x03 (RFC 9135 §8.1): the Router's MAC used for symmetric IRB. */
  | { kind: 'router-mac'; mac: Mac }
  /** Anything else, as the 8 octets on the wire. */
  | { kind: 'raw'; raw: Uint8Array };

export function encodingLength(_c?: ExtCommunity): number {
  return EXT_COMMUNITY_LENGTH;
}

function checkUint(v: number, max: number, what: string): void {
  if (!Number.isInteger(v) || v < 0 || v > max) throw new RangeError(`${what} must be an integer 0..${max}, got ${v}`);
}

function encodeRt(c: RouteTarget, sub: number, buf: Uint8Array, off: number): void {
  buf[off + 1] = sub;
  switch (c.form) {
    case 'as2':
      checkUint(c.asn, 0xffff, 'route target 2-octet AS');
      checkUint(c.local, 0xffffffff, 'route target local number');
      buf[off] = ExtCommType.TRANSITIVE_TWO_OCTET_AS;
      put16(buf, off + 2, c.asn);
      put32(buf, off + 4, c.local);
      return;
    case 'ipv4':
      checkUint(c.local, 0xffff, 'route target local number');
      buf[off] = ExtCommType.TRANSITIVE_IPV4;
      writeIpv4(buf, off + 2, c.ip);
      put16(buf, off + 6, c.local);
      return;
    case 'as4':
      checkUint(c.asn, 0xffffffff, 'route target 4-octet AS');
      checkUint(c.local, 0xffff, 'route target local number');
      buf[off] = ExtCommType.TRANSITIVE_FOUR_OCTET_AS;
      put32(buf, off + 2, c.asn);
      put16(buf, off + 6, c.local);
      return;
  }
}

/** Writes the 8 octets; throws RangeError on values that do not fit their fields. */
export function encode(c: ExtCommunity, buf: Uint8Array, off: number): number {
  switch (c.kind) {
    case 'route-target':
      encodeRt(c, ExtCommSubType.ROUTE_TARGET, buf, off);
      break;
    case 'route-origin':
      encodeRt(c, ExtCommSubType.ROUTE_ORIGIN, buf, off);
      break;
    case 'encapsulation':
      checkUint(c.tunnelType, 0xffff, 'encapsulation tunnel type');
      buf[off] = ExtCommType.TRANSITIVE_OPAQUE;
      buf[off + 1] = ExtCommSubType.ENCAPSULATION;
      buf.fill(0, off + 2, off + 6);
      put16(buf, off + 6, c.tunnelType);
      break;
    case 'default-gateway':
      buf[off] = ExtCommType.TRANSITIVE_OPAQUE;
      buf[off + 1] = ExtCommSubType.DEFAULT_GATEWAY;
      buf.fill(0, off + 2, off + 8);
      break;
    case 'mac-mobility':
      checkUint(c.flags, 0xff, 'MAC mobility flags');
      checkUint(c.seq, 0xffffffff, 'MAC mobility sequence number');
      buf[off] = ExtCommType.EVPN;
      buf[off + 1] = ExtCommSubType.MAC_MOBILITY;
      buf[off + 2] = c.flags;
      buf[off + 3] = 0;
      put32(buf, off + 4, c.seq);
      break;
    case 'esi-label':
      checkUint(c.flags, 0xff, 'ESI label flags');
      checkUint(c.label, 0xffffff, 'ESI label');
      buf[off] = ExtCommType.EVPN;
      buf[off + 1] = ExtCommSubType.ESI_LABEL;
      buf[off + 2] = c.flags;
      buf[off + 3] = 0;
      buf[off + 4] = 0;
      buf[off + 5] = c.label >>> 16;
      buf[off + 6] = (c.label >>> 8) & 0xff;
      buf[off + 7] = c.label & 0xff;
      break;
    case 'es-import':
      buf[off] = ExtCommType.EVPN;
      buf[off + 1] = ExtCommSubType.ES_IMPORT;
      writeMac(buf, off + 2, c.mac);
      break;
    case 'router-mac':
      buf[off] = ExtCommType.EVPN;
      buf[off + 1] = ExtCommSubType.ROUTER_MAC;
      writeMac(buf, off + 2, c.mac);
      break;
    case 'raw':
      if (c.raw.length !== EXT_COMMUNITY_LENGTH) throw new RangeError(`raw extended community must be 8 octets, got ${c.raw.length}`);
      buf.set(c.raw, off);
      break;
  }
  return off + EXT_COMMUNITY_LENGTH;
}

function zero(b: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (b[i] !== 0) return false;
  return true;
}

/** Decodes the 8 octets at r.pos. Only a truncated input is an error: every 8 octets are some community. */
export function decode(r: Reader): ExtCommunity {
  if (r.remaining < EXT_COMMUNITY_LENGTH) {
    throw new DecodeError(`truncated extended community: ${r.remaining} octet(s)`, r.pos);
  }
  const b = r.buf;
  const o = r.pos;
  r.pos += EXT_COMMUNITY_LENGTH;
  const type = b[o]!;
  const sub = b[o + 1]!;
  switch (type) {
    case ExtCommType.TRANSITIVE_TWO_OCTET_AS:
    case ExtCommType.TRANSITIVE_IPV4:
    case ExtCommType.TRANSITIVE_FOUR_OCTET_AS:
      if (sub === ExtCommSubType.ROUTE_TARGET || sub === ExtCommSubType.ROUTE_ORIGIN) {
        const kind = sub === ExtCommSubType.ROUTE_TARGET ? 'route-target' : 'route-origin';
        if (type === ExtCommType.TRANSITIVE_TWO_OCTET_AS) return { kind, form: 'as2', asn: get16(b, o + 2), local: get32(b, o + 4) };
        if (type === ExtCommType.TRANSITIVE_IPV4) return { kind, form: 'ipv4', ip: ipv4ToString(b, o + 2), local: get16(b, o + 6) };
        return { kind, form: 'as4', asn: get32(b, o + 2), local: get16(b, o + 6) };
      }
      break;
    case ExtCommType.TRANSITIVE_OPAQUE:
      if (sub === ExtCommSubType.ENCAPSULATION && zero(b, o + 2, o + 6)) return { kind: 'encapsulation', tunnelType: get16(b, o + 6) };
      if (sub === ExtCommSubType.DEFAULT_GATEWAY && zero(b, o + 2, o + 8)) return { kind: 'default-gateway' };
      break;
    case ExtCommType.EVPN:
      switch (sub) {
        case ExtCommSubType.MAC_MOBILITY:
          if (b[o + 3] === 0) return { kind: 'mac-mobility', flags: b[o + 2]!, seq: get32(b, o + 4) };
          break;
        case ExtCommSubType.ESI_LABEL:
          if (b[o + 3] === 0 && b[o + 4] === 0) {
            return { kind: 'esi-label', flags: b[o + 2]!, label: (b[o + 5]! << 16) | (b[o + 6]! << 8) | b[o + 7]! };
          }
          break;
        case ExtCommSubType.ES_IMPORT:
          return { kind: 'es-import', mac: macToString(b, o + 2) };
        case ExtCommSubType.ROUTER_MAC:
          return { kind: 'router-mac', mac: macToString(b, o + 2) };
      }
      break;
  }
  return { kind: 'raw', raw: b.slice(o, o + EXT_COMMUNITY_LENGTH) };
}

/** The 8 wire octets of a community: a byte-exact identity for comparisons and set keys. */
export function toBytes(c: ExtCommunity): Uint8Array {
  const b = new Uint8Array(EXT_COMMUNITY_LENGTH);
  encode(c, b, 0);
  return b;
}

/** A string key equal for two communities exactly when their wire octets are equal. */
export function extCommunityKey(c: ExtCommunity): string {
  const b = toBytes(c);
  let s = '';
  for (let i = 0; i < 8; i++) s += b[i]!.toString(16).padStart(2, '0');
  return s;
}

export function extCommunityEquals(a: ExtCommunity, b: ExtCommunity): boolean {
  return extCommunityKey(a) === extCommunityKey(b);
}

// ---------------------------------------------------------------- route targets

const NUM_RE = /^\d{1,10}$/;

/**
 * Parses the usual text forms: "65100:100" (2-octet AS, or 4-octet AS when the
 * AS is above 65535), "10.0.0.1:5" (IPv4), and "70000:5" (4-octet AS). A
 * trailing "L" on the AS ("65100L:100") forces the 4-octet form, as in Junos.
 * Throws RangeError on anything else.
 */
export function parseRouteTarget(s: string): RouteTarget {
  const colon = s.lastIndexOf(':');
  if (colon <= 0) throw new RangeError(`not a route target: ${s}`);
  const left = s.slice(0, colon);
  const right = s.slice(colon + 1);
  if (!NUM_RE.test(right)) throw new RangeError(`not a route target: ${s}`);
  const local = Number(right);
  if (isIpv4(left)) {
    if (local > 0xffff) throw new RangeError(`route target ${s}: the number after an IPv4 address must be 0..65535`);
    return { form: 'ipv4', ip: ipv4ToString(ipv4Bytes(left), 0), local };
  }
  const forced4 = left.endsWith('L');
  const asText = forced4 ? left.slice(0, -1) : left;
  if (!NUM_RE.test(asText)) throw new RangeError(`not a route target: ${s}`);
  const asn = Number(asText);
  if (asn > 0xffffffff) throw new RangeError(`route target ${s}: AS out of range`);
  if (forced4 || asn > 0xffff) {
    if (local > 0xffff) throw new RangeError(`route target ${s}: the number after a 4-octet AS must be 0..65535`);
    return { form: 'as4', asn, local };
  }
  if (local > 0xffffffff) throw new RangeError(`route target ${s}: number out of range`);
  return { form: 'as2', asn, local };
}

function ipv4Bytes(ip: Ip): Uint8Array {
  const b = new Uint8Array(4);
  writeIpv4(b, 0, ip);
  return b;
}

/** "65100:100", "10.0.0.1:5"; the 4-octet form of a small AS gets the "L" suffix so that it parses back to itself. */
export function formatRouteTarget(rt: RouteTarget): string {
  switch (rt.form) {
    case 'as2':
      return `${rt.asn}:${rt.local}`;
    case 'ipv4':
      return `${rt.ip}:${rt.local}`;
    case 'as4':
      return rt.asn > 0xffff ? `${rt.asn}:${rt.local}` : `${rt.asn}L:${rt.local}`;
  }
}

/** A route target extended community from its text form. */
export function routeTarget(s: string): ExtCommunity {
  return { kind: 'route-target', ...parseRouteTarget(s) };
}

export function isRouteTarget(c: ExtCommunity): c is Extract<ExtCommunity, { kind: 'route-target' }> {
  return c.kind === 'route-target';
}

/** Same encoding and same values: "65100:100" as2 and "65100L:100" as4 are different targets on the wire. */
export function routeTargetEquals(a: RouteTarget, b: RouteTarget): boolean {
  if (a.form !== b.form || a.local !== b.local) return false;
  if (a.form === 'ipv4') return a.ip === (b as { ip: Ip }).ip;
  return a.asn === (b as { asn: number }).asn;
}

/** The route targets among a list of communities, as text ("65100:100"). */
export function routeTargetsOf(cs: readonly ExtCommunity[]): string[] {
  const out: string[] = [];
  for (const c of cs) if (c.kind === 'route-target') out.push(formatRouteTarget(c));
  return out;
}

// ---------------------------------------------------------------- display

/** Human-readable form, e.g. "RT:65100:100", "Encap:tunnel-type-8", "Router-MAC:02:aa:00:00:10:00". */
export function formatExtCommunity(c: ExtCommunity): string {
  switch (c.kind) {
    case 'route-target':
      return `RT:${formatRouteTarget(c)}`;
    case 'route-origin':
      return `SoO:${formatRouteTarget(c)}`;
    case 'encapsulation':
      return `Encap:tunnel-type-${c.tunnelType}`;
    case 'default-gateway':
      return 'Default-Gateway';
    case 'mac-mobility':
      return `MAC-Mobility:seq-${c.seq}${c.flags & MAC_MOBILITY_STICKY ? ':sticky' : ''}`;
    case 'esi-label':
      return `ESI-Label:${c.label}${c.flags & ESI_LABEL_SINGLE_ACTIVE ? ':single-active' : ':all-active'}`;
    case 'es-import':
      return `ES-Import:${c.mac}`;
    case 'router-mac':
      return `Router-MAC:${c.mac}`;
    case 'raw': {
      let s = '';
      for (const x of c.raw) s += x.toString(16).padStart(2, '0');
      return `0x${s}`;
    }
  }
}
