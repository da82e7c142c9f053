import type { Ip } from '../../../util/ip';

/**
 * Fixed-size fields shared by the EVPN route types: IPv4/IPv6 addresses,
 * 3-octet labels and 4-octet Ethernet Tag IDs. The decoders of the route
 * types index the input directly after one length check per NLRI, so these
 * helpers take (buf, offset) and do no bounds checking of their own.
 */

/**
 * Why a route value is malformed: the route type modules report this from
 * `check` instead of throwing, so that the NLRI layer constructs exactly one
 * error object (capturing a stack trace is the dominant cost of a fault).
 */
export interface Fault {
  message: string;
  /** Absolute offset of the offending field in the input. */
  offset: number;
}

export function fault(message: string, offset: number): Fault {
  return { message, offset };
}

/*
 * Text is built in a scratch Buffer and read out with one latin1 toString:
 * that yields a flat one-byte string in a single allocation, where template
 * literals or `+` chains build rope (cons) strings that cost several objects
 * each and must be flattened again when hashed as Map keys. With a million
 * routes retained in a RIB this is several times faster.
 */
const TXT = Buffer.alloc(64);

/** Two hex digit char codes per octet, packed (hi << 8 | lo). */
const HEX2 = new Uint16Array(256);
/** Decimal char codes per octet, packed up to 3 digits, with the digit count in the top bits. */
const DEC3 = new Uint32Array(256);
for (let i = 0; i < 256; i++) {
  const h = i.toString(16).padStart(2, '0');
  HEX2[i] = (h.charCodeAt(0) << 8) | h.charCodeAt(1);
  const d = String(i);
  let packed = d.length << 24;
  for (let j = 0; j < d.length; j++) packed |= d.charCodeAt(j) << (8 * (2 - j));
  DEC3[i] = packed;
}

function putDec(p: number, v: number): number {
  const d = DEC3[v]!;
  const n = d >>> 24;
  TXT[p] = (d >>> 16) & 0xff;
  if (n > 1) TXT[p + 1] = (d >>> 8) & 0xff;
  if (n > 2) TXT[p + 2] = d & 0xff;
  return p + n;
}

export function ipv4At(buf: Uint8Array, off: number): Ip {
  let p = putDec(0, buf[off]!);
  TXT[p++] = 46;
  p = putDec(p, buf[off + 1]!);
  TXT[p++] = 46;
  p = putDec(p, buf[off + 2]!);
  TXT[p++] = 46;
  p = putDec(p, buf[off + 3]!);
  return TXT.toString('latin1', 0, p);
}

/** `n` octets at `off` as lower-case hex pairs joined by ':' (MACs, ESIs). */
export function colonHexAt(buf: Uint8Array, off: number, n: number): string {
  for (let i = 0; i < n; i++) {
    const h = HEX2[buf[off + i]!]!;
    const p = 3 * i;
    TXT[p] = h >>> 8;
    TXT[p + 1] = h & 0xff;
    TXT[p + 2] = 58;
  }
  return TXT.toString('latin1', 0, 3 * n - 1);
}

/** Hex digit char codes of each octet: high digit at [2i], low at [2i + 1]. */
const HEXC = new Uint8Array(512);
for (let i = 0; i < 256; i++) {
  HEXC[2 * i] = HEX2[i]! >>> 8;
  HEXC[2 * i + 1] = HEX2[i]! & 0xff;
}

/**
 * MAC address text ("02:cc:00:00:00:11") of the 6 octets at `off`. One
 * String.fromCharCode of the 17 char codes: also a flat one-byte string, and
 * unlike Buffer#toString no call into C++ (a MAC is decoded per route).
 */
export function macAt(buf: Uint8Array, off: number): string {
  const a = 2 * buf[off]!;
  const b = 2 * buf[off + 1]!;
  const c = 2 * buf[off + 2]!;
  const d = 2 * buf[off + 3]!;
  const e = 2 * buf[off + 4]!;
  const f = 2 * buf[off + 5]!;
  const H = HEXC;
  return String.fromCharCode(
    H[a]!, H[a + 1]!, 58, H[b]!, H[b + 1]!, 58, H[c]!, H[c + 1]!, 58,
    H[d]!, H[d + 1]!, 58, H[e]!, H[e + 1]!, 58, H[f]!, H[f + 1]!,
  );
}

const G = new Uint16Array(8);
const HEXDIGIT = [48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 97, 98, 99, 100, 101, 102];

