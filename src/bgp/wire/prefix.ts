import { DecodeError } from '../../util/errors';
import { ipv4ToString, ipv6ToString, writeIp, type Ip } from '../../util/ip';
import type { Reader } from '../../util/reader';

/*
 * IP prefixes as carried in the UPDATE Withdrawn Routes and NLRI fields
 * (RFC 4271 §4.3) and, for IPv4/IPv6 unicast, inside MP_REACH_NLRI /
 * MP_UNREACH_NLRI (RFC 4760 §5, RFC 2545 §2):
 *
 *   +---------------------------+
 *   |   Length (1 octet)        |  prefix length in bits
 *   +---------------------------+
 *   |   Prefix (variable)       |  ceil(Length / 8) octets
 *   +---------------------------+
 *
 * With ADD-PATH (RFC 7911 §3) every prefix is preceded by a 4-octet Path
 * Identifier.
 */

export type IpFamily = 4 | 6;

export interface Prefix {
  /** Network address with the host bits cleared (RFC 4271 §4.3: trailing bits are irrelevant). */
  prefix: Ip;
  length: number;
  /** RFC 7911 Path Identifier, present when ADD-PATH is in use for the family. */
  pathId?: number;
}

export function maxPrefixLength(family: IpFamily): number {
  return family === 4 ? 32 : 128;
}

function familyOf(ip: Ip): IpFamily {
  return ip.includes(':') ? 6 : 4;
}

export function encodingLength(p: Prefix, addPath: boolean): number {
  return (addPath ? 4 : 0) + 1 + ((p.length + 7) >>> 3);
}

const scratch = new Uint8Array(16);

/** Throws RangeError on a length out of range for the family or a missing/extra path id. */
export function encode(p: Prefix, buf: Uint8Array, off: number, addPath: boolean): number {
  const max = maxPrefixLength(familyOf(p.prefix));
  if (!Number.isInteger(p.length) || p.length < 0 || p.length > max) {
    throw new RangeError(`prefix length ${p.length} out of range 0..${max}`);
  }
  if (addPath) {
    const id = p.pathId;
    if (id === undefined || !Number.isInteger(id) || id < 0 || id > 0xffffffff) {
      throw new RangeError('ADD-PATH is in use: every prefix needs a 32-bit pathId');
    }
    buf[off++] = id >>> 24;
    buf[off++] = (id >>> 16) & 0xff;
    buf[off++] = (id >>> 8) & 0xff;
    buf[off++] = id & 0xff;
  }
  writeIp(scratch, 0, p.prefix);
  const n = (p.length + 7) >>> 3;
  buf[off++] = p.length;
  for (let i = 0; i < n; i++) buf[off + i] = scratch[i]!;
  // Host bits are sent as zero so that equal prefixes encode equally.
  if (p.length & 7) buf[off + n - 1] &= (0xff << (8 - (p.length & 7))) & 0xff;
  return off + n;
}

/**
 * Decodes one prefix. A length beyond the family's maximum or a prefix that
 * runs past the field is a syntax error of the whole field (RFC 7606 §5.3);
 * the caller decides what that means for the session.
 */
export function decode(r: Reader, family: IpFamily, addPath: boolean): Prefix {
  const pathId = addPath ? r.u32('ADD-PATH path identifier') : undefined;
  const at = r.pos;
  const length = r.u8('prefix length');
  const max = maxPrefixLength(family);
  if (length > max) throw new DecodeError(`prefix length ${length} exceeds ${max}`, at);
  const n = (length + 7) >>> 3;
  const src = r.view(n, 'prefix');
  const full = new Uint8Array(family === 4 ? 4 : 16);
  full.set(src);
  if (length & 7) full[n - 1] &= (0xff << (8 - (length & 7))) & 0xff;
  const prefix = family === 4 ? ipv4ToString(full, 0) : ipv6ToString(full, 0);
  return pathId === undefined ? { prefix, length } : { prefix, length, pathId };
}

/** Decodes prefixes until the reader is exhausted. */
export function decodeList(r: Reader, family: IpFamily, addPath: boolean): Prefix[] {
  const out: Prefix[] = [];
  while (!r.atEnd) out.push(decode(r, family, addPath));
  return out;
}

export function listEncodingLength(ps: readonly Prefix[], addPath: boolean): number {
  let n = 0;
  for (const p of ps) n += encodingLength(p, addPath);
  return n;
}

export function encodeList(ps: readonly Prefix[], buf: Uint8Array, off: number, addPath: boolean): number {
  for (const p of ps) off = encode(p, buf, off, addPath);
  return off;
}

/** "10.0.0.0/24", or "10.0.0.0/24 path 7" with ADD-PATH. */
export function formatPrefix(p: Prefix): string {
  return `${p.prefix}/${p.length}${p.pathId === undefined ? '' : ` path ${p.pathId}`}`;
}

/** Parses "10.0.0.0/24" or "2001:db8::/32"; host bits are cleared. Throws RangeError. */
export function parsePrefix(s: string, pathId?: number): Prefix {
  const slash = s.indexOf('/');
  if (slash < 0) throw new RangeError(`not a prefix: ${s}`);
  const ip = s.slice(0, slash);
  const lenText = s.slice(slash + 1);
  if (!/^\d{1,3}$/.test(lenText)) throw new RangeError(`not a prefix: ${s}`);
  const length = Number(lenText);
  const family = familyOf(ip);
  if (length > maxPrefixLength(family)) throw new RangeError(`not a prefix: ${s}`);
  const b = new Uint8Array(family === 4 ? 4 : 16);
  writeIp(b, 0, ip);
  const n = (length + 7) >>> 3;
  b.fill(0, n);
  if (length & 7) b[n - 1] &= (0xff << (8 - (length & 7))) & 0xff;
  const prefix = family === 4 ? ipv4ToString(b, 0) : ipv6ToString(b, 0);
  return pathId === undefined ? { prefix, length } : { prefix, length, pathId };
}
