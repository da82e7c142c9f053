import { DecodeError } from '../../../util/errors';
import type { Fault } from './fields';
import type { Reader } from '../../../util/reader';
import type { EvpnNlri, EvpnRoute, UnknownEvpnRoute } from './types';
import * as type1 from './type1-ethernet-ad';
import * as type2 from './type2-mac-ip';
import * as type3 from './type3-imet';
import * as type4 from './type4-es';
import * as type5 from './type5-ip-prefix';

/*
 * EVPN NLRI, RFC 7432 §7: a type/length/value triple.
 *
 *   +-----------------------------------+
 *   |    Route Type (1 octet)           |
 *   +-----------------------------------+
 *   |     Length (1 octet)              |
 *   +-----------------------------------+
 *   | Route Type specific (variable)    |
 *   +-----------------------------------+
 *
 * With ADD-PATH negotiated for L2VPN/EVPN in the receive direction, a
 * 4-octet Path Identifier comes first (RFC 7911 §3).
 *
 * Error handling (RFC 7606 §5.3/§5.4): an unknown route type is not an
 * error, it is returned as UnknownEvpnRoute for the RIB to skip. A known type
 * whose length or inner length fields are wrong is an EvpnNlriError with
 * boundaryIntact = true: the Length octet still delimits it, so the rest of
 * the field can be decoded (the caller decides between treat-as-withdraw and
 * AFI/SAFI disable). An NLRI that runs past the end of the field leaves no
 * trustworthy boundary: boundaryIntact = false.
 */

/** A malformed EVPN NLRI. `routeType` is -1 when even the type octet was missing. */
export class EvpnNlriError extends DecodeError {
  override readonly name: string = 'EvpnNlriError';
  constructor(
    message: string,
    offset: number,
    readonly routeType: number,
    /** True when the Length octet was readable and fits the field: decoding can resume at `next`. */
    readonly boundaryIntact: boolean,
    /** Offset after the malformed NLRI when boundaryIntact, else -1. */
    readonly next: number,
  ) {
    super(message, offset);
  }
}

const ROUTE_NAMES: readonly string[] = [
  'reserved',
  'Ethernet Auto-Discovery',
  'MAC/IP Advertisement',
  'Inclusive Multicast Ethernet Tag',
  'Ethernet Segment',
  'IP Prefix',
];

/** Human name of a route type, e.g. for logs: "MAC/IP Advertisement", or "type 9" if unknown. */
export function evpnRouteTypeName(t: number): string {
  return ROUTE_NAMES[t] ?? `type ${t}`;
}

function isUnknown(route: EvpnRoute): route is UnknownEvpnRoute {
  return (route as UnknownEvpnRoute).unknown === true;
}

/** Octets of the route-type-specific value (what the Length octet says). */
export function evpnRouteValueLength(route: EvpnRoute): number {
  if (isUnknown(route)) return route.value.length;
  switch (route.routeType) {
    case 1:
      return type1.encodingLength();
    case 2:
      return type2.encodingLength(route);
    case 3:
      return type3.encodingLength(route);
    case 4:
      return type4.encodingLength(route);
    case 5:
      return type5.encodingLength(route);
    default:
      throw new RangeError(`EVPN route type ${(route as { routeType: number }).routeType} is not known: give it as UnknownEvpnRoute`);
  }
}

/** Octets of the route as a TLV (type, length, value). */
export function encodingLengthEvpnRoute(route: EvpnRoute): number {
  return 2 + evpnRouteValueLength(route);
}

/** Writes the route TLV; RangeError on values that cannot be encoded. */
export function encodeEvpnRoute(route: EvpnRoute, buf: Uint8Array, off: number): number {
  const t = route.routeType;
  if (!Number.isInteger(t) || t < 0 || t > 255) throw new RangeError(`EVPN route type ${t} does not fit one octet`);
  const v = off + 2;
  let end: number;
  if (isUnknown(route)) {
    buf.set(route.value, v);
    end = v + route.value.length;
  } else {
    switch (route.routeType) {
      case 1:
        end = type1.encode(route, buf, v);
        break;
      case 2:
        end = type2.encode(route, buf, v);
        break;
      case 3:
        end = type3.encode(route, buf, v);
        break;
      case 4:
        end = type4.encode(route, buf, v);
        break;
      case 5:
        end = type5.encode(route, buf, v);
        break;
      default:
        throw new RangeError(`EVPN route type ${t} is not known: give it as UnknownEvpnRoute`);
    }
  }
  const len = end - v;
  if (len > 255) throw new RangeError(`EVPN route value of ${len} octets does not fit the 1-octet Length`);
  buf[off] = t;
  buf[off + 1] = len;
  return end;
}

// Per-route calls go through module-local bindings: run from source (tsx,
// esbuild's CommonJS output) every use of an imported binding is a getter
// call, which costs more than these small functions themselves.
const checkMacIp = type2.check;
const decodeMacIp = type2.decodeValid;