function putHex16(p: number, v: number): number {
  if (v >= 0x1000) TXT[p++] = HEXDIGIT[v >>> 12]!;
  if (v >= 0x100) TXT[p++] = HEXDIGIT[(v >>> 8) & 15]!;
  if (v >= 0x10) TXT[p++] = HEXDIGIT[(v >>> 4) & 15]!;
  TXT[p++] = HEXDIGIT[v & 15]!;
  return p;
}

/**
 * IPv6 text per RFC 5952 §4 (lower case, no leading zeros, the longest run of
 * two or more zero groups as "::", the first one on a tie), with the dotted
 * tail for IPv4-mapped addresses (§5). Same output as util/ip ipv6ToString,
 * without its intermediate arrays and strings.
 */
export function ipv6At(buf: Uint8Array, off: number): Ip {
  let bestStart = -1;
  let bestLen = 0;
  let runStart = -1;
  for (let i = 0; i < 8; i++) {
    const g = (buf[off + 2 * i]! << 8) | buf[off + 2 * i + 1]!;
    G[i] = g;
    if (g === 0) {
      if (runStart < 0) runStart = i;
      if (i - runStart + 1 > bestLen) {
        bestStart = runStart;
        bestLen = i - runStart + 1;
      }
    } else {
      runStart = -1;
    }
  }
  if (bestLen < 2) bestStart = -1;
  if (bestStart === 0 && bestLen === 5 && G[5] === 0xffff) return '::ffff:' + ipv4At(buf, off + 12);
  let p = 0;
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      TXT[p++] = 58;
      if (i === 0) TXT[p++] = 58;
      i += bestLen - 1;
      continue;
    }
    p = putHex16(p, G[i]!);
    if (i < 7) TXT[p++] = 58;
  }
  return TXT.toString('latin1', 0, p);
}

/** An address of `len` octets (4 or 16) as canonical text. */
export function ipAt(buf: Uint8Array, off: number, len: 4 | 16): Ip {
  return len === 4 ? ipv4At(buf, off) : ipv6At(buf, off);
}

/**
 * Writes dotted-quad IPv4 text without regular expressions (the encoder runs
 * once per advertised route). Throws RangeError on anything but a.b.c.d with
 * decimal octets 0..255 and no leading "+" or spaces.
 */
export function writeIpv4Fast(buf: Uint8Array, off: number, ip: string): number {
  let part = 0;
  let val = 0;
  let digits = 0;
  for (let i = 0; i < ip.length; i++) {
    const c = ip.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      val = val * 10 + (c - 48);
      if (++digits > 3 || val > 255) throw new RangeError(`not an IPv4 address: ${ip}`);
    } else if (c === 46 && digits > 0 && part < 3) {
      buf[off + part++] = val;
      val = 0;
      digits = 0;
    } else {
      throw new RangeError(`not an IPv4 address: ${ip}`);
    }
  }
  if (part !== 3 || digits === 0) throw new RangeError(`not an IPv4 address: ${ip}`);
  buf[off + 3] = val;
  return off + 4;
}

