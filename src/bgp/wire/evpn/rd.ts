import { DecodeError } from '../../../util/errors';
import type { Reader } from '../../../util/reader';
import { isIpv4 } from '../../../util/ip';
import type { RouteDistinguisher } from './types';
import { ipv4At, writeIpv4Fast } from './fields';

/*
 * Route Distinguisher, RFC 4364 §4.2: 8 octets, a 2-octet Type then a 6-octet Value.
 *
 *   type 0:  | 0x0000 | Administrator: 2-octet ASN  | Assigned Number: 4 octets |
 *   type 1:  | 0x0001 | Administrator: IPv4 address | Assigned Number: 2 octets |
 *   type 2:  | 0x0002 | Administrator: 4-octet ASN  | Assigned Number: 2 octets |
 *
 * Other types are not defined; they are kept as their 6 raw value octets so
 * that a route carrying one still round-trips and keys correctly.
 */

export const RD_LENGTH = 8;

export type KnownRouteDistinguisher = Extract<RouteDistinguisher, { admin: unknown }>;

export function isRawRd(rd: RouteDistinguisher): rd is { type: number; raw: Uint8Array } {
  return 'raw' in rd;
}

export function encodingLength(_rd?: RouteDistinguisher): number {
  return RD_LENGTH;
}

function checkUint(v: number, max: number, what: string): void {
  if (!Number.isInteger(v) || v < 0 || v > max) throw new RangeError(`RD ${what} must be an integer 0..${max}, got ${v}`);
}

/** Throws RangeError if the value cannot be encoded as its type says. */
export function encode(rd: RouteDistinguisher, buf: Uint8Array, off: number): number {
  if (isRawRd(rd)) {
    checkUint(rd.type, 0xffff, 'type');
    if (rd.raw.length !== 6) throw new RangeError(`RD raw value must be 6 octets, got ${rd.raw.length}`);
    buf[off] = rd.type >>> 8;
    buf[off + 1] = rd.type & 0xff;
    buf.set(rd.raw, off + 2);
    return off + RD_LENGTH;
  }
  buf[off] = 0;
  buf[off + 1] = rd.type;
  const p = off + 2;
  switch (rd.type) {
    case 0:
      checkUint(rd.admin, 0xffff, 'type 0 administrator (2-octet ASN)');
      checkUint(rd.assigned, 0xffffffff, 'type 0 assigned number');
      buf[p] = rd.admin >>> 8;
      buf[p + 1] = rd.admin & 0xff;
      buf[p + 2] = rd.assigned >>> 24;
      buf[p + 3] = (rd.assigned >>> 16) & 0xff;
      buf[p + 4] = (rd.assigned >>> 8) & 0xff;
      buf[p + 5] = rd.assigned & 0xff;
      break;
    case 1:
      checkUint(rd.assigned, 0xffff, 'type 1 assigned number');
      writeIpv4Fast(buf, p, rd.admin);
      buf[p + 4] = rd.assigned >>> 8;
      buf[p + 5] = rd.assigned & 0xff;
      break;
    case 2:
      checkUint(rd.admin, 0xffffffff, 'type 2 administrator (4-octet ASN)');
      checkUint(rd.assigned, 0xffff, 'type 2 assigned number');
      buf[p] = rd.admin >>> 24;
      buf[p + 1] = (rd.admin >>> 16) & 0xff;
      buf[p + 2] = (rd.admin >>> 8) & 0xff;
      buf[p + 3] = rd.admin & 0xff;
      buf[p + 4] = rd.assigned >>> 8;
      buf[p + 5] = rd.assigned & 0xff;
      break;
    default:
      throw new RangeError(`RD type ${(rd as { type: number }).type} needs a raw value`);
  }
  return off + RD_LENGTH;
}

/*
 * The routes of one UPDATE, and of one VNI, mostly share their RD: the last
 * decoded RD is remembered and handed out again while the octets match. The
 * shared objects are frozen so that a consumer that writes to one fails
 * loudly instead of changing other routes.
 */