/** Decodes one route TLV at r.pos (no path identifier). Throws EvpnNlriError. */
export function decodeEvpnRoute(r: Reader): EvpnRoute {
  const start = r.pos;
  const left = r.end - start;
  if (left < 2) {
    throw new EvpnNlriError(
      `EVPN NLRI: truncated header, need 2 octets (type, length), ${left} left`,
      start,
      left === 1 ? r.buf[start]! : -1,
      false,
      -1,
    );
  }
  const b = r.buf;
  const t = b[start]!;
  const len = b[start + 1]!;
  if (len > left - 2) {
    throw new EvpnNlriError(
      `EVPN NLRI: ${evpnRouteTypeName(t)} route (type ${t}) length ${len} exceeds the ${left - 2} octet(s) left in the field`,
      start,
      t,
      false,
      -1,
    );
  }
  const v = start + 2;
  // The Length octet is trusted from here on: whatever the value holds, the next NLRI starts after it.
  r.pos = v + len;
  let f: Fault | null;
  switch (t) {
    case 1:
      if ((f = type1.check(b, v, len)) === null) return type1.decodeValid(b, v, len);
      break;
    case 2:
      if ((f = checkMacIp(b, v, len)) === null) return decodeMacIp(b, v, len);
      break;
    case 3:
      if ((f = type3.check(b, v, len)) === null) return type3.decodeValid(b, v, len);
      break;
    case 4:
      if ((f = type4.check(b, v, len)) === null) return type4.decodeValid(b, v, len);
      break;
    case 5:
      if ((f = type5.check(b, v, len)) === null) return type5.decodeValid(b, v, len);
      break;
    default:
      return { routeType: t, unknown: true, value: b.slice(v, v + len) };
  }
  throw new EvpnNlriError(`EVPN NLRI: ${f.message}`, f.offset, t, true, v + len);
}

export function encodingLengthEvpnNlri(n: EvpnNlri, addPath: boolean): number {
  return (addPath ? 4 : 0) + 2 + evpnRouteValueLength(n.route);
}

/**
 * Writes one NLRI; with ADD-PATH the path identifier comes first (0 when the
 * value has none). Returns the offset after it.
 */
export function encodeEvpnNlri(n: EvpnNlri, buf: Uint8Array, off: number, addPath: boolean): number {
  let p = off;
  if (addPath) {
    const id = n.pathId ?? 0;
    if (!Number.isInteger(id) || id < 0 || id > 0xffffffff) throw new RangeError(`ADD-PATH path identifier ${id} does not fit 4 octets`);
    buf[p] = id >>> 24;
    buf[p + 1] = (id >>> 16) & 0xff;
    buf[p + 2] = (id >>> 8) & 0xff;
    buf[p + 3] = id & 0xff;
    p += 4;
  }
  return encodeEvpnRoute(n.route, buf, p);
}

/**
 * Decodes one NLRI at r.pos. Throws DecodeError if the NLRI is malformed in a way that makes the rest of the field unparseable.
 * More precisely it throws an EvpnNlriError for any malformed NLRI: with boundaryIntact = false when the rest of the
 * field is unparseable, and with boundaryIntact = true (reader moved past the bad NLRI) when only this NLRI is bad.
 */
export function decodeEvpnNlri(r: Reader, addPath: boolean): EvpnNlri {
  if (!addPath) return { route: decodeEvpnRoute(r) };
  const start = r.pos;
  if (r.end - start < 4) {
    throw new EvpnNlriError(`EVPN NLRI: truncated ADD-PATH path identifier, need 4 octets, ${r.end - start} left`, start, -1, false, -1);
  }
  const b = r.buf;
  const pathId = ((b[start]! << 24) >>> 0) + ((b[start + 1]! << 16) | (b[start + 2]! << 8) | b[start + 3]!);
  r.pos = start + 4;
  return { route: decodeEvpnRoute(r), pathId };
}

export interface EvpnNlriListResult {
  nlris: EvpnNlri[];
  /** The first fault, if any. */
  error?: EvpnNlriError;
}

/**
 * Decodes NLRIs until the end of the reader's window. Never throws on bad
 * input: routes decoded before a fault are kept. After a fault with an intact
 * boundary, decoding goes on, so `nlris` holds every well-formed route of the
 * field (what a treat-as-withdraw needs); after a broken boundary it stops and
 * leaves the reader at the end of its window.
 */
export function decodeEvpnNlriList(r: Reader, addPath: boolean): EvpnNlriListResult {
  const nlris: EvpnNlri[] = [];
  let error: EvpnNlriError | undefined;
  while (r.pos < r.end) {
    try {
      nlris.push(decodeEvpnNlri(r, addPath));
    } catch (e) {
      if (!(e instanceof EvpnNlriError)) throw e;
      error ??= e;
      if (!e.boundaryIntact) {
        r.pos = r.end;
        break;
      }
    }
  }
  return error ? { nlris, error } : { nlris };
}

export function encodingLengthEvpnNlriList(list: readonly EvpnNlri[], addPath: boolean): number {
  let n = 0;
  for (const x of list) n += encodingLengthEvpnNlri(x, addPath);
  return n;
}

export function encodeEvpnNlriList(list: readonly EvpnNlri[], buf: Uint8Array, off: number, addPath: boolean): number {
  let p = off;
  for (const x of list) p = encodeEvpnNlri(x, buf, p, addPath);
  return p;
}

/** Codec-contract view of one NLRI, with the ADD-PATH flag as context. */
export const evpnNlriCodec = {
  encodingLength: encodingLengthEvpnNlri,
  encode: encodeEvpnNlri,
  decode: decodeEvpnNlri,
};