function hexVal(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/**
 * Writes `n` octets given as hex pairs separated by ':' (or '-' if `dash`):
 * MACs, ESIs. Throws RangeError with `what` on anything else.
 */
export function writeColonHex(buf: Uint8Array, off: number, text: string, n: number, what: string, dash = false): number {
  if (text.length !== 3 * n - 1) throw new RangeError(`not ${what}: ${text}`);
  for (let i = 0; i < n; i++) {
    const hi = hexVal(text.charCodeAt(3 * i));
    const lo = hexVal(text.charCodeAt(3 * i + 1));
    const sep = i < n - 1 ? text.charCodeAt(3 * i + 2) : 58;
    if (hi < 0 || lo < 0 || (sep !== 58 && !(dash && sep === 45))) throw new RangeError(`not ${what}: ${text}`);
    buf[off + i] = (hi << 4) | lo;
  }
  return off + n;
}

/** Writes a MAC address ("02:cc:00:00:00:11", "-" also accepted) without regular expressions. */
export function writeMacFast(buf: Uint8Array, off: number, mac: string): number {
  return writeColonHex(buf, off, mac, 6, 'a MAC address', true);
}

/** Octet length of an address given as text: 16 if it contains ':', else 4. */
export function ipTextLength(ip: string): 4 | 16 {
  return ip.indexOf(':') >= 0 ? 16 : 4;
}

const V4TAIL = new Uint8Array(4);

function notIpv6(ip: string): RangeError {
  return new RangeError(`not an IPv6 address: ${ip}`);
}

/**
 * Writes IPv6 text (RFC 4291 §2.2: hex groups, one "::" standing for one or
 * more zero groups, an optional dotted IPv4 tail) without regular
 * expressions or intermediate arrays. Throws RangeError on anything else.
 */
export function writeIpv6Fast(buf: Uint8Array, off: number, ip: string): number {
  const len = ip.length;
  let n = 0;
  let gap = -1;
  let i = 0;
  if (len < 2) throw notIpv6(ip);
  if (ip.charCodeAt(0) === 58) {
    if (ip.charCodeAt(1) !== 58) throw notIpv6(ip);
    gap = 0;
    i = 2;
  }
  while (i < len) {
    const start = i;
    let v = 0;
    let h: number;
    while (i < len && i - start < 5 && (h = hexVal(ip.charCodeAt(i))) >= 0) {
      v = (v << 4) | h;
      i++;
    }
    if (i < len && ip.charCodeAt(i) === 46) {
      // Dotted IPv4 tail: the last 32 bits.
      if (n > 6) throw notIpv6(ip);
      writeIpv4Fast(V4TAIL, 0, ip.slice(start));
      G[n++] = (V4TAIL[0]! << 8) | V4TAIL[1]!;
      G[n++] = (V4TAIL[2]! << 8) | V4TAIL[3]!;
      i = len;
      break;
    }
    if (i === start || i - start > 4 || n === 8) throw notIpv6(ip);
    G[n++] = v;
    if (i === len) break;
    if (ip.charCodeAt(i) !== 58) throw notIpv6(ip);
    i++;
    if (i < len && ip.charCodeAt(i) === 58) {
      if (gap >= 0) throw notIpv6(ip);
      gap = n;
      i++;
    } else if (i === len) {
      throw notIpv6(ip);
    }
  }
  if (gap >= 0 ? n > 7 : n !== 8) throw notIpv6(ip);
  const zeros = 8 - n;
  let p = off;
  for (let k = 0; k < n; k++) {
    if (k === gap) {
      buf.fill(0, p, p + 2 * zeros);
      p += 2 * zeros;
    }
    buf[p++] = G[k]! >>> 8;
    buf[p++] = G[k]! & 0xff;
  }
  if (gap === n) {
    buf.fill(0, p, p + 2 * zeros);
    p += 2 * zeros;
  }
  return p;
}

/** Writes either family; the family is chosen by the text (':' means IPv6). */
export function writeIpAny(buf: Uint8Array, off: number, ip: string): number {
  return ip.indexOf(':') >= 0 ? writeIpv6Fast(buf, off, ip) : writeIpv4Fast(buf, off, ip);
}

export function u32At(buf: Uint8Array, off: number): number {
  return ((buf[off]! << 24) >>> 0) + ((buf[off + 1]! << 16) | (buf[off + 2]! << 8) | buf[off + 3]!);
}

export function u24At(buf: Uint8Array, off: number): number {
  return (buf[off]! << 16) | (buf[off + 1]! << 8) | buf[off + 2]!;
}

/**
 * A 3-octet MPLS label field. For VXLAN the whole 24 bits are the VNI
 * (RFC 8365 §5.1.3), so the value is stored and written raw, never shifted.
 */
export function writeLabel(buf: Uint8Array, off: number, label: number, what: string): number {
  if (!Number.isInteger(label) || label < 0 || label > 0xffffff) {
    throw new RangeError(`${what} must be an integer 0..16777215 (3 octets), got ${label}`);
  }
  buf[off] = label >>> 16;
  buf[off + 1] = (label >>> 8) & 0xff;
  buf[off + 2] = label & 0xff;
  return off + 3;
}

/** Ethernet Tag ID: 4 octets (RFC 7432 §7). */
export function writeEthTag(buf: Uint8Array, off: number, tag: number): number {
  if (!Number.isInteger(tag) || tag < 0 || tag > 0xffffffff) {
    throw new RangeError(`Ethernet Tag ID must be an integer 0..4294967295, got ${tag}`);
  }
  buf[off] = tag >>> 24;
  buf[off + 1] = (tag >>> 16) & 0xff;
  buf[off + 2] = (tag >>> 8) & 0xff;
  buf[off + 3] = tag & 0xff;
  return off + 4;
}