const last = new Uint8Array(8);
let lastRd: RouteDistinguisher | null = null;

/** Decodes the 8 octets at `off`; the caller has checked that they exist. Treat the result as immutable. */
export function decodeAt(buf: Uint8Array, off: number): RouteDistinguisher {
  if (
    lastRd !== null &&
    buf[off + 7] === last[7] && buf[off + 6] === last[6] && buf[off + 5] === last[5] && buf[off + 4] === last[4] &&
    buf[off + 3] === last[3] && buf[off + 2] === last[2] && buf[off + 1] === last[1] && buf[off] === last[0]
  ) {
    return lastRd;
  }
  const rd = decodeFresh(buf, off);
  if (isRawRd(rd)) return rd;
  for (let i = 0; i < 8; i++) last[i] = buf[off + i]!;
  lastRd = Object.freeze(rd);
  return rd;
}

function decodeFresh(buf: Uint8Array, off: number): RouteDistinguisher {
  const type = (buf[off]! << 8) | buf[off + 1]!;
  const p = off + 2;
  switch (type) {
    case 0:
      return {
        type: 0,
        admin: (buf[p]! << 8) | buf[p + 1]!,
        assigned: ((buf[p + 2]! << 24) >>> 0) + ((buf[p + 3]! << 16) | (buf[p + 4]! << 8) | buf[p + 5]!),
      };
    case 1:
      return { type: 1, admin: ipv4At(buf, p), assigned: (buf[p + 4]! << 8) | buf[p + 5]! };
    case 2:
      return {
        type: 2,
        admin: ((buf[p]! << 24) >>> 0) + ((buf[p + 1]! << 16) | (buf[p + 2]! << 8) | buf[p + 3]!),
        assigned: (buf[p + 4]! << 8) | buf[p + 5]!,
      };
    default:
      return { type, raw: buf.slice(p, p + 6) };
  }
}

export function decode(r: Reader): RouteDistinguisher {
  if (r.remaining < RD_LENGTH) {
    throw new DecodeError(`truncated route distinguisher: need 8 octets, ${r.remaining} left`, r.pos);
  }
  const rd = decodeAt(r.buf, r.pos);
  r.pos += RD_LENGTH;
  return rd;
}

function hex6(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += (b[i]! < 16 ? '0' : '') + b[i]!.toString(16);
  return s;
}

/**
 * Text form. Types 0 and 1 use the usual "admin:assigned". A type 2 RD whose
 * ASN is above 65535 is written the same way ("4200000000:5"), since no type
 * 0 RD can have that administrator; a type 2 RD with a small ASN gets the
 * "L" suffix ("65100L:5", as Junos writes 4-octet ASNs) so that parseRd gives
 * back the same type. Unknown types: "type:0x" + 12 hex digits.
 */
export function rdToString(rd: RouteDistinguisher): string {
  if (isRawRd(rd)) return `${rd.type}:0x${hex6(rd.raw)}`;
  switch (rd.type) {
    case 0:
    case 1:
      return `${rd.admin}:${rd.assigned}`;
    default:
      return rd.admin > 0xffff ? `${rd.admin}:${rd.assigned}` : `${rd.admin}L:${rd.assigned}`;
  }
}

const DECIMAL = /^\d{1,10}$/;
const HEX12 = /^0x[0-9a-fA-F]{12}$/;

function num(s: string, max: number, what: string, input: string): number {
  if (!DECIMAL.test(s)) throw new RangeError(`bad route distinguisher "${input}": ${what} "${s}" is not a decimal number`);
  const n = Number(s);
  if (n > max) throw new RangeError(`bad route distinguisher "${input}": ${what} ${n} exceeds ${max}`);
  return n;
}

