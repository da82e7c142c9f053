import { ipTextLength } from './fields';
import { rdToString } from './rd';
import { encodeEvpnRoute, encodingLengthEvpnRoute } from './nlri';
import type { EvpnNlri, EvpnRoute } from './types';

/*
 * Route keys for the RIB: which NLRI fields identify a route (two routes with
 * equal keys replace each other; everything else is attribute-like).
 *
 *   type 1 (RFC 7432 §7.1):  RD, ESI, Ethernet Tag ID            (not the label)
 *   type 2 (RFC 7432 §7.2):  RD, Ethernet Tag ID, MAC Address Length, MAC Address,
 *                            IP Address Length, IP Address       (not ESI, not labels)
 *   type 3 (RFC 7432 §7.3):  RD, Ethernet Tag ID, IP Address Length, Originating IP
 *   type 4 (RFC 7432 §7.4):  RD, ESI, IP Address Length, Originating IP
 *   type 5 (RFC 9136 §3.1):  RD, Ethernet Tag ID, IP Prefix Length, IP Prefix
 *                            (not ESI, not gateway IP, not label)
 *
 * The RD is part of every key, as in any VPN address family (RFC 4364 §4.1).
 *
 * The key is a compact binary string: one char per octet (0..255) of the
 * route type followed by the key fields exactly as they sit on the wire, so
 * it can be built straight from received bytes (evpnRouteKeyAt) without
 * decoding, and from a value (evpnRouteKey) by encoding it. Both give the same
 * string by construction. Unknown route types key on all their value octets.
 */

/** Key fields of a route value starting at `v`, as [start, end) pairs; type 2 is handled inline. */
function keyRanges(t: number, v: number, len: number): number[] {
  switch (t) {
    case 1:
      return [v, v + 22];
    case 3:
    case 4:
      return [v, v + len];
    case 5: {
      const fam = len === 34 ? 4 : 16;
      return [v, v + 8, v + 18, v + 23 + fam];
    }
    default:
      return [v - 1, v + len];
  }
}

/** Where keys are assembled: one latin1 toString of it gives a flat string (see fields.ts). */
const KEY = Buffer.alloc(2 + 255);

function copyKey(p: number, buf: Uint8Array, from: number, to: number): number {
  for (let i = from; i < to; i++) KEY[p++] = buf[i]!;
  return p;
}

/**
 * Key of a MAC/IP route value at `v` with an IPv4 address or none (the
 * common shapes): one String.fromCharCode of the 25 or 21 octets, a flat
 * one-byte string made without a call into C++. Null for IPv6.
 */
function macIpKeyAt(b: Uint8Array, v: number): string | null {
  const ipBits = b[v + 29]!;
  if (ipBits === 32) {
    return String.fromCharCode(
      2, b[v]!, b[v + 1]!, b[v + 2]!, b[v + 3]!, b[v + 4]!, b[v + 5]!, b[v + 6]!, b[v + 7]!,
      b[v + 18]!, b[v + 19]!, b[v + 20]!, b[v + 21]!, 48,
      b[v + 23]!, b[v + 24]!, b[v + 25]!, b[v + 26]!, b[v + 27]!, b[v + 28]!,
      32, b[v + 30]!, b[v + 31]!, b[v + 32]!, b[v + 33]!,
    );
  }
  if (ipBits === 0) {
    return String.fromCharCode(
      2, b[v]!, b[v + 1]!, b[v + 2]!, b[v + 3]!, b[v + 4]!, b[v + 5]!, b[v + 6]!, b[v + 7]!,
      b[v + 18]!, b[v + 19]!, b[v + 20]!, b[v + 21]!, 48,
      b[v + 23]!, b[v + 24]!, b[v + 25]!, b[v + 26]!, b[v + 27]!, b[v + 28]!, 0,
    );
  }
  return null;
}

/**
 * The RIB key of the route TLV at `off` (type, length, value). Precondition:
 * the TLV was accepted by decodeEvpnNlri/decodeEvpnRoute; nothing is checked
 * again here.
 */
export function evpnRouteKeyAt(buf: Uint8Array, off: number): string {
  const t = buf[off]!;
  const len = buf[off + 1]!;
  const v = off + 2;
  if (t === 2) {
    const k = macIpKeyAt(buf, v);
    if (k !== null) return k;
  }
  KEY[0] = t;
  let p: number;
  if (t === 2) {
    // Hot path (MAC/IP routes dominate): RD, then Ethernet Tag .. IP (skipping the ESI at v+8..v+18).
    p = copyKey(1, buf, v, v + 8);
    p = copyKey(p, buf, v + 18, v + 30 + (buf[v + 29]! >>> 3));
  } else {
    const ranges = keyRanges(t, v, len);
    p = 1;
    for (let i = 0; i < ranges.length; i += 2) p = copyKey(p, buf, ranges[i]!, ranges[i + 1]!);
  }
  return KEY.toString('latin1', 0, p);
}