/**
 * Parses the text forms:
 *   "ASN:n"       ASN ≤ 65535 → type 0 (n up to 2^32-1); a larger ASN → type 2 (n ≤ 65535)
 *   "a.b.c.d:n"   type 1 (n ≤ 65535)
 *   "ASNL:n"      type 2 with any ASN (explicit 4-octet AS)
 *   "0:ASN:n", "1:a.b.c.d:n", "2:ASN:n"   explicit type
 *   "T:0x" + 12 hex digits                 any type from its raw value octets
 * Throws RangeError when no type can hold both parts.
 */
export function parseRd(text: string): RouteDistinguisher {
  const s = text.trim();
  const parts = s.split(':');
  if (parts.length === 2 && HEX12.test(parts[1]!)) {
    const type = num(parts[0]!, 0xffff, 'type', text);
    const b = new Uint8Array(RD_LENGTH);
    b[0] = type >>> 8;
    b[1] = type & 0xff;
    for (let i = 0; i < 6; i++) b[2 + i] = parseInt(parts[1]!.substr(2 + 2 * i, 2), 16);
    return decodeFresh(b, 0);
  }
  if (parts.length === 3) {
    const [t, admin, assigned] = parts as [string, string, string];
    switch (t) {
      case '0':
        return { type: 0, admin: num(admin, 0xffff, 'administrator', text), assigned: num(assigned, 0xffffffff, 'assigned number', text) };
      case '1':
        if (!isIpv4(admin)) throw new RangeError(`bad route distinguisher "${text}": "${admin}" is not an IPv4 address`);
        return { type: 1, admin: canonicalV4(admin), assigned: num(assigned, 0xffff, 'assigned number', text) };
      case '2':
        return { type: 2, admin: num(admin, 0xffffffff, 'administrator', text), assigned: num(assigned, 0xffff, 'assigned number', text) };
      default:
        throw new RangeError(`bad route distinguisher "${text}": explicit type must be 0, 1 or 2`);
    }
  }
  if (parts.length !== 2) throw new RangeError(`bad route distinguisher "${text}": expected admin:assigned`);
  const [admin, assigned] = parts as [string, string];
  if (admin.includes('.')) {
    if (!isIpv4(admin)) throw new RangeError(`bad route distinguisher "${text}": "${admin}" is not an IPv4 address`);
    return { type: 1, admin: canonicalV4(admin), assigned: num(assigned, 0xffff, 'assigned number', text) };
  }
  if (admin.endsWith('L') || admin.endsWith('l')) {
    return { type: 2, admin: num(admin.slice(0, -1), 0xffffffff, 'administrator', text), assigned: num(assigned, 0xffff, 'assigned number', text) };
  }
  const as = num(admin, 0xffffffff, 'administrator', text);
  const n = num(assigned, 0xffffffff, 'assigned number', text);
  if (as <= 0xffff) return { type: 0, admin: as, assigned: n };
  if (n > 0xffff) {
    throw new RangeError(
      `bad route distinguisher "${text}": a 4-octet ASN leaves 2 octets for the assigned number (type 2), ${n} exceeds 65535`,
    );
  }
  return { type: 2, admin: as, assigned: n };
}

/** "010.1.1.1" → "10.1.1.1", so equal RDs compare equal. */
function canonicalV4(ip: string): string {
  const b = new Uint8Array(4);
  writeIpv4Fast(b, 0, ip);
  return ipv4At(b, 0);
}

export function rdEquals(a: RouteDistinguisher, b: RouteDistinguisher): boolean {
  if (a.type !== b.type) return false;
  if (isRawRd(a) || isRawRd(b)) {
    if (!isRawRd(a) || !isRawRd(b) || a.raw.length !== b.raw.length) return false;
    for (let i = 0; i < a.raw.length; i++) if (a.raw[i] !== b.raw[i]) return false;
    return true;
  }
  return a.admin === b.admin && a.assigned === b.assigned;
}

/** Accepts either a value or its text form; for builders and configuration. */
export function toRd(rd: RouteDistinguisher | string): RouteDistinguisher {
  return typeof rd === 'string' ? parseRd(rd) : rd;
}