/*
 * Keys taken from the wire by the decoder (mp-nlri.ts), so that the RIB need
 * not derive them again from the decoded values: per decoded list, the keys
 * parallel to it. Kept only while the list itself is alive. A decoded list is
 * never changed afterwards (nothing in this code base does); the length check
 * below is a guard, not a licence.
 */
const decoded = new WeakMap<readonly EvpnNlri[], readonly string[]>();

/** Records the keys of a list of NLRIs just decoded from the wire (parallel to it). */
export function rememberWireKeys(list: readonly EvpnNlri[], keys: readonly string[]): void {
  if (keys.length === list.length && list.length > 0) decoded.set(list, keys);
}

/** The keys the decoder recorded for `list` (keys[i] = evpnRouteKey(list[i].route)), or undefined. */
export function wireKeys(list: readonly EvpnNlri[]): readonly string[] | undefined {
  const k = decoded.get(list);
  return k !== undefined && k.length === list.length ? k : undefined;
}

let scratch = new Uint8Array(512);

/** The RIB key of a route value (locally originated routes, tests); equals evpnRouteKeyAt of its encoding. */
export function evpnRouteKey(route: EvpnRoute): string {
  const n = encodingLengthEvpnRoute(route);
  if (n > scratch.length) scratch = new Uint8Array(n);
  encodeEvpnRoute(route, scratch, 0);
  return evpnRouteKeyAt(scratch, 0);
}

/** Key of an NLRI including its ADD-PATH path identifier (4 chars first) when it has one. */
export function evpnNlriKey(n: EvpnNlri): string {
  const k = evpnRouteKey(n.route);
  if (n.pathId === undefined) return k;
  const id = n.pathId;
  return String.fromCharCode(id >>> 24, (id >>> 16) & 0xff, (id >>> 8) & 0xff, id & 0xff) + k;
}

/** A key as hex, for logs and test failure messages. */
export function keyToHex(key: string): string {
  let s = '';
  for (let i = 0; i < key.length; i++) s += key.charCodeAt(i).toString(16).padStart(2, '0');
  return s;
}

export interface FormatOptions {
  /** Prefix the RD ("10.98.0.1:2 [2]:..."); FRR shows it on a separate line. */
  withRd?: boolean;
}

/**
 * Human form in FRR's bracket style (what `show bgp l2vpn evpn` prints as the
 * prefix): only the key fields, e.g.
 *   [1]:[0]:[00:11:...]                          Ethernet A-D: Ethernet Tag, ESI
 *   [2]:[0]:[48]:[02:cc:00:00:00:11]:[32]:[10.100.0.11]
 *   [2]:[0]:[48]:[02:cc:00:00:00:11]             MAC-only
 *   [3]:[0]:[32]:[10.98.0.1]
 *   [4]:[00:11:...]:[32]:[10.98.0.1]
 *   [5]:[0]:[24]:[10.100.0.0]
 */
export function formatRoute(route: EvpnRoute, opts: FormatOptions = {}): string {
  const s = formatBody(route);
  return opts.withRd && 'rd' in route ? `${rdToString(route.rd)} ${s}` : s;
}

function formatBody(route: EvpnRoute): string {
  if ('unknown' in route) {
    let hex = '';
    for (const b of route.value) hex += b.toString(16).padStart(2, '0');
    return `[${route.routeType}]:[${hex}]`;
  }
  switch (route.routeType) {
    case 1:
      return `[1]:[${route.ethTag}]:[${route.esi}]`;
    case 2: {
      const base = `[2]:[${route.ethTag}]:[48]:[${route.mac}]`;
      return route.ip === undefined ? base : `${base}:[${ipTextLength(route.ip) * 8}]:[${route.ip}]`;
    }
    case 3:
      return `[3]:[${route.ethTag}]:[${ipTextLength(route.originatorIp) * 8}]:[${route.originatorIp}]`;
    case 4:
      return `[4]:[${route.esi}]:[${ipTextLength(route.originatorIp) * 8}]:[${route.originatorIp}]`;
    case 5:
      return `[5]:[${route.ethTag}]:[${route.prefixLength}]:[${route.prefix}]`;
    default:
      return `[${(route as { routeType: number }).routeType}]`;
  }
}

/** Text of an NLRI for logs: RD, bracket form and the non-key fields that matter to a VTEP. */
export function describeNlri(n: EvpnNlri): string {
  const r = n.route;
  const id = n.pathId === undefined ? '' : ` path-id ${n.pathId}`;
  if ('unknown' in r) return `${formatRoute(r)}${id} (unknown route type, ${r.value.length} octets)`;
  const rd = `RD ${rdToString(r.rd)} `;
  switch (r.routeType) {
    case 1:
      return `${rd}${formatRoute(r)} label ${r.label}${id}`;
    case 2:
      return `${rd}${formatRoute(r)} ESI ${r.esi} label1 ${r.label1}${r.label2 === undefined ? '' : ` label2 ${r.label2}`}${id}`;
    case 5:
      return `${rd}${formatRoute(r)} ESI ${r.esi} gw ${r.gatewayIp} label ${r.label}${id}`;
    default:
      return `${rd}${formatRoute(r)}${id}`;
  }
}
